"""`safar ask` and `safar replay`: messages through the whole pipeline (Rasa + actions), as new conversations."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from bot.rasa_client import RasaClient, Reply
from safar.processes import model_loaded, pipeline_specs
from core.settings import Settings
from safar.supervisor import Supervisor, answers


@contextmanager
def pipeline(settings: Settings) -> Iterator[None]:
    """Use the running Rasa and action servers, or start both and stop them afterwards."""
    if answers(settings.rasa_status_url(settings.rasa_url), model_loaded) and answers(f"{settings.action_url}/health"):
        yield
        return
    from safar.prepare import prepare_all, say

    prepare_all(settings)
    specs = pipeline_specs(settings, log=True)
    supervisor = Supervisor(settings.host)
    supervisor.check_ports(specs)
    try:
        for spec in specs:
            supervisor.start(spec)
        say("Starting Rasa and the action server for this run (about 20 s) ...")
        supervisor.wait_ready(settings.startup_timeout_seconds)
        yield
    finally:
        supervisor.stop()


@dataclass
class Outcome:
    """One message's result, as `safar replay` writes it."""

    route: str
    intent: str | None
    confidence: float | None
    passages: list[dict[str, Any]]
    reply: str
    logged_text: str | None
    seconds: float
    handoff: dict[str, Any] | None
    buttons: list[str]
    gentle: bool = False  # an ordinary answer with one line of emergency numbers (a weak crisis guess)

    def as_json(self) -> dict[str, Any]:
        """The contract fields (plus timing)."""
        return {"route": self.route, "passages": self.passages, "intent": self.intent, "confidence": self.confidence,
                "reply": self.reply, "logged_text": self.logged_text, "handoff": self.handoff,
                "buttons": self.buttons, "gentle": self.gentle, "seconds": round(self.seconds, 3)}


def summarise(replies: list[Reply], seconds: float) -> Outcome:
    """Fold Rasa's replies into one outcome: the visible text, and the structured message's facts."""
    facts: dict[str, Any] = {}
    for r in replies:
        if isinstance(r.custom.get("safar"), dict):
            facts = r.custom["safar"]
    text = "\n\n".join(r.text for r in replies if r.text)
    return Outcome(
        route=str(facts.get("route") or "smalltalk"), intent=facts.get("intent"), confidence=facts.get("confidence"),
        passages=list(facts.get("passages") or []), reply=text, logged_text=facts.get("logged_text"),
        seconds=seconds, handoff=facts.get("handoff"), buttons=[b.title for r in replies for b in r.buttons],
        gentle=bool(facts.get("gentle")),
    )


async def ask_many(settings: Settings, items: list[dict[str, Any]]) -> list[Outcome]:
    """Send each item as the first message of a new conversation; return outcomes in order."""
    client = RasaClient(settings.rasa_url, timeout=max(30.0, settings.rasa_timeout_seconds), retries=0,
                        token=settings.rasa_token_value())
    out: list[Outcome] = []
    try:
        for item in items:
            sender = f"cli-{uuid.uuid4().hex[:16]}"
            country = (item.get("country") or "").upper() or None
            language = (item.get("language") or "en").lower()
            start = time.perf_counter()
            await client.set_slots(sender, {"country": country, "language": language})
            # "replay" keeps this traffic out of the curriculum report (the log still shows what it stores).
            replies = await client.send(sender, str(item["text"]),
                                        {"country": country, "language": language, "source": "replay"})
            out.append(summarise(replies, time.perf_counter() - start))
    finally:
        await client.close()
    return out


def ask(settings: Settings, items: list[dict[str, Any]]) -> list[Outcome]:
    """Run items through the pipeline, starting servers when none are running."""
    with pipeline(settings):
        return asyncio.run(ask_many(settings, items))


def read_jsonl(lines: list[str]) -> list[dict[str, Any]]:
    """Parse replay input; a bad line stops with its number and what is wrong."""
    items: list[dict[str, Any]] = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except ValueError as exc:
            raise ValueError(f"line {n} is not valid JSON ({exc.msg})") from exc
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            raise ValueError(f"line {n} needs a \"text\" string")
        items.append(item)
    return items
