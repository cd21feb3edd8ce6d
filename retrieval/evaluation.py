"""Offline evaluation of the retriever on the labelled questions in tests/data/retrieval."""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from retrieval.gate import Gate, GateFeatures
from retrieval.retriever import Method, Retriever

LABELLED_DIR = Path(__file__).resolve().parent.parent / "tests" / "data" / "retrieval"


@dataclass(frozen=True)
class Question:
    """One labelled question: empty `expected` means the content does not cover it."""

    text: str
    country: str
    language: str
    expected: tuple[str, ...]
    topic: str | None

    @property
    def covered(self) -> bool:
        """True when some passage answers it."""
        return bool(self.expected)

    @property
    def split(self) -> str:
        """A stable half of the data: `tune` fits the gate, `test` reports on unseen questions."""
        return "tune" if hashlib.sha256(self.text.encode()).digest()[0] % 2 == 0 else "test"


def load_questions(folder: Path = LABELLED_DIR) -> list[Question]:
    """Every labelled question of every *.jsonl file in the folder."""
    out: list[Question] = []
    for path in sorted(folder.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                d = json.loads(line)
                out.append(Question(d["question"], d["country"], d["language"], tuple(d.get("expected") or ()), d.get("topic")))
    return out


@dataclass
class Outcome:
    """What one method did on one question."""

    question: Question
    ranked: list[str]
    features: GateFeatures | None
    seconds: float

    @property
    def rank(self) -> int | None:
        """1-based rank of the first expected passage, or None."""
        for i, pid in enumerate(self.ranked, 1):
            if pid in self.question.expected:
                return i
        return None


@dataclass
class MethodReport:
    """Ranking quality and latency of one method over covered questions."""

    method: str
    hit1: float
    hit3: float
    mrr: float
    p50_ms: float
    p95_ms: float
    n: int
    outcomes: list[Outcome] = field(default_factory=list, repr=False)


def run_method(retriever: Retriever, questions: list[Question], method: Method, k: int = 10) -> MethodReport:
    """Rank every question in its own language with one method (no fallback, so ranks are comparable)."""
    outcomes: list[Outcome] = []
    for q in questions:
        start = time.perf_counter()
        rows = retriever.allowed_rows(q.country, q.language)
        hits, features = retriever.rank(q.text, rows, q.language, method, k)
        outcomes.append(Outcome(q, [h.passage.id for h in hits], features, time.perf_counter() - start))
    covered = [o for o in outcomes if o.question.covered]
    ranks = [o.rank for o in covered]
    lat = np.array([o.seconds * 1000 for o in outcomes])
    n = max(1, len(covered))
    return MethodReport(
        method=method,
        hit1=sum(1 for r in ranks if r == 1) / n,
        hit3=sum(1 for r in ranks if r is not None and r <= 3) / n,
        mrr=sum(1.0 / r for r in ranks if r is not None) / n,
        p50_ms=float(np.percentile(lat, 50)) if len(lat) else 0.0,
        p95_ms=float(np.percentile(lat, 95)) if len(lat) else 0.0,
        n=len(covered),
        outcomes=outcomes,
    )


WEIGHT_GRID = (0.0, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0, 1.5, 2.0, 3.0)


def tune_fusion(retriever: Retriever, questions: list[Question]) -> dict[str, float]:
    """Per language, the dense weight that maximises hit@1 + hit@3 of the fused ranking on `questions`."""
    from retrieval.retriever import fuse

    per_lang: dict[str, list[tuple[Question, list[int], list[int]]]] = {}
    for q in questions:
        if not q.covered:
            continue
        rows = retriever.allowed_rows(q.country, q.language)
        dense_rank, _, lex_rank, _ = retriever.rankings(q.text, rows, q.language)
        per_lang.setdefault(q.language, []).append((q, dense_rank, lex_rank))
    weights: dict[str, float] = {}
    for lang, items in per_lang.items():
        best_w, best = 1.0, -1.0
        for w in WEIGHT_GRID:
            score = 0.0
            for q, dr, lr in items:
                fused = fuse(dr, lr, w)
                top = [retriever.passages[r].id for r in sorted(fused, key=lambda r: (-fused[r], r))[:3]]
                score += (top[:1] != [] and top[0] in q.expected) + any(t in q.expected for t in top)
            if score > best:
                best_w, best = w, score
        weights[lang] = best_w
    weights["default"] = 0.5  # languages without labelled questions: lean on BM25
    return weights


def gate_label(outcome: Outcome) -> int:
    """1 when answering with the top passage would be right (covered and top-1 expected)."""
    return int(outcome.question.covered and outcome.rank == 1)


def fit_gate(outcomes: list[Outcome], min_abstain: float = 0.85) -> Gate:
    """Fit the logistic gate on `outcomes` and pick the threshold that answers the most covered
    questions while abstaining on at least `min_abstain` of the uncovered ones."""
    from sklearn.linear_model import LogisticRegression

    usable = [o for o in outcomes if o.features is not None]
    x = np.array([o.features.vector() for o in usable])  # type: ignore[union-attr]
    y = np.array([gate_label(o) for o in usable])
    model = LogisticRegression(C=1.0, max_iter=1000).fit(x, y)
    gate = Gate(weights=[float(w) for w in model.coef_[0]], bias=float(model.intercept_[0]))
    probs = np.array([gate.probability(o.features) for o in usable])  # type: ignore[arg-type]
    uncovered = np.array([not o.question.covered for o in usable])
    best_t, best_answered = 0.99, -1.0
    for t in np.unique(np.round(probs, 4)):
        abstain = float(np.mean(probs[uncovered] < t)) if uncovered.any() else 1.0
        answered = float(np.mean(probs[~uncovered] >= t)) if (~uncovered).any() else 0.0
        if abstain >= min_abstain and answered > best_answered:
            best_t, best_answered = float(t), answered
    gate.threshold = best_t
    gate.fitted_on = f"{len(usable)} labelled questions (tune split), abstain target {min_abstain:.2f} on uncovered"
    return gate


@dataclass
class GateReport:
    """The answer/abstain trade-off of a gate on one set of outcomes."""

    answered_covered: float  # share of covered questions the gate lets through
    correct_when_answered: float  # share of answered covered questions whose top-1 is right
    abstained_uncovered: float  # share of uncovered questions held back
    n_covered: int
    n_uncovered: int


def gate_report(gate: Gate, outcomes: list[Outcome]) -> GateReport:
    """How `gate` splits `outcomes` into answers and handoffs."""
    cov = [o for o in outcomes if o.question.covered and o.features is not None]
    unc = [o for o in outcomes if not o.question.covered]
    answered = [o for o in cov if gate.accepts(o.features)]  # type: ignore[arg-type]
    held = [o for o in unc if o.features is None or not gate.accepts(o.features)]
    return GateReport(
        answered_covered=len(answered) / max(1, len(cov)),
        correct_when_answered=sum(1 for o in answered if o.rank == 1) / max(1, len(answered)),
        abstained_uncovered=len(held) / max(1, len(unc)),
        n_covered=len(cov), n_uncovered=len(unc),
    )
