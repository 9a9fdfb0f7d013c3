"""The targets as the Overview and Area pages show them: each area's target with its status,
from its stored yearly assessments (pure: rows in, checks out)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from ecocity.core.forecast import Point
from ecocity.core.framework import Framework
from ecocity.core.rows import EntityRow
from ecocity.core.targets import Target, TargetCheck, check_target


def target_checks(fw: Framework, targets: Mapping[str, Target], areas: Sequence[EntityRow],
                  this_year: int) -> dict[str, TargetCheck]:
    """area code -> the check of its target in fiscal year ``this_year``, from the area's
    rows (all years); the plan is counted from its latest year's values."""
    out: dict[str, TargetCheck] = {}
    for code, target in targets.items():
        rows = sorted((r for r in areas if r.code == code), key=lambda r: r.fiscal_year)
        series = [Point(r.fiscal_year, r.level, r.overall_score) for r in rows]
        latest = rows[-1].values if rows else None
        out[code] = check_target(fw, target, series, this_year=this_year, latest_values=latest)
    return out
