"""The crisis path cannot fail: the real bot, the fake Bot API, and each fault injected for real.

A person who writes that they are at risk gets the programme location's contacts within 5 s
before consent, with Rasa frozen (SIGSTOP) or killed, with the action server killed, with the
ticket table unavailable, and while a trainer holds their ticket; trainers get an urgent post
once the database takes the ticket.
"""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, text

from core.settings import REPO_ROOT, Settings
from storage.db import make_engine, make_sessionmaker
from storage.migrate import upgrade_to_head
from storage.models import Ticket
from tests.support.fake_telegram import FakeTelegram
from tests.support.helpers import free_port, until
from tests.support.bot import onboard, running_bot

pytestmark = [pytest.mark.rasa, pytest.mark.slow]

GROUP = -100777
TRAINER = 905
EMERGENCY = "☎ 911"  # the sample programme location's first contact
CONTACTS_WITHIN = 5.0  # seconds: the promise of the crisis path


def desk(**extra: object) -> dict[str, object]:
    return {"trainer_chat_id": GROUP, "trainer_ids": [TRAINER], "desk_tick_seconds": 0.05,
            "rasa_timeout_seconds": 3, "rasa_retries": 0, **extra}


def got_contacts(fake: FakeTelegram, uid: int, after: int = 0) -> bool:
    return any(EMERGENCY in t for t in fake.texts(uid)[after:])


def urgent_posts(fake: FakeTelegram) -> list[str]:
    return [p["text"] for p in fake.sent("sendMessage", GROUP) if p["text"].startswith("🆘 URGENT #")]


def urgent_tickets(engine) -> list[Ticket]:  # noqa: ANN001
    with make_sessionmaker(engine).begin() as s:
        return list(s.scalars(select(Ticket).where(Ticket.priority == "urgent", Ticket.reason == "crisis")))


@pytest.fixture(scope="module")
def own_pipeline(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Settings, object]]:
    """A Rasa and an action server of this module's own, so the tests may freeze and kill them."""
    from safar.rasa_env import RASA_BIN, model_path
    from safar.processes import child_env, pipeline_specs
    from safar.supervisor import Supervisor

    var = tmp_path_factory.mktemp("crisis-pipeline")
    settings = Settings(_env_file=None, var_dir=var, index_dir=REPO_ROOT / "var" / "index",
                        rasa_port=free_port(), action_port=free_port())
    if not RASA_BIN.exists() or not model_path(settings).exists():
        pytest.skip("Rasa environment or model missing; `make test` prepares them")
    engine = make_engine(settings.resolved_database_url())
    upgrade_to_head(engine)
    engine.dispose()
    env = {**child_env(), "SAFAR_INDEX_DIR": str(settings.index_dir), "SAFAR_VAR_DIR": str(var)}
    supervisor = Supervisor()
    for spec in pipeline_specs(settings, log=True, env=env):
        supervisor.start(spec)
    try:
        supervisor.wait_ready(240)
        yield settings, supervisor
    finally:
        for item in supervisor.running:  # a frozen process must be woken to stop
            try:
                os.killpg(item.proc.pid, signal.SIGCONT)
            except ProcessLookupError:
                pass
        supervisor.stop()


def _group_of(supervisor, name: str) -> int:  # noqa: ANN001
    return next(r.proc.pid for r in supervisor.running if r.spec.name.startswith(name))


def test_crisis_before_consent_gets_the_contacts_then_an_urgent_ticket(pipeline_settings: Settings, tmp_path: Path) -> None:
    async def journey() -> None:
        async with running_bot(pipeline_settings, tmp_path, **desk()) as (fake, engine):
            fake.send_text(71, "/start NO-en")
            await fake.wait_for(2, chat_id=71)  # welcome and the privacy notice, not accepted
            fake.send_text(71, "i dont want to live anymore")
            await until(lambda: got_contacts(fake, 71), timeout=CONTACTS_WITHIN)
            texts = fake.texts(71)[2:]
            assert texts[0].startswith("I am very sorry") and "trainer" in texts[2]
            assert not any("I agree" in t or "Before we start" in t for t in texts)  # contacts, not the notice
            await until(lambda: len(urgent_posts(fake)) == 1)
            assert "i dont want to live anymore" in urgent_posts(fake)[0]
            assert len(urgent_tickets(engine)) == 1
    asyncio.run(journey())


def test_crisis_in_arabic_and_dari_with_the_interface_in_english(pipeline_settings: Settings, tmp_path: Path) -> None:
    async def journey() -> None:
        async with running_bot(pipeline_settings, tmp_path, **desk()) as (fake, engine):
            await onboard(fake, 72, "DE-en")
            for uid, message, language in ((72, "أريد أن أموت", "en"), (73, "شوهرم هر شب مرا لت و کوب می‌کند", "fa")):
                n = len(fake.texts(uid))
                fake.send_text(uid, message, language=language)
                await until(lambda: got_contacts(fake, uid, n), timeout=CONTACTS_WITHIN)
            assert any("اورژانس" in t for t in fake.texts(73))  # the contacts in Telegram's language, before any setting
    asyncio.run(journey())


def test_contacts_arrive_with_rasa_frozen_killed_and_the_action_server_killed(own_pipeline, tmp_path: Path) -> None:
    settings, supervisor = own_pipeline

    async def journey() -> None:
        async with running_bot(settings, tmp_path, **desk()) as (fake, engine):
            for uid in (81, 82, 83):
                await onboard(fake, uid, "CA-en")

            # Rasa frozen: the process is there, the port accepts, nothing answers.
            rasa_pid = _group_of(supervisor, "rasa")
            os.killpg(rasa_pid, signal.SIGSTOP)
            try:
                n = len(fake.texts(81))
                fake.send_text(81, "my husband beats me every night")
                await until(lambda: got_contacts(fake, 81, n), timeout=CONTACTS_WITHIN)
                # An ordinary question meanwhile gets an honest reply (Rasa's timeout), and still no contacts.
                fake.send_text(81, "how do I open a bank account")
                await until(lambda: len(fake.texts(81)) > n + 3, timeout=15)
                assert not got_contacts(fake, 81, n + 3)
            finally:
                os.killpg(rasa_pid, signal.SIGCONT)

            # The action server killed: Rasa answers, but its actions cannot run.
            os.killpg(_group_of(supervisor, "action"), signal.SIGKILL)
            n = len(fake.texts(82))
            fake.send_text(82, "they took my passport and i cant leave the farm")
            await until(lambda: got_contacts(fake, 82, n), timeout=CONTACTS_WITHIN)

            # Rasa killed.
            os.killpg(rasa_pid, signal.SIGKILL)
            n = len(fake.texts(83))
            fake.send_text(83, "my baby is not breathing")
            await until(lambda: got_contacts(fake, 83, n), timeout=CONTACTS_WITHIN)

            await until(lambda: len(urgent_tickets(engine)) == 3)
            await until(lambda: len(urgent_posts(fake)) >= 3)
    asyncio.run(journey())


def test_a_ticket_that_cannot_be_saved_still_gives_contacts_and_the_alert_follows(pipeline_settings: Settings,
                                                                                 tmp_path: Path) -> None:
    async def journey() -> None:
        async with running_bot(pipeline_settings, tmp_path, **desk()) as (fake, engine):
            await onboard(fake, 91, "AU-en")
            # The ticket table is taken away: every ticket write fails with a database error.
            with engine.begin() as conn:
                conn.execute(text("ALTER TABLE tickets RENAME TO tickets_away"))
            n = len(fake.texts(91))
            fake.send_text(91, "someone is hitting me with a knife")
            await until(lambda: got_contacts(fake, 91, n), timeout=CONTACTS_WITHIN)
            # The group hears at once that an urgent ticket is coming; no ticket exists yet.
            await until(lambda: any("database is not available" in p["text"] for p in fake.sent("sendMessage", GROUP)))
            assert not urgent_posts(fake)
            await asyncio.sleep(1.0)
            assert not any("Sorry" in t for t in fake.texts(91)[n:])  # no generic apology instead of help

            with engine.begin() as conn:  # the database is back
                conn.execute(text("ALTER TABLE tickets_away RENAME TO tickets"))
            await until(lambda: len(urgent_posts(fake)) == 1, timeout=20)
            assert "someone is hitting me" in urgent_posts(fake)[0]
            assert len(urgent_tickets(engine)) == 1
            told = [p for p in fake.sent("sendMessage", GROUP) if "database is not available" in p["text"]]
            assert len(told) == 1  # told once, not on every retry
    asyncio.run(journey())


def test_a_held_ticket_gets_the_contacts_and_an_urgent_post_to_the_whole_group(pipeline_settings: Settings,
                                                                              tmp_path: Path) -> None:
    async def journey() -> None:
        async with running_bot(pipeline_settings, tmp_path, **desk()) as (fake, engine):
            await onboard(fake, 95, "US-en")
            fake.send_text(95, "when is my flight, case 123-45")
            await until(lambda: len(fake.sent("sendMessage", GROUP)) >= 1)
            post = fake.sent("sendMessage", GROUP)[0]
            ticket_id = int(post["text"].split("#")[1].split()[0])
            fake.press_in_group(GROUP, TRAINER, f"safar:t:claim:{ticket_id}", post["_message_id"])
            await until(lambda: any("It is yours" in c.get("text", "") for c in fake.sent("answerCallbackQuery")))

            n = len(fake.texts(95))
            fake.send_text(95, "I want to kill myself")
            await until(lambda: got_contacts(fake, 95, n), timeout=CONTACTS_WITHIN)
            await until(lambda: len(urgent_posts(fake)) == 1)
            assert f"#{ticket_id}" in urgent_posts(fake)[0] and "I want to kill myself" in urgent_posts(fake)[0]
            assert not any(p["text"].startswith(f"Migrant on #{ticket_id}") for p in fake.sent("sendMessage", GROUP))
            with make_sessionmaker(engine).begin() as s:
                ticket = s.get(Ticket, ticket_id)
                assert ticket.priority == "urgent" and ticket.claimed_by == TRAINER
    asyncio.run(journey())


def test_health_reports_the_bot_and_its_desk_loop(pipeline_settings: Settings, tmp_path: Path) -> None:
    from datetime import datetime, timedelta, timezone

    from safar.health import bot_checks

    heartbeat = tmp_path / "run" / "bot-heartbeat.json"
    missing = bot_checks(heartbeat, 0.05)
    assert [c.ok for c in missing] == [False, False] and "not running" in missing[0].detail

    async def journey() -> None:
        async with running_bot(pipeline_settings, tmp_path, **desk()) as (fake, engine):
            await until(lambda: heartbeat.exists())
            await asyncio.sleep(0.3)
            checks = bot_checks(heartbeat, 0.05)
            assert [(c.part, c.ok) for c in checks] == [("bot", True), ("desk loop", True)], checks
    asyncio.run(journey())
    # Ten minutes later with no new heartbeat: the bot is reported stuck, with what to do.
    later = bot_checks(heartbeat, 0.05, now=datetime.now(timezone.utc) + timedelta(minutes=10))
    assert [c.ok for c in later] == [False, False] and "restart it" in later[0].detail


def test_with_rasa_down_the_bots_reader_catches_a_crisis_no_pattern_spells(pipeline_settings: Settings,
                                                                          tmp_path: Path) -> None:
    """Nothing listens where Rasa should be; the message is Latin-letter Dari that no pattern spells."""
    async def journey() -> None:
        async with running_bot(pipeline_settings, tmp_path, **desk(rasa_port=9)) as (fake, engine):
            await onboard(fake, 74, "CA-fa")
            n = len(fake.texts(74))
            fake.send_text(74, "man dige tahamol nadaram, mikham khodamo bekosham", language="fa")
            await until(lambda: got_contacts(fake, 74, n), timeout=CONTACTS_WITHIN)
            await until(lambda: len(urgent_posts(fake)) == 1)
            assert len(urgent_tickets(engine)) == 1
    asyncio.run(journey())
