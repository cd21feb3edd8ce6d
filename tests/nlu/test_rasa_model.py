"""The trained Rasa model: data validation, held-out NLU quality and dialogue test stories.

Thresholds come from measurement (docs/benchmarks.md); a drop below them fails the build.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from safar.rasa_env import CONFIG, DATA, DOMAIN, RASA_BIN, rasa_environ
from core.settings import REPO_ROOT, Settings

pytestmark = [pytest.mark.rasa, pytest.mark.slow]

MODEL = REPO_ROOT / "models" / "safar.tar.gz"
MIN_MACRO_F1 = 0.90  # measured 0.93 on tests/data/nlu_test.yml
MIN_CRISIS_RECALL = 0.90  # the intent alone; the safety net in the actions carries the rest


def rasa(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    if not RASA_BIN.exists() or not MODEL.exists():
        pytest.skip("the Rasa environment or model is missing; `make test` prepares both")
    env = rasa_environ(Settings(_env_file=None))
    return subprocess.run([str(RASA_BIN), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def test_data_validates(tmp_path: Path) -> None:
    result = rasa("data", "validate", "--domain", str(DOMAIN), "--data", str(DATA), "--config", str(CONFIG), cwd=tmp_path)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


def test_nlu_on_held_out_examples(tmp_path: Path) -> None:
    out = tmp_path / "nlu"
    result = rasa("test", "nlu", "--nlu", str(REPO_ROOT / "tests" / "data" / "nlu_test.yml"), "--model", str(MODEL),
                  "--out", str(out), cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads((out / "intent_report.json").read_text())
    assert report["macro avg"]["f1-score"] >= MIN_MACRO_F1
    assert report["crisis"]["recall"] >= MIN_CRISIS_RECALL
    # Every intent is in the test set, so a dropped intent cannot hide in the average.
    assert {"greet", "ask_info", "crisis", "personal_case", "request_human", "out_of_scope"} <= set(report)


def test_dialogue_stories(tmp_path: Path) -> None:
    out = tmp_path / "core"
    result = rasa("test", "core", "--stories", str(REPO_ROOT / "tests" / "data" / "test_stories.yml"),
                  "--model", str(MODEL), "--out", str(out), cwd=tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads((out / "story_report.json").read_text())
    assert report["conversation_accuracy"]["accuracy"] == 1.0, (out / "failed_test_stories.yml").read_text()
