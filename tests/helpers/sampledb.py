"""Fixtures for the Estate, Indicators and Method page tests (a plain module: import the
fixtures into a test module with ``from sampledb import sample_url, page_at``).

``sample_url``: a database holding the shipped sample data (192 workbooks, 8 areas, 21
estates, FY 2559-2568; MAP-TA-PHUT 2566 in two versions). The sample is loaded once per run and
backend: into a SQLite file that each test copies, and into a PostgreSQL template database
that each test clones (see ``SampleTemplates``).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from helpers.apphelp import APP, ROOT, TIMEOUT

SAMPLE_DIR = ROOT / "data" / "sample"


def _load(url: str) -> None:
    from ecocity.cli.sample import UPLOADED_BY, load_sample
    from ecocity.core.access import system
    from ecocity.core.framework import load_framework
    from ecocity.store.db import make_engine

    engine = make_engine(url)
    try:
        report = load_sample(engine, SAMPLE_DIR, load_framework(), by=system(UPLOADED_BY))
        assert report.rejected == [] and report.stored == report.total
        if engine.dialect.name == "sqlite":
            with engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        engine.dispose()


class SampleTemplates:
    """The sample data loaded once per run and per backend, made lazily: a SQLite file that
    each test copies, and a PostgreSQL database that each test clones (CREATE DATABASE ...
    TEMPLATE: well under a second, where loading the 192 workbooks takes ~10 s)."""

    def __init__(self, sqlite_seed: Path, folder: Path):
        self._seed, self._folder = sqlite_seed, folder
        self._sqlite: Path | None = None
        self._pg_name: str | None = None

    def sqlite(self) -> Path:
        if self._sqlite is None:
            path = self._folder / "sample.sqlite3"
            shutil.copyfile(self._seed, path)
            _load(f"sqlite:///{path}")
            self._sqlite = path
        return self._sqlite

    def postgres(self, pg: Any) -> str:
        """A copy of the sample database on the server of ``pg`` (the conftest's ``_pg``)."""
        from sqlalchemy.engine import make_url

        from ecocity.store.db import make_engine
        from ecocity.store.schema import upgrade

        if self._pg_name is None:
            url = pg.create()
            engine = make_engine(url)
            try:
                upgrade(engine)
            finally:
                engine.dispose()
            _load(url)  # disposes its engine: a template database must have no connection
            self._pg_name = make_url(url).database
        pg.counter += 1
        name = f"{pg.prefix}_{pg.counter}"
        with pg.admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{self._pg_name}"')
        pg.created.append(name)
        return pg.base.set(database=name).render_as_string(hide_password=False)


_SHARED: list[SampleTemplates] = []  # one per process (see below)


@pytest.fixture(scope="session")
def _sample_template(_sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> SampleTemplates:
    # Each test module imports this fixture, and pytest keeps a session fixture per module
    # that defines (imports) it: the templates are shared here so the sample loads once.
    if not _SHARED:
        _SHARED.append(SampleTemplates(_sqlite_template, tmp_path_factory.mktemp("sample")))
    return _SHARED[0]


@pytest.fixture
def sample_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """URL of a migrated database holding the sample data (SQLite, and PostgreSQL when set)."""
    templates: SampleTemplates = request.getfixturevalue("_sample_template")
    if backend == "sqlite":
        path = tmp_path / "sample.sqlite3"
        shutil.copyfile(templates.sqlite(), path)
        yield f"sqlite:///{path}"
        return
    pg = request.getfixturevalue("_pg")
    url = templates.postgres(pg)
    yield url
    pg.drop(url)


@pytest.fixture
def page_at(monkeypatch: pytest.MonkeyPatch) -> Callable[..., AppTest]:
    """page_at(url, page, lang=None, actor=None, **params) -> AppTest showing ``page`` (e.g.
    "views/estate.py") on the database at ``url``, with query parameters ``params``, as
    ``actor`` (an ``ecocity.core.access.Actor`` set as the session's signed-in actor; None:
    the anonymous visitor)."""

    def open_(url: str, page: str, lang: str | None = None, actor: Any = None, **params: str) -> AppTest:
        monkeypatch.setenv("ECOCITY_DATABASE_URL", url)
        monkeypatch.delenv("ECOCITY_LANG", raising=False)
        at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
        if actor is not None:
            at.session_state["auth.actor"] = actor
        if lang:
            at.query_params["lang"] = lang
        for k, v in params.items():
            at.query_params[k] = v
        at.run()  # the router registers the pages on its first run
        at.switch_page(page).run()
        return at

    return open_
