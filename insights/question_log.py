"""The anonymised question log: every informational question, anonymised before anything is written."""

from __future__ import annotations

import logging
from datetime import datetime, timezone

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from actions.question_log import LoggedQuestion
from insights.anonymise import anonymise
from storage.models import LoggedQuestionRow
from storage.question_log import add_question, set_choice, set_feedback, set_trainer_needed

log = logging.getLogger(__name__)

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
