"""Turns the handoff payloads in Rasa's replies into tickets in the handoff queue."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from typing import Any, TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.users import UserView
from handoff.queue import WITH_TRAINER, Media, attach_media, cancel, media_sent_since, open_ticket

log = logging.getLogger(__name__)
T = TypeVar("T")


class TicketService:
    """Opens tickets (one active per migrant) and deletes them on /forget; blocking work in a thread."""

    def __init__(self, sessions: sessionmaker[Session], on_stored: Callable[[], None] = lambda: None) -> None:
        self._sessions = sessions
        self._on_stored = on_stored

    async def on_handoff(self, chat_id: int, user: UserView, payload: dict[str, Any]) -> None:
        """Store the handoff as a ticket (or add it to the migrant's active ticket), then wake the desk."""
        await asyncio.to_thread(self._open, chat_id, user, payload)
        self._on_stored()

    def _write(self, work: Callable[[Session], T]) -> T:
        """Run `work` in one transaction. Two first tickets of one migrant at once: the database's unique
        index lets one in and refuses the other, which is tried once more and then adds to the first."""
        for attempt in range(2):
            try:
                with self._sessions.begin() as session:
                    return work(session)
            except IntegrityError:
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def _open(self, chat_id: int, user: UserView, payload: dict[str, Any]) -> None:
        question = str(payload.get("question") or "").strip()
        if not question or question.startswith("/"):
            question = "(asked for a trainer)"  # a button or /human, not words of the migrant's

        def work(session: Session) -> tuple[int, bool]:
            opened = open_ticket(session=session, pseudonym=user.pseudonym, chat_id=chat_id, question=question,
                                 reason=str(payload.get("reason") or "asked_for_person"),
                                 country=user.country, language=user.language, priority=payload.get("priority"))
            return opened.ticket.id, opened.created

        ticket_id, created = self._write(work)
        log.info("ticket %s %s (reason %s)", ticket_id, "opened" if created else "updated", payload.get("reason"))

    def open_crisis(self, chat_id: int, user: UserView, text: str) -> tuple[int, bool]:
        """Store a crisis message as an urgent ticket (or raise the active one); (ticket id, held by a trainer)."""
        def work(session: Session) -> tuple[int, bool, bool]:
            opened = open_ticket(session=session, pseudonym=user.pseudonym, chat_id=chat_id, question=text,
                                 reason="crisis", country=user.country, language=user.language, priority="urgent")
            return opened.ticket.id, opened.created, opened.ticket.status in WITH_TRAINER

        ticket_id, created, held = self._write(work)
        log.info("urgent ticket %s %s", ticket_id, "opened" if created else "raised")
        return ticket_id, held

    def attach_media(self, chat_id: int, user: UserView, media: Media, caption: str, *,
                     per_hour: int) -> tuple[int, bool, bool] | None:
        """Put a migrant's voice note or file on their ticket (opening one if needed), then wake the desk.

        Returns (ticket id, a new ticket, a trainer holds it), or None when the person already sent
        `per_hour` of them in the last hour (nothing is stored then).
        """
        since = datetime.now(timezone.utc) - timedelta(hours=1)

        def work(session: Session) -> tuple[int, bool, bool] | None:
            if media_sent_since(session=session, pseudonym=user.pseudonym, since=since) >= per_hour:
                return None
            opened = attach_media(session=session, pseudonym=user.pseudonym, chat_id=chat_id, media=media,
                                  caption=caption, country=user.country, language=user.language)
            return opened.ticket.id, opened.created, opened.ticket.status in WITH_TRAINER

        outcome = self._write(work)
        if outcome is not None:
            log.info("%s added to ticket %s (%s)", media.kind, outcome[0], "new" if outcome[1] else "active")
            self._on_stored()
        return outcome

    def cancel(self, pseudonym: str) -> bool:
        """The migrant withdraws their question; False when they had none open."""
        with self._sessions.begin() as session:
            return cancel(session=session, pseudonym=pseudonym) is not None
