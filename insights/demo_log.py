"""`safar demo-log`: a realistic, clearly marked question log for trying the gap report.

Questions come from the retrieval benchmark's labelled set (answerable ones) and from
`insights/demo_questions.yml` (recurring gaps and personal cases, written for this project). Each
goes through the real retriever and confidence gate, so routes, passages and scores are what Safar
would do; the real anonymiser writes the text. What people did next (feedback, asking for a
trainer, how fast a trainer replied) is simulated from stated rates, and every row and ticket is
marked as demo data (`source = 'demo'`, pseudonyms starting `demo-`), so it never mixes with the
real log and one command removes it.
"""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy.orm import Session

from crisis.detector import CrisisDetector
from handoff.queue import delete_tickets_where
from insights.report_data import DEMO_PREFIX
from knowledge_base.yaml_io import load_yaml
from retrieval.retriever import Retriever
from core.settings import REPO_ROOT
from storage.models import LoggedQuestionRow, Ticket, TicketTurn
from storage.question_log import delete_by_source

LABELLED = REPO_ROOT / "knowledge_base" / "questions"  # the retrieval benchmark's labelled questions
THEMES = Path(__file__).with_name("demo_questions.yml")

# Simulated behaviour: shares stated here, so the demo's figures can be read for what they are.
SHARE_FROM_THEMES = 0.3  # of questions: recurring gaps and personal cases
SHARE_RATING = 0.4  # of answers, the person taps helpful / not helpful
P_HELPFUL_IF_RIGHT = 0.85  # the answer came from an expected passage
P_HELPFUL_IF_WRONG = 0.25
P_TRAINER_AFTER_UNHELPFUL = 0.45
P_FALLBACK_ROUTE = 0.3  # below the gate via the NLU fallback: "clarify" first, not a direct handoff
P_TRAINER_AFTER_CLARIFY = 0.5
P_CHOOSE_RIGHT = 0.8  # offered choices that include a right passage: the person picks it
P_NONE_OF_THESE = 0.5  # otherwise: "none of these — ask a trainer"

FAKE = {
    "NAME": ["Ahmad Karimi", "Fatima Al-Hassan", "Mariam Yusuf", "Olena Shevchenko", "Hamid Rahimi", "Amina Diallo",
             "Yusuf Haddad", "Nour Khalil", "Samir Barakzai", "Grace Uwimana"],
    "PHONE": ["+962 79 555 0142", "+961 3 555 219", "0791 555 804", "+93 70 555 1234", "+380 67 555 4411",
              "+249 91 555 7788"],
    "CASE": ["CA-2024-118273", "554-19C0042", "77/2231/B", "RST-0099812", "DE-RES-448120"],
    "EMAIL": ["ahmad.k@example.org", "fatima.hassan77@example.com", "olena.s@example.net", "nour.kh@example.org"],
    "DATE": ["12/03/2025", "04.11.1987", "3 May 1990", "2025-06-18", "21/01/1979"],
}
_SLOT = re.compile(r"\{(NAME|PHONE|CASE|EMAIL|DATE)\}")
# A theme question naming a place is given that place's country, not a random one of the theme's.
PLACES = {"canada": "CA", "toronto": "CA", "montreal": "CA", "vancouver": "CA", "germany": "DE", "berlin": "DE",
          "friedland": "DE", "norway": "NO", "oslo": "NO", "australia": "AU", "sydney": "AU", "melbourne": "AU",
          "america": "US", "usa": "US", "houston": "US", "allemagne": "DE", "norvège": "NO", "australie": "AU",
          "كندا": "CA", "المانيا": "DE", "ألمانيا": "DE", "النرويج": "NO", "استراليا": "AU", "أستراليا": "AU",
          "امريكا": "US", "أمريكا": "US"}


@dataclass(frozen=True)
class Question:
    """One question a demo person may ask."""

    text: str
    country: str
    language: str
    kind: str  # "known" (labelled, answerable), "gap" or "case"
    topic: str | None
    expected: tuple[str, ...] = ()


def labelled_questions() -> list[Question]:
    """The benchmark's answerable questions (its deliberately uncovered ones are left out)."""
    out = []
    for path in sorted(LABELLED.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            item = json.loads(line)
            if item.get("expected") and item.get("country") != "general":
                out.append(Question(item["question"], item["country"], item["language"], "known", item.get("topic"),
                                    tuple(item["expected"])))
    return out


def theme_questions() -> list[tuple[Question, float]]:
    """Gap and case questions with their weights (a theme's weight spread over its questions)."""
    out = []
    for theme in load_yaml(THEMES.read_text(encoding="utf-8"))["themes"]:
        texts = [(lang, text) for lang, items in theme["questions"].items() for text in items]
        for lang, text in texts:
            for country in theme["countries"]:
                named = {PLACES[w] for w in re.findall(r"\w+", text.casefold()) if w in PLACES}
                if named and country not in named:
                    continue
                out.append((Question(text, country, lang, theme["kind"], theme.get("topic")),
                            theme["weight"] / (len(texts) * len(theme["countries"]))))
    return out


def fill(text: str, rng: random.Random) -> str:
    """Put made-up personal data where the template has {NAME}, {PHONE}, ... (the anonymiser must remove it)."""
    return _SLOT.sub(lambda m: rng.choice(FAKE[m.group(1)]), text)


def timestamps(rng: random.Random, n: int, end: datetime, days: int) -> list[datetime]:
    """Times over `days` days: busier on weekdays and in the days after a fortnightly orientation class."""
    weights = []
    for d in range(days):
        day = end - timedelta(days=days - d)
        w = 1.0 if day.weekday() < 5 else 0.5
        if d % 14 in (0, 1, 2):
            w *= 2.5  # just after a class, people try what they heard
        w *= 1 + d / days  # word of mouth: use grows over the period
        weights.append(w)
    out = []
    for d in rng.choices(range(days), weights=weights, k=n):
        day = (end - timedelta(days=days - d)).replace(hour=0, minute=0, second=0, microsecond=0)
        hour = min(23, max(0, int(rng.gauss(15, 4))))
        out.append(day + timedelta(hours=hour, minutes=rng.randrange(60), seconds=rng.randrange(60)))
    return sorted(t for t in out if t < end)


@dataclass
class DemoLog:
    """How many rows and tickets a run wrote."""

    questions: int
    tickets: int


def clear_demo(session: Session) -> int:
    """Delete the demo log and demo tickets; returns how many log rows went."""
    delete_tickets_where(session=session, condition=Ticket.pseudonym.startswith(DEMO_PREFIX))
    return delete_by_source(session=session, source="demo")


def make_demo_log(session: Session, retriever: Retriever, anonymise: Callable[[str], str], *, rows: int = 3000,
                  days: int = 90, seed: int = 7, now: datetime | None = None, sla_hours: int = 24) -> DemoLog:
    """Replace the demo log with `rows` questions over the last `days` days (same seed, same log)."""
    rng = random.Random(seed)
    now = now or datetime.now(timezone.utc)
    clear_demo(session)
    # Messages the crisis net catches go to the crisis protocol in the real pipeline and are never logged.
    crisis = CrisisDetector.load()
    known = [q for q in labelled_questions() if not crisis.matches(q.text)]
    themed = [(q, w) for q, w in theme_questions() if not crisis.matches(q.text)]
    people = [f"{DEMO_PREFIX}{rng.getrandbits(48):012x}" for _ in range(max(1, rows // 5))]
    activity = [1 / (i + 1) ** 0.8 for i in range(len(people))]  # a few people ask a lot, most ask once or twice
    searched: dict[tuple[str, str, str], object] = {}
    written = tickets = 0
    for moment in timestamps(rng, rows, now, days):
        if rng.random() < SHARE_FROM_THEMES:
            q = rng.choices([q for q, _ in themed], weights=[w for _, w in themed])[0]
        else:
            q = rng.choice(known)
        who = rng.choices(people, weights=activity)[0]
        raw = fill(q.text, rng)
        row = LoggedQuestionRow(pseudonym=who, asked_at=moment, country=q.country, language=q.language,
                                text=anonymise(raw), source="demo", passages=[], trainer_needed=False)
        if q.kind == "case":
            row.intent, row.confidence, row.route, row.topic = "personal_case", round(rng.uniform(0.7, 0.99), 3), "handoff", q.topic
            row.trainer_needed, row.handoff_reason = True, "case_specific"
        else:
            key = (q.text, q.country, q.language)
            if key not in searched:
                searched[key] = retriever.search(fill(q.text, random.Random(0)), q.country, q.language, 3)
            result = searched[key]
            top = result.hits[0] if result.hits else None  # type: ignore[attr-defined]
            row.intent, row.confidence = "ask_info", round(rng.uniform(0.55, 0.99), 3)
            row.topic = top.passage.topic if top else None
            row.gate = round(result.confidence, 4)  # type: ignore[attr-defined]
            if result.confident and top is not None:  # type: ignore[attr-defined]
                row.route = "answer"
                row.passages = [{"id": top.passage.id, "score": round(top.score, 6)}]
                if rng.random() < SHARE_RATING:
                    right = top.passage.id in q.expected
                    helpful = rng.random() < (P_HELPFUL_IF_RIGHT if right else P_HELPFUL_IF_WRONG)
                    row.feedback, row.feedback_at = ("helpful" if helpful else "unhelpful"), moment + timedelta(minutes=1)
                    if not helpful and rng.random() < P_TRAINER_AFTER_UNHELPFUL:
                        row.trainer_needed, row.handoff_reason = True, "rated_unhelpful"
            elif result.outcome == "suggest":  # type: ignore[attr-defined]
                row.route = "suggest"
                choices = result.choices()  # type: ignore[attr-defined]
                row.passages = [{"id": h.passage.id, "score": round(h.score, 6)} for h in choices]
                right = [h.passage.id for h in choices if h.passage.id in q.expected]
                if right and rng.random() < P_CHOOSE_RIGHT:
                    row.chosen = right[0]
                elif rng.random() < P_NONE_OF_THESE:
                    row.trainer_needed, row.handoff_reason = True, "suggestions_declined"
            elif rng.random() < P_FALLBACK_ROUTE:
                row.route = "clarify"
                if rng.random() < P_TRAINER_AFTER_CLARIFY:
                    row.trainer_needed, row.handoff_reason = True, "below_confidence_gate"
            else:
                row.route, row.trainer_needed, row.handoff_reason = "handoff", True, "below_confidence_gate"
        session.add(row)
        written += 1
        if row.trainer_needed:
            tickets += add_demo_ticket(session, rng, row, now, sla_hours)
    session.flush()
    return DemoLog(written, tickets)


def add_demo_ticket(session: Session, rng: random.Random, row: LoggedQuestionRow, now: datetime, sla_hours: int) -> int:
    """A closed ticket for a handed-off demo question, with a simulated trainer reply time."""
    opened = row.asked_at + timedelta(minutes=1 if row.handoff_reason != "rated_unhelpful" else 3)
    # Trainers reply within hours on weekdays and later at weekends: a log-normal around 4 h.
    wait = timedelta(hours=min(rng.lognormvariate(1.4, 0.9) * (2.0 if opened.weekday() >= 5 else 1.0), 120))
    replied = opened + wait
    if replied > now:
        return 0  # would still be waiting: the demo keeps only finished tickets (one active per person otherwise)
    ticket = Ticket(pseudonym=row.pseudonym, chat_id=0, country=row.country, language=row.language, question=row.text,
                    reason=row.handoff_reason or "below_confidence_gate", priority="normal", status="closed",
                    created_at=opened, claimed_at=opened + wait * 0.7, answered_at=replied,
                    closed_at=replied + timedelta(hours=1), updated_at=replied + timedelta(hours=1))
    ticket.turns.append(TicketTurn(at=replied, sender="trainer", text="(demo) a trainer's reply", delivered_at=replied))
    session.add(ticket)
    return 1
