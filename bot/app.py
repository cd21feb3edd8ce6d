"""The Telegram bot: thin handlers (read the update, call a service, render), wired in one place.

This is the first version of the migrants' side: text through Rasa with the user's destination
and language, Rasa's buttons as inline keyboards, `/start` with a deep-link payload such as
`CA-en`. The fuller bot (consent, commands in every language, trainers' group) builds on it.
"""

from __future__ import annotations

import asyncio
import logging
import re

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatAction
from telegram.ext import (AIORateLimiter, Application, ApplicationBuilder, CallbackQueryHandler, CommandHandler,
                          ContextTypes, MessageHandler, filters)

from bot.conversation import Conversation, Turn
from bot.rasa_client import RasaClient, Reply
from bot.users import UserService
from safar.settings import Settings
from storage.db import make_engine, make_sessionmaker

log = logging.getLogger(__name__)

TELEGRAM_LIMIT = 4096
_DEEP_LINK = re.compile(r"^(CA|DE|NO|AU|US)(?:-(en|fr|ar|fa|uk))?$", re.IGNORECASE)


def split_text(text: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Split a long reply at paragraph or line breaks so each part fits one Telegram message."""
    parts: list[str] = []
    while len(text) > limit:
        cut = max(text.rfind("\n\n", 0, limit), text.rfind("\n", 0, limit), text.rfind(" ", 0, limit))
        cut = cut if cut > 0 else limit
        parts.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    return [*parts, text] if text else parts


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    """Rasa's buttons as an inline keyboard; the payload (an intent like /affirm) travels as callback data."""
    rows = [[InlineKeyboardButton(b.title, callback_data=b.payload[:64])] for b in reply.buttons if b.payload]
    return InlineKeyboardMarkup(rows) if rows else None


class SafarBot:
    """Handlers of the migrants' private chats."""

    def __init__(self, conversation: Conversation, users: UserService) -> None:
        self.conversation = conversation
        self.users = users

    async def start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """`/start [CA-en]`: remember a destination and language given by a deep link, then greet."""
        tg_user = update.effective_user
        if tg_user is None or update.effective_message is None:
            return
        await asyncio.to_thread(self.users.get, tg_user.id, tg_user.language_code)
        match = _DEEP_LINK.match(context.args[0]) if context.args else None
        if match:
            await asyncio.to_thread(self.users.update, tg_user.id, country=match.group(1).upper(),
                                    language=(match.group(2) or "").lower() or None)
        await self._relay(update, "hello")

    async def text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Free text: through Rasa."""
        if update.effective_message and update.effective_message.text:
            await self._relay(update, update.effective_message.text)

    async def button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A pressed button: answer the press at once, then send its payload through Rasa."""
        query = update.callback_query
        if query is None:
            return
        await query.answer()
        if query.data:
            await self._relay(update, query.data)

    async def non_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Photos, voice notes, stickers...: Safar reads text only."""
        if update.effective_message:
            await update.effective_message.reply_text(
                "I can only read text messages. Please write your question, or type /human to ask a trainer.")

    async def _relay(self, update: Update, text: str) -> None:
        tg_user, chat = update.effective_user, update.effective_chat
        if tg_user is None or chat is None:
            return
        user = await asyncio.to_thread(self.users.get, tg_user.id, tg_user.language_code)
        await chat.send_action(ChatAction.TYPING)
        replies = await self.conversation.handle(Turn(user.pseudonym, text, user.country, user.language))
        for reply in replies:
            changed = reply.custom.get("safar", {}).get("set") if reply.custom else None
            if changed:
                await asyncio.to_thread(self.users.update, tg_user.id, **changed)
            if not reply.text:
                continue
            parts = split_text(reply.text)
            for i, part in enumerate(parts):
                # Plain text, no parse mode: nothing in a reply can break Telegram's markup.
                await chat.send_message(part, reply_markup=keyboard(reply) if i == len(parts) - 1 else None)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """One place for errors: log the type (never user content); the user gets a plain apology."""
    log.error("update failed: %s", type(context.error).__name__)
    if isinstance(update, Update) and update.effective_chat:
        await update.effective_chat.send_message("Sorry, something went wrong. Please try again in a minute.")


def build_application(settings: Settings) -> Application:
    """Wire the bot: services are built once in post_init and closed in post_shutdown."""
    assert settings.telegram_token is not None
    app = (
        ApplicationBuilder()
        .token(settings.telegram_token.get_secret_value())
        .base_url(settings.telegram_api_url)
        .rate_limiter(AIORateLimiter())
        .concurrent_updates(True)
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
        .build()
    )
    app.bot_data["settings"] = settings
    return app


async def _post_init(app: Application) -> None:
    settings: Settings = app.bot_data["settings"]
    engine = make_engine(settings.resolved_database_url())
    rasa = RasaClient(settings.rasa_url, timeout=settings.rasa_timeout_seconds, retries=settings.rasa_retries)
    handlers = SafarBot(Conversation(rasa), UserService(make_sessionmaker(engine), settings.resolved_pseudonym_key()))
    app.bot_data.update(engine=engine, rasa=rasa)
    private = filters.ChatType.PRIVATE
    app.add_handler(CommandHandler("start", handlers.start, filters=private))
    app.add_handler(CallbackQueryHandler(handlers.button))
    app.add_handler(MessageHandler(private & filters.TEXT & ~filters.COMMAND, handlers.text))
    app.add_handler(MessageHandler(private & ~filters.TEXT & ~filters.COMMAND, handlers.non_text))
    app.add_error_handler(on_error)


async def _post_shutdown(app: Application) -> None:
    await app.bot_data["rasa"].close()
    app.bot_data["engine"].dispose()


def main() -> None:
    """Run the bot with long polling."""
    from safar.settings import get_settings

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)-8s %(name)s - %(message)s")
    # httpx logs every request URL, and Bot API URLs contain the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    build_application(get_settings()).run_polling(allowed_updates=Update.ALL_TYPES, drop_pending_updates=False)
