"""The Telegram bot's wiring: services built once in post_init, handlers registered in one place, errors to one handler."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from datetime import timedelta
from functools import partial
from typing import Any

from telegram import BotCommand, Update
from telegram.ext import (Application, ApplicationBuilder, CallbackQueryHandler, CommandHandler,
                          ContextTypes, MessageHandler, TypeHandler, filters)

from bot.conversation import Conversation
from bot.crisis import CrisisGuard
from bot.handlers import SafarBot
from bot.i18n import LANGUAGES, gettext, supported
from bot.inbox import DurableQueue, Inbox
from bot.metrics import BotMetrics, update_kind
from bot.ordering import PerUserUpdateProcessor
from bot.rasa_client import RasaClient
from bot.telegram_retry import RetryingRateLimiter
from bot.tickets import TicketService
from bot.trainers import TrainerDesk
from bot.users import UserService
from core.settings import Settings
from crisis.classifier import reader_for
from crisis.contacts import ContactsInvalid, CrisisContacts
from crisis.detector import CrisisDetector
from crisis.messages import gentle_line
from handoff.queue import counts_by_status
from privacy.forget import Privacy
from storage.db import make_engine, make_sessionmaker

log = logging.getLogger(__name__)

HANDLED_GROUP = 99  # handler group that runs after all others: the update is done
COMMANDS = (
    ("help", "Help and examples"), ("country", "Change the destination country"), ("language", "Change the language"),
    ("human", "Ask a trainer"), ("cancel", "Withdraw my question to the trainers"), ("privacy", "How your data is used"),
    ("forget", "Delete all my data"),
)

async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """One place for errors: log the type (never user content); the user gets a plain apology."""
    log.error("update failed: %s", type(context.error).__name__)
    metrics = context.application.bot_data.get("metrics")
    if metrics is not None:
        metrics.errors.labels(type(context.error).__name__).inc()
    if isinstance(update, Update) and update.effective_chat and update.effective_chat.type == "private":
        language = supported(update.effective_user.language_code) if update.effective_user else None
        await update.effective_chat.send_message(gettext(language, "Sorry, something went wrong. Please try again in a minute."))


def build_application(settings: Settings) -> Application:
    """Wire the bot; services are built once in post_init and closed in post_shutdown."""
    if settings.telegram_token is None:
        raise ValueError("SAFAR_TELEGRAM_TOKEN is not set")
    metrics = BotMetrics()
    app = (
        ApplicationBuilder()
        .token(settings.telegram_token.get_secret_value())
        .base_url(settings.telegram_api_url)
        .rate_limiter(RetryingRateLimiter(on_retry=lambda reason: metrics.telegram_retries.labels(reason).inc()))
        # Up to 64 updates at once across users; each user's in order (bot/ordering.py).
        .concurrent_updates(PerUserUpdateProcessor(64))
        .update_queue(DurableQueue())
        .post_init(_post_init)
        .post_shutdown(_post_shutdown)
        .build()
    )
    app.bot_data.update(settings=settings, metrics=metrics)
    return app


async def _post_init(app: Application) -> None:
    settings: Settings = app.bot_data["settings"]
    engine = make_engine(settings.resolved_database_url())
    rasa = RasaClient(settings.rasa_endpoints(), timeout=settings.rasa_timeout_seconds, retries=settings.rasa_retries,
                      token=settings.rasa_token_value())
    sessions = make_sessionmaker(engine)
    users = UserService(sessions, settings.resolved_pseudonym_key())
    processor = app.update_processor
    assert isinstance(processor, PerUserUpdateProcessor)
    desk = TrainerDesk(sessions, chat_id=settings.trainer_chat_id, trainer_ids=settings.trainer_ids,
                       coordinator_ids=settings.coordinator_ids, language=settings.desk_language,
                       urgent_every=timedelta(minutes=settings.urgent_reannounce_minutes),
                       sla=timedelta(hours=settings.handoff_reply_hours), drafts_dir=settings.var_dir / "drafts")
    metrics: BotMetrics = app.bot_data["metrics"]
    tickets = TicketService(sessions, on_stored=desk.wake)
    try:
        # Loaded once, into memory: the crisis path needs neither Rasa nor the database.
        contacts = CrisisContacts.load(settings.crisis_contacts)
    except ContactsInvalid as exc:
        raise SystemExit(f"error: crisis contacts unusable: {exc}; fix the file (see knowledge_base/crisis_contacts/README.md)") from exc
    guard = CrisisGuard(CrisisDetector.load(reader=reader_for(settings)), contacts, users, tickets, desk, metrics)
    handlers = SafarBot(Conversation(rasa, metrics, safety_line=partial(gentle_line, contacts)), users, retention_days=settings.retention_days,
                        closed_ticket_days=settings.closed_ticket_days(),
                        processor=processor, tickets=tickets, desk=desk,
                        privacy=Privacy.from_settings(settings, sessions), guard=guard, metrics=metrics,
                        reply_hours=settings.handoff_reply_hours, media_per_hour=settings.media_per_hour,
                        media_max_mb=settings.media_max_mb)

    def queue_counts() -> dict[tuple[str, str], int]:
        with sessions.begin() as session:
            return counts_by_status(session=session)

    metrics.watch_queue(queue_counts)
    if settings.bot_metrics_port:
        metrics.serve(settings.metrics_host, settings.bot_metrics_port)
    app.add_handler(TypeHandler(Update, count_update(metrics)), group=-1)
    queue = app.update_queue
    assert isinstance(queue, DurableQueue)
    queue.inbox = Inbox(sessions)
    app.add_handler(TypeHandler(Update, finish_update(queue.inbox)), group=HANDLED_GROUP)
    desk_task = asyncio.create_task(desk.run_forever(app.bot, settings.desk_tick_seconds, settings.bot_heartbeat_path()))
    guard_task = asyncio.create_task(guard.run_forever(app.bot))
    app.bot_data.update(engine=engine, rasa=rasa, handlers=handlers, desk=desk, desk_task=desk_task,
                        guard=guard, guard_task=guard_task)
    if settings.trainer_chat_id is not None:
        trainers_chat = filters.Chat(settings.trainer_chat_id)
        app.add_handler(CallbackQueryHandler(desk.on_button, pattern=r"^safar:t:(claim|take|close|return|draft):\d+$"))
        app.add_handler(MessageHandler(trainers_chat & filters.UpdateType.MESSAGE & filters.TEXT, desk.on_group_message))
        media = (filters.VOICE | filters.AUDIO | filters.VIDEO_NOTE | filters.VIDEO | filters.PHOTO
                 | filters.Document.ALL)
        app.add_handler(MessageHandler(trainers_chat & filters.UpdateType.MESSAGE & media, desk.on_group_media))
        app.add_handler(MessageHandler(trainers_chat & filters.StatusUpdate.NEW_CHAT_MEMBERS, desk.on_new_members))
    app.add_handler(CommandHandler("answer", refuse_trainer_command, filters=filters.ChatType.PRIVATE))
    private = filters.ChatType.PRIVATE
    for name, handler in (("start", handlers.start), ("help", handlers.help), ("privacy", handlers.privacy),
                          ("country", handlers.country), ("language", handlers.language), ("human", handlers.human),
                          ("cancel", handlers.cancel), ("forget", handlers.forget)):
        app.add_handler(CommandHandler(name, handler, filters=private & filters.UpdateType.MESSAGE))
    app.add_handler(CallbackQueryHandler(handlers.button))
    app.add_handler(MessageHandler(private & filters.UpdateType.EDITED_MESSAGE, handlers.edited))
    app.add_handler(MessageHandler(private & filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND, handlers.text))
    app.add_handler(MessageHandler(private & filters.UpdateType.MESSAGE & ~filters.TEXT & ~filters.COMMAND, handlers.non_text))
    # Other groups are not handled: Safar talks to migrants in private chats only.
    app.add_error_handler(on_error)
    for language in LANGUAGES:
        commands = [BotCommand(name, gettext(language, text).lstrip("\u200f")) for name, text in COMMANDS]
        await app.bot.set_my_commands(commands, language_code=None if language == "en" else language)
    await queue.replay(app.bot)  # what a crashed predecessor had received but not handled


def count_update(metrics: BotMetrics) -> Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]:
    """A handler (in its own group, before the others) that counts every update by kind."""
    async def count(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        metrics.updates.labels(update_kind(update)).inc()
    return count


def finish_update(inbox: Inbox) -> Callable[[Update, ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]]:
    """A handler in the last group: every other group has run (or failed and apologised), so the
    update leaves the inbox."""
    async def finish(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        try:
            await asyncio.to_thread(inbox.done, update.update_id)
        except SQLAlchemyError as exc:
            # Handled already; the row is dropped after MAX_ATTEMPTS restarts or by the daily purge.
            log.warning("handled update not removed from the inbox (%s)", type(exc).__name__)
    return finish


async def refuse_trainer_command(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Trainer commands work only in the trainers' group, from listed trainers."""
    if update.effective_message:
        await update.effective_message.reply_text("This command is for trainers, in the trainers' group.")


async def _post_shutdown(app: Application) -> None:
    for name in ("desk_task", "guard_task"):
        task = app.bot_data.get(name)
        if task is not None:
            task.cancel()
    if "rasa" in app.bot_data:
        await app.bot_data["rasa"].close()
        app.bot_data["engine"].dispose()


def main() -> None:
    """Run the bot: long polling by default, a webhook when SAFAR_TELEGRAM_WEBHOOK_URL is set."""
    from core.settings import get_settings

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)-8s %(name)s - %(message)s")
    # httpx logs every request URL, and Bot API URLs contain the token.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    settings = get_settings()
    app = build_application(settings)
    if settings.telegram_webhook_url:
        secret = settings.telegram_webhook_secret
        if secret is None:
            raise SystemExit("error: SAFAR_TELEGRAM_WEBHOOK_SECRET is required with SAFAR_TELEGRAM_WEBHOOK_URL")
        # python-telegram-bot rejects every request whose X-Telegram-Bot-Api-Secret-Token differs.
        app.run_webhook(listen=settings.webhook_listen, port=settings.webhook_port, url_path="telegram",
                        secret_token=secret.get_secret_value(), webhook_url=settings.telegram_webhook_url,
                        allowed_updates=Update.ALL_TYPES)
    else:
        app.run_polling(allowed_updates=Update.ALL_TYPES)
