"""The gap report's CSV files: the same figures as the page, for spreadsheets (UTF-8, header row)."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from insights.report_model import ContentRow, ReportData
from insights.report_words import Names, joined, largest_first, sheet_safe


@dataclass(frozen=True)
class CsvFile:
    """One CSV download: its file name and what it holds."""

    name: str
    description: str


CSV_FILES = (
    CsvFile("questions_by_country_topic.csv", "Questions, answers and gaps per destination country and topic"),
    CsvFile("questions_by_week.csv", "Questions per week, one column per destination country"),
    CsvFile("gap_clusters.csv", "Every cluster of similar unanswered questions, with up to three examples"),
    CsvFile("content_never_used.csv", "Knowledge-base passages no answer came from"),
    CsvFile("content_past_review.csv", "Knowledge-base passages past their review date"),
    CsvFile("handoffs_by_reason.csv", "Trainer handoff tickets per reason"),
    CsvFile("handoff_first_reply.csv", "Time to the first trainer reply: median, 90th percentile, share within the SLA"),
    CsvFile("handoff_desk.csv", "The trainers' desk by week and by reason: first reply, resolution, past the SLA, reassigned"),
)

CONTENT_HEADER = (
    "passage_id", "country", "topic", "language", "title", "heading",
    "last_reviewed", "review_due", "times_used", "rated_unhelpful",
)


def _write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        writer.writerows(["" if v is None else v for v in row] for row in rows)


def _content_rows(rows: Iterable[ContentRow]) -> Iterable[list[Any]]:
    for r in rows:
        yield [
            r.passage_id, r.country, r.topic, r.language, r.title, r.heading,
            r.last_reviewed.isoformat(), r.review_due.isoformat(), r.times_used, r.rated_unhelpful,
        ]


def _week_columns(weeks: Sequence[Any]) -> list[str]:
    totals: dict[str, int] = {}
    for w in weeks:
        for key, n in w.counts.items():
            totals[key] = totals.get(key, 0) + n
    return sorted(totals, key=lambda k: (-totals[k], k))


def write_csvs(data: ReportData, out_dir: Path) -> list[CsvFile]:
    """Write the report's CSV files into out_dir (UTF-8, header row) and return what was written."""
    names = Names(data)
    _write_csv(
        out_dir / "questions_by_country_topic.csv",
        ("country", "country_name", "topic", "topic_title", "module", "module_title", "questions", "answered", "gaps", "unhelpful"),
        (
            [r.country, names.country(r.country), r.topic, names.topic(r.topic), r.module, names.module(r.module),
             r.questions, r.answered, r.gaps, r.unhelpful]
            for r in data.topics
        ),
    )
    columns = _week_columns(data.weekly_by_country)
    _write_csv(
        out_dir / "questions_by_week.csv",
        ("week", *columns),
        ([w.week.isoformat(), *(w.counts.get(c, 0) for c in columns)] for w in data.weekly_by_country),
    )
    _write_csv(
        out_dir / "gap_clusters.csv",
        ("cluster", "size", "topic", "module", "content_status", "content_passages", "best_score",
         "countries", "languages", "reasons", "example_1", "example_2", "example_3"),
        (
            [c.id, c.size, c.topic, c.module, c.content_status, c.content_passages,
             None if c.best_score is None else round(c.best_score, 4),
             joined(c.countries), joined(c.languages), joined(c.reasons),
             *[sheet_safe(e) for e in (list(c.examples[:3]) + ["", "", ""])[:3]]]
            for c in data.clusters
        ),
    )
    _write_csv(out_dir / "content_never_used.csv", CONTENT_HEADER, _content_rows(data.never_used))
    _write_csv(out_dir / "content_past_review.csv", CONTENT_HEADER, _content_rows(data.stale))
    h = data.handoffs
    _write_csv(out_dir / "handoffs_by_reason.csv", ("reason", "tickets"), largest_first(h.by_reason))
    _write_csv(
        out_dir / "handoff_first_reply.csv",
        ("tickets", "median_first_reply_hours", "p90_first_reply_hours", "within_sla", "sla_hours", "still_open"),
        [[
            h.tickets,
            None if h.median_first_reply_hours is None else round(h.median_first_reply_hours, 2),
            None if h.p90_first_reply_hours is None else round(h.p90_first_reply_hours, 2),
            None if h.within_sla is None else round(h.within_sla, 4),
            h.sla_hours,
            h.still_open,
        ]],
    )
    _write_csv(
        out_dir / "handoff_desk.csv",
        ("by", "key", "tickets", "replied", "median_first_reply_hours", "median_resolution_hours", "past_sla",
         "reassigned"),
        ([by, r.key, r.tickets, r.replied, r.median_first_reply_hours, r.median_resolution_hours, r.past_sla,
          r.reassigned]
         for by, rows in (("week", h.by_week_desk), ("reason", h.by_reason_desk)) for r in rows),
    )
    return list(CSV_FILES)
