"""Estate and area assessments (from the current submissions; an area through
``ecocity.core.aggregation.assess_area``), rewritten in the caller's transaction whenever their
data changes, so pages read them instead of raw values; no current submission, no row."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, cast

from sqlalchemy import Engine, Table, delete, select
from sqlalchemy.orm import Session

from ecocity.core.aggregation import EstateValues, assess_area
from ecocity.core.framework import Framework, Value
from ecocity.core.scoring import Assessment as Scored
from ecocity.core.scoring import assess
from ecocity.store import models as m
from ecocity.store.db import bump_data_version, set_meta, write_session
from ecocity.store.inforce import check_in_force, framework_key


def values_of(session: Session, submission_ids: Iterable[int]) -> dict[int, dict[str, Value]]:
    """submission id -> {code: value} (yes/no as bool, numbers as float, missing as None)."""
    ids = list(submission_ids)
    out: dict[int, dict[str, Value]] = {i: {} for i in ids}
    if not ids:
        return out
    rows = session.execute(select(m.IndicatorValue.submission_id, m.IndicatorValue.code,
                                  m.IndicatorValue.value_num, m.IndicatorValue.value_bool)
                           .where(m.IndicatorValue.submission_id.in_(ids)))
    for sid, code, num, flag in rows:
        out[sid][code] = flag if flag is not None else num
    return out


def _put(session: Session, kind: str, code: str, year: int, fw: Framework, a: Scored,
         values: Mapping[str, Value], estates: list[str] | None) -> m.Assessment:
    row = session.get(m.Assessment, (kind, code, year))
    if row is None:
        row = m.Assessment(entity_kind=kind, entity_code=code, fiscal_year=year)
        session.add(row)
    row.framework_version = fw.version_id
    row.level = a.level
    row.overall_score = float(a.overall_score)
    row.completeness = float(a.completeness)
    row.dimension_scores = {k: float(v) for k, v in a.dimension_scores.items()}
    row.gap = [g.as_dict() for g in a.gap]
    row.values = dict(values)
    row.estates = estates
    row.computed_at = m.utcnow()
    return row


def _drop(session: Session, kind: str, code: str, year: int) -> None:
    row = session.get(m.Assessment, (kind, code, year))
    if row is not None:
        session.delete(row)


def recompute_estate(session: Session, fw: Framework, estate_code: str, year: int) -> m.Assessment | None:
    """Rewrite the estate's assessment for ``year`` from its current submission."""
    sid = session.scalar(select(m.Submission.id).where(
        m.Submission.estate_code == estate_code, m.Submission.fiscal_year == year, m.Submission.is_current))
    if sid is None:
        _drop(session, "estate", estate_code, year)
        return None
    a = assess(fw, values_of(session, [sid])[sid])
    return _put(session, "estate", estate_code, year, fw, a, a.values, None)


def area_inputs(session: Session, area_code: str, year: int) -> list[EstateValues]:
    """The current submissions of the area's estates for ``year``, ordered by estate code."""
    rows = session.execute(
        select(m.Submission.id, m.Submission.estate_code, m.Submission.factories)
        .join(m.Estate, m.Estate.code == m.Submission.estate_code)
        .where(m.Estate.area_code == area_code, m.Submission.fiscal_year == year, m.Submission.is_current)
        .order_by(m.Submission.estate_code)).all()
    vals = values_of(session, [r.id for r in rows])
    return [EstateValues(code=r.estate_code, factories=r.factories, values=vals[r.id]) for r in rows]


def recompute_area(session: Session, fw: Framework, area_code: str, year: int) -> m.Assessment | None:
    """Rewrite the area's assessment for ``year`` from its estates' current submissions."""
    area = assess_area(fw, area_inputs(session, area_code, year))
    if area is None:
        _drop(session, "area", area_code, year)
        return None
    return _put(session, "area", area_code, year, fw, area.assessment, area.values, list(area.estates))


def recompute_for(session: Session, fw: Framework, estate_code: str, year: int) -> tuple[
        m.Assessment | None, m.Assessment | None]:
    """After the estate's data for ``year`` changed: its assessment and its area's."""
    est = recompute_estate(session, fw, estate_code, year)
    area_code = session.scalar(select(m.Estate.area_code).where(m.Estate.code == estate_code))
    area = recompute_area(session, fw, area_code, year) if area_code else None
    return est, area


def recompute_areas(session: Session, fw: Framework, area_codes: Iterable[str]) -> None:
    """Every year of the given areas (after their membership changed)."""
    codes = set(area_codes)
    if not codes:
        return
    years = set(session.scalars(select(m.Submission.fiscal_year).distinct()))
    years |= set(session.scalars(select(m.Assessment.fiscal_year).where(
        m.Assessment.entity_kind == "area", m.Assessment.entity_code.in_(codes)).distinct()))
    for code in sorted(codes):
        for year in sorted(years):
            recompute_area(session, fw, code, year)


def compute_all(session: Session, fw: Framework) -> list[dict[str, Any]]:
    """Every estate and area assessment the current submissions give under ``fw``, as
    assessments rows (column -> value), computed in memory: nothing is written. The one
    computation behind :func:`recompute_everything` and the framework preview."""
    current = session.execute(
        select(m.Submission.id, m.Submission.estate_code, m.Submission.fiscal_year,
               m.Submission.factories, m.Estate.area_code)
        .join(m.Estate, m.Estate.code == m.Submission.estate_code)
        .where(m.Submission.is_current)
        .order_by(m.Submission.fiscal_year, m.Submission.estate_code)).all()
    vals = values_of(session, [r.id for r in current])
    by_area: dict[tuple[str, int], list[EstateValues]] = {}
    rows: list[dict[str, Any]] = []
    now = m.utcnow()

    def row(kind: str, code: str, year: int, a: Scored, values: Mapping[str, Value],
            estates: list[str] | None) -> dict[str, Any]:
        return {"entity_kind": kind, "entity_code": code, "fiscal_year": year,
                "framework_version": fw.version_id, "level": a.level,
                "overall_score": float(a.overall_score), "completeness": float(a.completeness),
                "dimension_scores": {k: float(v) for k, v in a.dimension_scores.items()},
                "gap": [g.as_dict() for g in a.gap], "values": dict(values), "estates": estates,
                "computed_at": now}

    for r in current:
        a = assess(fw, vals[r.id])
        rows.append(row("estate", r.estate_code, r.fiscal_year, a, a.values, None))
        if r.area_code:
            by_area.setdefault((r.area_code, r.fiscal_year), []).append(
                EstateValues(code=r.estate_code, factories=r.factories, values=vals[r.id]))
    for (area_code, year), estates in sorted(by_area.items()):
        area = assess_area(fw, estates)
        if area is not None:
            rows.append(row("area", area_code, year, area.assessment, area.values, list(area.estates)))
    return rows


def recompute_everything(session: Session, fw: Framework, rows: list[dict[str, Any]] | None = None) -> int:
    """Drop and rebuild every assessment under ``fw`` in the caller's transaction and
    record ``fw`` as the framework they were made under; returns the number of rows written.
    ``rows``: what :func:`compute_all` gave for ``fw`` in this transaction, when the caller
    has it already (framework activation previews them first)."""
    from ecocity.store.inforce import ensure_framework

    ensure_framework(session, fw)
    set_meta(session, m.ASSESSED_WITH_KEY, framework_key(fw))
    if rows is None:
        rows = compute_all(session, fw)
    session.execute(delete(m.Assessment))  # also evicts loaded rows from the session
    if rows:
        session.execute(cast(Table, m.Assessment.__table__).insert(), rows)  # a declarative class's table
    return len(rows)


def recompute_all(engine: Engine, fw: Framework | None = None) -> int:
    """Rebuild every stored assessment under ``fw`` (default: the framework in force), for
    when the framework changes. One transaction; bumps the data version; returns it."""
    from ecocity.store.inforce import framework_in_force

    with write_session(engine) as (s, _):
        fw = fw or framework_in_force(s)
        check_in_force(s, fw)
        recompute_everything(s, fw)
        return bump_data_version(s)
