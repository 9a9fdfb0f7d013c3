"""What the Area page shows: the area's level, its estates and the gap with the estates
that pull each indicator down (pure: rows in, plain data out)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ecocity.core.forecast import Forecast, Point, forecast_top_level
from ecocity.core.framework import Framework
from ecocity.core.gap import GapLine, area_estates, gap_items, pulling_down
from ecocity.core.registry import AreaInfo, EstateInfo
from ecocity.core.rows import EntityRow


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


