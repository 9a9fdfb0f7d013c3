"""What the Overview and Area pages show, assembled from dashboard rows (pure, no Streamlit,
no database): pages fetch rows through cached readers, call these, and draw the result.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace

from ecocity import dashboard as d
from ecocity.charts import Marker
from ecocity.dashboard import EntityRow
from ecocity.forecast import Forecast, Point, forecast_top_level
from ecocity.framework import Framework
from ecocity.geo import Province
from ecocity.mapdata import markers as map_markers
from ecocity.store.queries import AreaInfo, EstateInfo, RegistryOverview
from ecocity.weakest import GapLine, area_estates, gap_items, pulling_down


def years_with_data(*rows: Sequence[EntityRow]) -> tuple[int, ...]:
    return tuple(sorted({r.fiscal_year for rs in rows for r in rs}))


# ----------------------------------------------------------------------------- overview


@dataclass(frozen=True)
class OverviewModel:
    year: int
    kpis: d.Kpis
    area_counts: dict[int, int]  # level -> areas this year
    estate_counts: dict[int, int]  # level -> estates this year
    province_levels: dict[str, int]
    markers: tuple[Marker, ...]
    distribution: tuple[tuple[int, int, int], ...]  # (fiscal year, level, areas)
    ranking: tuple[d.Movement, ...]  # this year's areas against last year, best first
    closest: tuple[EntityRow, ...]  # areas nearest their next level
    province_of: dict[str, str]  # area code -> province name in the page's language


def _in_region(region: str | None, value: str) -> bool:
    return not region or value == region


def overview_model(fw: Framework, areas: Sequence[EntityRow], estates: Sequence[EntityRow],
                   registry: RegistryOverview, provinces: Sequence[Province], year: int, lang: str, *,
                   region: str | None = None, levels: Collection[int] = (), closest: int = 3) -> OverviewModel:
    """The Overview of fiscal year ``year``: areas and estates filtered by region and level
    (each entity by its own level), counted, mapped, ranked against last year."""
    lv = tuple(levels)
    a_rows = d.filter_rows(areas, region=region, levels=lv)
    e_rows = d.filter_rows(estates, region=region, levels=lv)
    this_a, last_a = d.for_year(a_rows, year), d.for_year(a_rows, year - 1)
    this_e = d.for_year(e_rows, year)
    reg_areas = [a for a in registry.areas if _in_region(region, a.region)]
    reg_estates = [e for e in registry.estates if _in_region(region, e.region)]
    kpis = d.kpis(this_a, this_e, areas_total=len(reg_areas), estates_total=len(reg_estates))
    area_level = {r.code: r.level for r in this_a}
    estate_level = {r.code: r.level for r in this_e}
    # With a level filter, only the areas (and estates) at those levels are placed.
    shown_areas = [a for a in reg_areas if not lv or a.code in area_level]
    if lv:
        shown_areas = [replace(a, estates=tuple(e for e in a.estates if e.code in estate_level))
                       for a in shown_areas]
    in_areas = {e.code for a in registry.areas for e in a.estates}
    extra: list[EstateInfo] = [e for e in reg_estates if e.code in estate_level and e.code not in in_areas]
    marks = map_markers(shown_areas, provinces, area_level, estate_level, lang, extra_estates=extra)
    province_of = {a.code: (a.province_th if lang == "th" else a.province_en) for a in registry.areas}
    return OverviewModel(
        year=year, kpis=kpis, area_counts=d.level_counts(this_a), estate_counts=d.level_counts(this_e),
        province_levels=d.province_levels(this_a), markers=tuple(marks),
        distribution=tuple(d.distribution(a_rows, "area")),
        ranking=tuple(d.ranked(d.movements(this_a, last_a))),
        closest=tuple(d.closest_to_next(this_a, fw, limit=closest)), province_of=province_of)


# ----------------------------------------------------------------------------- one area


@dataclass(frozen=True)
class AreaModel:
    info: AreaInfo
    year: int | None
    row: EntityRow | None  # the area this fiscal year (None: no data that year)
    last: EntityRow | None  # ... and the fiscal year before
    series: tuple[Point, ...]  # every year with data up to ``year``
    estates: tuple[EntityRow, ...]  # its estates' rows this year, best first
    silent: tuple[EstateInfo, ...]  # its registered estates without data this year
    gap: tuple[GapLine, ...]  # what it needs for the next level, with who pulls it down
    forecast: Forecast
    years: tuple[int, ...]  # the fiscal years in which the area has data


def area_model(fw: Framework, info: AreaInfo, areas: Sequence[EntityRow], estates: Sequence[EntityRow],
               year: int | None) -> AreaModel:
    own = sorted((r for r in areas if r.code == info.code), key=lambda r: r.fiscal_year)
    by_year = {r.fiscal_year: r for r in own}
    row = by_year.get(year) if year is not None else None
    last = by_year.get(year - 1) if year is not None else None
    upto = [r for r in own if year is None or r.fiscal_year <= year]
    series = tuple(Point(r.fiscal_year, r.level, r.overall_score) for r in upto)
    est = area_estates(estates, info.code, year) if year is not None else []
    reported = {r.code for r in est}
    silent = tuple(e for e in info.estates if e.code not in reported)
    gap = tuple(pulling_down(fw, gap_items(row), est)) if row is not None else ()
    return AreaModel(info=info, year=year, row=row, last=last, series=series, estates=tuple(est),
                     silent=silent, gap=gap, forecast=forecast_top_level(fw, series),
                     years=tuple(by_year))
