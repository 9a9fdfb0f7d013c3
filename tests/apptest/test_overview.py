"""The Overview page with the sample data and with an empty database, in Thai and English:
KPIs, the ranking against last year, the areas closest to their next level, the map's
clickable markers and the shared filters in the URL and the session."""

from __future__ import annotations

import json

import pytest
from helpers.apphelp import problems
from helpers.drillhelp import sample_app  # noqa: F401  (fixture)
from helpers.sampledb import _sample_template, sample_url  # noqa: F401  (fixtures)

from ecocity.i18n import t

PAGE = "views/overview.py"


def _metric(at, key: str, lang: str) -> str:
    return next(m.value for m in at.metric if m.label == t(key, lang))


def _ranking(at):
    return at.dataframe(key="ranking").value


def _figure(at, key: str) -> dict:
    chart = next(c for c in at.get("plotly_chart") if c.proto.id.endswith(key) or key in c.proto.id)
    return json.loads(chart.proto.spec)


# ----------------------------------------------------------------------------- sample data


@pytest.mark.parametrize("lang", ["th", "en"])
def test_opens_without_error_on_the_latest_fiscal_year(sample_app, lang):
    at = sample_app(lang=lang)
    assert problems(at) == []
    assert at.title[0].value == t("app.overview.title", lang)
    assert at.query_params["year"] == "2568"


def test_kpis_count_the_selected_year(sample_app):
    at = sample_app(lang="en", year="2560")
    assert _metric(at, "overview.kpi.areas", "en") == "8 / 8"
    assert _metric(at, "overview.kpi.champion", "en") == "2 / 8"  # Lamphun and Pluak Daeng
    assert _metric(at, "overview.kpi.estates", "en").endswith("/ 71")


def test_ranking_puts_the_highest_level_first(sample_app):
    table = _ranking(sample_app(lang="en", year="2568"))
    assert table["Area"].iloc[0] == "Lamphun"
    assert table["Level"].iloc[0] == "Happiness"


def test_ranking_shows_the_change_against_last_year(sample_app):
    rows = _ranking(sample_app(lang="en", year="2568")).set_index("Area")
    change = t("overview.ranking.change", "en")
    assert rows.loc["Rayong - Map Ta Phut", change] == t("overview.change.up", "en", n=1) + " · +0.35"
    assert rows.loc["Lamphun", change].startswith(t("overview.change.same", "en") + " · ")


def test_ranking_in_thai_names_the_areas_in_thai(sample_app):
    table = _ranking(sample_app(lang="th", year="2566"))
    assert "ระยอง - มาบตาพุด" in set(table[t("overview.ranking.area", "th")])


def test_closest_to_the_next_level_reads_the_gap_aloud(sample_app):
    at = sample_app(lang="th", year="2566")
    texts = "\n".join(m.value for m in at.markdown)
    assert t("overview.closest.title", "th") in [s.value for s in at.subheader]
    assert "→ อย่างน้อย" in texts or "→ ไม่เกิน" in texts


def test_the_map_makes_areas_and_estates_clickable(sample_app):
    spec = _figure(sample_app(lang="en"), "overview_map")
    customdata = [tuple(cd) for tr in spec["data"] for cd in (tr.get("customdata") or [])]
    assert ("area", "RAYONG-MAP-TA-PHUT") in customdata and ("estate", "PADAENG") in customdata
    assert {kind for kind, _ in customdata} == {"area", "estate"}


def test_the_map_draws_every_estate_clear_of_the_areas(sample_app):
    # Estates no longer hide under their area's circle (pagemodels.map moves them beside it),
    # so they are hovered and clicked like the areas.
    spec = _figure(sample_app(lang="en"), "overview_map")
    estates = [tr for tr in spec["data"] if tr.get("customdata") and tr["customdata"][0][0] == "estate"]
    assert sum(len(tr["x"]) for tr in estates) == 21
    assert all(tr.get("hoverinfo") != "skip" and tr["marker"]["symbol"] == "square" for tr in estates)


def test_the_region_filter_narrows_the_ranking_and_stays_in_the_url(sample_app):
    at = sample_app(lang="en", year="2568", region="North")
    assert list(_ranking(at)["Area"]) == ["Lamphun"]
    assert at.query_params["region"] == "North"
    assert at.selectbox(key="filter_region").value == "North"


def test_the_level_filter_narrows_the_ranking(sample_app):
    at = sample_app(lang="en", year="2568", level="2")
    assert set(_ranking(at)["Level"]) == {"Eco-Champion"}
    assert at.multiselect(key="filter_level").value == [2]


def test_choosing_a_year_updates_the_url(sample_app):
    at = sample_app(lang="en")
    at.selectbox(key="filter_year").set_value(2563).run()
    assert at.query_params["year"] == "2563"
    assert problems(at) == []


def test_filters_survive_a_page_change(sample_app):
    at = sample_app(lang="en", year="2563", region="East")
    at.query_params.clear()  # st.navigation drops the query parameters on a page change
    at.switch_page("views/overview.py").run()
    assert (at.query_params["year"], at.query_params["region"]) == ("2563", "East")


def test_sample_data_is_labelled(sample_app):
    at = sample_app(lang="th")
    assert t("app.overview.sample_notice", "th") in [i.value for i in at.info]


# ----------------------------------------------------------------------------- empty database


@pytest.mark.parametrize("lang", ["th", "en"])
def test_empty_database_shows_the_empty_state_and_the_registry(open_app, lang):
    at = open_app(lang=lang)
    assert problems(at) == []
    md = [m.value for m in at.markdown]
    assert f"### {t('widgets.empty.title', lang)}" in md
    assert any("ecocity sample --load" in c.value for c in at.caption)
    assert t("app.overview.estates_of", lang, area="ระยอง - มาบตาพุด" if lang == "th" else
             "Rayong - Map Ta Phut") in [e.label for e in at.expander]


def test_empty_database_has_no_year_in_the_url(open_app):
    at = open_app(lang="en")
    assert "year" not in at.query_params


def test_a_region_without_areas_says_so_without_error(sample_app):
    at = sample_app(lang="en", year="2566", region="Northeast")
    assert problems(at) == []
    assert t("overview.no_match", "en") in [i.value for i in at.info]
    assert next(m.value for m in at.metric if m.label == t("overview.kpi.areas", "en")) == "0 / 0"


def test_offers_the_country_deck_and_report_for_the_year(sample_app):
    at = sample_app(lang="th")
    assert at.button(key="overview_export_prepare").label == t("export.widget.prepare", "th")
