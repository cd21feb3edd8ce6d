"""Voice notes, files and the trainers' desk when people are away: the real bot against the fake Bot API.

No Rasa here: onboarding, media, the trainers' group and its commands never ask it anything.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import select, update

from bot.i18n import gettext
from core.settings import Settings
from storage.db import make_sessionmaker
from storage.models import GroupMessage, Ticket, TicketTurn
from tests.support.fake_telegram import FakeTelegram
from tests.support.helpers import until
from tests.support.bot import onboard, running_bot

GROUP = -100600
TRAINER, OTHER, COORDINATOR, STRANGER = 911, 912, 913, 999
DESK = {"trainer_chat_id": GROUP, "trainer_ids": [TRAINER, OTHER], "coordinator_ids": [COORDINATOR],
        "desk_tick_seconds": 0.05}


def posts(fake: FakeTelegram) -> list[dict]:
    return fake.sent("sendMessage", GROUP)


def ticket_of(post: dict) -> int:
    return int(post["reply_markup"]["inline_keyboard"][0][0]["callback_data"].split(":")[-1])


def test_a_voice_note_reaches_the_group_and_a_trainers_voice_reply_reaches_the_migrant_once(
        settings: Settings, tmp_path: Path) -> None:
    async def journey() -> None:
        async with running_bot(settings, tmp_path, **DESK) as (fake, engine):
            await onboard(fake, 61, "DE-fa")
            n = len(fake.texts(61))
            voice_id = fake.send_media(61, "voice")
            told = (await fake.wait_for(n + 1, chat_id=61))[-1]["text"]
            assert "مربی" in told and "گوش" in told  # in Dari: a trainer will listen
            await until(lambda: fake.sent("copyMessage", GROUP))
            post = posts(fake)[0]
            assert "voice note" in post["text"] and "61" not in post["text"].replace("#", "")
            copy = fake.sent("copyMessage", GROUP)[0]
            # A copy (no "forwarded from"), attached to the ticket's post.
            assert (int(copy["from_chat_id"]), int(copy["message_id"])) == (61, voice_id)
            assert copy["reply_parameters"]["message_id"] == post["_message_id"]
            assert not fake.sent("forwardMessage")
            tid = ticket_of(post)
            with make_sessionmaker(engine).begin() as s:
                assert s.scalar(select(Ticket.reason).where(Ticket.id == tid)) == "voice"

            # A trainer claims it and answers with a voice note of their own, as a reply in the group.
            fake.press_in_group(GROUP, TRAINER, f"safar:t:claim:{tid}", post["_message_id"])
            await until(lambda: fake.sent("editMessageText"))
            m = len(fake.texts(61))
            reply_id = fake.send_media(GROUP, "voice", from_id=TRAINER, reply_to=post["_message_id"])
            await until(lambda: fake.sent("copyMessage", 61))
            await until(lambda: any("Sent to the migrant" in p["text"] for p in posts(fake)))
            await asyncio.sleep(0.5)  # several desk rounds: nothing is delivered twice
            to_migrant = fake.sent("copyMessage", 61)
            assert len(to_migrant) == 1
            assert (int(to_migrant[0]["from_chat_id"]), int(to_migrant[0]["message_id"])) == (GROUP, reply_id)
            assert len(fake.texts(61)) == m + 1 and "مربی" in fake.texts(61)[-1]  # "A trainer answered:"
            with make_sessionmaker(engine).begin() as s:
                ticket = s.get(Ticket, tid)
                assert ticket.status == "answered" and ticket.first_answered_at is not None

            # A photo with a caption on the held ticket goes to the same trainer, under the same post.
            fake.send_media(61, "photo", caption="this letter came today")
            await until(lambda: len(fake.sent("copyMessage", GROUP)) == 2)
            # The reply and the copy are sent concurrently (handler and desk loop): wait for the reply itself.
            held = (await fake.wait_for(m + 2, chat_id=61))[-1]["text"]
            assert held == gettext("fa", "I passed it to the trainer who has your question.")

            # /forget: the copies of the person's media in the group are deleted, the posts edited.
            fake.send_text(61, "/forget")
            fake.press(61, "safar:forget:yes")
            copies = {c["_message_id"] for c in fake.sent("copyMessage", GROUP)}

            def deleted() -> set[int]:
                return {int(c["message_id"]) for c in fake.sent("deleteMessage")}
            # Three copies go one after another: wait for all of them, not for the first two.
            await until(lambda: copies | {reply_id} <= deleted())
            assert copies <= deleted() and reply_id in deleted()
            await until(lambda: any(int(e["message_id"]) == post["_message_id"] and "deleted" in e["text"]
                                    for e in fake.sent("editMessageText")))

            def copies_left() -> int:
                with make_sessionmaker(engine).begin() as s:
                    return len(s.scalars(select(GroupMessage).where(GroupMessage.ticket_id == tid)).all())
            # A copy's row goes right after its Telegram call, in the same desk round: wait for the round.
            await until(lambda: copies_left() == 0)
            with make_sessionmaker(engine).begin() as s:
                assert s.scalar(select(Ticket).where(Ticket.id == tid)) is None
                assert not s.scalars(select(GroupMessage).where(GroupMessage.ticket_id == tid)).all()

    asyncio.run(journey())


def test_media_before_consent_limits_and_what_is_not_opened(settings: Settings, tmp_path: Path) -> None:
    async def journey() -> None:
        async with running_bot(settings, tmp_path, media_per_hour=2, media_max_mb=1, **DESK) as (fake, engine):
            fake.send_text(62, "/start CA-en")
            await fake.wait_for(2, chat_id=62)
            fake.send_media(62, "voice")  # before consent: the notice, no ticket
            sent = await fake.wait_for(4, chat_id=62)
            assert "I agree" in sent[2]["text"] and sent[3]["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "safar:consent:yes"
            fake.press(62, "safar:consent:yes")
            await fake.wait_for(5, chat_id=62)
            with make_sessionmaker(engine).begin() as s:
                assert s.scalar(select(Ticket).where(Ticket.chat_id == 62)) is None

            n = len(fake.texts(62))
            fake.send_media(62, "sticker")
            fake.send_media(62, "location")
            await fake.wait_for(n + 2, chat_id=62)
            assert all("only read text" in t for t in fake.texts(62)[n:])
            fake.send_media(62, "document", file_size=5 * 1024 * 1024)
            await fake.wait_for(n + 3, chat_id=62)
            assert "too large" in fake.texts(62)[-1]

            fake.send_media(62, "document")
            fake.send_media(62, "video_note")
            fake.send_media(62, "audio")  # the third within the hour: over the limit of 2
            await fake.wait_for(n + 6, chat_id=62)
            replies = fake.texts(62)[n + 3:]
            assert "look at what you sent" in replies[0] and "voice note" not in replies[0]
            assert "many voice notes" in replies[2]
            await until(lambda: len(fake.sent("copyMessage", GROUP)) == 2)
            with make_sessionmaker(engine).begin() as s:
                kinds = s.scalars(select(TicketTurn.media_kind).join(Ticket).where(Ticket.chat_id == 62)
                                  .order_by(TicketTurn.id)).all()
                assert kinds == ["document", "video_note"]
                assert s.scalar(select(Ticket.reason).where(Ticket.chat_id == 62)) == "media"

            # A crisis written as a caption gets the contacts at once, like any crisis text.
            fake.send_media(62, "photo", caption="I want to kill myself")
            await until(lambda: any("emergency" in t.lower() or "112" in t or "911" in t for t in fake.texts(62)[n + 6:]))

    asyncio.run(journey())


def test_a_coordinator_reassigns_and_closes_and_a_silent_trainers_ticket_is_taken_over(
        settings: Settings, tmp_path: Path) -> None:
    async def journey() -> None:
        async with running_bot(settings, tmp_path, handoff_reply_hours=1, **DESK) as (fake, engine):
            await onboard(fake, 63)
            fake.send_media(63, "voice")
            await until(lambda: posts(fake))
            post = posts(fake)[0]
            tid = ticket_of(post)
            fake.press_in_group(GROUP, TRAINER, f"safar:t:claim:{tid}", post["_message_id"])
            await until(lambda: fake.sent("editMessageText"))

            fake.send_group_text(GROUP, TRAINER, f"/reassign {tid} {OTHER}")  # a trainer, not a coordinator
            await until(lambda: any("Only coordinators" in p["text"] for p in posts(fake)))
            n = len(fake.texts(63))
            fake.send_group_text(GROUP, COORDINATOR, f"/reassign {tid} {OTHER}")
            await until(lambda: any(f"now belongs to trainer {OTHER}" in p["text"] for p in posts(fake)))
            told = (await fake.wait_for(n + 1, chat_id=63))[-1]["text"]
            assert told == "Another trainer is now looking after your question."

            # The new trainer says nothing for longer than the reply time (1 h here): the ticket is
            # announced again with "Take over", and another trainer takes it.
            with make_sessionmaker(engine).begin() as s:
                s.execute(update(Ticket).where(Ticket.id == tid).values(
                    claimed_at=datetime.now(timezone.utc) - timedelta(hours=2),
                    last_announced_at=datetime.now(timezone.utc) - timedelta(hours=2)))
            await until(lambda: any("take this ticket over" in p["text"] for p in posts(fake)))
            overdue = [p for p in posts(fake) if "take this ticket over" in p["text"]][0]
            assert overdue["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == f"safar:t:take:{tid}"
            fake.press_in_group(GROUP, TRAINER, f"safar:t:take:{tid}", overdue["_message_id"])
            await fake.wait_for(n + 2, chat_id=63)
            assert fake.texts(63)[-1] == "Another trainer is now looking after your question."
            with make_sessionmaker(engine).begin() as s:
                ticket = s.get(Ticket, tid)
                assert (ticket.claimed_by, ticket.reassigned) == (TRAINER, 2)

            # Back to the queue: posted again as new; then the coordinator closes it.
            before = len([p for p in posts(fake) if p.get("reply_markup")])
            fake.send_group_text(GROUP, COORDINATOR, f"/reassign {tid}")
            await fake.wait_for(n + 3, chat_id=63)
            assert "next free trainer" in fake.texts(63)[-1]
            await until(lambda: len([p for p in posts(fake) if p.get("reply_markup")]) > before)
            fake.send_group_text(GROUP, COORDINATOR, f"/close {tid}")
            await fake.wait_for(n + 4, chat_id=63)
            assert "back with Safar" in fake.texts(63)[-1]
            with make_sessionmaker(engine).begin() as s:
                assert s.get(Ticket, tid).status == "closed"

    asyncio.run(journey())


def test_the_desk_reads_in_its_own_language(settings: Settings, tmp_path: Path) -> None:
    async def journey() -> None:
        async with running_bot(settings, tmp_path, desk_language="fr", **DESK) as (fake, _):
            await onboard(fake, 64, "CA-ar")
            fake.send_media(64, "photo")
            await until(lambda: posts(fake))
            post = posts(fake)[0]
            assert "a envoyé une photo ou un fichier" in post["text"] and "Répondez à ce message" in post["text"]
            labels = [b["text"] for row in post["reply_markup"]["inline_keyboard"] for b in row]
            assert labels == ["Prendre", "Fermer", "Rendre au bot", "Ajouter à la base de connaissances"]
            assert "مدرب" in fake.texts(64)[-1]  # the migrant still reads their own language
            # Refusals too: a second claim, and another trainer's reply.
            fake.press_in_group(GROUP, TRAINER, f"safar:t:claim:{ticket_of(post)}", post["_message_id"])
            await until(lambda: fake.sent("editMessageText"))
            fake.press_in_group(GROUP, OTHER, f"safar:t:claim:{ticket_of(post)}", post["_message_id"])
            await until(lambda: any("a déjà ce ticket" in c.get("text", "") for c in fake.sent("answerCallbackQuery")))
            fake.send_group_text(GROUP, OTHER, "je réponds", reply_to=post["_message_id"])
            await until(lambda: any(f"est au formateur {TRAINER}" in p["text"] for p in posts(fake)))

    asyncio.run(journey())
