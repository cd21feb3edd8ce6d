"""Privacy end to end on the real Rasa and action servers: what the log stores, /forget over every
store (Rasa's SQL tracker store included), and the action server's scheduled retention purge."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from safar.ask import ask
from core.pseudonym import pseudonym
from core.settings import REPO_ROOT, Settings
from privacy.tracker_store import TrackerStore
from storage.db import make_engine, make_sessionmaker
from storage.models import LoggedQuestionRow
from tests.support.pipeline import converse, facts

pytestmark = [pytest.mark.rasa, pytest.mark.slow]

RAW = "My name is Ahmad Karimi, my phone is +962 79 555 0142. How do I rent a flat in Toronto?"


def log_rows(settings: Settings, who: str | None = None) -> list[LoggedQuestionRow]:
    engine = make_engine(settings.resolved_database_url())
    try:
        with make_sessionmaker(engine)() as session:
            q = select(LoggedQuestionRow)
            if who is not None:
                q = q.where(LoggedQuestionRow.pseudonym == who)
            return list(session.scalars(q))
    finally:
        engine.dispose()


def test_the_log_stores_the_anonymised_question_and_replay_says_what_it_stored(pipeline_settings: Settings) -> None:
    [outcome] = ask(pipeline_settings, [{"text": RAW, "country": "CA", "language": "en"}])
    assert outcome.route in ("answer", "handoff", "clarify")
    stored = outcome.logged_text
    assert stored is not None and "<PHONE>" in stored and "<NAME>" in stored
    assert "Karimi" not in stored and "0142" not in stored and "Toronto" in stored and "rent" in stored
    [row] = [r for r in log_rows(pipeline_settings) if r.text == stored]
    assert row.source == "replay" and row.country == "CA" and row.route == outcome.route  # kept out of reports
    assert row.pseudonym.startswith("cli-")


def test_a_migrants_questions_feedback_and_handoff_are_logged(pipeline_settings: Settings) -> None:
    who = pseudonym(77001, pipeline_settings.resolved_pseudonym_key())
    answer, rating, yes = converse(pipeline_settings, who, ["how do I find a flat", "no", "yes"], "DE")
    assert facts(answer)["route"] == "answer" and facts(yes)["route"] == "handoff"
    [row] = log_rows(pipeline_settings, who)
    assert row.source == "bot" and row.route == "answer" and row.topic == "housing"
    assert row.passages and row.passages[0]["id"].startswith("DE/en/housing/") and row.gate is not None
    assert row.feedback == "unhelpful" and row.trainer_needed and row.handoff_reason == "rated_unhelpful"


def test_forget_on_the_command_line_erases_a_real_conversation(pipeline_settings: Settings) -> None:
    telegram_id = 77002
    who = pseudonym(telegram_id, pipeline_settings.resolved_pseudonym_key())
    converse(pipeline_settings, who, ["how do I open a bank account", "when is my flight, case 123-45"], "CA")
    store = TrackerStore.from_url(pipeline_settings.resolved_tracker_store_url())
    try:
        assert store.count(who) > 0  # Rasa keeps the conversation in the SQL tracker store
        assert len(log_rows(pipeline_settings, who)) == 2
        env = {**os.environ, "SAFAR_VAR_DIR": str(pipeline_settings.var_dir)}
        result = subprocess.run([sys.executable, "-m", "safar.cli", "forget", "--telegram-id", str(telegram_id), "--json"],
                                cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr[-1500:]
        erased = json.loads(result.stdout)
        assert erased["questions"] == 2 and erased["conversation_events"] > 0
        assert store.count(who) == 0 and log_rows(pipeline_settings, who) == []
        # The person can start again: Rasa serves a fresh conversation.
        (again,) = converse(pipeline_settings, who, ["hello"], "CA")
        assert facts(again)["route"] == "smalltalk"
    finally:
        store.dispose()


def test_the_action_server_purges_expired_questions_on_its_own(pipeline_settings: Settings) -> None:
    engine = make_engine(pipeline_settings.resolved_database_url())
    sessions = make_sessionmaker(engine)
    expired = datetime.now(timezone.utc) - timedelta(days=pipeline_settings.retention_days + 1)
    with sessions.begin() as session:
        session.add(LoggedQuestionRow(pseudonym="expired-person", asked_at=expired, country="AU", language="en",
                                      text="an old question", intent="ask_info", confidence=0.9, route="answer",
                                      passages=[], trainer_needed=False, source="bot"))
    try:
        deadline = time.monotonic() + 20
        while log_rows(pipeline_settings, "expired-person") and time.monotonic() < deadline:
            time.sleep(0.5)
        assert log_rows(pipeline_settings, "expired-person") == []
    finally:
        engine.dispose()
