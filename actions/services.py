"""The action server's services, built once at start (retriever, crisis net, contacts, log)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from crisis.contacts import CrisisContacts
from crisis.classifier import reader_for
from crisis.detector import CrisisDetector
from insights.question_log import QuestionLog
from retrieval.retriever import Retriever
from core.settings import Settings, get_settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)


@dataclass
class Services:
    """Everything the actions need, shared by all requests."""

    retriever: Retriever | None
    crisis: CrisisDetector
    contacts: CrisisContacts
    question_log: QuestionLog
    handoff_hours: int
    # Below this, the classifier's "crisis" is a guess: the question is answered, with one gentle line.
    crisis_confident: float = 0.8
    # The domain's responses (for texts an action must put on a button); filled on the first request.
    responses: dict[str, Any] = field(default_factory=dict)
    expected_wait_hours: Callable[[], int] | None = None  # from the live queue; None: the setting

    def wait_hours(self) -> int:
        """Hours to tell a migrant at handoff: the queue's estimate, the setting when it cannot say."""
        if self.expected_wait_hours is None:
            return self.handoff_hours
        try:
            return self.expected_wait_hours()
        except Exception as exc:  # noqa: BLE001 - an estimate must never block a handoff reply
            log.warning("queue wait estimate failed (%s); using the setting", type(exc).__name__)
            return self.handoff_hours


def build_services(settings: Settings) -> Services:
    """Load the model, index and files; a missing index leaves retrieval off (questions go to trainers)."""
    from retrieval.index import IndexMissing, IndexModelMismatch

    try:
        retriever: Retriever | None = Retriever.open(settings.index_dir, settings.resolved_embedding_model())
    except (IndexMissing, IndexModelMismatch) as exc:
        log.error("knowledge base unavailable, questions will go to trainers: %s", exc)
        retriever = None
    from privacy.anonymise import preload
    from insights.question_log import SqlQuestionLog
    from storage.db import make_engine, make_sessionmaker

    sessions = make_sessionmaker(make_engine(settings.resolved_database_url()))
    preload()  # the anonymiser's word lists, so the first question is not slow
    contacts = CrisisContacts.load(settings.crisis_contacts)
    if contacts.status != "verified":
        log.warning("crisis contacts %r are %s, not verified: fill in and verify your programme's file",
                    settings.crisis_contacts, contacts.status or "unreviewed")
    return Services(
        retriever=retriever,
        crisis=CrisisDetector.load(reader=reader_for(settings)),
        contacts=contacts,
        question_log=SqlQuestionLog(sessions),
        handoff_hours=settings.handoff_reply_hours,
        crisis_confident=settings.crisis_confidence,
        expected_wait_hours=queue_wait_estimator(sessions, settings),
    )


def queue_wait_estimator(sessions: "sessionmaker[Session]", settings: Settings) -> Callable[[], int]:
    """Hours until a trainer likely takes a new ticket, read from the handoff queue (read only)."""
    from handoff.queue import estimated_wait

    def hours() -> int:
        with sessions.begin() as session:
            wait = estimated_wait(session=session, now=datetime.now(timezone.utc), sla_hours=settings.handoff_reply_hours)
        return max(1, round(wait.total_seconds() / 3600))

    return hours


_services: Services | None = None


def set_services(services: Services) -> None:
    """Install the services (the server at start; tests with their own)."""
    global _services
    _services = services


def get_services() -> Services:
    """The installed services, built from the settings on first use."""
    global _services
    if _services is None:
        _services = build_services(get_settings())
    return _services
