"""Kill Safar's parts under load, one after another, and count what was lost or answered twice.

    .venv/bin/python benchmarks/faults.py [--rate 8] [--production]

People send messages at a steady rate (benchmarks/harness.py) while, in turn: one Rasa server is
killed (SIGKILL) and started again, the action server likewise, then the bot, then the database
server is stopped and started (PostgreSQL, production profile only). Afterwards the run waits for
every message to be answered and reports, per phase: messages sent, answered, unanswered and
answered twice (the same reply text twice in one turn), and the slowest first replies; and whether
every handoff became a ticket. A message counts as answered by any reply, including "I could not
check that right now; a trainer will see your question", which is what someone should get while a
part is down.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import select  # noqa: E402

from benchmarks.harness import Crowd, Stack, percentile, summarise  # noqa: E402
from core.pseudonym import pseudonym  # noqa: E402
from storage.db import make_engine, make_sessionmaker  # noqa: E402
from storage.models import Ticket  # noqa: E402


def postgres(action: str, *, check: bool = True) -> None:
    """Stop or start the local PostgreSQL cluster (Debian's pg_ctlcluster)."""
    version = subprocess.run(["ls", "/etc/postgresql"], capture_output=True, text=True).stdout.split()[0]
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", action], check=check,
                   capture_output=True)


async def run(args: argparse.Namespace) -> dict:
    """The fault schedule under load; returns the per-phase figures."""
    stack = Stack(production=args.production, var=Path(tempfile.mkdtemp(prefix="safar-faults-")))
    settings = await stack.start()
    crowd = Crowd(stack.fake, args.users, seed=11)
    await crowd.onboard()
    phases: list[dict] = []
    rasa = "rasa"

    async def phase(name: str, seconds: float, fault=None, recover=None) -> None:  # noqa: ANN001
        start = len(crowd.turns)
        t0 = time.monotonic()
        task = asyncio.create_task(crowd.run(args.rate, seconds))
        if fault is not None:
            await asyncio.sleep(seconds * 0.2)
            await asyncio.to_thread(fault)
            await asyncio.sleep(args.down)
            await asyncio.to_thread(recover)
        await task
        phases.append({"phase": name, "turns": (start, len(crowd.turns)), "seconds": round(time.monotonic() - t0, 1)})

    def kill_restart(name: str):  # noqa: ANN202
        return (lambda: stack.kill(name)), (lambda: stack.restart(name))

    try:
        await phase("steady", args.phase)
        await phase("rasa killed", args.phase, *kill_restart(rasa))
        await phase("action server killed", args.phase, *kill_restart("action"))
        await phase("bot killed", args.phase, *kill_restart("bot"))
        if args.production:
            await phase("PostgreSQL stopped", args.phase, lambda: postgres("stop"), lambda: postgres("start"))
        await phase("after", args.phase)
        await crowd.drain(timeout=90)
        results = {"rate": args.rate, "users": args.users, "down_s": args.down,
                   "profile": "production" if args.production else "default", "phases": []}
        for p in phases:
            turns = crowd.turns[p["turns"][0]:p["turns"][1]]
            s = summarise(turns, p["seconds"])
            slow = [(t.first_at - t.queued) for t in turns if t.first_at]
            results["phases"].append({"phase": p["phase"], "sent": s["sent"], "answered": s["answered"],
                                      "unanswered": s["unanswered"], "duplicated": s["duplicated"],
                                      "p50_ms": s["first_reply_ms"]["p50"], "p95_ms": s["first_reply_ms"]["p95"],
                                      "max_s": round(max(slow), 1) if slow else None})
        # Every person who was handed off (by a handoff message or a failure) has a ticket.
        key = settings.resolved_pseudonym_key()
        handed = {t.user for t in crowd.turns if t.kind == "handoff" and t.first_at}
        engine = make_engine(settings.resolved_database_url())
        with make_sessionmaker(engine)() as session:
            with_ticket = set(session.scalars(select(Ticket.pseudonym)))
        engine.dispose()
        missing = [u for u in handed if pseudonym(u, key) not in with_ticket]
        results["handoff_people"] = len(handed)
        results["handoff_people_without_ticket"] = len(missing)
        results["total"] = {k: sum(p[k] for p in results["phases"]) for k in ("sent", "answered", "unanswered", "duplicated")}
        results["slowest_first_reply_s"] = round(max((t.first_at - t.queued) for t in crowd.turns if t.first_at), 1)
        results["p99_first_reply_s"] = round(percentile([(t.first_at - t.queued) for t in crowd.turns if t.first_at], 99), 2)
        return results
    finally:
        if args.production:
            postgres("start", check=False)  # whatever happened above, leave the server running
        await stack.stop()


def main() -> int:
    """Run the schedule, print and write the figures; exit 1 when anything was lost or doubled."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=8)
    parser.add_argument("--users", type=int, default=150)
    parser.add_argument("--phase", type=float, default=40, help="seconds per phase")
    parser.add_argument("--down", type=float, default=8, help="seconds each part stays down")
    parser.add_argument("--production", action="store_true")
    parser.add_argument("--out", type=Path, default=Path("var/faults.json"))
    args = parser.parse_args()
    results = asyncio.run(run(args))
    print(json.dumps(results, indent=1))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1))
    bad = results["total"]["unanswered"] + results["total"]["duplicated"] + results["handoff_people_without_ticket"]
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
