"""Talking to the running Rasa pipeline directly, as the bot does."""

from __future__ import annotations

import asyncio

from bot.rasa_client import RasaClient, Reply
from core.settings import Settings


def converse(settings: Settings, sender: str, texts: list[str], country: str | None, language: str = "en") -> list[list[Reply]]:
    async def go() -> list[list[Reply]]:
        client = RasaClient(settings.rasa_url, timeout=30, retries=0)
        try:
            await client.set_slots(sender, {"country": country, "language": language})
            return [await client.send(sender, t, {"country": country, "language": language}) for t in texts]
        finally:
            await client.close()
    return asyncio.run(go())


def facts(replies: list[Reply]) -> dict:
    found = [r.custom["safar"] for r in replies if "safar" in r.custom]
    assert len(found) == 1
    return found[0]
