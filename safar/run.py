"""`safar run`: prepare, then supervise Rasa, the action server and the bot (or the console chat)."""

from __future__ import annotations

import asyncio
import os
import signal
import threading
from collections.abc import Callable
from functools import partial

from safar.prepare import prepare_all, say
from safar.processes import bot_spec, child_env, pipeline_specs
from core.settings import Settings
from safar.supervisor import RestartPolicy, Supervisor


def _safety_line(settings: Settings) -> Callable[[str | None], str]:
    """The emergency line of the programme location, for replies when Rasa cannot be reached."""
    from crisis.contacts import ContactsInvalid, CrisisContacts
    from crisis.messages import gentle_line
    from safar.usage import UsageError

    try:
        return partial(gentle_line, CrisisContacts.load(settings.crisis_contacts))
    except ContactsInvalid as exc:
        raise UsageError(f"crisis contacts unusable: {exc}; fix the file (see knowledge_base/crisis_contacts/README.md)") from exc


def run(settings: Settings, *, country: str | None = None, language: str | None = None, headless: bool = False) -> int:
    """Start everything; return the exit code. Ctrl-C stops every child."""
    try:
        settings.check_rasa_token()
    except ValueError as exc:
        from safar.usage import UsageError

        raise UsageError(str(exc)) from exc
    prepare_all(settings)
    console = settings.telegram_token is None and not headless
    safety_line = _safety_line(settings) if console else None
    env = child_env()
    specs = pipeline_specs(settings, log=console, env=env)
    if not console and not headless:
        specs.append(bot_spec(settings, env=env))
    supervisor = Supervisor(settings.host)
    supervisor.check_ports(specs)

    def _terminate(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    # Both, explicitly: a shell starts background jobs with SIGINT ignored, which Python keeps.
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGINT, _terminate)
    try:
        for spec in specs:
            supervisor.start(spec)
        say("Starting Rasa and the action server (loading the model takes about 20 s) ...")
        supervisor.wait_ready(settings.startup_timeout_seconds)
        policy = RestartPolicy()
        if console:
            say(
                "No SAFAR_TELEGRAM_TOKEN is set, so this is the local console chat on the same pipeline "
                f"(logs in {settings.var_dir / 'log'}). Set the token in .env to run the Telegram bot."
            )
            from bot.console import chat

            # The chat runs here; a thread keeps Rasa and the actions up behind it.
            done = threading.Event()
            watcher = threading.Thread(target=_watch, args=(supervisor, policy, done), daemon=True)
            watcher.start()
            try:
                asyncio.run(
                    chat(settings.rasa_url, country=country, language=language,
                         timeout=settings.rasa_timeout_seconds, retries=settings.rasa_retries,
                         token=settings.rasa_token_value(), safety_line=safety_line)
                )
            finally:
                done.set()
                watcher.join(timeout=5)
            return 0
        what = "Rasa and the action server (no bot: --headless)" if headless else "Rasa, the action server and the Telegram bot"
        say(f"Safar is running: {what}. A part that stops is restarted. Press Ctrl-C to stop.")
        verdict = supervisor.supervise(policy, say)
        say(verdict)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        say("Stopping ...")
        supervisor.stop()
        say("Stopped.")


def _watch(supervisor: Supervisor, policy: RestartPolicy, done: threading.Event) -> None:
    """Supervise behind the console chat; on giving up, say why and end the chat."""
    verdict = supervisor.supervise(policy, say, stop=done.is_set)
    if verdict:
        say(verdict)
        os.kill(os.getpid(), signal.SIGTERM)
