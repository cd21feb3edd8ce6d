"""The crisis safety net: phrase patterns in every language, matched on folded text."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from crisis.translit import H_READINGS, cyrillic
from knowledge_base.yaml_io import load_yaml

if TYPE_CHECKING:
    from crisis.classifier import CrisisClassifier

PATTERNS = Path(__file__).resolve().parent / "patterns.yml"

# Spellings people mix freely: Arabic and Persian yeh/kaf, alef forms, taa marbuta, kashida,
# diacritics, and the three apostrophes Ukrainian keyboards produce. Folded in the text and in the
# patterns alike, so a pattern written one way matches every way of typing it.
_FOLD = str.maketrans({"ي": "ی", "ى": "ی", "ك": "ک", "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ة": "ه",
                       "ـ": None, "’": "'", "ʼ": "'", "`": "'", "‘": "'",
                       **{chr(0x0660 + i): str(i) for i in range(10)},  # Arabic-Indic digits
                       **{chr(0x06F0 + i): str(i) for i in range(10)}})  # Persian digits
_LATIN_WORD = re.compile(r"[a-z]{3}")
_CYRILLIC = re.compile(r"[а-яіїєґ]")
_MARKS = re.compile(r"[\u064b-\u065f\u0670\u06d6-\u06ed]")  # Arabic diacritics (harakat, shadda, ...)


def fold(text: str) -> str:
    """Lower case, NFC, Arabic/Persian letter variants, digits and apostrophes unified, diacritics dropped."""
    text = unicodedata.normalize("NFC", text).lower()
    return _MARKS.sub("", text.translate(_FOLD))


@dataclass(frozen=True)
class Match:
    """Which language's pattern fired, and which one (for the benchmark and the logs; no user text)."""

    language: str
    index: int


class CrisisDetector:
    """Matches a message against every language's crisis patterns.

    Every language is checked whatever the user's setting, because people mix languages
    ("my husband ضربني"). Recall comes first, but each pattern is written so that ordinary questions
    using the same words ("the law on domestic violence", "my phone died") do not fire:
    docs/benchmarks.md measures both on tests/data/crisis/. With a reader (crisis/classifier.py),
    a message the patterns miss is still a crisis when the reader is confident.
    """

    def __init__(self, patterns: list[tuple[str, int, re.Pattern[str]]], reader: "CrisisClassifier | None" = None,
                 threshold: float = 1.0) -> None:
        self._patterns = patterns
        self.reader = reader
        self.threshold = threshold
        # The Ukrainian patterns without soft signs, for Ukrainian typed in Latin letters (crisis/translit.py).
        self._translit = [(i, re.compile(p.pattern.replace("ь", ""), p.flags))
                          for lang, i, p in patterns if lang == "uk"]

    @classmethod
    def load(cls, path: Path = PATTERNS, reader: "CrisisClassifier | None" = None) -> "CrisisDetector":
        """Compile the patterns of crisis/patterns.yml (and read with `reader` too, when given)."""
        data = load_yaml(path.read_text(encoding="utf-8")) or {}
        for lang, patterns in data.items():
            for p in patterns or []:
                if re.search(r"\\[A-Z]", p):  # folding lower-cases the pattern: \S would become \s
                    raise ValueError(f"{path}: {lang}: write {p!r} without upper-case escapes (\\S, \\W, \\D, \\B)")
        compiled = [
            (str(lang), i, re.compile(fold(p), re.IGNORECASE | re.UNICODE))
            for lang, patterns in data.items() for i, p in enumerate(patterns or [])
        ]
        if reader is None:
            return cls(compiled)
        from crisis.classifier import THRESHOLD

        return cls(compiled, reader, THRESHOLD)

    def match(self, text: str) -> Match | None:
        """The first pattern that fires (on the text or its Cyrillic reading), else the confident reader, else None."""
        found = self.net_match(text)
        if found is None and self.reader is not None and self.reader.probability(text) >= self.threshold:
            return Match("reader", 0)
        return found

    def assess(self, text: str) -> str:
        """"crisis" (a pattern fires or the reader is confident), "unsure" (the reader leans to crisis), or "clear"."""
        if self.net_match(text) is not None:
            return "crisis"
        if self.reader is None:
            return "clear"
        from crisis.classifier import GENTLE

        probability = self.reader.probability(text)
        return "crisis" if probability >= self.threshold else "unsure" if probability >= GENTLE else "clear"

    def unsure(self, text: str) -> bool:
        """True when no pattern fires and the reader leans to crisis without being confident (one gentle line)."""
        return self.assess(text) == "unsure"

    def net_match(self, text: str) -> Match | None:
        """The first pattern that fires on the text (or on its Cyrillic reading when it is in Latin letters), or None."""
        folded = fold(text)
        for lang, i, pattern in self._patterns:
            if pattern.search(folded):
                return Match(lang, i)
        if _LATIN_WORD.search(folded) and not _CYRILLIC.search(folded):
            for h in H_READINGS:
                reading = cyrillic(folded, h)
                for i, pattern in self._translit:
                    if pattern.search(reading):
                        return Match("uk-latin", i)
        return None

    def matches(self, text: str) -> bool:
        """True when the text contains any crisis phrase."""
        return self.match(text) is not None
