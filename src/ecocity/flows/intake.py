"""One uploaded file from its bytes to the database: check it, then store it or log it; the one
check-then-store step of the upload page, ``ecocity import`` and the sample loader
(see docs/design-notes.md)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from ecocity.i18n import t

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from ecocity.core.access import Actor
    from ecocity.core.framework import Framework
    from ecocity.io.workbook.result import CheckResult
    from ecocity.store.errors import StoreError
    from ecocity.store.versions import StoreResult

log = logging.getLogger("ecocity.flows.intake")

Estates = Mapping[str, tuple[str, str]]
Kind = Literal["stored", "duplicate", "rejected", "failed", "unlogged"]


def check_file(content: bytes, filename: str, fw: Framework, estates: Estates,
               max_bytes: int | None = None) -> CheckResult:
    """Check one file (never raises on a bad file; stores nothing). ``max_bytes``
    defaults to the configured upload limit (ECOCITY_MAX_UPLOAD_MB)."""
    from ecocity.io.workbook.reader import check_workbook

    return check_workbook(content, filename, fw, estates, max_bytes=max_bytes)


def estates_of(engine: Engine) -> dict[str, tuple[str, str]]:
    """The estate registry the checker compares codes with: code -> (name_th, name_en)."""
    from ecocity.store import queries, session_scope

    with session_scope(engine) as s:
        return queries.estate_names(s)


@dataclass(frozen=True)
class Outcome:
    """What :func:`record` did with one file.

    - ``stored``: a new current version (``store.version``; ``store.restored_from_version``
      when the file is the one of an earlier version, stored again)
    - ``duplicate``: the same bytes as the current version (``store.version``); nothing new
    - ``rejected``: the check rejected the file; logged as rejected, no data changed
    - ``failed``: accepted by the check but the store refused it (``error``); nothing
      stored, the file logged as rejected by the store itself
    - ``unlogged``: a rejected file that could not even be written to the log (database
      unreachable); nothing changed
    """

    kind: Kind
    upload_id: int | None = None
    store: StoreResult | None = None
    error: StoreError | None = None

    @property
    def changed_data(self) -> bool:
        return self.kind == "stored"

    def message(self, lang: str | None = "th") -> str:
        if self.store is not None:
            return self.store.message(lang)
        if self.error is not None:
            return self.error.message(lang)
        return t(f"upload.outcome.{self.kind}", lang, id=self.upload_id)


def _too_large(result: CheckResult) -> bool:
    return any(m.code == "too_large" for m in result.errors)


def record(engine: Engine, result: CheckResult, *, filename: str, content: bytes, by: Actor,
           fw: Framework | None = None, is_sample: bool = False, size: int | None = None,
           accept: bool = False) -> Outcome:
    """Store an accepted file or log a rejected one (see the module docstring).

    A file over the size limit is logged without its bytes (the database is not made to
    hold what the limit exists to keep out) but with its real size and, when ``content``
    holds its bytes (the upload page), their SHA-256. A caller that never read such a
    file (``ecocity import``, like ``ecocity check``) passes ``content=b""`` and the file's
    ``size``; its SHA-256 is then logged as '' (not known): reading gigabytes only to
    hash them is what the limit avoids. ``size`` defaults to ``len(content)``. ``accept``:
    store and accept in one step (see ``store_submission``)."""
    from ecocity.core.access import AccessDenied
    from ecocity.store import log_rejected, store_submission
    from ecocity.store.errors import DatabaseError, StoreError
    from ecocity.store.uploads import sha256_of

    messages = result.log_messages()
    if not result.accepted or result.submission is None:
        kept, real_size, digest = content, None, None  # a file read whole: all from its bytes
        if _too_large(result):
            kept = b""
            real_size = len(content) if size is None else size
            digest = sha256_of(content) if content and len(content) == real_size else ""
        try:
            upload_id = log_rejected(engine, filename, kept, messages, by=by, estate_code=result.estate,
                                     fiscal_year=result.fiscal_year, is_sample=is_sample, size=real_size,
                                     sha256=digest)
        except DatabaseError:
            log.exception("a rejected upload (%s) could not be logged", filename)
            return Outcome("unlogged")
        return Outcome("rejected", upload_id=upload_id)
    try:
        stored = store_submission(engine, result.submission, filename=filename, content=content,
                                  by=by, messages=messages, is_sample=is_sample, fw=fw, accept=accept)
    except StoreError as e:  # nothing stored; store_submission logged the file as rejected
        if isinstance(e, AccessDenied) and not by.may("upload"):
            raise  # a viewer or the anonymous visitor: nothing logged but the audit entry
        log.warning("upload %s not stored: %s", filename, e)
        return Outcome("failed", error=e)
    return Outcome("stored" if stored.changed else "duplicate", upload_id=stored.upload_id,
                   store=stored)


def log_check_failure(engine: Engine, *, filename: str, content: bytes, by: Actor,
                      is_sample: bool = False) -> Outcome:
    """Log a file the checker itself could not handle (a bug, never a bad file: those
    are rejected with messages) as rejected, so that it is not lost either."""
    from ecocity.store import log_rejected
    from ecocity.store.errors import DatabaseError

    item = {"sheet": None, "cell": None, "code": "check_failed", "message": t("upload.check.failed", "en"),
            "message_th": t("upload.check.failed", "th")}
    try:
        upload_id = log_rejected(engine, filename, content, {"errors": [item], "warnings": []}, by=by,
                                 is_sample=is_sample)
    except DatabaseError:
        log.exception("a file that could not be checked (%s) could not be logged either", filename)
        return Outcome("unlogged")
    return Outcome("rejected", upload_id=upload_id)
