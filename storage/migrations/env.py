"""Alembic environment: the engine comes from the caller (storage.migrate), never from a file."""

from __future__ import annotations

from alembic import context

from storage.models import Base

config = context.config
engine = config.attributes.get("engine")
if engine is None:  # `alembic` CLI use: build the engine from the settings
    from core.settings import get_settings
    from storage.db import make_engine

    engine = make_engine(get_settings().resolved_database_url())

with engine.connect() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER most things
    )
    with context.begin_transaction():
        context.run_migrations()
