"""The shortest path to a level: the fewest indicator changes that make an entity hold a target
level, each change setting one indicator exactly to its threshold of that level (see
docs/maturity-model.md, "The shortest path to a level")."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from math import comb

from ecocity.core.framework import Framework, Indicator, Value
from ecocity.core.scoring import assess, indicator_level

_EPS = 1e-9  # as in scoring: weights are floats from a file
# Above this many subsets of one size in one dimension, the cheapest cover is taken greedily
# (closest first among the heaviest): frameworks have a handful of indicators per dimension.
MAX_SUBSETS = 200_000


@dataclass(frozen=True)
class Change:
    """Set ``code`` from ``current`` to ``to`` (its threshold of the target level)."""

    code: str
    current: Value
    to: float | bool
    reason: str  # "required" (required by the target) or "dimension" (its dimension's share)

    def as_dict(self) -> dict[str, object]:
        return {"code": self.code, "current": self.current, "to": self.to}


@dataclass(frozen=True)
class Plan:
    level_now: int
    target: int
    reachable: bool
    changes: tuple[Change, ...]
    level_after: int

    def as_dict(self) -> dict[str, object]:
        return {"level_now": self.level_now, "target": self.target, "reachable": self.reachable,
                "changes": [c.as_dict() for c in self.changes], "level_after": self.level_after}


def target_value(ind: Indicator, level: int) -> float | bool:
    """What an indicator must be set to for ``level``: its threshold, or yes."""
    return True if ind.is_yesno else ind.thresholds[level - 1]


def distance(ind: Indicator, current: Value, level: int) -> float:
    """|new - current| / max(|new|, 1) for new = the level's threshold (a "no" that must
    become "yes" is 1); a missing value is the farthest of all (infinite)."""
    if current is None:
        return float("inf")
    if ind.is_yesno:
        return 1.0
    new = float(ind.thresholds[level - 1])
    return abs(new - float(current)) / max(abs(new), 1.0)


def _cost(picks: Sequence[Indicator], values: Mapping[str, Value], level: int, order: Mapping[str, int]
          ) -> tuple[int, float, tuple[int, ...]]:
    """How a set of changes ranks among sets of the same size: fewer missing values first,
    then the smaller sum of distances, then the framework's order of the codes."""
    missing = sum(1 for i in picks if values.get(i.code) is None)
    total = sum(distance(i, values.get(i.code), level) for i in picks if values.get(i.code) is not None)
    return missing, total, tuple(sorted(order[i.code] for i in picks))


def _cheapest_cover(candidates: Sequence[Indicator], need: float, values: Mapping[str, Value], level: int,
                    order: Mapping[str, int]) -> list[Indicator]:
    """The fewest candidates whose weights reach ``need``; among those of that size, the
    cheapest by :func:`_cost`."""
    if need <= _EPS:
        return []
    heaviest = sorted((c.weight for c in candidates), reverse=True)
    k, acc = 0, 0.0
    while k < len(heaviest) and acc + _EPS < need:
        acc += heaviest[k]
        k += 1
    if acc + _EPS < need:  # cannot happen: all of a dimension always passes
        return list(candidates)
    if comb(len(candidates), k) > MAX_SUBSETS:
        ranked = sorted(candidates, key=lambda c: (-c.weight, distance(c, values.get(c.code), level), order[c.code]))
        return ranked[:k]
    best: tuple[Indicator, ...] | None = None
    best_cost: tuple[int, float, tuple[int, ...]] | None = None
    for picks in combinations(candidates, k):
        if sum(p.weight for p in picks) + _EPS < need:
            continue
        cost = _cost(picks, values, level, order)
        if best_cost is None or cost < best_cost:
            best, best_cost = picks, cost
    return list(best or ())


def shortest_path(fw: Framework, values: Mapping[str, Value], target: int) -> Plan:
    """The plan that makes ``values`` hold ``target`` with the fewest changes.

    Holding the target implies holding every level below it (thresholds are monotone), so
    the plan only has to make every dimension pass the target and every indicator required
    by then meet it: the required ones that do not are always in the plan; then, per
    dimension, the fewest further indicators whose weights close its share. Indicators that
    already meet the target are never changed. An entity already at or above the target
    gets an empty plan; a target outside the framework's levels is not reachable."""
    now = assess(fw, values)
    if not 1 <= target <= fw.top_level:
        return Plan(now.level, target, False, (), now.level)
    if now.level >= target:
        return Plan(now.level, target, True, (), now.level)
    top = fw.top_level
    order = {code: n for n, code in enumerate(fw.codes)}
    met = {i.code for i in fw.indicators if indicator_level(i, values.get(i.code), top) >= target}
    required = [i for i in fw.indicators
                if i.required_from is not None and i.required_from <= target and i.code not in met]
    chosen: dict[str, str] = {i.code: "required" for i in required}
    for dim in fw.dimensions:
        inds = fw.indicators_of(dim.key)
        have = sum(i.weight for i in inds if i.code in met or i.code in chosen)
        need = fw.pass_share * sum(i.weight for i in inds) - have
        candidates = [i for i in inds if i.code not in met and i.code not in chosen]
        for pick in _cheapest_cover(candidates, need, values, target, order):
            chosen[pick.code] = "dimension"
    changes = tuple(Change(i.code, values.get(i.code), target_value(i, target), chosen[i.code])
                    for i in fw.indicators if i.code in chosen)
    after = apply(values, changes)
    return Plan(now.level, target, True, changes, assess(fw, after).level)


def apply(values: Mapping[str, Value], changes: Sequence[Change]) -> dict[str, Value]:
    """The values with each change made."""
    out = dict(values)
    for c in changes:
        out[c.code] = c.to
    return out
