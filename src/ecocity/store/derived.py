"""Estate and area assessments, rewritten in the caller's transaction whenever their data changes:
``assessments`` from the published versions, ``assessments_latest`` with each newest version waiting
for review instead (see docs/design-notes.md, "ecocity.store.derived"); no counted version, no row."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Literal, cast

from sqlalchemy import ColumnElement, Engine, Table, and_, delete, exists, func, or_, select
from sqlalchemy.orm import Session, aliased

from ecocity.core.aggregation import EstateValues, assess_area
from ecocity.core.framework import Framework, Value
from ecocity.core.scoring import Assessment as Scored
from ecocity.core.scoring import assess
from ecocity.store import models as m
from ecocity.store.db import bump_data_version, set_meta, write_session
from ecocity.store.inforce import check_in_force, framework_key

Which = Literal["published", "latest"]
WHICH: tuple[Which, ...] = ("published", "latest")
Stored = m.Assessment | m.AssessmentLatest


def model_of(which: Which) -> type[m.AssessmentColumns]:
    """The table of ``which``: ``Assessment`` (published) or ``AssessmentLatest``."""
    return m.AssessmentLatest if which == "latest" else m.Assessment


def newest_pending() -> ColumnElement[bool]:
    """A submission waiting for review that is the newest version of its estate and year
    (the one a reviewer reviews; a newer upload supersedes an older pending one)."""
    other = aliased(m.Submission)
    newest = (select(func.max(other.version))
              .where(other.estate_code == m.Submission.estate_code, other.fiscal_year == m.Submission.fiscal_year)
              .scalar_subquery())
    return and_(m.Submission.status == "pending", m.Submission.version == newest)


def any_pending(session: Session) -> bool:
    """Whether any estate's newest version waits for review (else both tables agree)."""
    return bool(session.scalar(select(exists(select(m.Submission.id).where(newest_pending())))))


def counted(session: Session, which: Which, *where: ColumnElement[bool]) -> list[Any]:
    """(id, estate_code, fiscal_year, factories, area_code) of the submission each estate and
    year counts with under ``which`` (filtered by ``where``), ordered by fiscal year and
    estate: its current one; for "latest", its newest version instead when that waits for review."""
    q = (select(m.Submission.id, m.Submission.estate_code, m.Submission.fiscal_year, m.Submission.factories,
                m.Estate.area_code, m.Submission.version)
         .join(m.Estate, m.Estate.code == m.Submission.estate_code).where(*where))
    if which == "published":
        q = q.where(m.Submission.is_current)
    else:
        q = q.where(or_(m.Submission.is_current, newest_pending()))
    chosen: dict[tuple[str, int], Any] = {}
    for r in session.execute(q):
        key = (r.estate_code, r.fiscal_year)
        if key not in chosen or r.version > chosen[key].version:  # a pending newest is newer than the current
            chosen[key] = r
    return [chosen[k] for k in sorted(chosen, key=lambda k: (k[1], k[0]))]


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


def _put(session: Session, which: Which, kind: str, code: str, year: int, fw: Framework, a: Scored,
         values: Mapping[str, Value], estates: list[str] | None) -> Stored:
    row = cast(Stored | None, session.get(model_of(which), (kind, code, year)))
    if row is None:
        key = {"entity_kind": kind, "entity_code": code, "fiscal_year": year}
        row = m.AssessmentLatest(**key) if which == "latest" else m.Assessment(**key)
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


def _drop(session: Session, which: Which, kind: str, code: str, year: int) -> None:
    row = session.get(model_of(which), (kind, code, year))
    if row is not None:
        session.delete(row)


def recompute_estate(session: Session, fw: Framework, estate_code: str, year: int,
                     which: Which = "published") -> Stored | None:
    """Rewrite the estate's assessment for ``year`` in the table of ``which`` from the
    submission it counts with there."""
    rows = counted(session, which, m.Submission.estate_code == estate_code, m.Submission.fiscal_year == year)
    if not rows:
        _drop(session, which, "estate", estate_code, year)
        return None
    sid = rows[0].id
    a = assess(fw, values_of(session, [sid])[sid])
    return _put(session, which, "estate", estate_code, year, fw, a, a.values, None)


def area_inputs(session: Session, area_code: str, year: int, which: Which = "published") -> list[EstateValues]:
    """The counted submissions (see :func:`counted`) of the area's estates for ``year``,
    ordered by estate code."""
    rows = counted(session, which, m.Estate.area_code == area_code, m.Submission.fiscal_year == year)
    vals = values_of(session, [r.id for r in rows])
    return [EstateValues(code=r.estate_code, factories=r.factories, values=vals[r.id]) for r in rows]


def recompute_area(session: Session, fw: Framework, area_code: str, year: int,
                   which: Which = "published") -> Stored | None:
    """Rewrite the area's assessment for ``year`` in the table of ``which`` from its estates'
    counted submissions."""
    area = assess_area(fw, area_inputs(session, area_code, year, which))
    if area is None:
        _drop(session, which, "area", area_code, year)
        return None
    return _put(session, which, "area", area_code, year, fw, area.assessment, area.values, list(area.estates))


def recompute_for(session: Session, fw: Framework, estate_code: str, year: int) -> tuple[
        m.Assessment | None, m.Assessment | None]:
    """After the estate's data for ``year`` changed (a new version, a decision, a restore):
    its assessment and its area's, in both tables; returns the published ones."""
    area_code = session.scalar(select(m.Estate.area_code).where(m.Estate.code == estate_code))
    out: tuple[Stored | None, Stored | None] = (None, None)
    for which in WHICH:
        est = recompute_estate(session, fw, estate_code, year, which)
        area = recompute_area(session, fw, area_code, year, which) if area_code else None
        if which == "published":
            out = (est, area)
    return cast(tuple[m.Assessment | None, m.Assessment | None], out)


def recompute_areas(session: Session, fw: Framework, area_codes: Iterable[str]) -> None:
    """Every year of the given areas, in both tables (after their membership changed)."""
    codes = set(area_codes)
    if not codes:
        return
    years = set(session.scalars(select(m.Submission.fiscal_year).distinct()))
    for model in (m.Assessment, m.AssessmentLatest):
        years |= set(session.scalars(select(model.fiscal_year).where(
            model.entity_kind == "area", model.entity_code.in_(codes)).distinct()))
    for which in WHICH:
        for code in sorted(codes):
            for year in sorted(years):
                recompute_area(session, fw, code, year, which)


def compute_all(session: Session, fw: Framework, which: Which = "published") -> list[dict[str, Any]]:
    """Every estate and area assessment under ``fw`` of the table of ``which`` (the current
    submissions, or for "latest" the newest pending ones where they exist), as rows
    (column -> value), computed in memory: nothing is written. The one computation behind
    :func:`recompute_everything` and the framework preview."""
    current = counted(session, which)
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


def _replace_all(session: Session, which: Which, rows: Sequence[dict[str, Any]]) -> None:
    model = model_of(which)
    session.execute(delete(model))  # also evicts loaded rows from the session
    if rows:
        table = (m.AssessmentLatest if which == "latest" else m.Assessment).__table__
        session.execute(cast(Table, table).insert(), list(rows))  # a declarative class's table


def recompute_everything(session: Session, fw: Framework, rows: list[dict[str, Any]] | None = None) -> int:
    """Drop and rebuild every assessment under ``fw``, in both tables, in the caller's
    transaction and record ``fw`` as the framework they were made under; returns the number
    of published rows written. ``rows``: what :func:`compute_all` gave for ``fw`` (published)
    in this transaction, when the caller has it already (framework activation previews them first)."""
    from ecocity.store.inforce import ensure_framework

    ensure_framework(session, fw)
    set_meta(session, m.ASSESSED_WITH_KEY, framework_key(fw))
    if rows is None:
        rows = compute_all(session, fw)
    latest = compute_all(session, fw, "latest") if any_pending(session) else rows
    _replace_all(session, "published", rows)
    _replace_all(session, "latest", latest)
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
