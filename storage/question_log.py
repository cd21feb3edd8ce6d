"""Repository functions for the anonymised question log; the caller owns the transaction."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from storage.models import LoggedQuestionRow

# Feedback and a later handoff belong to the question asked just before; after this long they are
# about something else (or nothing), and attaching them would mislabel an old question.
FOLLOW_UP_WINDOW = timedelta(hours=6)


def add_question(*, session: Session, row: LoggedQuestionRow) -> LoggedQuestionRow:
    """Insert one row (its text must already be anonymised)."""
    session.add(row)
    session.flush()
    return row


def latest_question(*, session: Session, pseudonym: str, now: datetime, route: str | None = None) -> LoggedQuestionRow | None:
    """The person's most recent question within the follow-up window, optionally of one route."""
    query = select(LoggedQuestionRow).where(
        LoggedQuestionRow.pseudonym == pseudonym, LoggedQuestionRow.asked_at >= now - FOLLOW_UP_WINDOW
    )
    if route is not None:
        query = query.where(LoggedQuestionRow.route == route)
    return session.scalar(query.order_by(LoggedQuestionRow.asked_at.desc(), LoggedQuestionRow.id.desc()).limit(1))


def set_choice(*, session: Session, pseudonym: str, passage_id: str, now: datetime) -> bool:
    """Record which offered passage the person chose for their latest `suggest` question."""
    row = latest_question(session=session, pseudonym=pseudonym, now=now, route="suggest")
    if row is None:
        return False
    row.chosen = passage_id[:160]
    session.flush()
    return True


def set_feedback(*, session: Session, pseudonym: str, helpful: bool, now: datetime) -> bool:
    """Rate the person's latest answered question (or chosen suggestion); False when there is none to rate."""
    row = latest_question(session=session, pseudonym=pseudonym, now=now)
    if row is not None and not (row.route == "answer" or (row.route == "suggest" and row.chosen)):
        row = None
    if row is None:
        return False
    row.feedback = "helpful" if helpful else "unhelpful"
    row.feedback_at = now
    session.flush()
    return True


def set_trainer_needed(*, session: Session, pseudonym: str, reason: str, now: datetime) -> bool:
    """Mark the person's latest question as handed to a trainer; False when there is none."""
    row = latest_question(session=session, pseudonym=pseudonym, now=now)
    if row is None:
        return False
    row.trainer_needed = True
    row.handoff_reason = row.handoff_reason or reason
    session.flush()
    return True


def delete_for_pseudonym(*, session: Session, pseudonym: str) -> int:
    """Delete every logged question of one person (for /forget); returns how many went."""
    result = session.execute(delete(LoggedQuestionRow).where(LoggedQuestionRow.pseudonym == pseudonym))
    return result.rowcount or 0


def delete_older_than(*, session: Session, cutoff: datetime) -> int:
    """Delete questions asked before `cutoff` (the retention purge); returns how many went."""
    result = session.execute(delete(LoggedQuestionRow).where(LoggedQuestionRow.asked_at < cutoff))
    return result.rowcount or 0


def delete_by_source(*, session: Session, source: str) -> int:
    """Delete all rows of one source (e.g. the demo log before a new one is made)."""
    result = session.execute(delete(LoggedQuestionRow).where(LoggedQuestionRow.source == source))
    return result.rowcount or 0
