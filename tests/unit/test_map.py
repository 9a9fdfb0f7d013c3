"""The country map as an executive reads it (ecocity.pagemodels.map, charts.thailand_map): at
the size it is drawn no marker covers another and every one is inside its panel; the crowded
east gets an enlarged panel; estates and areas are both clickable; a level reads as a number
on the marker, not only as a shade of green; the map stays offline (plain axes, no geo).

Screen positions are computed from the figure itself (margins, axis domains and ranges at
the design size), the way Plotly draws them, not from the placement's own numbers."""

from __future__ import annotations

import itertools
import json
import math

import pytest

from ecocity.config import settings
from ecocity.core.framework import load_framework
from ecocity.core.geo import load_provinces
from ecocity.core.registry import AreaInfo, EstateInfo, load_registry
from ecocity.pagemodels import charts
from ecocity.pagemodels import map as geo
from ecocity.pagemodels.map import Marker, markers

FW = load_framework()


@pytest.fixture(scope="module")
def provinces():
    return load_provinces(settings().data_dir / "th_adm1.geojson")


@pytest.fixture(scope="module")
def registry_marks(provinces):
    """Every area of the shipped registry and its estates, as the Overview places them, with
    levels 2..4 so that the three greens of the brief all appear."""
    reg = load_registry()
    by_code = {e.code: e for e in reg.estates}
    names = {p.pcode: p for p in reg.provinces}

    def info(code: str, area: str) -> EstateInfo:
        e = by_code[code]
        prov = names.get(e.province_pcode or "")
        return EstateInfo(e.code, e.name_th, e.name_en, e.province_pcode, prov.name_th if prov else None,
                          prov.name_en if prov else None, e.region, e.lat, e.lon, e.source_checked, area)

    areas = [AreaInfo(a.code, a.name_th, a.name_en, a.province_pcode, names[a.province_pcode].name_th,
                      names[a.province_pcode].name_en, a.region, tuple(info(c, a.code) for c in a.estates))
             for a in reg.areas]
    area_levels = {a.code: 2 + i % 3 for i, a in enumerate(areas)}
    estate_levels = {e.code: 2 + i % 3 for i, e in enumerate(e for a in areas for e in a.estates)}
    return {lang: markers(areas, provinces, area_levels, estate_levels, lang) for lang in ("th", "en")}


def screen_marks(fig, style: geo.MapStyle) -> list[dict]:
    """Every clickable marker as drawn at ``style``'s size: centre in px, diameter, its panel."""
    spec = fig.to_plotly_json()
    lay, m = spec["layout"], spec["layout"]["margin"]
    pw, ph = style.width - m["l"] - m["r"], style.height - m["t"] - m["b"]
    out = []
    for tr in spec["data"]:
        if tr.get("customdata") is None:
            continue
        xa, ya = lay["xaxis" + tr["xaxis"][1:]], lay["yaxis" + tr["yaxis"][1:]]
        (dx0, dx1), (rx0, rx1), (dy0, dy1), (ry0, ry1) = xa["domain"], xa["range"], ya["domain"], ya["range"]
        box = (m["l"] + dx0 * pw, m["t"] + (1 - dy1) * ph, m["l"] + dx1 * pw, m["t"] + (1 - dy0) * ph)
        for x, y, cd in zip(tr["x"], tr["y"], tr["customdata"], strict=True):
            fx = dx0 + (x - rx0) / (rx1 - rx0) * (dx1 - dx0)
            fy = dy0 + (y - ry0) / (ry1 - ry0) * (dy1 - dy0)
            out.append({"kind": cd[0], "code": cd[1], "x": m["l"] + fx * pw, "y": m["t"] + (1 - fy) * ph,
                        "size": tr["marker"]["size"], "box": box})
    return out


def assert_readable(fig, style: geo.MapStyle) -> list[dict]:
    """No two markers closer than their radii plus the gap; each wholly inside its panel; and
    the panels drawn at exactly their planned scale (Plotly does not rescale them)."""
    spec = fig.to_plotly_json()
    lay, m = spec["layout"], spec["layout"]["margin"]
    assert (m["l"], m["r"], m["t"], m["b"]) == style.margin and lay["height"] == style.height
    pw, ph = style.width - m["l"] - m["r"], style.height - m["t"] - m["b"]
    for name in ("xaxis", "xaxis2"):
        if name not in lay:
            continue
        xa, ya = lay[name], lay["y" + name[1:]]
        px_x = (xa["domain"][1] - xa["domain"][0]) * pw / (xa["range"][1] - xa["range"][0])
        px_y = (ya["domain"][1] - ya["domain"][0]) * ph / (ya["range"][1] - ya["range"][0])
        assert ya["scaleanchor"] == "x" + name[5:]
        assert px_y == pytest.approx(px_x * ya["scaleratio"], rel=1e-6)
    drawn = screen_marks(fig, style)
    for a, b in itertools.combinations(drawn, 2):
        need = (a["size"] + b["size"]) / 2 + style.gap
        assert math.dist((a["x"], a["y"]), (b["x"], b["y"])) >= need - 1e-6, (a["code"], b["code"])
    for d in drawn:
        r, (x0, y0, x1, y1) = d["size"] / 2, d["box"]
        assert x0 <= d["x"] - r and d["x"] + r <= x1 and y0 <= d["y"] - r and d["y"] + r <= y1, d["code"]
    return drawn


@pytest.mark.parametrize("present", [False, True])
@pytest.mark.parametrize("lang", ["th", "en"])
def test_no_marker_covers_another_at_the_drawn_size(provinces, registry_marks, present, lang):
    marks = registry_marks[lang]
    fig = charts.thailand_map(FW, provinces, {"TH21": 4, "TH20": 3}, marks, lang, present=present)
    style = geo.PRESENT if present else geo.PAGE
    drawn = assert_readable(fig, style)
    assert {(m["kind"], m["code"]) for m in drawn} == {(m.kind, m.code) for m in marks}  # every one drawn


def test_a_crowd_at_one_spot_is_spread_inside_the_panel(provinces):
    # 40 estates and 3 areas within a few hundred metres of each other, and one far away.
    crowd = [Marker("estate", f"E{i}", f"E{i}", 101.15 + (i % 5) * 0.004, 12.7 + (i // 5) * 0.003, i % 6)
             for i in range(40)]
    crowd += [Marker("area", f"A{i}", f"Area {i}", 101.15 + i * 0.01, 12.71, 3) for i in range(3)]
    crowd.append(Marker("area", "NORTH", "North", 99.0, 18.6, 4))
    fig = charts.thailand_map(FW, provinces, {}, crowd, "en")
    drawn = assert_readable(fig, geo.PAGE)
    assert len(drawn) == len(crowd)


def test_markers_on_one_spot_with_no_crowd_stay_beside_each_other(provinces):
    # An area alone with its one estate: no enlarged panel, the estate moved beside the area.
    pair = [Marker("area", "LAMPHUN", "Lamphun", 99.05, 18.5, 4), Marker("estate", "NR", "Northern", 99.05, 18.5, 4)]
    fig = charts.thailand_map(FW, provinces, {"TH51": 4}, pair, "en")
    assert "xaxis2" not in fig.layout.to_plotly_json()
    drawn = {m["kind"]: m for m in assert_readable(fig, geo.PAGE)}
    assert math.dist((drawn["area"]["x"], drawn["area"]["y"]), (drawn["estate"]["x"], drawn["estate"]["y"])) < 40


LEGEND = ["Areas", "Industrial estates", "2 · Eco-Champion", "3 · Eco-Excellence", "4 · Eco-World Class"]


def test_the_crowded_east_is_enlarged_beside_the_country(provinces, registry_marks):
    marks = registry_marks["en"]
    lay = geo.layout(marks, geo.bounds(provinces), geo.PAGE, legend=LEGEND)
    assert lay.zoom is not None
    main, zoom = lay.panels
    assert zoom.kx >= 3 * main.kx  # magnified at least three times
    assert main.x0 + main.w < zoom.x0  # beside the country, not over it
    in_zoom = {p.marker.code for p in lay.placed if p.panel == 1 and p.marker.kind == "area"}
    assert {"RAYONG-MAP-TA-PHUT", "RAYONG-PLUAK-DAENG", "CHONBURI-LAEM-CHABANG", "CHACHOENGSAO",
            "SAMUT-PRAKAN", "AYUTTHAYA"} <= in_zoom
    on_country = {p.marker.code for p in lay.placed if p.panel == 0 and p.marker.kind == "area"}
    assert on_country == {"LAMPHUN", "SONGKHLA"}
    # The country panel frames the enlarged part with a box of the same extent.
    fig = charts.thailand_map(FW, provinces, {}, marks, "en")
    box = next(s for s in fig.layout.shapes if s.xref == "x")
    assert (box.x0, box.x1, box.y0, box.y1) == (*fig.layout.xaxis2.range, *fig.layout.yaxis2.range)


def test_a_moved_marker_has_a_line_back_to_its_true_place(provinces, registry_marks):
    marks = registry_marks["en"]
    true = {(m.kind, m.code): (m.lon, m.lat) for m in marks}
    fig = charts.thailand_map(FW, provinces, {}, marks, "en")
    moved = {true[(cd[0], cd[1])] for tr in fig.data if tr.customdata is not None
             for x, y, cd in zip(tr.x, tr.y, tr.customdata, strict=True)
             if math.dist((x, y), true[(cd[0], cd[1])]) > 1e-9}
    lines = [tr for tr in fig.data if tr.mode == "lines" and tr.fill is None]
    starts = {(x, y) for tr in lines for x, y in zip(tr.x[::3], tr.y[::3], strict=True)}
    assert moved and starts == moved
    assert all(tr.hoverinfo == "skip" for tr in lines)


def test_no_enlarged_panel_without_a_crowd(provinces):
    lone = [Marker("area", "S", "Songkhla", 100.5, 6.9, 2), Marker("area", "L", "Lamphun", 99.0, 18.6, 4)]
    lay = geo.layout(lone, geo.bounds(provinces), geo.PAGE)
    assert lay.zoom is None and not any(p.moved for p in lay.placed)


def test_estates_and_areas_both_open_on_a_click(provinces, registry_marks):
    fig = charts.thailand_map(FW, provinces, {}, registry_marks["th"], "th")
    clickable = [tr for tr in fig.data if tr.customdata is not None]
    kinds = {cd[0] for tr in clickable for cd in tr.customdata}
    assert kinds == {"area", "estate"}
    for tr in clickable:  # hovered and clicked like any mark: [kind, code] for ecocity.ui.routes
        assert tr.hoverinfo != "skip" and "%{hovertext}" in tr.hovertemplate
        assert all(len(cd) == 2 and cd[0] in ("area", "estate") for cd in tr.customdata)


def test_a_level_reads_as_its_number_and_each_kind_as_its_shape(provinces, registry_marks):
    marks = registry_marks["en"]
    level = {(m.kind, m.code): m.level for m in marks}
    fig = charts.thailand_map(FW, provinces, {}, marks, "en")
    for tr in (tr for tr in fig.data if tr.customdata is not None):
        kind = tr.customdata[0][0]
        assert tr.marker.symbol == {"area": "circle", "estate": "square"}[kind]
        assert list(tr.text) == [str(level[(kind, cd[1])]) for cd in tr.customdata]
        # the number is legible on its colour: white on the dark greens, ink on the light ones
        for colour, ink in zip(tr.marker.color, tr.textfont.color, strict=True):
            assert ink == charts._text_on(colour)
    legend = [tr.name for tr in fig.data if tr.showlegend is not False and tr.customdata is None and tr.name]
    assert legend == ["Areas", "Industrial estates", "2 · Eco-Champion", "3 · Eco-Excellence", "4 · Eco-World Class"]


def test_no_data_markers_carry_no_number(provinces):
    fig = charts.thailand_map(FW, provinces, {}, [Marker("area", "X", "X", 100.0, 14.0, None)], "th")
    tr = next(tr for tr in fig.data if tr.customdata is not None)
    assert list(tr.text) == [""] and tr.marker.color[0] == charts.NO_DATA


def test_area_names_stand_clear_of_markers_and_each_other(provinces, registry_marks):
    # Most areas named on the map (on the projector's narrower map, five of the eight); the
    # hover names any other.
    for lang, style, named in (("th", geo.PAGE, 8), ("en", geo.PAGE, 7), ("th", geo.PRESENT, 5),
                               ("en", geo.PRESENT, 5)):
        lay = geo.layout(registry_marks[lang], geo.bounds(provinces), style, legend=LEGEND, zoom_label=(160, 28))
        assert len(lay.labels) >= named, (lang, style.width)
        for lb in lay.labels:
            panel = lay.panels[lb.panel]
            x0, y0, x1, y1 = lb.box
            assert panel.x0 <= x0 and x1 <= panel.x0 + panel.w and panel.y0 <= y0 and y1 <= panel.y0 + panel.h
            for p in lay.placed:
                if p.panel == lb.panel:
                    cx, cy = panel.px(p.lon, p.lat)
                    gap = math.hypot(cx - min(max(cx, x0), x1), cy - min(max(cy, y0), y1))
                    assert gap >= p.size / 2, (lb.code, p.marker.code)
        for a, b in itertools.combinations(lay.labels, 2):
            if a.panel == b.panel:
                assert a.box[2] <= b.box[0] or b.box[2] <= a.box[0] or a.box[3] <= b.box[1] or b.box[3] <= a.box[1]


def test_names_stay_clear_when_the_map_is_drawn_larger():
    # A name keeps its pixel offset while a larger drawing moves the other markers away in
    # proportion: a marker just beyond a name must not be accepted, since it would slide under it.
    assert geo._clear((30.0, 0.0), (-20.0, 0.0), 5.0, 5.0)  # ahead of the name: moves away
    assert geo._clear((-30.0, 0.0), (-20.0, 0.0), 5.0, 5.0)  # on the marker's other side
    assert not geo._clear((10.0, 0.0), (-20.0, 0.0), 5.0, 5.0)  # clear at 1x, under the name at 2x
    assert geo._clear((5.0, 0.0), (-20.0, 0.0), 5.0, 5.0)  # reaches the name only past MAX_SCALE


def test_the_map_stays_offline_on_plain_axes_and_small(provinces, registry_marks):
    fig = charts.thailand_map(FW, provinces, {"TH21": 3}, registry_marks["th"], "th").to_plotly_json()
    assert {tr["type"] for tr in fig["data"]} == {"scatter"}
    assert not {"geo", "mapbox", "map"} & set(fig["layout"])
    # The enlarged panel redraws only the provinces round it.
    assert len(json.dumps(fig, default=str)) < 120_000


def test_a_ring_said_full_has_no_free_point():
    """The placement passes over a ring it finds full (the panel's edge and the markers round it
    cover it): then no point on it may be free, else a marker could land elsewhere than the
    point-by-point search would put it."""
    import random

    rnd = random.Random(7)
    box = (10.0, 10.0, 400.0, 300.0)
    checked = full = 0
    for _ in range(300):
        done = [(rnd.uniform(0, 410), rnd.uniform(0, 310), rnd.choice((10.0, 13.0)))
                for _ in range(rnd.randint(1, 300))]
        cx, cy = rnd.uniform(box[0], box[2]), rnd.uniform(box[1], box[3])
        r, gap = rnd.choice((10.0, 13.0)), 4.0
        for rho in (2.0, 10.0, 30.0, 80.0, 200.0):
            near = [(math.hypot(qx - cx, qy - cy), math.atan2(qy - cy, qx - cx), qx, qy, qr) for qx, qy, qr in done]
            if not geo._ring_full(cx, cy, rho, r, box, near, gap):
                continue
            full += 1
            reach = [q for q in done if abs(math.hypot(q[0] - cx, q[1] - cy) - rho) < r + q[2] + gap + 1]
            n = max(8, math.ceil(2 * math.pi * rho / 0.5))
            for k in range(n):
                x, y = cx + rho * math.cos(2 * math.pi * k / n), cy + rho * math.sin(2 * math.pi * k / n)
                checked += 1
                assert not geo._free(x, y, r, box, reach, (), gap), (cx, cy, rho, x, y)
    assert full > 100 and checked > 10000  # the cases did test full rings


def test_hundreds_of_markers_are_placed_clear_of_each_other(provinces, registry_marks):
    """A crowded country (every registry marker eight times over, as at ten times the sample)
    is still placed with no marker over another wherever a free spot was found."""
    crowd = [Marker(m.kind, f"{m.code}-{k}", m.name, m.lon + 0.05 * k, m.lat - 0.04 * k, m.level)
             for k in range(8) for m in registry_marks["en"]]
    lay = geo.layout(crowd, geo.bounds(provinces), geo.PRESENT, legend=["a", "b"])
    assert len(lay.placed) == len(crowd)
    moved = [pl for pl in lay.placed if pl.moved]
    assert moved  # the crowd was spread
    for a, b in itertools.combinations(moved, 2):
        if a.panel == b.panel:
            pa, pb = lay.panels[a.panel].px(a.lon, a.lat), lay.panels[b.panel].px(b.lon, b.lat)
            assert math.dist(pa, pb) >= (a.size + b.size) / 2 + geo.PRESENT.gap - 0.01


def test_a_panel_said_covered_has_no_free_point_and_a_hole_is_found():
    """Once the placed markers are said to cover the whole panel, the markers after them are
    not searched for a spot: then no point of the panel may be free."""
    import random

    rnd = random.Random(11)
    box = (20.0, 20.0, 220.0, 400.0)
    said = 0
    while said < 4:
        done = [(rnd.uniform(0, 240), rnd.uniform(0, 420), 11.0) for _ in range(rnd.randint(250, 450))]
        if not geo._box_covered(box, done, 11.0, 4.0):
            continue
        said += 1
        for x in [box[0] + k * 1.3 for k in range(int((box[2] - box[0]) / 1.3) + 1)]:
            near = [q for q in done if abs(q[0] - x) < 27]
            for y in [box[1] + k * 1.7 for k in range(int((box[3] - box[1]) / 1.7) + 1)]:
                assert not geo._free(x, y, 11.0, box, near, (), 4.0), (x, y)
    # a panel covered by a grid of markers, and the same with one free spot: not claimed
    grid = [(float(x), float(y), 11.0) for x in range(20, 231, 30) for y in range(20, 411, 30)]
    assert geo._box_covered(box, grid, 11.0, 4.0)
    assert not geo._box_covered(box, [q for q in grid if (q[0], q[1]) != (110.0, 200.0)], 11.0, 4.0)
