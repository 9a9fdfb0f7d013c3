"""Shared database fixtures.

``engine`` (and ``db_url``) give each test a fresh, migrated and seeded database, on
SQLite always and on PostgreSQL too when ``ECOCITY_TEST_DATABASE_URL`` is set, e.g.
``postgresql+psycopg://postgres@127.0.0.1:5432/test``. The schema is built once per run
in a template (a SQLite file that is copied; a PostgreSQL database used as
``CREATE DATABASE ... TEMPLATE``), so a fresh database per test stays cheap. Every
PostgreSQL database created here is dropped afterwards.

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
        try:
            with self.admin.connect() as conn:
                conn.exec_driver_sql("SELECT 1")
        except Exception as e:  # noqa: BLE001 - any failure to reach the server
            self.admin.dispose()
            pytest.fail(f"{PG_ENV} is set ({self.base.render_as_string(hide_password=True)}) but the "
                        f"PostgreSQL server cannot be used: {e}", pytrace=False)

    def create(self, template: str | None = None) -> str:
        name = f"{self.prefix}_{len(self.created)}"
        sql = f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")
        with self.admin.connect() as conn:
            conn.exec_driver_sql(sql)
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
    from ecocity.store.db import make_engine, upgrade

    engine = make_engine(url)
    try:
        upgrade(engine)
        if engine.dialect.name == "sqlite":
            with engine.connect() as conn:  # fold the WAL into the file before copying it
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def _templates() -> dict[str, str]:
    """backend -> template (SQLite file path, or PostgreSQL database name), built lazily."""
    return {}


def _template(backend: str, request: pytest.FixtureRequest, templates: dict[str, str],
              tmp_path_factory: pytest.TempPathFactory) -> str:
    if backend not in templates:
        if backend == "sqlite":
            path = tmp_path_factory.mktemp("template") / "template.sqlite3"
            _upgrade(f"sqlite:///{path}")
            templates[backend] = str(path)
        else:
            pg: _Postgres = request.getfixturevalue("_pg")
            url = pg.create()
            _upgrade(url)
            from sqlalchemy.engine import make_url

            templates[backend] = make_url(url).database or ""
    return templates[backend]


@pytest.fixture(params=_backends())
def backend(request: pytest.FixtureRequest) -> str:
    """'sqlite', and 'postgresql' when ECOCITY_TEST_DATABASE_URL is set."""
    return request.param


@pytest.fixture
def db_url(backend: str, request: pytest.FixtureRequest, _templates: dict[str, str],
           tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> Iterator[str]:
    """URL of a fresh database, migrated and seeded with the registry, dropped afterwards."""
    template = _template(backend, request, _templates, tmp_path_factory)
    if backend == "sqlite":
        path = tmp_path / "ecocity.sqlite3"
        shutil.copyfile(template, path)
        yield f"sqlite:///{path}"
        return
    pg: _Postgres = request.getfixturevalue("_pg")
    url = pg.create(template=template)
    yield url
    pg.drop(url)


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


# ----------------------------------------------------------------------------- test data


@pytest.fixture(scope="session")
def fw() -> Any:
    """The default framework (data/frameworks/eit-default.toml)."""
    from ecocity.framework import load_framework

    return load_framework()


@pytest.fixture
def make_data(fw: Any) -> Callable[..., Any]:
    """make_data(estate, year, n=0, factories=50, **values) -> SubmissionData with a value
    for every indicator of the default framework; ``n`` varies the values, and keyword
    arguments override single values (``**{"ENV-01": 3.0}``)."""
    from ecocity.submission import SubmissionData

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
