"""Where the Rasa project and environment live, and how to call `rasa` in .venv-rasa."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from core.fingerprint import hash_files
from core.settings import REPO_ROOT, Settings

RASA_BIN = REPO_ROOT / ".venv-rasa" / "bin" / "rasa"
RASA_PYTHON = REPO_ROOT / ".venv-rasa" / "bin" / "python"
CONFIG = REPO_ROOT / "config.yml"
DOMAIN = REPO_ROOT / "nlu" / "domain.yml"
DATA = REPO_ROOT / "nlu" / "data"
ENDPOINTS = REPO_ROOT / "nlu" / "endpoints.yml"
CREDENTIALS = REPO_ROOT / "nlu" / "credentials.yml"
RASA_PLUGINS = REPO_ROOT / "nlu" / "rasa_plugins"
MODEL_NAME = "safar"


class RasaUnavailable(RuntimeError):
    """The Rasa environment is missing or a Rasa command failed; the message says what to do."""


def rasa_environ(settings: Settings) -> dict[str, str]:
    """Environment for Rasa processes: no telemetry, quiet TensorFlow, action server URL."""
    env = dict(os.environ)
    env.update(
        {
            "RASA_TELEMETRY_ENABLED": "false",
            "TF_CPP_MIN_LOG_LEVEL": "2",
            "SQLALCHEMY_SILENCE_UBER_WARNING": "1",
            "PYTHONWARNINGS": "ignore",
            "SAFAR_ACTION_ENDPOINT": f"{settings.action_url}/webhook",
            "SAFAR_TRACKER_STORE_URL": tracker_url(settings),
            "PYTHONPATH": str(RASA_PLUGINS),  # the tracker store named in nlu/endpoints.yml
            **lock_store_environ(settings.redis_url),
            # Two cores: stop TensorFlow from oversubscribing them with its own thread pools.
            "TF_NUM_INTRAOP_THREADS": "1",
            "TF_NUM_INTEROP_THREADS": "1",
            "OMP_NUM_THREADS": "1",
        }
    )
    return env


def tracker_url(settings: Settings) -> str:
    """Rasa's tracker store URL in the form its SQLAlchemy 1.4 understands (the SQLite folder made first)."""
    from privacy.tracker_store import rasa_url

    url = settings.resolved_tracker_store_url()
    if url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    return rasa_url(url)


def lock_store_environ(redis_url: str) -> dict[str, str]:
    """The lock store variables of nlu/endpoints.yml: Redis when a URL is set, else Rasa's memory."""
    from urllib.parse import urlsplit

    if not redis_url:
        return {"SAFAR_LOCK_STORE": "in_memory", "SAFAR_REDIS_HOST": "", "SAFAR_REDIS_PORT": "6379",
                "SAFAR_REDIS_DB": "0", "SAFAR_REDIS_PASSWORD": ""}
    parts = urlsplit(redis_url)
    return {"SAFAR_LOCK_STORE": "redis", "SAFAR_REDIS_HOST": parts.hostname or "127.0.0.1",
            "SAFAR_REDIS_PORT": str(parts.port or 6379), "SAFAR_REDIS_DB": parts.path.strip("/") or "0",
            "SAFAR_REDIS_PASSWORD": parts.password or ""}


def model_path(settings: Settings) -> Path:
    """The trained model file."""
    return settings.rasa_model_dir / f"{MODEL_NAME}.tar.gz"


def training_fingerprint() -> str:
    """Hash of everything a model is trained from (pipeline, domain, training data)."""
    return hash_files([CONFIG, DOMAIN, DATA], REPO_ROOT)


def model_is_current(settings: Settings) -> bool:
    """True when a model exists and was trained from the current config, domain and data."""
    stamp = settings.rasa_model_dir / f"{MODEL_NAME}.fingerprint"
    return model_path(settings).exists() and stamp.exists() and stamp.read_text().strip() == training_fingerprint()


def require_rasa() -> Path:
    """Path of the `rasa` executable, or RasaUnavailable saying how to install it."""
    if not RASA_BIN.exists():
        raise RasaUnavailable("the Rasa environment .venv-rasa is missing; run `make run` or `make test` to create it")
    return RASA_BIN


def train_model(settings: Settings, *, quiet: bool = False) -> Path:
    """Train the Rasa model from config.yml and nlu/, and record what it was trained from."""
    rasa = require_rasa()
    fingerprint = training_fingerprint()
    settings.rasa_model_dir.mkdir(parents=True, exist_ok=True)
    argv = [
        str(rasa), "train", "--config", str(CONFIG), "--domain", str(DOMAIN), "--data", str(DATA),
        "--out", str(settings.rasa_model_dir), "--fixed-model-name", MODEL_NAME,
    ]
    log = settings.var_dir / "log" / "rasa-train.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    with open(log, "w", encoding="utf-8") as out:
        result = subprocess.run(argv, cwd=REPO_ROOT, env=rasa_environ(settings), stdout=out, stderr=subprocess.STDOUT)
    if result.returncode != 0:
        tail = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-5:]
        raise RasaUnavailable(f"Rasa training failed (see {log}): " + " | ".join(tail))
    (settings.rasa_model_dir / f"{MODEL_NAME}.fingerprint").write_text(fingerprint + "\n")
    if not quiet:
        print(f"Trained the Rasa model: {model_path(settings)}", file=sys.stderr)
    return model_path(settings)
