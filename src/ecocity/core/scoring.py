"""The scoring engine: indicator levels, dimension pass, entity level, scores and the gap, exactly
as docs/maturity-model.md ("The computation"). Pure functions over a Framework and code -> value;
a missing value (None) never raises: it counts as level 0 and lowers completeness."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from ecocity.core.framework import Framework, Indicator, Value

# Weights are floats from a file; compare shares with a tolerance so 3 * 0.25 >= 0.75.
_EPS = 1e-9

GapReason = Literal["required", "dimension"]


@dataclass(frozen=True)
class GapItem:
    """One indicator that must change for the entity to reach ``target_level``."""

    code: str
    dimension: str
    current: Value
    target: float | bool
    direction: Literal["higher", "lower", "yes"]
    reason: GapReason
    target_level: int

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "dimension": self.dimension, "current": self.current,
                "target": self.target, "direction": self.direction, "reason": self.reason}


@dataclass(frozen=True)
class Assessment:
    framework_version: str
    level: int
    level_key: str
    overall_score: float
    dimension_scores: Mapping[str, float]
    # Highest level each dimension passes on its own (before required indicators).
    dimension_levels: Mapping[str, int]
    indicator_levels: Mapping[str, int]
    completeness: float
    gap: tuple[GapItem, ...]
    values: Mapping[str, Value] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "level_key": self.level_key,
            "overall_score": round(self.overall_score, 4),
            "dimension_scores": {k: round(v, 4) for k, v in self.dimension_scores.items()},
            "indicator_levels": dict(self.indicator_levels),
            "completeness": round(self.completeness, 4),
            "gap": [g.as_dict() for g in self.gap],
        }


def indicator_level(ind: Indicator, value: Value, top: int = 5) -> int:
    """Highest level 1..top whose threshold ``value`` meets; 0 when none or missing."""
    if value is None:
        return 0
    if ind.is_yesno:
        return top if value is True else 0
    best = 0
    for lv in range(1, top + 1):
        if ind.meets(value, lv):
            best = lv
        else:
            break  # thresholds are monotone: failing L fails every higher level
    return best


def _met_weight(fw: Framework, dim: str, levels: Mapping[str, int], lv: int) -> tuple[float, float]:
    inds = fw.indicators_of(dim)
    total = sum(i.weight for i in inds)
    met = sum(i.weight for i in inds if levels[i.code] >= lv)
    return met, total


def dimension_passes(fw: Framework, dim: str, levels: Mapping[str, int], lv: int) -> bool:
    """Indicators meeting ``lv`` carry at least ``pass_share`` of the dimension's weight."""
    met, total = _met_weight(fw, dim, levels, lv)
    return met + _EPS >= fw.pass_share * total


def holds(fw: Framework, levels: Mapping[str, int], lv: int) -> bool:
    """Every dimension passes ``lv`` and every indicator required by ``lv`` meets it."""
    return all(dimension_passes(fw, d.key, levels, lv) for d in fw.dimensions) and all(
        levels[i.code] >= lv for i in fw.indicators
        if i.required_from is not None and i.required_from <= lv)


def _weighted_mean(pairs: list[tuple[float, float]]) -> float:
    total = sum(w for _, w in pairs)
    return sum(x * w for x, w in pairs) / total if total else 0.0


def _relative_distance(ind: Indicator, value: Value, lv: int) -> float:
    """|value - t| / max(|t|, 1): how far a value is from level ``lv``; missing is infinite."""
    if value is None:
        return float("inf")
    if ind.is_yesno:
        return 1.0  # a "no" must become "yes": one full step
    t = ind.thresholds[lv - 1]
    return abs(float(value) - t) / max(abs(t), 1.0)


def _gap_item(ind: Indicator, value: Value, lv: int, reason: GapReason) -> GapItem:
    if ind.is_yesno:
        return GapItem(ind.code, ind.dimension, value, True, "yes", reason, lv)
    return GapItem(ind.code, ind.dimension, value, ind.thresholds[lv - 1], ind.direction, reason, lv)


def gap_to(fw: Framework, values: Mapping[str, Value], levels: Mapping[str, int], lv: int) -> tuple[GapItem, ...]:
    """What must change to hold level ``lv``: required indicators, then per failing dimension
    the smallest set of indicators that makes it pass, closest to their threshold first."""
    items: list[GapItem] = []
    listed: set[str] = set()
    for ind in fw.indicators:
        if ind.required_from is not None and ind.required_from <= lv and levels[ind.code] < lv:
            items.append(_gap_item(ind, values.get(ind.code), lv, "required"))
            listed.add(ind.code)
    for dim in fw.dimensions:
        inds = fw.indicators_of(dim.key)
        met, total = _met_weight(fw, dim.key, levels, lv)
        # Required indicators already listed will meet lv once fixed: count them in.
        have = met + sum(i.weight for i in inds if i.code in listed)
        need = fw.pass_share * total - have
        if need <= _EPS:
            continue
        candidates = sorted(
            (i for i in inds if levels[i.code] < lv and i.code not in listed),
            key=lambda i: (_relative_distance(i, values.get(i.code), lv), fw.codes.index(i.code)))
        for pick in _smallest_cover(candidates, need):
            items.append(_gap_item(pick, values.get(pick.code), lv, "dimension"))
    return tuple(items)


def _smallest_cover(candidates: list[Indicator], need: float) -> list[Indicator]:
    """Fewest candidates whose weights reach ``need``, preferring earlier (closer) ones.

    With equal weights this is simply the first k candidates. With unequal weights, take
    the closest candidate whenever the rest can still be covered in the minimal count.
    """
    by_weight = sorted((c.weight for c in candidates), reverse=True)
    k, acc = 0, 0.0
    while k < len(by_weight) and acc + _EPS < need:
        acc += by_weight[k]
        k += 1
    chosen: list[Indicator] = []
    remaining = need
    pool = list(candidates)
    while remaining > _EPS and pool:
        slots = k - len(chosen) - 1
        for c in pool:
            rest = sorted((o.weight for o in pool if o is not c), reverse=True)[:slots]
            if c.weight + sum(rest) + _EPS >= remaining:
                chosen.append(c)
                pool.remove(c)
                remaining -= c.weight
                break
        else:  # cannot happen when k was computed from the same pool; be safe
            break
    return chosen


def assess(fw: Framework, values: Mapping[str, Value]) -> Assessment:
    """Assess one entity (estate or area) for one fiscal year from its indicator values."""
    top = fw.top_level
    vals: dict[str, Value] = {i.code: values.get(i.code) for i in fw.indicators}
    levels = {code: indicator_level(fw.indicator(code), v, top) for code, v in vals.items()}

    level = 0
    for lv in range(1, top + 1):  # stop at the first failure: a required gate blocks all above
        if not holds(fw, levels, lv):
            break
        level = lv

    dim_scores = {d.key: _weighted_mean([(levels[i.code], i.weight) for i in fw.indicators_of(d.key)])
                  for d in fw.dimensions}
    dim_levels = {}
    for d in fw.dimensions:
        best = 0
        for lv in range(1, top + 1):
            if not dimension_passes(fw, d.key, levels, lv):
                break
            best = lv
        dim_levels[d.key] = best
    overall = _weighted_mean([(dim_scores[d.key], d.weight) for d in fw.dimensions])
    present = sum(1 for v in vals.values() if v is not None)
    gap = gap_to(fw, vals, levels, level + 1) if level < top else ()
    return Assessment(framework_version=fw.version_id, level=level, level_key=fw.level(level).key,
                      overall_score=overall, dimension_scores=dim_scores, dimension_levels=dim_levels,
                      indicator_levels=levels, completeness=present / len(vals) if vals else 0.0,
                      gap=gap, values=vals)


def apply_gap(values: Mapping[str, Value], gap: tuple[GapItem, ...]) -> dict[str, Value]:
    """The values with every gap item set to its target (what "closing the gap" means)."""
    out = dict(values)
    for g in gap:
        out[g.code] = g.target
    return out


def check_values(fw: Framework, values: Mapping[str, Any]) -> list[str]:
    """Problems with raw input values (unknown code, wrong type, out of range); [] if fine."""
    problems: list[str] = []
    for code, v in values.items():
        if not fw.has_indicator(code):
            problems.append(f"unknown indicator code {code!r}")
            continue
        ind = fw.indicator(code)
        if v is None:
            continue
        if ind.is_yesno:
            if not isinstance(v, bool):
                problems.append(f"{code}: expected true or false (yes/no), found {v!r}")
            continue
        if isinstance(v, bool) or not isinstance(v, int | float):
            problems.append(f"{code}: expected a number, found {v!r}")
            continue
        if v != v or v in (float("inf"), float("-inf")):
            problems.append(f"{code}: expected a finite number, found {v!r}")
        elif ind.min is not None and v < ind.min:
            problems.append(f"{code}: {v} is below the minimum {ind.min:g}")
        elif ind.max is not None and v > ind.max:
            problems.append(f"{code}: {v} is above the maximum {ind.max:g}")
    return problems
