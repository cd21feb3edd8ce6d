"""The trainers' side of the bot: tickets posted in the trainers' group, claimed with a button,
answered by replying, relayed both ways; a background loop posts what the bot missed while it was
down, re-announces urgent tickets until claimed, reminds past the SLA and delivers answers given
from the command line. Trainers' texts are in English (the trainers' working language).
"""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot.i18n import gettext
from core.vocabulary import HANDOFF_REASONS
from bot.texts import TELEGRAM_LIMIT, clip, split_text
from handoff import queue as q
from handoff.errors import HandoffError, InvalidTicketData
from storage.models import Ticket

log = logging.getLogger(__name__)

REASON_LABELS = {reason: label[0].lower() + label[1:] for reason, label in HANDOFF_REASONS.items()}
REASON_LABELS["crisis"] = "CRISIS"
REDACTED = "🗑 Ticket #{ticket}: deleted. The person asked for their data to be deleted, or the retention period ended."
_ANSWER = re.compile(r"^/answer(?:@\w+)?\s+(\d+)\s+(.+)$", re.S)


def write_heartbeat(path: Path, desk_ok_at: datetime | None) -> None:
    """Record that the bot is alive, and when its desk loop last completed a round (no user data)."""
    import json
    import os

    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    data = {"at": datetime.now(timezone.utc).isoformat(), "pid": os.getpid(),
            "desk_ok_at": desk_ok_at.isoformat() if desk_ok_at else None}
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data), encoding="utf-8")
    tmp.replace(path)  # a reader never sees half a file


def ticket_text(ticket: Ticket, *, reminder: bool = False) -> str:
    """The trainers' view of a ticket: no name, no Telegram id of the migrant."""
    head = "🆘 URGENT" if ticket.priority == "urgent" else "❓ Question"
    if reminder:
        head = "⏰ Still waiting: " + head
    # Telegram takes 4096 characters per message: long texts are cut here, and stay whole in the
    # ticket (`safar trainer show N`).
    lines = [f"{head} #{ticket.id} · {ticket.country or '?'} · {ticket.language or '?'} · "
             f"{REASON_LABELS.get(ticket.reason, ticket.reason)} · {ticket.status}", "", clip(ticket.question, 1500)]
    turns = [t for t in ticket.turns if t.sender != "bot"][-5:] if ticket.turns else []
    if turns:
        lines += ["", "Since then:"] + [f"{'migrant' if t.sender == 'migrant' else 'trainer'}: {clip(t.text, 400)}"
                                        for t in turns]
    if ticket.claimed_by:
        lines += ["", f"Claimed by trainer {ticket.claimed_by}"]
    lines += ["", "Reply to this message to answer (or /answer N text)."]
    return clip("\n".join(lines), TELEGRAM_LIMIT)


def ticket_buttons(ticket_id: int) -> InlineKeyboardMarkup:
    """Claim, Close, Return to bot, Add to knowledge base."""
    return InlineKeyboardMarkup([
        [InlineKeyboardButton("Claim", callback_data=f"safar:t:claim:{ticket_id}"),
         InlineKeyboardButton("Close", callback_data=f"safar:t:close:{ticket_id}")],
        [InlineKeyboardButton("Return to bot", callback_data=f"safar:t:return:{ticket_id}"),
         InlineKeyboardButton("Add to knowledge base", callback_data=f"safar:t:draft:{ticket_id}")],
    ])


class TrainerDesk:
    """Posts, claims, answers and relays; every database step in a thread, every refusal one line."""

    def __init__(self, sessions: sessionmaker[Session], *, chat_id: int | None, trainer_ids: list[int],
                 urgent_every: timedelta, sla: timedelta, drafts_dir: Path) -> None:
        self._sessions = sessions
        self._wake = asyncio.Event()
        # The loop, a wake-up and a direct answer never post or deliver the same thing twice.
        self._tick_lock = asyncio.Lock()
        self.chat_id = chat_id
        self.trainer_ids = set(trainer_ids)
        self.urgent_every = urgent_every
        self.sla = sla
        self.drafts_dir = drafts_dir
        self.last_round_ok: datetime | None = None  # for `safar health`: the loop is alive and working

    def _db(self, fn: Any, **kwargs: Any) -> Any:
        with self._sessions.begin() as session:
            result = fn(session=session, **kwargs)
            ticket = result if isinstance(result, Ticket) else getattr(result, "ticket", None)
            if isinstance(ticket, Ticket):
                _ = ticket.turns  # load what ticket_text reads before the session closes
            return result

    # -- posting -------------------------------------------------------------------------
    async def post(self, bot: Bot, ticket_id: int, *, reminder: bool = False) -> None:
        """Post (or re-announce) a ticket in the trainers' group."""
        if self.chat_id is None:
            return
        ticket = await asyncio.to_thread(self._db, q.get_ticket, ticket_id=ticket_id)
        message = await bot.send_message(self.chat_id, ticket_text(ticket, reminder=reminder),
                                          reply_markup=ticket_buttons(ticket.id))
        await asyncio.to_thread(self._db, q.record_group_message, ticket_id=ticket.id, chat_id=self.chat_id,
                                message_id=message.message_id)
        if ticket.posted_message_id is None:
            await asyncio.to_thread(self._db, q.mark_posted, ticket_id=ticket.id, message_id=message.message_id)
        else:
            await asyncio.to_thread(self._db, q.mark_announced, ticket_id=ticket.id)

    def wake(self) -> None:
        """Run the next round now (a new ticket should not wait for the timer)."""
        self._wake.set()

    async def tick(self, bot: Bot) -> None:
        """One round of the background loop."""
        async with self._tick_lock:
            await self._tick(bot)

    async def _tick(self, bot: Bot) -> None:
        if self.chat_id is not None:
            for ticket in await asyncio.to_thread(self._db, q.unposted):
                await self.post(bot, ticket.id)
            now = datetime.now(timezone.utc)
            for ticket in await asyncio.to_thread(self._db, q.due_for_reminder, now=now,
                                                  urgent_every=self.urgent_every, sla=self.sla):
                await self.post(bot, ticket.id, reminder=True)
        for turn in await asyncio.to_thread(self._db, q.undelivered_trainer_turns):
            await self._deliver(bot, turn.ticket.chat_id, turn.ticket.language, turn.text)
            await asyncio.to_thread(self._db, q.mark_delivered, turn_id=turn.id)
        await self.redact_deleted(bot)

    async def redact_deleted(self, bot: Bot) -> None:
        """Edit the group's copies of deleted or expired tickets so they no longer show the person's words."""
        for copy in await asyncio.to_thread(self._db, q.pending_redactions):
            try:
                await bot.edit_message_text(REDACTED.format(ticket=copy.ticket_id), chat_id=copy.chat_id,
                                            message_id=copy.message_id, reply_markup=None)
            except BadRequest as exc:
                # Gone already (deleted by hand) or unchanged: nothing of the person's is left to edit.
                log.info("group copy of ticket %s not edited (%s)", copy.ticket_id, type(exc).__name__)
            await asyncio.to_thread(self._db, q.redacted, group_message_id=copy.id)

    async def run_forever(self, bot: Bot, every: float, heartbeat: Path | None = None) -> None:
        """The background loop; a failed round is logged and retried next time.

        After every round it writes `heartbeat` (a small JSON file: when, and when the last round
        succeeded), so `safar health` can tell a live bot and a working desk from a stuck one.
        """
        while True:
            try:
                await self.tick(bot)
                self.last_round_ok = datetime.now(timezone.utc)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - the loop must outlive any one failure (database, Telegram, bug)
                log.error("trainer desk round failed (%s); trying again in %.0f s", type(exc).__name__, every)
            if heartbeat is not None:
                await asyncio.to_thread(write_heartbeat, heartbeat, self.last_round_ok)
            try:
                await asyncio.wait_for(self._wake.wait(), timeout=every)
            except asyncio.TimeoutError:
                pass
            self._wake.clear()

    async def _deliver(self, bot: Bot, chat_id: int, language: str | None, text: str) -> None:
        for part in split_text(gettext(language, "A trainer answered:") + "\n" + text):
            await bot.send_message(chat_id, part)

    # -- the migrant's side --------------------------------------------------------------
    async def route_migrant_message(self, bot: Bot, pseudonym: str, text: str) -> bool:
        """Send a migrant's message to the trainer who has their ticket; False when Rasa should answer."""
        ticket = await asyncio.to_thread(self._db, q.reopen_if_answered, pseudonym=pseudonym, text=text)
        if ticket is None:
            return False
        if self.chat_id is not None:
            shown = clip(text, 3800)
            if shown != text:
                shown += f"\n(cut: the whole message is in `safar trainer show {ticket.id}`)"
            relayed = await bot.send_message(self.chat_id, f"Migrant on #{ticket.id}: {shown}",
                                             reply_to_message_id=ticket.posted_message_id)
            await asyncio.to_thread(self._db, q.record_group_message, ticket_id=ticket.id, chat_id=self.chat_id,
                                    message_id=relayed.message_id)
        return True

    # -- the trainers' group -------------------------------------------------------------
    def is_trainer(self, user_id: int | None) -> bool:
        """Only ids in SAFAR_TRAINER_IDS may act."""
        return user_id is not None and user_id in self.trainer_ids

    async def on_new_members(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Someone joined the trainers' group: say so when they are not a trainer, since members read every ticket."""
        message = update.effective_message
        if message is None:
            return
        for member in message.new_chat_members or ():
            if member.is_bot or self.is_trainer(member.id):
                continue
            await message.reply_text(
                f"⚠️ {member.full_name} (id {member.id}) joined this group but is not in SAFAR_TRAINER_IDS. Everyone "
                "in this group can read every ticket, with the migrants' own words: remove them unless they should, "
                "or add their id to SAFAR_TRAINER_IDS if they are a trainer.")

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Claim / Close / Return to bot / Add to knowledge base."""
        query = update.callback_query
        assert query is not None and query.data is not None
        _, _, action, raw_id = query.data.split(":")
        user_id = update.effective_user.id if update.effective_user else None
        if not self.is_trainer(user_id) or update.effective_chat is None or update.effective_chat.id != self.chat_id:
            await query.answer("Only trainers can do this.", show_alert=True)
            return
        ticket_id = int(raw_id)
        try:
            if action == "claim":
                result = await asyncio.to_thread(self._db, q.claim, ticket_id=ticket_id, trainer_id=user_id)
                if result.won or result.already_yours:
                    await query.answer("It is yours. Reply to the ticket to answer.")
                    await query.edit_message_text(ticket_text(result.ticket), reply_markup=ticket_buttons(ticket_id))
                else:
                    await query.answer(f"Trainer {result.owner} already has this ticket.", show_alert=True)
            elif action in ("close", "return"):
                ticket = await asyncio.to_thread(self._db, q.close, ticket_id=ticket_id, trainer_id=user_id)
                await query.answer("Closed.")
                await query.edit_message_text(ticket_text(ticket) + "\n\n✅ Closed")
                await context.bot.send_message(ticket.chat_id, gettext(ticket.language, "You are back with Safar, the automatic assistant. Ask me anything."))
            elif action == "draft":
                path = await asyncio.to_thread(self._write_draft, ticket_id)
                await query.answer(f"Draft saved for curriculum review: {path.name}", show_alert=True)
        except HandoffError as exc:
            await query.answer(str(exc), show_alert=True)

    async def on_group_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A reply to a ticket's post, or /answer N text, from the trainer who claimed it."""
        message = update.effective_message
        if message is None or not message.text:
            return
        user_id = update.effective_user.id if update.effective_user else None
        match = _ANSWER.match(message.text)
        if match:
            ticket_id, text = int(match.group(1)), match.group(2).strip()
        elif message.reply_to_message is not None:
            ticket = await asyncio.to_thread(self._db, q.ticket_for_posted_message,
                                             message_id=message.reply_to_message.message_id)
            if ticket is None:
                return
            ticket_id, text = ticket.id, message.text
        else:
            return
        if not self.is_trainer(user_id):
            await message.reply_text("Only trainers can answer tickets.")
            return
        try:
            # Under the desk's lock: the background loop also delivers undelivered answers, and
            # must not see this one between its recording and its delivery.
            async with self._tick_lock:
                turn = await asyncio.to_thread(self._db, q.answer, ticket_id=ticket_id, trainer_id=user_id, text=text)
                ticket = await asyncio.to_thread(self._db, q.get_ticket, ticket_id=ticket_id)
                await self._deliver(context.bot, ticket.chat_id, ticket.language, text)
                await asyncio.to_thread(self._db, q.mark_delivered, turn_id=turn.id)
            await message.reply_text(f"Sent to the migrant on #{ticket_id}.")
        except HandoffError as exc:
            await message.reply_text(str(exc))

    def _write_draft(self, ticket_id: int) -> Path:
        """Turn the ticket's last trainer answer into a draft passage; never published automatically."""
        ticket = self._db(q.get_ticket, ticket_id=ticket_id)
        answers = [t.text for t in ticket.turns if t.sender == "trainer"]
        if not answers:
            raise InvalidTicketData(f"ticket {ticket_id} has no trainer answer to turn into a draft yet")
        country = ticket.country or "general"
        path = self.drafts_dir / country / (ticket.language or "en") / f"ticket-{ticket.id}.md"
        path.parent.mkdir(parents=True, exist_ok=True)
        today = datetime.now(timezone.utc).date().isoformat()
        path.write_text(
            "---\n"
            f"country: {country}\ntopic: TODO  # a topic id from knowledge_base/taxonomy.yml\n"
            f"language: {ticket.language or 'en'}\ntitle: TODO\nsources:\n  - TODO  # the official page\n"
            f"written: {today}\nreview_every_days: 365\nstatus: draft  # from ticket {ticket.id}; review before publishing\n"
            "---\n\n"
            # The migrant's question is not copied: it may hold personal details. The trainer's
            # answer is, for the curriculum team to rewrite in general terms.
            f"## TODO: the question, in general words {{#todo-ticket-{ticket.id}}}\n\n{answers[-1]}\n\nSource: TODO\n",
            encoding="utf-8",
        )
        return path
