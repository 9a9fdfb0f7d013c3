"""The "Include data not yet reviewed" switch in a real browser, on the sample data with a
version of Map Ta Phut waiting for review: an anonymous visitor's ?pending=1 shows nothing
of it; a reviewer signs in, finds the switch in the sidebar, turns it on, and the Overview
opens with the banner, ?pending=1 in the address and the marked name in the map's hover.

Screenshot (English): artifacts/screenshots/pending-overview-en.png.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from helpers.e2ehelp import (
    create_account,
    no_error_on_screen,
    open_page,
    sample_database,
    screenshot,
    sign_in,
    streamlit_server,
    wait_for_app_run,
)
from playwright.sync_api import Page, expect

from ecocity.core.rows import pending_name
from ecocity.i18n import t

pytestmark = pytest.mark.e2e

AREA, ESTATE, YEAR = "RAYONG-MAP-TA-PHUT", "MAP-TA-PHUT", 2568
REVIEWER, PASSWORD = "ratree", "correct horse battery 42"
AREA_EN = "Rayong - Map Ta Phut"
BANNER = t("pending.banner", "en", mark="*")  # as the page shows it (the markdown escape drawn)
# Every name in the Overview map's traces (text, hover text, custom data), as one JSON string.
MAP_DATA = """() => {
  const gd = document.querySelector('.st-key-overview_map .js-plotly-plot');
  return gd && gd.data ? JSON.stringify(gd.data.map(d => [d.text, d.hovertext, d.customdata])) : null;
}"""


@pytest.fixture(scope="module")
def pending_server(tmp_path_factory: pytest.TempPathFactory, chromium_path: str) -> Iterator[str]:
    """The dashboard on the sample data, a reviewer account, and Map Ta Phut's newest
    version for the latest year waiting for review (every value changed)."""
    from ecocity.core.access import Actor, system
    from ecocity.core.framework import load_framework
    from ecocity.core.submission import SubmissionData
    from ecocity.store import queries, users
    from ecocity.store.db import make_engine, session_scope
    from ecocity.store.versions import store_submission

    tmp = tmp_path_factory.mktemp("e2e-pending")
    db = sample_database(tmp)
    create_account(db, "somchai", PASSWORD, role="officer", estates=(ESTATE,))
    engine = make_engine(db)
    try:
        users.create_user(engine, system("e2e"), REVIEWER, role="reviewer", areas=[AREA], password=PASSWORD)
        with session_scope(engine) as s:
            values = queries.current_values(s, ESTATE, YEAR)
        fw = load_framework()

        def other(code: str, v):  # another valid value
            ind = fw.indicator(code)
            if isinstance(v, bool):
                return not v
            if ind.kind == "score":
                return float(ind.max if v == ind.min else ind.min)
            return 0.0 if v else 50.0

        changed = {k: other(k, v) for k, v in values.items()}
        store_submission(engine, SubmissionData(ESTATE, YEAR, 40, "somchai", changed), filename="new.xlsx",
                         content=b"pending", by=Actor("somchai", "officer", frozenset({ESTATE})))
    finally:
        engine.dispose()
    with streamlit_server(db, tmp) as url:
        yield url


def _switch(page: Page):
    return page.locator(".st-key-filter_pending")


def _map_names(page: Page, showing: str) -> str:
    """The map's names once they include ``showing``: a rerun redraws the map after the
    banner appears, and the map read in between once had no names at all."""
    page.wait_for_function(f"name => {{ const s = ({MAP_DATA})(); return !!s && s.includes(name); }}",
                           arg=showing, timeout=30_000)
    return page.evaluate(MAP_DATA) or ""


def test_an_anonymous_visitor_gets_no_switch_and_no_pending_data(page: Page, pending_server):
    open_page(page, f"{pending_server}/?lang=en&year={YEAR}&pending=1")
    no_error_on_screen(page, "en")
    expect(_switch(page)).to_have_count(0)
    expect(page.get_by_text(BANNER)).to_have_count(0)
    assert "pending=" not in page.url
    assert pending_name(AREA_EN) not in _map_names(page, AREA_EN)


def test_a_reviewer_turns_the_switch_on(page: Page, pending_server):
    sign_in(page, pending_server, REVIEWER, PASSWORD, lang="en", params=f"year={YEAR}")
    expect(_switch(page)).to_be_visible(timeout=30_000)
    expect(page.get_by_text(BANNER)).to_have_count(0)
    assert pending_name(AREA_EN) not in _map_names(page, AREA_EN)

    _switch(page).get_by_text(t("pending.switch", "en")).click()
    wait_for_app_run(page)
    expect(page.get_by_text(BANNER)).to_be_visible(timeout=30_000)
    assert "pending=1" in page.url
    no_error_on_screen(page, "en")
    names = json.loads(_map_names(page, pending_name(AREA_EN)))
    assert pending_name(AREA_EN) in json.dumps(names, ensure_ascii=False)
    screenshot(page, "pending-overview-en")
