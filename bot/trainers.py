"""The trainers' side of the bot: tickets posted in the trainers' group, claimed with a button,
answered by replying (with text, a voice note or a file), relayed both ways; a background loop posts
what the bot missed while it was down, re-announces urgent tickets until claimed, reminds past the
SLA (where another trainer may take a silent trainer's ticket over), copies migrants' voice notes
and photos into the group, delivers answers given from the command line and tells migrants when
their question changed hands. Coordinators may reassign or close any ticket. The group's texts are
in the desk language (SAFAR_DESK_LANGUAGE).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Collection
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker
from telegram import Bot, Message, ReplyParameters, Update
from telegram.error import BadRequest
from telegram.ext import ContextTypes

from bot.desk_texts import REDACTED, hours_between, refusal, ticket_buttons, ticket_text
from bot.i18n import desk_gettext, gettext
from bot.media import media_of
from bot.texts import clip, split_text
from handoff import queue as q
from handoff.errors import HandoffError, InvalidTicketData
from storage.models import Ticket, TicketTurn

log = logging.getLogger(__name__)

_ANSWER = re.compile(r"^/answer(?:@\w+)?\s+(\d+)\s+(.+)$", re.S)
_REASSIGN = re.compile(r"^/reassign(?:@\w+)?(?:\s+(\d+)(?:\s+(\d+))?)?\s*$")
_CLOSE = re.compile(r"^/close(?:@\w+)?(?:\s+(\d+))?\s*$")

# What the migrant is told when their ticket changes, by the notice the queue records.
NOTICES = {
    "reassigned": "Another trainer is now looking after your question.",
    "requeued": "Your question is back with the trainers' team; the next free trainer will answer you.",
    "closed": "You are back with Safar, the automatic assistant. Ask me anything.",
}


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



class TrainerDesk:
    """Posts, claims, answers and relays; every database step in a thread, every refusal one line."""

    def __init__(self, sessions: sessionmaker[Session], *, chat_id: int | None, trainer_ids: Collection[int],
                 urgent_every: timedelta, sla: timedelta, drafts_dir: Path,
                 coordinator_ids: Collection[int] = (), language: str = "en") -> None:
        self._sessions = sessions
        self._wake = asyncio.Event()
        # The loop, a wake-up and a direct answer never post or deliver the same thing twice.
        self._tick_lock = asyncio.Lock()
        self.chat_id = chat_id
        self.coordinator_ids = set(coordinator_ids)
        self.trainer_ids = set(trainer_ids) | self.coordinator_ids  # a coordinator can do what a trainer does
        self.urgent_every = urgent_every
        self.sla = sla
        self.drafts_dir = drafts_dir
        self.language = language
        self.last_round_ok: datetime | None = None  # for `safar health`: the loop is alive and working

    def _t(self, message: str, **values: object) -> str:
        return desk_gettext(self.language, message, **values)

    def _db(self, fn: Any, **kwargs: Any) -> Any:
        with self._sessions.begin() as session:
            result = fn(session=session, **kwargs)
            ticket = result if isinstance(result, Ticket) else getattr(result, "ticket", None)
            if isinstance(ticket, Ticket):
                _ = ticket.turns  # load what ticket_text reads before the session closes
            return result

    # -- posting -------------------------------------------------------------------------
    async def post(self, bot: Bot, ticket_id: int, *, reminder: bool = False, overdue: bool = False) -> None:
        """Post (or re-announce) a ticket in the trainers' group; `overdue` offers to take it over."""
        if self.chat_id is None:
            return
        ticket = await asyncio.to_thread(self._db, q.get_ticket, ticket_id=ticket_id)
        overdue_hours = None
        if overdue:
            since = ticket.reopened_at or ticket.claimed_at or ticket.created_at
            overdue_hours = hours_between(since, datetime.now(timezone.utc))
        message = await bot.send_message(
            self.chat_id, ticket_text(ticket, self.language, reminder=reminder, overdue_hours=overdue_hours),
            reply_markup=ticket_buttons(ticket.id, self.language, take_over=overdue))
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
            for ticket in await asyncio.to_thread(self._db, q.overdue_claims, now=now, sla=self.sla):
                await self.post(bot, ticket.id, reminder=True, overdue=True)
            for turn in await asyncio.to_thread(self._db, q.uncopied_media):
                await self._copy_to_group(bot, turn)
        for turn in await asyncio.to_thread(self._db, q.undelivered_trainer_turns):
            await self._deliver(bot, turn)
            await asyncio.to_thread(self._db, q.mark_delivered, turn_id=turn.id)
        for ticket in await asyncio.to_thread(self._db, q.owed_notices):
            notice = str(ticket.notice)
            if notice in NOTICES:
                await bot.send_message(ticket.chat_id, gettext(ticket.language, NOTICES[notice]))
            await asyncio.to_thread(self._db, q.notice_sent, ticket_id=ticket.id, notice=notice)
        await self.redact_deleted(bot)

    async def _copy_to_group(self, bot: Bot, turn: TicketTurn) -> None:
        """Copy a migrant's voice note or file under their ticket's post (a copy: no "forwarded from")."""
        assert self.chat_id is not None and turn.media_chat_id is not None and turn.media_message_id is not None
        ticket = turn.ticket
        try:
            copied = await bot.copy_message(
                self.chat_id, from_chat_id=turn.media_chat_id, message_id=turn.media_message_id,
                reply_parameters=ReplyParameters(ticket.posted_message_id or 0, allow_sending_without_reply=True))
        except BadRequest as exc:
            # The person deleted it before it was copied: say so once instead of retrying forever.
            log.info("media of ticket %s not copied (%s)", ticket.id, type(exc).__name__)
            note = await bot.send_message(self.chat_id, self._t(
                "Migrant on #{ticket} sent a voice note or file that could not be copied (deleted by the sender?).",
                ticket=ticket.id), reply_to_message_id=ticket.posted_message_id)
            await asyncio.to_thread(self._db, q.record_group_message, ticket_id=ticket.id, chat_id=self.chat_id,
                                    message_id=note.message_id)
        else:
            await asyncio.to_thread(self._db, q.record_group_message, ticket_id=ticket.id, chat_id=self.chat_id,
                                    message_id=copied.message_id, kind="media")
        await asyncio.to_thread(self._db, q.mark_delivered, turn_id=turn.id)

    async def redact_deleted(self, bot: Bot) -> None:
        """Delete the group's copies of deleted or expired tickets' media, and edit their posts so they no
        longer show the person's words."""
        for copy in await asyncio.to_thread(self._db, q.pending_redactions):
            try:
                if copy.kind == "media":
                    await bot.delete_message(copy.chat_id, copy.message_id)
                else:
                    await bot.edit_message_text(self._t(REDACTED, ticket=copy.ticket_id), chat_id=copy.chat_id,
                                                message_id=copy.message_id, reply_markup=None)
            except BadRequest as exc:
                # Gone already (deleted by hand), unchanged, or too old for Telegram to delete (the
                # ticket's post, edited above, no longer says whose it was).
                log.info("group copy of ticket %s not changed (%s)", copy.ticket_id, type(exc).__name__)
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

    async def _deliver(self, bot: Bot, turn: TicketTurn) -> None:
        """Send a trainer's answer to the migrant: the text, or a line and a copy of the voice note or file."""
        ticket = turn.ticket
        if turn.media_kind is None:
            for part in split_text(gettext(ticket.language, "A trainer answered:") + "\n" + turn.text):
                await bot.send_message(ticket.chat_id, part)
            return
        await bot.send_message(ticket.chat_id, gettext(ticket.language, "A trainer answered:"))
        assert turn.media_chat_id is not None and turn.media_message_id is not None
        await bot.copy_message(ticket.chat_id, from_chat_id=turn.media_chat_id, message_id=turn.media_message_id)

    # -- the migrant's side --------------------------------------------------------------
    async def route_migrant_message(self, bot: Bot, pseudonym: str, text: str) -> bool:
        """Send a migrant's message to the trainer who has their ticket; False when Rasa should answer."""
        ticket = await asyncio.to_thread(self._db, q.reopen_if_answered, pseudonym=pseudonym, text=text)
        if ticket is None:
            return False
        if self.chat_id is not None:
            shown = clip(text, 3800)
            if shown != text:
                shown += "\n" + self._t("(cut: the whole message is in `safar trainer show {ticket}`)", ticket=ticket.id)
            relayed = await bot.send_message(self.chat_id, self._t("Migrant on #{ticket}:", ticket=ticket.id) + " " + shown,
                                             reply_to_message_id=ticket.posted_message_id)
            await asyncio.to_thread(self._db, q.record_group_message, ticket_id=ticket.id, chat_id=self.chat_id,
                                    message_id=relayed.message_id)
        return True

    # -- the trainers' group -------------------------------------------------------------
    def is_trainer(self, user_id: int | None) -> bool:
        """Only ids in SAFAR_TRAINER_IDS (or SAFAR_COORDINATOR_IDS) may act."""
        return user_id is not None and user_id in self.trainer_ids

    def is_coordinator(self, user_id: int | None) -> bool:
        """Ids in SAFAR_COORDINATOR_IDS may reassign or close any ticket."""
        return user_id is not None and user_id in self.coordinator_ids

    async def on_new_members(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Someone joined the trainers' group: say so when they are not a trainer, since members read every ticket."""
        message = update.effective_message
        if message is None:
            return
        for member in message.new_chat_members or ():
            if member.is_bot or self.is_trainer(member.id):
                continue
            await message.reply_text(self._t(
                "⚠️ {name} (id {id}) joined this group but is not in SAFAR_TRAINER_IDS. Everyone in this group can "
                "read every ticket, with the migrants' own words: remove them unless they should, or add their id to "
                "SAFAR_TRAINER_IDS if they are a trainer.", name=member.full_name, id=member.id))

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Claim / Take over / Close / Return to bot / Add to knowledge base."""
        query = update.callback_query
        assert query is not None and query.data is not None
        _, _, action, raw_id = query.data.split(":")
        user_id = update.effective_user.id if update.effective_user else None
        if not self.is_trainer(user_id) or update.effective_chat is None or update.effective_chat.id != self.chat_id:
            await query.answer(self._t("Only trainers can do this."), show_alert=True)
            return
        assert user_id is not None
        ticket_id = int(raw_id)
        try:
            if action == "claim":
                result = await asyncio.to_thread(self._db, q.claim, ticket_id=ticket_id, trainer_id=user_id)
                if result.won or result.already_yours:
                    await query.answer(self._t("It is yours. Reply to the ticket to answer."))
                    await query.edit_message_text(ticket_text(result.ticket, self.language),
                                                  reply_markup=ticket_buttons(ticket_id, self.language))
                else:
                    await query.answer(self._t("Trainer {trainer} already has this ticket.", trainer=result.owner),
                                       show_alert=True)
            elif action == "take":
                ticket = await asyncio.to_thread(self._db, q.take_over, ticket_id=ticket_id, trainer_id=user_id,
                                                 sla=self.sla)
                self.wake()  # the migrant is told their question changed hands
                await query.answer(self._t("It is yours. Reply to the ticket to answer."))
                await query.edit_message_text(ticket_text(ticket, self.language),
                                              reply_markup=ticket_buttons(ticket_id, self.language))
            elif action in ("close", "return"):
                ticket = await asyncio.to_thread(self._db, q.close, ticket_id=ticket_id, trainer_id=user_id,
                                                 coordinator=self.is_coordinator(user_id))
                self.wake()  # the migrant is told they are back with the bot
                await query.answer(self._t("Closed."))
                await query.edit_message_text(ticket_text(ticket, self.language) + "\n\n" + self._t("✅ Closed"))
            elif action == "draft":
                path = await asyncio.to_thread(self._write_draft, ticket_id)
                await query.answer(self._t("Draft saved for curriculum review: {name}", name=path.name), show_alert=True)
        except HandoffError as exc:
            await query.answer(refusal(self.language, exc), show_alert=True)

    async def on_group_message(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A reply to a ticket's post, /answer N text from the trainer who claimed it, or a coordinator's
        /reassign N [trainer id] and /close N."""
        message = update.effective_message
        if message is None or not message.text:
            return
        user_id = update.effective_user.id if update.effective_user else None
        if _REASSIGN.match(message.text) or _CLOSE.match(message.text):
            await self._coordinate(message, user_id)
            return
        match = _ANSWER.match(message.text)
        if match:
            ticket_id, text = int(match.group(1)), match.group(2).strip()
        else:
            ticket_id = await self._replied_ticket(message)
            if ticket_id is None:
                return
            text = message.text
        if not self.is_trainer(user_id):
            await message.reply_text(self._t("Only trainers can answer tickets."))
            return
        assert user_id is not None
        await self._answer(context.bot, message, ticket_id, user_id, text)

    async def on_group_media(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """A trainer's voice note (or photo, or file) as a reply to a ticket: it reaches the migrant once."""
        message = update.effective_message
        found = media_of(message) if message is not None else None
        if message is None or found is None:
            return
        ticket_id = await self._replied_ticket(message)
        if ticket_id is None:
            return
        user_id = update.effective_user.id if update.effective_user else None
        if not self.is_trainer(user_id):
            await message.reply_text(self._t("Only trainers can answer tickets."))
            return
        assert user_id is not None and self.chat_id is not None
        media = q.Media(found[0], self.chat_id, message.message_id)
        await self._answer(context.bot, message, ticket_id, user_id, message.caption or "", media)

    async def _replied_ticket(self, message: Message) -> int | None:
        if message.reply_to_message is None:
            return None
        ticket = await asyncio.to_thread(self._db, q.ticket_for_posted_message,
                                         message_id=message.reply_to_message.message_id)
        return ticket.id if ticket is not None else None

    async def _answer(self, bot: Bot, message: Message, ticket_id: int, trainer_id: int, text: str,
                      media: q.Media | None = None) -> None:
        try:
            # Under the desk's lock: the background loop also delivers undelivered answers, and
            # must not see this one between its recording and its delivery.
            async with self._tick_lock:
                turn = await asyncio.to_thread(self._db, self._record_answer, ticket_id=ticket_id,
                                               trainer_id=trainer_id, text=text, media=media)
                await self._deliver(bot, turn)
                await asyncio.to_thread(self._db, q.mark_delivered, turn_id=turn.id)
            await message.reply_text(self._t("Sent to the migrant on #{ticket}.", ticket=ticket_id))
        except HandoffError as exc:
            await message.reply_text(refusal(self.language, exc))

    @staticmethod
    def _record_answer(*, session: Session, ticket_id: int, trainer_id: int, text: str,
                       media: q.Media | None) -> TicketTurn:
        turn = q.answer(session=session, ticket_id=ticket_id, trainer_id=trainer_id, text=text, media=media)
        if media is not None:
            # The trainer's own voice note stays in the group; it goes (or is deleted where Telegram
            # allows) with the ticket on /forget and at the end of the retention.
            q.record_group_message(session=session, ticket_id=ticket_id, chat_id=media.chat_id,
                                   message_id=media.message_id, kind="media")
        _ = turn.ticket.chat_id  # loaded for _deliver
        return turn

    async def _coordinate(self, message: Message, user_id: int | None) -> None:
        """/reassign N [trainer id] (coordinators) and /close N (coordinators: any ticket; trainers: as the button)."""
        text = message.text or ""
        reassign, close = _REASSIGN.match(text), _CLOSE.match(text)
        if not self.is_trainer(user_id):
            await message.reply_text(self._t("Only trainers can do this."))
            return
        assert user_id is not None
        try:
            if reassign:
                if not self.is_coordinator(user_id):
                    await message.reply_text(self._t("Only coordinators can reassign tickets."))
                    return
                if reassign.group(1) is None:
                    await message.reply_text(self._t("Use /reassign N to put ticket N back in the queue, or "
                                                     "/reassign N ID to give it to the trainer with that id."))
                    return
                ticket_id, to = int(reassign.group(1)), int(reassign.group(2)) if reassign.group(2) else None
                if to is not None and not self.is_trainer(to):
                    await message.reply_text(self._t("{trainer} is not in SAFAR_TRAINER_IDS.", trainer=to))
                    return
                await asyncio.to_thread(self._db, q.reassign, ticket_id=ticket_id, to=to)
                reply = (self._t("Ticket #{ticket} is back in the queue.", ticket=ticket_id) if to is None
                         else self._t("Ticket #{ticket} now belongs to trainer {trainer}.", ticket=ticket_id, trainer=to))
            else:
                assert close is not None
                if close.group(1) is None:
                    await message.reply_text(self._t("Use /close N to close ticket N."))
                    return
                ticket_id = int(close.group(1))
                await asyncio.to_thread(self._db, q.close, ticket_id=ticket_id, trainer_id=user_id,
                                        coordinator=self.is_coordinator(user_id))
                reply = self._t("Ticket #{ticket} closed.", ticket=ticket_id)
        except HandoffError as exc:
            await message.reply_text(refusal(self.language, exc))
            return
        self.wake()  # the migrant is told, and a requeued ticket is posted again
        await message.reply_text(reply)

    def _write_draft(self, ticket_id: int) -> Path:
        """Turn the ticket's last written trainer answer into a draft passage; never published automatically."""
        ticket = self._db(q.get_ticket, ticket_id=ticket_id)
        answers = [t.text for t in ticket.turns if t.sender == "trainer" and t.media_kind is None]
        if not answers:
            raise InvalidTicketData(f"ticket {ticket_id} has no written trainer answer to turn into a draft yet")
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
