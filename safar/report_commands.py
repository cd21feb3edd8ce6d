"""`safar anonymise`: the question log's anonymiser as a filter from stdin to stdout."""

from __future__ import annotations

import argparse
import io
import re
import sys
from datetime import date, datetime, timedelta, timezone
from typing import Any, BinaryIO, TextIO


def anonymise_stream(source: BinaryIO, sink: TextIO) -> int:
    """Write each line of source anonymised to sink; return the number of lines."""
    from privacy.anonymise import anonymise

    # Bytes in, so that invalid UTF-8 becomes U+FFFD instead of stopping the run halfway.
    lines = io.TextIOWrapper(source, encoding="utf-8", errors="replace", newline=None)
    count = 0
    for line in lines:
        sink.write(anonymise(line.rstrip("\n")) + "\n")
        count += 1
    sink.flush()
    return count


def cmd_anonymise(args: argparse.Namespace) -> int:
    """Anonymise stdin line by line onto stdout."""
    out = io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="\n", write_through=False)
    try:
        anonymise_stream(sys.stdin.buffer, out)
    finally:
        out.detach()  # leave sys.stdout usable (and open) for whoever called us
    return 0


_SINCE = re.compile(r"^(\d+)([dw])$")


def parse_since(value: str, now: datetime) -> datetime:
    """`30d`, `12w` or a date `2026-09-01` into the start of the report's period (UTC)."""
    match = _SINCE.match(value.strip().lower())
    if match:
        n = int(match.group(1))
        return now - (timedelta(days=n) if match.group(2) == "d" else timedelta(weeks=n))
    try:
        day = date.fromisoformat(value.strip())
    except ValueError as exc:
        raise ValueError(f"--since {value!r}: use a number of days or weeks (30d, 12w) or a date (2026-09-01)") from exc
    return datetime(day.year, day.month, day.day, tzinfo=timezone.utc)


def cmd_report(args: argparse.Namespace) -> int:
    """Write the curriculum gap report (HTML + CSV) for a period and optionally one country."""
    from pathlib import Path

    from insights.report_data import build_report
    from insights.report_model import Period
    from insights.report_render import render_report
    from knowledge_base.passages import load_collection
    from knowledge_base.taxonomy import load_taxonomy
    from retrieval.embedder import Embedder
    from safar.usage import UsageError
    from safar.prepare import prepare_database, say
    from core.settings import get_settings
    from storage.db import make_engine, make_sessionmaker

    settings = get_settings()
    now = datetime.now(timezone.utc)
    try:
        start = parse_since(args.since, now)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc
    taxonomy = load_taxonomy(settings.taxonomy_path)
    country = args.country.upper() if args.country else None
    if country is not None and country not in taxonomy.countries:
        raise UsageError(f"--country {args.country!r} is not a destination; use one of {', '.join(taxonomy.countries)}")
    prepare_database(settings)
    passages = load_collection(settings.kb_dir, taxonomy).passages
    say("Grouping similar questions (loads the embedding model, a few seconds) ...")
    embedder = Embedder(settings.resolved_embedding_model())
    sessions = make_sessionmaker(make_engine(settings.resolved_database_url()))
    with sessions() as session:
        data = build_report(session, Period(start, now, country), taxonomy=taxonomy, passages=passages,
                            encode=embedder.encode, sla_hours=settings.handoff_reply_hours, now=now)
    index = render_report(data, Path(args.out))
    kind = "demo questions" if data.demo else "questions"
    print(f"Report on {data.totals.questions} {kind} since {start.date().isoformat()}: {index}")
    if not data.totals.questions:
        say("No questions were logged in this period; the page says so. Try a longer --since, or `safar demo-log`.")
    return 0


def positive(value: str) -> int:
    """An argparse type: a whole number of at least 1."""
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number of at least 1")
    return number


def cmd_demo_log(args: argparse.Namespace) -> int:
    """Write (or with --clear, remove) the generated demo question log."""
    from privacy.anonymise import anonymise
    from insights.demo_log import clear_demo, make_demo_log
    from retrieval.retriever import Retriever
    from safar.prepare import prepare_database, prepare_index, say
    from core.settings import get_settings
    from storage.db import make_engine, make_sessionmaker

    settings = get_settings()
    prepare_database(settings)
    sessions = make_sessionmaker(make_engine(settings.resolved_database_url()))
    if args.clear:
        with sessions.begin() as session:
            gone = clear_demo(session)
        print(f"Removed the demo log ({gone} questions and their demo tickets).")
        return 0
    prepare_index(settings)
    say(f"Generating {args.rows} demo questions over {args.days} days through the real retriever (about a minute) ...")
    retriever = Retriever.open(settings.index_dir, settings.resolved_embedding_model())
    with sessions.begin() as session:
        made = make_demo_log(session, retriever, anonymise, rows=args.rows, days=args.days, seed=args.seed,
                             sla_hours=settings.handoff_reply_hours)
    print(f"Wrote a demo log of {made.questions} questions and {made.tickets} closed trainer tickets, marked as demo "
          "data. Next: `safar report --out var/report`; remove it with `safar demo-log --clear`.")
    return 0


def register(sub: Any) -> None:
    """Add the `anonymise` command to the main parser."""
    summary = "read UTF-8 lines on stdin, write each with personal data replaced by <NAME>, <PHONE>, ... on stdout"
    p = sub.add_parser(
        "anonymise",
        help=summary,
        description=summary[0].upper() + summary[1:] + " (the function the question log uses; invalid UTF-8 becomes U+FFFD).",
    )
    p.set_defaults(func=cmd_anonymise)

    p = sub.add_parser("report", help="the curriculum gap report: DIR/index.html (self-contained) and CSV files",
                       description="Write the curriculum gap report for a period: what people ask by country, topic "
                       "and module; clusters of unanswered questions; unused and stale content; handoff figures.")
    p.add_argument("--since", default="90d", help="start of the period: 30d, 12w or a date like 2026-09-01 (default 90d)")
    p.add_argument("--country", help="only this destination, e.g. CA")
    p.add_argument("--out", required=True, help="folder to write index.html and the CSV files into")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("demo-log", help="fill the question log with generated demo questions (marked as demo data)",
                       description="Generate a realistic question log for trying `safar report`: questions run through "
                       "the real retriever and anonymiser; behaviour such as feedback is simulated. Demo rows are "
                       "marked and are never mixed with real questions in a report.")
    p.add_argument("--rows", type=positive, default=3000, help="how many questions (default 3000)")
    p.add_argument("--days", type=positive, default=90, help="over how many days up to now (default 90)")
    p.add_argument("--seed", type=int, default=7, help="random seed: the same seed gives the same log")
    p.add_argument("--clear", action="store_true", help="remove the demo log instead")
    p.set_defaults(func=cmd_demo_log)
