"""Client for Rasa's REST channel: one user message in, Rasa's replies out."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

import httpx


class RasaUnreachable(RuntimeError):
    """Rasa (or its action server) did not answer in time."""


@dataclass(frozen=True)
class Button:
    """A button Rasa asked for: its label and the payload sent back when pressed."""

    title: str
    payload: str


@dataclass
class Reply:
    """One message from Rasa, ready for a front end to render."""

    text: str = ""
    buttons: list[Button] = field(default_factory=list)
    custom: dict[str, Any] = field(default_factory=dict)


def parse_replies(raw: list[dict[str, Any]]) -> list[Reply]:
    """Turn the REST channel's JSON list into Reply objects; unknown keys go to `custom`."""
    replies: list[Reply] = []
    for item in raw:
        buttons = [
            Button(title=str(b.get("title", "")), payload=str(b.get("payload", "")))
            for b in item.get("buttons") or []
            if isinstance(b, dict)
        ]
        custom = item.get("custom") if isinstance(item.get("custom"), dict) else {}
        replies.append(Reply(text=str(item.get("text") or ""), buttons=buttons, custom=custom))
    return replies


class RasaClient:
    """Sends messages to Rasa's REST webhook with a timeout and a bounded number of retries."""

    def __init__(self, base_url: str, *, timeout: float, retries: int) -> None:
        self._base = base_url.rstrip("/")
        self._url = self._base + "/webhooks/rest/webhook"
        self._timeout = timeout
        self._retries = retries
        self._client = httpx.AsyncClient(timeout=timeout)

    async def send(self, sender: str, text: str, metadata: dict[str, Any] | None = None) -> list[Reply]:
        """Send one message as `sender`; raise RasaUnreachable after the retries are used up."""
        body = {"sender": sender, "message": text, "metadata": metadata or {}}
        last: Exception | None = None
        for attempt in range(self._retries + 1):
            try:
                resp = await self._client.post(self._url, json=body)
                if resp.status_code >= 500:
                    raise RasaUnreachable(f"Rasa answered HTTP {resp.status_code}")
                resp.raise_for_status()
                return parse_replies(resp.json())
            except (httpx.HTTPError, RasaUnreachable, ValueError) as exc:
                last = exc
                if attempt < self._retries:
                    await asyncio.sleep(0.3 * (attempt + 1))
        raise RasaUnreachable(str(last))

    async def set_slots(self, sender: str, slots: dict[str, str | None]) -> None:
        """Set slots on a conversation through Rasa's HTTP API (destination, language from the bot)."""
        url = f"{self._base}/conversations/{sender}/tracker/events"
        events = [{"event": "slot", "name": name, "value": value} for name, value in slots.items()]
        try:
            resp = await self._client.post(url, json=events)
            resp.raise_for_status()
        except httpx.HTTPError as exc:
            raise RasaUnreachable(str(exc)) from exc

    async def close(self) -> None:
        """Close the HTTP connection pool."""
        await self._client.aclose()
