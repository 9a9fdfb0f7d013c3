"""The Indicators page with the sample data (Thai and English) and with an empty database:
ranking across areas or estates for the year (lower-is-better first, clickable), the trend
with threshold lines in the level colours, the heatmap of dimension scores across areas
(clickable), the region filter, yes/no indicators and whole dimensions."""

from __future__ import annotations

import json

import pytest
from helpers.apphelp import problems
from helpers.sampledb import _sample_template, page_at, sample_url  # noqa: F401 (fixtures)

from ecocity.core.framework import load_framework
from ecocity.i18n import t
from ecocity.pagemodels import charts

PAGE = "views/indicators.py"


def _open(page_at, url, lang="th", **params):
    at = page_at(url, PAGE, lang, **params)
    assert problems(at) == []
    return at


def _figure(at, key: str) -> dict | None:
    for chart in at.get("plotly_chart"):
        if key in chart.proto.id:
            return json.loads(chart.proto.spec)
    return None


@pytest.mark.parametrize("lang", ["th", "en"])
def test_ranking_trend_and_heatmap_of_complaints(page_at, sample_url, lang):
    fw = load_framework()
    at = _open(page_at, sample_url, lang, indicator="ENV-01", year="2566")
    assert at.title[0].value == t("indicators.title", lang)

    ranking = _figure(at, "indicators_ranking")
    bars = ranking["data"][0]
    assert len(bars["y"]) == 8 and all(cd[0] == "area" for cd in bars["customdata"])
    assert bars["x"][-1] == min(bars["x"])  # lower is better: the fewest complaints on top

    trend = _figure(at, "indicators_trend")
    # The year's best three in colour over the five other areas in grey: every area drawn.
    grey = [tr for tr in trend["data"] if tr["line"]["color"] == charts.CONTEXT]
    coloured = [tr for tr in trend["data"] if tr["line"]["color"] != charts.CONTEXT]
    assert (len(coloured), len(grey)) == (3, 5)
    assert [tr["name"] for tr in coloured] == bars["y"][::-1][:3]  # the ranking's top three
    lines = {(s["y0"], s["line"]["color"]) for s in trend["layout"]["shapes"]}
    ind = fw.indicator("ENV-01")
    assert lines == {(ind.threshold(lv.number), lv.colour) for lv in fw.levels[1:]}
    # Each threshold named in the right margin, clear of the lines.
    names = trend["layout"]["annotations"]
    assert len(names) == len(fw.levels) - 1 and all(a["xref"] == "paper" and a["x"] == 1 for a in names)
    assert any(fw.level(3).name(lang) in a["text"] for a in names)

    heat = _figure(at, "indicators_heatmap")
    assert len(heat["data"][0]["y"]) == 8
    assert heat["data"][0]["customdata"][0][0][0] == "area"


def test_the_region_filter_keeps_its_areas(page_at, sample_url):
    at = _open(page_at, sample_url, "en", indicator="ENV-01", year="2566", region="East")
    assert len(_figure(at, "indicators_ranking")["data"][0]["y"]) == 4
    assert len(_figure(at, "indicators_heatmap")["data"][0]["y"]) == 4
    assert at.query_params["region"] == "East"


def test_estates_ranked_and_three_highlighted_by_default(page_at, sample_url):
    at = _open(page_at, sample_url, "en", indicator="PHY-01", year="2566")
    at.segmented_control(key="indicators_kind").set_value("estate").run()
    assert problems(at) == []
    bars = _figure(at, "indicators_ranking")["data"][0]
    assert len(bars["y"]) == 21 and all(cd[0] == "estate" for cd in bars["customdata"])
    assert bars["x"][-1] == max(bars["x"])  # higher is better: the highest on top
    trend = _figure(at, "indicators_trend")["data"]
    assert len([tr for tr in trend if tr["line"]["color"] != charts.CONTEXT]) == 3
    assert len(trend) == len({tr["text"][0] if tr.get("text") else tr["name"] for tr in trend})  # each once


def test_a_yes_no_indicator_is_split_into_yes_and_no(page_at, sample_url):
    at = _open(page_at, sample_url, "th", indicator="MGT-04", year="2566")
    text = "\n".join(m.value for m in at.markdown)
    assert t("indicators.answer_yes", "th", n="").split("(")[0] in text
    assert _figure(at, "indicators_ranking") is None
    share = _figure(at, "indicators_trend")
    assert len(share["data"]) == 1 and all(0 <= y <= 100 for y in share["data"][0]["y"] if y is not None)


def test_a_dimension_ranks_by_dimension_score(page_at, sample_url):
    at = _open(page_at, sample_url, "en", indicator="environment", year="2568")
    bars = _figure(at, "indicators_ranking")["data"][0]
    assert len(bars["y"]) == 8 and all(0 <= x <= 5 for x in bars["x"])
    assert "Environmental" in _figure(at, "indicators_ranking")["layout"]["title"]["text"]


def test_picking_another_indicator_puts_it_in_the_url(page_at, sample_url):
    at = _open(page_at, sample_url, "en", indicator="ENV-01", year="2566")
    at.selectbox(key="indicators_subject").select("SOC-01").run()
    assert problems(at) == []
    assert at.query_params["indicator"] == "SOC-01"
    assert "SOC-01" in _figure(at, "indicators_ranking")["layout"]["title"]["text"]


@pytest.mark.parametrize("lang", ["th", "en"])
def test_empty_database(page_at, db_url, lang):
    at = _open(page_at, db_url, lang)
    assert at.title[0].value == t("indicators.title", lang)
    assert any(t("widgets.empty.title", lang) in m.value for m in at.markdown)
