"""The real bot (python-telegram-bot) against the fake Bot API server and the real Rasa pipeline."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot.texts import split_text
from core.settings import Settings
from crisis.contacts import CrisisContacts
from storage.db import make_sessionmaker
from storage.models import Ticket, User
from tests.support.bot import onboard, running_bot
from tests.support.helpers import until

pytestmark = [pytest.mark.rasa, pytest.mark.slow]


def test_split_text_keeps_every_character_and_the_limit() -> None:
    text = ("word " * 900 + "\n\n") * 3
    parts = split_text(text, limit=4096)
    assert all(len(p) <= 4096 for p in parts) and len(parts) > 1
    assert "".join(parts).replace(" ", "").replace("\n", "") == text.replace(" ", "").replace("\n", "")


def test_onboarding_consent_first_then_the_waiting_question(pipeline_settings: Settings, tmp_path: Path) -> None:
    async def journey() -> None:
        async with running_bot(pipeline_settings, tmp_path) as (fake, engine):
            fake.send_text(42, "/start", language="fr")
            welcome, notice = await fake.wait_for(2, chat_id=42)
            assert welcome["text"].startswith("Bienvenue") or "Safar" in welcome["text"]
            assert notice["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "safar:consent:yes"
            assert "/forget" in notice["text"]

            fake.send_text(42, "comment trouver un logement à louer", language="fr")  # before consent
            sent = await fake.wait_for(4, chat_id=42)
            assert sent[3]["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "safar:consent:yes"
            with make_sessionmaker(engine).begin() as s:
                assert s.scalar(select(User.consent_at).where(User.telegram_id == 42)) is None

            fake.press(42, "safar:consent:yes")
            sent = await fake.wait_for(5, chat_id=42)
            assert [row[0]["callback_data"] for row in sent[4]["reply_markup"]["inline_keyboard"]][0] == "safar:country:CA"
            fake.press(42, "safar:country:CA")
            # Destination confirmed, then the question sent before consent is answered (French content),
            # the answer, its source and "did this help?" in one message.
            sent = await fake.wait_for(7, chat_id=42)
            assert "Canada" in sent[5]["text"]
            assert "Source" in sent[6]["text"] and sent[6]["reply_markup"]["inline_keyboard"]
            assert len(fake.sent("answerCallbackQuery")) == 2
            commands = fake.sent("setMyCommands")
            assert {c.get("language_code") for c in commands} == {None, "fr", "ar", "fa", "uk"}

    asyncio.run(journey())


def test_routes_buttons_and_switching_country(pipeline_settings: Settings, tmp_path: Path) -> None:
    async def journey() -> None:
        async with running_bot(pipeline_settings, tmp_path) as (fake, engine):
            await onboard(fake, 7, "CA-en")
            n = len(fake.texts(7))
            fake.send_text(7, "how do I get my provincial health insurance card")
            # One message: the answer, its source and "did this help?" with the buttons under it.
            sent = await fake.wait_for(n + 1, chat_id=7)
            answer = sent[n]["text"]
            assert "health card" in answer.lower() and "\n\nSource: https://" in answer
            assert answer.endswith("Did this answer help you?")
            assert "parse_mode" not in sent[n]  # plain text: nothing in content can break markup
            keyboard = sent[n]["reply_markup"]["inline_keyboard"]
            assert [row[0]["callback_data"] for row in keyboard] == ["/feedback_positive", "/feedback_negative"]
            await asyncio.sleep(0.3)
            assert len(fake.texts(7)) == n + 1

            fake.press(7, "/feedback_negative")
            sent = await fake.wait_for(n + 2, chat_id=7)
            assert "trainer" in sent[-1]["text"]

            for text, expected in (("when is my flight, case 123-45", "trainer will answer"),
                                   ("I want to end my life", "911"),
                                   ("write me a poem about cats", "I cannot help with that")):
                n = len(fake.texts(7))
                fake.send_text(7, text)
                await fake.wait_for(n + 1, chat_id=7)
                # The crisis protocol sends several messages: wait for the expected one.
                for _ in range(200):
                    if any(expected in t for t in fake.texts(7)[n:]):
                        break
                    await asyncio.sleep(0.05)
                assert any(expected in t for t in fake.texts(7)[n:]), fake.texts(7)[n:]

            # The handoffs became one ticket for this chat (one active ticket per migrant), made
            # urgent by the crisis, keyed by the pseudonym (the chat id is kept only to reply).
            with make_sessionmaker(engine).begin() as s:
                tickets = s.scalars(select(Ticket)).all()
                assert len(tickets) == 1 and tickets[0].chat_id == 7
                assert tickets[0].priority == "urgent" and tickets[0].reason == "crisis"
                assert tickets[0].question == "when is my flight, case 123-45"
                assert tickets[0].pseudonym == s.scalar(select(User.pseudonym).where(User.telegram_id == 7))

            n = len(fake.texts(7))
            fake.send_text(7, "I am going to Norway now")
            await fake.wait_for(n + 1, chat_id=7)
            with make_sessionmaker(engine).begin() as s:
                assert s.scalar(select(User.country).where(User.telegram_id == 7)) == "NO"
            fake.send_text(7, "how do I find an apartment to rent")
            await fake.wait_for(n + 2, chat_id=7)
            # Norway's housing content: the answer, or (when the gate is unsure) choices among its passages.
            later = fake.sent("sendMessage", 7)[n + 1:]
            assert any("Norway" in m["text"] or "/choose_passage" in json.dumps(m.get("reply_markup") or {})
                       for m in later), later

    asyncio.run(journey())


def test_forget_non_text_and_edits(pipeline_settings: Settings, tmp_path: Path) -> None:
    async def journey() -> None:
        async with running_bot(pipeline_settings, tmp_path) as (fake, engine):
            await onboard(fake, 9)
            fake.send_text(9, "/human")
            await fake.wait_for(4, chat_id=9)
            with make_sessionmaker(engine).begin() as s:
                assert s.scalar(select(Ticket.question).where(Ticket.chat_id == 9)) == "(asked for a trainer)"
            n = len(fake.texts(9))
            fake.send_photo(9)
            fake.edit_text(9, "changed my mind")
            await fake.wait_for(n + 2, chat_id=9)
            texts = fake.texts(9)[n:]
            assert any("only read text" in t for t in texts) and any("first version" in t for t in texts)

            fake.send_text(9, "/forget")
            sent = await fake.wait_for(n + 3, chat_id=9)
            assert [r[0]["callback_data"] for r in sent[-1]["reply_markup"]["inline_keyboard"]] == ["safar:forget:yes", "safar:forget:no"]
            fake.press(9, "safar:forget:yes")
            sent = await fake.wait_for(n + 4, chat_id=9)
            assert "deleted" in sent[-1]["text"]
            with make_sessionmaker(engine).begin() as s:
                assert s.scalar(select(User).where(User.telegram_id == 9)) is None
                assert s.scalar(select(Ticket).where(Ticket.chat_id == 9)) is None

            fake.press(9, "safar:bogus")  # malformed callback data: answered, ignored, nothing sent
            await fake.wait_for(3, "answerCallbackQuery")
            await asyncio.sleep(0.3)
            assert len(fake.texts(9)) == n + 4

    asyncio.run(journey())


def test_forget_in_the_bot_erases_the_question_log_and_the_rasa_conversation(pipeline_settings: Settings,
                                                                             tmp_path: Path) -> None:
    """The bot shares the action server's database and Rasa's tracker store, as in a deployment."""
    from core.pseudonym import pseudonym
    from privacy.tracker_store import TrackerStore
    from storage.models import LoggedQuestionRow

    shared = {"database_url": pipeline_settings.resolved_database_url(),
              "tracker_store_url": pipeline_settings.resolved_tracker_store_url()}
    key = pseudonym(31, Settings(_env_file=None, var_dir=tmp_path).resolved_pseudonym_key())
    tracker = TrackerStore.from_url(pipeline_settings.resolved_tracker_store_url())

    def logged(engine: Any) -> int:
        with make_sessionmaker(engine)() as s:
            return len(s.scalars(select(LoggedQuestionRow).where(LoggedQuestionRow.pseudonym == key)).all())

    async def journey() -> None:
        async with running_bot(pipeline_settings, tmp_path, **shared) as (fake, engine):
            await onboard(fake, 31)
            fake.send_text(31, "how do I open a bank account")
            await until(lambda: logged(engine) > 0)
            assert logged(engine) == 1 and tracker.count(key) > 0
            fake.send_text(31, "/forget")
            await until(lambda: "Are you sure?" in fake.texts(31)[-1])
            fake.press(31, "safar:forget:yes")
            await until(lambda: "has been deleted" in fake.texts(31)[-1])
            assert logged(engine) == 0 and tracker.count(key) == 0
            with make_sessionmaker(engine).begin() as s:
                assert s.scalar(select(User).where(User.telegram_id == 31)) is None

    try:
        asyncio.run(journey())
    finally:
        tracker.dispose()


def test_rasa_down_gives_an_honest_answer_quickly(pipeline_settings: Settings, tmp_path: Path) -> None:
    async def journey() -> None:
        # Rasa "stopped": nothing listens on port 9.
        async with running_bot(pipeline_settings, tmp_path, rasa_port=9, rasa_timeout_seconds=2.0, rasa_retries=1) as (fake, engine):
            fake.send_text(5, "/start CA-en")
            await fake.wait_for(2, chat_id=5)
            fake.press(5, "safar:consent:yes")
            await fake.wait_for(3, chat_id=5)
            start = time.monotonic()
            fake.send_text(5, "how do I rent a flat")
            sent = await fake.wait_for(4, chat_id=5)
            assert time.monotonic() - start < 6
            assert "could not check that right now" in sent[-1]["text"]
            # Rasa cannot look for danger in the message, so the emergency number comes with the reply.
            emergency = CrisisContacts.load(pipeline_settings.crisis_contacts).emergency
            assert f"call {emergency.phone}" in sent[-1]["text"]
            # The question is kept for the trainers, not lost.
            with make_sessionmaker(engine).begin() as s:
                ticket = s.scalars(select(Ticket).where(Ticket.chat_id == 5)).one()
                assert ticket.reason == "technical_failure" and ticket.question == "how do I rent a flat"

    asyncio.run(journey())


def test_twenty_users_at_once_each_answered_once_in_order(pipeline_settings: Settings, tmp_path: Path) -> None:
    async def journey() -> None:
        async with running_bot(pipeline_settings, tmp_path) as (fake, _):
            users = list(range(100, 120))
            for uid in users:
                fake.send_text(uid, "/start CA-en")
            await asyncio.gather(*(fake.wait_for(2, chat_id=u, timeout=60) for u in users))
            for uid in users:
                fake.press(uid, "safar:consent:yes")
            await asyncio.gather(*(fake.wait_for(3, chat_id=u, timeout=60) for u in users))
            for uid in users:
                for text in ("hello", "what can you do", "thank you"):
                    fake.send_text(uid, text)
            await asyncio.gather(*(fake.wait_for(6, chat_id=u, timeout=120) for u in users))
            await asyncio.sleep(1.0)  # anything extra (a duplicate) would arrive by now
            for uid in users:
                replies = fake.texts(uid)[3:]
                assert len(replies) == 3, replies
                assert replies[0].startswith("Hello") and replies[1].startswith("I am Safar") and "welcome" in replies[2]

    asyncio.run(journey())
