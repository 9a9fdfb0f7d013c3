"""Presentation mode / โหมดนำเสนอ: the slide sequence of a fiscal year and scope, drawn large
for a projector (``ecocity.pagemodels.slides``), with previous/next, a slide counter, optional
auto-advance and the downloads of the same deck.

Everything lives in the URL, so the address of the current slide can be shared:
``/present?year=2566&scope=region:East&slide=4&present=1&auto=20&lang=en``
(``present=1``: full screen, sidebar and toolbar hidden; ``auto``: seconds per slide).
"""

from __future__ import annotations

import html
import time
from urllib.parse import urlencode

import streamlit as st

from ecocity.core.textsafe import md_escape
from ecocity.i18n import fy_label, t
from ecocity.pagemodels.slides import Scope, Slide, scope_label, slide_number, step
from ecocity.ui import filters, presentation, readers, widgets
from ecocity.ui.export_widgets import deck_for, export_buttons
from ecocity.ui.lang import current_lang

YEAR, SCOPE, SLIDE, AUTO = "year", "scope", "slide", "auto"  # query parameters
STATE = "_ecocity_present"  # session: {"n": slide number, "at": when it was last shown/advanced}
AUTO_CHOICES = (0, 10, 20, 30, 60)  # seconds; 0 = off

lang = current_lang()
url, token, fw, registry, areas, estates, years = readers.page_data()
q = st.query_params

if not years:
    st.title(t("present.page.title", lang))
    st.info(t("present.page.no_data", lang))
    st.stop()

# ----------------------------------------------------------------------------- what to show

saved = filters.current()
year = filters.parse_year(q.get(YEAR), years) or (saved.year if saved and saved.year in years else years[-1])
scope = Scope.parse(q.get(SCOPE), registry.regions, [a.code for a in registry.areas])
full = presentation.requested()
try:
    auto = int(q.get(AUTO) or 0)
except ValueError:
    auto = 0
auto = auto if auto in AUTO_CHOICES else 0
deck = deck_for(url, token, year, scope.param, lang)
total = len(deck.slides)
state = st.session_state.setdefault(STATE, {"n": None, "at": time.monotonic(), "key": None})
key = (year, scope.param, lang)
if state["key"] != key or state["n"] is None:  # a link, or another deck: the URL's slide
    state.update(n=slide_number(q.get(SLIDE), total), at=time.monotonic(), key=key)


def _sync_url() -> None:
    want = {YEAR: str(year), SCOPE: scope.param, SLIDE: str(state["n"])}
    if full:
        want[presentation.PARAM] = "1"
    if auto:
        want[AUTO] = str(auto)
    for k, v in want.items():
        if q.get(k) != v:
            q[k] = v
    for k in (presentation.PARAM, AUTO):
        if k not in want and k in q:
            del q[k]


def _go(delta: int) -> None:
    state["n"] = step(state["n"], total, delta)
    state["at"] = time.monotonic()
    state["moved"] = True


# ----------------------------------------------------------------------------- style

# Full screen (?present=1) is applied by the router, as for every page; the slide's own layout
# (one slide = one window) by ui/presentation.
st.html(presentation.slide_css(full))

# ----------------------------------------------------------------------------- controls (not full screen)


def _scope_options() -> list[str]:
    return ["country", *[f"region:{r}" for r in registry.regions], *[f"area:{a.code}" for a in registry.areas]]


def _scope_name(param: str) -> str:
    sc = Scope.parse(param, registry.regions, [a.code for a in registry.areas])
    return scope_label(sc, registry, lang)


def _on_year() -> None:
    q[YEAR] = str(st.session_state["present_year"])
    q[SLIDE] = "1"
    state["n"] = None


def _on_scope() -> None:
    q[SCOPE] = st.session_state["present_scope"]
    q[SLIDE] = "1"
    state["n"] = None


def _on_full() -> None:
    if st.session_state["present_full"]:
        q[presentation.PARAM] = "1"
    elif presentation.PARAM in q:
        del q[presentation.PARAM]


def _on_auto() -> None:
    value = st.session_state["present_auto"]
    if value:
        q[AUTO] = str(value)
    elif AUTO in q:
        del q[AUTO]
    state["at"] = time.monotonic()


if not full:
    st.title(t("present.page.title", lang))
    st.caption(t("present.page.hint", lang))
    # Each select as wide as its longest choice, side by side while they fit the row: in equal
    # columns a year or an area name was cut beside the sidebar.
    bar = st.container(horizontal=True, vertical_alignment="bottom", gap="medium", key="present_bar")
    opts = _scope_options()

    def _auto_name(s: int) -> str:
        return t("present.page.auto_off", lang) if not s else t("present.page.seconds", lang, n=s)

    bar.selectbox(t("present.page.year", lang), years[::-1], index=years[::-1].index(year), key="present_year",
                  format_func=lambda y: fy_label(y, lang), on_change=_on_year,
                  width=widgets.select_width(t("present.page.year", lang), [fy_label(y, lang) for y in years]))
    bar.selectbox(t("present.page.scope", lang), opts, index=opts.index(scope.param), key="present_scope",
                  format_func=_scope_name, on_change=_on_scope,
                  width=widgets.select_width(t("present.page.scope", lang), [_scope_name(o) for o in opts]))
    bar.selectbox(t("present.page.auto", lang), AUTO_CHOICES, index=AUTO_CHOICES.index(auto), key="present_auto",
                  format_func=_auto_name, on_change=_on_auto,
                  width=widgets.select_width(t("present.page.auto", lang), [_auto_name(s) for s in AUTO_CHOICES]))
    bar.toggle(t("present.page.full", lang), value=full, key="present_full", on_change=_on_full,
               help=t("present.page.full_help", lang))
    st.divider()


# ----------------------------------------------------------------------------- the slide


@st.fragment(run_every=auto or None)
def show_slide() -> None:
    if auto and time.monotonic() - state["at"] >= auto - 0.5:  # the timer's rerun: next slide
        state["n"] = step(state["n"], total, 1, wrap=True)
        state["at"] = time.monotonic()
        state["moved"] = True
    n = state["n"]
    _sync_url()
    s = deck.slides[n - 1]
    # The controls sit in a container created before the slide's content, so they keep one
    # place in the element tree whatever the slide holds: the counter and buttons are updated
    # in place instead of a stale copy lingering below a taller or shorter slide while it reruns.
    slide = st.container(key="present_slide")
    body_box, controls = slide.container(key="present_body"), slide.container(key="present_controls")
    with body_box:
        _slide_body(s, n)
    with controls:
        _controls(n, moved=state.pop("moved", False))


def _slide_body(s: Slide, n: int) -> None:
    st.header(md_escape(s.title), anchor=False)  # titles carry area and estate names
    if s.subtitle:
        st.html(f'<div class="ecocity-slide-sub">{html.escape(s.subtitle)}</div>')
    # Projector type full screen, the page's own beside the sidebar.
    fig = presentation.slide_figure(url, token, year, scope.param, lang, n, full)
    body = f'<div class="ecocity-slide-body">{_bullets(s.bullets)}</div>'
    if fig is None:
        st.container(key="present_text").html(body)
    else:
        # Text and chart share the height the window leaves (see presentation.SLIDE_CSS): the
        # chart is drawn as tall as its column, not at a fixed height that overflows 720 px.
        left, right = st.container(key="present_row").columns(presentation.slide_columns(s.kind), gap="medium")
        left.container(key="present_text").html(body)
        right.plotly_chart(fig, key=f"present_chart_{n}", theme=None, height="stretch",
                           config={"displayModeBar": False, "responsive": True})


def _controls(n: int, *, moved: bool) -> None:
    prev, count, nxt = st.columns([1, 2, 1], vertical_alignment="center")
    prev.button(t("present.page.prev", lang), key="present_prev", on_click=_go, args=(-1,), disabled=n <= 1,
                icon=":material/arrow_back:", width="stretch")
    count.html(f'<div class="ecocity-slide-count">{t("present.page.counter", lang, n=n, total=total)}</div>')
    nxt.button(t("present.page.next", lang), key="present_next", on_click=_go, args=(1,), disabled=n >= total,
               icon=":material/arrow_forward:", icon_position="right", width="stretch")
    link = "?" + urlencode({YEAR: year, SCOPE: scope.param, SLIDE: n, presentation.PARAM: 1, "lang": lang})
    # A slide reached by Previous/Next (or the timer) opens at its top, wherever the page
    # was scrolled to: the script is the page's own constant, the footer's text is escaped.
    st.html(f'<div class="ecocity-slide-foot">{html.escape(deck.footer)} · '
            f'<a href="{link}" target="_self">{html.escape(t("present.page.link", lang))}</a></div>'
            + (presentation.scroll_to_slide_js(full) if moved else ""), unsafe_allow_javascript=moved)


def _bullets(lines: tuple[str, ...]) -> str:
    """Bullets ("  " = one level down) as nested HTML lists."""
    out, inner = ["<ul>"], False
    for line in lines:
        sub = line.startswith("  ")
        if sub and not inner:
            out.append("<ul>")
            inner = True
        elif not sub and inner:
            out.append("</ul>")
            inner = False
        out.append(f"<li>{html.escape(line.strip())}</li>")
    out.append("</ul>" * (2 if inner else 1))
    return "".join(out)


show_slide()

if not full:
    st.divider()
    export_buttons(year, scope, lang, key="present_export")
