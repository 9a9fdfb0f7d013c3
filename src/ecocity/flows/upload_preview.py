"""The upload page's model, without Streamlit: what a checked file would do before it is stored
(its preview), what a batch holds, and the rows of the upload log (see docs/design-notes.md)."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, Literal

from ecocity.core import text as explain
from ecocity.core.framework import Framework, Indicator, Value
from ecocity.core.scoring import Assessment, assess
from ecocity.core.text import describe_gap_item
from ecocity.i18n import fmt_datetime, fmt_number, fy_label, t

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session

    from ecocity.core.access import Actor
    from ecocity.flows.intake import Outcome
    from ecocity.io.workbook.result import CheckResult, Message
    from ecocity.store.uploads import UploadInfo

log = logging.getLogger("ecocity.upload")
Estates = Mapping[str, tuple[str, str]]
Would = Literal["rejected", "new", "new_version", "duplicate"]
LOG_OUTCOMES: tuple[str, ...] = ("accepted", "rejected", "duplicate")


# ----------------------------------------------------------------------------- one file


@dataclass(frozen=True)
class Existing:
    """What the database already holds for the estate and fiscal year of a file."""

    current_version: int | None = None         # None: no data yet for that estate and year
    current_values: Mapping[str, Value] = field(default_factory=dict)
    duplicate_of: int | None = None            # a stored version made from the same bytes


def existing_state(session: Session, estate_code: str, fiscal_year: int, sha256: str) -> Existing:
    """The current version of ``estate_code`` in ``fiscal_year``, its values, and whether a
    byte-identical file would be a duplicate of it (the store's own rule, ``duplicate_of``:
    the file of an earlier version is stored again as a new version, not a duplicate)."""
    from ecocity.store.derived import values_of
    from ecocity.store.versions import duplicate_version, latest_submission

    current = latest_submission(session, estate_code, fiscal_year)  # pending or published
    if current is None:
        return Existing()
    return Existing(current_version=current.version, current_values=values_of(session, [current.id])[current.id],
                    duplicate_of=duplicate_version(session, current, sha256))


@dataclass(frozen=True)
class Preview:
    """One checked file: the check result, and for an accepted file the assessment its
    values give the estate (``scoring.assess``)."""

    filename: str
    size: int
    sha256: str
    result: CheckResult
    assessment: Assessment | None

    @property
    def accepted(self) -> bool:
        return self.result.accepted and self.result.submission is not None

    @property
    def target(self) -> tuple[str, int] | None:
        """(estate code, fiscal year) the file would be stored under, when accepted."""
        sub = self.result.submission
        return (sub.estate_code, sub.fiscal_year) if self.accepted and sub is not None else None


def make_preview(filename: str, content: bytes, result: CheckResult, fw: Framework) -> Preview:
    a = assess(fw, result.submission.values) if result.accepted and result.submission is not None else None
    return Preview(filename=filename, size=len(content), sha256=hashlib.sha256(content).hexdigest(),
                   result=result, assessment=a)


def would_do(p: Preview, existing: Existing | None) -> Would:
    """What confirming would do: nothing (rejected), version 1, version n+1, or nothing
    new because the same file is already stored."""
    if not p.accepted:
        return "rejected"
    if existing is None or existing.current_version is None:
        return "new"
    if existing.duplicate_of is not None:
        return "duplicate"
    return "new_version"


def _same(x: Value, y: Value) -> bool:
    if isinstance(x, bool) or isinstance(y, bool) or x is None or y is None:
        return x is y
    return float(x) == float(y)


@dataclass(frozen=True)
class Change:
    code: str
    old: Value
    new: Value


def value_changes(fw: Framework, new: Mapping[str, Value], existing: Existing) -> list[Change]:
    """Indicator values that differ between the current version and this file, in
    framework order (a value absent on one side counts as missing)."""
    old = existing.current_values
    return [Change(c, old.get(c), new.get(c)) for c in fw.codes if not _same(old.get(c), new.get(c))]


# ----------------------------------------------------------------------------- text


def value_text(ind: Indicator, v: Value, lang: str) -> str:
    """A value as read, every digit kept, with its unit: "1,234.5 ตัน", "ใช่", "ไม่มีข้อมูล"."""
    return explain.value_text(ind, v, lang, exact=True)


def level_text(fw: Framework, level: int, lang: str) -> str:
    return f"{level} · {fw.level(level).name(lang)}"


@dataclass(frozen=True)
class MessageGroup:
    """Messages of one sheet (``sheet`` None: the file as a whole)."""

    sheet: str | None
    items: tuple[tuple[str, str], ...]  # (cell or "", message in the chosen language)


def message_groups(messages: Iterable[Message], lang: str) -> list[MessageGroup]:
    """Messages grouped by sheet in the order they were found; the file-level ones first."""
    order: list[str | None] = []
    by: dict[str | None, list[tuple[str, str]]] = {}
    for m in messages:
        if m.sheet not in by:
            by[m.sheet] = []
            order.append(m.sheet)
        by[m.sheet].append((m.cell or "", m.message(lang)))
    order.sort(key=lambda s: s is not None)  # stable: file-level first, sheets as found
    return [MessageGroup(s, tuple(by[s])) for s in order]


def value_rows(fw: Framework, p: Preview, lang: str) -> list[dict[str, str]]:
    """The parsed values as table rows: code, indicator, value with unit, and the level of
    each indicator (accepted files only)."""
    rows = []
    levels = p.assessment.indicator_levels if p.assessment is not None else None
    for code, v in p.result.values.items():
        if not fw.has_indicator(code):
            continue
        ind = fw.indicator(code)
        row = {t("upload.col.code", lang): code,
               t("upload.col.indicator", lang): ind.name(lang),
               t("upload.col.value", lang): value_text(ind, v, lang)}
        if levels is not None:
            row[t("upload.col.indicator_level", lang)] = level_text(fw, levels.get(code, 0), lang)
        rows.append(row)
    return rows


def gap_lines(fw: Framework, a: Assessment, lang: str) -> list[str]:
    """What this estate would need for the next level, as sentences read aloud."""
    return [describe_gap_item(fw, g, lang) for g in a.gap]


def change_rows(fw: Framework, changes: Sequence[Change], lang: str) -> list[dict[str, str]]:
    rows = []
    for c in changes:
        ind = fw.indicator(c.code) if fw.has_indicator(c.code) else None
        name = ind.name(lang) if ind else c.code
        old = value_text(ind, c.old, lang) if ind else str(c.old)
        new = value_text(ind, c.new, lang) if ind else str(c.new)
        rows.append({t("upload.col.code", lang): c.code, t("upload.col.indicator", lang): name,
                     t("upload.col.current", lang): old, t("upload.col.this_file", lang): new})
    return rows


def estate_label(code: str | None, estates: Estates, lang: str) -> str:
    """"นิคมอุตสาหกรรมมาบตาพุด (MAP-TA-PHUT)"; an unknown code as it is."""
    if not code:
        return "–"
    names = estates.get(code)
    if not names:
        return code
    return f"{names[0] if lang == 'th' else names[1]} ({code})"


def file_heading(fw: Framework, p: Preview, estates: Estates, lang: str) -> str:
    """One line naming the file and what it holds, e.g. for an expander label (plain
    text: file names are escaped by the caller when shown as Markdown)."""
    parts = [p.filename, t(f"upload.status.{'accepted' if p.accepted else 'rejected'}", lang)]
    r = p.result
    if r.estate:
        parts.append(estate_label(r.estate, estates, lang))
    if r.fiscal_year:
        parts.append(fy_label(r.fiscal_year, lang))
    if p.assessment is not None:
        parts.append(t("upload.level_short", lang, level=level_text(fw, p.assessment.level, lang)))
    else:
        parts.append(t("upload.problems", lang, count=len(r.errors)))
    return " · ".join(parts)


def format_text(result: CheckResult, lang: str) -> str | None:
    """The file's format as found from its content: the workbook format ("Excel (.xlsx)"),
    else what a refused file looks like ("CSV or text"); None when the file was refused
    before its content was looked at (e.g. too large)."""
    kind = result.format or next((str(m.params.get("detected")) for m in result.errors
                                  if m.code == "not_a_workbook" and m.params.get("detected")), None)
    if kind is None:
        return None
    return t(f"upload.format.{kind}", lang) if kind in FORMATS else t("upload.format.unknown", lang)


FORMATS = ("xlsx", "xlsm", "xls", "ods", "pdf", "csv", "html", "image", "docx", "pptx", "xlsb", "zip",
           "damaged", "ole", "empty", "unknown")
Status = Literal["accepted", "rejected", "denied", "check_failed"]


def card_status(c: Checked) -> Status:
    """What the file's badge says: accepted; rejected for its own errors; refused because
    the account may not submit data for its estate (the file itself is fine); or not
    checked because the checker failed."""
    if c.check_failed:
        return "check_failed"
    if c.denied:
        return "denied"
    return "accepted" if c.preview.accepted else "rejected"


def rejected_note_key(errors: Iterable[Message]) -> str:
    """The note over a rejected file's errors: fix the cells listed (every error is at a
    cell), redo the file as a whole (none is: a missing sheet, a text file, a file too
    large), or both."""
    located = [m.ref is not None for m in errors]
    if located and all(located):
        return "upload.check.rejected_cells"
    if any(located):
        return "upload.check.rejected_mixed"
    return "upload.check.rejected_file"


def size_text(size: int, lang: str) -> str:
    if size >= 2**20:
        return f"{fmt_number(size / 2**20, lang, digits=1)} MB"
    return f"{fmt_number(max(1, round(size / 2**10)) if size else 0, lang)} KB"


# ----------------------------------------------------------------------------- a batch


@dataclass(frozen=True)
class BatchSummary:
    total: int
    accepted: int
    rejected: int  # refused for the file's own errors (not those refused for the account)
    duplicates: int  # accepted files already stored byte for byte
    # (estate, year, file names) for every estate and year that more than one accepted
    # file of the batch is for: stored in turn, the last one becomes the current version.
    same_target: tuple[tuple[str, int, tuple[str, ...]], ...] = ()
    denied: int = 0  # good files for an estate the account may not submit (see Checked.denied)


def summarize(previews: Sequence[Preview], existing: Sequence[Existing | None], denied: int = 0) -> BatchSummary:
    would = [would_do(p, e) for p, e in zip(previews, existing, strict=True)]
    groups: dict[tuple[str, int], list[str]] = {}
    for p in previews:
        if p.target is not None:
            groups.setdefault(p.target, []).append(p.filename)
    same = tuple((e, y, tuple(names)) for (e, y), names in groups.items() if len(names) > 1)
    return BatchSummary(total=len(previews), accepted=sum(p.accepted for p in previews),
                        rejected=sum(not p.accepted for p in previews) - denied,
                        duplicates=would.count("duplicate"), same_target=same, denied=denied)


# ----------------------------------------------------------------------------- the log


def when_text(dt: datetime, lang: str) -> str:
    """Upload time in Thailand's time: "21 พ.ย. 2569 14:05" / "21 Nov 2026 14:05"."""
    return fmt_datetime(dt, lang)


def _items(messages: Any, key: str) -> list[Mapping[str, Any]]:
    if isinstance(messages, Mapping):
        return [m for m in (messages.get(key) or []) if isinstance(m, Mapping)]
    return []


def message_counts(messages: Any) -> tuple[int, int]:
    """(errors, warnings) in a logged upload's messages."""
    return len(_items(messages, "errors")), len(_items(messages, "warnings"))


def logged_messages(messages: Any, lang: str) -> list[tuple[str, str, str]]:
    """A logged upload's messages as (severity, cell, text) in ``lang``: the log keeps
    both languages ("message" English, "message_th" Thai)."""
    out = []
    for severity, key in (("error", "errors"), ("warning", "warnings")):
        for m in _items(messages, key):
            text = (m.get("message_th") if lang == "th" else None) or m.get("message") or m.get("code") or ""
            out.append((severity, str(m.get("cell") or m.get("sheet") or ""), str(text)))
    return out


def outcome_label(outcome: str, lang: str) -> str:
    return t(f"upload.log.outcome_{outcome}", lang) if outcome in LOG_OUTCOMES else outcome


def log_rows(uploads: Sequence[UploadInfo], lang: str) -> list[dict[str, Any]]:
    """The upload log as table rows, newest first as given."""
    rows = []
    for u in uploads:
        errors, warnings = message_counts(u.messages)
        rows.append({
            t("upload.log.col_no", lang): u.id,
            t("upload.log.col_file", lang): u.filename,  # shown through widgets.table (formulas neutralised)
            t("upload.log.col_who", lang): u.uploaded_by,
            t("upload.log.col_when", lang): when_text(u.uploaded_at, lang),
            # The code, not the name, and the year beside it: the row must fit the page.
            t("upload.log.col_estate", lang): " · ".join(
                x for x in (u.estate_code, str(u.fiscal_year) if u.fiscal_year else None) if x) or "–",
            t("upload.log.col_outcome", lang): outcome_label(u.outcome, lang)
            + (" · " + t("upload.log.version", lang, version=u.version) if u.version is not None else ""),
            t("upload.log.col_messages", lang): t("upload.log.counts", lang, errors=errors, warnings=warnings),
        })
    return rows


def upload_choice(u: UploadInfo, lang: str) -> str:
    """An upload named in a picker: "#12 · file.xlsx · 21 พ.ย. 2569 14:05 · ผ่าน"."""
    return (f"#{u.id} · {u.filename} · {when_text(u.uploaded_at, lang)} · {outcome_label(u.outcome, lang)}"
            f" · {size_text(u.size, lang)}")


# ----------------------------------------------------------------------------- check, confirm


@dataclass
class Checked:
    """One file of the page's batch, from its check to its outcome.

    ``content`` is kept only while the file can still be stored (accepted, not yet
    confirmed); ``outcome`` is set once the file is in the upload log."""

    file_id: str
    preview: Preview
    content: bytes | None
    outcome: Outcome | None = None
    check_failed: bool = False  # the checker itself failed (a bug): shown and logged as such
    denied: bool = False  # accepted by the check, but the actor may not submit for its estate

    @property
    def pending(self) -> bool:
        """Accepted and waiting for the officer's confirmation."""
        return self.preview.accepted and self.outcome is None and self.content is not None


def denied_result(result: CheckResult, by: Actor) -> CheckResult:
    """``result`` (an accepted file) as refused for ``by``, who may not submit data for its
    estate: rejected, with an error 'denied' on the estate-code cell when known."""
    import dataclasses

    from ecocity.io.workbook.result import Message

    sheet, ref = result.estate_cell or (None, None)
    msg = Message("denied", sheet, ref, {"estate": result.estate or "", "who": by.label or "–",
                                         "yours": sorted(by.estates)})
    return dataclasses.replace(result, status="rejected", submission=None, errors=(msg, *result.errors))


def check_one(engine: Engine, fw: Framework, estates: Estates, *, file_id: str, filename: str,
              content: bytes, by: Actor, max_bytes: int | None = None) -> Checked:
    """Check one uploaded file and show it before anything is saved.

    When is an upload logged? A rejected file is logged here, at check time: there is
    nothing for the officer to confirm, and a file that was sent but never confirmed
    must still be in the log ("every upload, accepted or rejected, is logged"); its
    outcome cannot change, so logging now records exactly what happened. An accepted
    file is logged when the officer confirms, by ``store_submission`` in the same
    transaction as its data (as 'accepted', or 'duplicate' for a byte-identical file): an
    accepted file that is never confirmed was only previewed, not submitted.

    ``by`` must be allowed to upload (else AccessDenied, audited; nothing logged). An
    accepted file for an estate ``by`` may not submit is turned into a rejected one
    (:func:`denied_result`) and logged at once as such (audit 'upload.denied'): it cannot
    be confirmed, and the officer reads why before trying."""
    from ecocity.core.access import AccessDenied
    from ecocity.flows.intake import Outcome, check_file, log_check_failure, record
    from ecocity.io.workbook.result import CheckResult
    from ecocity.store.uploads import log_denied

    if not by.may("upload"):
        err = AccessDenied(by, "upload")
        log_denied(engine, err, filename=filename, content=content)  # the audit entry only
        raise err
    try:
        result = check_file(content, filename, fw, estates, max_bytes=max_bytes)
    except Exception:  # noqa: BLE001 - the checker never raises on a bad file; a bug must not stop the batch
        log.exception("checking %s failed", filename)
        failed = CheckResult(status="rejected", submission=None)
        return Checked(file_id, make_preview(filename, content, failed, fw), None,
                       log_check_failure(engine, filename=filename, content=content, by=by),
                       check_failed=True)
    preview = make_preview(filename, content, result, fw)
    if preview.accepted and preview.target is not None and not by.may("submit", preview.target[0]):
        refused = denied_result(result, by)
        upload_id = log_denied(engine, AccessDenied(by, "submit", result.estate), filename=filename,
                               content=content, messages=refused.log_messages(), estate_code=result.estate,
                               fiscal_year=result.fiscal_year)
        return Checked(file_id, replace(preview, result=refused, assessment=None), None,
                       Outcome("rejected", upload_id=upload_id) if upload_id is not None else Outcome("unlogged"),
                       denied=True)
    if preview.accepted:
        return Checked(file_id, preview, content)
    outcome = record(engine, result, filename=filename, content=content, by=by, fw=fw)
    return Checked(file_id, preview, None, outcome)


def confirm(engine: Engine, fw: Framework, batch: Sequence[Checked], by: Actor,
            progress: Callable[[int, int, str], None] | None = None) -> list[Checked]:
    """Store every pending file of ``batch`` in order, each in its own transaction (one
    failure never stops the others). Returns the files stored or attempted; their
    ``outcome`` is set and their content released.

    The store checks ``by`` for every file: a file for an estate ``by`` may not submit
    ends 'failed' with the refusal (and is logged as rejected); an actor who may not
    upload at all is refused with AccessDenied before anything is stored."""
    from ecocity.core.access import AccessDenied
    from ecocity.flows.intake import record
    from ecocity.store.uploads import log_denied

    todo = [c for c in batch if c.pending]
    if not by.may("upload"):
        err = AccessDenied(by, "upload")
        for c in todo:
            log_denied(engine, err, filename=c.preview.filename, content=c.content or b"")  # audit only
        raise err
    for done, c in enumerate(todo, 1):
        assert c.content is not None  # pending implies it
        c.outcome = record(engine, c.preview.result, filename=c.preview.filename, content=c.content,
                           by=by, fw=fw)
        c.content = None
        if progress is not None:
            progress(done, len(todo), c.preview.filename)
    return todo


@dataclass(frozen=True)
class ConfirmSummary:
    stored: int
    duplicates: int
    failed: int


def confirm_summary(batch: Iterable[Checked]) -> ConfirmSummary:
    """Counts over the accepted files of a batch that went through confirmation."""
    kinds = [c.outcome.kind for c in batch if c.preview.accepted and c.outcome is not None]
    return ConfirmSummary(stored=kinds.count("stored"), duplicates=kinds.count("duplicate"),
                          failed=len(kinds) - kinds.count("stored") - kinds.count("duplicate"))
