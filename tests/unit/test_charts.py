"""Figure builders: level colours from the framework, clickable marks, both languages."""

from __future__ import annotations

import json

import pytest

from ecocity.config import settings
from ecocity.core.forecast import Point
from ecocity.core.framework import load_framework
from ecocity.core.geo import load_provinces
from ecocity.pagemodels import charts

FW = load_framework()


@pytest.fixture(scope="module")
def provinces():
    return load_provinces(settings().data_dir / "th_adm1.geojson")


def test_ladder_puts_happiness_on_top_in_its_colour():
    fig = charts.ladder(FW, {2: 3, 5: 1}, {2: 8, 3: 4}, "th")
    areas = fig.data[0]
    # Plotly draws the last category of horizontal bars on top: Happiness must be last.
    assert list(areas.y)[-1] == "ความสุข (Happiness)"
    assert list(areas.marker.color)[-1] == FW.level(5).colour
    assert list(areas.x) == [0, 0, 3, 0, 0, 1]
    assert list(fig.data[1].x) == [0, 0, 8, 4, 0, 0]
    assert list(areas.text)[2] == "3 พื้นที่" and list(fig.data[1].text)[2] == "8 นิคม"
    assert fig.layout.title.text.startswith("เส้นทางสู่ Happiness")


def test_ladder_in_english():
    fig = charts.ladder(FW, {5: 1}, {5: 2}, "en")
    assert list(fig.data[0].text)[-1] == "1 area" and list(fig.data[1].text)[-1] == "2 estates"
    assert list(fig.data[0].y)[-1] == "Happiness" and fig.data[0].name == "Areas"


def test_level_distribution_stacks_every_level():
    fig = charts.level_distribution(FW, [(2565, 2, 3), (2566, 2, 1), (2566, 3, 2)], "en")
    assert len(fig.data) == 6 and fig.layout.barmode == "stack"
    by_name = {tr.name: list(tr.y) for tr in fig.data}
    assert by_name["Eco-Champion"] == [3, 1] and by_name["Eco-Excellence"] == [0, 2]


def test_dimension_compare_shows_last_year_when_known():
    this = {"physical": 3.0, "environment": 4.2}
    fig = charts.dimension_compare(FW, this, {"physical": 2.5}, "th", 2566)
    assert [tr.name for tr in fig.data] == ["2565", "2566"]
    assert list(fig.data[1].x)[0] == "กายภาพ" and list(fig.data[1].y)[:3] == [3.0, None, 4.2]
    assert len(charts.dimension_compare(FW, this, None, "th", 2566).data) == 1


def test_history_colours_points_by_level():
    fig = charts.history(FW, [Point(2566, 3, 3.4), Point(2565, 2, 2.8)], "en")
    tr = fig.data[0]
    assert list(tr.x) == ["2565", "2566"]
    assert list(tr.marker.color) == [FW.level(2).colour, FW.level(3).colour]
    assert list(tr.text) == ["Eco-Champion", "Eco-Excellence"]


def test_ranking_is_clickable_and_best_on_top():
    rows = [charts.Ranked("area", "A", "Alpha", 2, 2.1), charts.Ranked("area", "B", "Beta", 4, 3.9),
            charts.Ranked("area", "C", "Gamma", 0, None)]
    fig = charts.ranking(FW, rows, "en", title="Ranking", value_label="Score")
    bar = fig.data[0]
    assert list(bar.y) == ["Alpha", "Beta"]  # drawn bottom-up: Beta on top; no-data rows left out
    assert [list(c) for c in bar.customdata] == [["area", "A"], ["area", "B"]]


def test_heatmap_colours_are_solid_level_steps():
    scale = charts.stepped_scale(charts.level_colours(FW))
    assert scale[0] == [0.0, FW.level(0).colour] and scale[-1] == [1.0, FW.level(5).colour]
    # 4.7 / 5 = 0.94 lies in the level 4 step: dark green, not a blend towards gold
    colour_at = next(c for pos, c in reversed(scale) if pos <= 0.94)
    assert colour_at == FW.level(4).colour
    assert {c for _, c in scale} == set(charts.level_colours(FW))


def test_heatmap_cells_open_their_area():
    fig = charts.heatmap(FW, [("X", "Area X", {"physical": 2.0}), ("Y", "Area Y", {})], "en")
    hm = fig.data[0]
    assert list(hm.y) == ["Area X", "Area Y"] and hm.zmax == 5
    assert list(hm.customdata[1][0]) == ["area", "Y"]


def test_map_colours_provinces_by_level_and_keeps_markers_clickable(provinces):
    markers = [charts.Marker("area", "RAYONG-MAP-TA-PHUT", "Map Ta Phut", 101.15, 12.7, 3),
               charts.Marker("estate", "PADAENG", "Padaeng", 101.14, 12.69, None)]
    fig = charts.thailand_map(FW, provinces, {"TH21": 3}, markers, "th")
    fills = [tr for tr in fig.data if tr.fill == "toself"]
    assert {tr.fillcolor for tr in fills} == {charts.NO_DATA, FW.level(3).colour}
    points = [tr for tr in fig.data if tr.mode == "markers"]
    assert {tuple(c) for tr in points for c in tr.customdata} == {("area", "RAYONG-MAP-TA-PHUT"), ("estate", "PADAENG")}
    assert "ยังไม่มีข้อมูล" in points[0].text[0]


def test_the_map_stays_small_for_the_browser(provinces):
    fig = charts.thailand_map(FW, provinces, {p.pcode: 2 for p in provinces[:30]}, [], "th")
    size = len(json.dumps(fig.to_plotly_json(), default=str))
    assert size < 120_000, size  # the source GeoJSON alone is 96 KB


def test_presentation_theme_uses_larger_type():
    assert charts.theme(True).layout.font.size > charts.theme(False).layout.font.size
    assert "Noto Sans Thai" in charts.theme().layout.font.family


def test_text_colour_contrasts_with_level_colours():
    assert charts._text_on("#006D2C") == "white"
    assert charts._text_on("#C7E9C0") == charts.INK
