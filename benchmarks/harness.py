"""The whole of Safar under simulated users: Rasa, the action server and the bot as real processes,
driven through the fake Telegram Bot API server (tests/support/fake_telegram.py) by many users at once.

Used by benchmarks/load.py (rising rates, a sustained rate) and benchmarks/faults.py (killing parts
under load). Latency is measured on the fake server's clock: from the moment an update is queued
there (for the bot to fetch, or pushed to its webhook) to the moment the bot's reply arrives there.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import statistics
import subprocess
import sys
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psutil  # noqa: E402

from safar.processes import child_env, pipeline_specs  # noqa: E402
from core.settings import REPO_ROOT, Settings  # noqa: E402
from safar.supervisor import ServiceSpec, answers  # noqa: E402
from storage.db import make_engine  # noqa: E402
from storage.migrate import upgrade_to_head  # noqa: E402
from tests.support.fake_telegram import FakeTelegram  # noqa: E402
from tests.support.helpers import free_port  # noqa: E402

TRAINER_CHAT = -100777
TRAINER_ID = 990001
POSTGRES_ADMIN = os.environ.get("SAFAR_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
QUIET_AFTER_REPLY = 0.8  # a turn is over once the bot has been quiet this long after its first reply

# What simulated people send, and how often (weights). "feedback" presses the helpful button of the
# person's last answer when there is one.
MIX = {"kb": 55, "feedback": 10, "gap": 10, "smalltalk": 12, "handoff": 8, "out_of_scope": 5}
SMALLTALK = {"en": ["hello", "thanks a lot", "who are you?"], "fr": ["bonjour", "merci beaucoup"],
             "ar": ["مرحبا", "شكرا كتير"]}
HANDOFF = {"en": ["when is my flight, case 123-45", "I want to talk to a person"],
           "fr": ["je veux parler à une personne"], "ar": ["بدي احكي مع شخص"]}
GAPS = {"en": ["can i bring my cat on the plane", "which phone company is cheapest", "is there halal food at school"],
        "fr": ["je peux emmener mon chat dans l'avion"], "ar": ["بقدر اخذ قطتي معي بالطيارة"]}
OUT_OF_SCOPE = {"en": ["write me a poem about cats"], "fr": ["écris-moi un poème"], "ar": ["اكتبلي قصيدة"]}
# Destination and language of the simulated people: French and Arabic content exists for Canada only.
PROFILES = [("CA", "en"), ("CA", "fr"), ("CA", "ar"), ("DE", "en"), ("NO", "en"), ("AU", "en"), ("US", "en")]


def labelled_questions() -> dict[tuple[str, str], list[str]]:
    """Answerable questions of the retrieval benchmark (as `safar demo-log` reads them), by (country, language)."""
    from insights.demo_log import labelled_questions as read

    out: dict[tuple[str, str], list[str]] = defaultdict(list)
    for q in read():
        out[(q.country, q.language)].append(q.text)
    return out


def percentile(values: list[float], q: float) -> float | None:
    """The q-th percentile (nearest rank), or None without values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


@dataclass
class Turn:
    """One thing a simulated person sent, and what came back."""

    user: int
    kind: str
    update_id: int
    queued: float
    first_at: float | None = None
    last_at: float | None = None
    texts: list[str] = field(default_factory=list)

    @property
    def route(self) -> str:
        """The route seen from outside: an answer carries its source line."""
        if any(t.startswith("Source:") or "\nSource:" in t for t in self.texts):
            return "answer"
        return self.kind

    @property
    def duplicated(self) -> bool:
        """The same text twice in one turn: the message was handled twice."""
        counts = Counter(self.texts)
        return any(n > 1 for n in counts.values())


@dataclass
class Person:
    """A simulated migrant."""

    uid: int
    country: str
    language: str
    busy: Turn | None = None
    last_buttons: list[str] = field(default_factory=list)
    onboarded: bool = False


@dataclass
class Proc:
    """A service the harness started, and can kill and start again."""

    spec: ServiceSpec
    popen: subprocess.Popen[bytes]


class Stack:
    """Rasa (one or more), the action server and the bot, on a temporary var folder."""

    def __init__(self, *, production: bool, var: Path) -> None:
        self.production = production
        self.var = var
        self.procs: dict[str, Proc] = {}
        self.fake = FakeTelegram()
        self.database: str | None = None
        self.webhook_port = free_port()
        self.metrics_port = free_port()

    def settings(self) -> Settings:
        """The deployment's settings: SQLite and one Rasa, or PostgreSQL, Redis and two Rasa servers."""
        rasa_port = free_port()
        while not _free(rasa_port + 1):  # the second Rasa server of the production profile
            rasa_port = free_port()
        values: dict[str, Any] = dict(var_dir=self.var, index_dir=REPO_ROOT / "var" / "index", rasa_port=rasa_port,
                                      action_port=free_port(), trainer_chat_id=TRAINER_CHAT,
                                      trainer_ids=[TRAINER_ID])
        if self.production:
            self.database = f"safar_load_{uuid.uuid4().hex[:8]}"
            admin = make_engine(POSTGRES_ADMIN)
            with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                from sqlalchemy import text

                conn.execute(text(f'CREATE DATABASE "{self.database}"'))
            admin.dispose()
            url = POSTGRES_ADMIN.rsplit("/", 1)[0] + f"/{self.database}"
            values.update(database_url=url, tracker_store_url=url, redis_url="redis://127.0.0.1:6379/7",
                          rasa_servers=2, rasa_token=uuid.uuid4().hex)
        return Settings(_env_file=None, **values)

    def env(self, settings: Settings) -> dict[str, str]:
        """Environment for every child: the same settings as variables."""
        env = child_env()
        env.update({
            "SAFAR_VAR_DIR": str(self.var), "SAFAR_INDEX_DIR": str(settings.index_dir),
            "SAFAR_RASA_PORT": str(settings.rasa_port), "SAFAR_ACTION_PORT": str(settings.action_port),
            "SAFAR_DATABASE_URL": settings.resolved_database_url(),
            "SAFAR_TRACKER_STORE_URL": settings.resolved_tracker_store_url(),
            "SAFAR_RASA_SERVERS": str(settings.rasa_servers), "SAFAR_REDIS_URL": settings.redis_url,
            "SAFAR_RASA_TOKEN": settings.rasa_token_value() or "",
            "SAFAR_TRAINER_CHAT_ID": str(TRAINER_CHAT), "SAFAR_TRAINER_IDS": str(TRAINER_ID),
            "SAFAR_TELEGRAM_TOKEN": self.fake.token, "SAFAR_TELEGRAM_API_URL": self.fake.base_url,
            "SAFAR_BOT_METRICS_PORT": str(self.metrics_port),
        })
        if self.production:
            env.update({"SAFAR_TELEGRAM_WEBHOOK_URL": "https://bot.example.invalid/telegram",
                        "SAFAR_TELEGRAM_WEBHOOK_SECRET": "load-test-secret", "SAFAR_WEBHOOK_PORT": str(self.webhook_port)})
        return env

    async def start(self) -> Settings:
        """Start the fake Bot API server, Rasa, the action server and the bot; wait until all answer."""
        await self.fake.start()
        self.var.mkdir(parents=True, exist_ok=True)
        settings = self.settings()
        engine = make_engine(settings.resolved_database_url())
        upgrade_to_head(engine)
        engine.dispose()
        env = self.env(settings)
        for spec in pipeline_specs(settings, log=True, env=env):  # Rasa's environment comes from the settings
            self._spawn(spec)
        self._spawn(ServiceSpec(name="bot", argv=[sys.executable, "-m", "bot"], env=env, cwd=REPO_ROOT,
                                log_path=self.var / "log" / "bot.log"))
        await self.wait_ready(300)
        if self.production:
            self.fake.deliver_to(f"http://127.0.0.1:{self.webhook_port}/telegram", "load-test-secret")
        self.settings_used = settings
        return settings

    def _spawn(self, spec: ServiceSpec) -> None:
        assert spec.log_path is not None
        spec.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(spec.log_path, "ab")
        popen = subprocess.Popen(spec.argv, cwd=spec.cwd, env=spec.env, stdout=log, stderr=subprocess.STDOUT,
                                 stdin=subprocess.DEVNULL, start_new_session=True)
        self.procs[spec.name] = Proc(spec, popen)

    async def wait_ready(self, timeout: float) -> None:
        """Until every service with a readiness URL answers it, and the bot has fetched or registered."""
        deadline = time.monotonic() + timeout
        for name, proc in self.procs.items():
            while proc.spec.ready_url and not await asyncio.to_thread(answers, proc.spec.ready_url, proc.spec.ready_check):
                if proc.popen.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"{name} did not start; see {proc.spec.log_path}")
                await asyncio.sleep(0.5)
        method = "setWebhook" if self.production else "getUpdates"
        while not self.fake.sent(method):
            if self.procs["bot"].popen.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"the bot did not start; see {self.procs['bot'].spec.log_path}")
            await asyncio.sleep(0.2)

    def kill(self, name: str) -> None:
        """SIGKILL a service's whole process group: a crash, not a shutdown."""
        proc = self.procs[name]
        try:
            os.killpg(proc.popen.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.popen.wait()

    def restart(self, name: str) -> None:
        """Start a killed service again with the same command and environment."""
        self._spawn(self.procs[name].spec)

    async def stop(self) -> None:
        """Stop everything; drop the load test's PostgreSQL database."""
        for name in list(self.procs):
            proc = self.procs[name]
            if proc.popen.poll() is None:
                try:
                    os.killpg(proc.popen.pid, signal.SIGTERM)
                    proc.popen.wait(timeout=15)
                except (ProcessLookupError, subprocess.TimeoutExpired):
                    self.kill(name)
        await self.fake.stop()
        if self.database:
            admin = make_engine(POSTGRES_ADMIN)
            from sqlalchemy import text

            with admin.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)'))
            admin.dispose()

    def bot_metrics(self) -> dict[str, float]:
        """Sums and counts of the bot's latency histograms (scraped from its /metrics)."""
        import urllib.request

        wanted = ("safar_rasa_seconds_sum", "safar_rasa_seconds_count", "safar_rasa_failures_total",
                  "safar_telegram_retries_total", "safar_errors_total")
        out: dict[str, float] = {}
        try:
            body = urllib.request.urlopen(f"http://127.0.0.1:{self.metrics_port}/metrics", timeout=5).read().decode()
        except OSError:
            return out
        for line in body.splitlines():
            name = line.split("{")[0].split(" ")[0]
            if name in wanted:
                out[name] = out.get(name, 0.0) + float(line.rsplit(" ", 1)[1])
        return out

    def usage(self) -> dict[str, tuple[float, float]]:
        """CPU seconds and resident memory (MB) of each service, children included."""
        out: dict[str, tuple[float, float]] = {}
        for name, proc in self.procs.items():
            try:
                root = psutil.Process(proc.popen.pid)
                family = [root, *root.children(recursive=True)]
                cpu = sum(p.cpu_times().user + p.cpu_times().system for p in family)
                rss = sum(p.memory_info().rss for p in family) / 2**20
                out[name] = (cpu, rss)
            except psutil.NoSuchProcess:
                continue
        me = psutil.Process()
        out["driver"] = (me.cpu_times().user + me.cpu_times().system, me.memory_info().rss / 2**20)
        return out


def _free(port: int) -> bool:
    import socket

    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


class Crowd:
    """Simulated people: onboard them, then send at a given rate, and match the bot's replies to turns."""

    def __init__(self, fake: FakeTelegram, size: int, seed: int = 7) -> None:
        self.fake = fake
        self.rng = random.Random(seed)
        self.questions = labelled_questions()
        self.people = [Person(100000 + i, *PROFILES[i % len(PROFILES)]) for i in range(size)]
        self.by_uid = {p.uid: p for p in self.people}
        self.turns: list[Turn] = []
        self._seen = 0  # calls of the fake server already matched

    async def onboard(self) -> None:
        """Every person opens a deep link and accepts the privacy notice."""
        for p in self.people:
            self.fake.send_text(p.uid, f"/start {p.country}-{p.language}", p.language)
        await asyncio.sleep(0.5)
        for p in self.people:
            self.fake.press(p.uid, "safar:consent:yes")
        deadline = time.monotonic() + 120
        while True:
            self.match()
            if all(len(self.fake.texts(p.uid)) >= 3 for p in self.people):
                break
            if time.monotonic() > deadline:
                raise RuntimeError("onboarding did not finish in 120 s")
            await asyncio.sleep(0.2)
        for p in self.people:
            p.onboarded = True
        await asyncio.sleep(QUIET_AFTER_REPLY)
        self.match()

    def pick(self, person: Person) -> tuple[str, str | None]:
        """What this person sends next: (kind, text), or ("feedback", None) for a button press."""
        kind = self.rng.choices(list(MIX), weights=list(MIX.values()))[0]
        lang = person.language
        if kind == "feedback" and person.last_buttons:
            return kind, None
        if kind in ("kb", "feedback"):
            return "kb", self.rng.choice(self.questions[(person.country, lang)])
        table = {"gap": GAPS, "smalltalk": SMALLTALK, "handoff": HANDOFF, "out_of_scope": OUT_OF_SCOPE}[kind]
        return kind, self.rng.choice(table.get(lang) or table["en"])

    def send_one(self) -> bool:
        """One idle person sends something; False when nobody is idle."""
        idle = [p for p in self.people if p.onboarded and p.busy is None]
        if not idle:
            return False
        person = self.rng.choice(idle)
        kind, text = self.pick(person)
        if text is None:
            self.fake.press(person.uid, person.last_buttons[0])
            person.last_buttons = []
        else:
            self.fake.send_text(person.uid, text, person.language)
        update_id = max(self.fake.queued_at)
        turn = Turn(person.uid, kind, update_id, self.fake.queued_at[update_id])
        person.busy = turn
        self.turns.append(turn)
        return True

    def match(self) -> None:
        """Attribute the bot's new messages to the turns waiting for them; free people whose turn is over."""
        calls = self.fake.calls
        while self._seen < len(calls):
            call = calls[self._seen]
            self._seen += 1
            if call.method != "sendMessage":
                continue
            person = self.by_uid.get(int(call.params.get("chat_id", 0)))
            if person is None or person.busy is None:
                continue
            turn = person.busy
            at = float(call.params["_at"])
            turn.first_at = turn.first_at or at
            turn.last_at = at
            turn.texts.append(str(call.params.get("text", "")))
            markup = call.params.get("reply_markup")
            if isinstance(markup, dict):
                person.last_buttons = [b["callback_data"] for row in markup.get("inline_keyboard", [])
                                       for b in row if str(b.get("callback_data", "")).startswith("/feedback")]
        now = time.monotonic()
        for p in self.people:
            if p.busy is not None and p.busy.last_at is not None and now - p.busy.last_at > QUIET_AFTER_REPLY:
                p.busy = None

    async def run(self, rate: float, seconds: float) -> list[Turn]:
        """Send at `rate` messages per second (Poisson arrivals) for `seconds`; returns the turns started."""
        start = len(self.turns)
        t_end = time.monotonic() + seconds
        next_at = time.monotonic()
        while time.monotonic() < t_end:
            self.match()
            now = time.monotonic()
            while next_at <= now:
                if not self.send_one():
                    next_at = now  # everyone is waiting for a reply: the offered rate cannot be met
                    break
                next_at += self.rng.expovariate(rate)
            await asyncio.sleep(min(0.01, max(0.0, next_at - time.monotonic())))
        return self.turns[start:]

    async def drain(self, timeout: float = 30) -> None:
        """Wait until no turn waits for its reply (or the timeout)."""
        deadline = time.monotonic() + timeout
        while any(p.busy is not None for p in self.people) and time.monotonic() < deadline:
            self.match()
            await asyncio.sleep(0.05)
        self.match()


def summarise(turns: list[Turn], seconds: float) -> dict[str, Any]:
    """Throughput, latency percentiles (overall and per route), unanswered and duplicated turns."""
    answered = [t for t in turns if t.first_at is not None]
    by_route: dict[str, list[float]] = defaultdict(list)
    for t in answered:
        by_route[t.route].append((t.first_at - t.queued) * 1000)  # type: ignore[operator]
    complete = [(t.last_at - t.queued) * 1000 for t in answered]  # type: ignore[operator]
    first = [(t.first_at - t.queued) * 1000 for t in answered]  # type: ignore[operator]
    return {
        "sent": len(turns), "answered": len(answered), "unanswered": len(turns) - len(answered),
        "duplicated": sum(t.duplicated for t in turns), "throughput": round(len(answered) / seconds, 2),
        "first_reply_ms": {"p50": _r(percentile(first, 50)), "p95": _r(percentile(first, 95)),
                           "p99": _r(percentile(first, 99))},
        "last_reply_ms": {"p50": _r(percentile(complete, 50)), "p95": _r(percentile(complete, 95))},
        "by_route": {route: {"n": len(v), "p50": _r(percentile(v, 50)), "p95": _r(percentile(v, 95)),
                             "p99": _r(percentile(v, 99))} for route, v in sorted(by_route.items())},
        "mean_first_ms": _r(statistics.fmean(first)) if first else None,
    }


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, 1)
