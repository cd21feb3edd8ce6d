"""The conversation service shared by the Telegram bot and the console chat."""

from __future__ import annotations

import logging
import re
import time
from collections import OrderedDict
from dataclasses import dataclass
from collections.abc import Callable
from typing import TYPE_CHECKING

from bot.i18n import gettext
from bot.rasa_client import RasaClient, RasaUnreachable, Reply

if TYPE_CHECKING:
    from bot.metrics import BotMetrics

log = logging.getLogger(__name__)

MAX_MESSAGE_CHARS = 2000
SLOTS_FRESH_SECONDS = 3600.0
MAX_REMEMBERED = 50_000  # conversations whose slots are remembered (a few MB)
# Control characters (other than newline and tab) carry no meaning in a question and can upset
# tokenizers and logs downstream.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def clean(text: str) -> str:
    """Drop control and bidi-override characters, keep the words."""
    return _CONTROL.sub("", text).strip()


@dataclass
class UserMessage:
    """One user message with what is known about the user."""

    sender: str  # the pseudonym, never a Telegram id
    text: str
    country: str | None
    language: str | None


class Conversation:
    """Sends a user's message through Rasa and returns what to show, even when Rasa is down."""

    def __init__(self, rasa: RasaClient, metrics: BotMetrics | None = None,
                 safety_line: Callable[[str | None], str] | None = None) -> None:
        self._rasa = rasa
        self._metrics = metrics
        # The emergency number in the person's language, added whenever Rasa cannot read a message:
        # the phrase net runs without Rasa but catches only some of the ways people write that they
        # are in danger (docs/benchmarks.md), so nobody is left with "could not check" alone.
        self._safety_line = safety_line
        # What each conversation's slots were last set to, and when. Setting them costs Rasa a
        # tracker load, a schema check and a save per message, so it is done only when they change,
        # and again after SLOTS_FRESH_SECONDS (retention may have purged the stored conversation).
        self._slots: OrderedDict[str, tuple[tuple[str | None, str | None], float]] = OrderedDict()

    async def handle(self, turn: UserMessage) -> list[Reply]:
        """Route one message and return the replies to render, in order."""
        notices: list[Reply] = []
        message = clean(turn.text)
        if len(message) > MAX_MESSAGE_CHARS:
            message = message[:MAX_MESSAGE_CHARS]
            notices.append(Reply(text=gettext(turn.language, "Your message was very long, so I read only the first part.")))
        metadata = {"country": turn.country, "language": turn.language}
        started = time.perf_counter()
        try:
            # Slots drive the language of Rasa's own replies; the metadata backs up the actions.
            await self._set_slots(turn)
            replies = await self._rasa.send(turn.sender, message, metadata)
            if not any(r.text for r in replies):
                # Rasa answers 200 with nothing when a custom action failed (the action server is
                # down): for the person that is no answer at all.
                raise RasaUnreachable("Rasa answered with no message (its action server may be down)")
            if self._metrics is not None:
                self._metrics.rasa_seconds.observe(time.perf_counter() - started)
        except RasaUnreachable as exc:
            self._slots.pop(turn.sender, None)  # unknown whether they were stored: set them next time
            if self._metrics is not None:
                self._metrics.rasa_failures.inc()
            # No user data in the log line: only what failed.
            log.warning("Rasa did not answer (%s); telling the user", type(exc).__name__)
            down = gettext(turn.language, "I could not check that right now. A trainer will see your question and answer you here.")
            if self._safety_line is not None:
                down = f"{down}\n\n{self._safety_line(turn.language)}"
            return [*notices, Reply(text=down, custom={"safar": {"route": "handoff", "handoff": {
                "reason": "technical_failure", "priority": "normal", "question": message,
                "country": turn.country, "language": turn.language}}})]
        return [*notices, *replies]

    async def _set_slots(self, turn: UserMessage) -> None:
        wanted = (turn.country, turn.language)
        known = self._slots.get(turn.sender)
        now = time.monotonic()
        if known is not None and known[0] == wanted and now - known[1] < SLOTS_FRESH_SECONDS:
            return
        await self._rasa.set_slots(turn.sender, {"country": turn.country, "language": turn.language})
        self._slots[turn.sender] = (wanted, now)
        self._slots.move_to_end(turn.sender)
        while len(self._slots) > MAX_REMEMBERED:
            self._slots.popitem(last=False)

    def forget(self, sender: str) -> None:
        """Drop what is remembered about a conversation (after /forget deleted it in Rasa)."""
        self._slots.pop(sender, None)
