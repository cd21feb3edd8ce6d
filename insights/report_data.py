"""Build the gap report's data from the question log, the tickets and the knowledge base."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from insights.gap_clusters import char_ngram_vectors, embed_text, group, representatives
from insights.report_model import (
    ContentRow, DeskRow, GapCluster, HandoffStats, Labels, Period, ReportData, TopicRow, Totals, WeekCount,
)
from knowledge_base.passages import Passage
from knowledge_base.taxonomy import Taxonomy
from storage.models import LoggedQuestionRow, Ticket

UNKNOWN = "unknown"
CASE_SPECIFIC = "case_specific"  # a person's own case: a trainer's job, not a content gap
DEMO_PREFIX = "demo-"  # pseudonyms of `safar demo-log` rows and tickets

Encoder = Callable[[list[str]], np.ndarray]


@dataclass(frozen=True)
class Row:
    """The fields of one logged question the report uses."""

    asked_at: datetime
    country: str
    language: str
    text: str
    route: str
    topic: str
    gate: float | None
    passages: list[str]
    feedback: str | None
    trainer_needed: bool
    handoff_reason: str | None
    pseudonym: str
    chosen: str | None = None  # route suggest: the offered passage the person chose

    @property
    def answered_by_choice(self) -> bool:
        """Offered two or three passages, the person picked one: answered, one press later."""
        return self.route == "suggest" and bool(self.chosen)

    @property
    def gap_reasons(self) -> list[str]:
        """Why this question counts as a gap (empty: it was answered and not rated unhelpful)."""
        reasons = []
        if self.route != "answer" and not self.answered_by_choice and self.handoff_reason != CASE_SPECIFIC:
            reasons.append("below_gate")
        if self.trainer_needed and self.handoff_reason != CASE_SPECIFIC:
            reasons.append("handoff")
        if self.feedback == "unhelpful":
            reasons.append("unhelpful")
        return reasons


def week_of(moment: datetime | date) -> date:
    """The Monday of the ISO week."""
    day = moment.date() if isinstance(moment, datetime) else moment
    return day - timedelta(days=day.weekday())


def weeks_between(start: datetime, end: datetime) -> list[date]:
    """Mondays of the weeks with at least four days inside the period (a sliver of a week would look like a drop)."""
    weeks, week = [], week_of(start)
    while week <= week_of(end):
        first = max(datetime.combine(week, datetime.min.time(), start.tzinfo), start)
        last = min(datetime.combine(week + timedelta(days=7), datetime.min.time(), start.tzinfo), end)
        if last - first >= timedelta(days=4):
            weeks.append(week)
        week += timedelta(days=7)
    return weeks


def weekly(rows: Iterable[tuple[datetime, str]], weeks: list[date]) -> list[WeekCount]:
    """Counts per week and key, every week present (zeros included) so charts show quiet weeks."""
    table: dict[date, Counter[str]] = {w: Counter() for w in weeks}
    keys: set[str] = set()
    for moment, key in rows:
        keys.add(key)
        if week_of(moment) in table:  # partial weeks at the ends are left out of the series
            table[week_of(moment)][key] += 1
    return [WeekCount(w, {k: table[w].get(k, 0) for k in sorted(keys)}) for w in sorted(table)]


def load_rows(session: Session, period: Period, *, demo: bool) -> list[Row]:
    """Logged questions in the period (migrants' own, or the demo log's), replay traffic never."""
    q = select(LoggedQuestionRow).where(
        LoggedQuestionRow.asked_at >= period.start, LoggedQuestionRow.asked_at < period.end,
        LoggedQuestionRow.source == ("demo" if demo else "bot"),
    )
    if period.country:
        q = q.where(LoggedQuestionRow.country == period.country)
    return [
        Row(r.asked_at, r.country or UNKNOWN, r.language, r.text, r.route, r.topic or UNKNOWN, r.gate,
            [str(p.get("id")) for p in (r.passages or []) if p.get("id")], r.feedback, r.trainer_needed,
            r.handoff_reason, r.pseudonym, r.chosen)
        for r in session.scalars(q.order_by(LoggedQuestionRow.asked_at))
    ]


def uses_demo(session: Session, period: Period) -> bool:
    """Report the demo log only when the period has no real questions but has demo ones."""
    def any_of(source: str) -> bool:
        q = select(LoggedQuestionRow.id).where(
            LoggedQuestionRow.source == source, LoggedQuestionRow.asked_at >= period.start,
            LoggedQuestionRow.asked_at < period.end)
        if period.country:
            q = q.where(LoggedQuestionRow.country == period.country)
        return session.scalar(q.limit(1)) is not None

    return not any_of("bot") and any_of("demo")


def totals(rows: list[Row]) -> Totals:
    """Headline figures."""
    return Totals(
        questions=len(rows), users=len({r.pseudonym for r in rows}),
        answered=sum(r.route == "answer" for r in rows),
        answered_by_choice=sum(r.answered_by_choice for r in rows),
        handed_off=sum(r.trainer_needed for r in rows),
        below_gate=sum(r.route != "answer" and not r.answered_by_choice and r.handoff_reason != CASE_SPECIFIC
                       for r in rows),
        rated_helpful=sum(r.feedback == "helpful" for r in rows),
        rated_unhelpful=sum(r.feedback == "unhelpful" for r in rows),
    )


def topic_rows(rows: list[Row], taxonomy: Taxonomy) -> list[TopicRow]:
    """Country × topic cells, most gaps first."""
    cells: dict[tuple[str, str], list[Row]] = defaultdict(list)
    for r in rows:
        cells[(r.country, r.topic)].append(r)
    out = [
        TopicRow(country, topic, taxonomy.module_of(topic) or UNKNOWN, len(cell),
                 sum(r.route == "answer" for r in cell), sum(bool(r.gap_reasons) for r in cell),
                 sum(r.feedback == "unhelpful" for r in cell))
        for (country, topic), cell in cells.items()
    ]
    return sorted(out, key=lambda t: (-t.gaps, -t.questions, t.country, t.topic))


WEAK_MATCH = 0.3  # median gate confidence of a cluster's questions: above, some content came close


def gap_clusters(rows: list[Row], encode: Encoder, passages: list[Passage],
                 taxonomy: Taxonomy) -> tuple[list[GapCluster], int]:
    """Group the gap questions per language; returns the clusters (biggest first) and how many stayed ungrouped.

    English questions are grouped by sentence embeddings; other languages by shared character
    n-grams, because the default embedding model is English-only.
    """
    gaps = [r for r in rows if r.gap_reasons]
    by_language: dict[str, list[Row]] = defaultdict(list)
    for r in gaps:
        by_language[r.language].append(r)
    content = Counter((p.country, p.topic) for p in passages)
    clusters: list[GapCluster] = []
    unclustered = 0
    for language, items in sorted(by_language.items()):
        texts = [embed_text(r.text) for r in items]
        grouping = group(encode(texts) if language == "en" else char_ngram_vectors(texts))
        members: dict[int, list[int]] = defaultdict(list)
        for i, label in enumerate(grouping.labels):
            members[label].append(i)
        unclustered += len(members.pop(-1, []))
        for idx in members.values():
            clusters.append(describe_cluster([items[i] for i in idx], [grouping.typicality[i] for i in idx],
                                             content, taxonomy))
    clusters.sort(key=lambda c: (-c.size, c.examples[0] if c.examples else ""))
    return [replace(c, id=n) for n, c in enumerate(clusters, 1)], unclustered


def describe_cluster(cell: list[Row], typicality: list[float], content: Counter[tuple[str, str]],
                     taxonomy: Taxonomy) -> GapCluster:
    """Size, examples, dominant topic and what the content has for one group of gap questions."""
    topics = Counter(r.topic for r in cell if r.topic != UNKNOWN)
    topic = topics.most_common(1)[0][0] if topics else UNKNOWN
    countries = Counter(r.country for r in cell)
    reasons = Counter(reason for r in cell for reason in r.gap_reasons)
    in_content = sum(content.get((c, topic), 0) + content.get(("general", topic), 0) for c in countries)
    gates = [r.gate for r in cell if r.gate is not None]
    if reasons["unhelpful"] * 2 >= len(cell):
        status = "unhelpful"
    elif in_content and gates and float(np.median(gates)) >= WEAK_MATCH:
        status = "weak"
    else:
        status = "none"
    return GapCluster(
        id=0, size=len(cell), examples=representatives([r.text for r in cell], typicality),
        countries=dict(countries.most_common()), languages=dict(Counter(r.language for r in cell).most_common()),
        reasons=dict(reasons.most_common()), topic=topic, module=taxonomy.module_of(topic) or UNKNOWN,
        content_status=status, content_passages=in_content, best_score=round(max(gates), 3) if gates else None,
    )


def content_rows(rows: list[Row], passages: list[Passage], period: Period, today: date) -> tuple[list[ContentRow], list[ContentRow]]:
    """Passages no answer came from, and passages past their review date, in the countries reported."""
    used = Counter(pid for r in rows if r.route == "answer" for pid in r.passages)
    used.update(r.chosen for r in rows if r.answered_by_choice)
    unhelpful = Counter(pid for r in rows if r.feedback == "unhelpful" for pid in r.passages)
    in_scope = [p for p in passages if period.country is None or p.country in (period.country, "general")]
    table = [
        ContentRow(p.id, p.country, p.topic, p.language, p.title, p.heading, p.last_checked,
                   p.review_due, used.get(p.id, 0), unhelpful.get(p.id, 0))
        for p in in_scope
    ]
    never = sorted((c for c in table if c.times_used == 0), key=lambda c: (c.country, c.topic, c.language, c.passage_id))
    stale = sorted((c for c in table if c.review_due < today), key=lambda c: (c.review_due, c.passage_id))
    return never, stale


def _first_reply(ticket: Ticket) -> datetime | None:
    replies = [turn.at for turn in ticket.turns if turn.sender == "trainer"]
    candidates = [m for m in (ticket.first_answered_at, min(replies) if replies else None, ticket.answered_at) if m]
    return min(candidates) if candidates else None


def _first_reply_hours(ticket: Ticket, end: datetime) -> float | None:
    """Hours from the handoff to the first trainer reply, or None when there was none by `end`."""
    first = _first_reply(ticket)
    if first is None or first > end:
        return None
    return max(0.0, (first - ticket.created_at).total_seconds() / 3600)


def _median(values: list[float]) -> float | None:
    return round(float(np.median(values)), 2) if values else None


def desk_row(key: str, tickets: list[Ticket], *, end: datetime, sla_hours: int) -> DeskRow:
    """First reply, resolution, past-SLA and reassignment figures for one group of tickets."""
    sla = timedelta(hours=sla_hours)
    first_hours, resolution_hours, past = [], [], 0
    for t in tickets:
        hours = _first_reply_hours(t, end)
        if hours is not None:
            first_hours.append(hours)
            past += hours > sla_hours
        else:
            past += end - t.created_at > sla
        if t.closed_at is not None and t.closed_at <= end:
            resolution_hours.append(max(0.0, (t.closed_at - t.created_at).total_seconds() / 3600))
    return DeskRow(key=key, tickets=len(tickets), replied=len(first_hours),
                   median_first_reply_hours=_median(first_hours), median_resolution_hours=_median(resolution_hours),
                   past_sla=past, reassigned=sum(1 for t in tickets if (t.reassigned or 0) > 0))


def handoff_stats(session: Session, period: Period, *, demo: bool, sla_hours: int) -> HandoffStats:
    """Tickets opened in the period: reasons, weekly volume, time to a trainer's first reply and to the
    end, by week and by reason (voice notes included), tickets past the SLA and reassigned."""
    q = select(Ticket).options(selectinload(Ticket.turns)).where(
        Ticket.created_at >= period.start, Ticket.created_at < period.end)
    q = q.where(Ticket.pseudonym.startswith(DEMO_PREFIX) if demo else ~Ticket.pseudonym.startswith(DEMO_PREFIX))
    if period.country:
        q = q.where(Ticket.country == period.country)
    tickets = list(session.scalars(q))
    hours = [h for t in tickets if (h := _first_reply_hours(t, period.end)) is not None]
    still_open = len(tickets) - len(hours)
    arr = np.array(hours) if hours else None
    by_week: dict[date, list[Ticket]] = {w: [] for w in weeks_between(period.start, period.end)}
    by_reason: dict[str, list[Ticket]] = {}
    for t in tickets:
        by_week.setdefault(week_of(t.created_at), []).append(t)
        by_reason.setdefault(t.reason, []).append(t)
    whole = desk_row("all", tickets, end=period.end, sla_hours=sla_hours)
    return HandoffStats(
        tickets=len(tickets), by_reason=dict(Counter(t.reason for t in tickets).most_common()),
        by_week=weekly(((t.created_at, t.reason) for t in tickets), weeks_between(period.start, period.end)),
        first_reply_hours=[round(h, 2) for h in hours],
        median_first_reply_hours=round(float(np.median(arr)), 2) if arr is not None else None,
        p90_first_reply_hours=round(float(np.percentile(arr, 90)), 2) if arr is not None else None,
        within_sla=round(float((arr <= sla_hours).mean()), 3) if arr is not None else None,
        sla_hours=sla_hours, still_open=still_open,
        by_week_desk=[desk_row(w.isoformat(), ts, end=period.end, sla_hours=sla_hours)
                      for w, ts in sorted(by_week.items()) if ts],
        by_reason_desk=sorted((desk_row(r, ts, end=period.end, sla_hours=sla_hours) for r, ts in by_reason.items()),
                              key=lambda row: (-row.tickets, row.key)),
        past_sla=whole.past_sla, reassigned=whole.reassigned,
    )


def build_report(session: Session, period: Period, *, taxonomy: Taxonomy, passages: list[Passage], encode: Encoder,
                 sla_hours: int, now: datetime) -> ReportData:
    """Everything the report page and CSV files show, for one period (and optionally one country)."""
    demo = uses_demo(session, period)
    rows = load_rows(session, period, demo=demo)
    weeks = weeks_between(period.start, period.end)
    clusters, unclustered = gap_clusters(rows, encode, passages, taxonomy)
    never, stale = content_rows(rows, passages, period, now.date())
    notes = []
    if rows and len(rows) < 100:
        notes.append(f"Only {len(rows)} questions in this period: treat shares and clusters as hints, not findings.")
    cases = sum(r.handoff_reason == CASE_SPECIFIC for r in rows)
    if cases:
        notes.append(f"{cases} questions were about a person's own case and went to trainers; "
                     "they are not counted as content gaps.")
    notes.append("Topics are those of the nearest knowledge-base passage, so a question on something the content "
                 "never mentions is filed under the closest topic it has.")
    return ReportData(
        generated_at=now, period=period, demo=demo,
        labels=Labels(countries=dict(taxonomy.countries), topics={k: v.get("title", k) for k, v in taxonomy.topics.items()},
                      modules=dict(taxonomy.modules),
                      topic_module={k: v.get("module", UNKNOWN) for k, v in taxonomy.topics.items()}),
        totals=totals(rows),
        by_country=dict(Counter(r.country for r in rows).most_common()),
        by_language=dict(Counter(r.language for r in rows).most_common()),
        by_topic=dict(Counter(r.topic for r in rows).most_common()),
        by_module=dict(Counter(taxonomy.module_of(r.topic) or UNKNOWN for r in rows).most_common()),
        weekly_by_country=weekly(((r.asked_at, r.country) for r in rows), weeks),
        weekly_by_module=weekly(((r.asked_at, taxonomy.module_of(r.topic) or UNKNOWN) for r in rows), weeks),
        topics=topic_rows(rows, taxonomy), clusters=clusters, unclustered_gaps=unclustered,
        never_used=never, stale=stale,
        handoffs=handoff_stats(session, period, demo=demo, sla_hours=sla_hours),
        notes=notes,
    )
