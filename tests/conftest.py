"""Shared database fixtures.

``engine`` (and ``db_url``) give each test a database that is migrated, seeded with the
registry and holds nothing else, on SQLite always and on PostgreSQL too when
``ECOCITY_TEST_DATABASE_URL`` is set, e.g. ``postgresql+psycopg://postgres@127.0.0.1:5432/test``.

- SQLite: the schema is built once per run into a template file, copied for each test.
- PostgreSQL: one uniquely named database per run (creating and dropping a database
  costs about a second there); before each test its tables are truncated and the seed
  rows put back, which takes milliseconds. ``empty_engine`` creates a database of its own.
  Every database created here is dropped at the end.

When ``ECOCITY_TEST_DATABASE_URL`` is set but the server cannot be reached, the tests that
need it fail: they are never skipped.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

PG_ENV = "ECOCITY_TEST_DATABASE_URL"


def _backends() -> list[str]:
    return ["sqlite", "postgresql"] if os.environ.get(PG_ENV) else ["sqlite"]


class _Postgres:
    """Creates and drops uniquely named databases on the server of ECOCITY_TEST_DATABASE_URL."""

    def __init__(self, url: str):
        from sqlalchemy import create_engine

        from ecocity.store.db import normalise_url

        self.base = normalise_url(url)
        self.admin = create_engine(self.base, isolation_level="AUTOCOMMIT", pool_size=1)
        self.prefix = f"ecocity_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
        self.created: list[str] = []
        self.counter = 0
        try:
            with self.admin.connect() as conn:
                conn.exec_driver_sql("SELECT 1")
        except Exception as e:  # noqa: BLE001 - any failure to reach the server
            self.admin.dispose()
            pytest.fail(f"{PG_ENV} is set ({self.base.render_as_string(hide_password=True)}) but the "
                        f"PostgreSQL server cannot be used: {e}", pytrace=False)

    def create(self) -> str:
        self.counter += 1
        name = f"{self.prefix}_{self.counter}"
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        self.created.append(name)
        return self.base.set(database=name).render_as_string(hide_password=False)

    def drop(self, url: str) -> None:
        from sqlalchemy.engine import make_url

        name = make_url(url).database
        with self.admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if name in self.created:
            self.created.remove(name)

    def close(self) -> None:
        for name in list(self.created):
            with self.admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self.admin.dispose()


@pytest.fixture(scope="session")
def _pg() -> Iterator[_Postgres]:
    url = os.environ.get(PG_ENV)
    if not url:
        raise RuntimeError(f"a PostgreSQL fixture was requested without {PG_ENV}")
    server = _Postgres(url)
    yield server
    server.close()


def _upgrade(url: str) -> None:
    from ecocity.store.db import make_engine
    from ecocity.store.schema import upgrade

    engine = make_engine(url)
    try:
        upgrade(engine)
        if engine.dialect.name == "sqlite":
            with engine.connect() as conn:  # fold the WAL into the file before copying it
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        engine.dispose()


class _SharedPostgres:
    """One migrated, seeded database for the run, reset to its seeded state per test."""

    def __init__(self, pg: _Postgres):
        from sqlalchemy import create_engine, select

        from ecocity.store.models import Base

        self.url = pg.create()
        _upgrade(self.url)
        self.tables = Base.metadata.sorted_tables
        self.engine = create_engine(self.url, pool_size=1)
        with self.engine.connect() as conn:  # the seeded rows, to put back before each test
            self.seed = [(t, [dict(r._mapping) for r in conn.execute(select(t))]) for t in self.tables]

    def reset(self) -> str:
        names = ", ".join(f'"{t.name}"' for t in self.tables)
        with self.engine.begin() as conn:
            # Connections a previous test left open would block TRUNCATE: end them.
            conn.exec_driver_sql("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                 "WHERE datname = current_database() AND pid <> pg_backend_pid()")
            conn.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
            for table, rows in self.seed:
                if rows:
                    conn.execute(table.insert(), rows)
        return self.url


@pytest.fixture(scope="session")
def _shared_pg(_pg: _Postgres) -> Iterator[_SharedPostgres]:
    shared = _SharedPostgres(_pg)
    yield shared
    shared.engine.dispose()


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.sqlite3"
    _upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(params=_backends())
def backend(request: pytest.FixtureRequest) -> str:
    """'sqlite', and 'postgresql' when ECOCITY_TEST_DATABASE_URL is set."""
    return request.param


@pytest.fixture
def db_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """URL of a database that is migrated and seeded with the registry, and nothing else."""
    if backend == "sqlite":
        path = tmp_path / "ecocity.sqlite3"
        shutil.copyfile(request.getfixturevalue("_sqlite_template"), path)
        return f"sqlite:///{path}"
    shared: _SharedPostgres = request.getfixturevalue("_shared_pg")
    return shared.reset()


@pytest.fixture
def engine(db_url: str) -> Iterator[Any]:
    """An engine on a fresh, migrated and seeded database (SQLite and PostgreSQL)."""
    from ecocity.store.db import make_engine

    eng = make_engine(db_url)
    yield eng
    eng.dispose()


@pytest.fixture
def empty_engine(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Any]:
    """An engine on a fresh database without any table (to test migrations themselves)."""
    from ecocity.store.db import make_engine

    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'empty.sqlite3'}"
        eng = make_engine(url)
        yield eng
        eng.dispose()
        return
    pg: _Postgres = request.getfixturevalue("_pg")
    url = pg.create()
    eng = make_engine(url)
    yield eng
    eng.dispose()
    pg.drop(url)


# ----------------------------------------------------------------------------- accounts


@pytest.fixture
def cheap_hashing(monkeypatch: pytest.MonkeyPatch) -> Any:
    """argon2id with small parameters for the accounts a test makes and signs in with: the
    same algorithm, a fraction of the time. Returns the hasher in use."""
    from argon2 import PasswordHasher

    from ecocity.store import users

    hasher = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)
    monkeypatch.setattr(users, "HASHER", hasher)
    return hasher


# ----------------------------------------------------------------------------- test data


@pytest.fixture(scope="session")
def fw() -> Any:
    """The default framework (data/frameworks/eit-default.toml)."""
    from ecocity.core.framework import load_framework

    return load_framework()


@pytest.fixture
def make_data(fw: Any) -> Callable[..., Any]:
    """make_data(estate, year, n=0, factories=50, **values) -> SubmissionData with a value
    for every indicator of the default framework; ``n`` varies the values, and keyword
    arguments override single values (``**{"ENV-01": 3.0}``)."""
    from ecocity.core.submission import SubmissionData

    def make(estate: str = "MAP-TA-PHUT", year: int = 2566, n: int = 0, factories: int = 50,
             notes: dict[str, str] | None = None, **overrides: Any) -> SubmissionData:
        values: dict[str, Any] = {}
        for i, ind in enumerate(fw.indicators):
            if ind.is_yesno:
                values[ind.code] = (n + i) % 2 == 0
            elif ind.kind == "percent":
                values[ind.code] = float((37 * (n + 1) + 11 * i) % 101)
            elif ind.kind == "score":
                values[ind.code] = float(ind.min + (n + i) % int(ind.max - ind.min + 1))
            else:
                values[ind.code] = float((13 * (n + 1) + 7 * i) % 60)
        values.update(overrides)
        return SubmissionData(estate_code=estate, fiscal_year=year, factories=factories,
                              submitted_by=f"officer {n}", values=values, email="officer@example.org",
                              notes=notes or {})

    return make
