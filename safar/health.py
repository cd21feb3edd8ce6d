"""`safar health`: is every part up? One line per part, exit 1 when any is down (for probes and timers)."""

from __future__ import annotations

import argparse
import json
import socket
from dataclasses import dataclass
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
    p = sub.add_parser("health", help="check that Rasa, the action server, the database (and Redis) answer")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_health)
