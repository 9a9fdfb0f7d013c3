"""Hardening (item 5) on the Overview, Area, Indicators and Present pages: HTML
and Markdown in registry names and submission notes are shown as text, names that look
like formulas are neutralised in the tables (their toolbar exports CSV), and SQL or LIKE
metacharacters in the query parameters open the default view. The unit side of each
attack is in tests/unit/test_hardening.py."""

from __future__ import annotations

import re

import pytest
from helpers.apphelp import problems
from helpers.drillhelp import sample_app  # noqa: F401  (fixture)
from helpers.sampledb import _sample_template, sample_url  # noqa: F401  (fixtures)
from sqlalchemy import insert, update

from ecocity.store import models as m
from ecocity.store.db import make_engine

HOSTILE = "<img src=x onerror=alert(1)> **bold** [link](http://evil) $x$"
FORMULA = '=HYPERLINK("http://x","y")'
AREA, ESTATE = "RAYONG-MAP-TA-PHUT", "MAP-TA-PHUT"


@pytest.fixture
def hostile_app(sample_url, sample_app):  # noqa: F811
    """The sample data with an area, one of its estates and every note renamed to the
    hostile text (as an administrator could type them in the registry)."""
    _rename(sample_url, notes=True)
    return sample_app


def _rename(url: str, *, notes: bool = False) -> None:
    """Rename as an administrator does in the registry page (which marks the registry as
    edited, so the files under data/ no longer overwrite it on start)."""
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(update(m.Area).where(m.Area.code == AREA).values(name_th=HOSTILE, name_en=HOSTILE))
            conn.execute(update(m.Estate).where(m.Estate.code == ESTATE).values(name_th=HOSTILE, name_en=HOSTILE))
            conn.execute(update(m.Estate).where(m.Estate.code == "PADAENG").values(name_th=FORMULA, name_en=FORMULA))
            conn.execute(insert(m.Meta).values(key=m.REGISTRY_EDITED_KEY, value="2026-11-21T00:00:00+00:00"))
            if notes:
                conn.execute(update(m.IndicatorValue).values(note=HOSTILE))
                conn.execute(update(m.Submission).values(submitted_by=HOSTILE))
    finally:
        engine.dispose()


def _markdown_bodies(at) -> list[str]:
    """The body of every element Streamlit renders as Markdown."""
    out: list[str] = []
    for kind in ("markdown", "caption", "title", "header", "subheader", "info", "warning", "success", "error",
                 "latex"):
        out += [str(e.value) for e in getattr(at, kind)]
    out += [str(e.label) for e in at.expander]
    out += [f"{e.label} {e.value}" for e in at.metric]
    return out


def _html_bodies(at) -> list[str]:
    return [str(getattr(e, "proto", e)) for e in at.get("html")]


def _assert_shown_as_text(at) -> None:
    assert problems(at) == []
    for body in _markdown_bodies(at):
        if "eco-path" in body or "eco-badge" in body:  # built with html.escape (unit tests)
            assert "<img" not in body
            continue
        assert not re.search(r"(?<!\\)<img", body), body
        assert "**bold**" not in body and "[link](http" not in body and " $x$" not in body, body
    for body in _html_bodies(at):
        assert "<img" not in body, body


def _shown(at) -> str:
    return "\n".join(_markdown_bodies(at) + _html_bodies(at))


@pytest.mark.parametrize("lang", ["th", "en"])
def test_html_and_markdown_in_names_on_overview_are_text(hostile_app, lang):
    at = hostile_app("views/overview.py", lang=lang, year="2566")
    _assert_shown_as_text(at)
    ranking = at.dataframe(key="ranking").value
    names = list(ranking.iloc[:, 0])
    assert HOSTILE in names  # a plain table cell shows it exactly as typed


@pytest.mark.parametrize("lang", ["th", "en"])
def test_html_and_markdown_in_names_on_area_are_text(hostile_app, lang):
    at = hostile_app("views/area.py", lang=lang, area=AREA, year="2566")
    _assert_shown_as_text(at)
    assert "\\<img src=x onerror=alert(1)\\> \\*\\*bold\\*\\*" in at.title[0].value
    assert "\\<img" in _shown(at)  # the estate pulling a figure down, escaped
    estates = list(at.dataframe(key="area_estates").value.iloc[:, 0])
    assert HOSTILE in estates
    assert "'" + FORMULA in estates and FORMULA not in estates  # the toolbar's CSV stays text


@pytest.mark.parametrize("kind", ["estate", "area"])
def test_html_and_markdown_in_names_on_indicators_are_text(hostile_app, kind):
    at = hostile_app("views/indicators.py", lang="en", year="2566", indicator="MGT-01")  # yes/no: name lists
    at.segmented_control(key="indicators_kind").set_value(kind).run()
    _assert_shown_as_text(at)
    assert "\\<img" in _shown(at)


def test_html_and_markdown_in_names_on_present_are_text(hostile_app):
    at = hostile_app("views/present.py", lang="en", year="2566", scope=f"area:{AREA}")
    for _ in range(8):  # the first slides of the area's deck
        _assert_shown_as_text(at)
        if at.button(key="present_next").disabled:
            break
        at.button(key="present_next").click().run()


def test_html_and_markdown_in_registry_names_without_data_are_text(open_app, app_env):
    """No assessment yet: the Overview lists the registry's areas and estates."""
    _rename(app_env)
    at = open_app(lang="en")
    _assert_shown_as_text(at)
    assert "\\<img" in _shown(at)


def _counts(url: str) -> dict[str, int]:
    from sqlalchemy import func, select

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return {t.name: conn.execute(select(func.count()).select_from(t)).scalar()
                    for t in m.Base.metadata.sorted_tables}
    finally:
        engine.dispose()


@pytest.mark.parametrize("value", ["' OR '1'='1", "%", "_", "x'); DROP TABLE submissions;--", "../../etc/passwd"])
@pytest.mark.parametrize(("page", "param"), [("views/area.py", "area"), ("views/indicators.py", "indicator"),
                                             ("views/overview.py", "year"), ("views/present.py", "scope")])
def test_sql_metacharacters_in_query_parameters_open_the_default_view(sample_app, sample_url, page, param,  # noqa: F811
                                                                     value):
    """Query parameters are matched against known codes, never put into a query or a
    LIKE pattern: a hostile value opens the default view and changes nothing."""
    before = _counts(sample_url)
    at = sample_app(page, lang="en", **{param: value})
    assert problems(at) == [] and at.title
    if page == "views/area.py":
        assert at.selectbox(key="area_pick").value == "LAMPHUN"  # the best-ranked area, not a match-all
    if page == "views/indicators.py":
        assert at.selectbox(key="indicators_subject").value == "PHY-01"
    if page == "views/overview.py":
        assert at.selectbox(key="filter_year").value != value
    assert _counts(sample_url) == before
