"""Route accuracy, crisis recall and time per message on tests/data/routing*.jsonl, through the real pipeline.

    .venv/bin/python benchmarks/routing.py

Uses running Rasa and action servers, or starts them (like `safar replay`). Times are per message,
sequential, from the REST request to Rasa's full reply (NLU, policy, action server, retrieval).
"""

from __future__ import annotations

import collections
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from safar.ask import ask, read_jsonl  # noqa: E402
from core.settings import REPO_ROOT, get_settings  # noqa: E402


def main() -> int:
    """Print the routing report."""
    items = []
    for name in ("routing.jsonl", "routing_people.jsonl"):  # the second: Dari, Ukrainian, Arabic, written separately
        items += read_jsonl((REPO_ROOT / "tests" / "data" / name).read_text(encoding="utf-8").splitlines())
    outcomes = ask(get_settings(), items)
    # An answerable question offered as choices has its content one press away: counted as "answer".
    pairs = [(item["route"], "answer" if (item["route"], o.route) == ("answer", "suggest") else o.route)
             for item, o in zip(items, outcomes)]
    accuracy = sum(a == b for a, b in pairs) / len(pairs)
    print(f"{len(pairs)} messages; route accuracy {accuracy:.3f}")
    for route in ("answer", "handoff", "crisis", "out_of_scope"):
        got = [b for a, b in pairs if a == route]
        counts = collections.Counter(got)
        print(f"  {route}: {counts[route]}/{len(got)} ({counts[route] / max(1, len(got)):.3f}); "
              f"instead: {dict((k, v) for k, v in counts.items() if k != route)}")
    by_lang = collections.defaultdict(list)
    for item, (a, b) in zip(items, pairs):
        by_lang[item.get("language", "en")].append(a == b)
    print("  by language: " + ", ".join(f"{k} {np.mean(v):.3f} (n={len(v)})" for k, v in sorted(by_lang.items())))
    crisis = [b == "crisis" for a, b in pairs if a == "crisis"]
    print(f"crisis recall {np.mean(crisis):.3f} ({sum(crisis)}/{len(crisis)})")
    ms = np.array([o.seconds * 1000 for o in outcomes])
    print(f"time per message (set slots + message): p50 {np.percentile(ms, 50):.0f} ms, "
          f"p95 {np.percentile(ms, 95):.0f} ms, max {ms.max():.0f} ms")
    by_route = collections.defaultdict(list)
    for o in outcomes:
        by_route[o.route].append(o.seconds * 1000)
    print("  by route: " + ", ".join(f"{k} p50 {np.percentile(v, 50):.0f} ms" for k, v in sorted(by_route.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main())
