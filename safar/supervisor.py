"""A small process supervisor: start services, wait until they answer, stop them all cleanly.

Each child runs in its own session (process group), so Ctrl-C in the terminal reaches only the
supervisor, which then stops every group in order; PR_SET_PDEATHSIG makes the kernel stop the
children too if the supervisor itself is killed, so no orphan keeps a port.
"""

from __future__ import annotations

import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO


class StartupError(RuntimeError):
    """A service could not start; the message is one line that says what to do."""


@dataclass
class ServiceSpec:
    """How to start one service and how to tell that it is ready."""

    name: str
    argv: list[str]
    env: dict[str, str]
    cwd: Path
    ready_url: str | None = None
    ready_check: Callable[[bytes], bool] | None = None
    port: int | None = None
    log_path: Path | None = None


@dataclass
class _Running:
    spec: ServiceSpec
    proc: subprocess.Popen[bytes]
    log: IO[bytes] | None = field(default=None)


def port_in_use(host: str, port: int) -> bool:
    """True when something already listens on host:port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.5)
        return sock.connect_ex((host, port)) == 0


def answers(url: str, check: Callable[[bytes], bool] | None = None) -> bool:
    """True when `url` answers 200 (and its body passes `check`)."""
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            body = resp.read()
            return resp.status == 200 and (check is None or check(body))
    except (urllib.error.URLError, OSError, ValueError):
        return False


def _die_with_parent() -> None:
    """In the child: ask the kernel for SIGTERM when the supervisor dies (Linux only)."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


class Supervisor:
    """Starts services, waits for readiness, and stops them all on exit."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.running: list[_Running] = []

    def check_ports(self, specs: list[ServiceSpec]) -> None:
        """Fail early, in one line, when a port a service needs is taken."""
        for spec in specs:
            if spec.port is not None and port_in_use(self.host, spec.port):
                raise StartupError(
                    f"port {spec.port} on {self.host} (needed by {spec.name}) is already in use: stop what is "
                    f"using it (another `make run`?) or choose another port with SAFAR_{spec.name.upper()}_PORT"
                )

    def start(self, spec: ServiceSpec) -> None:
        """Start one service in its own process group."""
        log: IO[bytes] | None = None
        stdout: int | IO[bytes] | None = None
        if spec.log_path is not None:
            spec.log_path.parent.mkdir(parents=True, exist_ok=True)
            log = open(spec.log_path, "ab")
            stdout = log
        proc = subprocess.Popen(
            spec.argv,
            cwd=spec.cwd,
            env=spec.env,
            stdout=stdout,
            stderr=subprocess.STDOUT if log is not None else None,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )
        self.running.append(_Running(spec, proc, log))

    def wait_ready(self, timeout: float) -> None:
        """Block until every started service answers its readiness URL, or raise StartupError."""
        deadline = time.monotonic() + timeout
        pending = [r for r in self.running if r.spec.ready_url]
        while pending:
            for item in list(pending):
                code = item.proc.poll()
                if code is not None:
                    raise StartupError(f"{item.spec.name} exited with code {code} while starting; {self._log_hint(item)}")
                assert item.spec.ready_url is not None
                if answers(item.spec.ready_url, item.spec.ready_check):
                    pending.remove(item)
            if pending and time.monotonic() > deadline:
                names = ", ".join(i.spec.name for i in pending)
                raise StartupError(f"{names} did not become ready in {timeout:.0f} s; {self._log_hint(pending[0])}")
            if pending:
                time.sleep(0.5)

    @staticmethod
    def _log_hint(item: _Running) -> str:
        if item.spec.log_path is None:
            return "see its output above"
        try:
            lines = item.spec.log_path.read_text(encoding="utf-8", errors="replace").strip().splitlines()
        except OSError:
            lines = []
        last = lines[-1] if lines else "(no output)"
        return f"last line of {item.spec.log_path}: {last}"

    def failed(self) -> _Running | None:
        """The first service that has exited, if any."""
        return next((r for r in self.running if r.proc.poll() is not None), None)

    def stop(self, grace: float = 10.0) -> None:
        """SIGTERM every process group, wait, then SIGKILL what is left."""
        for item in reversed(self.running):
            if item.proc.poll() is None:
                try:
                    os.killpg(item.proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
        deadline = time.monotonic() + grace
        for item in reversed(self.running):
            remaining = max(0.1, deadline - time.monotonic())
            try:
                item.proc.wait(timeout=remaining)
            except subprocess.TimeoutExpired:
                print(f"{item.spec.name} did not stop in {grace:.0f} s; killing it", file=sys.stderr)
            # The group may hold grandchildren even after the leader exited.
            try:
                os.killpg(item.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            item.proc.wait()
            if item.log is not None:
                item.log.close()
        self.running.clear()
