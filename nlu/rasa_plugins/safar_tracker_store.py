"""Rasa's SQL tracker store, finding the current conversation session by event order, not timestamps.

Runs inside the Rasa server (named in nlu/endpoints.yml; `safar run` puts this folder on Rasa's
PYTHONPATH). Rasa 3.6's SQLTrackerStore keeps the events after the latest `session_started` by
comparing timestamps; but slots the bot sets through the HTTP API before a conversation's first
message are stamped when the request is read, a few milliseconds *before* the session that the
same request starts, so they vanished on the next load (the user's language and destination were
forgotten after one message). Events are stored in order, so their ids say what came after the
session start; Rasa's own docstring says ids, not timestamps, order events.
"""

from __future__ import annotations

from typing import Any

import safar_speedups
import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import SessionStarted

safar_speedups.install()  # this module is Safar's one foothold in the Rasa process: see safar_speedups


class SessionSafeSQLTrackerStore(SQLTrackerStore):
    """SQLTrackerStore whose "latest session" starts at the id of the latest `session_started` event."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.engine.dialect.name == "sqlite":
            # Rasa's store is synchronous inside Rasa's event loop: with SQLite's defaults every save
            # waits for an fsync while no other conversation moves. WAL with synchronous=NORMAL syncs
            # at checkpoints only; a crash of Rasa loses nothing, a power cut at most the last moments.
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
            self.engine.dispose()  # connections opened before the listener get the pragmas too

    def _event_query(self, session: Any, sender_id: str, fetch_events_from_all_sessions: bool) -> Any:
        """The conversation's events in stored order, from the latest session start unless all are asked for."""
        events = self.SQLEvent
        query = session.query(events).filter(events.sender_id == sender_id)
        if not fetch_events_from_all_sessions:
            start = (
                session.query(sa.func.max(events.id))
                .filter(events.sender_id == sender_id, events.type_name == SessionStarted.type_name)
                .scalar_subquery()
            )
            query = query.filter(sa.or_(start.is_(None), events.id >= start))
        return query.order_by(events.id)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()
