"""Rasa's SQL tracker store, seen from the app: erase one conversation, purge old events.

Rasa (in its own environment, SQLAlchemy 1.4) writes the table `events`: one row per event with
`sender_id` (Safar's pseudonym, never a Telegram id) and `timestamp` (seconds since the epoch). The
raw user texts live in those rows, so /forget and the retention purge delete them here, directly:
Rasa's HTTP API has no call that deletes a stored conversation.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Engine, Float, Integer, MetaData, String, Table, delete, func, inspect, select

from storage.db import make_engine

_metadata = MetaData()
EVENTS = Table(
    "events", _metadata,
    Column("id", Integer, primary_key=True),
    Column("sender_id", String(255)),
    Column("timestamp", Float),
)


def rasa_url(url: str) -> str:
    """The same database as a URL for Rasa's SQLAlchemy 1.4, which has psycopg2, not psycopg 3."""
    for prefix in ("postgresql+psycopg://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql://" + url[len(prefix):]
    return url


class TrackerStore:
    """Deletes rows from Rasa's `events` table; a store Rasa has not created yet holds nothing."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @classmethod
    def from_url(cls, url: str) -> "TrackerStore":
        """The store at a SQLAlchemy URL (the app's drivers: psycopg 3 for PostgreSQL)."""
        return cls(make_engine(url))

    def _exists(self) -> bool:
        return inspect(self._engine).has_table("events")

    def forget(self, sender_id: str) -> int:
        """Delete every event of one conversation; returns how many went."""
        if not self._exists():
            return 0
        with self._engine.begin() as conn:
            return conn.execute(delete(EVENTS).where(EVENTS.c.sender_id == sender_id)).rowcount or 0

    def purge_before(self, cutoff: datetime) -> int:
        """Delete events older than `cutoff` (raw conversations past their retention); returns how many went."""
        if not self._exists():
            return 0
        with self._engine.begin() as conn:
            return conn.execute(delete(EVENTS).where(EVENTS.c.timestamp < cutoff.timestamp())).rowcount or 0

    def count(self, sender_id: str | None = None) -> int:
        """Stored events, of one conversation or of all."""
        if not self._exists():
            return 0
        query = select(func.count()).select_from(EVENTS)
        if sender_id is not None:
            query = query.where(EVENTS.c.sender_id == sender_id)
        with self._engine.connect() as conn:
            return int(conn.scalar(query) or 0)

    def dispose(self) -> None:
        """Close the connection pool."""
        self._engine.dispose()
