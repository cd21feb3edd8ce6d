"""The error for bad arguments or input at the keyboard, shared by every command module."""

from __future__ import annotations


class UsageError(RuntimeError):
    """Bad arguments or input from the person at the keyboard; the message says what to do."""
