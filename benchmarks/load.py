"""Load on the whole of Safar: many simulated people through the fake Telegram Bot API server.

    .venv/bin/python benchmarks/load.py                       # rising rates, 30 s each
    .venv/bin/python benchmarks/load.py --sustain 10 --seconds 300
    .venv/bin/python benchmarks/load.py --production          # PostgreSQL, Redis, 2 Rasa servers, webhook
    .venv/bin/python benchmarks/load.py --rates 10 --profile 20   # py-spy on every process for 20 s

The real bot, Rasa and action server run as separate processes (benchmarks/harness.py). People send
a mix of knowledge-base questions, button presses, gaps, small talk, handoffs and off-topic messages
(harness.MIX) in the destination and language of their profile. Arrivals are Poisson at the offered
rate; a person waits for the bot's reply before sending again, as people do. For each stage: the
throughput of answered messages, first-reply latency percentiles overall and per route (from the
update entering the fake server to the reply arriving there), unanswered and duplicated messages,
and the CPU share and memory of each process.
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections import Counter
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.harness import Crowd, Stack, summarise  # noqa: E402


def resources(before: dict[str, tuple[float, float]], after: dict[str, tuple[float, float]],
              seconds: float) -> dict[str, dict[str, float]]:
    """CPU share (of one core) and memory of each process over a stage."""
    return {name: {"cpu_pct": round(100 * (after[name][0] - before[name][0]) / seconds, 1),
                   "rss_mb": round(after[name][1])} for name in after if name in before}


def profile(stack: Stack, seconds: int, out: Path) -> dict[str, str]:
    """py-spy on every service for `seconds`; returns the top own frames per service."""
    jobs = {}
    for name, proc in stack.procs.items():
        target = out / f"{name}.txt"
        jobs[name] = (subprocess.Popen([str(Path(sys.executable).parent / "py-spy"), "record", "--pid", str(proc.popen.pid),
                                        "--duration", str(seconds), "--format", "raw", "--output", str(target),
                                        "--subprocesses", "--nonblocking"],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL), target)
    return {name: str(target) for name, (job, target) in jobs.items() if job.wait() == 0 or target.exists()}


def top_frames(path: Path, n: int = 8) -> list[tuple[str, float]]:
    """The functions most often on top of the stack (self time) in a py-spy raw file, as shares."""
    from collections import Counter

    counts: Counter[str] = Counter()
    total = 0
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        leaf = stack.split(";")[-1]
        counts[leaf] += int(count)
        total += int(count)
    return [(frame, round(c / total, 3)) for frame, c in counts.most_common(n)] if total else []


async def main_async(args: argparse.Namespace) -> dict:
    """Start the stack, onboard the crowd, run the stages, stop."""
    var = Path(tempfile.mkdtemp(prefix="safar-load-"))
    stack = Stack(production=args.production, var=var)
    results: dict = {"profile": "production" if args.production else "default", "users": args.users, "stages": []}
    started = time.monotonic()
    try:
        await stack.start()
        results["startup_s"] = round(time.monotonic() - started, 1)
        crowd = Crowd(stack.fake, args.users)
        await crowd.onboard()
        stages = [(args.sustain, args.seconds)] if args.sustain else [(r, args.seconds) for r in args.rates]
        for rate, seconds in stages:
            before, metrics_before = stack.usage(), stack.bot_metrics()
            calls_before = len(stack.fake.calls)
            t0 = time.monotonic()
            if args.profile:
                loop = asyncio.get_running_loop()
                spy = loop.run_in_executor(None, profile, stack, args.profile, var)
            turns = await crowd.run(rate, seconds)
            await crowd.drain()
            elapsed = time.monotonic() - t0
            metrics = stack.bot_metrics()
            calls = metrics.get("safar_rasa_seconds_count", 0) - metrics_before.get("safar_rasa_seconds_count", 0)
            rasa_ms = 1000 * (metrics.get("safar_rasa_seconds_sum", 0) - metrics_before.get("safar_rasa_seconds_sum", 0))
            stage = {"offered_rate": rate, "seconds": seconds, **summarise(turns, seconds),
                     "rasa_round_trip_ms": round(rasa_ms / calls, 1) if calls else None,
                     "bot_api_calls_per_s": {m: round(n / elapsed, 1) for m, n in sorted(
                         Counter(c.method for c in stack.fake.calls[calls_before:]).items())},
                     "resources": resources(before, stack.usage(), elapsed)}
            if args.profile:
                files = await spy
                stage["hot_frames"] = {name: top_frames(Path(f)) for name, f in files.items()}
            results["stages"].append(stage)
            print(json.dumps(stage), flush=True)
            if stage["first_reply_ms"]["p95"] and stage["first_reply_ms"]["p95"] > args.stop_above_ms:
                break
    finally:
        await stack.stop()
    return results


def main() -> None:
    """Parse arguments, run, write the JSON results."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--rates", type=lambda s: [float(x) for x in s.split(",")], default=[5, 10, 15, 20, 25, 30, 40])
    parser.add_argument("--seconds", type=float, default=30, help="length of each stage")
    parser.add_argument("--sustain", type=float, help="one stage at this rate instead of rising rates")
    parser.add_argument("--users", type=int, default=300)
    parser.add_argument("--production", action="store_true", help="PostgreSQL, Redis, two Rasa servers, webhook")
    parser.add_argument("--profile", type=int, default=0, help="py-spy every process for this many seconds per stage")
    parser.add_argument("--stop-above-ms", type=float, default=3000, help="stop rising once p95 passes this")
    parser.add_argument("--out", type=Path, default=Path("var/load.json"))
    args = parser.parse_args()
    results = asyncio.run(main_async(args))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
