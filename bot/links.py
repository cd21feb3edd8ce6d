"""Deep links (and QR codes) that open the bot with destination and language preset."""

from __future__ import annotations

from pathlib import Path

from core.vocabulary import COUNTRIES, LANGUAGES


def deep_link(bot_username: str, country: str, language: str | None = None) -> str:
    """`https://t.me/<bot>?start=CA-en`: what a trainer hands out in class."""
    country = country.upper()
    if country not in COUNTRIES:
        raise ValueError(f"unknown country {country!r}; use one of {', '.join(COUNTRIES)}")
    if language is not None and language.lower() not in LANGUAGES:
        raise ValueError(f"unknown language {language!r}; use one of {', '.join(LANGUAGES)}")
    payload = country + (f"-{language.lower()}" if language else "")
    return f"https://t.me/{bot_username.lstrip('@')}?start={payload}"


def write_qr(link: str, path: Path) -> None:
    """Save the link as a QR code PNG (large modules, so a phone reads it from a projected slide)."""
    import qrcode
    from qrcode.image.pure import PyPNGImage  # pure Python PNG: no Pillow needed

    image = qrcode.make(link, box_size=12, border=4, image_factory=PyPNGImage)
    with open(path, "wb") as fh:
        image.save(fh)
