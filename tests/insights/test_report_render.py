"""The curriculum gap report: HTML and CSV files rendered from a hand-built ReportData."""

from __future__ import annotations

import csv
import dataclasses
import re
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from insights.report_model import (
    ContentRow,
    GapCluster,
    HandoffStats,
    Labels,
    Period,
    ReportData,
    TopicRow,
    Totals,
    WeekCount,
)
from insights.report_csv import CSV_FILES
from insights.report_render import PRIVACY_NOTE, headline_bullets, render_report

SECTIONS = ("summary", "questions", "gaps", "content", "handoffs", "notes", "downloads")
SCRIPT = "<script>alert(1)</script>"
GENERATED = datetime(2025, 5, 2, 8, 30, tzinfo=timezone.utc)
MONDAYS = [date(2025, 3, 3) + timedelta(weeks=i) for i in range(8)]

LABELS = Labels(
    countries={"CA": "Canada", "DE": "Germany", "AU": "Australia", "NO": "Norway", "US": "United States"},
    topics={
        "housing": "Housing",
        "employment": "Employment",
        "health_care": "Health care",
        "travel_and_arrival": "Travel and arrival",
        "family_reunification": "Family reunification",
        "money_and_banking": "Money and banking",
    },
    modules={
        "settling": "Settling in - housing, money and services",
        "work_study": "Work, education and language",
        "health": "Health and psychosocial wellbeing",
        "travel": "Travel and the first days",
        "culture_family": "Culture, family and community",
    },
    topic_module={
        "housing": "settling",
        "employment": "work_study",
        "health_care": "health",
        "travel_and_arrival": "travel",
        "family_reunification": "culture_family",
        "money_and_banking": "settling",
    },
)

# country, topic, questions, answered, gaps, unhelpful
CELLS = [
    ("CA", "travel_and_arrival", 120, 80, 52, 6),
    ("CA", "housing", 90, 70, 24, 4),
    ("DE", "housing", 60, 30, 33, 3),
    ("DE", "employment", 55, 45, 12, 2),
    ("AU", "travel_and_arrival", 40, 20, 22, 2),
    ("AU", "health_care", 35, 30, 6, 1),
    ("CA", "family_reunification", 25, 10, 16, 1),
    ("DE", "money_and_banking", 18, 16, 2, 0),
    ("AU", "unknown", 7, 0, 7, 0),
]


def _topics() -> list[TopicRow]:
    rows = [
        TopicRow(country=c, topic=t, module=LABELS.topic_module.get(t, "unknown"), questions=q, answered=a, gaps=g, unhelpful=u)
        for c, t, q, a, g, u in CELLS
    ]
    return sorted(rows, key=lambda r: -r.gaps)


def _spread(total: int, weeks: int, offset: int) -> list[int]:
    """total split over the weeks, unevenly but deterministically, summing exactly to total."""
    weights = [(i * 7 + offset) % 5 + 1 for i in range(weeks)]
    shares = [total * w // sum(weights) for w in weights]
    shares[-1] += total - sum(shares)
    return shares


def _weekly(totals: dict[str, int]) -> list[WeekCount]:
    spread = {k: _spread(v, len(MONDAYS), i) for i, (k, v) in enumerate(sorted(totals.items()))}
    return [WeekCount(week=m, counts={k: spread[k][i] for k in spread}) for i, m in enumerate(MONDAYS)]


def _sum_by(rows: list[TopicRow], key: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for r in rows:
        out[getattr(r, key)] = out.get(getattr(r, key), 0) + r.questions
    return out


def _content(pid: str, country: str, topic: str, reviewed: date, due: date, used: int = 0, unhelpful: int = 0) -> ContentRow:
    return ContentRow(
        passage_id=pid, country=country, topic=topic, language="en", title=f"{topic.replace('_', ' ').title()} in {country}",
        heading="First steps", last_reviewed=reviewed, review_due=due, times_used=used, rated_unhelpful=unhelpful,
    )


CLUSTERS = [
    GapCluster(
        id=3, size=84,
        examples=["Can I bring my cat on the plane to Canada?", "What papers does my dog need to fly?", "Is there quarantine for pets?"],
        countries={"CA": 60, "AU": 24}, languages={"en": 50, "ar": 34}, reasons={"handoff": 30, "below_gate": 54},
        topic="travel_and_arrival", module="travel", content_status="none", content_passages=0, best_score=0.31,
    ),
    GapCluster(
        id=1, size=41,
        examples=[f"My landlord {SCRIPT} wants a deposit, is that allowed?", "<NAME> says I must pay 3 months rent first", "How much deposit is normal?"],
        countries={"DE": 30, "CA": 11}, languages={"fa": 25, "en": 16}, reasons={"below_gate": 28, "unhelpful": 13},
        topic="housing", module="settling", content_status="weak", content_passages=4, best_score=0.52,
    ),
    GapCluster(
        id=7, size=16,
        examples=["How long until my wife can join me?", "Can my mother come later with <NAME>?"],
        countries={"CA": 16}, languages={"ar": 16}, reasons={"handoff": 16},
        topic="family_reunification", module="culture_family", content_status="none", content_passages=0, best_score=None,
    ),
    GapCluster(
        id=2, size=12,
        examples=["=HYPERLINK(\"x\") is my qualification recognised?", "Do they accept my nursing diploma?"],
        countries={"DE": 12}, languages={"uk": 12}, reasons={"unhelpful": 12},
        topic="employment", module="work_study", content_status="unhelpful", content_passages=6, best_score=0.74,
    ),
    GapCluster(
        id=5, size=7,
        examples=["Is there a lottery for visas here?"],
        countries={"AU": 7}, languages={"en": 7}, reasons={"below_gate": 7},
        topic="unknown", module="unknown", content_status="none", content_passages=0, best_score=0.12,
    ),
    GapCluster(
        id=9, size=5,
        examples=["Which doctor do I see first?", "Do I pay for the GP?", "Health card when?"],
        countries={"AU": 5}, languages={"en": 5}, reasons={"handoff": 2, "below_gate": 3},
        topic="health_care", module="health", content_status="weak", content_passages=3, best_score=0.48,
    ),
]


def make_report(**changes: object) -> ReportData:
    """A realistic small report: 3 countries, 8 weeks, 6 clusters, stale and unused content."""
    topics = _topics()
    by_country = _sum_by(topics, "country")
    questions = sum(by_country.values())
    tickets_by_reason = {"below_confidence_gate": 40, "asked_for_person": 25, "case_specific": 12, "crisis": 3}
    replies = [0.5, 1.0, 1.5, 2.0, 3.0, 4.5, 5.2, 6.0, 8.0, 12.0, 20.0, 23.5, 26.0, 30.0, 49.0, 90.0] * 4
    data = ReportData(
        generated_at=GENERATED,
        period=Period(start=datetime(2025, 3, 3, tzinfo=timezone.utc), end=datetime(2025, 4, 28, tzinfo=timezone.utc)),
        demo=False,
        labels=LABELS,
        totals=Totals(questions=questions, users=212, answered=301, answered_by_choice=24, handed_off=80, below_gate=96, rated_helpful=140, rated_unhelpful=19),
        by_country=by_country,
        by_language={"en": 230, "ar": 110, "fa": 70, "uk": 40},
        by_topic=_sum_by(topics, "topic"),
        by_module=_sum_by(topics, "module"),
        weekly_by_country=_weekly(by_country),
        weekly_by_module=_weekly(_sum_by(topics, "module")),
        topics=topics,
        clusters=CLUSTERS,
        unclustered_gaps=9,
        never_used=[
            _content("ca-housing-en-3", "CA", "housing", date(2025, 1, 10), date(2025, 7, 10)),
            _content("de-money-en-2", "DE", "money_and_banking", date(2024, 12, 1), date(2025, 6, 1)),
            _content("au-health-en-5", "AU", "health_care", date(2024, 2, 1), date(2025, 2, 1)),
        ],
        stale=[
            _content("au-health-en-5", "AU", "health_care", date(2024, 2, 1), date(2025, 2, 1)),
            _content("de-housing-en-1", "DE", "housing", date(2023, 11, 5), date(2024, 11, 5), used=21, unhelpful=5),
        ],
        handoffs=HandoffStats(
            tickets=sum(tickets_by_reason.values()),
            by_reason=tickets_by_reason,
            by_week=_weekly(tickets_by_reason),
            first_reply_hours=replies,
            median_first_reply_hours=10.0,
            p90_first_reply_hours=49.0,
            within_sla=0.75,
            sla_hours=24,
            still_open=16,
        ),
        notes=["Norway and the United States had no questions in this period."],
    )
    return dataclasses.replace(data, **changes)


def empty_report() -> ReportData:
    """A period in which nobody asked anything (content still exists and can still be stale)."""
    base = make_report()
    return dataclasses.replace(
        base,
        totals=Totals(questions=0, users=0, answered=0, answered_by_choice=0, handed_off=0, below_gate=0, rated_helpful=0, rated_unhelpful=0),
        by_country={}, by_language={}, by_topic={}, by_module={},
        weekly_by_country=[], weekly_by_module=[], topics=[], clusters=[], unclustered_gaps=0,
        handoffs=HandoffStats(
            tickets=0, by_reason={}, by_week=[], first_reply_hours=[], median_first_reply_hours=None,
            p90_first_reply_hours=None, within_sla=None, sla_hours=24, still_open=0,
        ),
        notes=[],
    )


def read_csv(path: Path) -> list[dict[str, str]]:
    """A CSV file written by the report, as dicts by header."""
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The realistic report rendered once into a folder that does not exist yet."""
    out = tmp_path_factory.mktemp("report") / "nested" / "out"
    return render_report(make_report(), out)


@pytest.fixture(scope="module")
def html(rendered: Path) -> str:
    """The text of the rendered index.html."""
    return rendered.read_text(encoding="utf-8")


def test_writes_index_and_every_csv(rendered: Path) -> None:
    assert rendered.name == "index.html" and rendered.is_file()
    for f in CSV_FILES:
        assert (rendered.parent / f.name).is_file(), f.name
    assert rendered.stat().st_size < 2_000_000


def test_country_topic_csv_holds_the_rows_and_totals_add_up(rendered: Path) -> None:
    rows = read_csv(rendered.parent / "questions_by_country_topic.csv")
    assert list(rows[0]) == ["country", "country_name", "topic", "topic_title", "module", "module_title", "questions", "answered", "gaps", "unhelpful"]
    assert len(rows) == len(CELLS)
    data = make_report()
    assert sum(int(r["questions"]) for r in rows) == data.totals.questions
    assert sum(int(r["gaps"]) for r in rows) == sum(c[4] for c in CELLS)
    first = rows[0]  # most gaps first, as given
    assert (first["country"], first["country_name"], first["topic"], first["topic_title"], first["module_title"]) == (
        "CA", "Canada", "travel_and_arrival", "Travel and arrival", "Travel and the first days",
    )
    assert (first["questions"], first["answered"], first["gaps"], first["unhelpful"]) == ("120", "80", "52", "6")
    unknown = next(r for r in rows if r["topic"] == "unknown")
    assert unknown["topic_title"] == "Not in the curriculum" and unknown["country_name"] == "Australia"


def test_weekly_csv_has_a_column_per_country_summing_to_the_totals(rendered: Path) -> None:
    rows = read_csv(rendered.parent / "questions_by_week.csv")
    assert len(rows) == 8
    assert list(rows[0]) == ["week", "CA", "DE", "AU"]  # busiest country first
    assert rows[0]["week"] == "2025-03-03"
    data = make_report()
    for country, total in data.by_country.items():
        assert sum(int(r[country]) for r in rows) == total


def test_cluster_csv_lists_every_cluster_with_sizes_and_examples(rendered: Path) -> None:
    rows = read_csv(rendered.parent / "gap_clusters.csv")
    assert [int(r["size"]) for r in rows] == [84, 41, 16, 12, 7, 5]
    assert [int(r["cluster"]) for r in rows] == [3, 1, 7, 2, 5, 9]
    top = rows[0]
    assert top["countries"] == "CA:60;AU:24"
    assert top["languages"] == "en:50;ar:34"
    assert top["reasons"] == "below_gate:54;handoff:30"
    assert top["content_status"] == "none" and top["best_score"] == "0.31"
    assert top["example_1"] == "Can I bring my cat on the plane to Canada?"
    # CSV is data, not HTML: the text is kept as it was anonymised.
    assert rows[1]["example_1"] == f"My landlord {SCRIPT} wants a deposit, is that allowed?"
    assert rows[1]["example_2"].startswith("<NAME>")
    assert rows[2]["best_score"] == "" and rows[2]["example_3"] == ""
    # A question that looks like a formula must not run as one in a spreadsheet.
    assert rows[3]["example_1"].startswith("'=HYPERLINK")


def test_content_and_handoff_csvs(rendered: Path) -> None:
    never = read_csv(rendered.parent / "content_never_used.csv")
    stale = read_csv(rendered.parent / "content_past_review.csv")
    header = ["passage_id", "country", "topic", "language", "title", "heading", "last_reviewed", "review_due", "times_used", "rated_unhelpful"]
    assert list(never[0]) == header and list(stale[0]) == header
    assert [r["passage_id"] for r in never] == ["ca-housing-en-3", "de-money-en-2", "au-health-en-5"]
    assert (stale[1]["passage_id"], stale[1]["review_due"], stale[1]["times_used"], stale[1]["rated_unhelpful"]) == (
        "de-housing-en-1", "2024-11-05", "21", "5",
    )
    reasons = read_csv(rendered.parent / "handoffs_by_reason.csv")
    assert [(r["reason"], int(r["tickets"])) for r in reasons] == [("below_confidence_gate", 40), ("asked_for_person", 25), ("case_specific", 12), ("crisis", 3)]
    (summary,) = read_csv(rendered.parent / "handoff_first_reply.csv")
    assert summary == {
        "tickets": "80", "median_first_reply_hours": "10.0", "p90_first_reply_hours": "49.0",
        "within_sla": "0.75", "sla_hours": "24", "still_open": "16",
    }


def test_every_section_in_order(html: str) -> None:
    positions = [html.find(f'<section id="{s}"') for s in SECTIONS]
    assert -1 not in positions, dict(zip(SECTIONS, positions))
    assert positions == sorted(positions)


def test_nothing_is_loaded_from_outside(html: str) -> None:
    external = re.findall(r"""(?:src|href|srcset|action|poster|data)\s*=\s*["']?\s*(?:https?:)?//""", html, re.I)
    assert external == []
    assert "<link" not in html and "<script" not in html.lower()
    assert not re.search(r"@import|url\(\s*['\"]?(?:https?:)?//", html, re.I)
    # Charts are inline SVG with a title for screen readers, not files next to the page.
    assert html.count("<svg") >= 5
    assert html.count("<svg") == len(re.findall(r"<svg\b[^>]*>\s*<title>[^<]+</title>", html))
    assert "<img" not in html or all("alt=" in tag for tag in re.findall(r"<img\b[^>]*>", html))


def test_links_to_every_csv_by_relative_name(html: str) -> None:
    for f in CSV_FILES:
        assert f'href="{f.name}"' in html


def test_user_text_is_escaped(html: str) -> None:
    assert SCRIPT not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<NAME>" not in html
    assert "&lt;NAME&gt; says I must pay 3 months rent first" in html
    assert "such as &lt;NAME&gt;. No Telegram ids are kept." in html


def test_summary_states_the_findings(html: str) -> None:
    bullets = headline_bullets(make_report())
    assert 3 <= len(bullets) <= 5
    assert bullets[0].startswith("Biggest gap: “Can I bring my cat on the plane to Canada?” — 84 questions")
    assert "no content on this subject in Canada and Australia" in bullets[0]
    assert any(b == "2 passages are past their review date." for b in bullets)
    assert any(b.startswith("Median first trainer reply: 10.0 h (SLA 24 h)") for b in bullets)
    assert "Biggest gap: “Can I bring my cat on the plane to Canada?”" in html
    assert "All destination countries" in html and "03 Mar 2025" in html
    assert "Close content exists but did not answer confidently" in html and "Answered but rated unhelpful" in html
    assert "9 further gap questions were too unlike any other to group" in html
    assert "Demo data" not in html
    assert "Norway and the United States had no questions in this period." in html


def test_demo_flag_shows_a_banner(tmp_path: Path) -> None:
    html = render_report(make_report(demo=True), tmp_path).read_text(encoding="utf-8")
    banner = re.search(r'<div class="banner"[^>]*>(.*?)</div>', html, re.S)
    assert banner is not None
    assert re.sub(r"<[^>]+>", "", banner.group(1)) == "Demo data: generated by safar demo-log, not real questions."
    assert html.find('class="banner"') < html.find('<section id="questions"')


def test_empty_period_renders_a_friendly_page(tmp_path: Path) -> None:
    index = render_report(empty_report(), tmp_path / "empty")
    html = index.read_text(encoding="utf-8")
    assert "No questions in this period" in html
    for section in SECTIONS:
        assert f'<section id="{section}"' in html
    assert "<svg" not in html  # nothing to plot, and no empty axes either
    assert read_csv(index.parent / "gap_clusters.csv") == []
    assert (index.parent / "questions_by_week.csv").read_text(encoding="utf-8").strip() == "week"
    (summary,) = read_csv(index.parent / "handoff_first_reply.csv")
    assert summary["tickets"] == "0" and summary["median_first_reply_hours"] == ""
    # Stale content does not depend on questions: it is still reported.
    assert len(read_csv(index.parent / "content_past_review.csv")) == 2
    assert PRIVACY_NOTE.replace("<", "&lt;").replace(">", "&gt;") in html


def test_rendering_is_deterministic(tmp_path: Path) -> None:
    first = render_report(make_report(), tmp_path / "a").read_text(encoding="utf-8")
    second = render_report(make_report(), tmp_path / "b").read_text(encoding="utf-8")
    assert first == second


def test_country_filter_is_named(tmp_path: Path) -> None:
    data = make_report(period=Period(start=datetime(2025, 3, 3), end=datetime(2025, 4, 28), country="DE"))
    html = render_report(data, tmp_path).read_text(encoding="utf-8")
    assert "<strong>Destinations:</strong> Germany" in html
