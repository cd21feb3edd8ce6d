"""The real bot polling the fake Bot API server, and onboarding a user through it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from bot.app import build_application
from core.settings import Settings
from storage.db import make_engine
from storage.migrate import upgrade_to_head
from tests.support.fake_telegram import FakeTelegram


@asynccontextmanager
async def running_bot(settings: Settings, tmp_path: Path, **overrides: Any) -> AsyncIterator[tuple[FakeTelegram, Any]]:
    """The bot polling the fake Bot API server, with its own SQLite database."""
    fake = FakeTelegram()
    await fake.start()
    settings = settings.model_copy(update={
        "telegram_token": SecretStr(fake.token), "telegram_api_url": fake.base_url, "var_dir": tmp_path,
        "database_url": f"sqlite:///{tmp_path / 'bot.db'}", **overrides})
    engine = make_engine(settings.resolved_database_url())
    upgrade_to_head(engine)
    app = build_application(settings)
    async with app:
        # run_polling() calls post_init itself; a manual start (as here) must do it.
        await app.post_init(app)
        await app.start()
        await app.updater.start_polling(poll_interval=0.0, timeout=1)
        try:
            yield fake, engine
        finally:
            await app.updater.stop()
            await app.stop()
            await app.post_shutdown(app)
    engine.dispose()
    await fake.stop()


async def onboard(fake: FakeTelegram, uid: int, link: str = "CA-en") -> None:
    """/start with a deep link and consent: the user is ready to ask."""
    fake.send_text(uid, f"/start {link}")
    await fake.wait_for(2, chat_id=uid)
    fake.press(uid, "safar:consent:yes")
    await fake.wait_for(3, chat_id=uid)
