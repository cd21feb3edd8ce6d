"""Which language a message is written in, so a person whose interface is English but who writes
in Dari is answered from Dari content (the interface language itself never changes without asking)."""

from __future__ import annotations

from functools import lru_cache

from lingua import Language, LanguageDetector, LanguageDetectorBuilder

_LINGUA = {Language.ENGLISH: "en", Language.FRENCH: "fr", Language.ARABIC: "ar", Language.PERSIAN: "fa",
           Language.UKRAINIAN: "uk", Language.RUSSIAN: "uk"}  # many Ukrainians write Russian: Ukrainian content
# Scripts tell Arabic, Dari and Ukrainian apart reliably even in two words; English and French
# share one script, so a Latin message switches away from the interface language only when sure.
SURE_OTHER_SCRIPT = 0.6
SURE_LATIN = 0.9


@lru_cache(maxsize=1)
def _detector() -> LanguageDetector:
    return LanguageDetectorBuilder.from_languages(*_LINGUA).with_preloaded_language_models().build()


def detect_language(text: str, interface: str | None) -> str:
    """The language to search in: the message's own when clear, else the interface language (or English)."""
    fallback = interface or "en"
    if not any(c.isalpha() for c in text):
        return fallback
    values = _detector().compute_language_confidence_values(text)
    if not values:
        return fallback
    best = values[0]
    language = _LINGUA[best.language]
    if language == fallback:
        return fallback
    letters = [c for c in text if c.isalpha()]
    latin = sum(c.isascii() or "\u00c0" <= c <= "\u024f" for c in letters) / len(letters)
    if fallback not in ("en", "fr") and latin > 0.7:
        # Latin letters from someone whose interface is Arabic, Dari or Ukrainian: English or French content.
        return "fr" if language == "fr" and best.value >= SURE_LATIN else "en"
    sure = SURE_LATIN if language in ("en", "fr") else SURE_OTHER_SCRIPT
    return language if best.value >= sure else fallback


def preload() -> None:
    """Load the language models now (under a second) rather than on the first message."""
    _detector()
