"""The anonymised question log: every informational question, anonymised before anything is written.

`QuestionLog` is what the actions write to (`SqlQuestionLog` here; `NoQuestionLog` stores nothing).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Protocol

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from privacy.anonymise import anonymise
from storage.models import LoggedQuestionRow
from storage.question_log import add_question, set_choice, set_feedback, set_trainer_needed

log = logging.getLogger(__name__)


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

MAX_LOGGED_CHARS = 2000  # a question, not a document: longer texts are cut (after anonymising)


class SqlQuestionLog:
    """Writes the question log to the app database (SQLite or PostgreSQL)."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self._sessions = sessions

    def record(self, question: LoggedQuestion) -> str | None:
        """Anonymise and store one question; return the stored text."""
        text = anonymise(question.text)[:MAX_LOGGED_CHARS]
        row = LoggedQuestionRow(
            pseudonym=question.pseudonym, asked_at=datetime.now(timezone.utc), country=question.country,
            language=question.language, text=text, intent=question.intent[:64], confidence=float(question.confidence),
            route=question.route, topic=question.topic, gate=question.gate,
            passages=[{"id": p.get("id"), "score": p.get("score")} for p in question.passages],
            trainer_needed=question.handoff_reason is not None, handoff_reason=question.handoff_reason,
            source=question.source,
        )
        try:
            with self._sessions.begin() as session:
                add_question(session=session, row=row)
        except SQLAlchemyError as exc:
            # The migrant still gets the answer; the operator sees what to fix. Type only: no user text.
            log.error("question log write failed (%s): check SAFAR_DATABASE_URL and run `safar db upgrade`",
                      type(exc).__name__)
            return None
        return text

    def record_feedback(self, pseudonym: str, helpful: bool) -> None:
        """Rate the latest answered question of this person."""
        try:
            with self._sessions.begin() as session:
                if not set_feedback(session=session, pseudonym=pseudonym, helpful=helpful,
                                    now=datetime.now(timezone.utc)):
                    log.info("feedback with no recent answered question to attach it to")
        except SQLAlchemyError as exc:
            log.error("question log feedback failed (%s): check the database", type(exc).__name__)

    def record_choice(self, pseudonym: str, passage_id: str) -> None:
        """Attach the passage the person chose to their latest question answered with choices."""
        try:
            with self._sessions.begin() as session:
                set_choice(session=session, pseudonym=pseudonym, passage_id=passage_id, now=datetime.now(timezone.utc))
        except SQLAlchemyError as exc:
            log.error("question log choice failed (%s): check the database", type(exc).__name__)

    def record_handoff(self, pseudonym: str, reason: str) -> None:
        """Mark the latest question of this person as needing a trainer."""
        try:
            with self._sessions.begin() as session:
                set_trainer_needed(session=session, pseudonym=pseudonym, reason=reason, now=datetime.now(timezone.utc))
        except SQLAlchemyError as exc:
            log.error("question log handoff mark failed (%s): check the database", type(exc).__name__)
