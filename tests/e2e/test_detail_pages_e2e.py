"""The Estate, Indicators and Method pages in a real browser, on the sample data: a link opens
exactly that estate and year with its 23 indicators and its versions; restoring a version
asks for confirmation in a dialog and then shows the new version; clicking a ranking bar or a
heatmap cell on the Indicators page opens that estate or area. Runs against a server of its
own (a copy of the sample data).

Screenshots (full page): artifacts/screenshots/estate-th.png, estate-restore-dialog-th.png,
estate-restored-th.png, indicators-th.png, indicators-estates-th.png, method-th.png,
estate-en.png, method-en.png.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers.e2ehelp import (
    create_account,
    draw_charts,
    no_error_on_screen,
    open_page,
    sample_database,
    screenshot,
    sign_in,
    streamlit_server,
    wait_for_app_run,
)
from playwright.sync_api import Page, expect

from ecocity.i18n import t

pytestmark = pytest.mark.e2e


# The centre of the bar whose customdata is [kind, code] in the Plotly chart of the element
# keyed `key` (Streamlit adds the class st-key-<key>); bars are SVG `.point`s in data order.
BAR_CENTRE = """([key, kind, code]) => {
  const gd = document.querySelector(`.st-key-${key} .js-plotly-plot`);
  if (!gd || !gd.data) return null;
  const j = (gd.data[0].customdata || []).findIndex(c => c && c[0] === kind && c[1] === code);
  const point = j < 0 ? null : gd.querySelectorAll('.cartesianlayer .trace .point')[j];
  if (!point) return null;
  const r = point.getBoundingClientRect();
  return [r.x + r.width / 2, r.y + r.height / 2];
}"""

# The centre of the heatmap cell of area `code` in the first column (rows drawn top-down).
CELL_CENTRE = """([key, code]) => {
  const gd = document.querySelector(`.st-key-${key} .js-plotly-plot`);
  if (!gd || !gd.data) return null;
  const rows = gd.data[0].customdata.map(r => r[0][1]);
  const i = rows.indexOf(code);
  const box = gd.querySelector('.nsewdrag');
  if (i < 0 || !box) return null;
  const r = box.getBoundingClientRect(), cols = gd.data[0].x.length;
  return [r.x + r.width / cols / 2, r.y + (i + 0.5) * r.height / rows.length];
}"""


OFFICER, PASSWORD = "somchai", "correct horse battery 42"


@pytest.fixture(scope="module")
def sample_server(tmp_path_factory: pytest.TempPathFactory, chromium_path: str) -> Iterator[str]:
    """Base URL of a dashboard on a fresh copy of the sample data (its restore test writes)."""
    tmp = tmp_path_factory.mktemp("e2e-detail")
    db = sample_database(tmp)
    # Downloads of original files and restores are for the estate's officers (and admins).
    create_account(db, OFFICER, PASSWORD, role="officer", estates=("MAP-TA-PHUT",), display_name="สมชาย ใจดี")
    with streamlit_server(db, tmp) as url:
        yield url


def _shot(page: Page, name: str) -> None:
    draw_charts(page)
    screenshot(page, name)


def _click(page: Page, script: str, args: list[str]) -> None:
    chart = page.locator(f".st-key-{args[0]} .js-plotly-plot")
    expect(chart).to_be_attached()
    chart.scroll_into_view_if_needed()
    page.wait_for_function("k => { const g = document.querySelector(`.st-key-${k} .js-plotly-plot`);"
                           " return g && g.data; }", arg=args[0])
    centre = page.evaluate(script, args)
    assert centre is not None, f"nothing to click for {args}"
    page.mouse.click(*centre)
    wait_for_app_run(page)


@pytest.mark.parametrize("lang", ["th", "en"])
def test_estate_link_opens_the_estate_with_its_indicators_and_versions(page: Page, sample_server: str, lang: str):
    sign_in(page, sample_server, OFFICER, PASSWORD, lang=lang, next_page="estate", params="estate=MAP-TA-PHUT&year=2566")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "นิคมอุตสาหกรรมมาบตาพุด" if lang == "th" else "Map Ta Phut IE")
    no_error_on_screen(page, lang)
    expect(page.locator(".st-key-estate_indicators")).to_be_visible()
    expect(page.locator(".st-key-estate_versions")).to_be_visible()
    expect(page.get_by_text(t("estate.compare.heading", lang))).to_be_visible()
    expect(page.locator(".st-key-estate_dimensions .js-plotly-plot")).to_be_attached()
    _shot(page, f"estate-{lang}")
    # The original file of the newest version, as uploaded (an .xlsx is a zip: "PK")
    with page.expect_download() as dl:
        page.locator("[class*='st-key-estate_dl_'] button").first.click()
    path = dl.value.path()
    assert dl.value.suggested_filename == "2566_MAP-TA-PHUT_v2.xlsx"
    assert Path(path).read_bytes()[:2] == b"PK"


def test_indicators_ranking_and_heatmap_clicks_open_the_entity(page: Page, sample_server: str):
    open_page(page, f"{sample_server}/indicators?indicator=ENV-01&year=2566&lang=th")
    expect(page.get_by_role("heading", level=1)).to_have_text(t("indicators.title", "th"))
    no_error_on_screen(page, "th")
    expect(page.locator(".st-key-indicators_heatmap .js-plotly-plot")).to_be_attached()
    _shot(page, "indicators-th")

    _click(page, BAR_CENTRE, ["indicators_ranking", "area", "LAMPHUN"])
    expect(page).to_have_url(re.compile(r"/area\?.*area=LAMPHUN"))
    expect(page).to_have_url(re.compile(r"[?&]year=2566\b"))

    open_page(page, f"{sample_server}/indicators?indicator=ENV-01&year=2566&lang=th")
    _click(page, CELL_CENTRE, ["indicators_heatmap", "SONGKHLA"])
    expect(page).to_have_url(re.compile(r"/area\?.*area=SONGKHLA"))


def test_indicators_estate_ranking_click_opens_the_estate(page: Page, sample_server: str):
    open_page(page, f"{sample_server}/indicators?indicator=PHY-01&year=2566&lang=th")
    page.locator(".st-key-indicators_kind").get_by_text(t("indicators.kind_estate", "th")).click()
    wait_for_app_run(page)
    expect(page.get_by_text(t("indicators.ranking_estate", "th"))).to_be_visible()
    _shot(page, "indicators-estates-th")
    _click(page, BAR_CENTRE, ["indicators_ranking", "estate", "PADAENG"])
    expect(page).to_have_url(re.compile(r"/estate\?.*estate=PADAENG"))
    expect(page.get_by_role("heading", level=1)).to_have_text("นิคมอุตสาหกรรมผาแดง")


@pytest.mark.parametrize("lang", ["th", "en"])
def test_method_page(page: Page, sample_server: str, lang: str):
    open_page(page, f"{sample_server}/method?lang={lang}")
    expect(page.get_by_role("heading", level=1)).to_have_text(t("method.title", lang))
    no_error_on_screen(page, lang)
    expect(page.get_by_text(t("common.default_set", lang))).to_be_visible()
    screenshot(page, f"method-{lang}")


def test_restore_asks_for_confirmation_then_shows_the_new_version(page: Page, sample_server: str):
    """Last in this module: it changes the data (a third version of MAP-TA-PHUT 2566)."""
    sign_in(page, sample_server, OFFICER, PASSWORD, next_page="estate", params="estate=MAP-TA-PHUT&year=2566")
    page.locator(".st-key-estate_restore button").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("ฉบับใหม่ที่ 3")
    confirm = dialog.locator(".st-key-estate_restore_confirm button")
    expect(dialog).to_contain_text(OFFICER)  # recorded as the signed-in officer, no name to type
    expect(confirm).to_be_enabled()
    screenshot(page, "estate-restore-dialog-th")
    confirm.click()
    wait_for_app_run(page)
    expect(page.get_by_role("dialog")).to_have_count(0)
    expect(page.get_by_test_id("stAlertContentSuccess")).to_contain_text("ฉบับใหม่ที่ 3")
    no_error_on_screen(page, "th")
    _shot(page, "estate-restored-th")
