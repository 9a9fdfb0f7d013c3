"""An estimate, never a fact: the fiscal year an entity would reach the top level at its present
pace, from a straight line through its recent overall scores (docs/maturity-model.md, "Forecast")."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from ecocity.core.framework import Framework

ForecastStatus = Literal["reached", "estimate", "not_enough_data", "not_rising", "beyond_horizon"]

MIN_SLOPE = 0.01  # score points per year; slower than this is "not rising"


@dataclass(frozen=True)
class Point:
    fiscal_year: int  # B.E.
    level: int
    overall_score: float


@dataclass(frozen=True)
class Forecast:
    status: ForecastStatus
    target_level: int
    target_score: float
    year: int | None = None  # estimated fiscal year (B.E.) when status is "estimate"/"reached"
    slope: float | None = None  # score points per year
    years_used: tuple[int, ...] = ()


def target_score(fw: Framework, level: int | None = None) -> float:
    """The overall score of an entity whose indicators meet ``level`` (default: the top)
    in the pass share and the level below it in the rest."""
    lv = fw.top_level if level is None else level
    return fw.pass_share * lv + (1 - fw.pass_share) * (lv - 1)


def _fit(xs: Sequence[float], ys: Sequence[float]) -> tuple[float, float]:
    """Least-squares slope and intercept."""
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx
    return slope, my - slope * mx


def forecast_top_level(fw: Framework, series: Sequence[Point], *, min_years: int = 3,
                       window: int = 5, horizon: int = 25, not_before: int | None = None) -> Forecast:
    """Estimate the fiscal year ``series`` reaches the framework's top level (Happiness)."""
    return forecast_level(fw, series, fw.top_level, min_years=min_years, window=window, horizon=horizon,
                          not_before=not_before)


def forecast_level(fw: Framework, series: Sequence[Point], level: int, *, min_years: int = 3,
                   window: int = 5, horizon: int = 25, not_before: int | None = None) -> Forecast:
    """Estimate the fiscal year ``series`` reaches ``level`` (the same method as for the top).

    ``not_before`` (this fiscal year): the line may cross the level in a year already gone
    when the data stop a year or two back; not reached in the data, the level is estimated
    no earlier than this year."""
    top, target = level, target_score(fw, level)
    pts = sorted({p.fiscal_year: p for p in series}.values(), key=lambda p: p.fiscal_year)
    reached = [p for p in pts if p.level >= top]
    if pts and pts[-1].level >= top:
        first = pts[-1].fiscal_year
        for p in reversed(pts):  # the start of the latest unbroken run at the top
            if p.level < top:
                break
            first = p.fiscal_year
        return Forecast("reached", top, target, year=first, years_used=tuple(p.fiscal_year for p in reached))
    recent = pts[-window:]
    used = tuple(p.fiscal_year for p in recent)
    if len(recent) < min_years:
        return Forecast("not_enough_data", top, target, years_used=used)
    slope, intercept = _fit([p.fiscal_year for p in recent], [p.overall_score for p in recent])
    if slope < MIN_SLOPE:
        return Forecast("not_rising", top, target, slope=slope, years_used=used)
    last = recent[-1].fiscal_year
    year = max(math.ceil((target - intercept) / slope - 1e-9), last + 1)
    if year - last > horizon:
        return Forecast("beyond_horizon", top, target, slope=slope, years_used=used)
    return Forecast("estimate", top, target, year=max(year, not_before or 0), slope=slope, years_used=used)
