"""Erasing one person's data (/forget, `safar forget`) and the retention purge, over every store."""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from handoff.queue import delete_for_pseudonym as delete_tickets
from handoff.queue import delete_inactive_before as delete_old_tickets
from handoff.queue import scrub_closed_before
from core.pseudonym import pseudonym
from core.settings import Settings
from privacy.tracker_store import TrackerStore
from storage.db import make_engine, make_sessionmaker
from storage.models import InboxUpdate, User
from storage.question_log import delete_for_pseudonym as delete_questions
from storage.question_log import delete_older_than as delete_old_questions
from storage.users import delete_inactive_before as delete_old_users
from storage.users import delete_user

log = logging.getLogger(__name__)

SCRUBBED = "(text removed: the ticket was closed longer ago than the retention period)"


@dataclass(frozen=True)
class Deleted:
    """How many rows /forget or the retention purge deleted, per store."""

    settings: int
    tickets: int
    questions: int
    conversation_events: int

    def as_dict(self) -> dict[str, int]:
        """Counts by store."""
        return asdict(self)

    def summary(self) -> str:
        """The counts in words: "1 settings, 2 tickets, ..."."""
        return ", ".join(f"{n} {name.replace('_', ' ')}" for name, n in self.as_dict().items())


class Privacy:
    """The one place that knows every store holding something about a person."""

    def __init__(self, sessions: sessionmaker[Session], tracker: TrackerStore, *, key: bytes,
                 retention_days: int, conversation_days: int, closed_ticket_days: int = 30) -> None:
        self._sessions = sessions
        self._tracker = tracker
        self._key = key
        self._retention = timedelta(days=retention_days)
        self._conversations = timedelta(days=conversation_days)
        self._closed_tickets = timedelta(days=closed_ticket_days)

    @classmethod
    def from_settings(cls, settings: Settings, sessions: sessionmaker[Session] | None = None) -> "Privacy":
        """Build from the settings (the app database and Rasa's tracker store)."""
        sessions = sessions or make_sessionmaker(make_engine(settings.resolved_database_url()))
        return cls(sessions, TrackerStore.from_url(settings.resolved_tracker_store_url()), key=settings.resolved_pseudonym_key(),
                   retention_days=settings.retention_days, conversation_days=settings.raw_conversation_days(),
                   closed_ticket_days=settings.closed_ticket_days())

    def forget(self, telegram_id: int) -> Deleted:
        """Delete the person's settings, tickets, logged questions and Rasa conversation.

        By the pseudonym stored on the person's row: the key may have changed since it was made,
        and a recomputed pseudonym would then find nothing while reporting success.
        """
        with self._sessions.begin() as session:
            stored = session.scalar(select(User.pseudonym).where(User.telegram_id == telegram_id))
            keys = {k for k in (stored, pseudonym(telegram_id, self._key)) if k}
            # Updates waiting in the bot's inbox hold raw text; in a private chat the chat id is the user id.
            session.execute(delete(InboxUpdate).where(InboxUpdate.chat_id == telegram_id))
            settings = delete_user(session=session, telegram_id=telegram_id)
            tickets = questions = 0
            for key in keys:
                tickets += delete_tickets(session=session, pseudonym=key)
                questions += delete_questions(session=session, pseudonym=key)
        events = sum(self._tracker.forget(key) for key in keys)
        return Deleted(settings, tickets, questions, events)

    def purge(self, now: datetime) -> Deleted:
        """Delete everything older than the retention periods."""
        cutoff = now - self._retention
        with self._sessions.begin() as session:
            questions = delete_old_questions(session=session, cutoff=cutoff)
            tickets = delete_old_tickets(session=session, cutoff=cutoff)
            users = delete_old_users(session=session, cutoff=cutoff)
            # Closed tickets keep their figures (times, reason) but not the person's words.
            scrub_closed_before(session=session, cutoff=now - self._closed_tickets, note=SCRUBBED)
            session.execute(delete(InboxUpdate).where(InboxUpdate.received_at < now - timedelta(days=1)))
        events = self._tracker.purge_before(now - self._conversations)
        purged = Deleted(users, tickets, questions, events)
        if any(purged.as_dict().values()):
            log.info("retention purge deleted %s", purged.as_dict())
        return purged


async def purge_periodically(privacy: Privacy, every_seconds: float) -> None:
    """Run the retention purge now and then every `every_seconds`, for as long as the process lives."""
    import asyncio
    from datetime import timezone

    while True:
        try:
            await asyncio.to_thread(privacy.purge, datetime.now(timezone.utc))
        except Exception as exc:  # noqa: BLE001 - a failed purge is retried next round, never fatal
            log.error("retention purge failed (%s); it runs again in %.0f h", type(exc).__name__, every_seconds / 3600)
        await asyncio.sleep(every_seconds)
