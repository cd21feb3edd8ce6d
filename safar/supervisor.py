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
    crashes: list[float] = field(default_factory=list)  # monotonic times of recent exits
    restart_at: float | None = None  # when a dead service is due to start again
    ready: bool = False  # answered its readiness URL since it last started
    silent_since: float | None = None  # when a ready service stopped answering


@dataclass(frozen=True)
class RestartPolicy:
    """How `supervise` keeps services up: restart with backoff; give up only on repeated rapid crashes."""

    backoff_first: float = 1.0
    backoff_max: float = 30.0
    window: float = 300.0  # crashes counted over this many seconds
    max_crashes: int = 5  # this many in the window: stop everything with one line
    hang_after: float = 60.0  # a ready service silent this long is hung (e.g. frozen): killed, then restarted
    check_every: float = 5.0

    def delay(self, crashes: int) -> float:
        """Seconds to wait before the n-th restart in the window."""
        return min(self.backoff_max, self.backoff_first * 2 ** max(0, crashes - 1))


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
        self.running.append(self._spawn(spec))

    @staticmethod
    def _spawn(spec: ServiceSpec) -> _Running:
        log: IO[bytes] | None = None
        stdout: int | IO[bytes] | None = None
        if spec.log_path is not None:
            spec.log_path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            # Private from the first byte: a log may name a ticket or an error, never for other users to read.
            log = os.fdopen(os.open(spec.log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600), "ab")
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
        return _Running(spec, proc, log)

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

    def supervise(self, policy: RestartPolicy, report: Callable[[str], None],
                  stop: Callable[[], bool] = lambda: False) -> str:
        """Keep every service running until `stop()`; returns why it stopped ("" when asked to)."""
        next_check = 0.0
        while not stop():
            now = time.monotonic()
            check_health = now >= next_check
            if check_health:
                next_check = now + policy.check_every
            verdict = self.supervise_once(policy, report, now, check_health=check_health)
            if verdict:
                return verdict
            time.sleep(0.5)
        return ""

    def supervise_once(self, policy: RestartPolicy, report: Callable[[str], None], now: float, *,
                       check_health: bool = True) -> str:
        """One round: restart what died (after its backoff), kill what hung; a line when giving up."""
        for item in self.running:
            code = item.proc.poll()
            if code is None and item.spec.ready_url and check_health:
                if answers(item.spec.ready_url, item.spec.ready_check):
                    item.ready, item.silent_since = True, None
                elif item.ready:
                    item.silent_since = item.silent_since or now
                    if now - item.silent_since >= policy.hang_after:
                        report(f"{item.spec.name} has not answered for {policy.hang_after:.0f} s (hung); killing it "
                               "to restart it")
                        self._kill(item)
                        code = item.proc.wait()
            if code is None:
                continue
            if item.restart_at is None:
                item.crashes = [t for t in item.crashes if now - t < policy.window] + [now]
                if len(item.crashes) >= policy.max_crashes:
                    return (f"error: {item.spec.name} crashed {len(item.crashes)} times in {policy.window / 60:.0f} "
                            f"minutes (last exit code {code}); stopping everything. {self._log_hint(item)}")
                delay = policy.delay(len(item.crashes))
                item.restart_at = now + delay
                report(f"{item.spec.name} stopped with code {code}; restarting it in {delay:.0f} s")
            elif now >= item.restart_at:
                self._restart(item)
                report(f"{item.spec.name} restarted")
        return ""

    def _restart(self, item: _Running) -> None:
        if item.log is not None:
            item.log.close()
        fresh = self._spawn(item.spec)
        item.proc, item.log = fresh.proc, fresh.log
        item.restart_at, item.ready, item.silent_since = None, False, None

    @staticmethod
    def _kill(item: _Running) -> None:
        for sig in (signal.SIGCONT, signal.SIGKILL):  # a stopped (SIGSTOP) process must be woken to die
            try:
                os.killpg(item.proc.pid, sig)
            except ProcessLookupError:
                pass

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
