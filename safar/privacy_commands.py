"""`safar forget` and `safar purge`: the privacy controls on the command line."""

from __future__ import annotations

import argparse
import json
from datetime import datetime, timezone
from typing import Any


def cmd_forget(args: argparse.Namespace) -> int:
    """Erase one person's data, the same as their /forget."""
    from storage.setup import prepare_database
    from privacy.forget import Privacy
    from core.settings import get_settings

    settings = get_settings()
    prepare_database(settings)
    erased = Privacy.from_settings(settings).forget(args.telegram_id)
    if args.json:
        print(json.dumps(erased.as_dict()))
    else:
        print(f"Erased this person's data: {erased.summary()}." if any(erased.as_dict().values()) else
              "Nothing was stored for this Telegram id (or it was already erased).")
    return 0


def cmd_purge(args: argparse.Namespace) -> int:
    """Delete everything past the retention periods now (the action server also does this on a schedule)."""
    from storage.setup import prepare_database
    from privacy.forget import Privacy
    from core.settings import get_settings

    settings = get_settings()
    prepare_database(settings)
    purged = Privacy.from_settings(settings).purge(datetime.now(timezone.utc))
    if args.json:
        print(json.dumps(purged.as_dict()))
    else:
        print(f"Purged data older than {settings.retention_days} days "
              f"(raw conversations: {settings.raw_conversation_days()} days): {purged.summary()}.")
    return 0


def register(sub: Any) -> None:
    """Add `forget` and `purge` to the main parser."""
    p = sub.add_parser("forget", help="erase one person's settings, tickets, logged questions and conversation (as /forget)")
    p.add_argument("--telegram-id", type=int, required=True, help="the person's Telegram user id")
    p.add_argument("--json", action="store_true", help="print the counts as JSON")
    p.set_defaults(func=cmd_forget)

    p = sub.add_parser("purge", help="delete data older than SAFAR_RETENTION_DAYS now (also runs on a schedule)")
    p.add_argument("--json", action="store_true", help="print the counts as JSON")
    p.set_defaults(func=cmd_purge)
