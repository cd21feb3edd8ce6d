"""The supervisor: readiness, clear start-up failures, and a clean stop with no orphans."""

from __future__ import annotations

import os
import socket
import sys
import time
from pathlib import Path

import pytest

from safar.supervisor import ServiceSpec, StartupError, Supervisor
from tests.support.helpers import alive, free_port


SERVER = """
import http.server, os, subprocess, sys
# A grandchild, to prove the whole process group is stopped.
child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
open(sys.argv[2], "w").write(f"{os.getpid()} {child.pid}")
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), http.server.SimpleHTTPRequestHandler).serve_forever()
"""


def test_ready_then_clean_stop_leaves_no_orphans(tmp_path: Path) -> None:
    port = free_port()
    pids = tmp_path / "pids"
    spec = ServiceSpec(
        name="demo", argv=[sys.executable, "-c", SERVER, str(port), str(pids)], env=dict(os.environ),
        cwd=tmp_path, ready_url=f"http://127.0.0.1:{port}/", port=port, log_path=tmp_path / "demo.log",
    )
    sup = Supervisor()
    sup.check_ports([spec])
    sup.start(spec)
    sup.wait_ready(timeout=20)
    parent, grandchild = map(int, pids.read_text().split())
    assert alive(parent) and alive(grandchild)
    sup.stop(grace=5)
    deadline = time.monotonic() + 5
    while alive(grandchild) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(parent)
    assert not alive(grandchild)


def test_port_in_use_is_one_clear_line() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        spec = ServiceSpec(name="rasa", argv=["true"], env={}, cwd=Path("."), port=port)
        with pytest.raises(StartupError, match=f"port {port} .* already in use.*SAFAR_RASA_PORT"):
            Supervisor().check_ports([spec])


def test_service_that_dies_while_starting_is_reported(tmp_path: Path) -> None:
    spec = ServiceSpec(
        name="broken", argv=[sys.executable, "-c", "print('model file is corrupt'); raise SystemExit(3)"],
        env=dict(os.environ), cwd=tmp_path, ready_url="http://127.0.0.1:9/", log_path=tmp_path / "broken.log",
    )
    sup = Supervisor()
    sup.start(spec)
    try:
        with pytest.raises(StartupError, match="broken exited with code 3.*model file is corrupt"):
            sup.wait_ready(timeout=20)
    finally:
        sup.stop(grace=1)


def _exits(tmp_path: Path, code: int = 3) -> ServiceSpec:
    return ServiceSpec(name="flaky", argv=[sys.executable, "-c", f"raise SystemExit({code})"], env=dict(os.environ),
                       cwd=tmp_path, log_path=tmp_path / "flaky.log")


def _wait_exit(sup: Supervisor) -> None:
    sup.running[0].proc.wait(timeout=20)


def test_a_dead_service_is_restarted_after_its_backoff(tmp_path: Path) -> None:
    from safar.supervisor import RestartPolicy

    lines: list[str] = []
    sup = Supervisor()
    sup.start(_exits(tmp_path))
    try:
        policy = RestartPolicy(backoff_first=2, max_crashes=5)
        _wait_exit(sup)
        first = sup.running[0].proc.pid
        assert sup.supervise_once(policy, lines.append, now=100.0) == ""
        assert lines == ["flaky stopped with code 3; restarting it in 2 s"]
        sup.supervise_once(policy, lines.append, now=101.0)  # still in its backoff
        assert sup.running[0].proc.pid == first
        sup.supervise_once(policy, lines.append, now=102.0)
        assert sup.running[0].proc.pid != first and lines[-1] == "flaky restarted"
        _wait_exit(sup)
        sup.supervise_once(policy, lines.append, now=103.0)
        assert lines[-1] == "flaky stopped with code 3; restarting it in 4 s"  # the backoff doubles
    finally:
        sup.stop(grace=2)


def test_repeated_rapid_crashes_stop_everything_with_one_line(tmp_path: Path) -> None:
    from safar.supervisor import RestartPolicy

    sup = Supervisor()
    sup.start(_exits(tmp_path, 7))
    try:
        policy = RestartPolicy(backoff_first=0, max_crashes=3, window=60)
        verdict, now = "", 0.0
        while not verdict and now < 10:
            _wait_exit(sup)
            verdict = sup.supervise_once(policy, lambda line: None, now=now)  # counts the exit
            sup.supervise_once(policy, lambda line: None, now=now)  # restarts it (no backoff)
            now += 1
        assert verdict.startswith("error: flaky crashed 3 times in 1 minutes (last exit code 7); stopping everything")
        assert "flaky.log" in verdict
        # Crashes far apart are not "rapid": the window forgets old ones.
        sup2 = Supervisor()
        sup2.start(_exits(tmp_path))
        for i in range(6):
            sup2.running[0].proc.wait(timeout=20)
            assert sup2.supervise_once(policy, lambda line: None, now=1000.0 + 100 * i) == ""
            sup2.supervise_once(policy, lambda line: None, now=1000.0 + 100 * i)
        sup2.stop(grace=2)
    finally:
        sup.stop(grace=2)


def test_a_hung_service_is_killed_and_restarted(tmp_path: Path) -> None:
    import signal

    from safar.supervisor import RestartPolicy

    port = free_port()
    server = "import http.server, sys; http.server.HTTPServer(('127.0.0.1', int(sys.argv[1])), http.server.SimpleHTTPRequestHandler).serve_forever()"
    spec = ServiceSpec(name="frozen", argv=[sys.executable, "-c", server, str(port)], env=dict(os.environ), cwd=tmp_path,
                       ready_url=f"http://127.0.0.1:{port}/", port=port, log_path=tmp_path / "frozen.log")
    sup = Supervisor()
    sup.start(spec)
    try:
        sup.wait_ready(timeout=20)
        policy = RestartPolicy(hang_after=10, backoff_first=0)
        lines: list[str] = []
        assert sup.supervise_once(policy, lines.append, now=0.0) == "" and not lines  # answering
        first = sup.running[0].proc.pid
        os.killpg(first, signal.SIGSTOP)  # frozen: no exit, no answer
        sup.supervise_once(policy, lines.append, now=1.0)
        assert not lines  # silent, but not for long enough yet
        sup.supervise_once(policy, lines.append, now=11.0)
        assert lines[0] == "frozen has not answered for 10 s (hung); killing it to restart it"
        sup.supervise_once(policy, lines.append, now=11.5)
        assert sup.running[0].proc.pid != first and lines[-1] == "frozen restarted"
        sup.wait_ready(timeout=20)
    finally:
        sup.stop(grace=2)
