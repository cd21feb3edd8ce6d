"""The one vocabulary: destinations, languages, routes, handoff reasons, ticket states, and their display names.

Every other package imports these names from here; none writes the lists again.
"""

from __future__ import annotations

COUNTRIES = ("CA", "DE", "NO", "AU", "US")
LANGUAGES = ("en", "fr", "ar", "fa", "uk")

# What happened to a message (`safar replay`'s `route`, the question log's routes are the informational subset).
ROUTES = ("answer", "suggest", "handoff", "crisis", "out_of_scope", "smalltalk", "clarify")

# Why a question reached a trainer, with the words trainers and curriculum teams read.
HANDOFF_REASONS: dict[str, str] = {
    "asked_for_person": "Asked for a person",
    "below_confidence_gate": "No confident answer",
    "rated_unhelpful": "Answer rated unhelpful",
    "suggestions_declined": "None of the offered answers fitted",
    "case_specific": "About their own case",
    "crisis": "Crisis",
    "technical_failure": "Technical failure",
    "voice": "Sent a voice note",
    "media": "Sent a photo or a file",
}

# What a person may send instead of text; a trainer listens or looks (no speech recognition runs here).
VOICE_KINDS = ("voice", "audio", "video_note")
MEDIA_KINDS = (*VOICE_KINDS, "video", "photo", "document")

# The trainers' group can be read in these languages (SAFAR_DESK_LANGUAGE).
DESK_LANGUAGES = ("en", "fr", "ar")

# Tickets: priorities, states (at most one active ticket per person), who wrote a turn.
URGENT, NORMAL = "urgent", "normal"
PRIORITIES = (URGENT, NORMAL)
OPEN, CLAIMED, ANSWERED, CLOSED = "open", "claimed", "answered", "closed"
TICKET_STATES = (OPEN, CLAIMED, ANSWERED, CLOSED)
MIGRANT, TRAINER, BOT = "migrant", "trainer", "bot"
SENDERS = (MIGRANT, TRAINER, BOT)

COUNTRY_NAMES: dict[str, dict[str, str]] = {
    "CA": {"en": "Canada", "fr": "Canada", "ar": "كندا", "fa": "کانادا", "uk": "Канада"},
    "DE": {"en": "Germany", "fr": "Allemagne", "ar": "ألمانيا", "fa": "آلمان", "uk": "Німеччина"},
    "NO": {"en": "Norway", "fr": "Norvège", "ar": "النرويج", "fa": "ناروی", "uk": "Норвегія"},
    "AU": {"en": "Australia", "fr": "Australie", "ar": "أستراليا", "fa": "استرالیا", "uk": "Австралія"},
    "US": {"en": "the United States", "fr": "les États-Unis", "ar": "الولايات المتحدة", "fa": "امریکا", "uk": "США"},
}

# Each language named in itself, so a person finds theirs whatever the current setting.
LANGUAGE_NAMES: dict[str, str] = {"en": "English", "fr": "Français", "ar": "العربية", "fa": "دری / فارسی", "uk": "Українська"}


def country_name(country: str, language: str | None) -> str:
    """The destination's name in `language` (English when missing)."""
    names = COUNTRY_NAMES.get(country, {})
    return names.get(language or "en") or names.get("en") or country
