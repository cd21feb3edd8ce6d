"""Repository functions for users' settings; the caller owns the transaction."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from storage.models import LoggedQuestionRow, Ticket, User


def get_or_create_user(*, session: Session, telegram_id: int, pseudonym: str) -> User:
    """Fetch the user with this Telegram id, creating an empty record the first time."""
    user = session.scalar(select(User).where(User.telegram_id == telegram_id))
    if user is None:
        user = User(telegram_id=telegram_id, pseudonym=pseudonym)
        session.add(user)
        session.flush()
    return user


def find_user_by_pseudonym(*, session: Session, pseudonym: str) -> User | None:
    """The user behind a pseudonym, or None."""
    return session.scalar(select(User).where(User.pseudonym == pseudonym))


def update_user(
    *, session: Session, user: User, country: str | None = None, language: str | None = None, consent: bool | None = None
) -> User:
    """Set destination, language or consent; None leaves a field as it is."""
    if country is not None:
        user.country = country
    if language is not None:
        user.language = language
    if consent is not None:
        user.consent_at = datetime.now(timezone.utc) if consent else None
    session.flush()
    return user


def delete_user(*, session: Session, telegram_id: int) -> int:
    """Delete a user's settings row; returns how many rows went."""
    result = session.execute(delete(User).where(User.telegram_id == telegram_id))
    return result.rowcount or 0


def delete_inactive_before(*, session: Session, cutoff: datetime) -> int:
    """Delete settings unchanged since `cutoff` of people with no question or ticket since then (retention)."""
    recent_question = select(LoggedQuestionRow.id).where(
        LoggedQuestionRow.pseudonym == User.pseudonym, LoggedQuestionRow.asked_at >= cutoff).exists()
    any_ticket = select(Ticket.id).where(Ticket.pseudonym == User.pseudonym).exists()
    result = session.execute(
        delete(User).where(User.updated_at < cutoff, ~recent_question, ~any_ticket).execution_options(synchronize_session=False)
    )
    return result.rowcount or 0
