"""Fit the retriever's fusion weights and confidence gate on labelled questions, half of them held out.

Labelled questions come from knowledge_base/questions (written by people) and, with `from_log`, from
use: a passage a person chose among the offered ones, or an answer they rated helpful, paired with
their anonymised question. Every question falls in the tune or the held-out half by a hash of its
text, so a held-out question is never fitted, whichever run sees it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from retrieval.evaluation import (ABSTAIN_TARGET, Question, SearchReport, fit_gate, load_questions, run_method,
                                  search_outcomes, search_report, tune_fusion)
from retrieval.gate import Gate
from retrieval.retriever import Retriever
from storage.models import LoggedQuestionRow


def questions_from_log(sessions: sessionmaker[Session]) -> list[Question]:
    """Labelled pairs people made by using Safar: chosen suggestions and answers rated helpful."""
    out: list[Question] = []
    with sessions() as session:
        rows = session.scalars(select(LoggedQuestionRow).where(
            LoggedQuestionRow.source == "bot",
            ((LoggedQuestionRow.route == "suggest") & LoggedQuestionRow.chosen.is_not(None))
            | ((LoggedQuestionRow.route == "answer") & (LoggedQuestionRow.feedback == "helpful"))))
        for row in rows:
            chosen = row.chosen if row.route == "suggest" else (row.passages[0].get("id") if row.passages else None)
            if chosen and row.country:
                out.append(Question(row.text, row.country, row.language, (str(chosen),), str(chosen).split("/")[2]))
    return out


@dataclass
class Calibration:
    """The fitted gate and how it does on the held-out half, per language."""

    gate: Gate
    held_out: dict[str, SearchReport]
    n_tune: int
    n_held_out: int
    n_from_log: int


def calibrate(retriever: Retriever, extra: list[Question] | None = None, *, min_abstain: float = ABSTAIN_TARGET,
              max_wrong: float = 0.03) -> Calibration:
    """Fit on the tune half (labelled sets plus `extra`), report on the held-out half; does not save."""
    questions = load_questions() + list(extra or [])
    tune = [q for q in questions if q.split == "tune"]
    test = [q for q in questions if q.split == "test"]
    retriever.gate.dense_weight = tune_fusion(retriever, tune)
    outcomes = run_method(retriever, tune, "hybrid").outcomes
    gate = fit_gate(outcomes, min_abstain=min_abstain, max_wrong=max_wrong)
    gate.dense_weight = retriever.gate.dense_weight
    retriever.gate = gate
    results = search_outcomes(retriever, test)
    held_out = {lang: search_report(retriever, [(q, r) for q, r in results if q.language == lang])
                for lang in sorted({q.language for q in test})}
    return Calibration(gate, held_out, len(tune), len(test), len(extra or []))
