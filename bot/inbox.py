"""Updates are stored before Telegram counts them delivered, and removed once handled.

Without this, a bot killed mid-burst loses the updates it had fetched but not yet handled:
python-telegram-bot confirms a batch to Telegram with its next getUpdates call (and answers a
webhook with 200) as soon as the batch is queued. The queue below writes each update to the
`update_inbox` table first; the last handler group deletes it; on start the bot handles whatever
a crashed predecessor left. An update seen again (Telegram redelivers what was not confirmed) is
dropped, because the inbox already has it.
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from telegram import Update

from storage.models import InboxUpdate

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3  # an update that crashed the bot this often is dropped, not retried forever


class Inbox:
    """The update_inbox table; blocking calls, run them in a thread."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def store(self, update: Update) -> bool:
        """Keep an update until it is handled; False when it is already kept (a redelivery)."""
        chat = update.effective_chat
        row = InboxUpdate(update_id=update.update_id, chat_id=chat.id if chat else None,
                          payload=json.dumps(update.to_dict()), received_at=datetime.now(timezone.utc), attempts=0)
        try:
            with self._sessions.begin() as session:
                session.add(row)
        except IntegrityError:
            return False
        return True

    def done(self, update_id: int) -> None:
        """The update was handled: forget it."""
        with self._sessions.begin() as session:
            session.execute(delete(InboxUpdate).where(InboxUpdate.update_id == update_id))

    def leftovers(self) -> list[tuple[int, dict[str, Any]]]:
        """Updates a previous run did not finish, oldest first, each counted as one more attempt."""
        with self._sessions.begin() as session:
            rows = list(session.scalars(select(InboxUpdate).order_by(InboxUpdate.update_id)))
            out = []
            for row in rows:
                if row.attempts >= MAX_ATTEMPTS:
                    log.error("update %d failed %d times; dropped", row.update_id, row.attempts)
                    session.delete(row)
                    continue
                out.append((row.update_id, json.loads(row.payload)))
            session.execute(update(InboxUpdate).values(attempts=InboxUpdate.attempts + 1))
        return out


class DurableQueue(asyncio.Queue):  # type: ignore[type-arg]
    """python-telegram-bot's update queue, storing each update in the inbox before it is queued."""

    def __init__(self) -> None:
        super().__init__()
        self.inbox: Inbox | None = None  # set in post_init, before any update is fetched

    async def put(self, item: Any) -> None:
        """Store, then queue; a redelivered update is not queued twice.

        When the database cannot store it, the update is handled anyway (without the crash
        protection): raising here would stop polling, and the person would get no answer at all.
        """
        if isinstance(item, Update) and self.inbox is not None:
            try:
                fresh = await asyncio.to_thread(self.inbox.store, item)
            except SQLAlchemyError as exc:
                log.error("update %d not kept in the inbox (%s); handling it anyway", item.update_id, type(exc).__name__)
                fresh = True
            if not fresh:
                log.info("update %d already received; not handled twice", item.update_id)
                return
        await super().put(item)

    async def replay(self, bot: Any) -> int:
        """Queue the updates a crashed run left unfinished; returns how many."""
        assert self.inbox is not None
        leftovers = await asyncio.to_thread(self.inbox.leftovers)
        for _, payload in leftovers:
            await super().put(Update.de_json(payload, bot))
        if leftovers:
            log.warning("handling %d updates left unfinished by the previous run", len(leftovers))
        return len(leftovers)

