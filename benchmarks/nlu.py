"""Tune the FallbackClassifier threshold on held-out NLU examples, through a running Rasa server.

    .venv/bin/python benchmarks/nlu.py [--rasa-url http://127.0.0.1:5005]

For each threshold: the share of correctly classified messages that would fall back (lost: the
user gets "say it another way" or a knowledge-base try) and the share of misclassified ones it
catches (they would otherwise take a wrong route). Prints the threshold with the best balance.
Starts Rasa and the action server itself when none is running.
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from crisis.classifier import nlu_examples  # noqa: E402
from safar.ask import pipeline  # noqa: E402
from core.settings import REPO_ROOT, get_settings  # noqa: E402

def parse(url: str, text: str) -> tuple[str, float]:
    """Top intent and confidence before the FallbackClassifier relabels anything."""
    req = urllib.request.Request(f"{url}/model/parse", data=json.dumps({"text": text}).encode(),
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        data = json.load(resp)
    ranking = [r for r in data.get("intent_ranking", []) if r["name"] != "nlu_fallback"]
    return ranking[0]["name"], float(ranking[0]["confidence"])


def main() -> int:
    """Print the threshold table."""
    settings = get_settings()
    parser = argparse.ArgumentParser()
    parser.add_argument("--rasa-url", default=settings.rasa_url)
    args = parser.parse_args()
    data = nlu_examples(REPO_ROOT / "tests" / "data" / "nlu_test.yml")
    with pipeline(settings):
        preds = [(intent, *parse(args.rasa_url, text)) for text, intent in data]
    right = [c for gold, name, c in preds if gold == name]
    wrong = [c for gold, name, c in preds if gold != name]
    print(f"{len(preds)} held-out examples: {len(right)} right, {len(wrong)} wrong before any fallback")
    print("| threshold | right lost | wrong caught |\n|---|---|---|")
    best = (0.0, -1.0)
    for t in [x / 100 for x in range(10, 65, 5)]:
        lost = sum(c < t for c in right) / len(right)
        caught = sum(c < t for c in wrong) / max(1, len(wrong))
        print(f"| {t:.2f} | {lost:.3f} | {caught:.3f} |")
        # Losing a right answer costs the user a rephrase; a wrong route can cost much more, but
        # losing more than 5% of right answers makes the bot tiresome.
        if lost <= 0.05 and caught - lost > best[1]:
            best = (t, caught - lost)
    print(f"\nbest threshold (at most 5% of right answers lost): {best[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
