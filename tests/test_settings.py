"""Settings: SAFAR_ variables, the .env file, trainer ids, the generated pseudonym key."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from safar.pseudonym import pseudonym
from safar.settings import Settings


def test_env_variables_and_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SAFAR_TRAINER_IDS", "11, 22,33")
    monkeypatch.setenv("SAFAR_TRAINER_CHAT_ID", "-100123")
    s = Settings(_env_file=None, var_dir=tmp_path)
    assert s.trainer_ids == [11, 22, 33]
    assert s.trainer_chat_id == -100123
    assert s.telegram_token is None  # console mode
    assert s.resolved_database_url() == f"sqlite:///{tmp_path / 'safar.db'}"


def test_dotenv_file_is_read(tmp_path: Path) -> None:
    env = tmp_path / ".env"
    env.write_text("SAFAR_TELEGRAM_TOKEN=123:abc\nSAFAR_DATABASE_URL=postgresql://u@h/db\n")
    s = Settings(_env_file=env)
    assert s.telegram_token is not None and s.telegram_token.get_secret_value() == "123:abc"
    assert "123:abc" not in repr(s)  # secrets never printed
    assert s.resolved_database_url() == "postgresql://u@h/db"


def test_bad_trainer_ids_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAFAR_TRAINER_IDS", "12,alice")
    with pytest.raises(ValidationError, match="comma-separated"):
        Settings(_env_file=None)


def test_pseudonym_key_generated_once_and_kept(tmp_path: Path) -> None:
    s = Settings(_env_file=None, var_dir=tmp_path / "var")
    key = s.resolved_pseudonym_key()
    assert len(key) == 64
    assert (tmp_path / "var" / "pseudonym.key").stat().st_mode & 0o077 == 0  # owner-only
    assert Settings(_env_file=None, var_dir=tmp_path / "var").resolved_pseudonym_key() == key


def test_short_pseudonym_key_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="too short"):
        Settings(_env_file=None, var_dir=tmp_path, pseudonym_key="abc").resolved_pseudonym_key()


def test_pseudonyms_are_keyed_and_stable() -> None:
    a = pseudonym(42, b"k" * 32)
    assert a == pseudonym(42, b"k" * 32)
    assert a != pseudonym(43, b"k" * 32)
    assert a != pseudonym(42, b"j" * 32)
    assert "42" not in a
