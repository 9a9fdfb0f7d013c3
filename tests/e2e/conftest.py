"""Browser tests: a real `streamlit run app.py` on a free port against a temporary SQLite
database, driven by Debian's Chromium through Playwright (Playwright cannot download its
own browser here).

Without Chromium these tests skip, unless ECOCITY_REQUIRE_BROWSER=1 (CI), where a missing
browser or a server that does not come up is a failure.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator

import pytest
from helpers.e2ehelp import streamlit_server

# Debian's Chromium as root in a closed network (see the architecture notes).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def _require_browser() -> bool:
    return os.environ.get("ECOCITY_REQUIRE_BROWSER") == "1"


def _unavailable(reason: str) -> None:
    if _require_browser():
        pytest.fail(f"{reason} (ECOCITY_REQUIRE_BROWSER=1)", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def chromium_path() -> str:
    path = shutil.which("chromium")
    if path is None:
        _unavailable("Chromium not found (Debian: apt-get install chromium)")
    return path


# pytest-playwright reads these two fixtures when it launches the browser and opens pages.
@pytest.fixture(scope="session")
def browser_type_launch_args(chromium_path: str) -> dict:
    return {"executable_path": chromium_path, "args": CHROMIUM_ARGS, "headless": True}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    return {**browser_context_args, "viewport": {"width": 1366, "height": 900}, "locale": "th-TH"}


@pytest.fixture(scope="session")
def app_url(tmp_path_factory: pytest.TempPathFactory, chromium_path: str) -> Iterator[str]:
    """The dashboard on an empty database, started once per session."""
    tmp = tmp_path_factory.mktemp("e2e")
    with streamlit_server(f"sqlite:///{tmp / 'e2e.sqlite3'}", tmp) as url:
        yield url
