"""The Overview and Area page models and the map markers, from dashboard rows (no database)."""

from __future__ import annotations

from ecocity.core.framework import load_framework
from ecocity.core.geo import Province
from ecocity.core.registry import AreaInfo, EstateInfo, RegistryOverview
from ecocity.core.rows import EntityRow
from ecocity.pagemodels.area import area_model
from ecocity.pagemodels.map import area_position, markers
from ecocity.pagemodels.overview import overview_model, years_with_data

FW = load_framework()
SQUARE = ((100.0, 13.0), (101.0, 13.0), (101.0, 14.0), (100.0, 14.0))
PROVINCES = (Province("TH21", "Rayong", "ระยอง", (SQUARE,), (100.5, 13.5)),
             Province("TH51", "Lamphun", "ลำพูน", (SQUARE,), (99.0, 18.5)))


def estate_info(code, area, lon=None, lat=None, region="East", pcode="TH21"):
    return EstateInfo(code, f"ท-{code}", f"E-{code}", pcode, "ระยอง", "Rayong", region, lat, lon, True, area)


REGISTRY = RegistryOverview(areas=(
    AreaInfo("A", "ก", "Area A", "TH21", "ระยอง", "Rayong", "East",
             (estate_info("x", "A", 101.0, 12.7), estate_info("y", "A", 101.2, 12.9))),
    AreaInfo("B", "ข", "Area B", "TH51", "ลำพูน", "Lamphun", "North", ()),
), unassigned=(estate_info("u", None, 100.0, 14.0),))


def row(kind, code, year, level, score=None, region="East", pcode="TH21", area=None, gap=()):
    return EntityRow(kind=kind, code=code, name_th=f"ท-{code}", name_en=f"E-{code}", fiscal_year=year, level=level,
                     overall_score=float(level) if score is None else score, completeness=1.0, region=region,
                     province_pcode=pcode, area_code=area, gap=gap)


AREAS = [row("area", "A", 2565, 2), row("area", "A", 2566, 3), row("area", "B", 2566, 2, region="North",
                                                                    pcode="TH51")]
ESTATES = [row("estate", "x", 2566, 3, area="A"), row("estate", "y", 2566, 2, area="A"),
           row("estate", "x", 2565, 2, area="A")]


def test_an_area_sits_at_the_mean_of_its_estates_else_its_province():
    assert area_position(REGISTRY.areas[0], {"TH21": (100.5, 13.5)}) == (101.1, 12.8)
    assert area_position(REGISTRY.areas[1], {"TH51": (99.0, 18.5)}) == (99.0, 18.5)


def test_markers_cover_areas_and_their_estates_with_levels():
    ms = {(m.kind, m.code): m.level for m in markers(REGISTRY.areas, PROVINCES, {"A": 3}, {"x": 3}, "en")}
    assert ms == {("estate", "x"): 3, ("estate", "y"): None, ("area", "A"): 3, ("area", "B"): None}


def test_years_with_data_joins_kinds():
    assert years_with_data(AREAS, ESTATES) == (2565, 2566)


def test_overview_counts_ranks_and_colours_one_year():
    m = overview_model(FW, AREAS, ESTATES, REGISTRY, PROVINCES, 2566, "en")
    assert (m.kpis.areas_assessed, m.kpis.areas_total, m.kpis.estates_submitted, m.kpis.estates_total) == (2, 2, 2, 3)
    assert m.area_counts == {3: 1, 2: 1} and m.estate_counts == {3: 1, 2: 1}
    assert m.province_levels == {"TH21": 3, "TH51": 2}
    assert [(mv.row.code, mv.change) for mv in m.ranking] == [("A", "up"), ("B", "new")]
    assert m.distribution == ((2565, 2, 1), (2566, 2, 1), (2566, 3, 1))


def test_overview_region_filter_keeps_that_region_only():
    m = overview_model(FW, AREAS, ESTATES, REGISTRY, PROVINCES, 2566, "en", region="North")
    assert [mv.row.code for mv in m.ranking] == ["B"]
    assert (m.kpis.areas_total, m.kpis.estates_total) == (1, 0)
    assert {mk.code for mk in m.markers if mk.kind == "area"} == {"B"}


def test_overview_level_filter_places_only_those_levels():
    m = overview_model(FW, AREAS, ESTATES, REGISTRY, PROVINCES, 2566, "en", levels=[3])
    assert {(mk.kind, mk.code) for mk in m.markers} == {("area", "A"), ("estate", "x")}


def test_area_model_this_year_last_year_and_estates():
    m = area_model(FW, REGISTRY.areas[0], AREAS, ESTATES, 2566)
    assert (m.row.level, m.last.level) == (3, 2)
    assert [e.code for e in m.estates] == ["x", "y"] and m.silent == ()
    assert [p.fiscal_year for p in m.series] == [2565, 2566]
    assert m.forecast.status == "not_enough_data" and m.years == (2565, 2566)


def test_area_model_series_stops_at_the_selected_year():
    m = area_model(FW, REGISTRY.areas[0], AREAS, ESTATES, 2565)
    assert [p.fiscal_year for p in m.series] == [2565] and m.last is None


def test_area_model_without_data_that_year():
    m = area_model(FW, REGISTRY.areas[1], AREAS, ESTATES, 2565)
    assert m.row is None and m.gap == () and m.estates == ()
