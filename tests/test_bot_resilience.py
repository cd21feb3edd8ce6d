"""The bot under trouble: Telegram flood control (429) and network errors are retried and each reply
arrives exactly once; one Rasa server down is survived by the next; /metrics tells an operator."""

from __future__ import annotations

import asyncio
import urllib.request
from pathlib import Path

import pytest

from bot.rasa_client import RasaClient
from safar.settings import Settings
from tests.helpers import free_port
from tests.test_bot_journey import onboard, running_bot, until

pytestmark = [pytest.mark.rasa, pytest.mark.slow]


def help_replies(fake, chat_id: int) -> list[str]:  # noqa: ANN001
    return [t for t in fake.texts(chat_id) if t.startswith("Write your question in your own words")]


@pytest.mark.parametrize("fault", ["flood", "bad_gateway"])
def test_a_failed_send_is_retried_and_arrives_once(pipeline_settings: Settings, tmp_path: Path, fault: str) -> None:
    async def journey() -> None:
        async with running_bot(pipeline_settings, tmp_path) as (fake, engine):
            await onboard(fake, 61)
            fake.fail_next("sendMessage", 2, fault)
            fake.send_text(61, "/help")
            await until(lambda: len(help_replies(fake, 61)) == 1, timeout=20)
            await asyncio.sleep(1.0)  # room for a duplicate to show up, if the bot were to send one
            assert len(help_replies(fake, 61)) == 1
            assert [c.method for c in fake.faulted] == ["sendMessage", "sendMessage"]
    asyncio.run(journey())


USER = 987654321


def test_metrics_endpoint_counts_updates_routes_and_the_queue(pipeline_settings: Settings, tmp_path: Path) -> None:
    port = free_port()

    async def journey() -> str:
        async with running_bot(pipeline_settings, tmp_path, bot_metrics_port=port) as (fake, engine):
            await onboard(fake, USER)
            fake.send_text(USER, "how do I open a bank account")
            fake.send_text(USER, "when is my flight, case 123-45")
            await until(lambda: any("trainer" in t.lower() for t in fake.texts(USER)[3:]), timeout=30)
            return await asyncio.to_thread(lambda: urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5)
                                           .read().decode())

    body = asyncio.run(journey())
    assert 'safar_updates_total{kind="message"} 2.0' in body
    assert 'safar_updates_total{kind="command"} 1.0' in body
    assert 'safar_reply_seconds_count{route="answer"} 1.0' in body
    assert 'safar_reply_seconds_count{route="handoff"} 1.0' in body
    assert 'safar_tickets_opened_total{reason="case_specific"} 1.0' in body
    assert 'safar_handoff_tickets{priority="normal",status="open"} 1.0' in body
    assert "safar_rasa_seconds_bucket" in body
    assert str(USER) not in body  # no Telegram id in any label


def test_a_dead_rasa_server_is_skipped_for_the_next(pipeline_settings: Settings) -> None:
    dead = f"http://127.0.0.1:{free_port()}"  # nothing listens here
    live = pipeline_settings.rasa_url

    async def go() -> tuple[list[str], str]:
        client = RasaClient([dead, live], timeout=5, retries=0)
        try:
            # A sender whose usual server is the dead one: the hash puts it first.
            sender = next(f"failover-{i}" for i in range(100) if client.servers_for(f"failover-{i}")[0] == dead)
            await client.set_slots(sender, {"country": "CA", "language": "en"})
            replies = await client.send(sender, "hello", {"country": "CA", "language": "en"})
            return [r.text for r in replies if r.text], sender
        finally:
            await client.close()

    texts, _ = asyncio.run(go())
    assert texts and texts[0].startswith("Hello")
