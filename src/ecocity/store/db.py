"""Engines, sessions, the meta rows and the data version, on SQLite or PostgreSQL; writers run
one at a time through :func:`write_session` (see docs/design-notes.md)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Integer, String, cast, create_engine, event, select, update
from sqlalchemy.engine import URL, make_url
from sqlalchemy.orm import Session

from ecocity.store.models import DATA_VERSION_KEY, DATABASE_ID_KEY, Meta

SQLITE_BUSY_TIMEOUT_MS = 10_000
_WRITE_OPTION = "ecocity_write"
# Any constant: PostgreSQL advisory lock taken while migrating, so that replicas starting
# together do not run the same migration twice.
_MIGRATION_LOCK_ID = 7_300_201_566


def normalise_url(url: str | URL) -> URL:
    """``postgres://`` and ``postgresql://`` mean psycopg 3 (the driver we ship)."""
    u = make_url(url)
    if u.drivername in ("postgres", "postgresql"):
        u = u.set(drivername="postgresql+psycopg")
    return u


def make_engine(url: str | URL | None = None, **kwargs: Any) -> Engine:
    """An engine for ``url`` (default: the configured database, a SQLite file under var/)."""
    if url is None:
        from ecocity.config import settings

        url = settings().database_url
    u = normalise_url(url)
    if u.get_backend_name() == "sqlite":
        return _sqlite_engine(u, **kwargs)
    kwargs.setdefault("pool_pre_ping", True)  # a restarted server must not break a replica
    return create_engine(u, **kwargs)


def _sqlite_engine(u: URL, **kwargs: Any) -> Engine:
    if u.database and u.database != ":memory:" and not u.database.startswith("file:"):
        Path(u.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(u, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Take transaction control from the sqlite3 module: it would not BEGIN before
        # SELECT or DDL, which breaks repeatable reads and transactional migrations.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA journal_mode = WAL")
        cur.execute("PRAGMA synchronous = NORMAL")  # durable enough with WAL, much faster
        cur.execute("PRAGMA foreign_keys = ON")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        write = conn.get_execution_options().get(_WRITE_OPTION, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def safe_url(engine_or_url: Engine | str | URL) -> str:
    """The database URL with any password hidden, for printing."""
    u = engine_or_url.url if isinstance(engine_or_url, Engine) else normalise_url(engine_or_url)
    return u.render_as_string(hide_password=True)


# ----------------------------------------------------------------------------- sessions


@contextmanager
def session_scope(engine: Engine, *, write: bool = False) -> Iterator[Session]:
    """A session in one transaction: committed on success, rolled back on any error.

    ``write=True`` starts a write transaction (``BEGIN IMMEDIATE`` on SQLite); callers
    that change data should use :func:`write_session`, which also takes the writer lock.
    """
    opts: dict[str, bool] = {_WRITE_OPTION: True} if write else {}
    with Session(engine, execution_options=opts, expire_on_commit=False) as session:
        with session.begin():
            yield session


@contextmanager
def write_session(engine: Engine) -> Iterator[tuple[Session, int]]:
    """A write transaction holding the writer lock; yields (session, data_version now).

    Call :func:`bump_data_version` before leaving if data changed."""
    with session_scope(engine, write=True) as session:
        current = lock_data_version(session)
        yield session, current


def no_nul(text: str | None) -> str:
    """Text without NUL characters: PostgreSQL text columns cannot hold them, and what a
    user typed or a file was named must still be recorded."""
    return (text or "").replace("\x00", "")


def set_meta(session: Session, key: str, value: str) -> None:
    """Insert or update one meta row in the caller's transaction (flushed)."""
    row = session.get(Meta, key)
    if row is None:
        session.add(Meta(key=key, value=value))
    else:
        row.value = value
    session.flush()


def lock_data_version(session: Session) -> int:
    """Lock the data_version row until the transaction ends; returns its value."""
    raw = session.execute(select(Meta.value).where(Meta.key == DATA_VERSION_KEY)
                          .with_for_update()).scalar_one()
    return int(raw)


def bump_data_version(session: Session) -> int:
    """Increment the data version in the caller's transaction; returns the new value.

    One atomic increment: the UPDATE itself holds the row (and, on SQLite, the write lock),
    so it is safe even without :func:`write_session`, which has already locked the row."""
    key = Meta.key == DATA_VERSION_KEY
    session.execute(update(Meta).where(key).values(value=cast(cast(Meta.value, Integer) + 1, String)))
    return int(session.execute(select(Meta.value).where(key)).scalar_one())


def data_version(engine: Engine) -> int:
    """A number that changes whenever stored data changes (registry, submissions, samples).

    Cheap (one primary-key read): pages key their caches on it, so every replica on a
    shared database sees new data on its next rerun."""
    with engine.connect() as conn:
        raw = conn.execute(select(Meta.value).where(Meta.key == DATA_VERSION_KEY)).scalar_one()
    return int(raw)


def data_token(engine: Engine) -> str:
    """``"<database id>:<data version>"``: the cache key for pages. Unlike the bare version,
    it differs between two databases (or one dropped and re-created at the same URL)."""
    with engine.connect() as conn:
        rows = dict(conn.execute(select(Meta.key, Meta.value)
                                 .where(Meta.key.in_([DATABASE_ID_KEY, DATA_VERSION_KEY]))).all())
    return f"{rows.get(DATABASE_ID_KEY, '')}:{rows[DATA_VERSION_KEY]}"


# ----------------------------------------------------------------------------- migrations


