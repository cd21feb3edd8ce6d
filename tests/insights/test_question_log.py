"""The anonymised question log and the privacy controls: forget, retention purge, tracker store (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import Column, Engine, Float, Integer, MetaData, String, Table, Text, insert, select, text

from insights.question_log import LoggedQuestion
from handoff.queue import open_ticket
from insights.question_log import SqlQuestionLog
from privacy.forget import Privacy
from core.pseudonym import pseudonym
from privacy.tracker_store import TrackerStore, rasa_url
from storage.db import make_engine, make_sessionmaker
from storage.migrate import upgrade_to_head
from storage.models import LoggedQuestionRow, Ticket, User
from storage.question_log import FOLLOW_UP_WINDOW
from storage.users import get_or_create_user, update_user

KEY = b"k" * 32
NOW = datetime.now(timezone.utc)


def rasa_events_table(engine: Engine) -> Table:
    """The table Rasa's SQLTrackerStore creates (same name and columns), for tests without Rasa."""
    table = Table("events", MetaData(), Column("id", Integer, primary_key=True), Column("sender_id", String(255)),
                  Column("type_name", String(255)), Column("timestamp", Float), Column("intent_name", String(255)),
                  Column("action_name", String(255)), Column("data", Text))
    table.create(engine)
    return table


def question(who: str, text: str, route: str = "answer", **kw: object) -> LoggedQuestion:
    return LoggedQuestion(who, text, "CA", "en", "ask_info", 0.93, route,
                          [{"id": "CA/en/housing/x", "score": 0.71, "topic": "housing"}] if route == "answer" else [],
                          **kw)  # type: ignore[arg-type]


@pytest.fixture
def db(any_engine: Engine) -> Engine:
    upgrade_to_head(any_engine)
    return any_engine


def rows(engine: Engine) -> list[LoggedQuestionRow]:
    with make_sessionmaker(engine)() as session:
        return list(session.scalars(select(LoggedQuestionRow).order_by(LoggedQuestionRow.id)))


def test_record_stores_anonymised_text_and_the_facts_never_the_raw_words(db: Engine) -> None:
    log = SqlQuestionLog(make_sessionmaker(db))
    stored = log.record(question("p1", "My name is Ahmad Karimi, call me on +962 79 555 0142 about renting in Toronto",
                                 topic="housing", gate=0.81))
    assert stored is not None and "<PHONE>" in stored and "<NAME>" in stored
    assert "Karimi" not in stored and "555" not in stored
    assert "renting" in stored and "Toronto" in stored  # topic words and places stay
    [row] = rows(db)
    assert row.text == stored and row.pseudonym == "p1" and row.route == "answer" and row.source == "bot"
    assert row.topic == "housing" and row.gate == pytest.approx(0.81) and row.passages == [{"id": "CA/en/housing/x", "score": 0.71}]
    assert row.country == "CA" and row.language == "en" and row.intent == "ask_info" and row.confidence == pytest.approx(0.93)
    assert not row.trainer_needed and row.feedback is None
    # Nothing raw anywhere in the table: every column of every row.
    with db.connect() as conn:
        dump = " ".join(str(v) for r in conn.execute(text("SELECT * FROM question_log")) for v in r)
    assert "Karimi" not in dump and "0142" not in dump


def test_feedback_and_handoff_attach_to_the_latest_question_of_that_person_only(db: Engine) -> None:
    log = SqlQuestionLog(make_sessionmaker(db))
    log.record(question("p1", "how do deposits work"))
    log.record(question("p2", "what is a lease"))
    log.record(question("p1", "can the landlord keep my deposit"))
    log.record_feedback("p1", False)
    log.record_handoff("p1", "rated_unhelpful")
    first, other, latest = rows(db)
    assert latest.feedback == "unhelpful" and latest.trainer_needed and latest.handoff_reason == "rated_unhelpful"
    assert first.feedback is None and not first.trainer_needed
    assert other.feedback is None and not other.trainer_needed
    log.record_feedback("nobody", True)  # no question to rate: nothing happens, nothing fails
    assert [r.feedback for r in rows(db)] == [None, None, "unhelpful"]


def test_feedback_does_not_reach_back_past_the_follow_up_window(db: Engine) -> None:
    sessions = make_sessionmaker(db)
    with sessions.begin() as session:
        session.add(LoggedQuestionRow(pseudonym="p1", asked_at=NOW - FOLLOW_UP_WINDOW - timedelta(minutes=5),
                                      country="CA", language="en", text="old question", intent="ask_info",
                                      confidence=0.9, route="answer", passages=[], trainer_needed=False, source="bot"))
    SqlQuestionLog(sessions).record_feedback("p1", True)
    assert rows(db)[0].feedback is None


def test_a_broken_database_costs_the_log_row_not_the_answer(tmp_path) -> None:  # noqa: ANN001
    engine = make_engine(f"sqlite:///{tmp_path / 'never-migrated.db'}")  # no tables at all
    log = SqlQuestionLog(make_sessionmaker(engine))
    assert log.record(question("p1", "how do deposits work")) is None  # logged as an error, no exception
    log.record_feedback("p1", True)
    log.record_handoff("p1", "below_confidence_gate")


def seed_person(db: Engine, telegram_id: int, *, when: datetime = NOW) -> str:
    """A person with settings, a ticket, two logged questions and a Rasa conversation."""
    key = pseudonym(telegram_id, KEY)
    sessions = make_sessionmaker(db)
    with sessions.begin() as session:
        user = get_or_create_user(session=session, telegram_id=telegram_id, pseudonym=key)
        update_user(session=session, user=user, country="DE", consent=True)
        open_ticket(session=session, pseudonym=key, chat_id=telegram_id, question="my case 123", reason="case_specific",
                    country="DE", language="en")
    log = SqlQuestionLog(sessions)
    log.record(question(key, "how do I register my address"))
    log.record(question(key, "where do I learn German", route="handoff", handoff_reason="below_confidence_gate"))
    return key


def test_forget_erases_every_store_and_leaves_other_people_alone(db: Engine) -> None:
    events = rasa_events_table(db)
    me, other = seed_person(db, 1001), seed_person(db, 2002)
    with db.begin() as conn:
        for who in (me, me, other):
            conn.execute(insert(events).values(sender_id=who, type_name="user", timestamp=NOW.timestamp(), data="{}"))
    privacy = Privacy(make_sessionmaker(db), TrackerStore(db), key=KEY, retention_days=365, conversation_days=30)
    erased = privacy.forget(1001)
    assert erased.as_dict() == {"settings": 1, "tickets": 1, "questions": 2, "conversation_events": 2}
    with make_sessionmaker(db)() as session:
        assert session.scalar(select(User).where(User.pseudonym == me)) is None
        assert session.scalar(select(Ticket).where(Ticket.pseudonym == me)) is None
        assert not session.scalars(select(LoggedQuestionRow).where(LoggedQuestionRow.pseudonym == me)).all()
        assert session.scalar(select(User).where(User.pseudonym == other)) is not None
        assert len(session.scalars(select(LoggedQuestionRow).where(LoggedQuestionRow.pseudonym == other)).all()) == 2
    assert TrackerStore(db).count(me) == 0 and TrackerStore(db).count(other) == 1
    assert privacy.forget(1001).as_dict() == {"settings": 0, "tickets": 0, "questions": 0, "conversation_events": 0}


def test_purge_deletes_what_is_past_each_retention_period(db: Engine) -> None:
    events = rasa_events_table(db)
    sessions = make_sessionmaker(db)
    old, recent = NOW - timedelta(days=400), NOW - timedelta(days=10)
    with sessions.begin() as session:
        for who, at in (("old", old), ("recent", recent)):
            session.add(LoggedQuestionRow(pseudonym=who, asked_at=at, country="CA", language="en", text="q",
                                          intent="ask_info", confidence=0.9, route="answer", passages=[],
                                          trainer_needed=False, source="bot"))
            session.add(Ticket(pseudonym=who, chat_id=1, question="q", reason="case_specific", priority="normal",
                               status="closed", created_at=at, updated_at=at))
            session.add(User(telegram_id=hash(who) % 10**9, pseudonym=who, created_at=at, updated_at=at))
    with db.begin() as conn:
        for age_days in (45, 5):  # raw conversations: kept 30 days here
            conn.execute(insert(events).values(sender_id="recent", type_name="user",
                                               timestamp=(NOW - timedelta(days=age_days)).timestamp(), data="{}"))
    privacy = Privacy(sessions, TrackerStore(db), key=KEY, retention_days=365, conversation_days=30)
    purged = privacy.purge(NOW)
    assert purged.as_dict() == {"settings": 1, "tickets": 1, "questions": 1, "conversation_events": 1}
    with sessions() as session:
        assert [r.pseudonym for r in session.scalars(select(LoggedQuestionRow))] == ["recent"]
        assert [t.pseudonym for t in session.scalars(select(Ticket))] == ["recent"]
        assert [u.pseudonym for u in session.scalars(select(User))] == ["recent"]
    assert TrackerStore(db).count() == 1
    assert privacy.purge(NOW).as_dict() == {"questions": 0, "tickets": 0, "settings": 0, "conversation_events": 0}


def test_purge_keeps_settings_of_people_who_are_still_asking(db: Engine) -> None:
    sessions = make_sessionmaker(db)
    old = NOW - timedelta(days=400)
    with sessions.begin() as session:
        session.add(User(telegram_id=5, pseudonym="active", country="NO", created_at=old, updated_at=old))
        session.add(LoggedQuestionRow(pseudonym="active", asked_at=NOW - timedelta(days=2), country="NO", language="en",
                                      text="q", intent="ask_info", confidence=0.9, route="answer", passages=[],
                                      trainer_needed=False, source="bot"))
    Privacy(sessions, TrackerStore(db), key=KEY, retention_days=365, conversation_days=30).purge(NOW)
    with sessions() as session:
        assert session.scalar(select(User.country).where(User.pseudonym == "active")) == "NO"


def test_a_tracker_store_rasa_has_not_created_yet_holds_nothing(sqlite_engine: Engine) -> None:
    store = TrackerStore(sqlite_engine)
    assert store.forget("x") == 0 and store.purge_before(NOW) == 0 and store.count() == 0


def test_rasa_gets_a_url_its_own_drivers_understand() -> None:
    assert rasa_url("postgresql+psycopg://u@h:5432/db") == "postgresql://u@h:5432/db"
    assert rasa_url("postgres://u@h/db") == "postgresql://u@h/db"
    assert rasa_url("sqlite:////tmp/x.db") == "sqlite:////tmp/x.db"
