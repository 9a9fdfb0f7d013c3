"""Fixtures for the Estate, Indicators and Method page tests (a plain module: import the
fixtures into a test module with ``from pagedb import _sample_template, page_at, sample_url``).

``sample_url``: a database holding the shipped sample data (192 workbooks, 8 areas, 21
estates, FY 2559-2568; MAP-TA-PHUT 2566 in two versions). On SQLite the sample is loaded
once per run into a template file that each test copies; on PostgreSQL it is loaded into
the shared, freshly reset test database.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from apphelp import APP, ROOT, TIMEOUT
from streamlit.testing.v1 import AppTest

SAMPLE_DIR = ROOT / "data" / "sample"


def _load(url: str) -> None:
    from ecocity.framework import load_framework
    from ecocity.sample_cli import load_sample
    from ecocity.store.db import make_engine

    engine = make_engine(url)
    try:
        report = load_sample(engine, SAMPLE_DIR, load_framework())
        assert report.rejected == [] and report.stored == report.total
        if engine.dialect.name == "sqlite":
            with engine.connect() as conn:
                conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def _sample_template(_sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("sample") / "sample.sqlite3"
    shutil.copyfile(_sqlite_template, path)
    _load(f"sqlite:///{path}")
    return path


@pytest.fixture
def sample_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """URL of a migrated database holding the sample data (SQLite, and PostgreSQL when set)."""
    if backend == "sqlite":
        path = tmp_path / "sample.sqlite3"
        shutil.copyfile(request.getfixturevalue("_sample_template"), path)
        return f"sqlite:///{path}"
    url = request.getfixturevalue("db_url")
    _load(url)
    return url


@pytest.fixture
def page_at(monkeypatch: pytest.MonkeyPatch) -> Callable[..., AppTest]:
    """page_at(url, page, lang=None, **params) -> AppTest showing ``page`` (e.g.
    "views/estate.py") on the database at ``url``, with query parameters ``params``."""

    def open_(url: str, page: str, lang: str | None = None, **params: str) -> AppTest:
        monkeypatch.setenv("ECOCITY_DATABASE_URL", url)
        monkeypatch.delenv("ECOCITY_LANG", raising=False)
        at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
        if lang:
            at.query_params["lang"] = lang
        for k, v in params.items():
            at.query_params[k] = v
        at.run()  # the router registers the pages on its first run
        at.switch_page(page).run()
        return at

    return open_
