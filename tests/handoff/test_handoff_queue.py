"""The handoff queue on SQLite and PostgreSQL: lifecycle, order, one ticket per migrant, reminders,
deletion, claims raced by real threads, and `safar trainer`."""

from __future__ import annotations

import json
import argparse
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Engine, func, inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from handoff import queue as q
from handoff.errors import (
    AlreadyClaimed, HandoffError, InvalidTicketData, NotATrainer, NotClaimed, NotOverdue, NotYourTicket, TicketClosed,
    TicketNotFound,
)
from storage.db import make_engine, make_sessionmaker
from storage.migrate import alembic_config, current_revision, upgrade_to_head
from storage.models import Base, Ticket, TicketTurn

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=timezone.utc)
ALICE, BOB = 111, 222  # trainers' Telegram ids
CAROL = 333  # a coordinator


@pytest.fixture
def factory(any_engine: Engine) -> sessionmaker[Session]:
    """A session factory on a freshly migrated database."""
    upgrade_to_head(any_engine)
    return make_sessionmaker(any_engine)


def open_one(factory: sessionmaker[Session], pseudonym: str, *, at: datetime = T0, reason: str = "asked_for_person",
             question: str = "when is my flight?", chat_id: int = 9_000_000_001) -> q.Opened:
    with factory.begin() as session:
        return q.open_ticket(session=session, pseudonym=pseudonym, chat_id=chat_id, question=question, reason=reason,
                             country="CA", language="en", now=at)


# --- schema -------------------------------------------------------------------------------------------


def test_migration_matches_the_models_and_goes_down_and_up(any_engine: Engine) -> None:
    upgrade_to_head(any_engine)
    assert current_revision(any_engine) == "0007"
    with any_engine.connect() as conn:  # the hand-written migrations build exactly what the models declare
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    tickets, log = {"tickets", "ticket_turns"}, {"question_log"}
    assert tickets | log <= set(inspect(any_engine).get_table_names())
    command.downgrade(alembic_config(any_engine), "0002")
    assert tickets <= set(inspect(any_engine).get_table_names()) and not log & set(inspect(any_engine).get_table_names())
    command.downgrade(alembic_config(any_engine), "0001")
    assert not tickets & set(inspect(any_engine).get_table_names())
    upgrade_to_head(any_engine)
    assert tickets | log <= set(inspect(any_engine).get_table_names())


# --- lifecycle ----------------------------------------------------------------------------------------


def test_whole_lifecycle(factory: sessionmaker[Session]) -> None:
    opened = open_one(factory, "p_amira")
    assert opened.created and opened.ticket.status == q.OPEN and opened.ticket.priority == q.NORMAL
    tid = opened.ticket.id

    with factory.begin() as session:
        assert [t.id for t in q.queue(session=session, status=q.OPEN)] == [tid]
        assert q.active_ticket_for(session=session, pseudonym="p_amira") is None  # open: Rasa still answers
        with pytest.raises(NotClaimed):
            q.answer(session=session, ticket_id=tid, trainer_id=ALICE, text="too early", now=T0)

    with factory.begin() as session:
        result = q.claim(session=session, ticket_id=tid, trainer_id=ALICE, now=T0 + timedelta(minutes=5))
        assert result.won and result.owner == ALICE and result.status == q.CLAIMED
    with factory.begin() as session:
        again = q.claim(session=session, ticket_id=tid, trainer_id=ALICE, now=T0 + timedelta(minutes=6))
        assert not again.won and again.already_yours
        with pytest.raises(NotYourTicket, match=f"trainer {ALICE}"):
            q.answer(session=session, ticket_id=tid, trainer_id=BOB, text="mine?", now=T0)

    with factory.begin() as session:
        turn = q.answer(session=session, ticket_id=tid, trainer_id=ALICE, text="Your flight is on Monday.",
                        now=T0 + timedelta(minutes=10))
        assert turn.sender == q.TRAINER and turn.delivered_at is None
    with factory.begin() as session:
        pending = q.undelivered_trainer_turns(session=session)
        assert [(t.text, t.ticket.chat_id) for t in pending] == [("Your flight is on Monday.", 9_000_000_001)]
        q.mark_delivered(session=session, turn_id=pending[0].id, now=T0 + timedelta(minutes=11))
    with factory.begin() as session:
        assert q.undelivered_trainer_turns(session=session) == []
        ticket = q.active_ticket_for(session=session, pseudonym="p_amira")
        assert ticket is not None and ticket.status == q.ANSWERED

    # The migrant writes again: back to the same trainer.
    with factory.begin() as session:
        reopened = q.reopen_if_answered(session=session, pseudonym="p_amira", text="which airport?",
                                        now=T0 + timedelta(hours=1))
        assert reopened is not None and reopened.id == tid
    with factory.begin() as session:
        ticket = q.get_ticket(session=session, ticket_id=tid)
        assert (ticket.status, ticket.claimed_by) == (q.CLAIMED, ALICE)
        assert ticket.reopened_at == T0 + timedelta(hours=1)
        # Still claimed, so another message is added without changing the status.
        assert q.reopen_if_answered(session=session, pseudonym="p_amira", text="and the time?",
                                    now=T0 + timedelta(hours=1, minutes=1)) is not None
    with factory.begin() as session:
        q.answer(session=session, ticket_id=tid, trainer_id=ALICE, text="Toronto, 10:00.", now=T0 + timedelta(hours=2))
        with pytest.raises(NotYourTicket):
            q.close(session=session, ticket_id=tid, trainer_id=BOB)
    with factory.begin() as session:
        closed = q.close(session=session, ticket_id=tid, trainer_id=ALICE, now=T0 + timedelta(hours=3))
        assert closed.status == q.CLOSED

    with factory.begin() as session:
        ticket = q.get_ticket(session=session, ticket_id=tid)
        assert [(t.sender, t.text) for t in ticket.turns] == [
            ("trainer", "Your flight is on Monday."), ("migrant", "which airport?"), ("migrant", "and the time?"),
            ("trainer", "Toronto, 10:00."),
        ]
        # Every step has its time, timezone-aware UTC on both backends.
        assert (ticket.created_at, ticket.claimed_at, ticket.answered_at, ticket.closed_at) == (
            T0, T0 + timedelta(minutes=5), T0 + timedelta(hours=2), T0 + timedelta(hours=3))
        assert all(t.at.tzinfo is not None and t.at.utcoffset() == timedelta(0) for t in ticket.turns)
        assert q.active_ticket_for(session=session, pseudonym="p_amira") is None
        assert q.reopen_if_answered(session=session, pseudonym="p_amira", text="hello?") is None
        assert q.queue(session=session) == []
        assert [t.id for t in q.queue(session=session, status="closed")] == [tid]
        with pytest.raises(TicketClosed):
            q.claim(session=session, ticket_id=tid, trainer_id=BOB)
        with pytest.raises(TicketClosed):
            q.add_turn(session=session, ticket_id=tid, sender="migrant", text="hi")
        with pytest.raises(TicketClosed):
            q.close(session=session, ticket_id=tid, trainer_id=ALICE)


def test_unknown_tickets_and_bad_data_are_refused(factory: sessionmaker[Session]) -> None:
    with factory.begin() as session:
        for call in (
            lambda: q.get_ticket(session=session, ticket_id=999),
            lambda: q.claim(session=session, ticket_id=999, trainer_id=ALICE),
            lambda: q.answer(session=session, ticket_id=999, trainer_id=ALICE, text="x"),
            lambda: q.close(session=session, ticket_id=999, trainer_id=ALICE),
            lambda: q.add_turn(session=session, ticket_id=999, sender="bot", text="x"),
            lambda: q.mark_posted(session=session, ticket_id=999, message_id=1),
        ):
            with pytest.raises(TicketNotFound, match="there is no ticket 999"):
                call()
        with pytest.raises(InvalidTicketData, match="unknown handoff reason"):
            q.open_ticket(session=session, pseudonym="p", chat_id=1, question="q", reason="bored")
        with pytest.raises(InvalidTicketData, match="empty"):
            q.open_ticket(session=session, pseudonym="p", chat_id=1, question="  ", reason="crisis")
        with pytest.raises(ValueError, match="naive"):
            q.open_ticket(session=session, pseudonym="p", chat_id=1, question="q", reason="crisis",
                          now=datetime(2026, 1, 1))
    with pytest.raises(NotATrainer, match="SAFAR_TRAINER_IDS"):
        q.ensure_trainer(333, [ALICE, BOB])
    q.ensure_trainer(ALICE, [ALICE, BOB])


def test_any_trainer_may_close_an_open_ticket_and_the_migrant_may_cancel(factory: sessionmaker[Session]) -> None:
    first = open_one(factory, "p_a").ticket.id
    open_one(factory, "p_b")
    with factory.begin() as session:
        assert q.close(session=session, ticket_id=first, trainer_id=BOB).status == q.CLOSED
        cancelled = q.cancel(session=session, pseudonym="p_b", now=T0 + timedelta(minutes=1))
        assert cancelled is not None and cancelled.status == q.CLOSED and cancelled.closed_at == T0 + timedelta(minutes=1)
        assert q.cancel(session=session, pseudonym="p_b") is None
        assert q.queue(session=session) == []


# --- order and the one-ticket rule ----------------------------------------------------------------------


def test_queue_order_is_urgent_first_then_oldest(factory: sessionmaker[Session]) -> None:
    made = {
        "normal_old": open_one(factory, "p1", at=T0),
        "urgent_late": open_one(factory, "p2", at=T0 + timedelta(hours=3), reason="crisis"),
        "normal_new": open_one(factory, "p3", at=T0 + timedelta(hours=1)),
        "urgent_early": open_one(factory, "p4", at=T0 + timedelta(hours=2), reason="crisis"),
        "normal_mid": open_one(factory, "p5", at=T0 + timedelta(minutes=30), reason="below_confidence_gate"),
    }
    ids = {name: o.ticket.id for name, o in made.items()}
    assert made["urgent_late"].ticket.priority == q.URGENT
    with factory.begin() as session:
        order = [t.id for t in q.queue(session=session)]
        assert order == [ids[n] for n in ("urgent_early", "urgent_late", "normal_old", "normal_mid", "normal_new")]
        q.claim(session=session, ticket_id=ids["urgent_early"], trainer_id=ALICE)
    with factory.begin() as session:
        assert ids["urgent_early"] not in [t.id for t in q.queue(session=session, status=q.OPEN)]
        assert [t.id for t in q.queue(session=session, status=[q.CLAIMED])] == [ids["urgent_early"]]
        assert q.queue(session=session)[0].id == ids["urgent_early"]  # default: every status but closed
        assert len(q.queue(session=session, limit=2)) == 2
        with pytest.raises(InvalidTicketData):
            q.queue(session=session, status="pending")


def test_one_active_ticket_per_migrant(factory: sessionmaker[Session]) -> None:
    first = open_one(factory, "p_amira", question="how do I rent a flat?")
    second = open_one(factory, "p_amira", question="and do I need a deposit?", at=T0 + timedelta(minutes=2))
    other = open_one(factory, "p_omar")
    assert first.created and not second.created and other.created
    assert second.ticket.id == first.ticket.id != other.ticket.id
    with factory.begin() as session:
        ticket = q.get_ticket(session=session, ticket_id=first.ticket.id)
        assert ticket.question == "how do I rent a flat?"
        assert [(t.sender, t.text) for t in ticket.turns] == [("migrant", "and do I need a deposit?")]
        assert len(q.queue(session=session)) == 2

    # A crisis inside an ordinary ticket makes it urgent and due for announcement again.
    with factory.begin() as session:
        q.mark_posted(session=session, ticket_id=first.ticket.id, message_id=50, now=T0 + timedelta(minutes=1))
    crisis = open_one(factory, "p_amira", question="I am scared", reason="crisis", at=T0 + timedelta(minutes=3))
    assert crisis.escalated and not crisis.created
    with factory.begin() as session:
        ticket = q.get_ticket(session=session, ticket_id=first.ticket.id)
        assert (ticket.priority, ticket.reason, ticket.last_announced_at) == (q.URGENT, "crisis", None)
        assert q.queue(session=session)[0].id == first.ticket.id
        due = q.due_for_reminder(session=session, now=T0 + timedelta(minutes=11),
                                 urgent_every=timedelta(minutes=10), sla=timedelta(hours=24))
        assert [t.id for t in due] == [first.ticket.id]

    # A question on an answered ticket reopens it to the same trainer.
    with factory.begin() as session:
        q.claim(session=session, ticket_id=first.ticket.id, trainer_id=ALICE)
        q.answer(session=session, ticket_id=first.ticket.id, trainer_id=ALICE, text="call 911")
    again = open_one(factory, "p_amira", question="one more thing", at=T0 + timedelta(hours=1))
    assert again.ticket.id == first.ticket.id and again.ticket.status == q.CLAIMED
    assert again.ticket.reopened_at == T0 + timedelta(hours=1)

    # Once closed, the next question opens a new ticket.
    with factory.begin() as session:
        q.close(session=session, ticket_id=first.ticket.id, trainer_id=ALICE)
    fresh = open_one(factory, "p_amira", question="new topic", at=T0 + timedelta(days=1))
    assert fresh.created and fresh.ticket.id != first.ticket.id

    # The database itself refuses a second active ticket, whatever the code path.
    with pytest.raises(IntegrityError):
        with factory.begin() as session:
            session.add(Ticket(pseudonym="p_amira", chat_id=1, question="dup", reason="crisis", priority="urgent",
                               status="open", created_at=T0, updated_at=T0))
            session.flush()


# --- posting, reminders, deletion, wait estimate --------------------------------------------------------------


def test_unposted_and_reminders_follow_controlled_time(factory: sessionmaker[Session]) -> None:
    urgent = open_one(factory, "p_u", reason="crisis").ticket.id
    normal = open_one(factory, "p_n").ticket.id
    never_posted = open_one(factory, "p_x", at=T0 - timedelta(days=3)).ticket.id
    every, sla = timedelta(minutes=10), timedelta(hours=24)

    def due(at: datetime) -> list[int]:
        with factory.begin() as session:
            return [t.id for t in q.due_for_reminder(session=session, now=at, urgent_every=every, sla=sla)]

    with factory.begin() as session:
        assert [t.id for t in q.unposted(session=session)] == [urgent, never_posted, normal]
        q.mark_posted(session=session, ticket_id=urgent, message_id=101, now=T0 + timedelta(seconds=5))
        q.mark_posted(session=session, ticket_id=normal, message_id=102, now=T0 + timedelta(seconds=5))
    with factory.begin() as session:
        assert [t.id for t in q.unposted(session=session)] == [never_posted]
        found = q.ticket_for_posted_message(session=session, message_id=102)
        assert found is not None and found.id == normal
        assert q.ticket_for_posted_message(session=session, message_id=999) is None

    assert due(T0 + timedelta(minutes=5)) == []
    assert due(T0 + timedelta(minutes=11)) == [urgent]
    with factory.begin() as session:
        q.mark_announced(session=session, ticket_id=urgent, now=T0 + timedelta(minutes=11))
    assert due(T0 + timedelta(minutes=15)) == []
    assert due(T0 + timedelta(minutes=22)) == [urgent]
    with factory.begin() as session:
        q.claim(session=session, ticket_id=urgent, trainer_id=ALICE)  # claimed: no more announcements
    assert due(T0 + timedelta(hours=2)) == []
    # The normal ticket: reminded once past the SLA, then once per SLA period. The unposted one
    # is never "reminded" (it has nothing to remind about until the bot posts it).
    assert due(T0 + timedelta(hours=23)) == []
    assert due(T0 + timedelta(hours=24, minutes=1)) == [normal]
    with factory.begin() as session:
        q.mark_announced(session=session, ticket_id=normal, now=T0 + timedelta(hours=24, minutes=1))
    assert due(T0 + timedelta(hours=30)) == []
    assert due(T0 + timedelta(hours=48, minutes=2)) == [normal]
    with factory.begin() as session:
        q.close(session=session, ticket_id=normal, trainer_id=BOB)
        q.close(session=session, ticket_id=never_posted, trainer_id=BOB)
    assert due(T0 + timedelta(days=10)) == []
    with factory.begin() as session:
        assert q.unposted(session=session) == []  # closed before posting: nothing to post


def test_delete_for_pseudonym_removes_tickets_and_turns(factory: sessionmaker[Session]) -> None:
    old = open_one(factory, "p_forget").ticket.id
    with factory.begin() as session:
        q.claim(session=session, ticket_id=old, trainer_id=ALICE)
        q.answer(session=session, ticket_id=old, trainer_id=ALICE, text="answer")
        q.close(session=session, ticket_id=old, trainer_id=ALICE)
    current = open_one(factory, "p_forget", question="again").ticket.id
    open_one(factory, "p_forget", question="and again")  # a turn on the current ticket
    kept = open_one(factory, "p_keep").ticket.id
    with factory.begin() as session:
        q.add_turn(session=session, ticket_id=kept, sender="bot", text="noted")
    with factory.begin() as session:
        assert q.delete_for_pseudonym(session=session, pseudonym="p_forget") == 2
    with factory.begin() as session:
        assert session.scalars(select(Ticket.id)).all() == [kept]
        assert session.scalar(select(func.count()).select_from(TicketTurn)) == 1
        assert session.get(Ticket, current) is None
        assert q.delete_for_pseudonym(session=session, pseudonym="p_forget") == 0


def test_estimated_wait(factory: sessionmaker[Session]) -> None:
    now = T0 + timedelta(days=1)
    with factory.begin() as session:
        assert q.estimated_wait(session=session, now=now, sla_hours=24) == timedelta(hours=24)  # no history
    # Three tickets last night: claimed 2 h after opening, answered 30 min after the claim.
    for i in range(3):
        opened_at = T0 + timedelta(hours=i)
        tid = open_one(factory, f"p_hist{i}", at=opened_at).ticket.id
        with factory.begin() as session:
            q.claim(session=session, ticket_id=tid, trainer_id=ALICE, now=opened_at + timedelta(hours=2))
            q.answer(session=session, ticket_id=tid, trainer_id=ALICE, text="a",
                     now=opened_at + timedelta(hours=2, minutes=30))
    with factory.begin() as session:
        assert q.estimated_wait(session=session, now=now, sla_hours=24) == timedelta(hours=2)  # empty queue
    open_one(factory, "p_wait1", at=now)
    open_one(factory, "p_wait2", at=now)
    open_one(factory, "p_wait3", at=now, reason="crisis")
    with factory.begin() as session:
        # normal: 2 h + 3 tickets ahead x 30 min = 3.5 h -> 4 h; urgent: only the urgent one is ahead -> 3 h
        assert q.estimated_wait(session=session, now=now, sla_hours=24) == timedelta(hours=4)
        assert q.estimated_wait(session=session, now=now, sla_hours=24, priority="urgent") == timedelta(hours=3)
        # A week later the history has aged out of the window: back to the SLA.
        assert q.estimated_wait(session=session, now=now + timedelta(days=8), sla_hours=24) == timedelta(hours=24)


# --- real concurrency ---------------------------------------------------------------------------------


CLAIM_ROUNDS = 20
CLAIMERS = 8


def test_concurrent_claims_have_exactly_one_winner(factory: sessionmaker[Session]) -> None:
    for round_no in range(CLAIM_ROUNDS):
        tid = open_one(factory, f"p_race{round_no}").ticket.id
        barrier = threading.Barrier(CLAIMERS)
        outcomes: dict[int, q.ClaimResult] = {}
        errors: list[BaseException] = []

        def press_claim(trainer_id: int) -> None:
            try:
                barrier.wait(timeout=30)
                with factory.begin() as session:  # each thread its own session and connection
                    outcomes[trainer_id] = q.claim(session=session, ticket_id=tid, trainer_id=trainer_id)
            except BaseException as exc:  # noqa: BLE001 - reported by the main thread below
                errors.append(exc)

        threads = [threading.Thread(target=press_claim, args=(1000 + i,)) for i in range(CLAIMERS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=60)
        assert not errors, f"round {round_no}: {errors!r}"
        assert len(outcomes) == CLAIMERS
        winners = [trainer for trainer, r in outcomes.items() if r.won]
        assert len(winners) == 1, f"round {round_no}: winners {winners}"
        winner = winners[0]
        for trainer, result in outcomes.items():
            assert result.owner == winner and result.status == q.CLAIMED
            if trainer != winner:
                assert not result.already_yours
        with factory.begin() as session:
            stored = q.get_ticket(session=session, ticket_id=tid)
            assert (stored.status, stored.claimed_by) == (q.CLAIMED, winner)


# --- voice notes, files, silent trainers, coordinators ------------------------------------------------------


def test_media_opens_a_voice_ticket_joins_the_active_one_and_counts_for_the_limit(factory: sessionmaker[Session]) -> None:
    voice = q.Media("voice", 9_000_000_001, 55)
    with factory.begin() as session:
        first = q.attach_media(session=session, pseudonym="p_v", chat_id=9_000_000_001, media=voice, caption="",
                               country="DE", language="fa", now=T0)
        assert first.created and first.ticket.reason == "voice" and first.ticket.question == "[voice note]"
        photo = q.attach_media(session=session, pseudonym="p_v", chat_id=9_000_000_001,
                               media=q.Media("photo", 9_000_000_001, 56), caption="this letter", now=T0 + timedelta(minutes=1))
        assert not photo.created and photo.ticket.id == first.ticket.id
        turns = q.get_ticket(session=session, ticket_id=first.ticket.id).turns
        assert [(t.media_kind, t.media_message_id, t.text) for t in turns] == [
            ("voice", 55, "[voice note]"), ("photo", 56, "[photo] this letter")]
        assert q.media_sent_since(session=session, pseudonym="p_v", since=T0 - timedelta(minutes=1)) == 2
        assert q.media_sent_since(session=session, pseudonym="p_v", since=T0 + timedelta(seconds=30)) == 1
        assert q.media_sent_since(session=session, pseudonym="someone_else", since=T0) == 0
        assert q.uncopied_media(session=session) == []  # nothing to copy until the ticket is posted
        q.mark_posted(session=session, ticket_id=first.ticket.id, message_id=700, now=T0)
        assert [t.media_message_id for t in q.uncopied_media(session=session)] == [55, 56]
        with pytest.raises(InvalidTicketData):
            q.attach_media(session=session, pseudonym="p_v", chat_id=1, media=q.Media("sticker", 1, 1), now=T0)


def test_a_trainers_voice_answer_is_a_turn_and_the_first_reply_time_stays(factory: sessionmaker[Session]) -> None:
    tid = open_one(factory, "p_va").ticket.id
    with factory.begin() as session:
        q.claim(session=session, ticket_id=tid, trainer_id=ALICE, now=T0 + timedelta(minutes=5))
        turn = q.answer(session=session, ticket_id=tid, trainer_id=ALICE, text="", media=q.Media("voice", -100, 9),
                        now=T0 + timedelta(minutes=30))
        assert (turn.text, turn.media_kind, turn.delivered_at) == ("[voice note]", "voice", None)
        q.reopen_if_answered(session=session, pseudonym="p_va", text="thanks, and?", now=T0 + timedelta(hours=1))
        q.answer(session=session, ticket_id=tid, trainer_id=ALICE, text="Also this.", now=T0 + timedelta(hours=2))
        ticket = q.get_ticket(session=session, ticket_id=tid)
        assert ticket.first_answered_at == T0 + timedelta(minutes=30) and ticket.answered_at == T0 + timedelta(hours=2)


def test_a_silent_trainers_ticket_is_reannounced_and_can_be_taken_over(factory: sessionmaker[Session]) -> None:
    sla = timedelta(hours=24)
    tid = open_one(factory, "p_silent").ticket.id
    with factory.begin() as session:
        q.mark_posted(session=session, ticket_id=tid, message_id=800, now=T0)
        q.claim(session=session, ticket_id=tid, trainer_id=ALICE, now=T0 + timedelta(hours=1))
        assert q.overdue_claims(session=session, now=T0 + timedelta(hours=24), sla=sla) == []
        with pytest.raises(NotOverdue, match="not waiting past the reply time"):
            q.take_over(session=session, ticket_id=tid, trainer_id=BOB, sla=sla, now=T0 + timedelta(hours=24))
        late = T0 + timedelta(hours=26)
        assert [t.id for t in q.overdue_claims(session=session, now=late, sla=sla)] == [tid]
        q.mark_announced(session=session, ticket_id=tid, now=late)
        assert q.overdue_claims(session=session, now=late + timedelta(hours=1), sla=sla) == []  # once per SLA
        taken = q.take_over(session=session, ticket_id=tid, trainer_id=BOB, sla=sla, now=late)
        assert (taken.claimed_by, taken.reassigned, taken.notice) == (BOB, 1, "reassigned")
        assert q.take_over(session=session, ticket_id=tid, trainer_id=BOB, sla=sla, now=late).claimed_by == BOB
        with pytest.raises(NotOverdue):  # Alice cannot take it straight back: Bob has just taken it
            q.take_over(session=session, ticket_id=tid, trainer_id=ALICE, sla=sla, now=late)
        assert [t.id for t in q.owed_notices(session=session)] == [tid]
        q.notice_sent(session=session, ticket_id=tid, notice="reassigned")
        assert q.owed_notices(session=session) == []


def test_a_coordinator_reassigns_requeues_and_closes_any_ticket(factory: sessionmaker[Session]) -> None:
    tid = open_one(factory, "p_coord").ticket.id
    with factory.begin() as session:
        q.mark_posted(session=session, ticket_id=tid, message_id=900, now=T0)
        q.claim(session=session, ticket_id=tid, trainer_id=ALICE, now=T0)
        moved = q.reassign(session=session, ticket_id=tid, to=BOB, now=T0 + timedelta(hours=1))
        assert (moved.status, moved.claimed_by, moved.reassigned, moved.notice) == (q.CLAIMED, BOB, 1, "reassigned")
        back = q.reassign(session=session, ticket_id=tid, to=None, now=T0 + timedelta(hours=2))
        assert (back.status, back.claimed_by, back.posted_message_id, back.notice) == (q.OPEN, None, None, "requeued")
        assert [t.id for t in q.unposted(session=session)] == [tid]  # posted again as new
        # A reply to the old post still finds the ticket (through the recorded group copies).
        q.record_group_message(session=session, ticket_id=tid, chat_id=-100, message_id=901)
        assert q.ticket_for_posted_message(session=session, message_id=901).id == tid
        q.claim(session=session, ticket_id=tid, trainer_id=ALICE, now=T0 + timedelta(hours=3))
        with pytest.raises(NotYourTicket):
            q.close(session=session, ticket_id=tid, trainer_id=BOB)
        closed = q.close(session=session, ticket_id=tid, trainer_id=CAROL, coordinator=True)
        assert (closed.status, closed.notice) == (q.CLOSED, "closed")
        with pytest.raises(TicketClosed):
            q.reassign(session=session, ticket_id=tid, to=ALICE)


# --- the command line -----------------------------------------------------------------------------------


@pytest.fixture
def cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[argparse.ArgumentParser, str]]:
    """`safar trainer ...` parsed by a parser of its own, on a temporary SQLite file; yields (parser, url)."""
    from safar.trainer_commands import register
    from core.settings import get_settings

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("SAFAR_DATABASE_URL", url)
    monkeypatch.setenv("SAFAR_TRAINER_IDS", f"{ALICE},{BOB}")
    monkeypatch.setenv("SAFAR_COORDINATOR_IDS", str(CAROL))
    monkeypatch.setenv("SAFAR_VAR_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    parser = argparse.ArgumentParser(prog="safar")
    register(parser.add_subparsers(dest="command"))
    yield parser, url
    get_settings.cache_clear()


def run_cli(parser: argparse.ArgumentParser, *argv: str) -> int:
    args = parser.parse_args(list(argv))
    return args.func(args)


def test_trainer_commands(cli: tuple[argparse.ArgumentParser, str], capsys: pytest.CaptureFixture[str]) -> None:
    import json

    parser, url = cli
    assert run_cli(parser, "trainer", "queue") == 0  # migrates the new file first
    assert "empty" in capsys.readouterr().out

    engine = make_engine(url)
    try:
        upgrade_to_head(engine)
        factory = make_sessionmaker(engine)
        with factory.begin() as session:
            tid = q.open_ticket(session=session, pseudonym="p_cli", chat_id=42, question="Can I bring my\nmother?",
                                reason="case_specific", country="DE", language="ar").ticket.id
            urgent = q.open_ticket(session=session, pseudonym="p_cli2", chat_id=43, question="help",
                                   reason="crisis", country="NO", language="fa").ticket.id
    finally:
        engine.dispose()

    assert run_cli(parser, "trainer", "queue", "--json") == 0
    listed = json.loads(capsys.readouterr().out)["tickets"]
    assert [t["id"] for t in listed] == [urgent, tid]
    assert listed[1]["reason"] == "case_specific" and listed[1]["status"] == "open"
    assert not {"chat_id", "pseudonym"} & set(listed[1])  # the migrant's identity stays out of the output
    run_cli(parser, "trainer", "queue")
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(f"#{urgent}") and "URGENT" in lines[0]
    assert "Can I bring my mother?" in lines[1]  # one line per ticket, even for multi-line questions

    assert run_cli(parser, "trainer", "claim", str(tid), "--trainer-id", str(ALICE)) == 0
    assert capsys.readouterr().out.strip() == f"Claimed ticket {tid}."
    assert run_cli(parser, "trainer", "claim", str(tid), "--trainer-id", str(ALICE)) == 0
    assert "already yours" in capsys.readouterr().out
    with pytest.raises(AlreadyClaimed, match=f"ticket {tid} is already claimed by trainer {ALICE}"):
        run_cli(parser, "trainer", "claim", str(tid), "--trainer-id", str(BOB))
    with pytest.raises(NotYourTicket):
        run_cli(parser, "trainer", "answer", str(tid), "--trainer-id", str(BOB), "no")
    with pytest.raises(NotATrainer):
        run_cli(parser, "trainer", "claim", str(urgent), "--trainer-id", "999")

    assert run_cli(parser, "trainer", "answer", str(tid), "--trainer-id", str(ALICE), "Yes,", "after", "a", "year.") == 0
    assert "stored" in capsys.readouterr().out
    assert run_cli(parser, "trainer", "show", str(tid), "--json") == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["status"] == "answered" and shown["claimed_by"] == ALICE
    assert shown["turns"] == [{"at": shown["answered_at"], "sender": "trainer", "text": "Yes, after a year.",
                               "delivered": False}]
    run_cli(parser, "trainer", "show", str(tid))
    out = capsys.readouterr().out
    assert "Yes, after a year. (not delivered yet)" in out and f"claimed by trainer {ALICE}" in out

    assert run_cli(parser, "trainer", "close", str(tid), "--trainer-id", str(ALICE)) == 0
    assert capsys.readouterr().out.startswith(f"Closed ticket {tid};")
    with pytest.raises(TicketClosed):
        run_cli(parser, "trainer", "close", str(tid), "--trainer-id", str(ALICE))
    with pytest.raises(TicketNotFound) as missing:
        run_cli(parser, "trainer", "show", "404")
    assert isinstance(missing.value, HandoffError) and "\n" not in str(missing.value)
    run_cli(parser, "trainer", "queue", "--status", "closed", "--json")
    assert [t["id"] for t in json.loads(capsys.readouterr().out)["tickets"]] == [tid]


def test_status_choices_match_the_queue() -> None:
    from safar.trainer_commands import STATUS_CHOICES

    assert STATUS_CHOICES == q.STATUSES


def test_coordinator_commands(cli: tuple[argparse.ArgumentParser, str], capsys: pytest.CaptureFixture[str]) -> None:
    from handoff.errors import NotACoordinator

    parser, url = cli
    run_cli(parser, "trainer", "queue")
    engine = make_engine(url)
    try:
        factory = make_sessionmaker(engine)
        with factory.begin() as session:
            tid = q.open_ticket(session=session, pseudonym="p_cc", chat_id=42, question="my visa letter",
                                reason="case_specific").ticket.id
            q.claim(session=session, ticket_id=tid, trainer_id=ALICE)
        capsys.readouterr()
        with pytest.raises(NotACoordinator, match="SAFAR_COORDINATOR_IDS"):
            run_cli(parser, "trainer", "reassign", str(tid), "--coordinator-id", str(ALICE), "--to", str(BOB))
        with pytest.raises(NotATrainer):
            run_cli(parser, "trainer", "reassign", str(tid), "--coordinator-id", str(CAROL), "--to", "999")
        assert run_cli(parser, "trainer", "reassign", str(tid), "--coordinator-id", str(CAROL), "--to", str(BOB)) == 0
        assert f"Moved ticket {tid} to trainer {BOB}" in capsys.readouterr().out
        assert run_cli(parser, "trainer", "show", str(tid), "--json") == 0
        shown = json.loads(capsys.readouterr().out)
        assert (shown["claimed_by"], shown["reassigned"]) == (BOB, 1)
        with pytest.raises(NotYourTicket):
            run_cli(parser, "trainer", "close", str(tid), "--trainer-id", str(ALICE))
        assert run_cli(parser, "trainer", "close", str(tid), "--trainer-id", str(CAROL)) == 0
        with factory.begin() as session:
            ticket = q.get_ticket(session=session, ticket_id=tid)
            assert (ticket.status, ticket.notice) == (q.CLOSED, "closed")  # the bot tells the migrant
    finally:
        engine.dispose()
