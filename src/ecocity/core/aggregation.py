"""Area values from its estates' values, per each indicator's ``aggregation`` rule, and the
area's assessment (docs/maturity-model.md, "Areas aggregate their estates")."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from ecocity.core.framework import Framework, Indicator, Value
from ecocity.core.scoring import Assessment, assess, indicator_level


@dataclass(frozen=True)
class EstateValues:
    """One estate's current submission for a fiscal year."""

    code: str
    factories: int | None
    values: Mapping[str, Value] = field(default_factory=dict)


@dataclass(frozen=True)
class AreaAssessment:
    assessment: Assessment
    values: Mapping[str, Value]
    estates: tuple[str, ...]
    # code -> estate codes ordered from the lowest indicator level up ("who pulls it down").
    weakest: Mapping[str, tuple[str, ...]]


def aggregate_indicator(ind: Indicator, estates: Sequence[EstateValues]) -> Value:
    """The area value of one indicator, or None when no estate reported it."""
    reported = [(e, e.values[ind.code]) for e in estates if e.values.get(ind.code) is not None]
    if not reported:
        return None
    rule = ind.aggregation
    if rule == "all":
        return all(v is True for _, v in reported)
    if rule == "any":
        return any(v is True for _, v in reported)
    nums = [float(v) for _, v in reported]  # type: ignore[arg-type]
    if rule == "sum":
        return sum(nums)
    if rule == "min":
        return min(nums)
    if rule == "max":
        return max(nums)
    if rule == "factory_weighted_mean":
        weights = [max(e.factories or 0, 0) for e, _ in reported]
        total = sum(weights)
        if total > 0:
            return sum(v * w for v, w in zip(nums, weights, strict=True)) / total
    return sum(nums) / len(nums)  # "mean", and the zero-factory fallback


def aggregate(fw: Framework, estates: Sequence[EstateValues]) -> dict[str, Value]:
    """Every indicator's area value."""
    return {ind.code: aggregate_indicator(ind, estates) for ind in fw.indicators}


def assess_area(fw: Framework, estates: Sequence[EstateValues]) -> AreaAssessment | None:
    """The area's assessment from its estates' values; None ("no data") without estates."""
    if not estates:
        return None
    values = aggregate(fw, estates)
    top = fw.top_level
    weakest: dict[str, tuple[str, ...]] = {}
    for ind in fw.indicators:
        reported = [e for e in estates if e.values.get(ind.code) is not None]
        ranked = sorted(reported, key=lambda e: (indicator_level(ind, e.values[ind.code], top), e.code))
        weakest[ind.code] = tuple(e.code for e in ranked)
    return AreaAssessment(assessment=assess(fw, values), values=values,
                          estates=tuple(e.code for e in estates), weakest=weakest)
