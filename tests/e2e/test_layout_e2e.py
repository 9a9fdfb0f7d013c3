"""Layout in a real Chromium at a projector's and laptops' sizes (1280x720, 1366x768,
1920x1080), in Thai and English, on the sample data:

- every slide of /present full screen fits the window with Previous/Next and the counter on
  screen, and opens at its top after the presenter scrolled and clicked Next; not full
  screen, a slide fits the window under the app's header and Next after scrolling past its
  title shows the new slide from its title down;
- on the Overview under ?present=1 every KPI value is larger than its label;
- on Overview, Area, Estate, Indicators, Method and Present no visible text is cut (see
  CUT_TEXT and GRID_CELLS; the exceptions are ALLOWED_CUTS) and no page scrolls sideways.

One server for the module, one browser context per window size. Screenshots, in
artifacts/screenshots/layout/: <page>-<lang>-<width>x<height>.png (the whole page),
present-<n>-<lang>-<size>.png (each slide, full screen), present-<lang>-<size>.png and
present-page-<lang>-<size>.png (the page before and after Next), overview-present-<lang>-<size>.png.
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
    screenshot,
    streamlit_server,
    wait_for_app_run,
)
from playwright.sync_api import Browser, BrowserContext, Page, expect

from ecocity.i18n import t

pytestmark = pytest.mark.e2e

SHOTS = SCREENSHOTS / "layout"
WAIT = 30_000  # ms
VIEWPORTS = ((1280, 720), (1366, 768), (1920, 1080))
LANGS = ("th", "en")
YEAR = "2566"
# The longest area name and an estate whose indicator names are among the longest.
PAGES = {
    "overview": f"?year={YEAR}",
    "area": f"area?area=CHONBURI-LAEM-CHABANG&year={YEAR}",
    "estate": f"estate?estate=MAP-TA-PHUT&year={YEAR}",
    "indicators": f"indicators?year={YEAR}",
    "method": "method",
}  # and the Presentation page, in its own tests below
SLIDES = 13  # the country deck of the sample data in FY 2566

# Everything on screen has been drawn: no element is still a placeholder (Streamlit shows
# one while it loads a chart's code), charts have their SVG, tables their canvas (a table in
# a closed expander has none), and the web fonts are in (text measured before them would be
# measured in a fallback font).
DRAWN = """() => document.fonts.status === 'loaded'
  && ![...document.querySelectorAll('[data-testid="stSkeleton"]')].some(e => e.checkVisibility())
  && [...document.querySelectorAll('[data-testid="stPlotlyChart"]')].every(e => !e.checkVisibility() || e.querySelector('.main-svg'))
  && [...document.querySelectorAll('[data-testid="stDataFrameResizable"]')].every(e => !e.checkVisibility() || e.querySelector('canvas'))"""

# Visible text that is cut: a text laid out past the box of an element that clips it
# (overflow hidden/clip, or text-overflow: ellipsis; found by its content being wider or
# taller than its box), a text input's value wider than the input, or text that ends in an
# ellipsis; and a Plotly text drawn past its chart's edge. Returns one line per finding.
CUT_TEXT = r"""(allowed) => {
  const found = [];
  const name = el => {
    const key = [...(el.closest('[class*="st-key-"]')?.classList || [])].find(c => c.startsWith('st-key-'));
    return `${el.tagName.toLowerCase()}${key ? ' in .' + key : ''}: "${(el.innerText || el.textContent).trim().slice(0, 70)}"`;
  };
  const ok = (el, text) => allowed.some(([where, pattern]) => el.closest(where) && new RegExp(pattern).test(text));
  const root = document.querySelector('[data-testid="stApp"]');
  const shown = el => el.checkVisibility({checkOpacity: true, checkVisibilityCSS: true});
  // Whether a text inside `el` is laid out past its box on a side where `el` clips it.
  const past = (el, x, y) => {
    const box = el.getBoundingClientRect();
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      if (!n.textContent.trim() || !shown(n.parentElement)) continue;
      const range = document.createRange();
      range.selectNodeContents(n);
      for (const r of range.getClientRects()) {
        if ((x && (r.right > box.right + 1 || r.left < box.left - 1))
            || (y && (r.bottom > box.bottom + 1 || r.top < box.top - 1))) return true;
      }
    }
    return false;
  };
  for (const el of root.querySelectorAll('*')) {
    const cs = getComputedStyle(el);
    const x = (['hidden', 'clip'].includes(cs.overflowX) || cs.textOverflow === 'ellipsis') && el.scrollWidth > el.clientWidth + 1;
    const y = ['hidden', 'clip'].includes(cs.overflowY) && el.scrollHeight > el.clientHeight + 1;
    const dots = [...el.childNodes].some(n => n.nodeType === Node.TEXT_NODE && /(…|\.\.\.)\s*$/.test(n.textContent));
    if (!(x || y || dots) || el.closest('.js-plotly-plot, [data-testid="stDataFrameResizable"], svg, canvas')
        || !shown(el)) continue;
    const box = el.getBoundingClientRect();
    if (box.width <= 1 || box.height <= 1) continue;  // for screen readers only ("Skip to main content")
    const text = (el.innerText || '').trim();
    if (!text || ok(el, text)) continue;
    if ((x || y) && past(el, x, y)) found.push('cut at its box: ' + name(el));
    else if (dots) found.push('ends in an ellipsis: ' + name(el));
  }
  // A select shows its choice in a text input, which clips it without a scroll bar.
  for (const input of root.querySelectorAll('input[type="text"]')) {
    if (input.value && input.scrollWidth > input.clientWidth + 1 && shown(input) && !ok(input, input.value)) {
      found.push(`cut at its box: input "${input.value}"`);
    }
  }
  for (const plot of root.querySelectorAll('.js-plotly-plot')) {
    if (!plot.checkVisibility()) continue;
    const box = plot.getBoundingClientRect();
    for (const tx of plot.querySelectorAll('.main-svg text, .main-svg + .main-svg text')) {
      const r = tx.getBoundingClientRect();
      if (!tx.textContent.trim() || !r.width) continue;
      if (r.left < box.left - 1 || r.right > box.right + 1 || r.top < box.top - 1 || r.bottom > box.bottom + 1) {
        found.push('past its chart\'s edge: ' + name(tx));
      }
    }
  }
  return found;
}"""

# A table (st.dataframe, drawn on a canvas) cuts a cell whose text is wider than its column.
# Widths: the grid's own columns as laid out (Streamlit's Glide grid keeps them in its React
# props; the widest set is the one after growing to the table's width); texts: its
# accessible table, measured in the grid's font as Glide draws it. Columns named in
# `skip` hold no text (a sparkline). The grid is scrolled into view first: Glide renders its
# accessible table only for a grid on screen.
GRID_CELLS = r"""(grid, skip) => {
  const fiber = grid[Object.keys(grid).find(k => k.startsWith('__reactFiber'))];
  let cols = null, theme = null;
  const sum = c => c.reduce((a, x) => a + (x.width || 0), 0);
  for (const stack = [fiber], seen = new Set(); stack.length;) {
    const f = stack.pop();
    if (!f || seen.has(f)) continue;
    seen.add(f);
    const p = f.memoizedProps;
    if (p && Array.isArray(p.columns) && p.columns.length && 'width' in p.columns[0]
        && (!cols || sum(p.columns) >= sum(cols))) cols = p.columns;
    if (p && p.theme && p.theme.baseFontStyle && !theme) theme = p.theme;
    if (f.child) stack.push(f.child);
    if (f.sibling) stack.push(f.sibling);
  }
  const table = grid.querySelector('table[role="grid"]');
  const ctx = document.createElement('canvas').getContext('2d');
  ctx.font = `${theme.baseFontStyle} ${theme.fontFamily}`;
  const marker = cols[0].title === '' ? 1 : 0;  // the row-selection column
  const found = [];
  for (const cell of table.querySelectorAll('th, td')) {
    const col = cols[Number(cell.getAttribute('aria-colindex')) - 1 + marker];
    if (!col || skip.includes(col.title)) continue;
    const need = ctx.measureText(cell.textContent).width + 2 * theme.cellHorizontalPadding;
    if (need > col.width + 1) found.push(`"${cell.textContent}" needs ${Math.ceil(need)} px, column "${col.title}" is ${col.width}`);
  }
  const scroller = grid.querySelector('.dvn-scroller');
  return {found, sideways: scroller.scrollWidth > scroller.clientWidth + 1};
}"""

SLIDE_STATE = """() => {
  const main = document.querySelector('[data-testid="stMain"]');
  const rect = sel => { const e = document.querySelector(sel); return e ? e.getBoundingClientRect().toJSON() : null; };
  const text = document.querySelector('.st-key-present_text');
  return {scrollTop: main.scrollTop, scrollHeight: main.scrollHeight, clientHeight: main.clientHeight,
          height: innerHeight, header: rect('[data-testid="stHeader"]'), slide: rect('.st-key-present_slide'),
          title: rect('.st-key-present_slide h2'), prev: rect('.st-key-present_prev button'),
          next: rect('.st-key-present_next button'), counter: rect('.ecocity-slide-count'),
          chart: rect('.st-key-present_slide .js-plotly-plot'),
          textOverflow: text ? text.scrollHeight - text.clientHeight : 0};
}"""

KPI_SIZES = """() => [...document.querySelectorAll('[data-testid="stMetric"]')].map(m => {
  const size = sel => parseFloat(getComputedStyle(m.querySelector(sel)).fontSize);
  return {label: m.querySelector('[data-testid="stMetricLabel"]').innerText,
          labelPx: size('[data-testid="stMetricLabel"] p'), valuePx: size('[data-testid="stMetricValue"] p')};
})"""

SIDEWAYS = """() => ({doc: document.documentElement.scrollWidth, main: document.querySelector('[data-testid="stMain"]').scrollWidth,
  mainBox: document.querySelector('[data-testid="stMain"]').clientWidth, width: innerWidth})"""


# The deliberate exceptions, (where, the whole text as a pattern), each with its reason:
ALLOWED_CUTS = [
    # The sidebar's area and estate pickers show the chosen name ("estate · area") on one
    # line in the sidebar's width, as any select does; the whole name is in the open list and
    # in the page's title.
    ('[data-testid="stSidebar"] [data-testid="stSelectbox"]', ".+"),
]


# A table wider than its box scrolls sideways (a scroll bar, not a cut: every cell is still
# checked whole in its column); the estate's indicators and the method's tables do beside
# the sidebar at 1280 and 1366 px. The Overview's ranking must not: its last column showed
# cut at the table's edge ("vs last yea").
NOT_SIDEWAYS = {"st-key-ranking"}


# ----------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def sample_app(tmp_path_factory: pytest.TempPathFactory, chromium_path: str) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("e2e-layout")
    with streamlit_server(sample_database(tmp), tmp) as url:
        yield url


@pytest.fixture(scope="module", params=VIEWPORTS, ids=lambda v: f"{v[0]}x{v[1]}")
def window(request: pytest.FixtureRequest, browser: Browser) -> Iterator[BrowserContext]:
    """One browser context per window size, shared by the tests of that size."""
    w, h = request.param
    context = browser.new_context(viewport={"width": w, "height": h})
    yield context
    context.close()


@pytest.fixture
def tab(window: BrowserContext) -> Iterator[Page]:
    page = window.new_page()
    yield page
    page.close()


def _size(page: Page) -> str:
    v = page.viewport_size or {}
    return f"{v.get('width')}x{v.get('height')}"


def _shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def _drawn(page: Page) -> None:
    wait_for_app_run(page)
    page.wait_for_function(DRAWN, timeout=WAIT)


def _open(page: Page, url: str, lang: str) -> None:
    open_page(page, url + ("&" if "?" in url else "?") + f"lang={lang}")
    _drawn(page)
    no_error_on_screen(page, lang)


def _cut_text(page: Page, lang: str) -> list[str]:
    found = page.evaluate(CUT_TEXT, ALLOWED_CUTS)
    for i in range(page.locator('[data-testid="stDataFrameResizable"]').count()):
        grid = page.locator('[data-testid="stDataFrameResizable"]').nth(i)
        if not grid.is_visible():  # in a closed expander
            continue
        grid.scroll_into_view_if_needed()
        expect(grid.locator('table[role="grid"]')).to_be_attached(timeout=WAIT)
        key = grid.evaluate("g => [...(g.closest('[class*=\"st-key-\"]')?.classList || [])]"
                            ".find(c => c.startsWith('st-key-')) || 'a table'")
        res = grid.evaluate(GRID_CELLS, [t("estate.indicators.col_trend", lang)])  # a sparkline
        found += [f"{key}: {f}" for f in res["found"]]
        if res["sideways"] and key in NOT_SIDEWAYS:
            found.append(f"{key}: the table is wider than its box")
    return found


def _no_sideways_scroll(page: Page) -> None:
    s = page.evaluate(SIDEWAYS)
    assert s["doc"] <= s["width"] and s["main"] <= s["mainBox"] + 1, s


# ----------------------------------------------------------------------------- tests


@pytest.mark.parametrize("lang", LANGS)
def test_pages_cut_no_text_and_do_not_scroll_sideways(tab: Page, sample_app: str, lang: str):
    size = _size(tab)
    SHOTS.mkdir(parents=True, exist_ok=True)
    problems = {}
    for name, path in PAGES.items():
        _open(tab, f"{sample_app}/{path}", lang)
        _no_sideways_scroll(tab)
        found = _cut_text(tab, lang)
        if found:
            problems[name] = found
        screenshot(tab, f"layout/{name}-{lang}-{size}")  # the whole page
    assert problems == {}


@pytest.mark.parametrize("lang", LANGS)
def test_overview_presented_shows_kpi_values_larger_than_their_labels(tab: Page, sample_app: str, lang: str):
    _open(tab, f"{sample_app}/{PAGES['overview']}&present=1", lang)
    expect(tab.get_by_test_id("stSidebar")).to_be_hidden()
    cards = tab.evaluate(KPI_SIZES)
    assert len(cards) == 4
    for card in cards:
        assert card["valuePx"] > card["labelPx"], card
    _no_sideways_scroll(tab)
    assert _cut_text(tab, lang) == []
    _shot(tab, f"overview-present-{lang}-{_size(tab)}")


def _slide_fits(state: dict, n: int) -> None:
    where = f"slide {n}: {state}"
    assert state["scrollHeight"] <= state["clientHeight"] + 1, "the slide is taller than the window; " + where
    assert state["scrollTop"] == 0, "the slide opened scrolled; " + where
    assert state["title"]["top"] >= 0, where
    for control in ("prev", "next", "counter"):
        box = state[control]
        assert box["top"] >= 0 and box["bottom"] <= state["height"], f"{control} is off screen; " + where
    if state["chart"]:
        assert state["chart"]["bottom"] <= state["prev"]["top"] + 1, "the chart runs into the controls; " + where
    assert state["textOverflow"] <= 1, "the slide's text does not fit its box; " + where


def _next_slide(page: Page, lang: str, n: int) -> None:
    page.locator(".st-key-present_next button").click()
    expect(page.locator(".ecocity-slide-count")).to_have_text(
        t("present.page.counter", lang, n=n, total=SLIDES), timeout=WAIT)
    _drawn(page)


@pytest.mark.parametrize("lang", LANGS)
def test_every_slide_full_screen_fits_the_window_and_opens_at_its_top(tab: Page, sample_app: str, lang: str):
    _open(tab, f"{sample_app}/present?year={YEAR}&present=1", lang)
    expect(tab.locator(".ecocity-slide-count")).to_have_text(t("present.page.counter", lang, n=1, total=SLIDES))
    size = _size(tab)
    problems = {}
    for n in range(1, SLIDES + 1):
        if n > 1:
            tab.mouse.move(400, 300)
            tab.mouse.wheel(0, 600)  # a presenter scrolls, then clicks Next
            _next_slide(tab, lang, n)
        _slide_fits(tab.evaluate(SLIDE_STATE), n)
        if found := _cut_text(tab, lang):
            problems[n] = found
        _shot(tab, f"present-{n:02d}-{lang}-{size}")
    assert problems == {}


@pytest.mark.parametrize("lang", LANGS)
def test_the_presentation_page_cuts_no_text_and_next_opens_a_slide_at_its_top(tab: Page, sample_app: str,
                                                                               lang: str):
    """Not full screen: a slide fits the window under the app's header (once scrolled to), and
    Next after scrolling past the slide's title shows the new slide from its title down."""
    _open(tab, f"{sample_app}/present?year={YEAR}&slide=4", lang)
    _no_sideways_scroll(tab)
    assert _cut_text(tab, lang) == []
    _shot(tab, f"present-{lang}-{_size(tab)}")  # the window: the slide is sized by it
    s = tab.evaluate(SLIDE_STATE)
    header = s["header"]["bottom"]
    assert s["slide"]["height"] <= s["height"] - header, s
    tab.locator('[data-testid="stMain"]').evaluate("(m, y) => m.scrollBy(0, y)", s["slide"]["top"] - header + 150)
    tab.locator(".st-key-present_next button").click()
    expect(tab.locator(".ecocity-slide-count")).to_have_text(t("present.page.counter", lang, n=5, total=SLIDES),
                                                             timeout=WAIT)
    _drawn(tab)
    expect(tab).to_have_url(re.compile(r"slide=5"))
    s = tab.evaluate(SLIDE_STATE)
    assert header <= s["title"]["top"] and s["next"]["bottom"] <= s["height"], s
    assert _cut_text(tab, lang) == []
    _shot(tab, f"present-page-{lang}-{_size(tab)}")
