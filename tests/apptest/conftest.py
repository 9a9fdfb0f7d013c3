"""AppTest fixtures: the app runs in-process against the fresh, migrated database of the
shared ``db_url`` fixture (SQLite always, PostgreSQL too when ECOCITY_TEST_DATABASE_URL
is set), chosen through ECOCITY_DATABASE_URL as in production."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import streamlit as st
from helpers.apphelp import APP, TIMEOUT, honour_injected_actor
from streamlit.testing.v1 import AppTest


@pytest.fixture(autouse=True)
def fresh_caches() -> Iterator[None]:
    """Each test starts like a new server process. Streamlit's caches live as long as the
    Python process; on PostgreSQL the tests share one database reset to its seed between
    tests, so the same URL and data token can come back with other contents."""
    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture(autouse=True)
def injected_actors(monkeypatch: pytest.MonkeyPatch) -> None:
    """AppTests act as an officer or administrator by putting an Actor in the session
    (apphelp.act_as); this patch, not the app, makes that count."""
    honour_injected_actor(monkeypatch)


@pytest.fixture
def app_env(db_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("ECOCITY_DATABASE_URL", db_url)
    monkeypatch.delenv("ECOCITY_LANG", raising=False)
    return db_url


@pytest.fixture
def open_app(app_env: str) -> Callable[..., AppTest]:
    """open_app(lang=None, page=None) -> AppTest after its first run (and page switch)."""

    def open_(lang: str | None = None, page: str | None = None) -> AppTest:
        at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
        if lang:
            at.query_params["lang"] = lang
        at.run()
        if page:
            at.switch_page(page).run()
        return at

    return open_
