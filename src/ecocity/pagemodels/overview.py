"""What the Overview page (and the deck) shows, assembled from dashboard rows: pure, no Streamlit,
no database."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace

from ecocity.core.framework import Framework
from ecocity.core.geo import Province
from ecocity.core.registry import EstateInfo, RegistryOverview
from ecocity.core.rows import EntityRow, pending_name
from ecocity.i18n import bilingual, fmt_number
from ecocity.pagemodels import rows as d
from ecocity.pagemodels.charts import Marker
from ecocity.pagemodels.map import markers as map_markers


def years_with_data(*rows: Sequence[EntityRow]) -> tuple[int, ...]:
    return tuple(sorted({r.fiscal_year for rs in rows for r in rs}))


def share_text(share: float | None, lang: str) -> str:
    """A share (0-1) as every page, slide and report writes it, so they never disagree:
    "99.6%", at most one decimal; "–" when unknown. Never "100%" unless whole, nor "0%"
    unless none: rounding 99.96% up would tell an executive the data is complete."""
    if share is None:
        return "–"
    pct = share * 100
    if 0 < pct < 100:
        pct = min(max(pct, 0.1), 99.9)
    return f"{fmt_number(pct, lang, digits=1)}%"


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
    # Read with data not yet reviewed: the map's names carry the mark as the rows' do.
    marked = {(r.kind, r.code) for r in (*this_a, *this_e) if r.pending}
    if marked:
        marks = [replace(mk, name=pending_name(mk.name)) if (mk.kind, mk.code) in marked else mk for mk in marks]
    province_of = {a.code: (bilingual(lang, a.province_th, a.province_en)) for a in registry.areas}
    return OverviewModel(
        year=year, kpis=kpis, area_counts=d.level_counts(this_a), estate_counts=d.level_counts(this_e),
        province_levels=d.province_levels(this_a), markers=tuple(marks),
        distribution=tuple(d.distribution(a_rows, "area")),
        ranking=tuple(d.ranked(d.movements(this_a, last_a))),
        closest=tuple(d.closest_to_next(this_a, fw, limit=closest)), province_of=province_of)


# ----------------------------------------------------------------------------- one area


