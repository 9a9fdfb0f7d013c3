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
    assert list(areas.y)[-1] == "ความสุข<br>(Happiness)"  # long names on two lines: narrow columns
    assert list(areas.marker.color)[-1] == FW.level(5).colour
    assert list(areas.x) == [0, 0, 3, 0, 0, 1]
    assert list(fig.data[1].x) == [0, 0, 8, 4, 0, 0]
    # An en space keeps each label clear of its bar's end (Plotly leaves only 3 px).
    assert list(areas.text)[2] == charts.GAP + "3 พื้นที่" and list(fig.data[1].text)[2] == charts.GAP + "8 นิคม"
    assert fig.layout.title.text.startswith("เส้นทางสู่ Happiness")


def test_ladder_in_english():
    fig = charts.ladder(FW, {5: 1}, {5: 2}, "en")
    assert list(fig.data[0].text)[-1] == charts.GAP + "1 area" and list(fig.data[1].text)[-1] == charts.GAP + "2 estates"
    assert "(s)" not in fig.layout.xaxis.title.text
    assert fig.layout.margin.r > charts.label_width([charts.GAP + "2 estates"])  # the labels' room
    assert list(fig.data[0].y)[-1] == "Happiness" and fig.data[0].name == "Areas"
    assert list(fig.data[0].y)[0] == "Criteria<br>not yet met" and list(fig.data[0].y)[4] == "Eco-World<br>Class"


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


def test_history_labels_stay_clear_of_the_next_points():
    # A rising start (Rayong - Map Ta Phut from 2559): the first label runs right, under the
    # line, not across the marker of 2560 just above it.
    ys = [2.2, 2.35, 2.5, 3.1, 3.75, 3.6, 4.05, 4.25]
    on = [True, False, False, True, False, False, True, False]
    pos = charts.label_positions(ys, on, lean=True)
    assert pos[0] == "bottom right"
    # 2565: centred, the text would meet 2566's marker above or 2564's below: it runs left,
    # above the lower points before it.
    assert pos[6] == "top left" and pos[-1].endswith("left")
    assert charts.label_positions([2.0, 2.0, 2.0, 2.0, 2.0], [True] * 5, lean=True)[2] == "top center"
    # Songkhla from 2560: the next point sits just below the first (its marker would cover a
    # label under it); the steep rise after it is further away: above.
    assert charts.label_positions([1.3, 1.22, 2.22, 2.15], [True, False, True, False], lean=True)[0] == "top right"
    # Chon Buri from 2560: the third point's label has no room to run left past the axis; it
    # runs right, under the rising line.
    assert charts.label_positions([2.2, 2.45, 2.9, 3.25, 3.5, 3.9, 3.9, 4.0, 4.1], [True, False, True] + [False] * 6,
                                  lean=True)[2] == "bottom right"
    # A flat or falling neighbourhood keeps the label above; a point near 0 never goes below.
    assert charts.label_positions([3.0, 2.0, 1.0], [True, True, True], lean=True)[0] == "top right"
    assert charts.label_positions([0.3, 1.0], [True, False], lean=True)[0] == "top right"
    assert charts.label_positions([2.0, 2.5], [True, True], lean=False) == ["bottom center", "top center"]
    fig = charts.history(FW, [Point(2559 + i, 1 if i < 3 else 2, y) for i, y in enumerate(ys)], "en")
    assert list(fig.data[0].textposition)[0] == "bottom right"


def test_ranking_labels_are_level_and_outside_the_bars():
    rows = [charts.Ranked("estate", c, c, 3, v) for c, v in (("A", 4.29), ("B", 3.09), ("C", 3.46))]
    fig = charts.ranking(FW, rows, "en", title="t", value_label="v", digits=2)
    bar = fig.data[0]
    assert bar.textposition == "outside" and bar.textangle == 0 and bar.constraintext == "none"
    assert list(bar.text) == [charts.GAP + "3.09", charts.GAP + "3.46", charts.GAP + "4.29"]
    # The labels run past the plot into a right margin as wide as the longest of them.
    assert fig.layout.xaxis.range[0] == 0 and fig.layout.xaxis.range[1] >= 4.29
    assert fig.layout.margin.r > charts.label_width(list(bar.text)) >= 4 * 15 * 0.6
    # Below zero (the deck's movers): room on the left, the minus sign, the gap towards the bar.
    moves = [charts.Ranked("area", "D", "D", 2, -0.4), charts.Ranked("area", "U", "U", 3, 0.6)]
    fig = charts.ranking(FW, moves, "en", title="t", value_label="v")
    assert list(fig.data[0].text) == [charts.MINUS + "0.4" + charts.GAP, charts.GAP + "0.6"]
    assert fig.layout.xaxis.range[0] < -0.4 and fig.layout.xaxis.range[1] > 0.6


def test_dimension_bars_are_labelled_for_this_year_only():
    fig = charts.dimension_compare(FW, {"physical": 3.4}, {"physical": 3.4}, "en", 2566)
    assert fig.data[0].texttemplate is None and fig.data[1].texttemplate == "%{y:.1f}"


def test_spread_keeps_labels_apart_and_near_their_lines():
    # 10, 12 and 15 would overlap: stacked 3 apart around their mean; 5 and 20 stay put.
    got = charts.spread([5.0, 10.0, 12.0, 15.0, 20.0], 3.0)
    assert got == pytest.approx([5.0, 37 / 3 - 3, 37 / 3, 37 / 3 + 3, 20.0])
    got = charts.spread([10.0, 10.5, 11.0], 1.0)
    assert sorted(got) == [9.5, 10.5, 11.5] and got == sorted(got)
    assert charts.spread([20.0, 5.0], 3.0) == [20.0, 5.0]  # far apart: left alone, order kept
    desc = charts.spread([150.0, 100.0, 50.0, 25.0, 10.0], 20.0)  # lower is better: falling
    gaps = sorted(desc)
    assert all(b - a >= 20.0 - 1e-9 for a, b in zip(gaps, gaps[1:], strict=False))


def test_trend_names_thresholds_outside_the_plot_and_mutes_the_others():
    thresholds = [(f"{n} · {FW.level(n).name('en')}", v, FW.level(n).colour) for n, v in ((1, 5.0), (2, 10.0), (3, 12.0))]
    fig = charts.indicator_trend([2565, 2566], {"A": [9.0, 13.0]}, thresholds, title="t", unit="%",
                                 context={"B": [8.0, 11.0], "C": [None, 12.0]}, context_label="Other areas")
    labels = fig.layout.annotations
    assert [a.x for a in labels] == [1, 1, 1] and {a.xref for a in labels} == {"paper"}
    assert {a.xanchor for a in labels} == {"left"}  # in the right margin, clear of the lines
    assert fig.layout.margin.r > 100
    ys = sorted(a.y for a in labels)
    lo, hi = fig.layout.yaxis.range
    assert min(b - a for a, b in zip(ys, ys[1:], strict=False)) >= (hi - lo) * 13 * 1.3 / (fig.layout.height - 170)
    a, b, c = fig.data
    assert (a.name, a.showlegend, a.line.color) == ("Other areas", True, charts.CONTEXT)
    assert (b.showlegend, b.line.color, list(b.text)) == (False, charts.CONTEXT, ["C", "C"])
    assert c.name == "A" and c.line.color == charts.SERIES_COLOURS[0] and c.line.width > a.line.width


def test_ranking_is_clickable_and_best_on_top():
    rows = [charts.Ranked("area", "A", "Alpha", 2, 2.1), charts.Ranked("area", "B", "Beta", 4, 3.9),
            charts.Ranked("area", "C", "Gamma", 0, None)]
    fig = charts.ranking(FW, rows, "en", title="Ranking", value_label="Score")
    bar = fig.data[0]
    assert list(bar.y) == ["Alpha", "Beta"]  # drawn bottom-up: Beta on top; no-data rows left out
    assert [list(c) for c in bar.customdata] == [["area", "A"], ["area", "B"]]


def _colour_at(scale, pos):
    """The colour a Plotly colour scale of solid steps gives at ``pos`` (0-1)."""
    return next(c for p, c in reversed(scale) if p <= pos)


def test_heatmap_colours_are_solid_level_steps():
    scale = charts.stepped_scale(charts.level_colours(FW))
    assert scale[0] == [0.0, FW.level(0).colour] and scale[-1] == [1.0, FW.level(5).colour]
    top = FW.top_level
    # 4.7 lies in the level 4 step: dark green, not a blend towards gold
    assert _colour_at(scale, 4.7 / (top + 1)) == FW.level(4).colour
    assert _colour_at(scale, 5.0 / (top + 1)) == FW.level(5).colour
    assert {c for _, c in scale} == set(charts.level_colours(FW))


def test_heatmap_colour_bar_reaches_the_top_levels_colour():
    fig = charts.heatmap(FW, [("X", "Area X", {"physical": 5.0, "social": 4.7})], "en")
    hm = fig.data[0]
    scale = [list(step) for step in hm.colorscale]
    # The gold step is as wide as every other step on the colour bar (not a hairline at 5.0).
    width = {c: 0.0 for c in charts.level_colours(FW)}
    for (p0, c0), (p1, _) in zip(scale, scale[1:], strict=False):
        width[c0] += p1 - p0
    assert width[FW.level(5).colour] > 0.15 and min(width.values()) > 0.15
    assert hm.zmin == 0 and hm.zmax == FW.top_level + 1
    assert _colour_at(scale, 5.0 / hm.zmax) == FW.level(5).colour
    assert list(hm.colorbar.ticktext)[-1] == "5" and len(hm.colorbar.tickvals) == FW.top_level + 1


def test_heatmap_cells_open_their_area():
    fig = charts.heatmap(FW, [("X", "Area X", {"physical": 2.0}), ("Y", "Area Y", {})], "en")
    hm = fig.data[0]
    assert list(hm.y) == ["Area X", "Area Y"]
    assert list(hm.customdata[1][0]) == ["area", "Y"]


def test_map_colours_provinces_by_level_and_keeps_markers_clickable(provinces):
    markers = [charts.Marker("area", "RAYONG-MAP-TA-PHUT", "Map Ta Phut", 101.15, 12.7, 3),
               charts.Marker("estate", "PADAENG", "Padaeng", 101.14, 12.69, None)]
    fig = charts.thailand_map(FW, provinces, {"TH21": 3}, markers, "th")
    fills = [tr for tr in fig.data if tr.fill == "toself"]
    assert {tr.fillcolor for tr in fills} == {charts.NO_DATA, FW.level(3).colour}
    points = [tr for tr in fig.data if tr.customdata is not None]
    assert {tuple(c) for tr in points for c in tr.customdata} == {("area", "RAYONG-MAP-TA-PHUT"), ("estate", "PADAENG")}
    estate = next(tr for tr in points if tr.customdata[0][0] == "estate")
    assert "ยังไม่มีข้อมูล" in estate.hovertext[0]


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
