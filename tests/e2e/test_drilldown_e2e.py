"""The drill-down in a real browser, on the sample data: click an area's marker on the
Overview map, or its row in the ranking, and land on that area's page; click an estate's
bar there and land on the Estate page; the fiscal year and the language ride along; switching language keeps the
view; a shared link opens exactly that view. Runs against a server of its own (a copy of
the sample data), so nothing here depends on the other browser tests.

Screenshots (Thai, full page): artifacts/screenshots/drilldown-overview-th.png,
drilldown-area-th.png, drilldown-estate-th.png.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from helpers.e2ehelp import (
    no_error_on_screen,
    open_page,
    sample_database,
    screenshot,
    streamlit_server,
    wait_for_app_run,
)
from playwright.sync_api import Page, expect

from ecocity.i18n import t

pytestmark = pytest.mark.e2e

AREA, AREA_TH, AREA_EN = "LAMPHUN", "ลำพูน", "Lamphun"  # alone in the north: its marker overlaps no other
ESTATE, ESTATE_TH = "NORTHERN-REGION", "นิคมอุตสาหกรรมภาคเหนือ"
ROW = 35  # px: st.dataframe's row (and header) height
WAIT = 20_000  # ms: a page's first run on a loaded CI machine can take seconds

# The pixel centre of the clickable mark whose customdata is [kind, code] in the Plotly chart
# of the element keyed `key` (Streamlit adds the class st-key-<key>). Plotly draws each point
# of a scatter or bar trace as an SVG `.point`, in data order.
MARK_CENTRE = """([key, kind, code]) => {
  const gd = document.querySelector(`.st-key-${key} .js-plotly-plot`);
  if (!gd || !gd.data) return null;
  for (let i = 0; i < gd.data.length; i++) {
    const j = (gd.data[i].customdata || []).findIndex(c => c && c[0] === kind && c[1] === code);
    if (j < 0) continue;
    const trace = [...gd.querySelectorAll('.cartesianlayer .trace')]
      .find(el => el.__data__ && el.__data__[0] && el.__data__[0].trace.index === i);
    const point = trace && trace.querySelectorAll('.point')[j];
    if (!point) return null;
    const r = point.getBoundingClientRect();
    return [r.x + r.width / 2, r.y + r.height / 2];
  }
  return null;
}"""


@pytest.fixture(scope="module")
def sample_app(tmp_path_factory: pytest.TempPathFactory, chromium_path: str) -> Iterator[str]:
    """Base URL of a dashboard on a database holding the sample data."""
    tmp = tmp_path_factory.mktemp("e2e-drilldown")
    with streamlit_server(sample_database(tmp), tmp) as url:
        yield url


def _click_mark(page: Page, key: str, kind: str, code: str) -> None:
    """Click the chart mark of [kind, code] and wait for the app to settle."""
    box = page.locator(f".st-key-{key}")
    box.scroll_into_view_if_needed()  # a chart below the fold may be drawn only once seen
    expect(box.locator(".js-plotly-plot .point").first).to_be_attached(timeout=30_000)
    centre = page.evaluate(MARK_CENTRE, [key, kind, code])
    assert centre is not None, f"no mark {kind} {code} in {key}"
    page.mouse.click(*centre)
    wait_for_app_run(page)


def _h1(page: Page):
    return page.get_by_role("heading", level=1).first


def test_clicking_an_area_on_the_map_opens_its_page(page: Page, sample_app: str):
    open_page(page, f"{sample_app}/?lang=th&year=2566")
    no_error_on_screen(page, "th")
    screenshot(page, "drilldown-overview-th")
    _click_mark(page, "overview_map", "area", AREA)
    expect(page).to_have_url(re.compile(rf"/area\?(?=.*\barea={AREA}\b)(?=.*\byear=2566\b)(?=.*\blang=th\b)"),
           timeout=WAIT)
    expect(_h1(page)).to_have_text(AREA_TH, timeout=WAIT)
    no_error_on_screen(page, "th")


def test_clicking_a_row_of_the_ranking_opens_that_area(page: Page, sample_app: str):
    # FY 2566 ranking: Pluak Daeng, Lamphun, Map Ta Phut, ... (highest level, then score).
    open_page(page, f"{sample_app}/?lang=th&year=2566")
    grid = page.locator(".st-key-ranking [data-testid='stDataFrameResizable']")
    grid.scroll_into_view_if_needed()
    box = grid.bounding_box()
    assert box is not None
    # The grid is a canvas: click the selection cell of the third row (rows and header 35 px).
    page.mouse.click(box["x"] + 16, box["y"] + ROW * 3 + ROW / 2)
    wait_for_app_run(page)
    expect(page).to_have_url(re.compile(r"/area\?(?=.*\barea=RAYONG-MAP-TA-PHUT\b)(?=.*\byear=2566\b)"),
           timeout=WAIT)
    expect(_h1(page)).to_have_text("ระยอง - มาบตาพุด", timeout=WAIT)
    expect(page.locator(".st-key-area_gap")).to_contain_text("26 → ไม่เกิน 25", timeout=WAIT)


def test_clicking_an_estate_on_the_area_page_opens_the_estate(page: Page, sample_app: str):
    open_page(page, f"{sample_app}/area?area={AREA}&year=2566&lang=th")
    _click_mark(page, "area_estates_chart", "estate", ESTATE)
    expect(page).to_have_url(re.compile(rf"/estate\?(?=.*\bestate={ESTATE}\b)(?=.*\byear=2566\b)(?=.*\blang=th\b)"),
           timeout=WAIT)
    expect(_h1(page)).to_contain_text(ESTATE_TH, timeout=WAIT)
    no_error_on_screen(page, "th")
    screenshot(page, "drilldown-estate-th")


def test_a_shared_area_link_opens_exactly_that_view(page: Page, sample_app: str):
    open_page(page, f"{sample_app}/area?area=RAYONG-MAP-TA-PHUT&year=2566&lang=th")
    expect(_h1(page)).to_have_text("ระยอง - มาบตาพุด", timeout=WAIT)
    gap = page.locator(".st-key-area_gap")
    expect(gap).to_contain_text("จำนวนเรื่องร้องเรียนด้านสิ่งแวดล้อม 26 → ไม่เกิน 25 เรื่อง/ปี", timeout=WAIT)
    expect(page.locator(".st-key-filter_year input")).to_have_value(re.compile(r"\b2566\b"), timeout=WAIT)
    no_error_on_screen(page, "th")
    screenshot(page, "drilldown-area-th")


def test_switching_language_keeps_the_area_and_year(page: Page, sample_app: str):
    open_page(page, f"{sample_app}/area?area={AREA}&year=2566&lang=th")
    page.locator(".st-key-lang").get_by_text("English").click()
    wait_for_app_run(page)
    expect(_h1(page)).to_have_text(AREA_EN, timeout=WAIT)
    expect(page).to_have_url(re.compile(rf"(?=.*\barea={AREA}\b)(?=.*\byear=2566\b)(?=.*\blang=en\b)"),
           timeout=WAIT)
    expect(page.locator(".st-key-area_gap")).to_contain_text(t("area.gap.title", "en", level="Happiness"),
           timeout=WAIT)


def test_the_year_survives_a_page_change_through_the_sidebar(page: Page, sample_app: str):
    open_page(page, f"{sample_app}/?lang=th&year=2563")
    page.get_by_test_id("stSidebarNav").get_by_text(t("app.nav.area", "th"), exact=True).click()
    wait_for_app_run(page)
    expect(page).to_have_url(re.compile(r"/area\?(?=.*\byear=2563\b)(?=.*\blang=th\b)"), timeout=WAIT)
    expect(page.locator(".st-key-filter_year input")).to_have_value(re.compile(r"\b2563\b"), timeout=WAIT)


def test_a_what_if_lives_in_the_address_and_opens_the_same(page: Page, sample_app: str):
    """The plan filled in on the Area page goes into the address; that address, opened in
    another tab, shows the same scenario (labelled as one), the real data unchanged."""
    from ecocity.core.framework import get_framework

    fw = get_framework()
    open_page(page, f"{sample_app}/area?area=CHACHOENGSAO&year=2567&lang=en")
    page.get_by_text(t("whatif.title", "en")).click()  # opening it reruns the page to build it
    expect(page.locator(".st-key-area_whatif_plan button")).to_be_visible(timeout=30_000)
    wait_for_app_run(page)
    page.locator(".st-key-area_whatif_plan button").click()
    wait_for_app_run(page)
    expect(page).to_have_url(re.compile(r"[?&]whatif=ECO-03%3A50\b|[?&]whatif=ECO-03:50\b"), timeout=30_000)
    shared = page.url
    other = page.context.new_page()
    open_page(other, shared)
    expect(other.get_by_text(t("whatif.label", "en", n=1))).to_be_visible(timeout=30_000)
    # the scenario's level is one up (Eco-Excellence); the real one stays Eco-Champion
    line = other.locator("p", has_text=t("whatif.scenario", "en")).filter(has=other.locator("span.eco-badge"))
    expect(line.locator("span.eco-badge")).to_have_text(fw.level(3).name("en"))
    real = other.locator("p", has_text=t("whatif.real", "en")).filter(has=other.locator("span.eco-badge"))
    expect(real.locator("span.eco-badge")).to_have_text(fw.level(2).name("en"))
    other.close()
