"""Area targets in the database: set or cleared by an administrator (checked and audited, in
one transaction with a data-version bump so every page shows them), and read for pages."""

from __future__ import annotations

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from ecocity.core.access import AccessDenied, Actor
from ecocity.core.framework import Framework
from ecocity.core.review import sets_targets
from ecocity.core.targets import Target
from ecocity.store import audit
from ecocity.store import models as m
from ecocity.store.db import bump_data_version, write_session
from ecocity.store.errors import StoreError

YEARS = (2550, 2650)  # B.E., as the workbook's fiscal years


def targets(session: Session) -> dict[str, Target]:
    """Every area's target, by area code."""
    return {r.area_code: Target(r.area_code, r.level, r.fiscal_year) for r in session.scalars(select(m.AreaTarget))}


def _require(engine: Engine, by: Actor, area_code: str, action: str, details: dict | None) -> None:
    """Administrators and the area's reviewers (core.review.sets_targets); anyone else is
    refused, audited as ``action`` denied."""
    if not sets_targets(by, area_code):
        err = AccessDenied(by, "set_targets")
        audit.refusal(engine, err, action, f"area:{area_code}", details)
        raise err


def set_target(engine: Engine, by: Actor, fw: Framework, area_code: str, level: int, fiscal_year: int) -> Target:
    """Set ``area_code``'s target (level 1 to the framework's top, a B.E. fiscal year);
    StoreError ``targets.error.*`` for a bad one, AccessDenied (audited) for who may not."""
    where = f"area:{area_code}"
    _require(engine, by, area_code, "target.set", {"level": level, "fiscal_year": fiscal_year})
    if not 1 <= level <= fw.top_level:
        raise StoreError("targets.error.level", top=fw.top_level)
    if not YEARS[0] <= fiscal_year <= YEARS[1]:
        raise StoreError("targets.error.year", low=YEARS[0], high=YEARS[1])
    with write_session(engine) as (s, _):
        if s.get(m.Area, area_code) is None:
            raise StoreError("targets.error.area", area=area_code)
        row = s.get(m.AreaTarget, area_code)
        before = None if row is None else {"level": row.level, "fiscal_year": row.fiscal_year}
        if row is None:
            row = m.AreaTarget(area_code=area_code)
            s.add(row)
        row.level, row.fiscal_year, row.set_by, row.set_at = level, fiscal_year, by.username, m.utcnow()
        audit.record(s, by, "target.set", where, details={"level": level, "fiscal_year": fiscal_year, "before": before})
        bump_data_version(s)
    return Target(area_code, level, fiscal_year)


def clear_target(engine: Engine, by: Actor, area_code: str) -> bool:
    """Remove ``area_code``'s target; False when it had none."""
    where = f"area:{area_code}"
    _require(engine, by, area_code, "target.cleared", None)
    with write_session(engine) as (s, _):
        row = s.get(m.AreaTarget, area_code)
        if row is None:
            return False
        audit.record(s, by, "target.cleared", where, details={"level": row.level, "fiscal_year": row.fiscal_year})
        s.delete(row)
        bump_data_version(s)
    return True
