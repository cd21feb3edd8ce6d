"""The bot's own short texts, per language (English is the fallback)."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "rasa_down": {
        "en": "I could not check that right now. Please try again in a few minutes; a trainer can also help you.",
        "fr": "Je n'ai pas pu vérifier cela pour le moment. Réessayez dans quelques minutes ; un formateur peut aussi vous aider.",
        "ar": "لم أستطع التحقق من ذلك الآن. حاول مرة أخرى بعد دقائق؛ يمكن لمدرب أيضاً مساعدتك.",
        "fa": "الان نتوانستم این را بررسی کنم. چند دقیقه بعد دوباره امتحان کنید؛ یک مربی هم می‌تواند کمک کند.",
        "uk": "Зараз я не зміг це перевірити. Спробуйте за кілька хвилин; тренер також може допомогти.",
    },
    "too_long": {
        "en": "Your message was very long, so I read only the first part.",
        "fr": "Votre message était très long, j'en ai lu seulement le début.",
        "ar": "رسالتك طويلة جداً، لذلك قرأت الجزء الأول فقط.",
        "fa": "پیام شما خیلی طولانی بود، فقط بخش اول را خواندم.",
        "uk": "Ваше повідомлення дуже довге, тому я прочитав лише першу частину.",
    },
}


def text(key: str, language: str | None) -> str:
    """The text `key` in `language`, or in English when there is no translation."""
    variants = TEXTS[key]
    return variants.get(language or "en") or variants["en"]
