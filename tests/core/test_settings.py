"""Settings: SAFAR_ variables, the .env file, trainer ids, the generated pseudonym key."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from core.pseudonym import pseudonym
from core.settings import Settings


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


def test_files_are_private_from_the_start(tmp_path: Path) -> None:
    import stat

    from storage.db import make_engine

    s = Settings(_env_file=None, var_dir=tmp_path / "var")
    s.resolved_pseudonym_key()
    engine = make_engine(s.resolved_database_url())
    with engine.connect() as conn:
        conn.exec_driver_sql("CREATE TABLE t (x INTEGER)")
    engine.dispose()
    mode = lambda p: stat.S_IMODE(p.stat().st_mode)  # noqa: E731
    assert mode(tmp_path / "var") == 0o700
    assert mode(tmp_path / "var" / "pseudonym.key") == 0o600
    assert mode(tmp_path / "var" / "safar.db") == 0o600


def test_a_missing_key_with_existing_users_is_refused(tmp_path: Path) -> None:
    from storage.setup import prepare_database
    from storage.db import make_engine, make_sessionmaker
    from storage.errors import KeyMissing
    from storage.users import get_or_create_user

    s = Settings(_env_file=None, var_dir=tmp_path / "var")
    prepare_database(s)  # a fresh database: the key is generated
    with make_sessionmaker(make_engine(s.resolved_database_url())).begin() as session:
        get_or_create_user(session=session, telegram_id=5, pseudonym=pseudonym(5, s.resolved_pseudonym_key()))
    (tmp_path / "var" / "pseudonym.key").unlink()
    with pytest.raises(KeyMissing, match=r"pseudonym key .* is missing but the database holds 1 user"):
        prepare_database(s)
    assert not (tmp_path / "var" / "pseudonym.key").exists()  # no new key was made


def test_database_passwords_are_masked_in_messages() -> None:
    from storage.db import mask_url
    from storage.errors import DatabaseUnavailable
    from storage.db import make_engine

    assert "s3cret" not in mask_url("postgresql://safar:s3cret@db.example.org/safar")
    with pytest.raises(DatabaseUnavailable) as info:
        make_engine("postgresql://safar:s3cret@db.example.org:notaport/safar")
    assert "s3cret" not in str(info.value)


def test_rasa_token_is_required_in_webhook_and_production_mode(tmp_path: Path) -> None:
    webhook = Settings(_env_file=None, var_dir=tmp_path, telegram_webhook_url="https://x.example/telegram")
    with pytest.raises(ValueError, match="SAFAR_RASA_TOKEN is required in webhook mode"):
        webhook.check_rasa_token()
    with pytest.raises(ValueError, match="required in `safar serve`"):
        Settings(_env_file=None, var_dir=tmp_path).check_rasa_token(serving=True)
    Settings(_env_file=None, var_dir=tmp_path).check_rasa_token()  # local `make run`: fine without
    Settings(_env_file=None, var_dir=tmp_path, rasa_token="t" * 32).check_rasa_token(serving=True)
