"""Bring derived state up to date: var folder, secret, database schema, Rasa model, index."""

from __future__ import annotations

import sys
import time

from safar.rasa_env import model_is_current, train_model
from safar.settings import Settings
from sqlalchemy import Engine, func, select

from storage.db import check_connection, make_engine
from storage.errors import KeyMissing
from storage.migrate import upgrade_to_head
from storage.models import User


def say(message: str) -> None:
    """Progress for the operator, on stderr."""
    print(message, file=sys.stderr, flush=True)


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


def prepare_model(settings: Settings, *, force: bool = False) -> None:
    """Train the Rasa model when config.yml or nlu/ changed since the last one."""
    if not force and model_is_current(settings):
        say("Rasa model is up to date.")
        return
    say("Training the Rasa model (config.yml or nlu/ changed) ...")
    start = time.monotonic()
    train_model(settings, quiet=True)
    say(f"Trained the Rasa model in {time.monotonic() - start:.0f} s.")


def prepare_index(settings: Settings) -> None:
    """Build the knowledge-base index when the content changed."""
    from retrieval.build import ensure_index

    ensure_index(settings, report=say)


def prepare_all(settings: Settings) -> None:
    """Everything `make run` and `make test` need before services start."""
    settings.var_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    prepare_database(settings)
    prepare_model(settings)
    prepare_index(settings)
