"""The real bot (python-telegram-bot) against the fake Bot API server and the real Rasa pipeline."""

from __future__ import annotations

import asyncio

import pytest
from pydantic import SecretStr

from bot.app import build_application, split_text
from safar.settings import Settings
from storage.db import make_engine
from storage.migrate import upgrade_to_head
from tests.fake_telegram import FakeTelegram

pytestmark = [pytest.mark.rasa, pytest.mark.slow]


def test_split_text_keeps_every_character_and_the_limit() -> None:
    text = ("word " * 900 + "\n\n") * 3
    parts = split_text(text, limit=4096)
    assert all(len(p) <= 4096 for p in parts) and len(parts) > 1
    assert "".join(parts).replace(" ", "").replace("\n", "") == text.replace(" ", "").replace("\n", "")


def test_deep_link_question_and_button(pipeline_settings: Settings, tmp_path) -> None:
    async def journey() -> None:
        fake = FakeTelegram()
        await fake.start()
        settings = pipeline_settings.model_copy(update={
            "telegram_token": SecretStr(fake.token), "telegram_api_url": fake.base_url,
            "var_dir": tmp_path, "database_url": f"sqlite:///{tmp_path / 'bot.db'}"})
        engine = make_engine(settings.resolved_database_url())
        upgrade_to_head(engine)
        engine.dispose()
        app = build_application(settings)
        async with app:
            # run_polling() calls post_init itself; a manual start (as here) must do it.
            await app.post_init(app)
            await app.start()
            await app.updater.start_polling(poll_interval=0.0, timeout=1)
            try:
                fake.send_text(42, "/start CA-en")
                (greeting,) = await fake.wait_for(1, chat_id=42)
                assert greeting["text"].startswith("Hello! I am Safar")

                fake.send_text(42, "how do I get my provincial health insurance card")
                sent = await fake.wait_for(4, chat_id=42)
                answer, source, helpful = sent[1]["text"], sent[2]["text"], sent[3]
                assert "health" in answer.lower() and source.startswith("Source: https://")
                assert "parse_mode" not in sent[1]  # plain text: nothing in content can break markup
                keyboard = helpful["reply_markup"]["inline_keyboard"]
                assert [row[0]["callback_data"] for row in keyboard] == ["/feedback_positive", "/feedback_negative"]
                assert fake.sent("sendChatAction", 42)

                qid = fake.press(42, "/feedback_negative")
                await fake.wait_for(1, "answerCallbackQuery")
                assert fake.sent("answerCallbackQuery")[0]["callback_query_id"] == qid
                sent = await fake.wait_for(5, chat_id=42)
                assert "trainer" in sent[-1]["text"]
            finally:
                await app.updater.stop()
                await app.stop()
                await app.post_shutdown(app)
        await fake.stop()

    asyncio.run(journey())
