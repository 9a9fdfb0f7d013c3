"""Alembic environment for EcoCity Tracker.

Run programmatically by ``ecocity.store.schema.migrate``, which passes its own connection in
``config.attributes["connection"]`` (already inside a transaction). For development
(``alembic revision --autogenerate``), a URL may be given instead with
``-x url=...``; otherwise the configured database is used.
"""

from __future__ import annotations

from alembic import context

from ecocity.store.models import Base

config = context.config
target_metadata = Base.metadata


def _run(connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite cannot ALTER much
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    from ecocity.store.db import make_engine

    engine = make_engine(context.get_x_argument(as_dictionary=True).get("url"))
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; run against a database")
run_migrations_online()
