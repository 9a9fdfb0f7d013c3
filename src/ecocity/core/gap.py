"""Which estates pull an area down: each item of the area's gap to its next level with the estates
behind it, from the stored estate values (pure; docs/maturity-model.md, "Which estates pull an
area down")."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ecocity.core.framework import Framework, Value
from ecocity.core.rows import EntityRow
from ecocity.core.scoring import GapItem
from ecocity.i18n import Named


@dataclass(frozen=True)
class Contributor(Named):
    code: str
    name_th: str
    name_en: str
    value: Value


@dataclass(frozen=True)
class GapLine:
    item: GapItem
    estates: tuple[Contributor, ...]  # the estates pulling the indicator down, worst first
    not_reported: tuple[Contributor, ...] = ()


def gap_items(row: EntityRow) -> list[GapItem]:
    """The stored gap of ``row`` (dicts) as GapItems towards its next level."""
    keys = ("code", "dimension", "current", "target", "direction", "reason")
    stored: list[dict[str, Any]] = [{k: g.get(k) for k in keys} for g in row.gap]
    return [GapItem(**d, target_level=row.level + 1) for d in stored]


def _contributor(r: EntityRow, code: str) -> Contributor:
    return Contributor(r.code, r.name_th, r.name_en, r.values.get(code))


def _worst_first(direction: str, value: Any) -> float:
    """Sort key putting the value furthest in the worse direction first."""
    return float(value) if direction == "higher" else -float(value)


def pulling_down(fw: Framework, items: Sequence[GapItem], estates: Sequence[EntityRow],
                 *, limit: int = 3) -> list[GapLine]:
    """For each gap item of an area, the estates (this year's rows of that area) that pull it
    down, at most ``limit``, worst first."""
    out = []
    for item in items:
        if not fw.has_indicator(item.code):
            out.append(GapLine(item, ()))
            continue
        ind = fw.indicator(item.code)
        reported = [r for r in estates if r.values.get(item.code) is not None]
        missing = tuple(_contributor(r, item.code) for r in sorted(estates, key=lambda r: r.code)
                        if r.values.get(item.code) is None)
        if ind.is_yesno:
            culprits = [r for r in reported if r.values[item.code] is not True]
        elif ind.aggregation == "sum":
            culprits = [r for r in reported if ind.direction == "higher" or float(r.values[item.code]) > 0]
        else:
            culprits = [r for r in reported if not ind.meets(r.values[item.code], item.target_level)]
        if ind.is_yesno:
            culprits.sort(key=lambda r: r.code)
        else:
            culprits.sort(key=lambda r: (_worst_first(ind.direction, r.values[item.code]), r.code))
        out.append(GapLine(item, tuple(_contributor(r, item.code) for r in culprits[:limit]), missing))
    return out


def area_estates(estates: Sequence[EntityRow], area_code: str, year: int) -> list[EntityRow]:
    """The estate rows of ``area_code`` in fiscal year ``year``, best level first."""
    rows = [r for r in estates if r.area_code == area_code and r.fiscal_year == year]
    return sorted(rows, key=lambda r: (-r.level, -r.overall_score, r.name_en))

