"""The Overview map in a real browser, on the sample data, at a projector's 1280x720 and a
laptop's 1920x1080: no marker drawn over another, every estate reachable; clicking an estate
in the enlarged east opens the Estate page (it used to hide under its area's circle, so the
click opened the area), clicking an area there opens the Area page. Runs against a server of
its own (a copy of the sample data).

Screenshots: artifacts/screenshots/map-overview-th-1280.png, map-overview-en-1920.png.
"""

from __future__ import annotations

import itertools
import math
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
KEY = "overview_map"
ESTATE, ESTATE_TH = "PADAENG", "นิคมอุตสาหกรรมผาแดง"  # one of six estates round the Map Ta Phut area
AREA, AREA_TH = "RAYONG-MAP-TA-PHUT", "ระยอง - มาบตาพุด"

# Every clickable marker of the map ([kind, code] in customdata) as drawn: its box on screen.
MARKS = """(key) => {
  const gd = document.querySelector(`.st-key-${key} .js-plotly-plot`);
  if (!gd || !gd.data) return null;
  const out = [];
  for (const el of gd.querySelectorAll('.cartesianlayer .trace')) {
    const trace = el.__data__ && el.__data__[0] && el.__data__[0].trace;
    if (!trace || !trace.customdata) continue;
    el.querySelectorAll('.point').forEach((p, j) => {
      const r = p.getBoundingClientRect();
      out.push({kind: trace.customdata[j][0], code: trace.customdata[j][1],
                x: r.x + r.width / 2, y: r.y + r.height / 2, w: r.width, h: r.height});
    });
  }
  return out;
}"""
# Scroll one marker to the middle of the window (at 1280x720 the map is taller than the
# window: the east's markers may start below it), then its centre on screen.
CENTRE_OF = """([key, code]) => {
  const gd = document.querySelector(`.st-key-${key} .js-plotly-plot`);
  for (const el of gd.querySelectorAll('.cartesianlayer .trace')) {
    const trace = el.__data__ && el.__data__[0] && el.__data__[0].trace;
    if (!trace || !trace.customdata) continue;
    const points = el.querySelectorAll('.point');
    for (let j = 0; j < points.length; j++) {
      if (trace.customdata[j][1] !== code) continue;
      points[j].scrollIntoView({block: 'center', inline: 'center'});
      const r = points[j].getBoundingClientRect();
      return [r.x + r.width / 2, r.y + r.height / 2, window.innerHeight];
    }
  }
  return null;
}"""


def _click_marker(page: Page, code: str) -> None:
    x, y, height = page.evaluate(CENTRE_OF, [KEY, code])
    assert 0 <= y <= height, (code, y, height)
    page.mouse.click(x, y)


# The boxes of the map's panels (the country, the enlarged east) on screen.
PANELS = """(key) => [...document.querySelectorAll(`.st-key-${key} .js-plotly-plot .draglayer .nsewdrag`)]
  .map(e => { const r = e.getBoundingClientRect(); return [r.x, r.y, r.x + r.width, r.y + r.height]; })"""


@pytest.fixture(scope="module")
def sample_app(tmp_path_factory: pytest.TempPathFactory, chromium_path: str) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("e2e-map")
    with streamlit_server(sample_database(tmp), tmp) as url:
        yield url


def _marks(page: Page) -> list[dict]:
    box = page.locator(f".st-key-{KEY}")
    box.scroll_into_view_if_needed()  # a chart below the fold may be drawn only once seen
    expect(box.locator(".js-plotly-plot .point").first).to_be_attached(timeout=30_000)
    wait_for_app_run(page)
    # Positions read while the rest of the page is still being laid out can move before a
    # click lands (seen on a loaded machine): read until two readings agree.
    marks, before = page.evaluate(MARKS, KEY), None
    for _ in range(50):
        if marks and marks == before:
            break
        page.wait_for_timeout(100)
        marks, before = page.evaluate(MARKS, KEY), marks
    assert marks, "no clickable marker on the map"
    return marks


def _shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.locator(f".st-key-{KEY}").screenshot(path=str(SCREENSHOTS / f"{name}.png"))


@pytest.mark.parametrize(("width", "height", "lang"), [(1280, 720, "th"), (1920, 1080, "en")])
def test_no_marker_is_drawn_over_another(page: Page, sample_app: str, width: int, height: int, lang: str):
    page.set_viewport_size({"width": width, "height": height})
    open_page(page, f"{sample_app}/?lang={lang}&year=2566")
    no_error_on_screen(page, lang)
    marks = _marks(page)
    assert len([m for m in marks if m["kind"] == "estate"]) == 21 and len([m for m in marks if m["kind"] == "area"]) == 8
    for a, b in itertools.combinations(marks, 2):
        # circles and squares: apart by at least their half-widths, so neither covers the other
        apart = math.dist((a["x"], a["y"]), (b["x"], b["y"]))
        assert apart >= (a["w"] + b["w"]) / 2, (a["code"], b["code"], apart)
    panels = page.evaluate(PANELS, KEY)
    for m in marks:  # each wholly inside a panel of the map
        assert any(x0 - 1 <= m["x"] - m["w"] / 2 and m["x"] + m["w"] / 2 <= x1 + 1 and
                   y0 - 1 <= m["y"] - m["h"] / 2 and m["y"] + m["h"] / 2 <= y1 + 1 for x0, y0, x1, y1 in panels), m
    _shot(page, f"map-overview-{lang}-{width}")


def test_clicking_an_estate_marker_opens_the_estate(page: Page, sample_app: str):
    page.set_viewport_size({"width": 1280, "height": 720})
    open_page(page, f"{sample_app}/?lang=th&year=2566")
    marks = _marks(page)
    estate = next(m for m in marks if m["code"] == ESTATE)
    area = next(m for m in marks if m["code"] == AREA)
    # The estate is clear of its area's circle: a click on it cannot reach the area.
    assert math.dist((estate["x"], estate["y"]), (area["x"], area["y"])) > (estate["w"] + area["w"]) / 2
    _click_marker(page, ESTATE)
    wait_for_app_run(page)
    expect(page).to_have_url(re.compile(rf"/estate\?(?=.*\bestate={ESTATE}\b)(?=.*\byear=2566\b)(?=.*\blang=th\b)"),
                             timeout=WAIT)
    expect(page.get_by_role("heading", level=1).first).to_contain_text(ESTATE_TH, timeout=WAIT)
    no_error_on_screen(page, "th")


def test_clicking_an_area_in_the_enlarged_east_opens_the_area(page: Page, sample_app: str):
    page.set_viewport_size({"width": 1280, "height": 720})
    open_page(page, f"{sample_app}/?lang=th&year=2566")
    assert any(m["code"] == AREA for m in _marks(page))
    _click_marker(page, AREA)
    wait_for_app_run(page)
    expect(page).to_have_url(re.compile(rf"/area\?(?=.*\barea={AREA}\b)(?=.*\byear=2566\b)"), timeout=WAIT)
    expect(page.get_by_role("heading", level=1).first).to_have_text(AREA_TH, timeout=WAIT)


def test_the_map_names_the_areas_and_says_how_to_read_it(page: Page, sample_app: str):
    page.set_viewport_size({"width": 1280, "height": 720})
    open_page(page, f"{sample_app}/?lang=en&year=2566")
    _marks(page)
    chart = page.locator(f".st-key-{KEY}")
    expect(chart.locator(".annotation-text", has_text="Rayong - Map Ta Phut")).to_have_count(1)
    expect(chart.locator(".legendtext", has_text="4 · Eco-World Class")).to_have_count(1)
    expect(page.get_by_text(t("overview.map_hint", "en"))).to_be_visible()
