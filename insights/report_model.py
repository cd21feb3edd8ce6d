"""What the curriculum gap report shows, as plain data: built from the database, rendered to HTML and CSV."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime


@dataclass(frozen=True)
class Period:
    """The span the report covers, and the one country it is limited to (None: all)."""

    start: datetime
    end: datetime
    country: str | None = None


@dataclass(frozen=True)
class Labels:
    """Human names for the taxonomy ids (countries, topics, modules) and which module each topic is in."""

    countries: dict[str, str]
    topics: dict[str, str]
    modules: dict[str, str]
    topic_module: dict[str, str]


@dataclass(frozen=True)
class Totals:
    """Headline figures for the period."""

    questions: int
    users: int  # distinct pseudonyms
    answered: int  # route answer
    answered_by_choice: int  # route suggest, and the person chose one of the offered passages
    handed_off: int  # a trainer was needed (any reason)
    below_gate: int  # no confident match and no choice made: handed off, asked to say more, or choices declined
    rated_helpful: int
    rated_unhelpful: int


@dataclass(frozen=True)
class WeekCount:
    """Questions in one ISO week (Monday), split by a key (a country, a module, ...)."""

    week: date
    counts: dict[str, int]


@dataclass(frozen=True)
class TopicRow:
    """One country × topic cell: how often asked and how often it became a gap."""

    country: str
    topic: str  # "unknown" when nothing in the knowledge base came close
    module: str
    questions: int
    answered: int
    gaps: int  # handed off, below the gate or rated unhelpful
    unhelpful: int


@dataclass(frozen=True)
class GapCluster:
    """A group of similar unanswered or badly answered questions."""

    id: int
    size: int
    examples: list[str]  # up to three anonymised questions, the most typical first
    countries: dict[str, int]
    languages: dict[str, int]
    reasons: dict[str, int]  # "handoff", "below_gate", "unhelpful"
    topic: str  # dominant topic of the nearest content, or "unknown"
    module: str  # the topic's module, or "unknown"
    # "none": no content for this topic in these countries; "weak": content exists but no passage
    # matched confidently; "unhelpful": answers were given and rated unhelpful.
    content_status: str
    content_passages: int  # passages for the dominant topic in the cluster's countries
    best_score: float | None  # the best retrieval gate confidence seen in the cluster


@dataclass(frozen=True)
class ContentRow:
    """One knowledge-base passage, with how it was used in the period."""

    passage_id: str
    country: str
    topic: str
    language: str
    title: str
    heading: str
    last_reviewed: date
    review_due: date
    times_used: int  # answers given from it
    rated_unhelpful: int


@dataclass(frozen=True)
class DeskRow:
    """The trainers' desk for one week or one handoff reason: how fast people got a reply and an end."""

    key: str  # the week's Monday (ISO date) or the reason
    tickets: int
    replied: int
    median_first_reply_hours: float | None
    median_resolution_hours: float | None  # opened to closed, over the tickets closed
    past_sla: int  # first reply later than the SLA, or none yet and older than the SLA
    reassigned: int  # tickets that changed hands at least once


@dataclass(frozen=True)
class HandoffStats:
    """Questions handed to trainers in the period (from the tickets; never their text)."""

    tickets: int
    by_reason: dict[str, int]
    by_week: list[WeekCount]  # counts split by reason
    first_reply_hours: list[float]  # one value per ticket a trainer replied to
    median_first_reply_hours: float | None
    p90_first_reply_hours: float | None
    within_sla: float | None  # share of replied tickets answered within the SLA
    sla_hours: int
    still_open: int  # not replied to by the end of the period
    by_week_desk: list[DeskRow] = field(default_factory=list)
    by_reason_desk: list[DeskRow] = field(default_factory=list)
    past_sla: int = 0
    reassigned: int = 0


@dataclass(frozen=True)
class ReportData:
    """Everything on the report page."""

    generated_at: datetime
    period: Period
    demo: bool  # True when every row came from `safar demo-log`: the page says so
    labels: Labels
    totals: Totals
    by_country: dict[str, int]
    by_language: dict[str, int]
    by_topic: dict[str, int]
    by_module: dict[str, int]
    weekly_by_country: list[WeekCount]
    weekly_by_module: list[WeekCount]
    topics: list[TopicRow]  # every country × topic with questions, most gaps first
    clusters: list[GapCluster]  # biggest first
    unclustered_gaps: int  # gap questions too unlike any other to group
    never_used: list[ContentRow]  # passages no answer came from (in the countries covered)
    stale: list[ContentRow]  # passages past their review date
    handoffs: HandoffStats
    notes: list[str] = field(default_factory=list)  # caveats worth printing (small numbers, ...)
