"""Calls to the Bot API that survive flood control (429) and brief network failures."""

from __future__ import annotations

import asyncio
import datetime as dtm
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import BadRequest, NetworkError, RetryAfter
from telegram.ext import AIORateLimiter

log = logging.getLogger(__name__)

JSONDict = dict[str, Any]


def seconds(value: int | float | dtm.timedelta) -> float:
    """RetryAfter.retry_after as seconds, whichever type this python-telegram-bot version gives."""
    return value.total_seconds() if isinstance(value, dtm.timedelta) else float(value)


class RetryingRateLimiter(AIORateLimiter):
    """Telegram's rate limits (AIORateLimiter), plus retries.

    A 429 is waited out as long as Telegram asks, up to `flood_retries` times. A network error is
    retried up to `network_retries` times with backoff. BadRequest is a NetworkError subclass in
    python-telegram-bot but means the request itself is wrong: it is never retried. A read timeout
    may hide a message that was delivered; retrying it risks a duplicate, but a reply that never
    arrives is worse for someone waiting on an answer.
    """

    def __init__(self, *, flood_retries: int = 3, network_retries: int = 3, backoff: float = 0.5,
                 on_retry: Callable[[str], None] | None = None) -> None:
        super().__init__(max_retries=0)  # 429s are handled here, to count and bound them
        self._flood_retries = flood_retries
        self._network_retries = network_retries
        self._backoff = backoff
        self._on_retry = on_retry or (lambda reason: None)

    async def process_request(  # type: ignore[override]
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> bool | JSONDict | list[JSONDict]:
        """Send through the rate limiter; wait out 429s and retry network errors, each a bounded number of times."""
        floods = failures = 0
        while True:
            try:
                return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
            except RetryAfter as exc:
                if floods >= self._flood_retries:
                    raise
                floods += 1
                self._on_retry("flood_control")
                log.warning("Telegram flood control on %s: waiting %.1f s", endpoint, seconds(exc.retry_after))
                await asyncio.sleep(seconds(exc.retry_after) + 0.1)
            except BadRequest:
                raise
            except NetworkError as exc:
                if failures >= self._network_retries:
                    raise
                failures += 1
                self._on_retry("network")
                log.warning("Bot API %s failed (%s); retry %d", endpoint, type(exc).__name__, failures)
                await asyncio.sleep(self._backoff * 2 ** (failures - 1))
