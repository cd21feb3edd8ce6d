"""The handoff queue: open, claim, answer, close and route tickets. The caller owns the transaction.

State machine: open -> claimed -> answered -> closed; a migrant writing to an answered ticket
sends it back to claimed (same trainer). Every transition that two people can race for (claim,
answer, close, reopen) is one conditional UPDATE whose WHERE holds the precondition, so the
database, not a read-then-write in Python, decides who wins.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import ColumnElement, and_, case, delete, func, or_, select, update
from sqlalchemy.orm import Session, joinedload, selectinload

from core.vocabulary import (ANSWERED, CLAIMED, CLOSED, HANDOFF_REASONS, MEDIA_KINDS, MIGRANT, NORMAL, OPEN,
                             PRIORITIES, SENDERS, TICKET_STATES, TRAINER, URGENT, VOICE_KINDS)
from handoff.errors import (InvalidTicketData, NotATrainer, NotClaimed, NotOverdue, NotYourTicket, TicketClosed,
                            TicketNotFound)
from storage.models import GroupMessage, Ticket, TicketTurn, UTCDateTime, utcnow

REASONS = tuple(HANDOFF_REASONS)  # the values actions/actions.py puts in the handoff payload
STATUSES = TICKET_STATES
ACTIVE = (OPEN, CLAIMED, ANSWERED)  # at most one of these per migrant
WITH_TRAINER = (CLAIMED, ANSWERED)  # the migrant's messages go to the trainer instead of Rasa

# estimated_wait looks at tickets claimed in this window and trusts them once there are enough.
WAIT_WINDOW = timedelta(days=7)
WAIT_MIN_SAMPLES = 3

# Urgent first, then oldest; the id breaks ties between tickets created in the same instant.
QUEUE_ORDER = (case((Ticket.priority == URGENT, 0), else_=1), Ticket.created_at, Ticket.id)


@dataclass(frozen=True)
class Opened:
    """What open_ticket did: a new ticket, or the question added to the migrant's active one."""

    ticket: Ticket
    created: bool
    escalated: bool = False  # an existing ticket became urgent: announce it again
    turn: TicketTurn | None = None  # the question as a turn on the existing ticket (None for a new one)


@dataclass(frozen=True)
class ClaimResult:
    """A claim's outcome: whether this trainer won it, and who owns the ticket now."""

    ticket: Ticket
    trainer_id: int
    won: bool
    owner: int | None
    status: str

    @property
    def already_yours(self) -> bool:
        """The trainer had claimed it before (a second press of Claim, not a lost race)."""
        return not self.won and self.owner == self.trainer_id


def _now(now: datetime | None) -> datetime:
    """`now` as aware UTC; a naive value would be silently misread as UTC on SQLite."""
    if now is None:
        return utcnow()
    if now.tzinfo is None:
        raise ValueError("naive datetime: pass a timezone-aware value (UTC)")
    return now.astimezone(timezone.utc)


def _require(ok: bool, message: str) -> None:
    if not ok:
        raise InvalidTicketData(message)


def _statuses(status: str | Iterable[str] | None) -> tuple[str, ...]:
    chosen = ACTIVE if status is None else (status,) if isinstance(status, str) else tuple(status)
    for s in chosen:
        _require(s in STATUSES, f"unknown ticket status {s!r}; use one of {', '.join(STATUSES)}")
    return chosen


def _fresh(session: Session, ticket_id: int) -> Ticket:
    """The ticket as the database has it now (after a Core UPDATE the identity map may be stale)."""
    ticket = session.get(Ticket, ticket_id, populate_existing=True)
    if ticket is None:
        raise TicketNotFound(ticket_id)
    return ticket


def _current(session: Session, pseudonym: str, statuses: tuple[str, ...]) -> Ticket | None:
    return session.scalar(
        select(Ticket).where(Ticket.pseudonym == pseudonym, Ticket.status.in_(statuses))
        .execution_options(populate_existing=True)
    )


def _append(session: Session, ticket: Ticket, sender: str, text: str, now: datetime) -> TicketTurn:
    turn = TicketTurn(at=now, sender=sender, text=text)
    ticket.turns.append(turn)
    ticket.updated_at = now
    session.flush()
    return turn


def _refuse(ticket: Ticket, trainer_id: int) -> None:
    """Raise the reason a trainer's conditional UPDATE matched no row."""
    if ticket.status == CLOSED:
        raise TicketClosed(ticket.id)
    if ticket.status == OPEN:
        raise NotClaimed(ticket.id)
    raise NotYourTicket(ticket.id, ticket.claimed_by)


def ensure_trainer(trainer_id: int, trainer_ids: Collection[int]) -> None:
    """Refuse anyone whose id is not in SAFAR_TRAINER_IDS."""
    if trainer_id not in trainer_ids:
        raise NotATrainer(trainer_id)


def open_ticket(
    *, session: Session, pseudonym: str, chat_id: int, question: str, reason: str,
    country: str | None = None, language: str | None = None, priority: str | None = None,
    now: datetime | None = None,
) -> Opened:
    """Open a ticket, or add the question to the migrant's active one (one active ticket per migrant).

    Priority defaults to urgent for a crisis and normal otherwise. A question that raises an
    existing ticket to urgent also takes its reason and clears its last announcement, so it is
    re-announced; one on an answered ticket reopens it to the same trainer.

    Two concurrent calls for the same migrant cannot both insert (the partial unique index
    uq_tickets_active_pseudonym refuses the second with IntegrityError); the caller may retry,
    which then appends.
    """
    now = _now(now)
    _require(reason in REASONS, f"unknown handoff reason {reason!r}; use one of {', '.join(REASONS)}")
    priority = priority or (URGENT if reason == "crisis" else NORMAL)
    _require(priority in PRIORITIES, f"unknown priority {priority!r}; use urgent or normal")
    _require(bool(question.strip()), "the question is empty")

    current = _current(session, pseudonym, ACTIVE)
    if current is None:
        ticket = Ticket(
            pseudonym=pseudonym, chat_id=chat_id, country=country, language=language, question=question,
            reason=reason, priority=priority, status=OPEN, created_at=now, updated_at=now,
        )
        session.add(ticket)
        session.flush()
        return Opened(ticket, created=True)

    escalated = priority == URGENT and current.priority != URGENT
    if escalated:
        current.priority = URGENT
        current.reason = reason
    if escalated or reason == "crisis":
        # Every new crisis message is announced again, even on a ticket that was urgent already.
        current.last_announced_at = None
    if current.status == ANSWERED:
        current.status = CLAIMED
        current.reopened_at = now
    turn = _append(session, current, MIGRANT, question, now)
    return Opened(current, created=False, escalated=escalated, turn=turn)


def add_turn(
    *, session: Session, ticket_id: int, sender: str, text: str, now: datetime | None = None
) -> TicketTurn:
    """Append a message to a ticket that is not closed."""
    now = _now(now)
    _require(sender in SENDERS, f"unknown sender {sender!r}; use one of {', '.join(SENDERS)}")
    _require(bool(text.strip()), "the message is empty")
    ticket = _fresh(session, ticket_id)
    if ticket.status == CLOSED:
        raise TicketClosed(ticket_id)
    return _append(session, ticket, sender, text, now)


def get_ticket(*, session: Session, ticket_id: int) -> Ticket:
    """The ticket with its turns loaded, or TicketNotFound."""
    ticket = session.scalar(
        select(Ticket).where(Ticket.id == ticket_id).options(selectinload(Ticket.turns))
        .execution_options(populate_existing=True)
    )
    if ticket is None:
        raise TicketNotFound(ticket_id)
    return ticket


def queue(*, session: Session, status: str | Iterable[str] | None = None, limit: int | None = None) -> list[Ticket]:
    """Tickets in the given status(es), default all but closed, urgent first, then oldest."""
    query = select(Ticket).where(Ticket.status.in_(_statuses(status))).order_by(*QUEUE_ORDER).limit(limit)
    return list(session.scalars(query))


def claim(*, session: Session, ticket_id: int, trainer_id: int, now: datetime | None = None) -> ClaimResult:
    """Make the trainer the ticket's one owner if it is still open; otherwise say who owns it.

    A single `UPDATE ... WHERE id = :id AND status = 'open'`: on PostgreSQL a concurrent claim
    waits for the row lock and then finds the status changed; on SQLite writers take turns. Either
    way exactly one UPDATE matches a row. Raises TicketNotFound, or TicketClosed for a closed ticket.
    """
    now = _now(now)
    result = session.execute(
        update(Ticket).where(Ticket.id == ticket_id, Ticket.status == OPEN)
        .values(status=CLAIMED, claimed_by=trainer_id, claimed_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    won = result.rowcount == 1  # type: ignore[attr-defined]  # a CursorResult for UPDATE
    ticket = _fresh(session, ticket_id)
    if not won and ticket.status == CLOSED:
        raise TicketClosed(ticket_id)
    return ClaimResult(ticket=ticket, trainer_id=trainer_id, won=won, owner=ticket.claimed_by, status=ticket.status)


@dataclass(frozen=True)
class Media:
    """A voice note, photo or file as Telegram holds it: copied by the bot, never downloaded."""

    kind: str
    chat_id: int
    message_id: int

    @property
    def label(self) -> str:
        """What the ticket shows in place of the media, e.g. "[voice note]"."""
        return MEDIA_LABELS[self.kind]


MEDIA_LABELS = {"voice": "[voice note]", "audio": "[audio]", "video_note": "[video note]", "video": "[video]",
                "photo": "[photo]", "document": "[file]"}


def answer(
    *, session: Session, ticket_id: int, trainer_id: int, text: str, media: Media | None = None,
    now: datetime | None = None,
) -> TicketTurn:
    """Record the claiming trainer's answer (undelivered until the bot relays it); status answered.

    `media` is a voice note or file the trainer sent in the group; `text` is then its caption (may be
    empty). Raises NotClaimed (still open), NotYourTicket (someone else's), TicketClosed or TicketNotFound.
    """
    now = _now(now)
    if media is not None:
        _require(media.kind in MEDIA_KINDS, f"unknown media kind {media.kind!r}")
        text = f"{media.label} {text}".strip()
    _require(bool(text.strip()), "the answer is empty")
    result = session.execute(
        update(Ticket)
        .where(Ticket.id == ticket_id, Ticket.claimed_by == trainer_id, Ticket.status.in_(WITH_TRAINER))
        .values(status=ANSWERED, answered_at=now, updated_at=now,
                first_answered_at=func.coalesce(Ticket.first_answered_at, now, type_=UTCDateTime()))
        .execution_options(synchronize_session=False)
    )
    ticket = _fresh(session, ticket_id)
    if result.rowcount != 1:  # type: ignore[attr-defined]
        _refuse(ticket, trainer_id)
    turn = _append(session, ticket, TRAINER, text, now)
    if media is not None:
        turn.media_kind, turn.media_chat_id, turn.media_message_id = media.kind, media.chat_id, media.message_id
        session.flush()
    return turn


def attach_media(
    *, session: Session, pseudonym: str, chat_id: int, media: Media, caption: str = "",
    country: str | None = None, language: str | None = None, now: datetime | None = None,
) -> Opened:
    """Add a migrant's voice note or file to their active ticket, or open one (reason voice or media).

    The turn holds where the media is in Telegram, not the media; the desk copies it into the
    trainers' group as a reply to the ticket's post. An answered ticket goes back to its trainer.
    """
    _require(media.kind in MEDIA_KINDS, f"unknown media kind {media.kind!r}")
    now = _now(now)
    text = f"{media.label} {caption.strip()}".strip()
    opened = open_ticket(session=session, pseudonym=pseudonym, chat_id=chat_id, question=text,
                         reason="voice" if media.kind in VOICE_KINDS else "media", country=country,
                         language=language, now=now)
    # A new ticket holds the words as its question; the media is kept on a turn in both cases.
    turn = opened.turn or _append(session, opened.ticket, MIGRANT, text, now)
    turn.media_kind, turn.media_chat_id, turn.media_message_id = media.kind, media.chat_id, media.message_id
    session.flush()
    return opened


def media_sent_since(*, session: Session, pseudonym: str, since: datetime) -> int:
    """How many voice notes and files the migrant sent since `since` (for the hourly limit)."""
    return session.scalar(
        select(func.count()).select_from(TicketTurn).join(Ticket)
        .where(Ticket.pseudonym == pseudonym, TicketTurn.sender == MIGRANT, TicketTurn.media_kind.is_not(None),
               TicketTurn.at >= _now(since))
    ) or 0


def uncopied_media(*, session: Session) -> list[TicketTurn]:
    """Migrants' voice notes and files not yet copied into the group, for tickets already posted there."""
    query = (
        select(TicketTurn).join(Ticket)
        .where(TicketTurn.sender == MIGRANT, TicketTurn.media_kind.is_not(None), TicketTurn.delivered_at.is_(None),
               Ticket.posted_message_id.is_not(None))
        .options(joinedload(TicketTurn.ticket)).order_by(TicketTurn.id)
    )
    return list(session.scalars(query))


def close(*, session: Session, ticket_id: int, trainer_id: int, coordinator: bool = False,
          now: datetime | None = None) -> Ticket:
    """Close a ticket: any trainer may close an open one, only its owner a claimed or answered one,
    a coordinator any active one. The migrant is owed a line saying they are back with the bot."""
    now = _now(now)
    allowed = Ticket.status.in_(ACTIVE) if coordinator else or_(
        Ticket.status == OPEN, and_(Ticket.status.in_(WITH_TRAINER), Ticket.claimed_by == trainer_id))
    result = session.execute(
        update(Ticket)
        .where(Ticket.id == ticket_id, allowed)
        .values(status=CLOSED, closed_at=now, updated_at=now, notice="closed")
        .execution_options(synchronize_session=False)
    )
    ticket = _fresh(session, ticket_id)
    if result.rowcount != 1:  # type: ignore[attr-defined]
        _refuse(ticket, trainer_id)
    return ticket


def reassign(*, session: Session, ticket_id: int, to: int | None, now: datetime | None = None) -> Ticket:
    """A coordinator moves an active ticket: to another trainer, or (`to` None) back to the queue.

    Back to the queue, it is posted again as new so any trainer can claim it. Either way the
    migrant is owed a line that their question changed hands.
    """
    now = _now(now)
    ticket = _fresh(session, ticket_id)
    if ticket.status == CLOSED:
        raise TicketClosed(ticket_id)
    if to is None:
        values: dict[str, object] = {"status": OPEN, "claimed_by": None, "claimed_at": None,
                                     "posted_message_id": None, "notice": "requeued"}
    else:
        values = {"status": ticket.status if ticket.status == ANSWERED else CLAIMED, "claimed_by": to,
                  "claimed_at": now, "notice": "reassigned"}
    changed = ticket.claimed_by is not None and ticket.claimed_by != to
    session.execute(
        update(Ticket).where(Ticket.id == ticket_id, Ticket.status.in_(ACTIVE))
        .values(updated_at=now, reassigned=Ticket.reassigned + (1 if changed else 0), **values)
        .execution_options(synchronize_session=False)
    )
    return _fresh(session, ticket_id)


def _waiting_since() -> ColumnElement[datetime]:
    """Since when a claimed ticket has waited for its trainer: the claim, or the migrant's last return."""
    return func.coalesce(Ticket.reopened_at, Ticket.claimed_at, type_=UTCDateTime())


def take_over(*, session: Session, ticket_id: int, trainer_id: int, sla: timedelta,
              now: datetime | None = None) -> Ticket:
    """Another trainer takes a claimed ticket whose trainer has not replied within the SLA.

    One conditional UPDATE, so two trainers pressing "Take over" at once cannot both win; the
    loser is told who has it. The migrant is owed a line that their question changed hands.
    """
    now = _now(now)
    result = session.execute(
        update(Ticket)
        .where(Ticket.id == ticket_id, Ticket.status == CLAIMED, Ticket.claimed_by != trainer_id,
               _waiting_since() <= now - sla)
        .values(claimed_by=trainer_id, claimed_at=now, reopened_at=None, updated_at=now,
                reassigned=Ticket.reassigned + 1, notice="reassigned")
        .execution_options(synchronize_session=False)
    )
    ticket = _fresh(session, ticket_id)
    if result.rowcount != 1:  # type: ignore[attr-defined]
        if ticket.status == CLOSED:
            raise TicketClosed(ticket_id)
        if ticket.claimed_by == trainer_id:
            return ticket  # a second press: it is already theirs
        raise NotOverdue(ticket_id, ticket.claimed_by)
    return ticket


def overdue_claims(*, session: Session, now: datetime, sla: timedelta) -> list[Ticket]:
    """Claimed tickets whose trainer has not replied within the SLA and that were not announced for an
    SLA: re-announced to the group, where another trainer can take them over."""
    now = _now(now)
    last = func.coalesce(Ticket.last_announced_at, Ticket.created_at, type_=UTCDateTime())
    query = (
        select(Ticket)
        .where(Ticket.status == CLAIMED, Ticket.posted_message_id.is_not(None), _waiting_since() <= now - sla,
               last <= now - sla)
        .order_by(*QUEUE_ORDER)
    )
    return list(session.scalars(query))


def owed_notices(*, session: Session) -> list[Ticket]:
    """Tickets whose migrant is owed a line about a change (reassigned, back in the queue, closed)."""
    return list(session.scalars(select(Ticket).where(Ticket.notice.is_not(None)).order_by(Ticket.id)))


def notice_sent(*, session: Session, ticket_id: int, notice: str) -> None:
    """Clear a notice once sent (only that one: a newer change owes its own line)."""
    session.execute(update(Ticket).where(Ticket.id == ticket_id, Ticket.notice == notice).values(notice=None)
                    .execution_options(synchronize_session=False))


def cancel(*, session: Session, pseudonym: str, now: datetime | None = None) -> Ticket | None:
    """The migrant withdraws: close their active ticket, whatever its status; None when there is none."""
    now = _now(now)
    ticket = _current(session, pseudonym, ACTIVE)
    if ticket is None:
        return None
    session.execute(
        update(Ticket).where(Ticket.id == ticket.id, Ticket.status.in_(ACTIVE))
        .values(status=CLOSED, closed_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return _fresh(session, ticket.id)


def active_ticket_for(*, session: Session, pseudonym: str) -> Ticket | None:
    """The ticket that receives the migrant's messages instead of Rasa: claimed or answered, not closed."""
    return _current(session, pseudonym, WITH_TRAINER)


def reopen_if_answered(
    *, session: Session, pseudonym: str, text: str, now: datetime | None = None
) -> Ticket | None:
    """Route a migrant's message to their trainer's ticket, reopening an answered one (back to claimed).

    Returns the ticket the message was added to, or None when no trainer has the migrant's
    ticket (the message then belongs to Rasa).
    """
    now = _now(now)
    _require(bool(text.strip()), "the message is empty")
    ticket = active_ticket_for(session=session, pseudonym=pseudonym)
    if ticket is None:
        return None
    if ticket.status == ANSWERED:
        # Conditional, so a trainer closing the ticket at this moment is not undone.
        session.execute(
            update(Ticket).where(Ticket.id == ticket.id, Ticket.status == ANSWERED)
            .values(status=CLAIMED, reopened_at=now, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        ticket = _fresh(session, ticket.id)
        if ticket.status == CLOSED:
            return None
    _append(session, ticket, MIGRANT, text, now)
    return ticket


def ticket_for_posted_message(*, session: Session, message_id: int) -> Ticket | None:
    """The ticket a message of the bot's in the trainers' group is about (its post, a re-announcement,
    a relayed message or copied media): a reply to any of them answers the ticket."""
    ticket = session.scalar(select(Ticket).where(Ticket.posted_message_id == message_id).order_by(Ticket.id.desc()))
    if ticket is not None:
        return ticket
    ticket_id = session.scalar(select(GroupMessage.ticket_id).where(GroupMessage.message_id == message_id)
                               .order_by(GroupMessage.id.desc()).limit(1))
    return session.get(Ticket, ticket_id) if ticket_id is not None else None


def unposted(*, session: Session) -> list[Ticket]:
    """Tickets not yet posted in the trainers' group (e.g. created while the bot was down), in queue order."""
    query = select(Ticket).where(Ticket.posted_message_id.is_(None), Ticket.status != CLOSED).order_by(*QUEUE_ORDER)
    return list(session.scalars(query))


def mark_posted(*, session: Session, ticket_id: int, message_id: int, now: datetime | None = None) -> Ticket:
    """Remember the group message of a ticket; posting counts as its first announcement."""
    ticket = _fresh(session, ticket_id)
    ticket.posted_message_id = message_id
    ticket.last_announced_at = _now(now)
    session.flush()
    return ticket


def mark_announced(*, session: Session, ticket_id: int, now: datetime | None = None) -> Ticket:
    """Record a re-announcement or an SLA reminder, which restarts the ticket's reminder clock."""
    ticket = _fresh(session, ticket_id)
    ticket.last_announced_at = _now(now)
    session.flush()
    return ticket


def due_for_reminder(
    *, session: Session, now: datetime, urgent_every: timedelta, sla: timedelta
) -> list[Ticket]:
    """Posted, still-open tickets to announce again, in queue order.

    Urgent: not announced (posted or re-announced) for `urgent_every`. Normal: older than the
    SLA and not announced for an SLA either, so a forgotten ticket is reminded once per SLA
    period. The clock is the last announcement, or the creation when there was none since an
    escalation to urgent.
    """
    now = _now(now)
    last = func.coalesce(Ticket.last_announced_at, Ticket.created_at, type_=UTCDateTime())
    urgent = and_(Ticket.priority == URGENT, last <= now - urgent_every)
    # The last announcement is never before creation, so this also means "older than the SLA".
    normal = and_(Ticket.priority == NORMAL, last <= now - sla)
    query = (
        select(Ticket)
        .where(Ticket.status == OPEN, Ticket.posted_message_id.is_not(None), or_(urgent, normal))
        .order_by(*QUEUE_ORDER)
    )
    return list(session.scalars(query))


def undelivered_trainer_turns(*, session: Session) -> list[TicketTurn]:
    """Trainers' answers not yet sent to the migrant, oldest first, each with its ticket (chat id) loaded."""
    query = (
        select(TicketTurn).where(TicketTurn.sender == TRAINER, TicketTurn.delivered_at.is_(None))
        .options(joinedload(TicketTurn.ticket)).order_by(TicketTurn.id)
    )
    return list(session.scalars(query))


def mark_delivered(*, session: Session, turn_id: int, now: datetime | None = None) -> None:
    """Record that the bot sent this turn to the migrant, so it is never sent twice."""
    session.execute(
        update(TicketTurn).where(TicketTurn.id == turn_id, TicketTurn.delivered_at.is_(None))
        .values(delivered_at=_now(now)).execution_options(synchronize_session=False)
    )


def delete_tickets_where(*, session: Session, condition: ColumnElement[bool]) -> int:
    """Delete the tickets matching `condition` and all their turns; returns how many tickets went.

    Their copies in the trainers' group are marked for the desk to redact (see GroupMessage).
    """
    ids = select(Ticket.id).where(condition).scalar_subquery()
    session.execute(update(GroupMessage).where(GroupMessage.ticket_id.in_(ids)).values(redact=True)
                    .execution_options(synchronize_session=False))
    # ON DELETE CASCADE would do this, but only where SQLite's foreign keys are switched on;
    # deleting the turns explicitly keeps deletion complete on any connection.
    session.execute(delete(TicketTurn).where(TicketTurn.ticket_id.in_(ids)).execution_options(synchronize_session="fetch"))
    result = session.execute(delete(Ticket).where(condition))
    return result.rowcount or 0  # type: ignore[attr-defined]


def record_group_message(*, session: Session, ticket_id: int, chat_id: int, message_id: int, kind: str = "text") -> None:
    """Remember a post about a ticket in the trainers' group, so deleting the ticket reaches it too.

    `kind` "text" is edited to say the data was deleted; "media" (a copied voice note or photo) is deleted.
    """
    _require(kind in ("text", "media"), f"unknown group message kind {kind!r}")
    session.add(GroupMessage(ticket_id=ticket_id, chat_id=chat_id, message_id=message_id, redact=False, kind=kind))


def pending_redactions(*, session: Session, limit: int = 50) -> list[GroupMessage]:
    """Group copies of deleted or expired tickets that still show the person's words."""
    return list(session.scalars(select(GroupMessage).where(GroupMessage.redact.is_(True))
                                .order_by(GroupMessage.id).limit(limit)))


def redacted(*, session: Session, group_message_id: int) -> None:
    """The copy was edited (or is gone from Telegram): forget it."""
    session.execute(delete(GroupMessage).where(GroupMessage.id == group_message_id))


def scrub_closed_before(*, session: Session, cutoff: datetime, note: str) -> int:
    """Replace the words of tickets closed before `cutoff` by `note`; their group copies are redacted too.

    Closed tickets stay countable for the desk's figures (times, reasons) without the raw text.
    """
    closed = and_(Ticket.status == CLOSED, Ticket.closed_at < cutoff, Ticket.question != note)
    ids = select(Ticket.id).where(closed).scalar_subquery()
    session.execute(update(GroupMessage).where(GroupMessage.ticket_id.in_(ids)).values(redact=True)
                    .execution_options(synchronize_session=False))
    # A scrubbed voice note keeps its kind (for the desk's figures), not where it is in Telegram.
    session.execute(update(TicketTurn).where(TicketTurn.ticket_id.in_(ids))
                    .values(text=note, media_chat_id=None, media_message_id=None)
                    .execution_options(synchronize_session=False))
    result = session.execute(update(Ticket).where(closed).values(question=note)
                             .execution_options(synchronize_session=False))
    return result.rowcount or 0  # type: ignore[attr-defined]


def delete_for_pseudonym(*, session: Session, pseudonym: str) -> int:
    """Delete every ticket of a migrant and all their turns (for /forget); returns how many tickets went."""
    return delete_tickets_where(session=session, condition=Ticket.pseudonym == pseudonym)


def counts_by_status(*, session: Session) -> dict[tuple[str, str], int]:
    """Tickets not closed, by (status, priority): what the queue holds right now."""
    rows = session.execute(select(Ticket.status, Ticket.priority, func.count()).where(Ticket.status != CLOSED)
                           .group_by(Ticket.status, Ticket.priority))
    return {(status, priority): n for status, priority, n in rows}


def delete_inactive_before(*, session: Session, cutoff: datetime) -> int:
    """Delete tickets with no activity since `cutoff` and their turns (the retention purge); returns tickets gone."""
    return delete_tickets_where(session=session, condition=Ticket.updated_at < cutoff)


def estimated_wait(
    *, session: Session, now: datetime, sla_hours: int | float, priority: str = NORMAL
) -> timedelta:
    """A rough wait until a trainer takes a ticket opened now, in whole hours (at least one).

    Method: from tickets claimed in the last 7 days, `typical` is the median time from opening
    to claim and `per_ticket` the median time from claim to answer (`typical` when no answers
    yet). The new ticket waits `typical` plus `per_ticket` for every open ticket ahead of it
    (all open urgent ones; for a normal ticket, all open ones) — as if one trainer worked
    through the queue, so with several trainers it errs long. With fewer than 3 claims in the
    window there is no basis, and the estimate is the SLA.
    """
    now = _now(now)
    _require(priority in PRIORITIES, f"unknown priority {priority!r}; use urgent or normal")
    rows = session.execute(
        select(Ticket.created_at, Ticket.claimed_at, Ticket.answered_at)
        .where(Ticket.claimed_at.is_not(None), Ticket.claimed_at > now - WAIT_WINDOW, Ticket.claimed_at <= now)
    ).all()
    if len(rows) < WAIT_MIN_SAMPLES:
        return timedelta(hours=sla_hours)
    typical = statistics.median((claimed - created).total_seconds() for created, claimed, _ in rows)
    handling = [(answered - claimed).total_seconds() for _, claimed, answered in rows if answered is not None]
    per_ticket = statistics.median(handling) if len(handling) >= WAIT_MIN_SAMPLES else typical
    ahead_priorities = [URGENT] if priority == URGENT else [URGENT, NORMAL]
    ahead = session.scalar(
        select(func.count()).select_from(Ticket).where(Ticket.status == OPEN, Ticket.priority.in_(ahead_priorities))
    ) or 0
    seconds = max(typical, 0.0) + ahead * max(per_ticket, 0.0)
    return timedelta(hours=max(1, math.ceil(seconds / 3600)))
