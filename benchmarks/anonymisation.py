"""How much personal data `anonymise` removes, how many ordinary words it loses, and how fast.

    .venv/bin/python benchmarks/anonymisation.py [SET.jsonl | demo ...] [-v]

Default sets: tests/data/anonymisation.jsonl (tuned on) and tests/data/anonymisation_holdout.jsonl
(written after tuning stopped). Each line is {"text", "spans": [{"start", "end", "kind"}], "language"}.

A marked span counts as removed when none of its words survive in the output; a word outside
every span counts as lost when it does not survive. "Survive" is decided by aligning the words
of the input with those of the output (difflib), so a word that also occurs elsewhere in the
message is not mistaken for a survivor, and placeholders never match a word.
"""

from __future__ import annotations

import collections
import difflib
import json
import re
import sys
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from privacy.anonymise import KINDS, anonymise, find_spans  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SETS = (REPO_ROOT / "tests/data/anonymisation.jsonl", REPO_ROOT / "tests/data/anonymisation_holdout.jsonl")
STRUCTURED = ("PHONE", "EMAIL", "HANDLE", "ID", "IBAN", "DOB", "DATE")
_WORD = re.compile(r"<[A-Z]+>|\w+")


def load(path: Path) -> list[dict[str, Any]]:
    """The labelled messages of one JSONL set."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def surviving_words(text: str, output: str) -> list[tuple[int, int, bool]]:
    """Each word of text as (start, end, survives in output)."""
    words = list(_WORD.finditer(text))
    out = [m.group(0) for m in _WORD.finditer(output)]
    matcher = difflib.SequenceMatcher(None, [m.group(0) for m in words], out, autojunk=False)
    kept = set()
    for block in matcher.get_matching_blocks():
        kept.update(range(block.a, block.a + block.size))
    return [(m.start(), m.end(), i in kept) for i, m in enumerate(words)]


def score(items: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Removal share per kind, words lost (overall and per language), and the misses."""
    removed: collections.Counter[str] = collections.Counter()
    total: collections.Counter[str] = collections.Counter()
    typed: collections.Counter[str] = collections.Counter()
    words: collections.Counter[str] = collections.Counter()
    lost: collections.Counter[str] = collections.Counter()
    spans_by_language: collections.Counter[str] = collections.Counter()
    removed_by_language: collections.Counter[str] = collections.Counter()
    misses: list[str] = []
    losses: list[str] = []
    for item in items:
        text, spans, lang = item["text"], item["spans"], item.get("language", "?")
        output = anonymise(text)
        found = find_spans(text)
        survival = surviving_words(text, output)
        for span in spans:
            inside = [ok for s, e, ok in survival if s < span["end"] and span["start"] < e]
            total[span["kind"]] += 1
            spans_by_language[lang] += 1
            if not any(inside):
                removed[span["kind"]] += 1
                removed_by_language[lang] += 1
            else:
                misses.append(f"{span['kind']}: {text[span['start']:span['end']]!r} in {output!r}")
            if any(f.kind == span["kind"] and f.start < span["end"] and span["start"] < f.end for f in found):
                typed[span["kind"]] += 1
        for s, e, ok in survival:
            if any(s < span["end"] and span["start"] < e for span in spans):
                continue
            words[lang] += 1
            if not ok:
                lost[lang] += 1
                losses.append(f"{text[s:e]!r} in {output!r}")
    kinds = [*KINDS, *sorted(set(total) - set(KINDS))]  # e.g. DATE: any date, reported but not a target
    share = {k: removed[k] / total[k] for k in kinds if total[k]}
    structured = sum(removed[k] for k in STRUCTURED) / max(1, sum(total[k] for k in STRUCTURED))
    return {
        "removed": share,
        "counts": {k: (removed[k], total[k]) for k in kinds if total[k]},
        "typed": {k: typed[k] / total[k] for k in kinds if total[k]},
        "structured": structured,
        "removed_by_language": {k: (removed_by_language[k] / n, n) for k, n in sorted(spans_by_language.items())},
        "words_lost": sum(lost.values()) / max(1, sum(words.values())),
        "words_lost_by_language": {k: (lost[k] / words[k], words[k]) for k in sorted(words)},
        "misses": misses,
        "losses": losses,
    }


def throughput(texts: list[str], rounds: int = 5) -> float:
    """Messages per second over the texts, after one warm-up pass (which loads the word lists)."""
    for text in texts:
        anonymise(text)
    started = time.perf_counter()
    for _ in range(rounds):
        for text in texts:
            anonymise(text)
    return rounds * len(texts) / (time.perf_counter() - started)


def demo_set() -> list[dict[str, Any]]:
    """A set the rules were never tuned on: the demo questions (written by another author for
    `safar demo-log`) with each placeholder filled with each made-up value of its kind.

    {CASE} counts as ID; {DATE} is any date (a flight or interview date as often as a birth date), DATE.
    """
    from insights.demo_log import FAKE, THEMES
    from knowledge_base.yaml_io import load_yaml

    kinds = {"NAME": "NAME", "PHONE": "PHONE", "EMAIL": "EMAIL", "CASE": "ID", "DATE": "DATE"}
    items: list[dict[str, Any]] = []
    for theme in load_yaml(THEMES.read_text(encoding="utf-8"))["themes"]:
        for lang, questions in theme["questions"].items():
            for template in questions:
                slots = re.findall(r"\{(NAME|PHONE|CASE|EMAIL|DATE)\}", template)
                if not slots:
                    items.append({"text": template, "spans": [], "language": lang})
                    continue
                for value in FAKE[slots[0]]:
                    text, spans = "", []
                    for piece in re.split(r"(\{(?:NAME|PHONE|CASE|EMAIL|DATE)\})", template):
                        if piece.startswith("{") and piece.endswith("}"):
                            spans.append({"start": len(text), "end": len(text) + len(value), "kind": kinds[piece[1:-1]]})
                            text += value
                        else:
                            text += piece
                    items.append({"text": text, "spans": spans, "language": lang})
    return items


def report(path: Path, verbose: bool) -> None:
    """Print the figures for one labelled set (the path `demo` means the demo questions)."""
    items = demo_set() if str(path) == "demo" else load(path)
    started = time.perf_counter()
    anonymise(items[0]["text"])
    first = time.perf_counter() - started
    result = score(items)
    print(f"{path.name}: {len(items)} messages, {sum(1 for i in items if i['spans'])} with personal data")
    for kind, share in result["removed"].items():
        n_removed, n = result["counts"][kind]
        print(f"  {kind:<8} removed {share:.3f} ({n_removed}/{n}), typed as labelled {result['typed'][kind]:.3f}")
    print(f"  structured (PHONE EMAIL HANDLE ID IBAN DOB DATE) removed {result['structured']:.3f}")
    print("  all kinds removed by language: "
          + ", ".join(f"{k} {v:.3f} (n={n})" for k, (v, n) in result["removed_by_language"].items()))
    print(f"  ordinary words lost {result['words_lost']:.3f}; by language: "
          + ", ".join(f"{k} {v:.3f} (n={n})" for k, (v, n) in result["words_lost_by_language"].items()))
    print(f"  throughput {throughput([i['text'] for i in items]):.0f} messages/s (first call {first * 1000:.0f} ms)")
    if verbose:
        for line in result["misses"]:
            print("  miss", line)
        for line in result["losses"]:
            print("  lost", line)


def main(argv: list[str]) -> int:
    """Print the report for each set named (default: the tuning set and the held-out set)."""
    verbose = "-v" in argv
    paths = [Path(a) for a in argv if a != "-v"] or [*(p for p in DEFAULT_SETS if p.exists()), Path("demo")]
    for path in paths:
        report(path, verbose)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
