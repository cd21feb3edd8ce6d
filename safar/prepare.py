"""Bring derived state up to date: var folder, secret, database schema, Rasa model, index."""

from __future__ import annotations

import sys
import time

from safar.rasa_env import model_is_current, train_model
from safar.settings import Settings
from storage.db import check_connection, make_engine
from storage.migrate import upgrade_to_head


def say(message: str) -> None:
    """Progress for the operator, on stderr."""
    print(message, file=sys.stderr, flush=True)


def prepare_database(settings: Settings) -> None:
    """Check the database answers and migrate it to head."""
    engine = make_engine(settings.resolved_database_url())
    try:
        check_connection(engine)
        upgrade_to_head(engine)
    finally:
        engine.dispose()


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
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    settings.resolved_pseudonym_key()
    prepare_database(settings)
    prepare_model(settings)
    prepare_index(settings)
