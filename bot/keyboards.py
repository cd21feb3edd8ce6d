"""Inline keyboards: Rasa's buttons, the language and destination choices; Rasa's texts merged into few messages."""

from __future__ import annotations

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.rasa_client import Reply
from core.vocabulary import COUNTRIES, LANGUAGE_NAMES, LANGUAGES, country_name


def keyboard(reply: Reply) -> InlineKeyboardMarkup | None:
    """Rasa's buttons as an inline keyboard; the payload (an intent like /affirm) travels as callback data."""
    rows = [[InlineKeyboardButton(b.title, callback_data=b.payload[:64])] for b in reply.buttons if b.payload]
    return InlineKeyboardMarkup(rows) if rows else None


def merge_replies(replies: list[Reply]) -> list[tuple[str, InlineKeyboardMarkup | None]]:
    """Rasa's texts as few Telegram messages as possible: consecutive texts joined, a message ending
    where buttons are (they belong under the text that asks). One answer is one message instead of
    three: fewer notifications for the person, and a third of the calls against Telegram's limit."""
    merged: list[tuple[str, InlineKeyboardMarkup | None]] = []
    pending: list[str] = []
    for reply in replies:
        if reply.text:
            pending.append(reply.text)
        markup = keyboard(reply)
        if markup is not None and pending:
            merged.append(("\n\n".join(pending), markup))
            pending = []
    if pending:
        merged.append(("\n\n".join(pending), None))
    return merged


def language_keyboard() -> InlineKeyboardMarkup:
    """One button per language, each named in itself."""
    return InlineKeyboardMarkup([[InlineKeyboardButton(LANGUAGE_NAMES[l], callback_data=f"safar:lang:{l}")] for l in LANGUAGES])


def country_keyboard(language: str | None) -> InlineKeyboardMarkup:
    """One button per destination, named in the user's language."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(country_name(c, language), callback_data=f"safar:country:{c}")] for c in COUNTRIES])
