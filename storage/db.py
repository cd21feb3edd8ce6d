"""Engine and session factories, and the one-line errors operators see for a bad database URL."""

from __future__ import annotations

import os
import re
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, OperationalError, SQLAlchemyError
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from storage.errors import DatabaseUnavailable


def _normalise(url: str) -> str:
    """Use psycopg 3 for plain `postgresql://` URLs (psycopg2 is not installed)."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def create_private_file(path: Path) -> None:
    """Create an empty file readable by its owner only (its folder 0700), unless it exists.

    SQLite then opens it, and creates its -wal and -shm files with the same permissions.
    """
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass


def mask_url(url: str) -> str:
    """The URL with any password replaced by ***, for messages and logs."""
    try:
        return make_url(_normalise(url)).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return re.sub(r"(://[^:/@]*:)[^@]*@", r"\1***@", url)


def make_engine(url: str) -> Engine:
    """Create an engine for `url`; SQLite gets foreign keys and a busy timeout for concurrent writers."""
    try:
        parsed = make_url(_normalise(url))
    except (ArgumentError, ValueError) as exc:
        raise DatabaseUnavailable(
            f"SAFAR_DATABASE_URL is not a valid database URL ({mask_url(url)!r}); use e.g. sqlite:///var/safar.db "
            "or postgresql://user@host:5432/dbname"
        ) from exc
    kwargs: dict[str, object] = {"pool_pre_ping": True}
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            create_private_file(Path(parsed.database))
        kwargs["connect_args"] = {"timeout": 30}
    try:
        engine = create_engine(parsed, **kwargs)
    except (NoSuchModuleError, ImportError) as exc:
        raise DatabaseUnavailable(
            f"SAFAR_DATABASE_URL uses an unsupported database driver ({parsed.drivername}); "
            "use sqlite:/// or postgresql://"
        ) from exc
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_conn: object, _record: object) -> None:
    """WAL lets readers work while one writer writes; foreign keys are off by default in SQLite.

    synchronous=NORMAL: in WAL mode a commit then waits for no fsync (checkpoints do). A crashed
    process loses nothing; a power cut may lose the last moments, never the file's integrity.
    """
    cursor = dbapi_conn.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def check_connection(engine: Engine) -> None:
    """Open one connection, or raise DatabaseUnavailable with what to do."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError as exc:
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise DatabaseUnavailable(
            f"cannot reach the database at {engine.url.render_as_string(hide_password=True)} ({reason}); "
            "check SAFAR_DATABASE_URL and that the server is running"
        ) from exc
    except SQLAlchemyError as exc:
        raise DatabaseUnavailable(f"database error at {engine.url.render_as_string(hide_password=True)}: {exc}") from exc


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """A session factory; callers own transactions with `with factory.begin() as session`."""
    return sessionmaker(engine, expire_on_commit=False)
