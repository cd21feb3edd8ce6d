"""The conversation service shared by the Telegram bot and the console chat."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.rasa_client import RasaClient, RasaUnreachable, Reply
from bot.texts import text

log = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 2000


@dataclass
class Turn:
    """One user message with what is known about the user."""

    sender: str  # the pseudonym, never a Telegram id
    text: str
    country: str | None
    language: str | None


class Conversation:
    """Sends a user's message through Rasa and returns what to show, even when Rasa is down."""

    def __init__(self, rasa: RasaClient) -> None:
        self._rasa = rasa

    async def handle(self, turn: Turn) -> list[Reply]:
        """Route one message and return the replies to render, in order."""
        notices: list[Reply] = []
        message = turn.text
        if len(message) > MAX_MESSAGE_CHARS:
            message = message[:MAX_MESSAGE_CHARS]
            notices.append(Reply(text=text("too_long", turn.language)))
        metadata = {"country": turn.country, "language": turn.language}
        try:
            # Slots drive the language of Rasa's own replies; the metadata backs up the actions.
            await self._rasa.set_slots(turn.sender, {"country": turn.country, "language": turn.language})
            replies = await self._rasa.send(turn.sender, message, metadata)
        except RasaUnreachable as exc:
            # No user data in the log line: only what failed.
            log.warning("Rasa did not answer (%s); telling the user", type(exc).__name__)
            return [*notices, Reply(text=text("rasa_down", turn.language))]
        return [*notices, *replies]
