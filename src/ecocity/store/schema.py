"""The database schema: Alembic migrations, and ``upgrade`` (migrate, then bring the
registry and framework rows up to date with the files)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, text

from ecocity.store.db import _MIGRATION_LOCK_ID, _WRITE_OPTION, data_version

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def alembic_config(connection: Any = None) -> Any:
    """An Alembic Config built in code (no alembic.ini needed at runtime)."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def schema_revision(engine: Engine) -> str | None:
    """The Alembic revision the database is at, or None for an empty database."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def migrate(engine: Engine, revision: str = "head") -> None:
    """Apply migrations up to ``revision`` in one transaction."""
    from alembic import command

    with engine.connect().execution_options(**{_WRITE_OPTION: True}) as conn, conn.begin():
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _MIGRATION_LOCK_ID})
        command.upgrade(alembic_config(conn), revision)


def upgrade(engine: Engine, *, framework: Any = None, data_dir: str | Path | None = None) -> int:
    """Migrate the schema, then bring the registry and framework rows up to date.

    Idempotent: a second run changes nothing and leaves the data version as it was.
    Returns the data version."""
    from ecocity.store.seed import seed

    migrate(engine)
    seed(engine, framework=framework, data_dir=data_dir)
    return data_version(engine)


T = TypeVar("T")


def read_only(database_url: str | None, read: Callable[[Any], T]) -> tuple[T | None, str]:
    """(``read(session)``, "") through a read-only connection to the database, or (None,
    why not). A SQLite file that does not exist is not created; PostgreSQL runs read-only
    transactions; a database not at this version's schema is not read (never migrated)."""
    try:
        import sqlite3

        from alembic.script import ScriptDirectory
        from sqlalchemy import create_engine

        from ecocity.config import settings
        from ecocity.store.db import make_engine, normalise_url, safe_url
        from ecocity.store.errors import DatabaseError
        from ecocity.store.schema import alembic_config, schema_revision
    except ImportError as e:  # storage not installed
        return None, str(e)
    from sqlalchemy.orm import Session

    engine = None
    try:
        u = normalise_url(database_url or settings().database_url)
        if u.get_backend_name() == "sqlite":
            db = u.database or ""
            if db in ("", ":memory:"):
                return None, "an in-memory database holds no estates"
            if db.startswith("file:"):  # already a URI
                uri = db + ("&" if "?" in db else "?") + "mode=ro"
            else:
                path = Path(db).expanduser()
                if not path.is_file():
                    return None, f"no database at {path}"
                uri = path.resolve().as_uri() + "?mode=ro"
            engine = create_engine("sqlite://", creator=lambda: sqlite3.connect(uri, uri=True))
        elif u.get_backend_name() == "postgresql":
            engine = make_engine(u, connect_args={"options": "-c default_transaction_read_only=on",
                                                  "connect_timeout": 10})
        else:
            return None, f"unsupported database {safe_url(u)}"
        head = ScriptDirectory.from_config(alembic_config()).get_current_head()
        current = schema_revision(engine)
        if current is None:
            return None, f"database {safe_url(u)} has no schema yet"
        if current != head:
            return None, (f"database {safe_url(u)} is at schema {current}, this version "
                          f"expects {head}; run `ecocity db upgrade`")
        with Session(engine) as s:
            return read(s), ""
    except (DatabaseError, sqlite3.Error, OSError, ValueError) as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else ""
        return None, f"{type(e).__name__}: {first}"
    finally:
        if engine is not None:
            engine.dispose()
