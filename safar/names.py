"""Display names of destinations and languages, in each language Safar speaks."""

from __future__ import annotations

COUNTRIES = ("CA", "DE", "NO", "AU", "US")
LANGUAGES = ("en", "fr", "ar", "fa", "uk")

COUNTRY_NAMES: dict[str, dict[str, str]] = {
    "CA": {"en": "Canada", "fr": "Canada", "ar": "كندا", "fa": "کانادا", "uk": "Канада"},
    "DE": {"en": "Germany", "fr": "Allemagne", "ar": "ألمانيا", "fa": "آلمان", "uk": "Німеччина"},
    "NO": {"en": "Norway", "fr": "Norvège", "ar": "النرويج", "fa": "نروژ", "uk": "Норвегія"},
    "AU": {"en": "Australia", "fr": "Australie", "ar": "أستراليا", "fa": "استرالیا", "uk": "Австралія"},
    "US": {"en": "the United States", "fr": "les États-Unis", "ar": "الولايات المتحدة", "fa": "آمریکا", "uk": "США"},
}

# Each language named in itself, so a person finds theirs whatever the current setting.
LANGUAGE_NAMES: dict[str, str] = {"en": "English", "fr": "Français", "ar": "العربية", "fa": "دری / فارسی", "uk": "Українська"}


def country_name(country: str, language: str | None) -> str:
    """The destination's name in `language` (English when missing)."""
    names = COUNTRY_NAMES.get(country, {})
    return names.get(language or "en") or names.get("en") or country
