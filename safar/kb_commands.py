"""`safar kb validate|build|stats|search`."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any


def _settings():  # noqa: ANN202
    from core.settings import get_settings

    return get_settings()


def cmd_validate(args: argparse.Namespace) -> int:
    """Print one line per problem; exit 1 when there are errors."""
    from retrieval.build import load_content

    from crisis.contacts import check_all

    collection = load_content(_settings())
    for problem in collection.errors:
        print(problem.line())
    contact_problems = check_all()  # the crisis contacts of every programme location are content too
    for line in contact_problems:
        print(line)
    for problem in collection.warnings:
        if args.warnings or "stale" in problem.message or "source changed" in problem.message:
            print(problem.line(), file=sys.stderr)
    n_warn = len(collection.warnings)
    n_err = len(collection.errors) + len(contact_problems)
    summary = f"{len(collection.passages)} passages, {n_err} error(s), {n_warn} warning(s)"
    print(summary if not n_err else f"invalid: {summary}", file=sys.stderr)
    return 1 if n_err else 0


def cmd_build(args: argparse.Namespace) -> int:
    """Build or refresh the index."""
    from retrieval.build import build

    report = build(_settings())
    print(f"Indexed {report.passages} passages ({report.embedded} embedded, {report.reused} reused) in {report.seconds:.1f} s.")
    return 0


def cmd_stats(args: argparse.Namespace) -> int:
    """Counts by country, topic and language."""
    from knowledge_base.passages import stats
    from retrieval.build import load_content

    data = stats(load_content(_settings()).passages)
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=1))
        return 0
    print(f"{data['passages']} passages")
    for lang, n in data["by_language"].items():  # type: ignore[union-attr]
        print(f"  {lang}: {n}")
    for country, topics in data["by_country_topic"].items():  # type: ignore[union-attr]
        print(f"{country}: " + ", ".join(f"{t} {n}" for t, n in topics.items()))
    return 0


def cmd_stamp(args: argparse.Namespace) -> int:
    """Record the source version of unstamped translations (and of every translation in the named files)."""
    from knowledge_base.stamp import stamp_translations
    from retrieval.build import load_content

    collection = load_content(_settings())
    stamped = stamp_translations(collection.passages, set(args.files))
    print(f"Stamped {len(stamped)} translation(s) with their source's current version.")
    return 0


def cmd_calibrate(args: argparse.Namespace) -> int:
    """Refit the gate on the tune half (plus what people chose, with --from-log); print the held-out half."""
    from retrieval.calibrate import calibrate, questions_from_log
    from retrieval.retriever import Retriever

    settings = _settings()
    retriever = Retriever.open(settings.index_dir, settings.resolved_embedding_model())
    extra = []
    if args.from_log:
        from storage.db import make_engine, make_sessionmaker

        extra = questions_from_log(make_sessionmaker(make_engine(settings.resolved_database_url())))
    result = calibrate(retriever, extra)
    gate = result.gate
    print(f"fitted on {result.n_tune} questions ({result.n_from_log} from use); answer >= {gate.threshold:.3f}, "
          f"choices >= {gate.suggest_threshold:.3f}")
    print("held-out half: language, answered right, answered wrong, right answered or offered, uncovered held back")
    for lang, r in result.held_out.items():
        print(f"  {lang}: {r.answered_right:.3f} {r.answered_wrong:.3f} {r.right_or_offered:.3f} "
              f"{r.held_back_uncovered:.3f} (n={r.n_covered}+{r.n_uncovered})")
    if args.save:
        gate.save()
        print("saved retrieval/calibration.json; restart the action server to use it")
    else:
        print("not saved (add --save)")
    return 0


def result_json(result: Any) -> dict[str, Any]:
    """A search result as JSON-ready data."""
    return {
        "language": result.language,
        "fell_back_from": result.fell_back_from,
        "confident": result.confident,
        "outcome": result.outcome,
        "confidence": round(result.confidence, 4),
        "choices_confidence": round(result.choices_confidence, 4),
        "passages": [
            {"id": h.passage.id, "country": h.passage.country, "topic": h.passage.topic, "language": h.passage.language,
             "score": round(h.score, 6), "dense": round(h.dense, 4), "bm25": round(h.bm25, 4),
             "title": h.passage.title, "heading": h.passage.heading, "source": h.passage.source}
            for h in result.hits
        ],
    }


def cmd_search(args: argparse.Namespace) -> int:
    """Ranked passages for a question."""
    from retrieval.retriever import Retriever

    settings = _settings()
    country = args.country.upper() if args.country else None
    retriever = Retriever.open(settings.index_dir, settings.resolved_embedding_model())
    result = retriever.search(args.text, country, args.language, k=args.k)
    data = result_json(result)
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=1))
        return 0
    verdict = {"answer": "confident (would answer)", "suggest": "unsure (would offer the first three)",
               "handoff": "not confident (would hand off)"}[result.outcome]
    fallback = f", fell back from {result.fell_back_from} to {result.language}" if result.fell_back_from else ""
    print(f"{verdict}: p={result.confidence:.2f}, choices p={result.choices_confidence:.2f}{fallback}")
    for i, p in enumerate(data["passages"], 1):
        print(f"{i}. {p['id']}  score={p['score']:.4f} dense={p['dense']:.3f} bm25={p['bm25']:.2f}")
    return 0


def register(sub: Any) -> None:
    """Add the `kb` command group to the main parser."""
    kb = sub.add_parser("kb", help="the knowledge base: validate, build, stats, search").add_subparsers(
        dest="kb_command", metavar="ACTION", required=True
    )
    p = kb.add_parser("validate", help="check every content file; exit 1 with one line per problem")
    p.add_argument("--warnings", action="store_true", help="also list length warnings (stale files are always listed)")
    p.set_defaults(func=cmd_validate)
    p = kb.add_parser("stamp", help="record which source version each translation was made from")
    p.add_argument("files", nargs="*", help="content files whose translations were updated: re-stamp them too")
    p.set_defaults(func=cmd_stamp)
    p = kb.add_parser("calibrate", help="refit the confidence gate on labelled questions (half held out)")
    p.add_argument("--from-log", action="store_true", help="also learn from choices and helpful ratings in the log")
    p.add_argument("--save", action="store_true", help="write retrieval/calibration.json")
    p.set_defaults(func=cmd_calibrate)
    kb.add_parser("build", help="build or refresh the index (re-embeds only changed passages)").set_defaults(func=cmd_build)
    p = kb.add_parser("stats", help="passages by country, topic and language")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_stats)
    p = kb.add_parser("search", help="ranked passages for a question")
    p.add_argument("text")
    p.add_argument("--country", required=True, help="destination, e.g. CA")
    p.add_argument("--language", default="en")
    p.add_argument("-k", type=int, default=5)
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_search)
