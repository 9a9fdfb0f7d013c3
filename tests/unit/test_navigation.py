"""Clicks on charts become drill-down targets; targets become shareable links."""

from __future__ import annotations

import pytest

from ecocity.ui.routes import Target, query_for, target_from_row, target_from_selection, url_for


def test_a_clicked_bar_with_customdata_opens_that_area():
    event = {"selection": {"points": [{"curve_number": 0, "point_index": 3, "customdata": ["area", "RAYONG-MAP-TA-PHUT"]}]}}
    assert target_from_selection(event) == Target("area", "RAYONG-MAP-TA-PHUT")


def test_a_clicked_map_marker_opens_the_estate():
    event = {"selection": {"points": [{"customdata": ["estate", "PADAENG"], "x": 101.1, "y": 12.7}]}}
    assert target_from_selection(event) == Target("estate", "PADAENG")


def test_heatmap_cells_nest_customdata():
    assert target_from_selection({"selection": {"points": [{"customdata": [["area", "LAMPHUN"]]}]}}) == Target("area", "LAMPHUN")


def test_province_fills_and_empty_selections_open_nothing():
    assert target_from_selection({"selection": {"points": []}}) is None
    assert target_from_selection({"selection": {"points": [{"x": 100, "y": 13}]}}) is None
    assert target_from_selection({"selection": {"points": [{"customdata": ["province", "TH21"]}]}}) is None
    assert target_from_selection({"selection": {"points": [{"customdata": ["area", ""]}]}}) is None
    assert target_from_selection(None) is None
    assert target_from_selection({}) is None


def test_the_first_meaningful_point_wins():
    event = {"selection": {"points": [{"x": 1}, {"customdata": ["estate", "RIL"]}, {"customdata": ["area", "X"]}]}}
    assert target_from_selection(event) == Target("estate", "RIL")


def test_attribute_style_events_work_too():
    class Sel:
        points = [{"customdata": ["area", "SONGKHLA"]}]
        rows = [1]

    class Event:
        selection = Sel()

    assert target_from_selection(Event()) == Target("area", "SONGKHLA")
    assert target_from_row("estate", ["A", "B"], Event()) == Target("estate", "B")


def test_selected_table_rows_map_to_codes():
    assert target_from_row("area", ["A", "B", "C"], {"selection": {"rows": [2]}}) == Target("area", "C")
    assert target_from_row("area", ["A"], {"selection": {"rows": [5]}}) is None
    assert target_from_row("area", ["A"], {"selection": {"rows": []}}) is None


def test_links_carry_year_and_language():
    t = Target("area", "RAYONG-MAP-TA-PHUT")
    assert query_for(t, year=2566, lang="th") == {"area": "RAYONG-MAP-TA-PHUT", "year": "2566", "lang": "th"}
    assert url_for(t, year=2566, lang="th") == "/area?area=RAYONG-MAP-TA-PHUT&year=2566&lang=th"


def test_an_indicator_opens_the_indicators_page():
    assert url_for(Target("indicator", "ENV-01"), lang="en") == "/indicators?indicator=ENV-01&lang=en"


@pytest.mark.parametrize("raw, page", [
    ("estate", "estate"), ("admin_users", "admin_users"), (None, ""), ("", ""),
    ("sign_in", ""),                     # never back to itself
    ("https://evil.example", ""),        # never a full address
    ("//evil.example", ""), ("../x", ""), ("area?x=1", ""), ("นิคม", ""),
])
def test_the_sign_in_page_only_returns_to_a_page_of_the_router(raw, page):
    from ecocity.ui.routes import next_page

    assert next_page(raw) == page


def test_the_return_query_keeps_the_filters_and_sets_the_language():
    from ecocity.ui.routes import return_query

    assert return_query({"next": "estate", "estate": "MAP-TA-PHUT", "year": "2566", "lang": "th"}, "en") == {
        "estate": "MAP-TA-PHUT", "year": "2566", "lang": "en"}
