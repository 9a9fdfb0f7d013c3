"""Presentation mode for any page: ``?present=1`` hides the sidebar and toolbar and sets
large type for the back of a seminar room. One style, used by the router for every view
and by the Presentation page."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

PARAM = "present"
PRESENT_CHART_FONT = 18  # px; the charts' own is 15, a slide's 22 (a slide has the width)

FULLSCREEN_CSS = """
<style>
[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], [data-testid="stHeader"],
[data-testid="stToolbar"], [data-testid="stDecoration"], [data-testid="stStatusWidget"] {display: none !important;}
.block-container, [data-testid="stMainBlockContainer"] {padding-top: 1.2rem !important; max-width: 100% !important;}
[data-testid="stMainBlockContainer"] {font-size: 1.25rem;}
[data-testid="stMainBlockContainer"] p, [data-testid="stMainBlockContainer"] li {font-size: 1.25rem;}
[data-testid="stMetricValue"], [data-testid="stMainBlockContainer"] [data-testid="stMetricValue"] p
  {font-size: 2.75rem !important;}
[data-testid="stMainBlockContainer"] [data-testid="stMetricLabel"] p {font-size: 1.15rem;}
[data-testid="stTable"] th, [data-testid="stTable"] td {font-size: 1.2rem; white-space: normal;}
h1 {font-size: 3rem !important;}
</style>
"""
# The value of a KPI card is set on its inner paragraph too: the rule for every paragraph
# above would otherwise make it smaller than its label.


# One slide = one window (the Presentation page). The slide box is exactly as tall as the
# window leaves it (--eco-slide-top: what is above and below it), a column of title, body and
# controls: the body takes what the title and controls leave, the chart stretches into its
# column and the type scales with the window, so Previous/Next stay on screen at 1280x720 and
# sit at the same place on every slide. Below 22rem of height the page scrolls instead.
SLIDE_CSS = """
<style>
:root {--eco-slide-top: %(top)s; --eco-slide-text: %(text)s;}
%(page)s
.st-key-present_slide {flex: none; height: calc(100dvh - var(--eco-slide-top)); min-height: 22rem; gap: 0.5rem;}
.st-key-present_slide > div:has(> .st-key-present_body) {flex: 1 1 0; min-height: 0;}
.st-key-present_slide > div:has(> .st-key-present_controls) {flex: none;}
.st-key-present_body {gap: 0.4rem; min-height: 0;}
.st-key-present_body > div:has(> .st-key-present_row), .st-key-present_body > div:has(> .st-key-present_text)
  {flex: 1 1 0; min-height: 0;}
.st-key-present_row, .st-key-present_row [data-testid="stLayoutWrapper"], .st-key-present_row .stHorizontalBlock,
.st-key-present_row .stColumn, .st-key-present_row .stVerticalBlock {min-height: 0; height: 100%%;}
.st-key-present_text {justify-content: center; overflow-y: auto;}
.st-key-present_slide h2 {font-size: calc(var(--eco-slide-text) * 1.45) !important; padding: 0.2rem 0 0 0;
  line-height: 1.25;}
.ecocity-slide-sub {font-size: calc(var(--eco-slide-text) * 0.85); color: #6B7B72;}
.ecocity-slide-body {font-size: var(--eco-slide-text); line-height: 1.5;}
.ecocity-slide-body ul {margin: 0; padding-left: 1.4em;}
.ecocity-slide-body li, [data-testid="stMainBlockContainer"] .ecocity-slide-body li
  {font-size: var(--eco-slide-text); margin-bottom: 0.3em;}
.ecocity-slide-body ul ul li, [data-testid="stMainBlockContainer"] .ecocity-slide-body ul ul li
  {font-size: calc(var(--eco-slide-text) * 0.78); margin-bottom: 0.1em;}
.ecocity-slide-foot {font-size: 1rem; color: #6B7B72;}
.ecocity-slide-count {font-size: 1.4rem; font-weight: 600; text-align: center;}
</style>
"""
# Full screen: the padding above and below the slide, and type by the window's size; in the
# page: the app's header above the slide (once scrolled to) and a margin, and smaller type for
# the narrower column beside the sidebar.
_FULL_PAGE = {"page": "[data-testid='stMainBlockContainer'] {padding-bottom: 0.8rem !important;}",
              "top": "2rem", "text": "clamp(1rem, min(3.05vh, 1.9vw), 2rem)"}
_WINDOWED = {"page": "", "top": "5.5rem", "text": "clamp(0.95rem, min(2.7vh, 1.45vw), 1.7rem)"}


def slide_css(full: bool) -> str:
    """The Presentation page's slide layout, full screen or in the page."""
    return SLIDE_CSS % (_FULL_PAGE if full else _WINDOWED)


def scroll_to_slide_js(full: bool) -> str:
    """A script that scrolls the page so the slide starts at the top of the window: Streamlit
    keeps the scroll position across reruns, so a slide reached by Next after scrolling
    would otherwise open with its title above the window. Full screen: the page's top; in
    the page: the slide's top, just under the app's header."""
    if full:
        return ('<script>document.querySelector(\'[data-testid="stMain"]\')'
                '?.scrollTo({top: 0});</script>')
    return ("""<script>(() => {
  const main = document.querySelector('[data-testid="stMain"]');
  const box = document.querySelector('.st-key-present_slide');
  const head = document.querySelector('[data-testid="stHeader"]');
  if (!main || !box) return;
  const under = head ? head.getBoundingClientRect().bottom : 0;
  main.scrollBy({top: box.getBoundingClientRect().top - under - 8});
})();</script>""")


def names_on_two_lines(fig: go.Figure) -> go.Figure:
    """``fig`` with the long names of its horizontal bars written on two lines (the labels
    only, the data stays): on a slide the chart has three fifths of the window in large type,
    where names on one line took three quarters of it at 1280 px and left the bars and the
    axis title no room. A chart that wraps its names itself is left as it is."""
    names = list(dict.fromkeys(str(y) for tr in fig.data if tr.type == "bar" and tr.orientation == "h"
                               for y in (tr.y if tr.y is not None else ())))
    if names and not any("<br>" in n for n in names):
        fig.update_yaxes(tickmode="array", tickvals=names, ticktext=[_two_lines(n) for n in names])
    return fig


def _two_lines(name: str, longer_than: int = 20) -> str:
    """``name`` broken at the space nearest its middle, but not right after a leading mark
    ("▲ Ban Wa IE" keeps its ▲ on the line of the name)."""
    spaces = [i for i, ch in enumerate(name) if ch == " " and i > 1]
    if len(name) <= longer_than or not spaces:
        return name
    cut = min(spaces, key=lambda i: abs(i - len(name) / 2))
    return f"{name[:cut]}<br>{name[cut + 1:]}"


@st.cache_resource(show_spinner=False, max_entries=64)
def slide_figure(url: str, token: str, year: int, scope: str, lang: str, n: int, full: bool) -> go.Figure | None:
    """Slide ``n``'s chart of the deck ``export_widgets.deck_for`` gives, as the Presentation
    page draws it (the title is the slide's own heading; as tall as its column, long bar
    names on two lines); None for a text slide. Built once per data version and shared by
    every session, which never change it: the map's figure takes 0.6 s to build at 10x data."""
    from ecocity.ui.export_widgets import deck_for

    fig = deck_for(url, token, year, scope, lang).slides[n - 1].figure(present=full)
    if fig is None:
        return None
    fig.update_layout(title=None, margin=dict(t=20, b=10), height=None, autosize=True)
    return names_on_two_lines(fig)


def slide_columns(kind: str) -> list[int]:
    """Text : chart widths of a slide: an area's needs are long, the map's regions short."""
    return [1, 1] if kind in ("map", "area") else [2, 3]


def requested() -> bool:
    """Whether this view was opened with ``?present=1``."""
    return st.query_params.get(PARAM) == "1"


def for_screen(fig: go.Figure) -> go.Figure:
    """``fig`` as drawn on this page: under ``?present=1`` a copy in larger type (ticks,
    labels, legend) and as much taller, so a legend under the plot keeps clear of the axis
    title. The figure itself is a cached one shared by every session: never changed."""
    if not requested():
        return fig
    big = go.Figure(fig)
    big.update_layout(font_size=PRESENT_CHART_FONT, height=round((big.layout.height or 450) * 1.2))
    return big


def apply(on: bool | None = None) -> bool:
    """Hide the app's chrome and enlarge type when presenting; returns whether it did."""
    on = requested() if on is None else on
    if on:
        st.html(FULLSCREEN_CSS)
    return on
