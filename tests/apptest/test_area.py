"""The Area page: a link opens exactly that area and year; it shows the level on the path
to Happiness, the gap read aloud with the estates pulling each indicator down, the
Happiness estimate (labelled as one), and its estates; in Thai and English; with an empty
database it shows the empty state."""

from __future__ import annotations

import json

import pytest
from helpers.apphelp import problems
from helpers.drillhelp import sample_app  # noqa: F401  (fixture)
from helpers.sampledb import _sample_template, sample_url  # noqa: F401  (fixtures)

from ecocity.i18n import t

PAGE = "views/area.py"


def _text(at) -> str:
    return "\n".join(m.value for m in at.markdown)


def _gap(at) -> str:
    return "\n".join(m.value for m in at.markdown if m.value.startswith("- **"))


# ----------------------------------------------------------------------------- sample data


@pytest.mark.parametrize("lang", ["th", "en"])
def test_a_link_opens_exactly_that_area_and_year(sample_app, lang):
    at = sample_app(PAGE, lang=lang, area="RAYONG-MAP-TA-PHUT", year="2566")
    assert problems(at) == []
    assert at.title[0].value == ("ระยอง - มาบตาพุด" if lang == "th" else "Rayong - Map Ta Phut")
    assert at.selectbox(key="area_pick").value == "RAYONG-MAP-TA-PHUT"
    assert at.selectbox(key="filter_year").value == 2566
    assert dict(at.query_params) == {"lang": lang, "area": "RAYONG-MAP-TA-PHUT", "year": "2566"}


def test_the_gap_reads_aloud_in_thai(sample_app):
    at = sample_app(PAGE, lang="th", area="RAYONG-MAP-TA-PHUT", year="2566")
    assert "จำนวนเรื่องร้องเรียนด้านสิ่งแวดล้อม 26 → ไม่เกิน 25 เรื่อง/ปี" in _gap(at)
    assert t("area.gap.title", "th", level="Eco-World Class") in [s.value for s in at.subheader]


def test_the_gap_reads_aloud_in_english(sample_app):
    at = sample_app(PAGE, lang="en", area="RAYONG-MAP-TA-PHUT", year="2566")
    assert "Environmental complaints received 26 → at most 25 cases/yr" in _gap(at)


def test_the_gap_names_the_estates_pulling_it_down(sample_app):
    gap = _gap(sample_app(PAGE, lang="en", area="RAYONG-MAP-TA-PHUT", year="2566"))
    complaints = next(line for line in gap.split("\n- ") if "complaints" in line)
    # The complaints are summed: the largest contributor first.
    assert "Pulled down by: Map Ta Phut IE (12 cases/yr)" in complaints


def test_the_level_is_placed_on_the_path(sample_app):
    at = sample_app(PAGE, lang="en", area="RAYONG-MAP-TA-PHUT", year="2566")
    path = next(m.value for m in at.markdown if "eco-path" in m.value)
    assert "you are here" in path and "Eco-Excellence" in path and "Happiness" in path


def test_the_kpis_compare_with_last_year(sample_app):
    at = sample_app(PAGE, lang="en", area="RAYONG-MAP-TA-PHUT", year="2566")
    score = next(m for m in at.metric if m.label == t("area.kpi.score", "en"))
    assert (score.value, score.delta) == ("4.25", "+0.22")
    assert next(m.value for m in at.metric if m.label == t("area.kpi.estates", "en")) == "6 / 6"


@pytest.mark.parametrize("lang", ["th", "en"])
def test_the_score_is_explained_from_the_estates_values(sample_app, lang):
    """Why 4.25 when five of the six estates score 3.09-3.46: the area is scored on its
    estates' values combined indicator by indicator, shown beside the score."""
    at = sample_app(PAGE, lang=lang, area="RAYONG-MAP-TA-PHUT", year="2566")
    assert at.expander(key="area_explain").label == t("area.explain.title", lang, score="4.25")
    at.session_state["area_explain"] = True  # the reader opens it (it reruns the page)
    at.run()
    text = _text(at)
    assert "3.09" in text and "4.29" in text  # the estates' scores the executive compares with
    assert "ECO-01" in text  # community enterprises: summed, the area meets a level no estate does
    col = {k: t(f"area.explain.col_{k}", lang) for k in ("code", "rule", "area", "level")}
    table = next(d.value for d in at.dataframe if col["rule"] in d.value.columns)
    eco = table[table[col["code"]] == "ECO-01"].iloc[0]
    assert eco[col["rule"]] == t("method.aggregation.sum.name", lang) and eco[col["area"]].startswith("64 ")
    assert eco[col["level"]] == f"5 · {'ความสุข (Happiness)' if lang == 'th' else 'Happiness'}"
    estate = "นิคมอุตสาหกรรมมาบตาพุด" if lang == "th" else "Map Ta Phut IE"
    assert eco[estate] == "15" and len(table) == 24  # the factory counts, then the 23 indicators
    weighted = table[table[col["code"]] == "ENV-08"].iloc[0]
    assert weighted[col["rule"]] == t("method.aggregation.factory_weighted_mean.name", lang)


def test_the_explanation_is_built_only_when_opened(sample_app):
    """Closed, the explanation costs no rerun its table; opened, it is there."""
    at = sample_app(PAGE, lang="en", area="RAYONG-MAP-TA-PHUT", year="2566")
    rule = t("area.explain.col_rule", "en")
    assert not at.expander(key="area_explain").children
    assert not [d for d in at.dataframe if rule in d.value.columns]
    at.session_state["area_explain"] = True
    at.run()
    assert [d for d in at.dataframe if rule in d.value.columns]


def test_the_level_change_reads_naturally(sample_app):
    text = _text(sample_app(PAGE, lang="en", area="RAYONG-MAP-TA-PHUT", year="2568"))
    assert "(+1 level since last year)" in text and "(s)" not in text


def test_the_happiness_estimate_is_labelled_an_estimate(sample_app):
    at = sample_app(PAGE, lang="en", area="RAYONG-MAP-TA-PHUT", year="2566")
    assert "Estimate:" in _text(at) and "not a forecast of certainty" in _text(at)


def test_too_few_years_gives_no_estimate(sample_app):
    at = sample_app(PAGE, lang="en", area="RAYONG-MAP-TA-PHUT", year="2560")  # data from 2559 only
    assert "Not enough data for an estimate" in _text(at)


def test_an_area_at_happiness_says_so(sample_app):
    at = sample_app(PAGE, lang="th", area="LAMPHUN", year="2568")
    assert t("gap.empty_top", "th") in _text(at)
    assert t("widgets.forecast.reached", "th", level="ความสุข (Happiness)", year=2567) in _text(at)


def test_a_year_without_data_says_which_years_have_data(sample_app):
    at = sample_app(PAGE, lang="en", area="AYUTTHAYA", year="2559")
    assert problems(at) == []
    assert any("no assessment in fiscal year 2559" in i.value for i in at.info)


def test_the_estates_chart_opens_estates(sample_app):
    at = sample_app(PAGE, lang="en", area="RAYONG-MAP-TA-PHUT", year="2566")
    chart = next(c for c in at.get("plotly_chart") if "area_estates_chart" in c.proto.id)
    customdata = [tuple(cd) for tr in json.loads(chart.proto.spec)["data"] for cd in tr.get("customdata") or []]
    assert ("estate", "MAP-TA-PHUT") in customdata and len(customdata) == 6


def test_the_estates_table_lists_their_levels(sample_app):
    table = sample_app(PAGE, lang="en", area="RAYONG-MAP-TA-PHUT", year="2566").dataframe(key="area_estates").value
    assert "Map Ta Phut IE" in set(table["Industrial estate"])
    assert set(table["Level"]) <= {"Engagement", "Eco-Champion", "Eco-Excellence", "Eco-World Class", "Happiness"}


def test_choosing_another_area_updates_the_url(sample_app):
    at = sample_app(PAGE, lang="en", area="RAYONG-MAP-TA-PHUT", year="2566")
    at.selectbox(key="area_pick").set_value("LAMPHUN").run()
    assert at.title[0].value == "Lamphun"
    assert at.query_params["area"] == "LAMPHUN"


def test_without_area_in_the_url_the_last_one_comes_back(sample_app):
    at = sample_app(PAGE, lang="en", area="SONGKHLA", year="2566")
    at.query_params.clear()  # a page change through the sidebar drops the query parameters
    at.switch_page(PAGE).run()
    assert at.title[0].value == "Songkhla"
    assert (at.query_params["area"], at.query_params["year"]) == ("SONGKHLA", "2566")


def test_an_unknown_area_falls_back_to_the_best_ranked(sample_app):
    at = sample_app(PAGE, lang="en", area="NOWHERE", year="2568")
    assert problems(at) == []
    assert at.title[0].value == "Lamphun"


def test_the_method_is_one_click_away(sample_app):
    at = sample_app(PAGE, lang="en", area="LAMPHUN")
    how = next(e for e in at.expander if e.label == t("area.how.title", "en"))
    assert "pass" in how.markdown[0].value or "weight" in how.markdown[0].value


# ----------------------------------------------------------------------------- empty database


@pytest.mark.parametrize("lang", ["th", "en"])
def test_empty_database_shows_the_empty_state(open_app, lang):
    at = open_app(lang=lang, page=PAGE)
    assert problems(at) == []
    assert f"### {t('widgets.empty.title', lang)}" in [m.value for m in at.markdown]


def test_offers_the_area_deck_and_report(sample_app):
    at = sample_app(PAGE, lang="en", area="LAMPHUN", year="2567")
    assert problems(at) == []
    assert at.button(key="area_export_prepare").label == t("export.widget.prepare", "en")


def test_present_1_hides_the_chrome_on_any_view(sample_app):
    from ecocity.ui.presentation import FULLSCREEN_CSS

    def styled(at) -> bool:
        return any(FULLSCREEN_CSS.strip() in (h.proto.body or "") for h in at.get("html"))

    at = sample_app(PAGE, lang="th", area="LAMPHUN", year="2567", present="1")
    assert problems(at) == [] and styled(at)
    assert not styled(sample_app(PAGE, lang="th", area="LAMPHUN", year="2567"))
