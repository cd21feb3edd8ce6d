"""Shared fixtures: settings in a temporary folder, real SQLite and PostgreSQL databases, the model."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from core.settings import REPO_ROOT, Settings
from storage.db import DatabaseUnavailable, check_connection, make_engine

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

POSTGRES_URL = os.environ.get("SAFAR_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
ON_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def need_server(reason: str) -> None:
    """Skip with a visible reason on a developer's machine; fail under CI, where servers must exist."""
    if ON_CI:
        pytest.fail(f"{reason} (CI=true: server-backed tests must not skip)")
    pytest.skip(reason)


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings isolated in a temporary var folder (the real content and model)."""
    return Settings(_env_file=None, var_dir=tmp_path / "var", index_dir=tmp_path / "var" / "index")


@pytest.fixture
def sqlite_engine(tmp_path: Path) -> Iterator[Engine]:
    """A fresh SQLite file database."""
    engine = make_engine(f"sqlite:///{tmp_path / 'test.db'}")
    yield engine
    engine.dispose()


@pytest.fixture
def postgres_engine() -> Iterator[Engine]:
    """A fresh schema on the PostgreSQL server (skips off CI when none answers)."""
    admin = make_engine(POSTGRES_URL)
    try:
        check_connection(admin)
    except DatabaseUnavailable as exc:
        admin.dispose()
        need_server(f"PostgreSQL not reachable at {POSTGRES_URL}: {exc}")
    schema = f"t_{uuid.uuid4().hex[:10]}"
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(POSTGRES_URL)
    from sqlalchemy import event

    @event.listens_for(engine, "connect")
    def _search_path(dbapi_conn, _record):  # noqa: ANN001 - DBAPI objects
        with dbapi_conn.cursor() as cur:
            cur.execute(f'SET search_path TO "{schema}"')
        dbapi_conn.commit()

    try:
        yield engine
    finally:
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def any_engine(request: pytest.FixtureRequest) -> Engine:
    """The same test on SQLite and on PostgreSQL."""
    return request.getfixturevalue(f"{request.param}_engine")


@pytest.fixture(scope="session")
def embedder():
    """The default embedding model, loaded once for the whole run."""
    from retrieval.embedder import Embedder
    from core.settings import default_embedding_model

    return Embedder(default_embedding_model())


@pytest.fixture(scope="session")
def full_retriever(embedder):
    """The retriever over the real index that `make test` builds in var/index before the suite."""
    from retrieval.gate import Gate
    from retrieval.index import load_index, read_manifest
    from retrieval.retriever import Retriever

    index_dir = REPO_ROOT / "var" / "index"
    if read_manifest(index_dir) is None:
        pytest.skip("no index in var/index; `make test` builds it before the suite")
    return Retriever(load_index(index_dir, model_id=embedder.model_id), embedder, Gate.load())


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository root."""
    return REPO_ROOT


@pytest.fixture(scope="session")
def pipeline_settings(tmp_path_factory: pytest.TempPathFactory):
    """Real Rasa and action servers on free ports, on the trained model and built index; stopped after the run."""
    from safar.rasa_env import RASA_BIN, model_path
    from safar.processes import child_env, pipeline_specs
    from safar.supervisor import Supervisor
    from tests.support.helpers import free_port

    var = tmp_path_factory.mktemp("pipeline")
    settings = Settings(_env_file=None, var_dir=var, index_dir=REPO_ROOT / "var" / "index",
                        rasa_port=free_port(), action_port=free_port())
    if not RASA_BIN.exists() or not model_path(settings).exists() or not (settings.index_dir / "manifest.json").exists():
        pytest.skip("Rasa environment, model or index missing; `make test` prepares them")
    from storage.migrate import upgrade_to_head

    engine = make_engine(settings.resolved_database_url())
    upgrade_to_head(engine)  # the action server writes the question log here
    engine.dispose()
    # The action server's retention purge runs every 2 s here, so a test can watch it work.
    env = {**child_env(), "SAFAR_INDEX_DIR": str(settings.index_dir), "SAFAR_VAR_DIR": str(var),
           "SAFAR_PURGE_EVERY_HOURS": str(2 / 3600)}
    supervisor = Supervisor()
    for spec in pipeline_specs(settings, log=True, env=env):
        supervisor.start(spec)
    try:
        supervisor.wait_ready(240)
        yield settings
    finally:
        supervisor.stop()
