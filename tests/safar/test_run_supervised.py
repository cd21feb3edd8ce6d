"""`safar run` keeps Safar up: Rasa killed under it is restarted, and questions are answered again."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bot.rasa_client import RasaClient, RasaUnreachable
from core.settings import REPO_ROOT
from tests.support.helpers import free_port

pytestmark = [pytest.mark.rasa, pytest.mark.slow]

RECOVERY_WITHIN = 120.0  # seconds, the promise for a killed Rasa under `make run`


def _route(url: str) -> str | None:
    """The route of a knowledge-base question sent to the Rasa server at `url`, or None when it does not answer."""
    async def ask() -> str | None:
        client = RasaClient(url, timeout=10, retries=0)
        try:
            meta = {"country": "DE", "language": "en"}
            sender = f"probe-{time.monotonic_ns()}"
            await client.set_slots(sender, meta)
            replies = await client.send(sender, "how do I find a flat to rent", meta)
        except RasaUnreachable:
            return None
        finally:
            await client.close()
        facts = [r.custom["safar"] for r in replies if r.custom and "safar" in r.custom]
        return str(facts[0]["route"]) if facts else None
    return asyncio.run(ask())


def test_a_killed_rasa_is_restarted_and_answers_again(tmp_path: Path) -> None:
    if not (REPO_ROOT / ".venv-rasa" / "bin" / "rasa").exists():
        pytest.skip("the Rasa environment is missing; `make test` creates it")
    rasa_port = free_port()
    env = {**os.environ, "SAFAR_TELEGRAM_TOKEN": "", "SAFAR_VAR_DIR": str(tmp_path / "var"),
           "SAFAR_INDEX_DIR": str(REPO_ROOT / "var" / "index"), "SAFAR_RASA_PORT": str(rasa_port),
           "SAFAR_ACTION_PORT": str(free_port())}
    out = open(tmp_path / "run.out", "w")
    run = subprocess.Popen([sys.executable, "-m", "safar.cli", "run", "--headless"], cwd=REPO_ROOT, env=env,
                           stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{rasa_port}"
    try:
        deadline = time.monotonic() + 240
        while "Safar is running" not in (tmp_path / "run.out").read_text():
            assert run.poll() is None and time.monotonic() < deadline, (tmp_path / "run.out").read_text()[-2000:]
            time.sleep(0.5)
        assert _route(url) == "answer"

        rasa_pid = int(subprocess.run(["pgrep", "-f", "--", f"--port {rasa_port}"], capture_output=True, text=True,
                                      check=True).stdout.split()[0])
        os.killpg(os.getpgid(rasa_pid), signal.SIGKILL)
        killed_at = time.monotonic()
        route = None
        while route != "answer":
            assert time.monotonic() - killed_at < RECOVERY_WITHIN, (tmp_path / "run.out").read_text()[-2000:]
            time.sleep(2)
            route = _route(url)
        log = (tmp_path / "run.out").read_text()
        assert "stopped with code" in log and "rasa restarted" in log
        assert run.poll() is None  # everything else kept running
    finally:
        os.killpg(run.pid, signal.SIGTERM)
        run.wait(timeout=60)
        out.close()
