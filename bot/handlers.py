"""The migrants' private chats: thin handlers (read the update, call a service, render).

Onboarding asks for consent to the privacy notice before any question is processed, then language
and destination (a deep link such as `?start=CA-en` presets both). Every text first meets the crisis
guard. Text goes through Rasa with the user's pseudonym, destination and language; Rasa's buttons
become inline keyboards. Bot-side buttons carry callback data `safar:<what>:<value>`.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Coroutine
from datetime import datetime, timezone
from typing import Any

from sqlalchemy.exc import SQLAlchemyError
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatAction
from telegram.error import TelegramError
from telegram.ext import ContextTypes

from bot.conversation import Conversation, UserMessage
from bot.crisis import Alert, CrisisGuard
from bot.i18n import LANGUAGES, gettext, supported
from bot.keyboards import country_keyboard, language_keyboard, merge_replies
from bot.media import media_of
from bot.metrics import BotMetrics
from bot.ordering import PerUserUpdateProcessor
from bot.texts import split_text
from bot.tickets import TicketService
from bot.trainers import TrainerDesk
from bot.users import UserService, UserView
from core.vocabulary import COUNTRIES, VOICE_KINDS, country_name
from handoff.queue import Media
from privacy.forget import Privacy

log = logging.getLogger(__name__)

_DEEP_LINK = re.compile(rf"^({'|'.join(COUNTRIES)})(?:-({'|'.join(LANGUAGES)}))?$", re.IGNORECASE)

TYPING_AFTER_SECONDS = 1.5
LATE_AFTER_SECONDS = 20  # a message handled later than this gets an apology first



async def _quietly(call: Coroutine[Any, Any, Any]) -> None:
    """Run a cosmetic Bot API call (typing…) whose failure must not disturb the reply."""
    try:
        await call
    except TelegramError as exc:
        log.info("typing indicator not sent (%s)", type(exc).__name__)


class SafarBot:
    """Handlers of the migrants' private chats."""

    def __init__(self, conversation: Conversation, users: UserService, *,
                 retention_days: int, closed_ticket_days: int = 30, processor: PerUserUpdateProcessor, tickets: TicketService,
                 desk: TrainerDesk, privacy: Privacy, guard: CrisisGuard, metrics: BotMetrics | None = None,
                 reply_hours: int = 24, media_per_hour: int = 10, media_max_mb: float = 20) -> None:
        self.conversation = conversation
        self.guard = guard
        self.users = users
        self.retention_days = retention_days
        self.closed_ticket_days = closed_ticket_days
        self.tickets = tickets
        self.desk = desk
        self.processor = processor
        self.privacy_service = privacy
        self.metrics = metrics or BotMetrics()
        self.reply_hours = reply_hours
        self.media_per_hour = media_per_hour
        self.media_max_bytes = int(media_max_mb * 1024 * 1024)
        # A question sent before consent, answered right after it (kept in memory only).
        self._pending: dict[int, str] = {}

    # -- commands ----------------------------------------------------------------------
    async def start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """`/start [CA-en]`: welcome, deep-link presets, then the privacy notice (or the next step)."""
        tg_user = update.effective_user
        if tg_user is None:
            return
        user = await asyncio.to_thread(self.users.get, tg_user.id, supported(tg_user.language_code))
        match = _DEEP_LINK.match(context.args[0]) if context.args else None
        if match:
            user = await asyncio.to_thread(self.users.update, tg_user.id, country=match.group(1).upper(),
                                           language=(match.group(2) or "").lower() or None)
        await self._say(update, gettext(user.language, "Welcome to Safar! I answer questions about your journey and your new life in the country you are moving to. I am a computer program; the trainers of your orientation course can also help you here."))
        await self._next_step(update, user)

    async def help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """`/help`."""
        user = await self._user(update)
        await self._say(update, gettext(user.language, "Write your question in your own words, for example: “How do I find a flat?”\n/country – change the country you are moving to\n/language – change the language\n/human – ask a trainer\n/privacy – how your data is used\n/forget – delete all your data"))

    async def privacy(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """`/privacy`: the notice again (with the button if not yet accepted)."""
        await self._privacy_notice(update, await self._user(update))

    async def country(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """`/country`: choose the destination."""
        user = await self._user(update)
        await self._say(update, gettext(user.language, "Which country are you moving to?"), country_keyboard(user.language))

    async def language(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """`/language`: choose the language."""
        user = await self._user(update)
        await self._say(update, gettext(user.language, "Which language would you like?"), language_keyboard())

    async def human(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """`/human`: ask for a trainer (through Rasa, so the route and payload are the usual ones)."""
        user = await self._user(update)
        if not user.consented:  # a ticket stores the person's words: not before they agreed
            await self._privacy_notice(update, user)
            return
        await self._relay(update, "/request_human", user)

    async def cancel(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """`/cancel`: withdraw the question handed to trainers."""
        user = await self._user(update)
        withdrawn = await asyncio.to_thread(self.tickets.cancel, user.pseudonym)
        await self._say(update, gettext(user.language, "Your question to the trainers was withdrawn. You are back with Safar, the automatic assistant.")
                        if withdrawn else gettext(user.language, "You have no open question with the trainers."))

    async def forget(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """`/forget`: confirm first; deleting cannot be undone."""
        user = await self._user(update)
        buttons = InlineKeyboardMarkup([
            [InlineKeyboardButton(gettext(user.language, "Yes, delete everything"), callback_data="safar:forget:yes")],
            [InlineKeyboardButton(gettext(user.language, "No, keep it"), callback_data="safar:forget:no")],
        ])
        await self._say(update, gettext(user.language, "This deletes your settings and your messages in Safar. It cannot be undone. Are you sure?"), buttons)

    # -- messages ----------------------------------------------------------------------
    async def text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Free text: through Rasa once the user has accepted the privacy notice."""
        message = update.effective_message
        if message is None or not message.text:
            return
        # Before consent, the database, Rasa or a trainer's ticket: a person at risk gets the contacts now.
        if await self.guard.check(update, message.text):
            return
        user = await self._user(update)
        if not user.consented:
            self._pending[update.effective_user.id] = message.text  # type: ignore[union-attr]
            await self._say(update, gettext(user.language, "Please press “I agree” below before your first question. I will answer the question you already sent right after."))
            await self._privacy_notice(update, user)
            return
        await self._relay(update, message.text, user)

    async def edited(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """An edited message is not answered again; the user is told how to ask anew."""
        message = update.effective_message
        if await self.guard.check(update, message.text if message else None):
            return
        user = await self._user(update)
        await self._say(update, gettext(user.language, "I answered the first version of your message. If your question changed, please send it again."))

    async def non_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Voice notes, photos, videos and files go to a trainer (who listens or looks); stickers and
        locations get a kind note. A crisis caption gets the contacts first, as any crisis text."""
        message, chat = update.effective_message, update.effective_chat
        crisis = await self.guard.check(update, message.caption if message else None)
        found = media_of(message) if message is not None else None
        if message is None or chat is None or found is None or self.desk.chat_id is None:
            # Nothing a trainer could open, or no trainers' group to show it in.
            if not crisis:
                user = await self._user(update)
                await self._say(update, gettext(user.language, "I can only read text messages. Please write your question, or send /human to ask a trainer."))
            return
        user = await self._user(update)
        if not user.consented:  # a ticket keeps what the person sent: not before they agreed
            if not crisis:
                await self._say(update, gettext(user.language, "Please press “I agree” below first; then send your voice note or file again."))
                await self._privacy_notice(update, user)
            return
        kind, size = found
        if size is not None and size > self.media_max_bytes:
            await self._say(update, gettext(user.language, "This file is too large for a trainer to open here. Please send a shorter voice note, or write your question."))
            return
        try:
            outcome = await asyncio.to_thread(self.tickets.attach_media, chat.id, user,
                                              Media(kind, chat.id, message.message_id), message.caption or "",
                                              per_hour=self.media_per_hour)
        except SQLAlchemyError as exc:
            log.error("voice note or file not added to a ticket (%s); the person was asked to send it again",
                      type(exc).__name__)
            await self._say(update, gettext(user.language, "Sorry, I could not pass this to a trainer just now. Please send it again in a few minutes."))
            return
        if outcome is None:
            await self._say(update, gettext(user.language, "You have sent many voice notes and files in the last hour. A trainer will go through those first; please wait for their answer, or write your question."))
            return
        _, created, held = outcome
        if created:
            self.metrics.tickets_opened.labels("voice" if kind in VOICE_KINDS else "media").inc()
        if crisis:
            return  # the contacts and the urgent line were sent already
        if held:
            await self._say(update, gettext(user.language, "I passed it to the trainer who has your question."))
        elif kind in VOICE_KINDS:
            await self._say(update, gettext(user.language, "Thank you. A trainer will listen to your voice note and answer you here, usually within {hours} hours.", hours=self.reply_hours))
        else:
            await self._say(update, gettext(user.language, "Thank you. A trainer will look at what you sent and answer you here, usually within {hours} hours.", hours=self.reply_hours))

    async def button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A pressed button: answer the press at once, then act on its data."""
        query = update.callback_query
        if query is None or update.effective_user is None:
            return
        await query.answer()
        if update.effective_chat is None or update.effective_chat.type != "private":
            return  # migrants' buttons act in their private chat only, never in the trainers' group
        data = query.data or ""
        if data.startswith("/"):
            user = await self._user(update)
            if user.consented:
                await self._relay(update, data, user)
            return
        parts = data.split(":")
        if len(parts) != 3 or parts[0] != "safar":
            log.info("ignored a button with unknown data")
            return
        _, what, value = parts
        tg_id = update.effective_user.id
        if what == "consent" and value == "yes":
            user = await asyncio.to_thread(self.users.update, tg_id, consent=True)
            await self._next_step(update, user)
        elif what == "lang" and value in LANGUAGES:
            user = await asyncio.to_thread(self.users.update, tg_id, language=value)
            await self._say(update, gettext(value, "From now on I will write in English."))
            await self._next_step(update, user, after_choice=True)
        elif what == "country" and value in COUNTRIES:
            user = await asyncio.to_thread(self.users.update, tg_id, country=value)
            await self._say(update, gettext(user.language, "Your destination is now {country}.", country=country_name(value, user.language)))
            await self._next_step(update, user, after_choice=True)
        elif what == "forget" and value in ("yes", "no"):
            await self._forget(update, confirmed=value == "yes")
        else:
            log.info("ignored a button with unknown data")

    # -- helpers -----------------------------------------------------------------------
    async def _user(self, update: Update) -> UserView:
        tg_user = update.effective_user
        assert tg_user is not None
        user = await asyncio.to_thread(self.users.get, tg_user.id, supported(tg_user.language_code))
        self.guard.remember_language(tg_user.id, user.language)
        return user

    async def _say(self, update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
        chat = update.effective_chat
        if chat is None:
            return
        parts = split_text(text)
        for i, part in enumerate(parts):
            # Plain text, no parse mode: nothing in a reply can break Telegram's markup.
            await chat.send_message(part, reply_markup=markup if i == len(parts) - 1 else None)

    async def _privacy_notice(self, update: Update, user: UserView) -> None:
        text = gettext(user.language, "Before we start, please read how Safar treats your data:\n• I keep your country, your language and your questions for up to {days} days, to answer you and to improve the orientation courses. The course team never sees your name or your Telegram number; questions are stored without names or numbers.\n• If I pass your question to a trainer, the trainer reads it and your recent messages; the trainer's ticket keeps your words until {closed_days} days after it is closed. If you write that you are in danger, I send emergency numbers and tell a trainer at once, even before you agree.\n• You can delete everything at any time with /forget.\nDo you agree?", days=self.retention_days,
                       closed_days=self.closed_ticket_days)
        markup = None if user.consented else InlineKeyboardMarkup(
            [[InlineKeyboardButton(gettext(user.language, "I agree"), callback_data="safar:consent:yes")]])
        await self._say(update, text, markup)

    async def _next_step(self, update: Update, user: UserView, *, after_choice: bool = False) -> None:
        """Onboarding: consent, then language, then destination; then any question sent before consent."""
        if not user.consented:
            await self._privacy_notice(update, user)
        elif user.language is None:
            await self._say(update, gettext(None, "Which language would you like?"), language_keyboard())
        elif user.country is None:
            await self._say(update, gettext(user.language, "Which country are you moving to?"), country_keyboard(user.language))
        else:
            pending = self._pending.pop(update.effective_user.id, None)  # type: ignore[union-attr]
            if pending:
                await self._relay(update, pending)
            elif not after_choice:
                await self._say(update, gettext(user.language, "Thank you. Ask me anything about life in {country}.",
                                                country=country_name(user.country, user.language)))

    async def _forget(self, update: Update, *, confirmed: bool) -> None:
        tg_id = update.effective_user.id  # type: ignore[union-attr]
        user = await self._user(update)
        if not confirmed:
            await self._say(update, gettext(user.language, "Nothing was deleted."))
            return
        try:
            erased = await asyncio.to_thread(self.privacy_service.forget, tg_id)
        except SQLAlchemyError as exc:
            # Say so plainly: telling someone their data is gone when it is not would be worse than failing.
            log.error("/forget failed (%s): check the database; the user was asked to try again", type(exc).__name__)
            await self._say(update, gettext(user.language, "Sorry, I could not delete your data just now. Please send /forget again in a few minutes."))
            return
        self._pending.pop(tg_id, None)
        self.conversation.forget(user.pseudonym)
        log.info("/forget erased %s", erased.as_dict())
        await self._say(update, gettext(user.language, "Done. Everything about you in Safar has been deleted. Send /start if you want to begin again."))

    async def _relay(self, update: Update, text: str, user: UserView | None = None) -> None:
        started = time.perf_counter()
        route = await self._relay_once(update, text, user)
        if route is not None:
            self.metrics.reply_seconds.labels(route).observe(time.perf_counter() - started)

    async def _relay_once(self, update: Update, text: str, user: UserView | None) -> str | None:
        """Send the message to a trainer or through Rasa and render the replies; returns the route taken."""
        tg_user, chat = update.effective_user, update.effective_chat
        if tg_user is None or chat is None:
            return None
        user = user or await self._user(update)
        if not text.startswith("/") and await self.desk.route_migrant_message(
                update.get_bot(), user.pseudonym, text):
            return "to_trainer"  # a trainer has this person's ticket: the message goes to the trainer, not Rasa
        sent_at = update.effective_message.date if update.effective_message else None
        if sent_at is not None and (datetime.now(timezone.utc) - sent_at).total_seconds() > LATE_AFTER_SECONDS:
            # Handled long after it was sent (a restart, a backlog): say so rather than act as if on time.
            await self._say(update, gettext(user.language, "Sorry for the wait: Safar was briefly unavailable. Here is my answer."))
        if self.processor.take_burst_notice(tg_user.id):
            await self._say(update, gettext(user.language, "You sent many messages at once. I will answer them in order; please wait a moment."))
        # "typing…" only when the answer is slow: every Bot API call counts against Telegram's
        # 30 messages per second, which is what limits a busy bot (docs/benchmarks.md).
        typing = asyncio.get_running_loop().call_later(
            TYPING_AFTER_SECONDS, lambda: asyncio.ensure_future(_quietly(chat.send_action(ChatAction.TYPING))))
        try:
            replies = await self.conversation.handle(UserMessage(user.pseudonym, text, user.country, user.language))
        finally:
            typing.cancel()
        # Settings and tickets first, then the texts: once the user reads "a trainer will answer",
        # the ticket exists, and a changed destination applies to the very next message.
        route = "none"
        for reply in replies:
            facts = reply.custom.get("safar") if reply.custom else None
            if facts:
                route = str(facts.get("route") or route)
            if facts and facts.get("set"):
                user = await asyncio.to_thread(self.users.update, tg_user.id, **facts["set"])
            if facts and facts.get("handoff"):
                if not await self._store_handoff(update, user, facts["handoff"], text):
                    return "handoff_failed"
        for text_out, markup in merge_replies(replies):
            await self._say(update, text_out, markup)
        return route


    async def _store_handoff(self, update: Update, user: UserView, handoff: dict[str, Any], text: str) -> bool:
        """Store the ticket; on failure a crisis still gets the contacts (alert kept), anything else an honest line."""
        chat, tg_user = update.effective_chat, update.effective_user
        assert chat is not None and tg_user is not None
        reason = str(handoff.get("reason") or "unknown")
        try:
            await self.tickets.on_handoff(chat.id, user, handoff)
        except Exception as exc:  # noqa: BLE001 - translated into what the person reads, below
            log.error("ticket not stored (%s, reason %s)", type(exc).__name__, reason)
            if reason == "crisis":
                await self.guard.send_contacts(update, user.language)
                await self.guard.raise_alert(update.get_bot(), Alert(tg_user.id, chat.id, text, user.language))
                return False
            await self._say(update, gettext(user.language, "Sorry, I could not pass your question to a trainer just now. Please send it again in a few minutes."))
            return False
        self.metrics.tickets_opened.labels(reason).inc()
        return True
