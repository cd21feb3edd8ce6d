"""Deletion reaches every copy: a changed key, the trainers' group posts, closed tickets; and who reads tickets."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select

from handoff.queue import close, open_ticket, record_group_message
from privacy.forget import SCRUBBED, Privacy
from core.settings import Settings
from privacy.tracker_store import TrackerStore
from storage.db import make_engine, make_sessionmaker
from storage.models import GroupMessage, LoggedQuestionRow, Ticket, User
from tests.support.helpers import until
from tests.support.bot import onboard, running_bot

pytestmark = [pytest.mark.rasa, pytest.mark.slow]

GROUP = -100888
TRAINER = 907


def shared_stores(pipeline_settings: Settings) -> dict[str, object]:
    """The bot on the pipeline's own database and tracker store, so /forget can be checked on everything."""
    return {"database_url": pipeline_settings.resolved_database_url(),
            "tracker_store_url": pipeline_settings.resolved_tracker_store_url(),
            "trainer_chat_id": GROUP, "trainer_ids": [TRAINER], "desk_tick_seconds": 0.05}


def edited_to_deleted(fake, message_id: int) -> bool:  # noqa: ANN001
    return any(e.get("message_id") == message_id and "deleted" in str(e.get("text", ""))
               for e in fake.sent("editMessageText", GROUP))


def test_forget_after_the_key_changed_still_deletes_everything_and_redacts_the_group(
        pipeline_settings: Settings, tmp_path: Path) -> None:
    uid = 77310
    overrides = shared_stores(pipeline_settings)

    async def first_run() -> tuple[str, list[int]]:
        async with running_bot(pipeline_settings, tmp_path, **overrides) as (fake, engine):
            await onboard(fake, uid, "CA-en")
            fake.send_text(uid, "how do I open a bank account")
            fake.send_text(uid, "when is my flight, case 123-45")
            await until(lambda: len(fake.sent("sendMessage", GROUP)) >= 1)
            with make_sessionmaker(engine).begin() as s:
                who = s.scalar(select(User.pseudonym).where(User.telegram_id == uid))
            return who, [p["_message_id"] for p in fake.sent("sendMessage", GROUP)]

    who, posts = asyncio.run(first_run())
    engine = make_engine(pipeline_settings.resolved_database_url())
    store = TrackerStore.from_url(pipeline_settings.resolved_tracker_store_url())
    try:
        with make_sessionmaker(engine).begin() as s:
            assert s.scalar(select(func.count()).select_from(Ticket).where(Ticket.pseudonym == who)) == 1
            assert s.scalar(select(func.count()).select_from(LoggedQuestionRow).where(LoggedQuestionRow.pseudonym == who)) >= 1
        assert store.count(who) > 0

        # The key file is replaced (lost, or rotated by mistake): recomputed pseudonyms no longer match.
        (tmp_path / "pseudonym.key").write_text("f" * 64, encoding="ascii")

        async def second_run() -> None:
            async with running_bot(pipeline_settings, tmp_path, **overrides) as (fake, _):
                fake.send_text(uid, "/forget")
                await fake.wait_for(1, chat_id=uid)
                fake.press(uid, "safar:forget:yes")
                await until(lambda: any(t.startswith("Done. Everything about you") for t in fake.texts(uid)))
                # The group's copy of the ticket is edited to say the data was deleted.
                await until(lambda: edited_to_deleted(fake, posts[0]), timeout=10)

        asyncio.run(second_run())
        with make_sessionmaker(engine).begin() as s:
            assert s.scalar(select(func.count()).select_from(Ticket).where(Ticket.pseudonym == who)) == 0
            assert s.scalar(select(func.count()).select_from(LoggedQuestionRow).where(LoggedQuestionRow.pseudonym == who)) == 0
            assert s.scalar(select(func.count()).select_from(User).where(User.telegram_id == uid)) == 0
            assert s.scalar(select(func.count()).select_from(GroupMessage).where(GroupMessage.message_id.in_(posts))) == 0
        assert store.count(who) == 0
    finally:
        store.dispose()
        engine.dispose()


def test_retention_scrubs_closed_tickets_and_redacts_their_group_posts(pipeline_settings: Settings, tmp_path: Path) -> None:
    async def journey() -> None:
        async with running_bot(pipeline_settings, tmp_path, trainer_chat_id=GROUP, trainer_ids=[TRAINER],
                               desk_tick_seconds=0.05) as (fake, engine):
            sessions = make_sessionmaker(engine)
            long_ago = datetime.now(timezone.utc) - timedelta(days=45)
            with sessions.begin() as s:
                old = open_ticket(session=s, pseudonym="p-old", chat_id=5501, question="my landlord Omar keeps my deposit",
                                  reason="case_specific", now=long_ago).ticket
                recent = open_ticket(session=s, pseudonym="p-new", chat_id=5502, question="school for my son Ali",
                                     reason="case_specific").ticket
                old_id, recent_id = old.id, recent.id
            await until(lambda: len(fake.sent("sendMessage", GROUP)) >= 2)  # the desk posts both
            with sessions.begin() as s:
                from handoff.queue import claim
                claim(session=s, ticket_id=old_id, trainer_id=TRAINER, now=long_ago)
                close(session=s, ticket_id=old_id, trainer_id=TRAINER, now=long_ago)
                posted = {t.id: t.posted_message_id for t in s.scalars(select(Ticket))}
                record_group_message(session=s, ticket_id=old_id, chat_id=GROUP, message_id=424242)  # a relay

            privacy = Privacy.from_settings(Settings(_env_file=None, var_dir=tmp_path,
                                                     database_url=f"sqlite:///{tmp_path / 'bot.db'}"), sessions)
            privacy.purge(datetime.now(timezone.utc))
            await until(lambda: edited_to_deleted(fake, posted[old_id]) and edited_to_deleted(fake, 424242), timeout=10)
            assert not edited_to_deleted(fake, posted[recent_id])
            with sessions.begin() as s:
                scrubbed = s.get(Ticket, old_id)
                assert scrubbed.question == SCRUBBED and scrubbed.closed_at is not None  # figures stay, words go
                assert s.get(Ticket, recent_id).question == "school for my son Ali"
    asyncio.run(journey())


def test_someone_who_is_not_a_trainer_joining_the_group_is_announced(pipeline_settings: Settings, tmp_path: Path) -> None:
    async def journey() -> None:
        async with running_bot(pipeline_settings, tmp_path, trainer_chat_id=GROUP, trainer_ids=[TRAINER]) as (fake, _):
            fake.join_group(GROUP, TRAINER, "Trainer")
            fake.join_group(GROUP, 5555, "Curious")
            await until(lambda: any("Curious" in p["text"] for p in fake.sent("sendMessage", GROUP)))
            await asyncio.sleep(0.5)
            warnings = [p["text"] for p in fake.sent("sendMessage", GROUP)]
            assert len(warnings) == 1 and "not in SAFAR_TRAINER_IDS" in warnings[0] and "every ticket" in warnings[0]
    asyncio.run(journey())
