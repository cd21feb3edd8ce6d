"""Client for Rasa's REST channel: one user message in, Rasa's replies out."""

from __future__ import annotations

import asyncio
import zlib
from collections.abc import Sequence
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
    """Sends messages to Rasa's REST webhook with a timeout and a bounded number of retries.

    Given several Rasa servers (sharing one tracker store and a Redis lock store), a user's messages
    go to the same server while it answers, and fail over to the next one when it does not.
    """

    def __init__(self, base_url: str | Sequence[str], *, timeout: float, retries: int, token: str | None = None) -> None:
        urls = [base_url] if isinstance(base_url, str) else list(base_url)
        if not urls:
            raise ValueError("RasaClient needs at least one Rasa server URL")
        self._bases = [u.rstrip("/") for u in urls]
        self._timeout = timeout
        self._retries = retries
        self._api_params = {"token": token} if token else {}  # Rasa's HTTP API; the REST webhook needs none
        self._client = httpx.AsyncClient(timeout=timeout)

    def servers_for(self, sender: str) -> list[str]:
        """The servers to try for this user, their usual one first (a stable hash, not Python's salted one)."""
        start = zlib.crc32(sender.encode()) % len(self._bases)
        return self._bases[start:] + self._bases[:start]

    def _attempts(self, sender: str) -> list[str]:
        servers = self.servers_for(sender)
        # Every server once, plus the configured retries, going round the list.
        return [servers[i % len(servers)] for i in range(len(servers) + self._retries)]

    async def send(self, sender: str, text: str, metadata: dict[str, Any] | None = None) -> list[Reply]:
        """Send one message as `sender`; raise RasaUnreachable after the retries are used up."""
        body = {"sender": sender, "message": text, "metadata": metadata or {}}
        last: Exception | None = None
        attempts = self._attempts(sender)
        for attempt, base in enumerate(attempts):
            try:
                resp = await self._client.post(base + "/webhooks/rest/webhook", json=body)
                if resp.status_code >= 500:
                    raise RasaUnreachable(f"Rasa answered HTTP {resp.status_code}")
                resp.raise_for_status()
                return parse_replies(resp.json())
            except (httpx.HTTPError, RasaUnreachable, ValueError) as exc:
                last = exc
                # The next server at once; back off only before going round the list again.
                if attempt + 1 < len(attempts) and attempt + 1 >= len(self._bases):
                    await asyncio.sleep(0.3 * (attempt + 2 - len(self._bases)))
        raise RasaUnreachable(str(last))

    async def set_slots(self, sender: str, slots: dict[str, str | None]) -> None:
        """Set slots on a conversation through Rasa's HTTP API (destination, language from the bot)."""
        events = [{"event": "slot", "name": name, "value": value} for name, value in slots.items()]
        last: Exception | None = None
        for base in self.servers_for(sender):
            try:
                resp = await self._client.post(f"{base}/conversations/{sender}/tracker/events", json=events,
                                               params=self._api_params)
                resp.raise_for_status()
                return
            except httpx.HTTPError as exc:
                last = exc
        raise RasaUnreachable(str(last))

    async def close(self) -> None:
        """Close the HTTP connection pool."""
        await self._client.aclose()
