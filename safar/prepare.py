"""Bring derived state up to date: var folder, secret, database schema, Rasa model, crisis reader, index."""

from __future__ import annotations

import sys
import time

from safar.rasa_env import model_is_current, train_model
from core.settings import Settings
from storage.setup import prepare_database


def say(message: str) -> None:
    """Progress for the operator, on stderr."""
    print(message, file=sys.stderr, flush=True)


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


def prepare_crisis_reader(settings: Settings) -> None:
    """Train the crisis reader when nlu/ or the content changed (the bot and the action server would at start)."""
    from crisis.classifier import CrisisClassifier, fingerprint, reader_for

    if CrisisClassifier.saved(settings.crisis_reader_path, fingerprint(settings.nlu_data_dir, settings.kb_dir)):
        say("Crisis reader is up to date.")
        return
    start = time.monotonic()
    reader_for(settings)
    say(f"Trained the crisis reader in {time.monotonic() - start:.0f} s.")


def prepare_all(settings: Settings) -> None:
    """Everything `make run` and `make test` need before services start."""
    settings.var_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    prepare_database(settings)
    prepare_model(settings)
    prepare_crisis_reader(settings)
    prepare_index(settings)
