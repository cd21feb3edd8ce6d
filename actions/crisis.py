"""The crisis safety net (phrase patterns) and the emergency contacts for where the person is now."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from knowledge_base.yaml_io import load_yaml

CRISIS_TERMS = Path(__file__).resolve().parent.parent / "nlu" / "crisis_terms.yml"
CONTACTS_DIR = Path(__file__).resolve().parent.parent / "knowledge_base" / "crisis_contacts"


class CrisisDetector:
    """Matches a message against every language's crisis patterns.

    Every language is checked whatever the user's setting, because people mix languages
    ("my husband ضربني"). It backs up the intent classifier: recall matters more than precision.
    """

    def __init__(self, patterns: list[re.Pattern[str]]) -> None:
        self._patterns = patterns

    @classmethod
    def load(cls, path: Path = CRISIS_TERMS) -> "CrisisDetector":
        """Compile the patterns of nlu/crisis_terms.yml."""
        data = load_yaml(path.read_text(encoding="utf-8")) or {}
        patterns = [re.compile(p, re.IGNORECASE | re.UNICODE) for lang in data.values() for p in lang or []]
        return cls(patterns)

    def matches(self, text: str) -> bool:
        """True when the text contains any crisis phrase."""
        return any(p.search(text) for p in self._patterns)


@dataclass(frozen=True)
class Contact:
    """One emergency or support line."""

    name: dict[str, str]
    phone: str
    when: dict[str, str]


@dataclass(frozen=True)
class CrisisContacts:
    """The contacts of one programme location."""

    location: str
    status: str
    contacts: tuple[Contact, ...]

    @classmethod
    def load(cls, name: str, folder: Path = CONTACTS_DIR) -> "CrisisContacts":
        """Read `folder/<name>.yml`."""
        data = load_yaml((folder / f"{name}.yml").read_text(encoding="utf-8"))
        contacts = tuple(
            Contact(name=_per_language(c["name"]), phone=str(c["phone"]), when=_per_language(c.get("when", "")))
            for c in data["contacts"]
        )
        if not contacts:
            raise ValueError(f"{folder / name}.yml lists no contacts")
        return cls(location=str(data.get("location", name)), status=str(data.get("status", "")), contacts=contacts)

    def render(self, language: str) -> str:
        """The contacts as lines for a message, in the user's language where the file has it."""
        lines = []
        for c in self.contacts:
            name = c.name.get(language) or c.name.get("en", "")
            when = c.when.get(language) or c.when.get("en", "")
            lines.append(f"☎ {c.phone} — {name}" + (f" ({when})" if when else ""))
        return "\n".join(lines)


def _per_language(value: object) -> dict[str, str]:
    if isinstance(value, dict):
        return {str(k): str(v) for k, v in value.items()}
    return {"en": str(value)}
