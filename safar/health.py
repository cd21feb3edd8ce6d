"""`safar health`: is every part up? One line per part, exit 1 when any is down (for probes and timers)."""

from __future__ import annotations

import argparse
import json
import socket
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from core.settings import Settings


@dataclass(frozen=True)
class Check:
    """One part and whether it answered."""

    part: str
    ok: bool
    detail: str


def check_all(settings: Settings) -> list[Check]:
    """Rasa servers (model loaded), the action server, the database, and Redis when configured."""
    from safar.processes import model_loaded
    from safar.supervisor import answers
    from storage.db import DatabaseUnavailable, check_connection, make_engine

    checks = []
    for url in settings.rasa_endpoints():
        up = answers(settings.rasa_status_url(url), model_loaded)
        checks.append(Check(f"rasa {url}", up, "model loaded" if up else "not answering, or no model loaded yet"))
    up = answers(f"{settings.action_url}/health")
    checks.append(Check(f"actions {settings.action_url}", up, "answering" if up else "not answering"))
    engine = make_engine(settings.resolved_database_url())
    try:
        check_connection(engine)
        checks.append(Check("database", True, "answering"))
    except DatabaseUnavailable as exc:
        checks.append(Check("database", False, str(exc)))
    finally:
        engine.dispose()
    if settings.redis_url:
        checks.append(redis_check(settings.redis_url))
    if settings.telegram_token is not None:
        checks.extend(bot_checks(settings.bot_heartbeat_path(), settings.desk_tick_seconds))
    return checks


def bot_checks(path: Path, tick_seconds: float, now: datetime | None = None) -> list[Check]:
    """The bot (its heartbeat is recent) and its trainers' desk loop (a round succeeded recently)."""
    now = now or datetime.now(timezone.utc)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        at = datetime.fromisoformat(data["at"])
    except (OSError, ValueError, KeyError):
        return [Check("bot", False, f"no heartbeat at {path}: the bot is not running (or never started)"),
                Check("desk loop", False, "unknown while the bot is down")]
    late = (now - at).total_seconds()
    alive = late <= max(60.0, 3 * tick_seconds)
    checks = [Check("bot", alive, f"heartbeat {late:.0f} s ago" + ("" if alive else ": stuck or stopped; restart it"))]
    ok_at = datetime.fromisoformat(data["desk_ok_at"]) if data.get("desk_ok_at") else None
    if ok_at is None:
        checks.append(Check("desk loop", False, "no round has succeeded yet (database or Telegram failing?)"))
    else:
        since = (now - ok_at).total_seconds()
        ok = since <= max(120.0, 6 * tick_seconds)
        checks.append(Check("desk loop", ok, f"last good round {since:.0f} s ago"
                            + ("" if ok else ": urgent tickets are not being posted; see the bot's log")))
    return checks


def redis_check(url: str) -> Check:
    """PING over a plain socket: the app environment needs no Redis client for one probe."""
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), timeout=2) as sock:
            sock.sendall(b"PING\r\n")
            reply = sock.recv(64)
        ok = reply.startswith(b"+PONG") or reply.startswith(b"-NOAUTH")  # answering, even if it wants a password
        return Check("redis", ok, "answering" if ok else f"unexpected reply {reply[:20]!r}")
    except OSError as exc:
        return Check("redis", False, f"not answering ({type(exc).__name__})")


def cmd_health(args: argparse.Namespace) -> int:
    """Print one line per part; exit 1 when any is down."""
    from core.settings import get_settings

    checks = check_all(get_settings())
    if args.json:
        print(json.dumps([c.__dict__ for c in checks]))
    else:
        for c in checks:
            print(f"{'ok  ' if c.ok else 'DOWN'} {c.part}: {c.detail}")
    return 0 if all(c.ok for c in checks) else 1


def register(sub: Any) -> None:
    """Add `health` to the main parser."""
    p = sub.add_parser("health", help="check that Rasa, the action server, the database, Redis and the bot answer")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_health)
