"""The bot under trouble: Telegram flood control (429) and network errors are retried and each reply
arrives exactly once; one Rasa server down is survived by the next; /metrics tells an operator."""

from __future__ import annotations

import asyncio
import urllib.request
from pathlib import Path

import pytest

from bot.rasa_client import RasaClient
from core.settings import Settings
from tests.support.helpers import free_port, until
from tests.support.bot import onboard, running_bot

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


def test_updates_left_unfinished_by_a_crash_are_handled_on_start(pipeline_settings: Settings, tmp_path: Path) -> None:
    """A bot killed after storing an update (and so after Telegram counted it delivered) handles it on start."""
    import json

    from storage.db import make_engine, make_sessionmaker
    from storage.migrate import upgrade_to_head
    from storage.models import InboxUpdate

    db = f"sqlite:///{tmp_path / 'bot.db'}"
    engine = make_engine(db)
    upgrade_to_head(engine)
    from datetime import datetime, timezone

    from core.pseudonym import pseudonym
    from storage.users import get_or_create_user, update_user

    key = Settings(_env_file=None, var_dir=tmp_path).resolved_pseudonym_key()  # the bot's key, made first
    sent = int(datetime.now(timezone.utc).timestamp()) - 120  # sent two minutes before the bot handles it
    update = {"update_id": 424242, "message": {"message_id": 5, "date": sent, "chat": {"id": 77, "type": "private"},
                                               "from": {"id": 77, "is_bot": False, "first_name": "U"},
                                               "text": "hello"}}
    with make_sessionmaker(engine).begin() as s:
        user = get_or_create_user(session=s, telegram_id=77, pseudonym=pseudonym(77, key))
        update_user(session=s, user=user, country="CA", language="en", consent=True)
        s.add(InboxUpdate(update_id=424242, chat_id=77, payload=json.dumps(update),
                          received_at=datetime.now(timezone.utc), attempts=0))

    async def journey() -> None:
        async with running_bot(pipeline_settings, tmp_path) as (fake, _):
            await until(lambda: any(t.startswith("Hello") for t in fake.texts(77)), timeout=20)
            await asyncio.sleep(0.5)
            texts = fake.texts(77)
            assert len(texts) == 2 and texts[0].startswith("Sorry for the wait"), texts  # late, and says so

    asyncio.run(journey())
    with make_sessionmaker(engine)() as s:
        assert s.query(InboxUpdate).count() == 0  # handled, so gone
    engine.dispose()


def test_a_redelivered_update_is_queued_once(tmp_path: Path) -> None:
    from telegram import Update

    from bot.inbox import DurableQueue, Inbox
    from storage.db import make_engine, make_sessionmaker
    from storage.migrate import upgrade_to_head

    engine = make_engine(f"sqlite:///{tmp_path / 'inbox.db'}")
    upgrade_to_head(engine)
    queue = DurableQueue()
    queue.inbox = Inbox(make_sessionmaker(engine))
    update = Update.de_json({"update_id": 9, "message": {"message_id": 1, "date": 1, "text": "hi",
                                                         "chat": {"id": 3, "type": "private"}}}, None)

    async def go() -> int:
        while not queue.empty():
            queue.get_nowait()
        await queue.put(update)
        await queue.put(update)  # Telegram sends it again: it was not confirmed before a crash
        return queue.qsize()

    assert asyncio.run(go()) == 1
    queue.inbox.done(9)
    assert asyncio.run(go()) == 1  # handled and gone: a later, new delivery is queued again
    engine.dispose()
