"""Presentation mode in a real browser, on the sample data: full screen (?present=1) hides the
sidebar and toolbar; Next and Previous step through the slides, the counter and the URL
follow; the URL opened again (a shared link) shows the same slide. Runs against a server
of its own (a copy of the sample data).

Screenshots (Thai, 1366 x 768, full screen): artifacts/screenshots/present-title-th.png,
present-ladder-th.png, present-map-th.png, present-area-th.png.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from helpers.e2ehelp import (
    SCREENSHOTS,
    no_error_on_screen,
    open_page,
    sample_database,
    streamlit_server,
    wait_for_app_run,
)
from playwright.sync_api import Page, expect

from ecocity.i18n import t

pytestmark = pytest.mark.e2e

WAIT = 20_000  # ms


@pytest.fixture(scope="module")
def sample_app(tmp_path_factory: pytest.TempPathFactory, chromium_path: str) -> Iterator[str]:
    """Base URL of a dashboard on a database holding the sample data."""
    tmp = tmp_path_factory.mktemp("e2e-present")
    with streamlit_server(sample_database(tmp), tmp) as url:
        yield url


def _shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("document.fonts.ready.then(() => true)")
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def _counter(page: Page):
    return page.locator(".ecocity-slide-count")


def _next(page: Page) -> None:
    page.locator(".st-key-present_next button").click()
    wait_for_app_run(page)


def test_full_screen_slides_step_forward_and_back_and_the_link_reopens_the_slide(page: Page, sample_app: str):
    page.set_viewport_size({"width": 1366, "height": 768})
    open_page(page, f"{sample_app}/present?year=2566&present=1&lang=th")
    no_error_on_screen(page, "th")
    expect(page.get_by_test_id("stSidebar")).to_be_hidden()
    expect(page.get_by_test_id("stToolbar")).to_be_hidden()
    expect(page.get_by_role("heading", name="ความก้าวหน้าเมืองอุตสาหกรรมเชิงนิเวศ")).to_be_visible(timeout=WAIT)
    expect(_counter(page)).to_have_text("สไลด์ 1 / 13")
    _shot(page, "present-title-th")
    # Records the most counters ever in the page at once: a stale copy lingering while the
    # next slide draws would show a projector audience two different slide numbers.
    page.evaluate("""() => {
        window.__mostCounters = 0;
        new MutationObserver(() => {
            const n = document.querySelectorAll('.ecocity-slide-count').length;
            window.__mostCounters = Math.max(window.__mostCounters, n);
        }).observe(document.body, {childList: true, subtree: true, characterData: true});
    }""")

    _next(page)
    expect(_counter(page)).to_have_text("สไลด์ 2 / 13", timeout=WAIT)
    expect(page.get_by_role("heading", name=t("present.title.ladder", "th"))).to_be_visible()
    expect(page.locator(".js-plotly-plot").first).to_be_visible(timeout=WAIT)
    _shot(page, "present-ladder-th")
    _next(page)
    expect(_counter(page)).to_have_text("สไลด์ 3 / 13", timeout=WAIT)
    expect(page.locator(".js-plotly-plot").first).to_be_visible(timeout=WAIT)
    _shot(page, "present-map-th")
    _next(page)
    _next(page)
    expect(_counter(page)).to_have_text("สไลด์ 5 / 13", timeout=WAIT)
    expect(page.locator(".js-plotly-plot").first).to_be_visible(timeout=WAIT)
    _shot(page, "present-area-th")
    page.locator(".st-key-present_prev button").click()
    wait_for_app_run(page)
    expect(_counter(page)).to_have_text("สไลด์ 4 / 13", timeout=WAIT)
    expect(page).to_have_url(re.compile(r"slide=4"))
    assert page.evaluate("window.__mostCounters") == 1

    shared = page.url
    other = page.context.new_page()
    other.set_viewport_size({"width": 1366, "height": 768})
    open_page(other, shared)
    expect(_counter(other)).to_have_text("สไลด์ 4 / 13", timeout=WAIT)
    expect(other.get_by_role("heading", name=t("present.title.movers", "th"))).to_be_visible()
    other.close()
