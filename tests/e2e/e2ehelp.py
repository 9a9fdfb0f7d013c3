"""Helpers for the browser tests (a plain module: the test folders have no __init__.py)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
SERVER_START_TIMEOUT = 90.0


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


@contextmanager
def streamlit_server(db_url: str, workdir: Path) -> Iterator[str]:
    """A real `streamlit run app.py` on a free port against ``db_url``: yields its base URL
    once it is healthy, stops it afterwards. Its output goes to ``workdir/streamlit.log``
    and is shown when it fails to start."""
    from ecocity.ui.fonts import publish_static_font

    publish_static_font()  # so the browser renders Thai in the app's own font
    port = _free_port()
    env = {**os.environ, "ECOCITY_DATABASE_URL": db_url, "ECOCITY_LANG": "th", "PYTHONUNBUFFERED": "1"}
    log = (workdir / "streamlit.log").open("w+")
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


def sample_database(workdir: Path) -> str:
    """URL of a new SQLite database holding the sample data, loaded as an import would."""
    from ecocity.framework import load_framework
    from ecocity.sample_cli import default_dir, load_sample
    from ecocity.store.db import make_engine, upgrade

    db_url = f"sqlite:///{workdir / 'sample.sqlite3'}"
    engine = make_engine(db_url)
    try:
        upgrade(engine)
        report = load_sample(engine, default_dir(), load_framework())
        assert report.rejected == [] and report.stored == report.total
    finally:
        engine.dispose()
    return db_url


def wait_for_app_run(page: Page) -> None:
    """Wait until the app is connected and its script has finished (Streamlit's own e2e
    tests do the same instead of sleeping)."""
    page.wait_for_selector("[data-testid='stApp'][data-test-connection-state='CONNECTED']")
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']")


def screenshot(page: Page, name: str) -> Path:
    """A screenshot of the whole page. Streamlit scrolls inside its main container, so a
    plain full-page shot stops at the window: grow the window to the content first."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    size = page.viewport_size or {"width": 1366, "height": 900}
    height = page.evaluate("""() => Math.max(document.body.scrollHeight,
        ...[...document.querySelectorAll('[data-testid="stMain"], [data-testid="stAppViewContainer"]')]
            .map(e => e.scrollHeight))""")
    page.set_viewport_size({"width": size["width"], "height": min(max(height, size["height"]), 8000)})
    try:
        page.evaluate("document.fonts.ready.then(() => true)")
        page.screenshot(path=str(path), full_page=True)
    finally:
        page.set_viewport_size(size)
    return path


def open_page(page: Page, url: str) -> None:
    """Go to ``url`` and wait until the app has finished its run."""
    page.goto(url)
    wait_for_app_run(page)


def no_error_on_screen(page: Page, lang: str = "th") -> None:
    """No exception box and none of the app's own error messages."""
    from ecocity.i18n import t

    expect(page.get_by_test_id("stException")).to_have_count(0)
    for key in ("app.error.unexpected", "app.error.database"):
        expect(page.get_by_text(t(key, lang))).to_have_count(0)
