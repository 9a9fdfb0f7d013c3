"""Read-only queries for pages: the registry and the stored ``assessments`` (``pending=True``:
``assessments_latest``, rows flagged ``pending``), never recomputed from raw values; plain
dataclasses, dicts and lists (no pandas). Cache them keyed on ``data_version(engine)``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session

from ecocity.core.framework import Value
from ecocity.core.registry import AreaInfo, EstateInfo, RegistryOverview
from ecocity.core.rows import EntityRow
from ecocity.i18n import bilingual, thai_local
from ecocity.store import models as m
from ecocity.store.derived import model_of, newest_pending, values_of

Kind = Literal["estate", "area"]


@dataclass(frozen=True)
class AssessmentRow:
    kind: str
    code: str
    fiscal_year: int
    framework_version: str
    level: int
    overall_score: float
    completeness: float
    dimension_scores: dict[str, float]
    gap: list[dict[str, Any]]
    values: dict[str, Any]
    estates: list[str] | None  # areas: the estates aggregated
    pending: bool = False  # read with pending=True, and its figures include a version not yet reviewed


@dataclass(frozen=True)
class SeriesPoint:
    fiscal_year: int
    level: int
    overall_score: float
    pending: bool = False  # as AssessmentRow.pending


def _table(pending: bool) -> Any:
    """The assessments table a reader reads: published, or with data not yet reviewed."""
    return model_of("latest" if pending else "published")


def pending_keys(session: Session, kind: Kind) -> set[tuple[str, int]]:
    """(code, fiscal year) of every estate (``kind`` "estate") whose newest version waits
    for review, or of every area (``kind`` "area") with such an estate: the rows of
    ``assessments_latest`` whose figures include data not yet reviewed."""
    rows = session.execute(select(m.Submission.estate_code, m.Submission.fiscal_year, m.Estate.area_code)
                           .join(m.Estate, m.Estate.code == m.Submission.estate_code).where(newest_pending()))
    if kind == "estate":
        return {(e, y) for e, y, _ in rows}
    return {(a, y) for _, y, a in rows if a}


def registry_overview(session: Session) -> RegistryOverview:
    """Areas with their estates (province names in Thai and English), and the estates
    that belong to no area; ordered by code."""
    prov = {p.pcode: p for p in session.scalars(select(m.Province))}

    def pname(pcode: str | None, lang: str) -> str | None:
        p = prov.get(pcode) if pcode else None
        return (bilingual(lang, p.name_th, p.name_en)) if p else None

    by_area: dict[str | None, list[EstateInfo]] = {}
    for e in session.scalars(select(m.Estate).order_by(m.Estate.code)):
        by_area.setdefault(e.area_code, []).append(EstateInfo(
            code=e.code, name_th=e.name_th, name_en=e.name_en, province_pcode=e.province_pcode,
            province_th=pname(e.province_pcode, "th"), province_en=pname(e.province_pcode, "en"),
            region=e.region, lat=e.lat, lon=e.lon, source_checked=e.source_checked, area_code=e.area_code))
    areas = tuple(AreaInfo(code=a.code, name_th=a.name_th, name_en=a.name_en, province_pcode=a.province_pcode,
                           province_th=pname(a.province_pcode, "th") or "",
                           province_en=pname(a.province_pcode, "en") or "",
                           region=a.region, estates=tuple(by_area.get(a.code, ())))
                  for a in session.scalars(select(m.Area).order_by(m.Area.code)))
    return RegistryOverview(areas=areas, unassigned=tuple(by_area.get(None, ())))


def estate_names(session: Session) -> dict[str, tuple[str, str]]:
    """code -> (name_th, name_en) for every registered estate (the reader's lookup)."""
    return {c: (th, en) for c, th, en in session.execute(
        select(m.Estate.code, m.Estate.name_th, m.Estate.name_en).order_by(m.Estate.code))}


def fiscal_years(session: Session, *, pending: bool = False) -> list[int]:
    """Fiscal years (B.E.) with at least one assessment, ascending."""
    a = _table(pending)
    return list(session.scalars(select(a.fiscal_year).distinct().order_by(a.fiscal_year)))


def has_data(session: Session, *, include_sample: bool = True) -> bool:
    """Whether any submission is stored (e.g. to load sample data into an empty database)."""
    q = select(m.Submission.id)
    if not include_sample:
        q = q.where(m.Submission.is_sample.is_(False))
    return bool(session.scalar(select(exists(q))))


def _row(a: m.AssessmentColumns, pending: bool) -> AssessmentRow:
    return AssessmentRow(kind=a.entity_kind, code=a.entity_code, fiscal_year=a.fiscal_year,
                         framework_version=a.framework_version, level=a.level, overall_score=a.overall_score,
                         completeness=a.completeness, dimension_scores=dict(a.dimension_scores),
                         gap=list(a.gap), values=dict(a.values),
                         estates=list(a.estates) if a.estates is not None else None, pending=pending)


def assessments_for_year(session: Session, year: int, kind: Kind, *, pending: bool = False) -> list[AssessmentRow]:
    """Every stored estate or area assessment of a fiscal year, ordered by code."""
    a = _table(pending)
    q = select(a).where(a.fiscal_year == year, a.entity_kind == kind).order_by(a.entity_code)
    flagged = pending_keys(session, kind) if pending else set()
    return [_row(r, (r.entity_code, r.fiscal_year) in flagged) for r in session.scalars(q)]


def series(session: Session, kind: Kind, code: str, *, pending: bool = False) -> list[SeriesPoint]:
    """(fiscal year, level, overall score) of one estate or area, oldest year first."""
    a = _table(pending)
    q = (select(a.fiscal_year, a.level, a.overall_score)
         .where(a.entity_kind == kind, a.entity_code == code).order_by(a.fiscal_year))
    flagged = pending_keys(session, kind) if pending else set()
    return [SeriesPoint(y, lv, s, (code, y) in flagged) for y, lv, s in session.execute(q)]


def current_values(session: Session, estate_code: str, year: int) -> dict[str, Value]:
    """The estate's current values for a year ({} when it has no data for that year)."""
    sid = session.scalar(select(m.Submission.id).where(
        m.Submission.estate_code == estate_code, m.Submission.fiscal_year == year, m.Submission.is_current))
    return values_of(session, [sid])[sid] if sid is not None else {}


def entity_rows(session: Session, kind: Kind, *, pending: bool = False) -> list[EntityRow]:
    """Every stored assessment of one kind, all fiscal years, joined with the registry
    (names, region, province; an estate's area) in one query: what the dashboard's pure
    rules (``ecocity.pagemodels.rows``) take. Ordered by fiscal year, then code. An assessment
    whose entity left the registry is skipped (nothing to name it by). ``pending``: from
    ``assessments_latest``, each row flagged whose figures include data not yet reviewed."""
    a = _table(pending)
    ent = m.Area if kind == "area" else m.Estate
    area_col = m.Estate.area_code if kind == "estate" else None
    cols: list[Any] = [a.entity_code, a.fiscal_year, a.level, a.overall_score, a.completeness,
                       a.dimension_scores, a.gap, a.values, ent.name_th, ent.name_en, ent.region,
                       ent.province_pcode]
    if area_col is not None:
        cols.append(area_col)
    q = (select(*cols).join(ent, ent.code == a.entity_code)
         .where(a.entity_kind == kind)
         .order_by(a.fiscal_year, a.entity_code))
    flagged = pending_keys(session, kind) if pending else set()
    out = []
    for r in session.execute(q):
        out.append(EntityRow(
            kind=kind, code=r[0], name_th=r[8], name_en=r[9], fiscal_year=r[1], level=r[2],
            overall_score=float(r[3]), completeness=float(r[4]), region=r[10] or "",
            province_pcode=r[11], area_code=r[12] if area_col is not None else None,
            dimension_scores=dict(r[5] or {}), gap=tuple(r[6] or ()), values=dict(r[7] or {}),
            pending=(r[0], r[1]) in flagged))
    return out


def version_values(session: Session, estate_code: str, fiscal_year: int) -> dict[int, dict[str, Value]]:
    """version -> {code: value} for every stored version of an estate's data for a year
    (yes/no as bool, numbers as float; a value left blank is absent or None)."""
    ids = dict(session.execute(select(m.Submission.version, m.Submission.id).where(
        m.Submission.estate_code == estate_code, m.Submission.fiscal_year == fiscal_year)).all())
    vals = values_of(session, ids.values())
    return {version: vals[sid] for version, sid in sorted(ids.items())}


def submission_years(session: Session, estate_code: str) -> dict[int, int]:
    """fiscal year -> number of stored versions, for an estate (years with any submission)."""
    rows = session.execute(select(m.Submission.fiscal_year, m.Submission.version)
                           .where(m.Submission.estate_code == estate_code)).all()
    out: dict[int, int] = {}
    for year, _ in rows:
        out[year] = out.get(year, 0) + 1
    return dict(sorted(out.items()))


def data_date(session: Session, year: int, *, pending: bool = False) -> date | None:
    """The data date of fiscal year ``year``: the day (Thai time) the newest current
    submission of that year or an earlier one was stored (with ``pending``, a newest
    version waiting for review counts too); None when there is none."""
    counted = or_(m.Submission.is_current, newest_pending()) if pending else m.Submission.is_current
    newest = session.scalar(select(func.max(m.Submission.created_at))
                            .where(counted, m.Submission.fiscal_year <= year))
    return None if newest is None else thai_local(newest).date()
