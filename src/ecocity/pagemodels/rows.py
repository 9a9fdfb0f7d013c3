"""Dashboard figures computed from ``EntityRow`` lists (stored assessments joined with the
registry): filters, counts, KPIs, movers, rankings. Pure: no database, no Streamlit."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from ecocity.core.framework import Framework
from ecocity.core.rows import EntityRow

Change = Literal["up", "down", "same", "new"]


@dataclass(frozen=True)
class Movement:
    row: EntityRow
    last_level: int | None
    last_score: float | None
    change: Change

    @property
    def level_delta(self) -> int:
        return 0 if self.last_level is None else self.row.level - self.last_level

    @property
    def score_delta(self) -> float | None:
        return None if self.last_score is None else self.row.overall_score - self.last_score


@dataclass(frozen=True)
class Kpis:
    areas_assessed: int
    areas_total: int
    estates_submitted: int
    estates_total: int
    completeness: float | None  # mean completeness of the submitted estates
    at_target: int  # areas at Eco-Champion (2) or above


def for_year(rows: Iterable[EntityRow], year: int, kind: str | None = None) -> list[EntityRow]:
    return [r for r in rows if r.fiscal_year == year and (kind is None or r.kind == kind)]


def latest_year(rows: Iterable[EntityRow]) -> int | None:
    return max((r.fiscal_year for r in rows), default=None)


def level_counts(rows: Iterable[EntityRow]) -> dict[int, int]:
    return dict(Counter(r.level for r in rows))


def kpis(areas: Sequence[EntityRow], estates: Sequence[EntityRow], areas_total: int,
         estates_total: int, champion_level: int = 2) -> Kpis:
    """Headline numbers of one fiscal year (``areas``/``estates`` are that year's rows)."""
    comp = [e.completeness for e in estates]
    return Kpis(areas_assessed=len(areas), areas_total=areas_total, estates_submitted=len(estates),
                estates_total=estates_total, completeness=sum(comp) / len(comp) if comp else None,
                at_target=sum(1 for a in areas if a.level >= champion_level))


def movements(this_year: Sequence[EntityRow], last_year: Sequence[EntityRow]) -> list[Movement]:
    """Each entity of this year against last year: up, down or same level; new if unseen."""
    last = {(r.kind, r.code): r for r in last_year}
    out = []
    for r in this_year:
        prev = last.get((r.kind, r.code))
        if prev is None:
            out.append(Movement(r, None, None, "new"))
            continue
        change: Change = "up" if r.level > prev.level else "down" if r.level < prev.level else "same"
        out.append(Movement(r, prev.level, prev.overall_score, change))
    return out


def _league_key(r: EntityRow) -> tuple[int, float, str]:
    return -r.level, -r.overall_score, r.name_en


def best_first(rows: Iterable[EntityRow]) -> list[EntityRow]:
    """Highest level first, then highest score, then name: a stable league table."""
    return sorted(rows, key=_league_key)


def ranked(moves: Sequence[Movement]) -> list[Movement]:
    """The movements in league-table order (see ``best_first``)."""
    return sorted(moves, key=lambda m: _league_key(m.row))


def gap_distance(gap: Sequence[Mapping[str, Any]]) -> float:
    """How far an entity is from its next level: the summed relative distance of its gap
    items (|value - target| / max(|target|, 1); a missing value or a "no" counts 1)."""
    total = 0.0
    for g in gap:
        cur, target = g.get("current"), g.get("target")
        if cur is None or isinstance(target, bool) or isinstance(cur, bool):
            total += 1.0
        else:
            assert target is not None  # every stored gap item has a target (GapItem.as_dict)
            total += min(abs(float(cur) - float(target)) / max(abs(float(target)), 1.0), 1.0)
    return total


def closest_to_next(rows: Sequence[EntityRow], fw: Framework, limit: int = 5) -> list[EntityRow]:
    """Entities nearest their next level: fewest gap items, then the smallest distance."""
    candidates = [r for r in rows if r.level < fw.top_level and r.gap]
    return sorted(candidates, key=lambda r: (len(r.gap), gap_distance(r.gap), r.name_en))[:limit]


def province_levels(areas: Sequence[EntityRow]) -> dict[str, int]:
    """Each province coloured by its best area's level (a province may hold several areas)."""
    out: dict[str, int] = {}
    for a in areas:
        if a.province_pcode:
            out[a.province_pcode] = max(out.get(a.province_pcode, 0), a.level)
    return out


def distribution(rows: Iterable[EntityRow], kind: str = "area") -> list[tuple[int, int, int]]:
    """(fiscal year, level, count) for the level-distribution chart."""
    c = Counter((r.fiscal_year, r.level) for r in rows if r.kind == kind)
    return sorted((fy, lv, n) for (fy, lv), n in c.items())


def filter_rows(rows: Iterable[EntityRow], *, region: str | None = None,
                levels: Sequence[int] | None = None) -> list[EntityRow]:
    return [r for r in rows if (not region or r.region == region) and (not levels or r.level in levels)]
