"""Fitting text into Telegram messages (4096 characters at most)."""

from __future__ import annotations

TELEGRAM_LIMIT = 4096


def split_text(text: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Split a long reply at paragraph or line breaks so each part fits one Telegram message."""
    parts: list[str] = []
    while len(text) > limit:
        cut = max(text.rfind("\n\n", 0, limit), text.rfind("\n", 0, limit), text.rfind(" ", 0, limit))
        cut = cut if cut > 0 else limit
        parts.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    return [*parts, text] if text else parts


def clip(text: str, limit: int) -> str:
    """At most `limit` characters, marked when cut."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
