"""Crisis detection on the labelled crisis set, by split and language: recall, and full-protocol false alarms.

    .venv/bin/python benchmarks/crisis.py            # net and the whole pipeline (starts Rasa if needed)
    .venv/bin/python benchmarks/crisis.py --net      # the bot's own detector (net + reader), no servers
    .venv/bin/python benchmarks/crisis.py --patterns # the phrase net alone

tests/data/crisis/tune.jsonl is what the patterns and the classifier threshold were tuned on;
holdout.jsonl was written separately and measured once before a second round of general patterns;
holdout2.jsonl was written separately again, measured once, then a third round was tuned on its
misses; holdout3.jsonl the same again before a fourth round; holdout4.jsonl was written separately
by another author after that and never tuned on; holdout5.jsonl was written by a third author who
read neither the detector nor any set, and its messages are kept unread (`--unread holdout5` prints
its figures without its texts). docs/benchmarks.md gives each figure as first measured. "Full protocol" is what a person gets:
the bot's own detector first (the phrase net, then the character n-gram reader of
crisis/classifier.py when it is confident), else Rasa's crisis route (the action server's net, or the classifier at or
above SAFAR_CRISIS_CONFIDENCE). A weak classifier guess on an ordinary question is a "gentle line",
not a false alarm: the question is answered, with the emergency number under it.
"""

from __future__ import annotations

import argparse
import collections
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from crisis.classifier import reader_for  # noqa: E402
from crisis.detector import CrisisDetector  # noqa: E402
from core.settings import REPO_ROOT, get_settings  # noqa: E402

SETS = REPO_ROOT / "tests" / "data" / "crisis"
LANGUAGES = ("en", "fr", "ar", "fa", "uk")
SPLITS = ("tune", "holdout", "holdout2", "holdout3", "holdout4", "holdout5", "holdout6")


def load(split: str) -> list[dict]:
    """The labelled messages of one split (empty when the file does not exist yet)."""
    path = SETS / f"{split}.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def main() -> int:
    """Print the table; exit 1 when a crisis message would miss the protocol."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--net", action="store_true", help="the bot's own detector only: what Rasa being down leaves")
    parser.add_argument("--patterns", action="store_true", help="the phrase net alone, without the reader")
    parser.add_argument("--unread", action="append", default=[], metavar="SPLIT",
                        help="print this split's figures but not its missed messages (a set kept unseen)")
    parser.add_argument("--only", action="append", default=[], metavar="SPLIT", help="measure only these splits")
    args = parser.parse_args()
    settings = get_settings()
    reader = None if args.patterns else reader_for(settings)
    detector = CrisisDetector.load(reader=reader)
    missed_any = False
    for split in args.only or SPLITS:
        rows = load(split)
        if not rows:
            print(f"{split}: no file")
            continue
        net = [detector.matches(r["text"]) for r in rows]
        if args.net or args.patterns:
            full, gentle = net, [False] * len(rows)
        else:
            from safar.ask import ask

            outcomes = ask(settings, [{"text": r["text"], "country": r.get("country", "CA"),
                                             "language": r["language"]} for r in rows])
            full = [n or o.route == "crisis" for n, o in zip(net, outcomes)]
            gentle = [o.gentle for o in outcomes]
        print(f"\n{split} ({len(rows)} messages) — {'patterns only' if args.patterns else 'bot only' if args.net else 'bot + pipeline'}")
        print("lang  crisis recall      near-miss false alarms  gentle lines  missed, with the number")
        by_lang = collections.defaultdict(list)
        for r, f, g in zip(rows, full, gentle):
            by_lang[r["language"]].append((r, f, g))
        for lang in LANGUAGES:
            items = by_lang.get(lang, [])
            crisis = [f for r, f, _ in items if r["label"] == "crisis"]
            ordinary = [(f, g) for r, f, g in items if r["label"] != "crisis"]
            alarms = sum(f for f, _ in ordinary)
            # A missed crisis answered with the emergency-number line (the reader leaned to crisis).
            noticed = sum(g for r, f, g in items if r["label"] == "crisis" and not f)
            print(f"{lang:4}  {sum(crisis):3}/{len(crisis):<3} = {sum(crisis) / max(1, len(crisis)):.3f}   "
                  f"{alarms:3}/{len(ordinary):<3}                 {sum(g for f, g in ordinary if not f):3}"
                  f"           {noticed}/{len(crisis) - sum(crisis)}")
            missed_any |= sum(crisis) < len(crisis)
        for r, f, _ in zip(rows, full, gentle):
            if split in args.unread:
                break
            if r["label"] == "crisis" and not f:
                print(f"  missed [{r['language']}/{r['kind']}] {r['text']}")
            if r["label"] != "crisis" and f:
                print(f"  false alarm [{r['language']}] {r['text']}")
    return 1 if missed_any else 0


if __name__ == "__main__":
    sys.exit(main())
