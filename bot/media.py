"""What a message holds besides text: a voice note, audio, a video note, a video, a photo or a file."""

from __future__ import annotations

from telegram import Message

from core.vocabulary import MEDIA_KINDS


def media_of(message: Message) -> tuple[str, int | None] | None:
    """The media kind of a message and its size in bytes (None when Telegram did not say); None for
    text, stickers, locations and everything else a trainer is not asked to open."""
    for kind in MEDIA_KINDS:
        item = getattr(message, kind, None)
        if kind == "photo" and item:
            item = item[-1]  # Telegram lists a photo's sizes, smallest first
        if item:
            return kind, getattr(item, "file_size", None)
    return None
