"""Per-user ordering and flood control for concurrent updates.

Updates of different users run concurrently; one user's updates run one at a time, in the order
Telegram delivered them. The user's turn is taken *before* a worker slot, so a burst from one
person waits in its own line and never holds the workers everybody else needs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor


@dataclass
class _Line:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    waiting: int = 0
    notice_due: bool = False
    noticed: bool = False


class PerUserUpdateProcessor(BaseUpdateProcessor):
    """Concurrent across users, sequential per user, with a one-time notice for bursts."""

    def __init__(self, max_concurrent_updates: int = 64, burst_notice_after: int = 3) -> None:
        super().__init__(max_concurrent_updates)
        self._lines: dict[int, _Line] = {}
        self._notice_after = burst_notice_after

    async def process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Wait for the user's turn (FIFO), then for a worker slot, then run the update."""
        user = update.effective_user if isinstance(update, Update) else None
        if user is None:
            await super().process_update(update, coroutine)
            return
        line = self._lines.setdefault(user.id, _Line())
        line.waiting += 1
        if line.waiting > self._notice_after and not line.noticed:
            line.notice_due = line.noticed = True
        try:
            async with line.lock:
                await super().process_update(update, coroutine)
        finally:
            line.waiting -= 1
            if line.waiting == 0:
                # The burst is over: forget the line so the table does not grow with every user ever seen.
                self._lines.pop(user.id, None)

    def take_burst_notice(self, user_id: int) -> bool:
        """True once per burst: the handler should ask the user to wait a moment."""
        line = self._lines.get(user_id)
        if line is None or not line.notice_due:
            return False
        line.notice_due = False
        return True

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Run the handler."""
        await coroutine

    async def initialize(self) -> None:
        """Nothing to allocate."""

    async def shutdown(self) -> None:
        """Nothing to free."""
