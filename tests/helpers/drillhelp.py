"""The ``sample_app`` fixture of the Overview and Area tests (a plain module: import it with
``from drillhelp import sample_app`` next to ``from sampledb import _sample_template, sample_url``)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from streamlit.testing.v1 import AppTest

from helpers.apphelp import APP, TIMEOUT


@pytest.fixture
def sample_app(sample_url: str, monkeypatch: pytest.MonkeyPatch) -> Callable[..., AppTest]:
    """sample_app(page=None, **query) -> AppTest after its first run on the sample data, with
    the page and the query parameters set before that run, as when a link is opened."""
    monkeypatch.setenv("ECOCITY_DATABASE_URL", sample_url)
    monkeypatch.delenv("ECOCITY_LANG", raising=False)

    def open_(page: str | None = None, **query: str) -> AppTest:
        at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
        for k, v in query.items():
            at.query_params[k] = v
        if page:
            at.switch_page(page)
        at.run()
        return at

    return open_
