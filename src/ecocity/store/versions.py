"""Versions of an estate's data for a fiscal year: stored all or nothing, compared and
restored, and the sample data removed (docs/submission-format.md, "Versions")."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal, NamedTuple, cast

from sqlalchemy import CursorResult, Engine, delete, func, select, update
from sqlalchemy.orm import Session

from ecocity.core.access import AccessDenied, Actor, require
from ecocity.core.framework import Framework, Value
from ecocity.core.review import ReviewDenied, may_accept_on_import
from ecocity.core.scoring import check_values
from ecocity.core.submission import FACTORIES, SubmissionData
from ecocity.i18n import t
from ecocity.store import audit
from ecocity.store import models as m
from ecocity.store.db import bump_data_version, no_nul, write_session
from ecocity.store.derived import recompute_everything, recompute_for, values_of
from ecocity.store.errors import StoreError
from ecocity.store.inforce import framework_in_force, needs_full_recompute
from ecocity.store.uploads import (
    checked_actor,
    log_denied,
    log_rejected,
    log_upload,
    sha256_of,
    upload_target,
    with_error,
)

log = logging.getLogger("ecocity.store")


TEXT_LIMIT = 200  # submitted_by, email: the column size


@dataclass(frozen=True)
class StoreResult:
    """What storing or restoring did. ``version`` is the new version ('stored',
    'restored'), the version the file duplicates ('duplicate'), or the current one
    ('unchanged'). A 'stored' file that is byte-identical to an earlier version has
    ``restored_from_version`` set to that version."""

    outcome: Literal["stored", "duplicate", "restored", "unchanged"]
    estate_code: str
    fiscal_year: int
    version: int
    data_version: int
    upload_id: int | None = None
    level: int | None = None  # the estate's level for the year, after the change
    area_code: str | None = None
    area_level: int | None = None
    restored_from_version: int | None = None
    status: str = "accepted"  # the new version's: "pending" until a reviewer accepts it

    @property
    def changed(self) -> bool:
        return self.outcome in ("stored", "restored")

    @property
    def pending(self) -> bool:
        return self.changed and self.status == "pending"

    def message(self, lang: str | None = "th") -> str:
        key = "stored_again" if self.outcome == "stored" and self.restored_from_version else self.outcome
        text = t(f"store.{key}", lang, version=self.version, estate=self.estate_code,
                 year=self.fiscal_year, from_version=self.restored_from_version)
        return f"{text} {t('store.pending_review', lang)}" if self.pending else text


@dataclass(frozen=True)
class VersionInfo:
    version: int
    is_current: bool
    factories: int
    submitted_by: str
    email: str
    submitted_on: date | None
    created_at: datetime
    created_by: str
    framework_version: str
    upload_id: int | None
    filename: str | None
    restored_from_version: int | None
    is_sample: bool
    status: str = "accepted"
    reviewed_at: datetime | None = None
    reviewed_by: str | None = None
    review_comment: str = ""


class ValueChange(NamedTuple):
    code: str
    old: Value
    new: Value


@dataclass(frozen=True)
class RemoveResult:
    submissions: int
    uploads: int
    data_version: int


def _check_fields(data: SubmissionData) -> None:
    """Fields of the version row; checked before writing it (PostgreSQL would refuse an
    over-long text where SQLite silently stores it)."""
    if isinstance(data.factories, bool) or not isinstance(data.factories, int) or data.factories < 0:
        raise StoreError("store.invalid_field", field="factories",
                         problem=f"expected a whole number >= 0, found {data.factories!r}")
    if isinstance(data.fiscal_year, bool) or not isinstance(data.fiscal_year, int):
        raise StoreError("store.invalid_field", field="fiscal_year",
                         problem=f"expected a whole number (B.E.), found {data.fiscal_year!r}")
    for name, text in (("submitted_by", data.submitted_by), ("email", data.email)):
        if "\x00" in (text or ""):
            raise StoreError("store.invalid_field", field=name, problem="contains a NUL character")
        if len(text or "") > TEXT_LIMIT:
            raise StoreError("store.invalid_field", field=name,
                             problem=f"longer than {TEXT_LIMIT} characters ({len(text)})")


def _check_values(fw: Framework, data: SubmissionData) -> None:
    problems = check_values(fw, data.values)
    problems += [f"note for unknown indicator code {c!r}" for c in data.notes if not fw.has_indicator(c)]
    if problems:
        raise StoreError("store.invalid_values", problems="; ".join(problems))


def _value_rows(submission_id: int, values: Mapping[str, Value], notes: Mapping[str, str]) -> list[m.IndicatorValue]:
    rows = []
    for code in sorted(set(values) | set(notes)):
        v = values.get(code)
        rows.append(m.IndicatorValue(
            submission_id=submission_id, code=code,
            value_bool=v if isinstance(v, bool) else None,
            value_num=float(v) if v is not None and not isinstance(v, bool) else None,
            note=no_nul(notes.get(code, ""))))
    return rows


def stored_version_of(session: Session, estate_code: str, year: int, sha256: str, *,
                      is_sample: bool = False) -> int | None:
    """The newest version of the estate's data for ``year`` stored from a file with these
    bytes (``sha256``), among sample or real versions as ``is_sample`` says; None if none."""
    return session.scalar(
        select(m.Submission.version).join(m.Upload, m.Upload.id == m.Submission.upload_id)
        .where(m.Submission.estate_code == estate_code, m.Submission.fiscal_year == year,
               m.Submission.is_sample == is_sample, m.Upload.sha256 == sha256)
        .order_by(m.Submission.version.desc()).limit(1))


def current_submission(session: Session, estate_code: str, year: int) -> m.Submission | None:
    """The current (published: the newest accepted) version of an estate and fiscal year, if any."""
    return session.scalar(select(m.Submission).where(
        m.Submission.estate_code == estate_code, m.Submission.fiscal_year == year, m.Submission.is_current))


def latest_submission(session: Session, estate_code: str, year: int) -> m.Submission | None:
    """The newest version of an estate and fiscal year, whatever its review status: what a
    new file is compared with, and what a reviewer reviews."""
    return session.scalar(select(m.Submission).where(
        m.Submission.estate_code == estate_code, m.Submission.fiscal_year == year)
        .order_by(m.Submission.version.desc()).limit(1))


def _source_sha(session: Session, sub: m.Submission) -> str | None:
    """SHA-256 of the file a version's values came from: its own upload, or for a restored
    version the file of the version it restores (followed back); None if there is none."""
    seen: set[int] = set()
    while sub.upload_id is None and sub.restored_from_version is not None and sub.id not in seen:
        seen.add(sub.id)
        src = session.scalar(select(m.Submission).where(
            m.Submission.estate_code == sub.estate_code, m.Submission.fiscal_year == sub.fiscal_year,
            m.Submission.version == sub.restored_from_version))
        if src is None:
            return None
        sub = src
    if sub.upload_id is None:
        return None
    return session.scalar(select(m.Upload.sha256).where(m.Upload.id == sub.upload_id))


def duplicate_of(session: Session, estate_code: str, year: int, sha256: str, *,
                 is_sample: bool = False) -> int | None:
    """The newest version when a file with this SHA-256 would be a duplicate of it (its
    values came from a byte-identical file), else None. The one rule for duplicates: the
    file of an earlier, not the newest, version is stored again as a new version instead."""
    return duplicate_version(session, latest_submission(session, estate_code, year), sha256, is_sample=is_sample)


def duplicate_version(session: Session, current: m.Submission | None, sha256: str, *,
                      is_sample: bool = False) -> int | None:
    """:func:`duplicate_of` for ``current``, the current version already read."""
    if current is not None and current.is_sample == is_sample and _source_sha(session, current) == sha256:
        return current.version
    return None


def _refuse_sample_over_real(current: m.Submission | None, is_sample: bool) -> None:
    if is_sample and current is not None and not current.is_sample:
        raise StoreError("store.sample_over_real", estate=current.estate_code, year=current.fiscal_year,
                         version=current.version)


def _next_version(session: Session, estate_code: str, year: int) -> int:
    top = session.scalar(select(func.max(m.Submission.version)).where(
        m.Submission.estate_code == estate_code, m.Submission.fiscal_year == year))
    return (top or 0) + 1


def _unset_current(session: Session, estate_code: str, year: int) -> None:
    # Before the new row is inserted: the partial unique index allows one current row.
    session.execute(update(m.Submission).where(
        m.Submission.estate_code == estate_code, m.Submission.fiscal_year == year,
        m.Submission.is_current).values(is_current=False))


def _supersede_pending(session: Session, estate_code: str, year: int) -> None:
    """A new version replaces any still waiting for review: a reviewer reviews the newest."""
    session.execute(update(m.Submission).where(
        m.Submission.estate_code == estate_code, m.Submission.fiscal_year == year,
        m.Submission.status == "pending").values(status="superseded"))


def _new_version_state(s: Session, estate_code: str, year: int, accept: bool, by: Actor) -> dict[str, Any]:
    """The review columns of a new version (pending, or accepted and current when ``accept``),
    with the earlier versions updated to match."""
    _supersede_pending(s, estate_code, year)
    if not accept:
        return {"is_current": False, "status": "pending"}
    _unset_current(s, estate_code, year)
    return {"is_current": True, "status": "accepted", "reviewed_at": m.utcnow(),
            "reviewed_by": (by.username or "")[:200]}


def _recompute(s: Session, fw: Framework, everything: bool, estate_code: str, year: int) -> tuple[
        m.Assessment | None, m.Assessment | None]:
    """After one estate's data changed: its assessments, or every assessment when the
    framework in force is not the one they were made under (see needs_full_recompute)."""
    if not everything:
        return recompute_for(s, fw, estate_code, year)
    recompute_everything(s, fw)
    area_code = s.scalar(select(m.Estate.area_code).where(m.Estate.code == estate_code))
    return (s.get(m.Assessment, ("estate", estate_code, year)),
            s.get(m.Assessment, ("area", area_code, year)) if area_code else None)


def _result(outcome: Any, sub: m.Submission, dv: int, upload_id: int | None, est: m.Assessment | None,
            area: m.Assessment | None) -> StoreResult:
    """``level`` and ``area_level`` are the published ones: a pending version changes neither."""
    return StoreResult(outcome=outcome, estate_code=sub.estate_code, fiscal_year=sub.fiscal_year,
                       version=sub.version, data_version=dv, upload_id=upload_id,
                       level=est.level if est else None, area_code=area.entity_code if area else None,
                       area_level=area.level if area else None,
                       restored_from_version=sub.restored_from_version, status=sub.status)


def store_submission(engine: Engine, data: SubmissionData, *, filename: str, content: bytes,
                     by: Actor, messages: Any = None, is_sample: bool = False,
                     fw: Framework | None = None, accept: bool = False) -> StoreResult:
    """Store an accepted submission in one transaction (see the module docstring), with
    the audit entry 'upload.stored' or 'upload.duplicate' in that same transaction.

    The new version is pending review: the published (current) version does not change
    until a reviewer accepts it (``store.review``). ``accept`` stores and accepts in one
    step, for administrators and the area's reviewers (``ecocity import --accept``, the
    sample loader); anyone else is refused (ReviewDenied, audited) before anything is written.

    ``by`` must be allowed to "submit" for the estate (and to "manage_sample" for sample
    data), checked before anything is written: otherwise the refusal is recorded
    (:func:`log_denied`) and AccessDenied raised. ``messages`` are the reader's errors and
    warnings, logged as given. On any other failure nothing is stored, the upload is
    logged as rejected, and StoreError is raised."""
    year = data.fiscal_year if isinstance(data.fiscal_year, int) and not isinstance(data.fiscal_year, bool) else None
    try:
        require(checked_actor(by), "submit", data.estate_code)
        if is_sample:
            require(by, "manage_sample")
        if accept:
            _require_accept(engine, by, str(data.estate_code))
    except AccessDenied as err:
        log_denied(engine, err, filename=filename, content=content, messages=messages,
                   estate_code=str(data.estate_code), fiscal_year=year, is_sample=is_sample)
        raise
    fw = fw or framework_in_force(engine)
    try:
        with write_session(engine) as (s, dv):
            return _store(s, fw, dv, data, filename=filename, content=content, by=by,
                          messages=messages, is_sample=is_sample, accept=accept)
    except Exception as e:  # rolled back; keep the file in the log as rejected
        if isinstance(e, StoreError):
            failure = e
        else:  # the details (SQL, parameters) go to the server log, not to the officer
            log.exception("storing %s failed", filename)
            failure = StoreError("store.failed", detail=type(e).__name__)
        try:
            log_rejected(engine, filename, content, with_error(messages, failure), by=by,
                         estate_code=str(data.estate_code), is_sample=is_sample, fiscal_year=year)
        except Exception as log_error:  # e.g. the database is gone, read-only or full: report both
            if failure is not e:  # "store.failed" says the file was logged: say that it was not
                failure = StoreError("store.failed_unlogged", detail=type(e).__name__)
            failure.add_note(f"the rejected upload could not be logged either: {log_error}")
        if failure is e:
            raise
        raise failure from e


def _require_accept(engine: Engine, by: Actor, estate_code: str) -> None:
    from ecocity.store.db import session_scope

    with session_scope(engine) as s:
        area = s.scalar(select(m.Estate.area_code).where(m.Estate.code == estate_code))
    if not may_accept_on_import(by, area):
        raise ReviewDenied(by, "not_reviewer" if by.role not in ("admin", "reviewer") else "other_area", estate_code)


def _store(s: Session, fw: Framework, dv: int, data: SubmissionData, *, filename: str, content: bytes,
           by: Actor, messages: Any, is_sample: bool, accept: bool) -> StoreResult:
    estate = s.get(m.Estate, data.estate_code)
    if estate is None:
        raise StoreError("store.unknown_estate", code=data.estate_code)
    digest = sha256_of(bytes(content))
    current = latest_submission(s, data.estate_code, data.fiscal_year)
    _refuse_sample_over_real(current, is_sample)
    if current is not None and duplicate_version(s, current, digest, is_sample=is_sample) is not None:
        up = log_upload(s, filename=filename, content=content, by=by, outcome="duplicate",
                        messages=messages, estate_code=data.estate_code, fiscal_year=data.fiscal_year,
                        is_sample=is_sample, sha256=digest)
        _audit_upload(s, by, "upload.duplicate", up, current.version)
        return StoreResult(outcome="duplicate", estate_code=data.estate_code, fiscal_year=data.fiscal_year,
                           version=current.version, data_version=dv, upload_id=up.id)
    # The file of an earlier (not the current) version: stored again as a new version.
    earlier = stored_version_of(s, data.estate_code, data.fiscal_year, digest, is_sample=is_sample)

    _check_fields(data)
    _check_values(fw, data)  # everything is checked before the first row is written
    up = log_upload(s, filename=filename, content=content, by=by, outcome="accepted",
                    messages=messages, estate_code=data.estate_code, fiscal_year=data.fiscal_year,
                    is_sample=is_sample, sha256=digest)
    everything = needs_full_recompute(s, fw)
    version = _next_version(s, data.estate_code, data.fiscal_year)
    state = _new_version_state(s, data.estate_code, data.fiscal_year, accept, by)
    sub = m.Submission(estate_code=data.estate_code, fiscal_year=data.fiscal_year, version=version,
                       upload_id=up.id, factories=data.factories, **state,
                       submitted_by=data.submitted_by or "", email=data.email or "",
                       submitted_on=data.submitted_on, framework_version=fw.version_id,
                       created_at=m.utcnow(), created_by=(by.username or "")[:200],
                       restored_from_version=earlier, is_sample=is_sample)
    s.add(sub)
    s.flush()
    s.add_all(_value_rows(sub.id, data.values, data.notes))
    s.flush()
    est, area = _recompute(s, fw, everything, data.estate_code, data.fiscal_year)
    _audit_upload(s, by, "upload.stored", up, version, status=sub.status)
    return _result("stored", sub, bump_data_version(s), up.id, est, area)


def _audit_upload(s: Session, by: Actor, action: str, up: m.Upload, version: int, status: str | None = None) -> None:
    details = {"upload_id": up.id, "version": version, "filename": up.filename, "sha256": up.sha256,
               "is_sample": up.is_sample}
    audit.record(s, by, action, upload_target(up.estate_code, up.fiscal_year),
                 details=details if status is None else {**details, "status": status})


def _version(s: Session, estate_code: str, year: int, version: int) -> m.Submission:
    sub = s.scalar(select(m.Submission).where(m.Submission.estate_code == estate_code,
                                              m.Submission.fiscal_year == year,
                                              m.Submission.version == version))
    if sub is None:
        raise StoreError("store.no_such_version", estate=estate_code, year=year, version=version)
    return sub


def list_versions(session: Session, estate_code: str, fiscal_year: int) -> list[VersionInfo]:
    """Every version of an estate's data for a year, newest first."""
    rows = session.execute(
        select(m.Submission, m.Upload.filename).outerjoin(m.Upload, m.Upload.id == m.Submission.upload_id)
        .where(m.Submission.estate_code == estate_code, m.Submission.fiscal_year == fiscal_year)
        .order_by(m.Submission.version.desc())).all()
    return [VersionInfo(version=s.version, is_current=s.is_current, factories=s.factories,
                        submitted_by=s.submitted_by, email=s.email, submitted_on=s.submitted_on,
                        created_at=s.created_at, created_by=s.created_by,
                        framework_version=s.framework_version, upload_id=s.upload_id, filename=fn,
                        restored_from_version=s.restored_from_version, is_sample=s.is_sample,
                        status=s.status, reviewed_at=s.reviewed_at, reviewed_by=s.reviewed_by,
                        review_comment=s.review_comment or "")
            for s, fn in rows]


def compare_versions(session: Session, estate_code: str, fiscal_year: int, v1: int, v2: int,
                     fw: Framework | None = None) -> list[ValueChange]:
    """What differs between versions ``v1`` (old) and ``v2`` (new), as (code, old, new).

    First the factory count, as the pseudo-indicator ``FACTORIES`` ("factories"), when it
    changed: it weights the estate in its area's factory-weighted means. Then the values;
    a value absent from a version counts as missing (None). Ordered as in ``fw`` when
    given, then by code."""
    a = _version(session, estate_code, fiscal_year, v1)
    b = _version(session, estate_code, fiscal_year, v2)
    vals = values_of(session, [a.id, b.id])
    old, new = vals[a.id], vals[b.id]
    order = {c: n for n, c in enumerate(fw.codes)} if fw else {}
    codes = sorted(set(old) | set(new), key=lambda c: (order.get(c, len(order)), c))
    factories = [ValueChange(FACTORIES, a.factories, b.factories)] if a.factories != b.factories else []
    return factories + [ValueChange(c, old.get(c), new.get(c)) for c in codes if not _same(old.get(c), new.get(c))]


def _same(x: Value, y: Value) -> bool:
    if isinstance(x, bool) or isinstance(y, bool) or x is None or y is None:
        return x is y  # True/False/None are singletons; a number never equals a yes/no
    return float(x) == float(y)


def restore_version(engine: Engine, estate_code: str, fiscal_year: int, version: int, *, by: Actor,
                    fw: Framework | None = None) -> StoreResult:
    """Make a NEW version with the values of ``version`` (history is never rewritten),
    pending review like any new version, audited as 'version.restored' in the same
    transaction. Restoring the newest version changes nothing.

    ``by`` must be allowed to "restore" for the estate; otherwise AccessDenied (audited
    as 'version.restored', outcome 'denied') and nothing changes."""
    target = upload_target(estate_code, fiscal_year)
    audit.require(engine, checked_actor(by), "restore", estate_code, action="version.restored", target=target,
                  details={"from_version": version})
    fw = fw or framework_in_force(engine)
    with write_session(engine) as (s, dv):
        src = _version(s, estate_code, fiscal_year, version)
        latest = latest_submission(s, estate_code, fiscal_year)
        if latest is not None and latest.id == src.id:
            return StoreResult(outcome="unchanged", estate_code=estate_code, fiscal_year=fiscal_year,
                               version=src.version, data_version=dv, status=src.status)
        _refuse_sample_over_real(latest, src.is_sample)
        everything = needs_full_recompute(s, fw)
        new_version = _next_version(s, estate_code, fiscal_year)
        # Sample data has no reviewer: a restored sample version is published at once.
        state = _new_version_state(s, estate_code, fiscal_year, src.is_sample, by)
        sub = m.Submission(estate_code=estate_code, fiscal_year=fiscal_year, version=new_version,
                           upload_id=None, factories=src.factories, **state,
                           submitted_by=src.submitted_by, email=src.email, submitted_on=src.submitted_on,
                           framework_version=fw.version_id, created_at=m.utcnow(),
                           created_by=(by.username or "")[:200],
                           restored_from_version=src.version, is_sample=src.is_sample)
        s.add(sub)
        s.flush()
        old = s.scalars(select(m.IndicatorValue).where(m.IndicatorValue.submission_id == src.id)).all()
        s.add_all(m.IndicatorValue(submission_id=sub.id, code=v.code, value_num=v.value_num,
                                   value_bool=v.value_bool, note=v.note) for v in old)
        s.flush()
        est, area = _recompute(s, fw, everything, estate_code, fiscal_year)
        audit.record(s, by, "version.restored", target,
                     details={"from_version": src.version, "version": new_version, "is_sample": src.is_sample,
                              "status": sub.status})
        return _result("restored", sub, bump_data_version(s), None, est, area)


def remove_sample(engine: Engine, by: Actor, fw: Framework | None = None) -> RemoveResult:
    """Delete everything flagged as sample data (versions, their values, uploads) and
    recompute the assessments it fed. Where real versions remain for an estate and year,
    the newest of them becomes current. Bumps the data version when anything was removed,
    and audits 'sample.removed' with the counts in the same transaction.

    ``by`` must be allowed to "manage_sample" (administrators); otherwise AccessDenied
    (audited as denied) and nothing changes."""
    audit.require(engine, checked_actor(by), "manage_sample", action="sample.removed", target="sample")
    fw = fw or framework_in_force(engine)
    with write_session(engine) as (s, dv):
        affected = s.execute(select(m.Submission.estate_code, m.Submission.fiscal_year)
                             .where(m.Submission.is_sample).distinct()).all()
        sample_ids = select(m.Submission.id).where(m.Submission.is_sample).scalar_subquery()
        s.execute(delete(m.IndicatorValue).where(m.IndicatorValue.submission_id.in_(sample_ids)),
                  execution_options={"synchronize_session": False})
        # a DELETE gives a CursorResult (the stubs say Result), which has rowcount
        n_subs = cast(CursorResult[Any], s.execute(delete(m.Submission).where(m.Submission.is_sample),
                      execution_options={"synchronize_session": False})).rowcount
        n_uploads = cast(CursorResult[Any], s.execute(delete(m.Upload).where(m.Upload.is_sample),
                         execution_options={"synchronize_session": False})).rowcount
        if not n_subs and not n_uploads:
            return RemoveResult(0, 0, dv)
        everything = needs_full_recompute(s, fw)
        for estate_code, year in sorted(affected):
            _ensure_current(s, estate_code, year)
            if not everything:
                recompute_for(s, fw, estate_code, year)
        if everything:
            recompute_everything(s, fw)
        audit.record(s, by, "sample.removed", "sample",
                     details={"submissions": n_subs, "uploads": n_uploads, "estate_years": len(affected)})
        return RemoveResult(n_subs, n_uploads, bump_data_version(s))


def _ensure_current(s: Session, estate_code: str, year: int) -> None:
    """If accepted versions remain but none is current, the newest of them becomes current."""
    subs = s.scalars(select(m.Submission).where(m.Submission.estate_code == estate_code,
                                                m.Submission.fiscal_year == year,
                                                m.Submission.status == "accepted")
                     .order_by(m.Submission.version.desc())).all()
    if subs and not any(x.is_current for x in subs):
        subs[0].is_current = True
        s.flush()


