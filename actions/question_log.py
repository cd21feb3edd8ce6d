"""The seam to the anonymised question log (built in the insights work): actions call `record`."""

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
    route: str
    passages: list[dict[str, object]] = field(default_factory=list)


class QuestionLog(Protocol):
    """Stores questions without personal data; returns the text it stored (or None)."""

    def record(self, question: LoggedQuestion) -> str | None:
        """Write one question; return the anonymised text as stored, or None when nothing was stored."""
        ...

    def record_feedback(self, pseudonym: str, helpful: bool) -> None:
        """Attach helpful / not helpful to the user's latest answered question."""
        ...


class NoQuestionLog:
    """Until the anonymised log exists nothing is stored: never raw text."""

    def record(self, question: LoggedQuestion) -> str | None:
        """Store nothing."""
        return None

    def record_feedback(self, pseudonym: str, helpful: bool) -> None:
        """Store nothing."""
