"""The upload lifecycle of ``submission-format.md`` ("What happens to an upload").

- Nothing lost: every upload, accepted or rejected, is logged with its original bytes,
  SHA-256, name, size, uploader, time (UTC), outcome and messages. The one exception is
  a file over the size limit: the limit exists to keep such bytes out of the database, so
  it is logged with its real size, its SHA-256 when the bytes were read (the upload
  page) or '' when they never were (a command does not read such a file), and no bytes.
- All or nothing: an accepted submission is stored in one transaction (upload log,
  new current version, values, estate and area assessments, data version). If anything
  fails, that transaction is rolled back and the upload is then logged as rejected in a
  separate small transaction, so the log survives and no data changes.
- Versions: each accepted upload for an estate and fiscal year becomes version n+1 and
  the current one. A file byte-identical to the one the current version came from is a
  'duplicate' (no new version); a file identical to an earlier version's is stored as a
  new current version noted as restored from that version. Old versions can be compared
  and restored (restoring writes a new version).
- Sample data never replaces real data: a sample submission (or a restored sample
  version) is refused when the current version of that estate and year is real.
- Who: every function that writes takes ``by``, an :class:`~ecocity.access.Actor`, and
  checks its permission (``ecocity.access``) before writing anything: storing needs
  "submit" for the estate, logging a file needs "upload", restoring needs "restore" for
  the estate, removing sample data needs "manage_sample". What is done is written to the
  audit log in the same transaction as the change; a refusal is audited as 'denied' and
  raises :class:`~ecocity.access.AccessDenied` with nothing changed. An officer's file
  for an estate not assigned to them is still kept in the upload log, as rejected.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal, NamedTuple

from sqlalchemy import Engine, delete, false, func, or_, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from ecocity import access
from ecocity.access import AccessDenied, Actor, require
from ecocity.framework import Framework, Value
from ecocity.i18n import t
from ecocity.scoring import check_values
from ecocity.store import audit
from ecocity.store import models as m
from ecocity.store.db import bump_data_version, no_nul, session_scope, write_session
from ecocity.store.derived import needs_full_recompute, recompute_everything, recompute_for, values_of
from ecocity.store.errors import StoreError
from ecocity.store.seed import framework_in_force
from ecocity.submission import SubmissionData

Outcome = Literal["accepted", "rejected", "duplicate"]
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

    @property
    def changed(self) -> bool:
        return self.outcome in ("stored", "restored")

    def message(self, lang: str | None = "th") -> str:
        key = "stored_again" if self.outcome == "stored" and self.restored_from_version else self.outcome
        return t(f"store.{key}", lang, version=self.version, estate=self.estate_code,
                 year=self.fiscal_year, from_version=self.restored_from_version)


@dataclass(frozen=True)
class UploadInfo:
    id: int
    filename: str
    size: int  # of the original file, also when its bytes were not kept
    sha256: str  # '' when not known: a file over the size limit that was never read
    uploaded_by: str
    uploaded_at: datetime
    outcome: str
    messages: Any
    estate_code: str | None
    fiscal_year: int | None
    is_sample: bool
    version: int | None  # the version this upload created, if any


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


class ValueChange(NamedTuple):
    code: str
    old: Value
    new: Value


@dataclass(frozen=True)
class RemoveResult:
    submissions: int
    uploads: int
    data_version: int


# ----------------------------------------------------------------------------- the log


_SHA256 = re.compile(r"[0-9a-f]{64}")
log = logging.getLogger("ecocity.store")


def sha256_of(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def _jsonable(messages: Any) -> Any:
    """Messages as given, made JSON-safe (dates, dataclasses as text): logging never fails."""
    if messages is None:
        return {"errors": [], "warnings": []}
    return json.loads(json.dumps(messages, default=str, ensure_ascii=False))


def _actor(by: Any) -> Actor:
    if not isinstance(by, Actor):
        raise TypeError(f"by must be an ecocity.access.Actor, found {type(by).__name__}")
    return by


def _target(estate_code: str | None, fiscal_year: int | None) -> str:
    """An audit entry's target: "ESTATE/YEAR" ("?" for what is not known)."""
    return f"{estate_code or '?'}/{fiscal_year if fiscal_year is not None else '?'}"


def log_upload(session: Session, *, filename: str, content: bytes, by: Actor, outcome: Outcome,
               messages: Any, estate_code: str | None = None, fiscal_year: int | None = None,
               is_sample: bool = False, size: int | None = None, sha256: str | None = None) -> m.Upload:
    """Add one upload to the log in the caller's transaction (flushed, so ``id`` is set).
    ``by.username`` is recorded as the uploader; the caller has checked its permission.

    ``size`` and ``sha256`` describe the original file when ``content`` is not all of it
    (a file over the size limit is logged without its bytes); by default both are taken
    from ``content``. ``sha256=""`` means not known (the file was never read)."""
    if outcome not in m.OUTCOMES:
        raise ValueError(f"outcome must be one of {m.OUTCOMES}, found {outcome!r}")
    if not isinstance(content, bytes | bytearray | memoryview):
        raise TypeError(f"content must be bytes, found {type(content).__name__}")
    content = bytes(content)
    if size is not None and (isinstance(size, bool) or not isinstance(size, int) or size < 0):
        raise ValueError(f"size must be a whole number >= 0, found {size!r}")
    if sha256 is not None and sha256 != "" and not _SHA256.fullmatch(sha256):
        raise ValueError(f"sha256 must be 64 lowercase hex digits or '' (not known), found {sha256!r}")
    # Cut over-long names to the column sizes: the log must accept any upload.
    row = m.Upload(filename=no_nul(filename)[:255], size=len(content) if size is None else size,
                   sha256=sha256_of(content) if sha256 is None else sha256,
                   content=content, uploaded_by=no_nul(_actor(by).username)[:200], uploaded_at=m.utcnow(),
                   outcome=outcome, messages=_jsonable(messages),
                   estate_code=estate_code[:64] if estate_code is not None else None,
                   fiscal_year=fiscal_year, is_sample=is_sample)
    session.add(row)
    session.flush()
    return row


def log_rejected(engine: Engine, filename: str, content: bytes, messages: Any, *, by: Actor,
                 estate_code: str | None = None, fiscal_year: int | None = None,
                 is_sample: bool = False, size: int | None = None, sha256: str | None = None) -> int:
    """Log a rejected file in its own small transaction, with the audit entry
    'upload.rejected'; returns the upload id. ``size`` and ``sha256``: as for
    :func:`log_upload`, for content not kept.

    ``by`` must be allowed to "upload" (officers, administrators): anyone else is refused
    (AccessDenied, audited as 'upload.denied') and nothing is logged. Changes no data, so
    the data version stays as it is."""
    target = _target(estate_code, fiscal_year)
    audit.require(engine, _actor(by), "upload", action="upload.denied", target=target,
                  details={"filename": filename, "sha256": sha256})
    with session_scope(engine, write=True) as s:
        up = log_upload(s, filename=filename, content=content, by=by, outcome="rejected", messages=messages,
                        estate_code=estate_code, fiscal_year=fiscal_year, is_sample=is_sample, size=size,
                        sha256=sha256)
        audit.record(s, by, "upload.rejected", target,
                     details={"upload_id": up.id, "filename": up.filename, "sha256": up.sha256})
        return up.id


def log_denied(engine: Engine, err: AccessDenied, *, filename: str, content: bytes, messages: Any = None,
               estate_code: str | None = None, fiscal_year: int | None = None,
               is_sample: bool = False) -> int | None:
    """Record a refused submission (``err``): audit 'upload.denied' and, when the actor may
    at least upload (an officer sending another estate's file), keep the file in the upload
    log as rejected with the refusal among its errors (code 'denied'), in one transaction.
    Returns the upload id, or None when nothing was logged (a viewer, the anonymous
    visitor, or the database failing: then a note on ``err`` says so). Never raises."""
    by = err.actor
    target = _target(estate_code, fiscal_year)
    content = bytes(content)
    details: dict[str, Any] = {"refused": err.action, "filename": filename, "sha256": sha256_of(content)}
    try:
        if not by.may("upload"):
            audit.record_alone(engine, by, "upload.denied", target, outcome="denied", details=details)
            return None
        with session_scope(engine, write=True) as s:
            up = log_upload(s, filename=filename, content=content, by=by, outcome="rejected",
                            messages=_with_error(messages, err), estate_code=estate_code,
                            fiscal_year=fiscal_year, is_sample=is_sample, sha256=details["sha256"])
            audit.record(s, by, "upload.denied", target, outcome="denied", details={**details, "upload_id": up.id})
            return up.id
    except SQLAlchemyError as e:
        err.add_note(f"the refused upload could not be logged: {e}")
        return None


def _with_error(messages: Any, err: StoreError) -> Any:
    """The given messages plus the storage error, in the reader's message shape."""
    item = {"sheet": None, "cell": None, "code": err.code, "message": err.message("en"),
            "message_th": err.message("th")}
    msgs = _jsonable(messages)
    if isinstance(msgs, dict):
        msgs = dict(msgs)
        if any(isinstance(e, dict) and e.get("code") == err.code for e in msgs.get("errors") or []):
            return msgs  # already said (e.g. the page's check named the estate-code cell)
        msgs["errors"] = [*(msgs.get("errors") or []), item]
        return msgs
    if isinstance(msgs, list):
        return [*msgs, item]
    return {"given": msgs, "errors": [item], "warnings": []}


# ----------------------------------------------------------------------------- storing


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
    """The current version of an estate and fiscal year, if any."""
    return session.scalar(select(m.Submission).where(
        m.Submission.estate_code == estate_code, m.Submission.fiscal_year == year, m.Submission.is_current))


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
    """The current version when a file with this SHA-256 would be a duplicate of it (its
    values came from a byte-identical file), else None. The one rule for duplicates: the
    file of an earlier, not current, version is stored again as a new version instead."""
    return duplicate_version(session, current_submission(session, estate_code, year), sha256, is_sample=is_sample)


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
    return StoreResult(outcome=outcome, estate_code=sub.estate_code, fiscal_year=sub.fiscal_year,
                       version=sub.version, data_version=dv, upload_id=upload_id,
                       level=est.level if est else None, area_code=area.entity_code if area else None,
                       area_level=area.level if area else None,
                       restored_from_version=sub.restored_from_version)


def store_submission(engine: Engine, data: SubmissionData, *, filename: str, content: bytes,
                     by: Actor, messages: Any = None, is_sample: bool = False,
                     fw: Framework | None = None) -> StoreResult:
    """Store an accepted submission in one transaction (see the module docstring), with
    the audit entry 'upload.stored' or 'upload.duplicate' in that same transaction.

    ``by`` must be allowed to "submit" for the estate (and to "manage_sample" for sample
    data), checked before anything is written: otherwise the refusal is recorded
    (:func:`log_denied`) and AccessDenied raised. ``messages`` are the reader's errors and
    warnings, logged as given. On any other failure nothing is stored, the upload is
    logged as rejected, and StoreError is raised."""
    year = data.fiscal_year if isinstance(data.fiscal_year, int) and not isinstance(data.fiscal_year, bool) else None
    try:
        require(_actor(by), "submit", data.estate_code)
        if is_sample:
            require(by, "manage_sample")
    except AccessDenied as err:
        log_denied(engine, err, filename=filename, content=content, messages=messages,
                   estate_code=str(data.estate_code), fiscal_year=year, is_sample=is_sample)
        raise
    fw = fw or framework_in_force(engine)
    try:
        with write_session(engine) as (s, dv):
            return _store(s, fw, dv, data, filename=filename, content=content, by=by,
                          messages=messages, is_sample=is_sample)
    except Exception as e:  # rolled back; keep the file in the log as rejected
        if isinstance(e, StoreError):
            err = e
        else:  # the details (SQL, parameters) go to the server log, not to the officer
            log.exception("storing %s failed", filename)
            err = StoreError("store.failed", detail=type(e).__name__)
        try:
            log_rejected(engine, filename, content, _with_error(messages, err), by=by,
                         estate_code=str(data.estate_code), is_sample=is_sample, fiscal_year=year)
        except Exception as log_error:  # e.g. the database is gone: report both
            err.add_note(f"the rejected upload could not be logged either: {log_error}")
        if err is e:
            raise
        raise err from e


def _store(s: Session, fw: Framework, dv: int, data: SubmissionData, *, filename: str, content: bytes,
           by: Actor, messages: Any, is_sample: bool) -> StoreResult:
    estate = s.get(m.Estate, data.estate_code)
    if estate is None:
        raise StoreError("store.unknown_estate", code=data.estate_code)
    digest = sha256_of(bytes(content))
    current = current_submission(s, data.estate_code, data.fiscal_year)
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
    _unset_current(s, data.estate_code, data.fiscal_year)
    sub = m.Submission(estate_code=data.estate_code, fiscal_year=data.fiscal_year, version=version,
                       is_current=True, upload_id=up.id, factories=data.factories,
                       submitted_by=data.submitted_by or "", email=data.email or "",
                       submitted_on=data.submitted_on, framework_version=fw.version_id,
                       created_at=m.utcnow(), created_by=(by.username or "")[:200],
                       restored_from_version=earlier, is_sample=is_sample)
    s.add(sub)
    s.flush()
    s.add_all(_value_rows(sub.id, data.values, data.notes))
    s.flush()
    est, area = _recompute(s, fw, everything, data.estate_code, data.fiscal_year)
    _audit_upload(s, by, "upload.stored", up, version)
    return _result("stored", sub, bump_data_version(s), up.id, est, area)


def _audit_upload(s: Session, by: Actor, action: str, up: m.Upload, version: int) -> None:
    audit.record(s, by, action, _target(up.estate_code, up.fiscal_year),
                 details={"upload_id": up.id, "version": version, "filename": up.filename, "sha256": up.sha256,
                          "is_sample": up.is_sample})


# ----------------------------------------------------------------------------- versions


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
                        restored_from_version=s.restored_from_version, is_sample=s.is_sample)
            for s, fn in rows]


FACTORIES = "factories"  # compare_versions' pseudo-indicator code for the factory count


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
    """Make a NEW current version with the values of ``version`` (history is never
    rewritten), audited as 'version.restored' in the same transaction. Restoring the
    version that is already current changes nothing.

    ``by`` must be allowed to "restore" for the estate; otherwise AccessDenied (audited
    as 'version.restored', outcome 'denied') and nothing changes."""
    target = _target(estate_code, fiscal_year)
    audit.require(engine, _actor(by), "restore", estate_code, action="version.restored", target=target,
                  details={"from_version": version})
    fw = fw or framework_in_force(engine)
    with write_session(engine) as (s, dv):
        src = _version(s, estate_code, fiscal_year, version)
        if src.is_current:
            return StoreResult(outcome="unchanged", estate_code=estate_code, fiscal_year=fiscal_year,
                               version=src.version, data_version=dv)
        _refuse_sample_over_real(current_submission(s, estate_code, fiscal_year), src.is_sample)
        everything = needs_full_recompute(s, fw)
        new_version = _next_version(s, estate_code, fiscal_year)
        _unset_current(s, estate_code, fiscal_year)
        sub = m.Submission(estate_code=estate_code, fiscal_year=fiscal_year, version=new_version,
                           is_current=True, upload_id=None, factories=src.factories,
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
                     details={"from_version": src.version, "version": new_version, "is_sample": src.is_sample})
        return _result("restored", sub, bump_data_version(s), None, est, area)


# ----------------------------------------------------------------------------- history


def _visible(actor: Actor) -> Any:
    """The uploads ``actor`` may see in the log and download, as a SQL filter: the rule of
    ``access.may_download_upload`` (all for an administrator; for an officer those of their
    estates and their own; none for anyone else)."""
    if actor.is_admin:
        return None
    if not access.may_see_uploads(actor):
        return false()
    own = [m.Upload.uploaded_by == actor.username] if actor.username else []
    return or_(m.Upload.estate_code.in_(sorted(actor.estates)), *own)


def list_uploads(session: Session, *, estate_code: str | None = None, fiscal_year: int | None = None,
                 outcome: Outcome | None = None, include_sample: bool = True, limit: int = 100,
                 offset: int = 0, visible_to: Actor | None = None) -> list[UploadInfo]:
    """The upload log, newest first, without the file contents. With ``visible_to``,
    only the uploads that actor may see (see :func:`upload_content`)."""
    q = (select(m.Upload.id, m.Upload.filename, m.Upload.size, m.Upload.sha256, m.Upload.uploaded_by,
                m.Upload.uploaded_at, m.Upload.outcome, m.Upload.messages, m.Upload.estate_code,
                m.Upload.fiscal_year, m.Upload.is_sample, m.Submission.version)
         .outerjoin(m.Submission, m.Submission.upload_id == m.Upload.id)
         .order_by(m.Upload.uploaded_at.desc(), m.Upload.id.desc()).limit(limit).offset(offset))
    if estate_code is not None:
        q = q.where(m.Upload.estate_code == estate_code)
    if fiscal_year is not None:
        q = q.where(m.Upload.fiscal_year == fiscal_year)
    if outcome is not None:
        q = q.where(m.Upload.outcome == outcome)
    if not include_sample:
        q = q.where(m.Upload.is_sample.is_(False))
    if visible_to is not None and (cond := _visible(_actor(visible_to))) is not None:
        q = q.where(cond)
    return [UploadInfo(**r._asdict()) for r in session.execute(q)]


def upload_content(session: Session, upload_id: int, by: Actor) -> tuple[str, bytes]:
    """(file name, original bytes) of an upload, for download from the history.

    An administrator may download any upload; an officer the uploads of their estates
    and their own; anyone else is refused (AccessDenied, "download_upload")."""
    if not access.may_see_uploads(_actor(by)):
        raise AccessDenied(by, "download_upload")
    row = session.execute(select(m.Upload.filename, m.Upload.content, m.Upload.estate_code, m.Upload.uploaded_by)
                          .where(m.Upload.id == upload_id)).first()
    if row is None:
        raise StoreError("store.no_such_upload", id=upload_id)
    if not access.may_download_upload(by, row.estate_code, row.uploaded_by):
        raise AccessDenied(by, "download_upload", row.estate_code)
    return row.filename, bytes(row.content)


def read_original(engine: Engine, upload_id: int, by: Actor) -> tuple[str, bytes]:
    """:func:`upload_content` in its own read transaction, for a download: a refusal is
    audited ('download.denied', target "upload:ID") before AccessDenied is raised."""
    try:
        with session_scope(engine) as s:
            return upload_content(s, upload_id, by)
    except AccessDenied as err:
        audit.refusal(engine, err, "download.denied", f"upload:{upload_id}", {"upload_id": upload_id})
        raise


# ----------------------------------------------------------------------------- sample data


def remove_sample(engine: Engine, by: Actor, fw: Framework | None = None) -> RemoveResult:
    """Delete everything flagged as sample data (versions, their values, uploads) and
    recompute the assessments it fed. Where real versions remain for an estate and year,
    the newest of them becomes current. Bumps the data version when anything was removed,
    and audits 'sample.removed' with the counts in the same transaction.

    ``by`` must be allowed to "manage_sample" (administrators); otherwise AccessDenied
    (audited as denied) and nothing changes."""
    audit.require(engine, _actor(by), "manage_sample", action="sample.removed", target="sample")
    fw = fw or framework_in_force(engine)
    with write_session(engine) as (s, dv):
        affected = s.execute(select(m.Submission.estate_code, m.Submission.fiscal_year)
                             .where(m.Submission.is_sample).distinct()).all()
        sample_ids = select(m.Submission.id).where(m.Submission.is_sample).scalar_subquery()
        s.execute(delete(m.IndicatorValue).where(m.IndicatorValue.submission_id.in_(sample_ids)),
                  execution_options={"synchronize_session": False})
        n_subs = s.execute(delete(m.Submission).where(m.Submission.is_sample),
                           execution_options={"synchronize_session": False}).rowcount
        n_uploads = s.execute(delete(m.Upload).where(m.Upload.is_sample),
                              execution_options={"synchronize_session": False}).rowcount
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
    """If versions remain but none is current, the newest becomes current."""
    subs = s.scalars(select(m.Submission).where(m.Submission.estate_code == estate_code,
                                                m.Submission.fiscal_year == year)
                     .order_by(m.Submission.version.desc())).all()
    if subs and not any(x.is_current for x in subs):
        subs[0].is_current = True
        s.flush()

