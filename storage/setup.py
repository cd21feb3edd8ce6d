"""Bring the database to a usable state: reachable, migrated, and its pseudonym key the users' own."""

from __future__ import annotations

from sqlalchemy import Engine, func, select

from core.settings import Settings
from storage.db import check_connection, make_engine
from storage.errors import KeyMissing
from storage.migrate import upgrade_to_head
from storage.models import User


def prepare_database(settings: Settings) -> None:
    """Check the database answers, migrate it to head, and make sure the pseudonym key is the users' own."""
    engine = make_engine(settings.resolved_database_url())
    try:
        check_connection(engine)
        upgrade_to_head(engine)
        check_pseudonym_key(settings, engine)
    finally:
        engine.dispose()


def check_pseudonym_key(settings: Settings, engine: Engine) -> None:
    """Refuse to generate a new pseudonym key for a database that already has users.

    A new key would give every person a new pseudonym: their tickets, questions and conversation
    would no longer be theirs, and could not be found to delete.
    """
    if settings.pseudonym_key is not None or (settings.var_dir / "pseudonym.key").exists():
        settings.resolved_pseudonym_key()
        return
    with engine.connect() as conn:
        users = conn.execute(select(func.count()).select_from(User)).scalar_one()
    if users:
        raise KeyMissing(
            f"the pseudonym key {settings.var_dir / 'pseudonym.key'} is missing but the database holds {users} "
            "user(s): restore the key file (or set SAFAR_PSEUDONYM_KEY) before starting; a new key would cut "
            "people off from their own data")
    settings.resolved_pseudonym_key()


