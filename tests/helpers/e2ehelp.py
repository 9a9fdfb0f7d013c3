"""Helpers for the browser tests (a plain module: the test folders have no __init__.py)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "artifacts" / "screenshots"
SERVER_START_TIMEOUT = 90.0


@contextmanager
def streamlit_server(db_url: str, workdir: Path) -> Iterator[str]:
    """A real `streamlit run app.py` on a free port against ``db_url``: yields its base URL
    once it is healthy, stops it afterwards. Its output goes to ``workdir/streamlit.log``
    and is shown when it fails to start."""
    from ecocity.io.fonts import publish_static_font
    from helpers.devserver import ServerStartError, serve

    publish_static_font()  # so the browser renders Thai in the app's own font
    try:
        with serve({"ECOCITY_DATABASE_URL": db_url, "ECOCITY_LANG": "th"}, workdir / "streamlit.log",
                   timeout=SERVER_START_TIMEOUT) as url:
            yield url
    except ServerStartError as e:
        pytest.fail(str(e), pytrace=False)


def sample_database(workdir: Path) -> str:
    """URL of a new SQLite database holding the sample data, loaded as an import would."""
    from ecocity.cli.sample import UPLOADED_BY, default_dir, load_sample
    from ecocity.core.access import system
    from ecocity.core.framework import load_framework
    from ecocity.store.db import make_engine
    from ecocity.store.schema import upgrade

    db_url = f"sqlite:///{workdir / 'sample.sqlite3'}"
    engine = make_engine(db_url)
    try:
        upgrade(engine)
        report = load_sample(engine, default_dir(), load_framework(), by=system(UPLOADED_BY))
        assert report.rejected == [] and report.stored == report.total
    finally:
        engine.dispose()
    return db_url


def wait_for_app_run(page: Page) -> None:
    """Wait until the app is connected and its script has finished (Streamlit's own e2e
    tests do the same instead of sleeping)."""
    page.wait_for_selector("[data-testid='stApp'][data-test-connection-state='CONNECTED']")
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']")


def draw_charts(page: Page, *, at_least: int = 1) -> int:
    """Scroll to every Plotly chart until it has drawn its SVG (they draw lazily, once
    scrolled to), then back to the top; returns how many there are.

    Elements of the previous run stay on the page, marked stale, until the rerun finishes:
    counting them too once made this wait for a chart the rerun then removed."""
    wait_for_app_run(page)
    # as long as the other waits here: a rerun on a busy machine takes more than expect's 5 s
    expect(page.locator("[data-stale='true']")).to_have_count(0, timeout=30_000)
    charts = page.get_by_test_id("stPlotlyChart")
    count = charts.count()
    assert count >= at_least, f"{count} chart(s) on the page, expected at least {at_least}"
    for i in range(count):
        charts.nth(i).evaluate("e => e.scrollIntoView({block: 'center'})")
        expect(charts.nth(i).locator(".main-svg").first).to_be_attached(timeout=15_000)
    page.evaluate("window.scrollTo(0, 0)")
    return count


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


def create_account(db_url: str, username: str, password: str, *, role: str, estates: tuple[str, ...] = (),
                   display_name: str = "") -> None:
    """An account made through the store API (as `ecocity users add` does), on a database
    migrated first if it is new."""
    from ecocity.core.access import system
    from ecocity.store.db import make_engine
    from ecocity.store.schema import upgrade
    from ecocity.store.users import create_user

    engine = make_engine(db_url)
    try:
        upgrade(engine)
        create_user(engine, system("e2e"), username, role=role, estates=estates, password=password,
                    display_name=display_name)
    finally:
        engine.dispose()


def sign_in(page: Page, base_url: str, username: str, password: str, *, next_page: str = "",
            lang: str = "th", params: str = "") -> None:
    """Sign in through the form of the sign-in page, as a person does; the app then opens
    ``next_page`` (default: the overview) with the query ``params`` ("estate=X&year=2566").
    Signing in lasts for this browser session: open other pages by clicking, not by
    loading an address (that starts a new session)."""
    from ecocity.i18n import t

    suffix = (f"&next={next_page}" if next_page else "") + (f"&{params}" if params else "")
    open_page(page, f"{base_url}/sign_in?lang={lang}{suffix}")
    page.locator(".st-key-sign_in_username input").fill(username)
    page.locator(".st-key-sign_in_password input").fill(password)
    page.get_by_role("button", name=t("auth.page.submit", lang)).click()
    wait_for_app_run(page)
    expect(page.get_by_test_id("stSidebar").get_by_text(t("auth.sign_out", lang))).to_be_visible(timeout=30_000)
