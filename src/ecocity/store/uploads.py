"""The upload log of docs/submission-format.md ("Nothing lost"): every file kept with its bytes,
SHA-256, uploader and messages, and who may list and download it (see docs/design-notes.md)."""

from __future__ import annotations

import hashlib
import json
import logging
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Engine, false, or_, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from ecocity.core import access
from ecocity.core.access import AccessDenied, Actor
from ecocity.store import audit
from ecocity.store import models as m
from ecocity.store.db import no_nul, session_scope
from ecocity.store.errors import StoreError

Outcome = Literal["accepted", "rejected", "duplicate"]


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


def checked_actor(by: Any) -> Actor:
    if not isinstance(by, Actor):
        raise TypeError(f"by must be an ecocity.core.access.Actor, found {type(by).__name__}")
    return by


def upload_target(estate_code: str | None, fiscal_year: int | None) -> str:
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
                   content=content, uploaded_by=no_nul(checked_actor(by).username)[:200], uploaded_at=m.utcnow(),
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
    target = upload_target(estate_code, fiscal_year)
    audit.require(engine, checked_actor(by), "upload", action="upload.denied", target=target,
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
    The file is logged under its sender only, with no estate: the estate it names is not
    theirs, and its officers must not find a stranger's file in their log (the audit entry
    and the refusal's message keep the estate it named).
    Returns the upload id, or None when nothing was logged (a viewer, the anonymous
    visitor, or the database failing: then a note on ``err`` says so). Never raises."""
    by = err.actor
    target = upload_target(estate_code, fiscal_year)
    content = bytes(content)
    details: dict[str, Any] = {"refused": err.action, "filename": filename, "sha256": sha256_of(content)}
    try:
        if not by.may("upload"):
            audit.record_alone(engine, by, "upload.denied", target, outcome="denied", details=details)
            return None
        with session_scope(engine, write=True) as s:
            up = log_upload(s, filename=filename, content=content, by=by, outcome="rejected",
                            messages=with_error(messages, err), estate_code=None,
                            fiscal_year=fiscal_year, is_sample=is_sample, sha256=details["sha256"])
            audit.record(s, by, "upload.denied", target, outcome="denied", details={**details, "upload_id": up.id})
            return up.id
    except SQLAlchemyError as e:
        err.add_note(f"the refused upload could not be logged: {e}")
        return None


def with_error(messages: Any, err: StoreError) -> Any:
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


# ----------------------------------------------------------------------------- versions


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
    if visible_to is not None and (cond := _visible(checked_actor(visible_to))) is not None:
        q = q.where(cond)
    return [UploadInfo(**r._asdict()) for r in session.execute(q)]


def upload_content(session: Session, upload_id: int, by: Actor) -> tuple[str, bytes]:
    """(file name, original bytes) of an upload, for download from the history.

    An administrator may download any upload; an officer the uploads of their estates
    and their own; anyone else is refused (AccessDenied, "download_upload")."""
    if not access.may_see_uploads(checked_actor(by)):
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


