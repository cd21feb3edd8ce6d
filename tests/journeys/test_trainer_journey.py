"""The trainer's journey end to end: the real bot, the fake Bot API server, the real Rasa pipeline."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from sqlalchemy import select

from handoff.queue import open_ticket
from core.settings import Settings
from storage.db import make_sessionmaker
from storage.models import Ticket
from tests.support.fake_telegram import FakeTelegram
from tests.support.helpers import until
from tests.support.bot import onboard, running_bot

pytestmark = [pytest.mark.rasa, pytest.mark.slow]

GROUP = -100500
TRAINER, OTHER_TRAINER, STRANGER = 901, 902, 999


def group_posts(fake: FakeTelegram) -> list[dict]:
    return fake.sent("sendMessage", GROUP)


def desk_settings(settings: Settings) -> dict:
    return {"trainer_chat_id": GROUP, "trainer_ids": [TRAINER, OTHER_TRAINER], "desk_tick_seconds": 0.02,
            "urgent_reannounce_minutes": 0.02}


def test_escalate_claim_answer_follow_up_close(pipeline_settings: Settings, tmp_path: Path) -> None:
    async def journey() -> None:
        async with running_bot(pipeline_settings, tmp_path, **desk_settings(pipeline_settings)) as (fake, engine):
            await onboard(fake, 41)
            fake.send_text(41, "when is my flight, case 123-45")
            await until(lambda: len(group_posts(fake)) >= 1)
            post = group_posts(fake)[0]
            assert "own case" in post["text"] and "when is my flight" in post["text"] and "CA" in post["text"]
            assert "41" not in post["text"].replace("#", "")  # no Telegram id of the migrant
            buttons = [b["callback_data"] for row in post["reply_markup"]["inline_keyboard"] for b in row]
            ticket_id = int(buttons[0].split(":")[-1])
            assert buttons == [f"safar:t:{a}:{ticket_id}" for a in ("claim", "close", "return", "draft")]
            posted_id = post["_message_id"]

            base = len(fake.sent("answerCallbackQuery"))  # the migrant's consent press
            fake.press_in_group(GROUP, STRANGER, f"safar:t:claim:{ticket_id}", posted_id)
            await fake.wait_for(base + 1, "answerCallbackQuery")
            assert "Only trainers" in fake.sent("answerCallbackQuery")[-1]["text"]

            # Two trainers press Claim at once: exactly one owner; the other is told who has it.
            fake.press_in_group(GROUP, TRAINER, f"safar:t:claim:{ticket_id}", posted_id)
            fake.press_in_group(GROUP, OTHER_TRAINER, f"safar:t:claim:{ticket_id}", posted_id)
            await fake.wait_for(base + 3, "answerCallbackQuery")
            answers = [c.get("text", "") for c in fake.sent("answerCallbackQuery")[base + 1:]]
            assert "It is yours. Reply to the ticket to answer." in answers
            lost = [a for a in answers if a.endswith("already has this ticket.")]
            assert len(lost) == 1
            owner = int(lost[0].split()[1])  # either may win the race; the other is told who did
            other = OTHER_TRAINER if owner == TRAINER else TRAINER
            assert fake.sent("editMessageText")

            n = len(fake.texts(41))
            fake.send_group_text(GROUP, other, "I can answer that", reply_to=posted_id)
            await until(lambda: any(f"belongs to trainer {owner}" in t.get("text", "") for t in group_posts(fake)[1:]))
            assert len(fake.texts(41)) == n  # the other trainer's reply did not reach the migrant

            fake.send_group_text(GROUP, owner, "Your flight is booked for May; IOM will call you.", reply_to=posted_id)
            await fake.wait_for(n + 1, chat_id=41)
            assert fake.texts(41)[-1] == "A trainer answered:\nYour flight is booked for May; IOM will call you."

            # The answer can become a draft passage for curriculum review, never published by itself.
            fake.press_in_group(GROUP, owner, f"safar:t:draft:{ticket_id}", posted_id)
            draft = tmp_path / "drafts" / "CA" / "en" / f"ticket-{ticket_id}.md"
            await until(draft.exists)
            body = draft.read_text()
            assert "status: draft" in body and "IOM will call you" in body
            assert "123-45" not in body  # the migrant's own words stay out of the draft

            # The migrant's follow-up goes to the trainer, not to Rasa.
            fake.send_text(41, "thank you, and what do I bring?")
            await until(lambda: any("Migrant on #" in p["text"] for p in group_posts(fake)))
            follow = [p for p in group_posts(fake) if "Migrant on #" in p["text"]][0]
            assert follow["reply_parameters"]["message_id"] == posted_id and "what do I bring" in follow["text"]
            assert len(fake.texts(41)) == n + 1

            fake.press_in_group(GROUP, owner, f"safar:t:close:{ticket_id}", posted_id)
            await fake.wait_for(n + 2, chat_id=41)
            assert "back with Safar" in fake.texts(41)[-1]
            fake.send_text(41, "hello")
            await fake.wait_for(n + 3, chat_id=41)
            assert fake.texts(41)[-1].startswith("Hello! I am Safar")  # Rasa again
            with make_sessionmaker(engine).begin() as s:
                assert s.scalar(select(Ticket.status).where(Ticket.id == ticket_id)) == "closed"

    asyncio.run(journey())


def test_tickets_made_while_the_bot_was_down_are_posted_and_crisis_reannounced(pipeline_settings: Settings, tmp_path: Path) -> None:
    from storage.db import make_engine
    from storage.migrate import upgrade_to_head

    engine = make_engine(f"sqlite:///{tmp_path / 'bot.db'}")
    upgrade_to_head(engine)
    with make_sessionmaker(engine).begin() as s:  # created while no bot ran (e.g. by an action)
        open_ticket(session=s, pseudonym="u_offline", chat_id=77, question="they took my passport", reason="crisis")
    engine.dispose()

    async def journey() -> None:
        async with running_bot(pipeline_settings, tmp_path, **desk_settings(pipeline_settings)) as (fake, _):
            await until(lambda: len(group_posts(fake)) >= 1)
            assert group_posts(fake)[0]["text"].startswith("🆘 URGENT")
            # Unclaimed urgent tickets are announced again (every 1.2 s in this test).
            await until(lambda: len(group_posts(fake)) >= 3, timeout=15)
            assert all("they took my passport" in p["text"] for p in group_posts(fake)[:3])
            assert "Still waiting" in group_posts(fake)[1]["text"]

            fake.send_text(78, "/start CA-en")  # a migrant with a question in the queue withdraws it
            await fake.wait_for(2, chat_id=78)
            fake.press(78, "safar:consent:yes")
            await fake.wait_for(3, chat_id=78)
            fake.send_text(78, "/cancel")
            await fake.wait_for(4, chat_id=78)
            assert "no open question" in fake.texts(78)[-1]
            fake.send_text(78, "/human")
            await until(lambda: any("asked for a trainer" in p["text"] for p in group_posts(fake)))
            fake.send_text(78, "/cancel")
            await until(lambda: "withdrawn" in fake.texts(78)[-1])

            fake.send_text(TRAINER, "/answer 1 hello")  # a trainer command in a private chat
            await fake.wait_for(1, chat_id=TRAINER)
            assert "for trainers, in the trainers' group" in fake.texts(TRAINER)[0]

    asyncio.run(journey())
