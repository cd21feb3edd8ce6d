"""`safar serve rasa|actions|bot`: one part in the foreground, for systemd units and containers.

`safar run` supervises every part on one machine; a production deployment runs each part as its own
service instead (deploy/). Both build the command and environment from the same specs
(safar/services.py), so a unit file never repeats what Rasa needs to be told.
"""

from __future__ import annotations

import argparse
import os
from typing import Any


def cmd_serve(args: argparse.Namespace) -> int:
    """Replace this process with the chosen part."""
    from storage.setup import prepare_database
    from safar.processes import action_spec, bot_spec, child_env, rasa_spec
    from core.settings import get_settings

    settings = get_settings()
    try:
        settings.check_rasa_token(serving=True)
    except ValueError as exc:
        from safar.usage import UsageError

        raise UsageError(str(exc)) from exc
    if args.part == "rasa":
        spec = rasa_spec(settings, log=False, port=args.port or settings.rasa_port)
    elif args.part == "actions":
        prepare_database(settings)  # idempotent; the action server writes the question log
        spec = action_spec(settings, log=False, env=child_env())
    else:
        if settings.telegram_token is None:
            from safar.usage import UsageError

            raise UsageError("SAFAR_TELEGRAM_TOKEN is not set: the bot needs its token")
        prepare_database(settings)
        spec = bot_spec(settings, env=child_env())
    os.chdir(spec.cwd)
    os.execvpe(spec.argv[0], spec.argv, spec.env)
    return 0  # not reached


def register(sub: Any) -> None:
    """Add `serve` to the main parser."""
    p = sub.add_parser("serve", help="run one part in the foreground (for systemd units and containers)")
    p.add_argument("part", choices=["rasa", "actions", "bot"])
    p.add_argument("--port", type=int, help="rasa: this server's port (default SAFAR_RASA_PORT)")
    p.set_defaults(func=cmd_serve)
