"""The `safar` command line and the set-up scripts: clear one-line failures, never a traceback."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from core.settings import REPO_ROOT

SAFAR = [sys.executable, "-m", "safar.cli"]


def run(argv: list[str], env: dict[str, str] | None = None, **kw) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(argv, cwd=REPO_ROOT, env=full_env, capture_output=True, text=True, timeout=300, **kw)


def test_help_lists_the_commands() -> None:
    out = run([*SAFAR, "--help"]).stdout
    for command in ("run", "prepare", "kb", "db", "rasa"):
        assert f"    {command} " in out


def test_bad_database_url_is_one_line(tmp_path: Path) -> None:
    result = run([*SAFAR, "db", "upgrade"], env={"SAFAR_DATABASE_URL": "postgresql://nobody@127.0.0.1:1/x",
                                                 "SAFAR_VAR_DIR": str(tmp_path)})
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: cannot reach the database")
    assert "SAFAR_DATABASE_URL" in lines[0]


def test_invalid_setting_is_one_line(tmp_path: Path) -> None:
    result = run([*SAFAR, "db", "upgrade"], env={"SAFAR_TRAINER_IDS": "1,bob", "SAFAR_VAR_DIR": str(tmp_path)})
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "error: invalid settings: SAFAR_TRAINER_IDS: Value error, SAFAR_TRAINER_IDS must be comma-separated "
        "Telegram user ids, e.g. 123,456"
    ]


def test_run_with_port_in_use_is_one_line(tmp_path: Path) -> None:
    # Uses the trained model and index of `make test`'s prepare step; only the port check fails.
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = run([*SAFAR, "run"], env={"SAFAR_RASA_PORT": str(port), "SAFAR_VAR_DIR": str(tmp_path),
                                          "SAFAR_INDEX_DIR": str(REPO_ROOT / "var" / "index"),
                                          "SAFAR_TELEGRAM_TOKEN": ""}, stdin=subprocess.DEVNULL)
    assert result.returncode == 1, result.stderr
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith(f"error: port {port} on 127.0.0.1 (needed by rasa) is already in use")


def test_missing_python310_names_what_to_install() -> None:
    env = {"PATH": "/usr/bin:/bin", "HOME": "/nonexistent"}
    result = subprocess.run(["bash", "scripts/find-python310.sh"], cwd=REPO_ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 1
    assert result.stdout == ""
    assert "needs CPython 3.10" in result.stderr and "SAFAR_PYTHON310" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_python310_override_is_used_and_checked() -> None:
    found = subprocess.run(["bash", "scripts/find-python310.sh"], cwd=REPO_ROOT, capture_output=True, text=True)
    if found.returncode != 0:
        return  # no 3.10 here; the previous test covers the message
    py = found.stdout.strip()
    ok = subprocess.run(["bash", "scripts/find-python310.sh"], cwd=REPO_ROOT, capture_output=True, text=True,
                        env={**os.environ, "SAFAR_PYTHON310": py})
    assert ok.stdout.strip() == py
    bad = subprocess.run(["bash", "scripts/find-python310.sh"], cwd=REPO_ROOT, capture_output=True, text=True,
                         env={**os.environ, "SAFAR_PYTHON310": sys.executable})
    assert bad.returncode == 1 and "is not a working CPython 3.10" in bad.stderr


def test_report_and_demo_log_refuse_bad_arguments_in_one_line(tmp_path: Path) -> None:
    env = {"SAFAR_VAR_DIR": str(tmp_path)}
    for argv, expected in (
        (["report", "--since", "last spring", "--out", str(tmp_path / "r")], "error: --since 'last spring': use"),
        (["report", "--country", "FR", "--out", str(tmp_path / "r")], "error: --country 'FR' is not a destination"),
    ):
        result = run([*SAFAR, *argv], env=env)
        assert result.returncode == 2 and "Traceback" not in result.stderr, result.stderr
        assert result.stderr.strip().splitlines()[-1].startswith(expected), result.stderr
    result = run([*SAFAR, "demo-log", "--rows", "0"], env=env)
    assert result.returncode == 2 and "is not a whole number of at least 1" in result.stderr
    assert not (tmp_path / "r").exists()


def test_report_on_an_empty_log_says_so_and_still_writes_the_page(tmp_path: Path) -> None:
    result = run([*SAFAR, "report", "--since", "30d", "--out", str(tmp_path / "report")], env={"SAFAR_VAR_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr[-1500:]
    assert "No questions were logged in this period" in result.stderr
    assert (tmp_path / "report" / "index.html").exists() and (tmp_path / "report" / "gap_clusters.csv").exists()


def test_forget_for_someone_never_seen_says_nothing_was_stored(tmp_path: Path) -> None:
    result = run([*SAFAR, "forget", "--telegram-id", "123456"], env={"SAFAR_VAR_DIR": str(tmp_path)})
    assert result.returncode == 0, result.stderr[-1500:]
    assert result.stdout.strip() == "Nothing was stored for this Telegram id (or it was already erased)."


def test_kb_search_says_which_of_the_three_outcomes_it_would_give() -> None:
    import json

    answered = run([*SAFAR, "kb", "search", "how do I get my provincial health insurance card", "--country", "CA", "--json"])
    data = json.loads(answered.stdout)
    assert data["outcome"] == "answer" and data["passages"][0]["topic"] == "health_care"
    assert 0 <= data["choices_confidence"] <= 1
    unknown = run([*SAFAR, "kb", "search", "who won the football world cup", "--country", "CA"])
    assert unknown.stdout.startswith("not confident (would hand off)"), unknown.stdout
