"""Retrieval benchmark: BM25-only, dense-only and hybrid side by side on the labelled set.

    .venv/bin/python benchmarks/retrieval.py [--calibrate] [--json OUT]

Prints hit@1, hit@3, MRR and query latency (p50/p95, encoding included) per method, the gate's
answer/abstain trade-off on the held-out half, index build time from scratch and peak memory.
--calibrate refits the gate on the tune half and saves retrieval/gate.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

from retrieval.build import load_content  # noqa: E402
from retrieval.embedder import Embedder  # noqa: E402
from retrieval.evaluation import (ABSTAIN_TARGET, fit_gate, gate_report, load_questions, run_method, search_outcomes,  # noqa: E402
                                  search_report, tune_fusion)
from retrieval.gate import Gate  # noqa: E402
from retrieval.index import BuildReport, build_index, load_index  # noqa: E402
from retrieval.retriever import Retriever  # noqa: E402
from core.settings import get_settings  # noqa: E402


def main() -> int:
    """Run the benchmark and print a Markdown report."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--calibrate", action="store_true", help="refit the gate on the tune half and save it")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    parser.add_argument("--built", action="store_true", help="use the index `safar kb build` made (skip the timed build)")
    parser.add_argument("--abstain-target", type=float, default=ABSTAIN_TARGET,
                        help="with --calibrate: share of uncovered tune questions the gate must hold back")
    args = parser.parse_args()

    settings = get_settings()
    t0 = time.perf_counter()
    embedder = Embedder(settings.resolved_embedding_model())
    load_s = time.perf_counter() - t0
    passages = load_content(settings).passages
    if args.built:
        index = load_index(settings.index_dir, model_id=embedder.model_id)
        report = BuildReport(len(passages), 0, len(passages), 0.0, False)
        size_mb = sum(f.stat().st_size for f in settings.index_dir.iterdir()) / 1e6
    else:
        with tempfile.TemporaryDirectory() as tmp:
            report = build_index(passages, Path(tmp), model_id=embedder.model_id, encode=embedder.encode)
            index = load_index(Path(tmp), model_id=embedder.model_id)
            size_mb = sum(f.stat().st_size for f in Path(tmp).iterdir()) / 1e6
    t1 = time.perf_counter()
    retriever = Retriever(index, embedder, Gate() if args.calibrate else Gate.load())
    bm25_s = time.perf_counter() - t1

    questions = load_questions()
    covered = sum(q.covered for q in questions)
    embedder.encode(["warm up"])  # first call pays one-off allocation costs
    for q in questions[:20]:  # warm BM25 and FAISS too, so no method pays first-call costs
        retriever.rank(q.text, retriever.allowed_rows(q.country, q.language), q.language)
    if args.calibrate:
        # Fusion weights and the gate are fitted on the tune half only; figures below marked
        # "held-out" are on the other half.
        retriever.gate.dense_weight = tune_fusion(retriever, [q for q in questions if q.split == "tune"])
    reports = {m: run_method(retriever, questions, m) for m in ("bm25", "dense", "hybrid")}
    hybrid = reports["hybrid"].outcomes
    tune = [o for o in hybrid if o.question.split == "tune"]
    test = [o for o in hybrid if o.question.split == "test"]
    gate = retriever.gate
    if args.calibrate:
        weights = gate.dense_weight
        gate = fit_gate(tune, min_abstain=args.abstain_target)
        gate.dense_weight = weights
        gate.save()
    held_out = gate_report(gate, test)
    full = gate_report(gate, hybrid)
    retriever.gate = gate
    results = search_outcomes(retriever, questions)
    outcome_rows = []
    for half in ("test", "tune"):
        for lang in sorted({q.language for q in questions}):
            part = [(q, r) for q, r in results if q.split == half and q.language == lang]
            if part:
                outcome_rows.append((half, lang, search_report(retriever, part)))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"labelled questions: {len(questions)} ({covered} covered, {len(questions) - covered} uncovered); "
          f"passages: {len(passages)}")
    print(f"model load {load_s:.1f} s; index build from scratch {report.seconds:.1f} s ({len(passages)} passages, "
          f"{size_mb:.1f} MB on disk); BM25 models {bm25_s:.2f} s; peak RSS {peak_mb:.0f} MB\n")
    print("| method | hit@1 | hit@3 | MRR | p50 ms | p95 ms |")
    print("|---|---|---|---|---|---|")
    for m, r in reports.items():
        print(f"| {m} | {r.hit1:.3f} | {r.hit3:.3f} | {r.mrr:.3f} | {r.p50_ms:.1f} | {r.p95_ms:.1f} |")
    by_lang: dict[str, list] = {}
    for o in hybrid:
        if o.question.covered:
            by_lang.setdefault(o.question.language, []).append(o.rank)
    print("\nhybrid hit@3 by language: " + ", ".join(
        f"{lang} {sum(1 for r in ranks if r and r <= 3) / len(ranks):.3f} (n={len(ranks)})" for lang, ranks in sorted(by_lang.items())))
    split_hits = {}
    for half in ("tune", "test"):
        outs = [o for o in hybrid if o.question.covered and o.question.split == half]
        split_hits[half] = (sum(1 for o in outs if o.rank == 1) / max(1, len(outs)),
                            sum(1 for o in outs if o.rank and o.rank <= 3) / max(1, len(outs)), len(outs))
    print("hybrid by half: " + ", ".join(f"{h} hit@1 {a:.3f} hit@3 {b:.3f} (n={n})" for h, (a, b, n) in split_hits.items()))
    print(f"dense weight in the fusion, per language: {gate.dense_weight}")
    print(f"\ngate ({gate.fitted_on}; threshold {gate.threshold:.3f}):")
    for name, g in (("held-out half", held_out), ("all questions", full)):
        print(f"  {name}: answers {g.answered_covered:.3f} of covered (top-1 right in {g.correct_when_answered:.3f} of those), "
              f"abstains on {g.abstained_uncovered:.3f} of uncovered (n={g.n_covered}+{g.n_uncovered})")
    print(f"\nwhat people get, end to end (answer >= {gate.threshold:.3f}, choices >= {gate.suggest_threshold:.3f}; "
          "user's language first, English fallback):")
    print("| half | language | covered | answered right | answered wrong | right answered or offered | offered | "
          "uncovered | held back |")
    print("|---|---|---|---|---|---|---|---|---|")
    for half, lang, r in outcome_rows:
        print(f"| {'held-out' if half == 'test' else 'tune'} | {lang} | {r.n_covered} | {r.answered_right:.3f} | "
              f"{r.answered_wrong:.3f} | {r.right_or_offered:.3f} | {r.offered:.3f} | {r.n_uncovered} | "
              f"{r.held_back_uncovered:.3f} |")
    if args.json:
        args.json.write_text(json.dumps({
            "methods": {m: {k: getattr(r, k) for k in ("hit1", "hit3", "mrr", "p50_ms", "p95_ms", "n")} for m, r in reports.items()},
            "gate_held_out": held_out.__dict__, "gate_all": full.__dict__, "build_seconds": report.seconds,
            "outcomes": [{"half": h, "language": lang, **r.__dict__} for h, lang, r in outcome_rows],
            "peak_rss_mb": peak_mb, "passages": len(passages), "questions": len(questions),
        }, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
