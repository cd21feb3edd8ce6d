"""The gap report's words: numbers, shares, hours and moments formatted once, and names for ids."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

from insights.report_model import ReportData


# --------------------------------------------------------------------------------------------
# Small formatting helpers (also used by the template through the context)


def num(n: int | float) -> str:
    """A count with thousands separators."""
    return f"{n:,}"


def pct(part: float, whole: float) -> str:
    """A share as a whole percentage ("–" of nothing)."""
    return f"{part / whole:.0%}" if whole else "–"


def hours(h: float | None) -> str:
    """Hours with one decimal ("–" when unknown)."""
    return "–" if h is None else f"{h:.1f} h"


def when(moment: datetime) -> str:
    """A moment as people read it: 03 Dec 2026, 14:05 UTC."""
    text = f"{moment:%d %b %Y, %H:%M}"
    return f"{text} {moment.tzname()}" if moment.tzinfo else text


def largest_first(counts: Mapping[str, int]) -> list[tuple[str, int]]:
    """Items largest first (ties by key), so every listing of a dict reads the same way."""
    return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))


def joined(counts: Mapping[str, int]) -> str:
    """Counts as "CA:12;DE:3", the CSV form."""
    return ";".join(f"{k}:{v}" for k, v in largest_first(counts))


def clip(text: str, limit: int = 70) -> str:
    """One line of at most `limit` characters."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def sheet_safe(text: str) -> str:
    """Text a spreadsheet shows as text, never runs as a formula."""
    # User-derived text starting with = + - @ would run as a formula in a spreadsheet.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def language_name(code: str) -> str:
    """An English name for a language code ("ar" -> "Arabic"), or the code when Babel does not know it."""
    from babel import Locale, UnknownLocaleError

    try:
        name = Locale.parse(code.replace("-", "_")).get_display_name("en")
    except (UnknownLocaleError, ValueError, TypeError):
        return code
    return name or code


class Names:
    """Human names for the ids in one report."""

    def __init__(self, data: ReportData) -> None:
        self.labels = data.labels

    def country(self, code: str) -> str:
        """A country's name ("general" content is for every destination)."""
        if code == "general":
            return "All destinations (general)"
        return self.labels.countries.get(code, code)

    def countries(self, codes: Iterable[str]) -> str:
        """Country names as an English list: "Canada, Germany and Australia"."""
        names = [self.country(c) for c in codes]
        if len(names) <= 1:
            return "".join(names)
        return ", ".join(names[:-1]) + " and " + names[-1]

    def topic(self, topic: str) -> str:
        """A topic's title; questions no content came close to are "Not in the curriculum"."""
        if topic == "unknown":
            return self.labels.topics.get(topic, "Not in the curriculum")
        return self.labels.topics.get(topic, topic)

    def module(self, module: str) -> str:
        """A course module's title."""
        if module == "unknown":
            return self.labels.modules.get(module, "No module")
        return self.labels.modules.get(module, module)

    def module_of(self, topic: str) -> str:
        """The id of the module a topic belongs to (or "unknown")."""
        return self.labels.topic_module.get(topic, "unknown")
