"""Storage: the migration history and the users repository, on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, inspect
from sqlalchemy.exc import IntegrityError

from storage.db import DatabaseUnavailable, check_connection, make_engine, make_sessionmaker
from storage.migrate import current_revision, upgrade_to_head
from storage.users import delete_user, find_user_by_pseudonym, get_or_create_user, update_user


def test_migrates_to_head_and_is_idempotent(any_engine: Engine) -> None:
    assert current_revision(any_engine) is None
    upgrade_to_head(any_engine)
    head = current_revision(any_engine)
    assert head is not None
    upgrade_to_head(any_engine)  # second run: nothing to do, no error
    assert current_revision(any_engine) == head
    assert "users" in inspect(any_engine).get_table_names()


def test_users_repository(any_engine: Engine) -> None:
    upgrade_to_head(any_engine)
    factory = make_sessionmaker(any_engine)
    with factory.begin() as session:
        user = get_or_create_user(session=session, telegram_id=5_000_000_001, pseudonym="u_a")
        update_user(session=session, user=user, country="CA", language="fr", consent=True)
    with factory.begin() as session:
        again = get_or_create_user(session=session, telegram_id=5_000_000_001, pseudonym="u_a")
        assert (again.country, again.language) == ("CA", "fr")
        assert again.consent_at is not None
        assert find_user_by_pseudonym(session=session, pseudonym="u_a") is not None
    with factory.begin() as session:
        assert delete_user(session=session, telegram_id=5_000_000_001) == 1
    with factory.begin() as session:
        assert find_user_by_pseudonym(session=session, pseudonym="u_a") is None


def test_telegram_id_is_unique(any_engine: Engine) -> None:
    upgrade_to_head(any_engine)
    factory = make_sessionmaker(any_engine)
    with pytest.raises(IntegrityError):
        with factory.begin() as session:
            get_or_create_user(session=session, telegram_id=7, pseudonym="u_x")
            from storage.models import User

            session.add(User(telegram_id=7, pseudonym="u_y"))
            session.flush()


@pytest.mark.parametrize(
    "url, expected",
    [
        ("not a url", "not a valid database URL"),
        ("mysqlx://u@h/db", "unsupported database driver"),
        ("postgresql://nobody@127.0.0.1:1/none", "cannot reach the database"),
    ],
)
def test_bad_database_urls_give_one_clear_line(url: str, expected: str) -> None:
    with pytest.raises(DatabaseUnavailable, match=expected) as info:
        check_connection(make_engine(url))
    assert "\n" not in str(info.value)
