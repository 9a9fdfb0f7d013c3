"""Targets: an area's promised level by a fiscal year, and whether it is on track, at risk or
off track at its present pace (an estimate from the forecast, never a fact; see
docs/maturity-model.md, "Targets")."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from ecocity.core.forecast import Point, forecast_level
from ecocity.core.framework import Framework, Value
from ecocity.core.plan import shortest_path
from ecocity.i18n import t

TargetStatus = Literal["on_track", "at_risk", "off_track"]
Reason = Literal["held", "in_time", "late", "not_enough_data", "not_rising", "beyond_horizon", "deadline_passed"]
AT_RISK_YEARS = 1  # an estimate this many years late is "at risk"; later is "off track"


@dataclass(frozen=True)
class Target:
    area_code: str
    level: int
    fiscal_year: int  # B.E.


@dataclass(frozen=True)
class TargetCheck:
    target: Target
    status: TargetStatus
    reason: Reason
    level_now: int | None
    estimate: int | None = None  # the fiscal year the forecast reaches the level
    years_late: int = 0
    plan_size: int | None = None  # indicators to change to hold the level now


def check_target(fw: Framework, target: Target, series: Sequence[Point], *, this_year: int,
                 latest_values: Mapping[str, Value] | None = None) -> TargetCheck:
    """Where ``series`` (the area's yearly levels and scores) stands against ``target`` in
    fiscal year ``this_year``: held, or on the way in time, late, or too little data."""
    pts = sorted(series, key=lambda p: p.fiscal_year)
    now = pts[-1].level if pts else None
    size = (len(shortest_path(fw, latest_values, target.level).changes)
            if latest_values is not None and 1 <= target.level <= fw.top_level else None)

    def done(status: TargetStatus, reason: Reason, estimate: int | None = None, late: int = 0) -> TargetCheck:
        return TargetCheck(target, status, reason, now, estimate, late, size)

    if now is not None and now >= target.level:
        return done("on_track", "held")
    if this_year > target.fiscal_year:
        return done("off_track", "deadline_passed")
    fc = forecast_level(fw, pts, target.level, not_before=this_year)
    if fc.status == "not_enough_data":
        return done("at_risk", "not_enough_data")
    if fc.status in ("not_rising", "beyond_horizon"):
        return done("off_track", fc.status)
    year = fc.year if fc.year is not None else target.fiscal_year + AT_RISK_YEARS + 1
    if year <= target.fiscal_year:
        return done("on_track", "in_time", year)
    late = year - target.fiscal_year
    return done("at_risk" if late <= AT_RISK_YEARS else "off_track", "late", year, late)


def describe(fw: Framework, check: TargetCheck, lang: str) -> str:
    """The reason in words: "at the present pace: Happiness in 2572, two years late"."""
    level = fw.level(check.target.level).name(lang)
    said = t(f"targets.reason.{check.reason}", lang, level=level, year=check.target.fiscal_year,
             estimate=check.estimate or "", late=check.years_late)
    if check.plan_size:
        said += " · " + t("targets.plan_size", lang, n=check.plan_size, level=level)
    return said


def status_label(check: TargetCheck, lang: str) -> str:
    return t(f"targets.status.{check.status}", lang)
