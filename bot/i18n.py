"""The bot's own texts: gettext catalogues, msgid = the English text.

Migrants' texts are in bot/locales/<lang>.po (every interface language); the trainers' group texts
in bot/locales/desk/<lang>.po (the desk languages, SAFAR_DESK_LANGUAGE).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from babel.messages.pofile import read_po

from core.vocabulary import DESK_LANGUAGES, LANGUAGES

LOCALES = Path(__file__).resolve().parent / "locales"
RTL = frozenset({"ar", "fa"})
# Telegram shows a message right-to-left only when it starts with a right-to-left character; a
# message that begins with "/forget" or a number would otherwise be laid out left-to-right.
RLM = "\u200f"


@lru_cache(maxsize=None)
def _catalogue(language: str, domain: str = "") -> dict[str, str]:
    path = (LOCALES / domain if domain else LOCALES) / f"{language}.po"
    if not path.exists():
        return {}
    with open(path, "rb") as fh:
        catalogue = read_po(fh)
    return {str(m.id): str(m.string) for m in catalogue if m.id and m.string}


def _translate(lang: str, domain: str, message: str, values: dict[str, object]) -> str:
    text = _catalogue(lang, domain).get(message, message) if lang != "en" else message
    if values:
        text = text.format(**values)
    return RLM + text if lang in RTL else text


def gettext(language: str | None, message: str, **values: object) -> str:
    """`message` in `language` (English when untranslated), with {placeholders} filled in."""
    return _translate(language if language in LANGUAGES else "en", "", message, values)


def desk_gettext(language: str, message: str, **values: object) -> str:
    """A trainers' group text in the desk language (English when untranslated)."""
    return _translate(language if language in DESK_LANGUAGES else "en", "desk", message, values)


def supported(language_code: str | None) -> str | None:
    """The Safar language for a Telegram `language_code` such as "fr-CA", or None."""
    if not language_code:
        return None
    base = language_code.split("-")[0].lower()
    return {"prs": "fa"}.get(base, base) if base in (*LANGUAGES, "prs") else None
