"""The bot's view of a user: pseudonym and settings, read and written through the storage layer."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from core.pseudonym import pseudonym
from core.vocabulary import LANGUAGES
from storage.users import get_or_create_user, update_user


@dataclass(frozen=True)
class UserView:
    """What a handler needs to know about the user."""

    pseudonym: str
    country: str | None
    language: str | None
    consented: bool = False


class UserService:
    """Reads and updates users' settings; blocking database work, so callers use a thread."""

    def __init__(self, sessions: sessionmaker[Session], key: bytes) -> None:
        self._sessions = sessions
        self._key = key

    def get(self, telegram_id: int, telegram_language: str | None = None) -> UserView:
        """The user's settings, created on first contact (language from Telegram when Safar has it)."""
        with self._sessions.begin() as session:
            user = get_or_create_user(session=session, telegram_id=telegram_id, pseudonym=pseudonym(telegram_id, self._key))
            if user.language is None and telegram_language in LANGUAGES:
                update_user(session=session, user=user, language=telegram_language)
            return _view(user)

    def update(self, telegram_id: int, *, country: str | None = None, language: str | None = None,
               consent: bool | None = None) -> UserView:
        """Change destination, language or consent."""
        with self._sessions.begin() as session:
            user = get_or_create_user(session=session, telegram_id=telegram_id, pseudonym=pseudonym(telegram_id, self._key))
            update_user(session=session, user=user, country=country, language=language, consent=consent)
            return _view(user)


def _view(user: object) -> UserView:
    return UserView(user.pseudonym, user.country, user.language, user.consent_at is not None)  # type: ignore[attr-defined]
