"""The seam between the actions and the anonymised question log (`insights.question_log` writes it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class LoggedQuestion:
    """What the action knows about one informational question."""

    pseudonym: str
    text: str  # raw; the log must anonymise it before writing anything
    country: str | None
    language: str
    intent: str
    confidence: float
    route: str  # answer | suggest | handoff | clarify
    passages: list[dict[str, object]] = field(default_factory=list)  # answered with: id, score, ...
    topic: str | None = None  # topic of the nearest passage, even below the gate
    gate: float | None = None  # the retriever's confidence
    handoff_reason: str | None = None  # set when this very question went to a trainer
    source: str = "bot"  # bot | replay


class QuestionLog(Protocol):
    """Stores questions without personal data; returns the text it stored (or None)."""

    def record(self, question: LoggedQuestion) -> str | None:
        """Write one question; return the anonymised text as stored, or None when nothing was stored."""
        ...

    def record_feedback(self, pseudonym: str, helpful: bool) -> None:
        """Attach helpful / not helpful to the user's latest answered question."""
        ...

    def record_choice(self, pseudonym: str, passage_id: str) -> None:
        """Attach the offered passage the person chose to their latest question."""
        ...

    def record_handoff(self, pseudonym: str, reason: str) -> None:
        """Mark the user's latest question as one a trainer was needed for."""
        ...


class NoQuestionLog:
    """A log that stores nothing (tests of actions that are not about the log; never raw text)."""

    def record(self, question: LoggedQuestion) -> str | None:
        """Store nothing."""
        return None

    def record_feedback(self, pseudonym: str, helpful: bool) -> None:
        """Store nothing."""

    def record_choice(self, pseudonym: str, passage_id: str) -> None:
        """Store nothing."""

    def record_handoff(self, pseudonym: str, reason: str) -> None:
        """Store nothing."""
