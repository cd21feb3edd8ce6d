"""The bot's first line of the crisis path: contacts within seconds, whatever else is down.

Every text from a person is checked here before anything else (consent, Rasa, a trainer's
ticket, the database). On a match the contacts of the programme location, held in memory since
start, are sent at once; only then is the urgent ticket stored. If the database cannot take it,
the alert is kept in memory and retried every few seconds, and the trainers' group is told at
once that an urgent ticket is on its way.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone

from telegram import Bot, Update
from telegram.error import TelegramError

from bot.i18n import desk_gettext, supported
from bot.metrics import BotMetrics
from bot.tickets import TicketService
from bot.trainers import TrainerDesk
from bot.users import UserService
from crisis.contacts import CrisisContacts
from crisis.detector import CrisisDetector
from crisis.messages import crisis_reply

log = logging.getLogger(__name__)

RETRY_SECONDS = 3.0
MAX_REMEMBERED = 100_000  # languages kept in memory for when the database is down (ids only, no text)


@dataclass
class Alert:
    """A crisis message whose urgent ticket is not stored yet (kept in memory only, until stored)."""

    telegram_id: int
    chat_id: int
    text: str
    language: str | None
    received_at: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    group_told: bool = False


class CrisisGuard:
    """Runs the crisis detector on a person's text; on a match, contacts first, then the urgent ticket."""

    def __init__(self, detector: CrisisDetector, contacts: CrisisContacts, users: UserService,
                 tickets: TicketService, desk: TrainerDesk, metrics: BotMetrics) -> None:
        self.detector = detector
        self.contacts = contacts
        self.users = users
        self.tickets = tickets
        self.desk = desk
        self.metrics = metrics
        self.pending: list[Alert] = []
        self._languages: dict[int, str] = {}
        self._lock = asyncio.Lock()

    def remember_language(self, telegram_id: int, language: str | None) -> None:
        """The person's language as last read from the database, for a crisis while it is down."""
        if language and (telegram_id in self._languages or len(self._languages) < MAX_REMEMBERED):
            self._languages[telegram_id] = language

    def language_of(self, update: Update) -> str | None:
        """The person's language without the database: remembered, else Telegram's."""
        user = update.effective_user
        if user is None:
            return None
        return self._languages.get(user.id) or supported(user.language_code)

    async def check(self, update: Update, text: str | None) -> bool:
        """True when the text was a crisis and has been handled (contacts sent, alert raised)."""
        if not text or not self.detector.matches(text):
            return False
        user, chat = update.effective_user, update.effective_chat
        if user is None or chat is None:
            return False
        language = self.language_of(update)
        for part in crisis_reply(self.contacts, language):
            await chat.send_message(part)
        self.metrics.crisis_detected.labels("bot").inc()
        await self.raise_alert(update.get_bot(), Alert(user.id, chat.id, text, language))
        return True

    async def send_contacts(self, update: Update, language: str | None) -> None:
        """The crisis texts and contacts alone (Rasa's crisis route when its ticket could not be stored)."""
        if update.effective_chat is not None:
            for part in crisis_reply(self.contacts, language):
                await update.effective_chat.send_message(part)

    async def raise_alert(self, bot: Bot, alert: Alert) -> None:
        """Store the urgent ticket now, or keep the alert, tell the group, and retry."""
        if await self._store(bot, alert):
            return
        async with self._lock:
            self.pending.append(alert)
        await self._tell_group(bot, alert)

    async def _store(self, bot: Bot, alert: Alert) -> bool:
        try:
            user = await asyncio.to_thread(self.users.get, alert.telegram_id, alert.language)
            ticket_id, held = await asyncio.to_thread(self.tickets.open_crisis, alert.chat_id, user, alert.text)
        except Exception as exc:  # noqa: BLE001 - any failure keeps the alert; it must not be lost
            log.error("urgent ticket not stored (%s); kept in memory and retried every %.0f s",
                      type(exc).__name__, RETRY_SECONDS)
            return False
        self.metrics.tickets_opened.labels("crisis").inc()
        self.desk.wake()
        if held:
            # A trainer holds this person's ticket: the whole group sees the new crisis, not only them.
            try:
                await self.desk.post(bot, ticket_id)
            except Exception as exc:  # noqa: BLE001 - the desk loop re-announces it anyway
                log.warning("urgent re-announcement not posted (%s); the desk loop will", type(exc).__name__)
        return True

    async def _tell_group(self, bot: Bot, alert: Alert) -> None:
        if alert.group_told or self.desk.chat_id is None:
            return
        try:
            await bot.send_message(self.desk.chat_id, desk_gettext(
                self.desk.language, "🆘 URGENT: a person wrote a crisis message and got the emergency contacts. The "
                "database is not available, so the ticket will be posted here as soon as it is back."))
            alert.group_told = True
        except TelegramError as exc:
            log.error("trainers' group not reachable for an urgent alert (%s); retrying", type(exc).__name__)

    async def retry_pending(self, bot: Bot) -> None:
        """Try to store every kept alert again; those that still fail stay kept."""
        async with self._lock:
            alerts, self.pending = self.pending, []
        kept = []
        for alert in alerts:
            if not await self._store(bot, alert):
                await self._tell_group(bot, alert)
                kept.append(alert)
        if kept:
            async with self._lock:
                self.pending = kept + self.pending

    async def run_forever(self, bot: Bot) -> None:
        """Retry kept alerts every few seconds, for as long as the bot runs."""
        while True:
            await asyncio.sleep(RETRY_SECONDS)
            if self.pending:
                try:
                    await self.retry_pending(bot)
                except Exception as exc:  # noqa: BLE001 - this loop must outlive every failure
                    log.error("crisis alert retry round failed (%s)", type(exc).__name__)
