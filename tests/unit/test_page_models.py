"""The Overview and Area page models and the map markers, from dashboard rows (no database)."""

from __future__ import annotations

from ecocity.core.framework import load_framework
from ecocity.core.geo import Province
from ecocity.core.registry import AreaInfo, EstateInfo, RegistryOverview
from ecocity.core.rows import EntityRow
from ecocity.pagemodels.area import area_model, explain_area, explain_text, explained_rows
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


def test_area_model_forecast_names_no_year_already_gone():
    rising = [row("area", "A", y, 2, score=s) for y, s in ((2564, 2.0), (2565, 2.5), (2566, 3.0))]
    assert area_model(FW, REGISTRY.areas[0], rising, ESTATES, 2566).forecast.year == 2570
    assert area_model(FW, REGISTRY.areas[0], rising, ESTATES, 2566, this_year=2571).forecast.year == 2571


def test_area_model_series_stops_at_the_selected_year():
    m = area_model(FW, REGISTRY.areas[0], AREAS, ESTATES, 2565)
    assert [p.fiscal_year for p in m.series] == [2565] and m.last is None


def test_area_model_without_data_that_year():
    m = area_model(FW, REGISTRY.areas[1], AREAS, ESTATES, 2565)
    assert m.row is None and m.gap == () and m.estates == ()


# ----------------------------------------------------------------------------- the score explained


def _scored(kind, code, values, area=None):
    from ecocity.core.scoring import assess

    a = assess(FW, values)
    return EntityRow(kind=kind, code=code, name_th=f"ท-{code}", name_en=f"E-{code}", fiscal_year=2566, level=a.level,
                     overall_score=a.overall_score, completeness=a.completeness, area_code=area,
                     dimension_scores=dict(a.dimension_scores), values=dict(a.values))


def _explained(make_data):
    from ecocity.core.aggregation import EstateValues, assess_area

    # Two estates, 10 and 30 factories; ECO-01 (community enterprises, a sum) at level 3 in
    # each, higher once added up; ENV-01 (complaints, a sum, lower is better) at level 4 in
    # each, level 3 once added up; PHY-01 a factory-weighted mean.
    vals = {"x": {**make_data("x").values, "ECO-01": 8.0, "ENV-01": 20.0, "PHY-01": 10.0, "ENV-04": -2.5},
            "y": {**make_data("y").values, "ECO-01": 9.0, "ENV-01": 20.0, "PHY-01": 20.0, "SOC-01": None}}
    factories = {"x": 10, "y": 30}
    area = assess_area(FW, [EstateValues(c, factories[c], v) for c, v in vals.items()])
    row = EntityRow(kind="area", code="A", name_th="ก", name_en="Area A", fiscal_year=2566,
                    level=area.assessment.level, overall_score=area.assessment.overall_score,
                    completeness=area.assessment.completeness,
                    dimension_scores=dict(area.assessment.dimension_scores), values=dict(area.values))
    estates = [_scored("estate", c, v, area="A") for c, v in vals.items()]
    return explain_area(FW, row, estates, factories), row, estates


def test_the_area_score_is_explained_indicator_by_indicator(make_data):
    from ecocity.core.scoring import indicator_level

    ex, row, estates = _explained(make_data)
    by = {i.code: i for i in ex.indicators}
    assert [i.code for i in ex.indicators] == list(FW.codes)
    eco = by["ECO-01"]
    assert (eco.rule, eco.estate_values, eco.area_value) == ("sum", (8.0, 9.0), 17.0)
    assert eco.area_level > max(eco.reported) and "ECO-01" in ex.lifted
    assert by["ENV-01"].area_value == 40.0 and "ENV-01" in ex.lowered
    assert by["PHY-01"].area_value == (10 * 10 + 20 * 30) / 40  # weighted by factories
    assert by["SOC-01"].estate_values[1] is None and by["SOC-01"].estate_levels[1] is None
    # The level shown for each indicator is the one the area was scored on: the dimension
    # scores follow from it exactly.
    for d in FW.dimensions:
        inds = FW.indicators_of(d.key)
        mean = sum(by[i.code].area_level * i.weight for i in inds) / sum(i.weight for i in inds)
        assert mean == row.dimension_scores[d.key]
        assert all(by[i.code].area_level == indicator_level(i, row.values[i.code]) for i in inds)
    assert ex.factories == (10, 30) and ex.weighted


def test_the_explanation_table_and_sentences(make_data):
    from ecocity.core.textsafe import neutralise_table
    from ecocity.i18n import t

    ex, row, _ = _explained(make_data)
    for lang in ("th", "en"):
        rows = explained_rows(FW, ex, lang)
        head = {k: t(f"area.explain.col_{k}", lang) for k in ("code", "rule", "area", "level", "estates")}
        assert rows[0][head["area"]] == "40" and rows[0]["ท-x" if lang == "th" else "E-x"] == "10"  # factories
        eco = next(r for r in rows if r[head["code"]] == "ECO-01")
        assert eco[head["rule"]] == t("method.aggregation.sum.name", lang)
        assert eco["ท-x" if lang == "th" else "E-x"] == "8" and eco[head["estates"]] == "3"
        assert eco[head["level"]] == f"4 · {FW.level(4).name(lang)}"  # 8 + 9 = 17 meets level 4
        assert len(rows) == len(FW.indicators) + 1
        # A negative value keeps its minus sign and no export guard's apostrophe shows.
        env04 = next(r for r in rows if r[head["code"]] == "ENV-04")
        assert env04["ท-x" if lang == "th" else "E-x"] == "\u22122.5"
        assert neutralise_table(rows) == rows
        text = "\n".join(explain_text(FW, ex, lang))
        assert "ECO-01" in text and "ENV-01" in text
        assert f"{row.overall_score:.2f}" in text
    en = explain_text(FW, ex, "en")
    assert en[0].startswith("An area is not scored on its estates' scores") and "2 estates" in en[0]
    assert "(s)" not in "".join(en)


def test_shares_are_written_alike_everywhere():
    from ecocity.pagemodels.overview import share_text

    assert share_text(0.9958, "en") == "99.6%" and share_text(0.9958, "th") == "99.6%"
    assert share_text(0.99991, "en") == "99.9%"  # not complete: never rounded up to 100%
    assert share_text(1.0, "en") == "100%" and share_text(0.0, "en") == "0%"
    assert share_text(0.0001, "en") == "0.1%" and share_text(None, "en") == "–"


def test_the_deck_states_the_overviews_completeness():
    """The report's cover and the Overview's card: one number from one function."""
    from dataclasses import replace

    from ecocity.pagemodels.overview import share_text
    from ecocity.pagemodels.slides import Scope, build_deck

    estates = [replace(r, completeness=c) for r, c in zip(ESTATES, (1.0, 23 / 24, 1.0), strict=True)]
    m = overview_model(FW, AREAS, estates, REGISTRY, PROVINCES, 2566, "en")
    assert share_text(m.kpis.completeness, "en") == "97.9%"  # (1 + 23/24) / 2, not rounded to 98%
    for lang in ("th", "en"):
        deck = build_deck(FW, AREAS, estates, REGISTRY, PROVINCES, 2566, Scope(), lang)
        assert any(share_text(m.kpis.completeness, lang) in n for n in deck.slides[0].notes)
