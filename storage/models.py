"""SQLAlchemy 2 models. Telegram ids appear only in operational tables (users, tickets)."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (
    JSON, BigInteger, Boolean, CheckConstraint, DateTime, Dialect, Float, ForeignKey, Index, Integer, String, Text,
    TypeDecorator,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    """Timezone-aware now, in UTC."""
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    """Declarative base of all Safar tables."""


class User(Base):
    """A migrant's settings: destination, language and privacy consent."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Operational only: needed to send replies. Never copied into logs or analytics.
    telegram_id: Mapped[int] = mapped_column(BigInteger, unique=True, index=True)
    pseudonym: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    country: Mapped[str | None] = mapped_column(String(16))
    language: Mapped[str | None] = mapped_column(String(8))
    consent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every backend.

    SQLite keeps no offset and hands back naive values; without this, comparing a ticket's times
    with an aware `now` would fail on SQLite only.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Store UTC; a naive value is refused because its zone is a guess."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: pass a timezone-aware value (UTC)")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        """Return UTC with tzinfo, whatever the backend gave."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


class Ticket(Base):
    """A question handed to a trainer: who asked (pseudonym, chat), why, and where it stands."""

    __tablename__ = "tickets"
    __table_args__ = (
        CheckConstraint("status IN ('open', 'claimed', 'answered', 'closed')", name="ck_tickets_status"),
        CheckConstraint("priority IN ('urgent', 'normal')", name="ck_tickets_priority"),
        # Filter by status, then urgent before normal, oldest first: the trainers' queue.
        Index("ix_tickets_queue", "status", "priority", "created_at"),
        # A trainer's reply in the group names the message it answers; this finds the ticket.
        Index("ix_tickets_posted_message_id", "posted_message_id"),
        Index("ix_tickets_pseudonym", "pseudonym"),
        # One active ticket per migrant, enforced by the database, not only by open_ticket().
        Index(
            "uq_tickets_active_pseudonym", "pseudonym", unique=True,
            sqlite_where=text("status <> 'closed'"), postgresql_where=text("status <> 'closed'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pseudonym: Mapped[str] = mapped_column(String(64))
    # Operational only: the chat the trainer's answer is relayed to. Deleted with the ticket on /forget.
    chat_id: Mapped[int] = mapped_column(BigInteger)
    country: Mapped[str | None] = mapped_column(String(16))
    language: Mapped[str | None] = mapped_column(String(8))
    question: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(String(32))
    priority: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16), default="open")
    claimed_by: Mapped[int | None] = mapped_column(BigInteger)  # the trainer's Telegram user id
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reopened_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    posted_message_id: Mapped[int | None] = mapped_column(BigInteger)  # in the trainers' group; None until posted
    last_announced_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    first_answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # the desk's first-reply time
    reassigned: Mapped[int] = mapped_column(Integer, default=0)  # times the ticket changed hands
    # A line the bot owes the migrant about their ticket ("reassigned", "requeued", "closed"): set by
    # whoever changed it (the group or the command line), sent and cleared by the desk loop.
    notice: Mapped[str | None] = mapped_column(String(16))

    turns: Mapped[list[TicketTurn]] = relationship(
        back_populates="ticket", order_by="TicketTurn.id", cascade="all, delete-orphan", passive_deletes=True
    )


class TicketTurn(Base):
    """One message on a ticket after the question: from the migrant, the trainer or the bot."""

    __tablename__ = "ticket_turns"
    __table_args__ = (
        CheckConstraint("sender IN ('migrant', 'trainer', 'bot')", name="ck_ticket_turns_sender"),
        Index("ix_ticket_turns_ticket_id", "ticket_id"),
        # The bot polls for trainer answers it has not relayed yet.
        Index("ix_ticket_turns_undelivered", "sender", "delivered_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id", ondelete="CASCADE", name="fk_ticket_turns_ticket_id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    sender: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(Text)
    # Set when the bot has sent a trainer's turn to the migrant (answers typed in the CLI wait here),
    # or copied a migrant's voice note or photo into the trainers' group.
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # A voice note, photo or file: its kind and where it is in Telegram (copied, never downloaded).
    media_kind: Mapped[str | None] = mapped_column(String(16))
    media_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    media_message_id: Mapped[int | None] = mapped_column(BigInteger)

    ticket: Mapped[Ticket] = relationship(back_populates="turns")


class GroupMessage(Base):
    """A message the bot posted in the trainers' group about a ticket (its post, re-announcements, relays).

    Kept so that deleting a ticket (/forget, retention) also edits these copies in Telegram to say
    the data was deleted: `redact` marks those the desk loop has still to edit. No foreign key: the
    row outlives its ticket until the copy is redacted.
    """

    __tablename__ = "group_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(Integer, index=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    message_id: Mapped[int] = mapped_column(BigInteger)
    redact: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    # "text": edited to say the data was deleted; "media" (a copied voice note or photo): deleted.
    kind: Mapped[str] = mapped_column(String(8), default="text")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class LoggedQuestionRow(Base):
    """One informational question in the anonymised log: what curriculum teams analyse.

    No Telegram id and no raw text, by construction: the text is anonymised before this row exists.
    """

    __tablename__ = "question_log"
    __table_args__ = (
        CheckConstraint("route IN ('answer', 'suggest', 'handoff', 'clarify')", name="ck_question_log_route"),
        CheckConstraint("feedback IS NULL OR feedback IN ('helpful', 'unhelpful')", name="ck_question_log_feedback"),
        CheckConstraint("source IN ('bot', 'replay', 'demo')", name="ck_question_log_source"),
        # Feedback and /forget look a person's rows up; the report and the purge scan by time.
        Index("ix_question_log_pseudonym_asked_at", "pseudonym", "asked_at"),
        Index("ix_question_log_asked_at", "asked_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pseudonym: Mapped[str] = mapped_column(String(64))
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    country: Mapped[str | None] = mapped_column(String(16))
    language: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(Text)  # anonymised
    intent: Mapped[str] = mapped_column(String(64))
    confidence: Mapped[float] = mapped_column(Float)
    route: Mapped[str] = mapped_column(String(16))
    chosen: Mapped[str | None] = mapped_column(String(160))  # route suggest: the offered passage the person chose
    # The topic of the nearest knowledge-base passage, even below the gate: how the report files a gap.
    topic: Mapped[str | None] = mapped_column(String(48))
    gate: Mapped[float | None] = mapped_column(Float)  # the retriever's confidence; None when not searched
    passages: Mapped[list[dict[str, object]]] = mapped_column(JSON, default=list)  # answered with: id, score
    feedback: Mapped[str | None] = mapped_column(String(12))
    feedback_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    trainer_needed: Mapped[bool] = mapped_column(Boolean, default=False)
    handoff_reason: Mapped[str | None] = mapped_column(String(32))
    # "bot": a migrant's message; "replay": `safar ask`/`replay` traffic; "demo": made by `safar demo-log`.
    # The report reads bot rows only (demo rows when there are none, and says so).
    source: Mapped[str] = mapped_column(String(8), default="bot")


class InboxUpdate(Base):
    """A Telegram update received but not yet fully handled: the bot's crash insurance.

    Written before Telegram is told the update arrived (polling: before the next getUpdates;
    webhook: before the 200), deleted once every handler ran. A bot that was killed finds here what
    it had not finished and handles it on start. Raw and personal (text, Telegram id), so it lives
    for seconds; the retention purge removes anything older than a day.
    """

    __tablename__ = "update_inbox"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    chat_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    payload: Mapped[str] = mapped_column(Text)  # the update as JSON
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    attempts: Mapped[int] = mapped_column(default=0)
