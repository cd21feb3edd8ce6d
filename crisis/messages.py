"""The crisis texts (crisis/messages.yml) with the programme location's contacts filled in."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from crisis.contacts import CrisisContacts
from knowledge_base.yaml_io import load_yaml

MESSAGES = Path(__file__).resolve().parent / "messages.yml"
RTL = frozenset({"ar", "fa"})
RLM = "\u200f"  # Telegram lays a message out right-to-left only when it starts with an RTL character


@lru_cache(maxsize=1)
def _texts() -> dict[str, dict[str, str]]:
    return load_yaml(MESSAGES.read_text(encoding="utf-8"))


def _text(key: str, language: str | None) -> str:
    texts = _texts()[key]
    lang = language if language in texts else "en"
    return (RLM if lang in RTL else "") + texts[lang]


def crisis_reply(contacts: CrisisContacts, language: str | None) -> list[str]:
    """Calm words, the contacts, and that a trainer is told: three messages, in this order."""
    lang = language or "en"
    return [_text("opening", lang), contacts.render(lang), _text("followup", lang)]


def gentle_line(contacts: CrisisContacts, language: str | None) -> str:
    """One line with the emergency number, added to an ordinary answer after a weak crisis guess."""
    emergency = contacts.emergency
    lang = language or "en"
    name = emergency.name.get(lang) or emergency.name.get("en", "")
    return _text("gentle", lang).format(phone=emergency.phone, name=name)
