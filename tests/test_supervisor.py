"""The supervisor: readiness, clear start-up failures, and a clean stop with no orphans."""

from __future__ import annotations

import os
import socket
import sys
import time
from pathlib import Path

import pytest

from safar.supervisor import ServiceSpec, StartupError, Supervisor
from tests.helpers import alive, free_port


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
