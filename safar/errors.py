"""Domain errors that the command line turns into one line for the operator."""

from __future__ import annotations

from handoff.errors import HandoffError
from retrieval.errors import ContentInvalid, IndexMissing, IndexModelMismatch
from safar.rasa_env import RasaUnavailable
from safar.supervisor import StartupError
from storage.errors import DatabaseUnavailable, KeyMissing

OPERATOR_ERRORS: tuple[type[Exception], ...] = (
    DatabaseUnavailable, KeyMissing, RasaUnavailable, StartupError, ContentInvalid, IndexMissing, IndexModelMismatch, HandoffError,
)
