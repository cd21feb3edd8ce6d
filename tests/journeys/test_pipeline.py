"""End to end: a real Rasa server on the trained model plus the action server, one conversation per route,
and the routing set through `safar replay`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.settings import REPO_ROOT, Settings
from tests.support.pipeline import converse, facts

pytestmark = [pytest.mark.rasa, pytest.mark.slow]


def test_answer_then_feedback(pipeline_settings: Settings) -> None:
    first, second = converse(pipeline_settings, "e2e-answer", ["how do I find a flat", "no"], "DE")
    assert facts(first)["route"] == "answer"
    assert facts(first)["passages"][0]["id"].startswith("DE/en/housing/")
    assert any(r.text.startswith("Source: https://") for r in first)
    assert [b.payload for r in first for b in r.buttons] == ["/feedback_positive", "/feedback_negative"]
    assert facts(second)["feedback"] == "unhelpful"  # a typed "no" after "did this help?"


def test_case_question_goes_to_a_trainer(pipeline_settings: Settings) -> None:
    (replies,) = converse(pipeline_settings, "e2e-handoff", ["when is my flight, case 123-45"], "CA")
    f = facts(replies)
    assert f["route"] == "handoff" and f["handoff"]["reason"] == "case_specific"
    assert "24 hours" in replies[0].text


def test_crisis_gets_contacts_at_once(pipeline_settings: Settings) -> None:
    (replies,) = converse(pipeline_settings, "e2e-crisis", ["I want to end my life"], "NO")
    f = facts(replies)
    assert f["route"] == "crisis" and f["handoff"]["priority"] == "urgent"
    assert any("☎ 911" in r.text for r in replies)
    assert not any(r.buttons for r in replies)


def test_out_of_scope_and_smalltalk_in_the_users_language(pipeline_settings: Settings) -> None:
    oos, hello = converse(pipeline_settings, "e2e-oos", ["write me a poem about cats", "bonjour"], "CA", "fr")
    assert facts(oos)["route"] == "out_of_scope" and facts(oos)["passages"] == []
    assert facts(hello)["route"] == "smalltalk" and hello[0].text.startswith("Bonjour")


def test_switching_destination_mid_conversation(pipeline_settings: Settings) -> None:
    (switch,) = converse(pipeline_settings, "e2e-switch", ["I am going to Norway now"], "CA")
    assert facts(switch)["set"] == {"country": "NO"}
    assert "Norway" in switch[0].text
    # The bot updates its settings from `set` and sends the new destination with the next message.
    (answer,) = converse(pipeline_settings, "e2e-switch", ["how do I find an apartment to rent"], "NO")
    assert facts(answer)["passages"][0]["id"].startswith("NO/en/housing/")


def test_routing_set_through_replay(pipeline_settings: Settings, tmp_path: Path) -> None:
    """Route accuracy on tests/data/routing.jsonl, and every crisis caught."""
    out = tmp_path / "out.jsonl"
    env = {**os.environ, "SAFAR_RASA_PORT": str(pipeline_settings.rasa_port),
           "SAFAR_ACTION_PORT": str(pipeline_settings.action_port), "SAFAR_VAR_DIR": str(tmp_path)}
    result = subprocess.run([sys.executable, "-m", "safar.cli", "replay", "tests/data/routing.jsonl", "--out", str(out)],
                            cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Starting Rasa" not in result.stderr  # it used the running servers
    expected = {json.loads(l)["id"]: json.loads(l)["route"] for l in (REPO_ROOT / "tests/data/routing.jsonl").read_text().splitlines() if l.strip()}
    got = {d["id"]: d for d in map(json.loads, out.read_text().splitlines())}
    assert set(got) == set(expected)
    for line in got.values():
        assert set(line) >= {"id", "route", "passages", "intent", "confidence", "reply", "logged_text"}
        assert line["passages"] == [] or line["route"] in ("answer", "suggest")
        if line["route"] == "suggest":  # choices: two or three passages, in the order shown, best first
            assert 2 <= len(line["passages"]) <= 3
    crisis = [i for i, r in expected.items() if r == "crisis"]
    assert all(got[i]["route"] == "crisis" for i in crisis), [got[i]["reply"][:60] for i in crisis if got[i]["route"] != "crisis"]
    # An answerable question offered as choices gets its content one press away: right for "answer".
    accuracy = sum(got[i]["route"] == r or (r, got[i]["route"]) == ("answer", "suggest")
                   for i, r in expected.items()) / len(expected)
    assert accuracy >= 0.75  # measured 0.78 (docs/benchmarks.md); the gate hands off rather than guess
