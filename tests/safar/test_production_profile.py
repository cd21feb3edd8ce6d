"""The production profile started for real: PostgreSQL for the app and Rasa's tracker store, Redis as
Rasa's lock store, two Rasa servers behind the bot, the bot in webhook mode (benchmarks/harness.py)."""

from __future__ import annotations

import asyncio
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import text

from benchmarks.harness import Stack
from bot.rasa_client import RasaClient
from core.pseudonym import pseudonym
from privacy.tracker_store import TrackerStore
from storage.db import DatabaseUnavailable, check_connection, make_engine
from tests.conftest import POSTGRES_URL, need_server
from tests.support.helpers import until

pytestmark = [pytest.mark.rasa, pytest.mark.slow, pytest.mark.postgres]


def servers_available() -> None:
    engine = make_engine(POSTGRES_URL)
    try:
        check_connection(engine)
    except DatabaseUnavailable as exc:
        need_server(f"PostgreSQL not reachable at {POSTGRES_URL}: {exc}")
    finally:
        engine.dispose()
    pong = subprocess.run(["redis-cli", "-h", "127.0.0.1", "ping"], capture_output=True, text=True)
    if pong.stdout.strip() != "PONG":
        need_server("Redis not reachable at 127.0.0.1:6379 (redis-cli ping)")


def test_two_rasa_servers_on_postgres_and_redis_behind_a_webhook_bot(tmp_path: Path) -> None:
    servers_available()

    async def scenario() -> None:
        stack = Stack(production=True, var=tmp_path / "var")
        settings = await stack.start()
        fake = stack.fake
        try:
            assert len(settings.rasa_endpoints()) == 2 and fake.sent("setWebhook")
            # Rasa's HTTP API refuses calls without the token (the bot passes it).
            import urllib.error
            import urllib.request

            with pytest.raises(urllib.error.HTTPError) as refused:
                urllib.request.urlopen(f"{settings.rasa_endpoints()[0]}/status", timeout=5)
            assert refused.value.code == 401
            users = list(range(501, 509))
            for uid in users:
                fake.send_text(uid, "/start CA-en")
            await asyncio.sleep(0.3)
            for uid in users:
                fake.press(uid, "safar:consent:yes")
            await until(lambda: all(len(fake.texts(u)) >= 3 for u in users), timeout=30)
            # A burst per person: each person's messages are handled in the order sent, whichever server.
            for uid in users:
                for message in ("I am going to Norway now", "how do I find an apartment to rent", "thanks"):
                    fake.send_text(uid, message)
            await until(lambda: all(len(fake.texts(u)) >= 6 for u in users), timeout=60)
            for uid in users:
                switched, answer, thanks = fake.texts(uid)[3:6]
                assert "Norway" in switched, fake.texts(uid)
                # Norway's housing content: the answer, or choices among its passages when the gate is unsure.
                assert ("Source:" in answer and "Norway" in answer) or "Which of these" in answer, answer
                assert thanks.startswith("You are welcome"), thanks

            # Conversations live in PostgreSQL, shared by both servers: kill the server a person
            # usually talks to; the other continues the same conversation ("no" answers "did this help?").
            key = pseudonym(users[0], settings.resolved_pseudonym_key())
            tracker = TrackerStore.from_url(settings.resolved_tracker_store_url())
            assert tracker.count(key) > 0
            client = RasaClient(settings.rasa_endpoints(), timeout=5, retries=0)
            usual = client.servers_for(key)[0]
            await client.close()
            port = int(usual.rsplit(":", 1)[1])
            name = "rasa" if port == settings.rasa_port else f"rasa-{port}"
            fake.send_text(users[0], "how do I open a bank account")
            await until(lambda: len(fake.texts(users[0])) >= 7, timeout=30)
            stack.kill(name)
            fake.send_text(users[0], "no")
            await until(lambda: len(fake.texts(users[0])) >= 8, timeout=30)
            assert "trainer" in fake.texts(users[0])[7].lower(), fake.texts(users[0])[7]
            tracker.dispose()
            # Redis holds Rasa's conversation locks: it served commands during the run.
            stats = subprocess.run(["redis-cli", "-h", "127.0.0.1", "info", "commandstats"], capture_output=True,
                                   text=True).stdout
            assert "cmdstat_set" in stats or "cmdstat_setnx" in stats or "cmdstat_eval" in stats
            engine = make_engine(settings.resolved_database_url())
            with engine.connect() as conn:
                assert conn.scalar(text("SELECT count(*) FROM events")) > 0  # Rasa's tracker store table
                assert conn.scalar(text("SELECT count(*) FROM users")) == len(users)
            engine.dispose()
        finally:
            await stack.stop()

    asyncio.run(scenario())
