"""`safar`: the one command line for users and operators."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from pydantic import ValidationError

from safar.usage import UsageError

Handler = Callable[[argparse.Namespace], int]


def _settings():  # noqa: ANN202 - imported lazily so `safar --help` stays instant
    from core.settings import get_settings

    return get_settings()


def cmd_run(args: argparse.Namespace) -> int:
    """Prepare and start everything."""
    from safar.run import run

    return run(_settings(), country=args.country, language=args.language, headless=args.headless)


def cmd_prepare(args: argparse.Namespace) -> int:
    """Migrate, train and index without starting services."""
    from safar.prepare import prepare_all

    prepare_all(_settings())
    return 0


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    """Migrate the database to the newest schema."""
    from safar.prepare import prepare_database, say

    prepare_database(_settings())
    say("Database is at the newest schema.")
    return 0


def cmd_rasa_train(args: argparse.Namespace) -> int:
    """Train the Rasa model if stale (or always with --force)."""
    from safar.prepare import prepare_model

    prepare_model(_settings(), force=args.force)
    return 0


def cmd_ask(args: argparse.Namespace) -> int:
    """One message through Rasa and the actions."""
    import json

    from safar.ask import ask

    item = {"text": args.text, "country": args.country, "language": args.language}
    outcome = ask(_settings(), [item])[0]
    if args.json:
        print(json.dumps(outcome.as_json(), ensure_ascii=False, indent=1))
    else:
        print(outcome.reply)
        for title in outcome.buttons:
            print(f"  [{title}]")
        detail = f"route: {outcome.route}, intent: {outcome.intent} ({outcome.confidence})"
        if outcome.passages:
            detail += ", passage: " + outcome.passages[0]["id"]
        print(f"-- {detail}, {outcome.seconds * 1000:.0f} ms", file=sys.stderr)
    return 0


def cmd_replay(args: argparse.Namespace) -> int:
    """Many messages from a JSONL file, one JSON line out per message."""
    import json
    from pathlib import Path

    from safar.ask import ask, read_jsonl

    path = Path(args.input)
    if not path.exists():
        raise UsageError(f"{path} does not exist")
    try:
        items = read_jsonl(path.read_text(encoding="utf-8").splitlines())
    except (ValueError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: {exc}") from exc
    outcomes = ask(_settings(), items)
    lines = [json.dumps({"id": item.get("id"), **o.as_json()}, ensure_ascii=False) for item, o in zip(items, outcomes)]
    if args.out:
        Path(args.out).write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"Wrote {len(lines)} results to {args.out}", file=sys.stderr)
    else:
        print("\n".join(lines))
    return 0


def cmd_link(args: argparse.Namespace) -> int:
    """Print a deep link, and write its QR code with --qr."""
    from pathlib import Path

    from bot.links import deep_link, write_qr

    username = args.bot_username or _settings().bot_username
    if not username:
        raise UsageError("set SAFAR_BOT_USERNAME (the bot's @name from BotFather) or pass --bot-username")
    try:
        link = deep_link(username, args.country, args.language)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    print(link)
    if args.qr:
        write_qr(link, Path(args.qr))
        print(f"QR code written to {args.qr}", file=sys.stderr)
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = argparse.ArgumentParser(prog="safar", description="Safar: pre-departure questions on Telegram.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("run", help="prepare and start Rasa, the action server and the bot (or the console chat)")
    p.add_argument("--country", help="console chat: destination, e.g. CA")
    p.add_argument("--language", help="console chat: language, e.g. en")
    p.add_argument("--headless", action="store_true", help="only Rasa and the action server (for `safar ask`, a bot elsewhere)")
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("prepare", help="migrate the database, train the Rasa model and build the index if stale")
    p.set_defaults(func=cmd_prepare)

    db = sub.add_parser("db", help="database schema").add_subparsers(dest="db_command", metavar="ACTION", required=True)
    db.add_parser("upgrade", help="migrate to the newest schema").set_defaults(func=cmd_db_upgrade)

    rasa = sub.add_parser("rasa", help="the Rasa model").add_subparsers(dest="rasa_command", metavar="ACTION", required=True)
    p = rasa.add_parser("train", help="train the model when config.yml or nlu/ changed")
    p.add_argument("--force", action="store_true", help="train even when the model is current")
    p.set_defaults(func=cmd_rasa_train)

    p = sub.add_parser("ask", help="one message through the whole pipeline (Rasa + actions), as a new conversation")
    p.add_argument("text")
    p.add_argument("--country", help="destination, e.g. CA")
    p.add_argument("--language", default="en")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("replay", help="many messages from a JSONL file through the pipeline")
    p.add_argument("input", help="JSONL: {\"id\", \"text\", \"country\", \"language\"} per line")
    p.add_argument("--out", help="write results here instead of stdout")
    p.set_defaults(func=cmd_replay)

    p = sub.add_parser("link", help="a deep link (and QR code) opening the bot with destination and language preset")
    p.add_argument("--country", required=True, help="CA, DE, NO, AU or US")
    p.add_argument("--language", help="en, fr, ar, fa or uk")
    p.add_argument("--qr", help="also write a QR code PNG here")
    p.add_argument("--bot-username", help="the bot's username (default: SAFAR_BOT_USERNAME)")
    p.set_defaults(func=cmd_link)

    from safar.trainer_commands import register as register_trainer
    from safar.report_commands import register as register_insights
    from safar.kb_commands import register as register_kb
    from safar.health import register as register_health
    from safar.privacy_commands import register as register_privacy
    from safar.serve import register as register_serve

    register_kb(sub)
    register_trainer(sub)
    register_insights(sub)
    register_privacy(sub)
    register_health(sub)
    register_serve(sub)
    return parser


def _one_line(exc: BaseException) -> str:
    if isinstance(exc, ValidationError):
        problems = "; ".join(
            f"SAFAR_{'_'.join(str(p) for p in e['loc']).upper()}: {e['msg']}" for e in exc.errors()
        )
        return f"invalid settings: {problems}"
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def main(argv: Sequence[str] | None = None) -> int:
    """Parse arguments, run the command, and turn known failures into one clear line."""
    # Everything Safar and its children create (database, logs, key, Rasa's tracker store) is the owner's only.
    os.umask(0o077)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 0
    from safar.errors import OPERATOR_ERRORS

    try:
        return args.func(args)
    except KeyboardInterrupt:
        return 130
    except (ValidationError, UsageError, *OPERATOR_ERRORS) as exc:
        print(f"error: {_one_line(exc)}", file=sys.stderr)
        return 2 if isinstance(exc, UsageError) else 1


if __name__ == "__main__":
    sys.exit(main())
