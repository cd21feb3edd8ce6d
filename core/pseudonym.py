"""Pseudonyms: a keyed hash (HMAC-SHA256) of a Telegram id, the only user key outside operational tables."""

from __future__ import annotations

import hashlib
import hmac


def pseudonym(telegram_id: int, key: bytes) -> str:
    """Return a stable, non-reversible pseudonym for `telegram_id` under `key`."""
    digest = hmac.new(key, str(int(telegram_id)).encode("ascii"), hashlib.sha256).hexdigest()
    return "u_" + digest[:30]
