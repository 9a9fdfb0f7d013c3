"""Browser tests: a real `streamlit run app.py` on a free port against a temporary SQLite
database, driven by Debian's Chromium through Playwright (Playwright cannot download its
own browser here).

Without Chromium these tests skip, unless ECOCITY_REQUIRE_BROWSER=1 (CI), where a missing
browser or a server that does not come up is a failure.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Debian's Chromium as root in a closed network (see the architecture notes).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SERVER_START_TIMEOUT = 90.0


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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
            return r.status == 200
    except OSError:
        return False


@pytest.fixture(scope="session")
def app_url(tmp_path_factory: pytest.TempPathFactory, chromium_path: str) -> Iterator[str]:
    """Start the dashboard once per session; yield its base URL; stop it afterwards."""
    from ecocity.ui.fonts import publish_static_font

    publish_static_font()  # so the browser renders Thai in the app's own font
    tmp = tmp_path_factory.mktemp("e2e")
    port = _free_port()
    env = {**os.environ, "ECOCITY_DATABASE_URL": f"sqlite:///{tmp / 'e2e.sqlite3'}",
           "ECOCITY_LANG": "th", "PYTHONUNBUFFERED": "1"}
    log = (tmp / "streamlit.log").open("w+")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true",
         "--server.fileWatcherType", "none", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT
        while not _healthy(url):
            if proc.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                pytest.fail(f"streamlit did not start (exit {proc.poll()}):\n{log.read()[-4000:]}",
                            pytrace=False)
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
