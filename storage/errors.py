"""Storage's domain errors, importable without loading SQLAlchemy."""

from __future__ import annotations


class DatabaseUnavailable(RuntimeError):
    """The database URL is malformed or the server does not answer; the message says what to do."""


class KeyMissing(RuntimeError):
    """The pseudonym key is gone while users exist; the message says how to restore it."""
