"""SQLAlchemy 2 models. Telegram ids appear only in operational tables (users, tickets)."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import BigInteger, DateTime, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    """Timezone-aware now, in UTC."""
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    """Declarative base of all Safar tables."""


class User(Base):
    """A migrant's settings: destination, language and privacy consent."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Operational only: needed to send replies. Never copied into logs or analytics.
    telegram_id: Mapped[int] = mapped_column(BigInteger, unique=True, index=True)
    pseudonym: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    country: Mapped[str | None] = mapped_column(String(16))
    language: Mapped[str | None] = mapped_column(String(8))
    consent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)
