"""Evidence files in the database: attached by an estate's officer to a submission or one indicator
once ``io.evidence`` accepts them, kept with their SHA-256, downloaded by the estate's officers,
its area's reviewers and administrators; every attachment, refusal and removal audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from ecocity.core.access import AccessDenied, Actor
from ecocity.core.review import reviews_area
from ecocity.i18n import t
from ecocity.io.evidence import EvidenceCheck, check_evidence
from ecocity.io.workbook.cells import BE_MAX, BE_MIN
from ecocity.store import audit
from ecocity.store import models as m
from ecocity.store.db import no_nul, session_scope
from ecocity.store.errors import StoreError
from ecocity.store.inforce import framework_in_force
from ecocity.store.uploads import checked_actor, upload_target

MAX_PER_YEAR = 100  # evidence files of one estate for one fiscal year


@dataclass(frozen=True)
class EvidenceInfo:
    """One evidence file, without its bytes. ``indicator_code`` '' means the whole
    submission; ``version`` is the version it was attached to (None: sent before any data
    for the year) and ``status`` that version's review status."""

    id: int
    estate_code: str
    fiscal_year: int
    indicator_code: str
    filename: str
    media_type: str
    size: int
    sha256: str
    uploaded_by: str
    uploaded_at: datetime
    version: int | None
    status: str | None


class EvidenceRefused(StoreError):
    """The file did not pass :func:`ecocity.io.evidence.check_evidence`; nothing was stored.
    ``check`` holds every located problem; ``message(lang)`` says them in ``lang``."""

    def __init__(self, check: EvidenceCheck):
        self.check = check
        super().__init__("evidence.error.refused", file=check.filename)

    @property
    def code(self) -> str:
        return "refused"

    def message(self, lang: str | None = "th") -> str:
        reasons = " ".join(p.message(lang) for p in self.check.problems)
        return t("evidence.error.refused", lang, file=self.check.filename, reasons=reasons)


class EvidenceDenied(AccessDenied):
    """``actor`` may not read (``what`` "read") or remove ("remove") an evidence file."""

    def __init__(self, actor: Actor, what: str, estate: str | None, filename: str = ""):
        self.what, self.filename = what, filename  # before super().__init__, which formats the message
        super().__init__(actor, "download_upload" if what == "read" else "submit", estate)

    def message(self, lang: str | None = "th") -> str:
        who = self.actor.label or t("access.anonymous", lang)
        return t(f"evidence.denied.{self.what}", lang, who=who, estate=self.estate or "", file=self.filename)


# ----------------------------------------------------------------------------- who may


def may_read(actor: Actor, estate_code: str | None, area_code: str | None, uploaded_by: str | None = None) -> bool:
    """Whether ``actor`` may list and download the evidence of ``estate_code`` (in
    ``area_code``): an administrator; the estate's officers (and the officer who sent the
    file, ``uploaded_by``); the reviewers of its area. Nobody else."""
    if actor.is_admin:
        return True
    if actor.role == "officer":
        own = bool(actor.username) and uploaded_by is not None and uploaded_by == actor.username
        return own or actor.may("submit", estate_code)
    return actor.role == "reviewer" and reviews_area(actor, area_code)


def may_remove(actor: Actor, estate_code: str, uploaded_by: str, status: str | None = None) -> bool:
    """Whether ``actor`` may remove a file of ``estate_code`` sent by ``uploaded_by``,
    attached to a version of review status ``status`` (None: sent before the data): an
    administrator, or the officer who sent it while still responsible for the estate; and
    only while that version is not accepted."""
    if status == "accepted":
        return False
    if actor.is_admin:
        return True
    return bool(actor.username) and actor.username == uploaded_by and actor.may("submit", estate_code)


def readable(session: Session, actor: Actor, estate_code: str) -> bool:
    """:func:`may_read` for an estate of the registry (its area read from the database)."""
    area = session.scalar(select(m.Estate.area_code).where(m.Estate.code == estate_code))
    return may_read(checked_actor(actor), estate_code, area)


# ----------------------------------------------------------------------------- attach


def attach_evidence(engine: Engine, by: Actor, estate_code: str, fiscal_year: int, *, filename: str,
                    content: bytes, indicator_code: str = "", submission_version: int | None = None,
                    max_bytes: int | None = None) -> EvidenceInfo:
    """Attach one evidence file to ``estate_code``'s data for ``fiscal_year``: to the whole
    submission (``indicator_code`` '') or one indicator of the framework in force; to
    ``submission_version``, or else to the newest version of that year (none yet: the file
    waits with the year alone).

    ``by`` must be the estate's officer or an administrator (AccessDenied, audited
    'evidence.denied'). The file is checked first (:func:`check_evidence`, size limit
    ``max_bytes`` or ECOCITY_MAX_EVIDENCE_MB): a refused file raises :class:`EvidenceRefused`
    with every located problem, is audited 'evidence.refused', and nothing is stored. An
    unknown indicator, year, estate or version, or the same file already attached there,
    raise StoreError. Stored with its SHA-256, size and media type, audited
    'evidence.attached' in the same transaction."""
    by = checked_actor(by)
    content = bytes(content)
    filename = no_nul(str(filename or "")).strip()[:255]
    target = upload_target(estate_code, fiscal_year)
    audit.require(engine, by, "submit", estate_code, action="evidence.denied", target=target,
                  details={"filename": filename, "size_bytes": len(content)})
    if isinstance(fiscal_year, bool) or not isinstance(fiscal_year, int) or not BE_MIN <= fiscal_year <= BE_MAX:
        raise StoreError("evidence.error.year", year=fiscal_year, min=BE_MIN, max=BE_MAX)
    code = _indicator(engine, indicator_code)
    check = check_evidence(content, filename, max_bytes)
    if not check.accepted:
        audit.record_alone(engine, by, "evidence.refused", target, outcome="failed",
                           details={"filename": filename, "sha256": check.sha256, "size_bytes": check.size,
                                    "evidence_for": code, "problems": [p.code for p in check.problems]})
        raise EvidenceRefused(check)
    with session_scope(engine, write=True) as s:
        if s.get(m.Estate, estate_code) is None:
            raise StoreError("store.unknown_estate", code=estate_code)
        sub = _submission(s, estate_code, fiscal_year, submission_version)
        _refuse_duplicate(s, estate_code, fiscal_year, code, sub, check.sha256)
        n = s.scalar(select(func.count()).select_from(m.Evidence).where(
            m.Evidence.estate_code == estate_code, m.Evidence.fiscal_year == fiscal_year)) or 0
        if n >= MAX_PER_YEAR:
            raise StoreError("evidence.error.too_many", estate=estate_code, year=fiscal_year, n=n)
        row = m.Evidence(estate_code=estate_code, fiscal_year=fiscal_year, submission_id=sub.id if sub else None,
                         indicator_code=code, filename=filename or "evidence", media_type=check.media_type,
                         size=check.size, sha256=check.sha256, content=content,
                         uploaded_by=no_nul(by.username)[:200], uploaded_at=m.utcnow())
        s.add(row)
        s.flush()
        audit.record(s, by, "evidence.attached", target,
                     details={"evidence_id": row.id, "filename": row.filename, "sha256": row.sha256,
                              "size_bytes": row.size, "evidence_for": code,
                              "version": sub.version if sub else None})
        return _info(row, sub)


def _indicator(db: Engine | Session, indicator_code: str | None) -> str:
    """The framework's spelling of ``indicator_code`` ('' for the whole submission), or
    StoreError when the framework in force has no such indicator."""
    raw = no_nul(str(indicator_code or "")).strip()
    if not raw:
        return ""
    fw = framework_in_force(db)
    found = next((c for c in fw.codes if c.upper() == raw.upper()), None)
    if found is None:
        raise StoreError("evidence.error.unknown_indicator", code=raw[:40])
    return found


def _submission(s: Session, estate_code: str, year: int, version: int | None) -> m.Submission | None:
    q = select(m.Submission).where(m.Submission.estate_code == estate_code, m.Submission.fiscal_year == year)
    if version is not None:
        sub = s.scalar(q.where(m.Submission.version == version))
        if sub is None:
            raise StoreError("store.no_such_version", estate=estate_code, year=year, version=version)
        return sub
    return s.scalar(q.order_by(m.Submission.version.desc()).limit(1))


def _refuse_duplicate(s: Session, estate_code: str, year: int, code: str, sub: m.Submission | None,
                      sha256: str) -> None:
    same = s.execute(select(m.Evidence.filename, m.Evidence.submission_id).where(
        m.Evidence.estate_code == estate_code, m.Evidence.fiscal_year == year, m.Evidence.indicator_code == code,
        m.Evidence.sha256 == sha256,
        m.Evidence.submission_id.is_(None) if sub is None else m.Evidence.submission_id == sub.id)).first()
    if same is not None:
        raise StoreError("evidence.error.duplicate", file=same.filename)


# ----------------------------------------------------------------------------- read


_COLUMNS = (m.Evidence.id, m.Evidence.estate_code, m.Evidence.fiscal_year, m.Evidence.indicator_code,
            m.Evidence.filename, m.Evidence.media_type, m.Evidence.size, m.Evidence.sha256,
            m.Evidence.uploaded_by, m.Evidence.uploaded_at, m.Submission.version, m.Submission.status)


def _info(row: Any, sub: m.Submission | None = None) -> EvidenceInfo:
    if isinstance(row, m.Evidence):
        return EvidenceInfo(row.id, row.estate_code, row.fiscal_year, row.indicator_code, row.filename,
                            row.media_type, row.size, row.sha256, row.uploaded_by, row.uploaded_at,
                            sub.version if sub else None, sub.status if sub else None)
    return EvidenceInfo(**row._asdict())


def list_evidence(session: Session, estate_code: str, fiscal_year: int) -> list[EvidenceInfo]:
    """Every evidence file of the estate and year, without the bytes: the whole
    submission's first, then by indicator code, each oldest first. The caller decides who
    sees the list (:func:`may_read`); the bytes come only through :func:`read_evidence`."""
    q = (select(*_COLUMNS).outerjoin(m.Submission, m.Submission.id == m.Evidence.submission_id)
         .where(m.Evidence.estate_code == estate_code, m.Evidence.fiscal_year == fiscal_year)
         .order_by(m.Evidence.indicator_code, m.Evidence.uploaded_at, m.Evidence.id))
    return [_info(r) for r in session.execute(q)]


def evidence_counts(session: Session, estate_code: str, fiscal_year: int) -> dict[str, int]:
    """indicator code ('' for the whole submission) -> how many files are attached."""
    q = (select(m.Evidence.indicator_code, func.count()).where(
        m.Evidence.estate_code == estate_code, m.Evidence.fiscal_year == fiscal_year)
        .group_by(m.Evidence.indicator_code))
    return {code: int(n) for code, n in session.execute(q)}


def read_evidence(engine: Engine, evidence_id: int, by: Actor) -> tuple[str, str, bytes]:
    """(file name, media type, bytes) of one evidence file, for a download by the estate's
    officers, the reviewers of its area or an administrator. Anyone else is refused
    (:class:`EvidenceDenied`, audited 'download.denied' on "evidence:ID"); an unknown id
    raises StoreError."""
    by = checked_actor(by)
    try:
        with session_scope(engine) as s:
            if not (by.is_admin or by.role in ("officer", "reviewer")):
                raise EvidenceDenied(by, "read", None)
            row = s.execute(select(m.Evidence.filename, m.Evidence.media_type, m.Evidence.estate_code,
                                   m.Evidence.uploaded_by, m.Estate.area_code, m.Evidence.content)
                            .join(m.Estate, m.Estate.code == m.Evidence.estate_code)
                            .where(m.Evidence.id == evidence_id)).first()
            if row is None:
                raise StoreError("evidence.error.no_such", id=evidence_id)
            if not may_read(by, row.estate_code, row.area_code, row.uploaded_by):
                raise EvidenceDenied(by, "read", row.estate_code)
            return row.filename, row.media_type, bytes(row.content)
    except AccessDenied as err:
        audit.refusal(engine, err, "download.denied", f"evidence:{evidence_id}", {"evidence_id": evidence_id})
        raise


# ----------------------------------------------------------------------------- remove


def remove_evidence(engine: Engine, evidence_id: int, by: Actor) -> EvidenceInfo:
    """Remove one evidence file: its sender (an officer) or an administrator, while the
    version it belongs to is not accepted (StoreError ``evidence.error.accepted``; a file
    sent before the data may always be removed). A refusal is audited 'evidence.denied';
    the removal 'evidence.removed' in the same transaction. Returns what was removed."""
    by = checked_actor(by)
    target = f"evidence:{evidence_id}"
    try:
        with session_scope(engine, write=True) as s:
            row = s.get(m.Evidence, evidence_id, with_for_update=True)
            if row is None:
                raise StoreError("evidence.error.no_such", id=evidence_id)
            sub = s.get(m.Submission, row.submission_id) if row.submission_id is not None else None
            status = sub.status if sub else None
            if not may_remove(by, row.estate_code, row.uploaded_by):
                raise EvidenceDenied(by, "remove", row.estate_code, row.filename)
            if status == "accepted" and sub is not None:
                raise StoreError("evidence.error.accepted", file=row.filename, version=sub.version)
            info = _info(row, sub)
            s.delete(row)
            s.flush()
            audit.record(s, by, "evidence.removed", upload_target(info.estate_code, info.fiscal_year),
                         details={"evidence_id": info.id, "filename": info.filename, "sha256": info.sha256,
                                  "evidence_for": info.indicator_code, "version": info.version})
            return info
    except AccessDenied as err:
        audit.refusal(engine, err, "evidence.denied", target, {"evidence_id": evidence_id})
        raise
