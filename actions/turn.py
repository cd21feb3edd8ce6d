"""What an action needs to know about the current message, read once from the tracker."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from rasa_sdk import Tracker

from core.vocabulary import COUNTRIES, LANGUAGES


@dataclass(frozen=True)
class Turn:
    """The user's message with destination, language, intent and entities."""

    sender: str  # a pseudonym (the bot never sends Telegram ids to Rasa)
    text: str
    intent: str
    confidence: float
    country: str | None
    language: str
    entities: dict[str, str] = field(default_factory=dict)
    slots: dict[str, Any] = field(default_factory=dict)
    ranking: tuple[tuple[str, float], ...] = ()  # the classifier's intents before any fallback
    source: str = "bot"  # "replay" for `safar ask` / `safar replay` traffic (kept out of the report)
    crisis: str = "clear"  # the crisis detector's verdict, read once per message by SafarAction.run

    @property
    def best_guess(self) -> str | None:
        """The classifier's top intent even when the fallback took over."""
        return self.ranking[0][0] if self.ranking else None

    @classmethod
    def from_tracker(cls, tracker: Tracker) -> "Turn":
        """Read the turn; the message's metadata (set by the bot per message) wins over slots."""
        latest = tracker.latest_message or {}
        metadata = latest.get("metadata") or {}
        intent = latest.get("intent") or {}
        entities = {e.get("entity"): str(e.get("value")) for e in latest.get("entities") or [] if e.get("entity")}
        country = _known(metadata.get("country") or tracker.get_slot("country"), COUNTRIES)
        language = _known(metadata.get("language") or tracker.get_slot("language"), LANGUAGES) or "en"
        return cls(
            sender=tracker.sender_id,
            text=str(latest.get("text") or ""),
            intent=str(intent.get("name") or ""),
            confidence=float(intent.get("confidence") or 0.0),
            country=country,
            language=language,
            entities=entities,
            slots=dict(tracker.current_slot_values()),
            ranking=tuple(
                (str(r.get("name")), float(r.get("confidence") or 0.0))
                for r in latest.get("intent_ranking") or []
                if r.get("name") and r.get("name") != "nlu_fallback"
            ),
            source="replay" if metadata.get("source") == "replay" else "bot",
        )


def _known(value: object, allowed: tuple[str, ...]) -> str | None:
    if not isinstance(value, str):
        return None
    value = value.strip()
    for option in allowed:
        if value.lower() == option.lower():
            return option
    return None

