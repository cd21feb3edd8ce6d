"""`safar run` without a token: the real supervisor starts Rasa and the action server, the console chats."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from core.settings import REPO_ROOT
from tests.support.helpers import alive, free_port

pytestmark = [pytest.mark.rasa, pytest.mark.slow]


def test_console_greets_back_and_stops_cleanly(tmp_path: Path) -> None:
    if not (REPO_ROOT / ".venv-rasa" / "bin" / "rasa").exists():
        pytest.skip("the Rasa environment is missing; `make test` creates it")
    env = {
        **os.environ,
        "SAFAR_TELEGRAM_TOKEN": "",
        "SAFAR_VAR_DIR": str(tmp_path / "var"),
        "SAFAR_INDEX_DIR": str(REPO_ROOT / "var" / "index"),
        "SAFAR_RASA_PORT": str(free_port()),
        "SAFAR_ACTION_PORT": str(free_port()),
    }
    result = subprocess.run(
        [sys.executable, "-m", "safar.cli", "run"], cwd=REPO_ROOT, env=env, input="hello\n/quit\n",
        capture_output=True, text=True, timeout=240,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "local console chat" in result.stderr
    replies = [line for line in result.stdout.splitlines() if "safar> " in line]
    assert replies and "Hello! I am Safar" in replies[0]
    assert "Stopped." in result.stderr
    # Nothing of ours may outlive the run: no process still has the temporary var folder in its args.
    leftovers = subprocess.run(["pgrep", "-f", str(tmp_path)], capture_output=True, text=True).stdout.split()
    assert not [pid for pid in leftovers if alive(int(pid))]
