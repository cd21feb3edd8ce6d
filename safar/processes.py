"""The service specs that `safar run` supervises: Rasa, the action server and the bot."""

from __future__ import annotations

import json
import os
import sys

from safar.rasa_env import CREDENTIALS, ENDPOINTS, RASA_PYTHON, model_path, rasa_environ, require_rasa
from core.settings import REPO_ROOT, Settings
from safar.supervisor import ServiceSpec


def child_env() -> dict[str, str]:
    """Environment for Safar's own child processes: never reach for a model hub."""
    env = dict(os.environ)
    env.setdefault("HF_HUB_OFFLINE", "1")
    env.setdefault("TRANSFORMERS_OFFLINE", "1")
    env.setdefault("TOKENIZERS_PARALLELISM", "false")
    return env


def model_loaded(body: bytes) -> bool:
    """Rasa's /status answers before the model is loaded; ready means a model file is reported."""
    try:
        return bool(json.loads(body).get("model_file"))
    except (ValueError, AttributeError):
        return False


def rasa_spec(settings: Settings, *, log: bool, port: int | None = None) -> ServiceSpec:
    """One Rasa server on the trained model, REST channel and HTTP API, on loopback by default."""
    port = port or settings.rasa_port
    require_rasa()
    # Through safar_rasa_main (nlu/rasa_plugins): the API token goes in the environment, not on the
    # command line, where `ps` would show it to every local user.
    argv = [
        str(RASA_PYTHON), "-m", "safar_rasa_main", "run", "--enable-api", "--model", str(model_path(settings)),
        "--endpoints", str(ENDPOINTS), "--credentials", str(CREDENTIALS),
        "--interface", settings.host, "--port", str(port),
    ]
    env = rasa_environ(settings)
    token = settings.rasa_token_value()
    if token:
        env["SAFAR_RASA_API_TOKEN"] = token
    suffix = "" if port == settings.rasa_port else f"-{port}"
    return ServiceSpec(
        name=f"rasa{suffix}", argv=argv, env=env, cwd=REPO_ROOT,
        ready_url=settings.rasa_status_url(f"http://{settings.host}:{port}"), ready_check=model_loaded, port=port,
        log_path=settings.var_dir / "log" / f"rasa{suffix}.log" if log else None,
    )


def action_spec(settings: Settings, *, log: bool, env: dict[str, str]) -> ServiceSpec:
    """The rasa-sdk action server with Safar's actions."""
    argv = [sys.executable, "-m", "actions.server", "--port", str(settings.action_port)]
    env = {**env, "SAFAR_HOST": settings.host, "SAFAR_ACTION_PORT": str(settings.action_port)}
    return ServiceSpec(
        name="action", argv=argv, env=env, cwd=REPO_ROOT,
        ready_url=f"{settings.action_url}/health", port=settings.action_port,
        log_path=settings.var_dir / "log" / "actions.log" if log else None,
    )


def bot_spec(settings: Settings, *, env: dict[str, str]) -> ServiceSpec:
    """The Telegram bot (only when a token is configured)."""
    return ServiceSpec(name="bot", argv=[sys.executable, "-m", "bot"], env=env, cwd=REPO_ROOT)


def pipeline_specs(settings: Settings, *, log: bool, env: dict[str, str] | None = None) -> list[ServiceSpec]:
    """Rasa and the action server: what `safar run`, `safar ask` and the tests start."""
    env = env if env is not None else child_env()
    return [*(rasa_spec(settings, log=log, port=port) for port in settings.rasa_ports()),
            action_spec(settings, log=log, env=env)]
