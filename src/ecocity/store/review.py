"""Review before publication in the database (docs/design-notes.md, "Review"): decisions,
comments, the reporting calendar, each estate's status and the levels, every refusal audited."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from ecocity.core import review as rules
from ecocity.core.access import AccessDenied, Actor
from ecocity.core.framework import Framework
from ecocity.core.review import Decision, EstateStatus, ReviewDenied
from ecocity.i18n import thai_local
from ecocity.store import audit
from ecocity.store import models as m
from ecocity.store.db import bump_data_version, no_nul, write_session
from ecocity.store.derived import model_of, recompute_for
from ecocity.store.errors import StoreError
from ecocity.store.inforce import framework_in_force
from ecocity.store.uploads import checked_actor, upload_target

MAX_COMMENT = 4000  # characters, per comment


@dataclass(frozen=True)
class ReviewResult:
    """What a decision did: the version reviewed and its new status; the estate's and its
    area's published levels afterwards."""

    estate_code: str
    fiscal_year: int
    version: int
    status: str  # "accepted" | "returned"
    data_version: int
    level: int | None = None
    area_code: str | None = None
    area_level: int | None = None


@dataclass(frozen=True)
class ReviewNote:
    """A reviewer's decision on one version, with its comments (``indicators``: code -> text)."""

    version: int
    status: str
    comment: str
    reviewed_by: str | None
    reviewed_at: datetime | None
    indicators: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class EstateSubmission:
    """One registry estate's status for a fiscal year (``ecocity submissions``)."""

    estate: str
    name_th: str
    name_en: str
    area: str | None
    region: str
    status: EstateStatus
    version: int | None
    submitted_at: datetime | None
    submitted_by: str | None
    reviewed_at: datetime | None
    reviewed_by: str | None
    due: date | None
    late: bool
    officers: tuple[str, ...] = ()  # "Name <e-mail>" of the estate's officer accounts

    def as_json(self) -> dict[str, Any]:
        iso = lambda d: d.isoformat() if d is not None else None  # noqa: E731
        return {"estate": self.estate, "area": self.area, "status": self.status, "version": self.version,
                "submitted_at": iso(self.submitted_at), "reviewed_at": iso(self.reviewed_at),
                "reviewed_by": self.reviewed_by, "due": iso(self.due), "late": self.late}


# ----------------------------------------------------------------------------- decisions


def _clean(text: str | None, what: str) -> str:
    s = no_nul(text or "").strip()
    if len(s) > MAX_COMMENT:
        raise StoreError("review.error.too_long", what=what, limit=MAX_COMMENT)
    return s


def review_submission(engine: Engine, estate_code: str, fiscal_year: int, decision: Decision, *, by: Actor,
                      comment: str = "", indicator_comments: Mapping[str, str] | None = None,
                      version: int | None = None, fw: Framework | None = None) -> ReviewResult:
    """Accept or return the newest version of ``estate_code`` for ``fiscal_year``; a
    decision and a new upload take turns on the writer lock, so they never interleave.

    ``version``, when given, is the version the reviewer looked at: if a newer one arrived
    meanwhile, nothing changes (StoreError ``review.error.changed``). Returning needs a
    comment, on the whole or on an indicator. Only a pending version is reviewed. Refusals
    (ReviewDenied: not a reviewer, another area, one's own upload) are audited as
    'submission.review' denied; decisions as 'submission.accepted' / 'submission.returned'
    in the same transaction as the change."""
    if decision not in rules.DECISIONS:
        raise StoreError("review.error.decision", decision=decision)
    by = checked_actor(by)
    fw = fw or framework_in_force(engine)
    whole = _clean(comment, "comment")
    notes = {str(k).strip(): _clean(v, str(k)) for k, v in (indicator_comments or {}).items() if (v or "").strip()}
    unknown = sorted(c for c in notes if not fw.has_indicator(c))
    if unknown:
        raise StoreError("review.error.unknown_indicator", codes=", ".join(unknown))
    if decision == "return" and not whole and not notes:
        raise StoreError("review.error.comment_needed")
    target = upload_target(estate_code, fiscal_year)
    try:
        with write_session(engine) as (s, _):
            estate = s.get(m.Estate, estate_code)
            if estate is None:
                raise StoreError("store.unknown_estate", code=estate_code)
            sub = s.scalar(select(m.Submission).where(
                m.Submission.estate_code == estate_code, m.Submission.fiscal_year == fiscal_year)
                .order_by(m.Submission.version.desc()).limit(1).with_for_update())
            if sub is None:
                raise StoreError("review.error.nothing", estate=estate_code, year=fiscal_year)
            rules.require_review(by, estate.area_code, sub.created_by, estate_code)
            if version is not None and sub.version != version:
                raise StoreError("review.error.changed", version=version, newest=sub.version)
            if sub.status != "pending":
                raise StoreError("review.error.not_pending", version=sub.version, status=sub.status)
            now = m.utcnow()
            sub.reviewed_at, sub.reviewed_by, sub.review_comment = now, (by.username or "")[:200], whole
            est = area = None
            if decision == "accept":
                s.execute(m.Submission.__table__.update().where(  # type: ignore[attr-defined]
                    m.Submission.estate_code == estate_code, m.Submission.fiscal_year == fiscal_year,
                    m.Submission.is_current).values(is_current=False))
                s.flush()
                sub.status, sub.is_current = "accepted", True
                s.add_all(m.ReviewNote(submission_id=sub.id, indicator_code=c, comment=t) for c, t in notes.items())
                s.flush()
                est, area = recompute_for(s, fw, estate_code, fiscal_year)
            else:
                sub.status = "returned"
                s.add_all(m.ReviewNote(submission_id=sub.id, indicator_code=c, comment=t) for c, t in notes.items())
                s.flush()
                recompute_for(s, fw, estate_code, fiscal_year)  # published unchanged; latest drops the version
            audit.record(s, by, f"submission.{'accepted' if decision == 'accept' else 'returned'}", target,
                         details={"version": sub.version, "comment": whole, "indicators": notes})
            return ReviewResult(estate_code, fiscal_year, sub.version, sub.status, bump_data_version(s),
                                level=est.level if est else None, area_code=estate.area_code,
                                area_level=area.level if area else None)
    except AccessDenied as err:
        audit.refusal(engine, err, "submission.review", target,
                      {"decision": decision, "reason": getattr(err, "reason", None)})
        raise


def notes_of(session: Session, estate_code: str, fiscal_year: int) -> dict[int, ReviewNote]:
    """version -> the reviewer's decision and comments, for every reviewed version."""
    subs = session.scalars(select(m.Submission).where(
        m.Submission.estate_code == estate_code, m.Submission.fiscal_year == fiscal_year,
        m.Submission.reviewed_at.is_not(None))).all()
    per: dict[int, dict[str, str]] = {}
    if subs:
        for n in session.scalars(select(m.ReviewNote).where(m.ReviewNote.submission_id.in_([x.id for x in subs]))):
            per.setdefault(n.submission_id, {})[n.indicator_code] = n.comment
    return {x.version: ReviewNote(x.version, x.status, x.review_comment or "", x.reviewed_by, x.reviewed_at,
                                  per.get(x.id, {})) for x in subs}


def returned_for(session: Session, estate_codes: Iterable[str]) -> list[tuple[str, int, ReviewNote]]:
    """(estate, fiscal year, note) wherever the newest version of one of ``estate_codes`` was
    returned for correction: what an officer has to correct, newest year first."""
    codes = sorted(set(estate_codes))
    if not codes:
        return []
    top = (select(m.Submission.estate_code, m.Submission.fiscal_year, func.max(m.Submission.version).label("v"))
           .where(m.Submission.estate_code.in_(codes))
           .group_by(m.Submission.estate_code, m.Submission.fiscal_year).subquery())
    subs = session.scalars(select(m.Submission).join(
        top, (m.Submission.estate_code == top.c.estate_code) & (m.Submission.fiscal_year == top.c.fiscal_year)
        & (m.Submission.version == top.c.v)).where(m.Submission.status == "returned")
        .order_by(m.Submission.fiscal_year.desc(), m.Submission.estate_code)).all()
    return [(x.estate_code, x.fiscal_year, notes_of(session, x.estate_code, x.fiscal_year)[x.version]) for x in subs]


# ----------------------------------------------------------------------------- the reporting calendar


def due_dates(session: Session) -> dict[int, date]:
    """fiscal year -> the date its reports are due."""
    return {r.fiscal_year: r.due_date for r in session.scalars(select(m.ReportingDue))}


def set_due_date(engine: Engine, by: Actor, fiscal_year: int, due: date | None) -> None:
    """Set (or, with None, clear) the due date of a fiscal year; administrators only (audited)."""
    where = f"year:{fiscal_year}"
    audit.require(engine, checked_actor(by), "set_due_dates", action="calendar.due_set", target=where,
                  details={"due": due.isoformat() if due else None})
    with write_session(engine) as (s, _):
        row = s.get(m.ReportingDue, fiscal_year)
        before = row.due_date.isoformat() if row else None
        if due is None:
            if row is not None:
                s.delete(row)
        elif row is None:
            s.add(m.ReportingDue(fiscal_year=fiscal_year, due_date=due, set_by=by.username, set_at=m.utcnow()))
        else:
            row.due_date, row.set_by, row.set_at = due, by.username, m.utcnow()
        audit.record(s, by, "calendar.due_set", where, details={"due": due.isoformat() if due else None,
                                                               "before": before})
        bump_data_version(s)


# ----------------------------------------------------------------------------- statuses


def _newest(session: Session, fiscal_year: int) -> dict[str, m.Submission]:
    top = (select(m.Submission.estate_code, func.max(m.Submission.version).label("v"))
           .where(m.Submission.fiscal_year == fiscal_year).group_by(m.Submission.estate_code).subquery())
    rows = session.scalars(select(m.Submission).join(
        top, (m.Submission.estate_code == top.c.estate_code) & (m.Submission.version == top.c.v))
        .where(m.Submission.fiscal_year == fiscal_year))
    return {r.estate_code: r for r in rows}


def submission_statuses(session: Session, fiscal_year: int, *, area: str | None = None, region: str | None = None,
                        today: date | None = None) -> list[EstateSubmission]:
    """Every registry estate (of ``area`` / ``region`` when given) with its status for
    ``fiscal_year``: that of its newest version (a superseded one counts as pending), or
    'none'; late by :func:`ecocity.core.review.is_late` against the year's due date."""
    today = today or thai_local(m.utcnow()).date()
    due = session.scalar(select(m.ReportingDue.due_date).where(m.ReportingDue.fiscal_year == fiscal_year))
    newest = _newest(session, fiscal_year)
    first = dict(session.execute(select(m.Submission.estate_code, func.min(m.Submission.created_at))
                                 .where(m.Submission.fiscal_year == fiscal_year)
                                 .group_by(m.Submission.estate_code)).all())
    officers: dict[str, list[str]] = {}
    for code, name, email in session.execute(
            select(m.UserEstate.estate_code, m.User.display_name, m.User.email)
            .join(m.User, m.User.id == m.UserEstate.user_id).where(m.User.is_active, m.User.role == "officer")
            .order_by(m.User.username)):
        officers.setdefault(code, []).append(f"{name} <{email}>" if email else name)
    q = select(m.Estate).order_by(m.Estate.code)
    if area is not None:
        q = q.where(m.Estate.area_code == area)
    if region is not None:
        q = q.where(m.Estate.region == region)
    out = []
    for e in session.scalars(q):
        sub = newest.get(e.code)
        status = rules.estate_status(sub.status if sub else None)  # type: ignore[arg-type]
        sent = first.get(e.code)
        out.append(EstateSubmission(
            estate=e.code, name_th=e.name_th, name_en=e.name_en, area=e.area_code, region=e.region,
            status=status, version=sub.version if sub else None, submitted_at=sub.created_at if sub else None,
            submitted_by=sub.created_by if sub else None, reviewed_at=sub.reviewed_at if sub else None,
            reviewed_by=sub.reviewed_by if sub else None, due=due,
            late=rules.is_late(due, status, thai_local(sent).date() if sent else None, today),
            officers=tuple(officers.get(e.code, ()))))
    return out


# ----------------------------------------------------------------------------- levels


def levels(session: Session, fiscal_year: int, *, include_pending: bool = False,
           fw: Framework | None = None) -> dict[str, Any]:
    """The levels the dashboards show for ``fiscal_year``: ``{"year", "areas": [{code, level,
    level_key, overall_score, estates_reporting}], "estates": [{code, level, level_key,
    overall_score, status}]}``. Published data by default (the stored assessments); with
    ``include_pending``, an estate whose newest version waits for review counts with it (the
    stored ``assessments_latest``, what the pages show behind the "not yet reviewed" switch)."""
    fw = fw or framework_in_force(session)
    status = {c: rules.estate_status(s.status) for c, s in _newest(session, fiscal_year).items()}  # type: ignore[arg-type]
    a = model_of("latest" if include_pending else "published")

    def key(level: int) -> str:
        return fw.level(level).key

    rows = session.scalars(select(a).where(a.fiscal_year == fiscal_year)
                           .order_by(a.entity_kind, a.entity_code)).all()
    estates = [{"code": r.entity_code, "level": r.level, "level_key": key(r.level),
                "overall_score": round(r.overall_score, 4), "status": status.get(r.entity_code, "none")}
               for r in rows if r.entity_kind == "estate"]
    areas = [{"code": r.entity_code, "level": r.level, "level_key": key(r.level),
              "overall_score": round(r.overall_score, 4), "estates_reporting": len(r.estates or [])}
             for r in rows if r.entity_kind == "area"]
    return {"year": fiscal_year, "areas": areas, "estates": estates}


__all__ = ["EstateSubmission", "ReviewDenied", "ReviewNote", "ReviewResult", "due_dates", "levels", "notes_of",
           "review_submission", "set_due_date", "submission_statuses"]
