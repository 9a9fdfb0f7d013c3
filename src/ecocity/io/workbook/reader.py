"""Check one uploaded workbook against docs/submission-format.md and read it: every problem at once
as a located message, nothing in the file ever executed (see docs/design-notes.md)."""

from __future__ import annotations

import difflib
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from python_calamine import CalamineWorkbook, PasswordError

from ecocity.core.framework import Framework, Indicator, Value
from ecocity.core.submission import SubmissionData
from ecocity.i18n import t
from ecocity.io.workbook import cells
from ecocity.io.workbook.container import Refused, SheetFacts, check_extent, open_container
from ecocity.io.workbook.layout import (
    GENERAL_SEARCH_COLS,
    GENERAL_SEARCH_ROWS,
    HEADER_SEARCH_ROWS,
    REQUIRED_COLUMNS,
    SHEET_GENERAL,
    SHEET_INDICATORS,
    cell_ref,
    column_label,
    column_of,
    general_field_of,
    match_sheets,
    sheet_title,
)
from ecocity.io.workbook.result import CheckResult, Message

__all__ = ["CheckResult", "Message", "check_workbook", "too_large", "unreadable"]

Estates = Mapping[str, tuple[str, str]]  # code -> (name_th, name_en)
Grid = Sequence[Sequence[Any]]
_CODE_SHAPE = re.compile(r"^[A-Z]{2,6}-?\d{1,3}[A-Z]?$")
# Unknown codes that get "did you mean" suggestions: difflib costs ~0.1 ms per code, and a
# pasted table of 50,000 rows made the check take seconds (found by fuzzing).
SUGGEST_LIMIT = 100


def _both(key: str, **kw: Any) -> dict[str, str]:
    return {"th": t(key, "th", **kw), "en": t(key, "en", **kw)}


def _subject(ind: Indicator) -> dict[str, str]:
    return {"th": f"{ind.code} {ind.name_th}", "en": f"{ind.code} {ind.name_en}"}


def _field_subject(key: str) -> dict[str, str]:
    return _both(f"workbook.field.{key}")


@dataclass
class _Run:
    """Messages and parsed data collected while checking one file."""

    fw: Framework
    estates: Estates
    errors: list[Message] = field(default_factory=list)
    warnings: list[Message] = field(default_factory=list)
    general: dict[str, Any] = field(default_factory=dict)
    values: dict[str, Value] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    seen: set[str] = field(default_factory=set)  # framework codes found in the sheet
    sheet_read: bool = False  # values are reported for every framework code once read

    def add(self, code: str, sheet: str | None = None, ref: str | None = None, /,
            **params: Any) -> None:
        msg = Message(code, sheet, ref, params)
        (self.errors if msg.severity == "error" else self.warnings).append(msg)

    def refused(self, r: Refused, sheet: str | None = None, fmt: str | None = None) -> CheckResult:
        self.add(r.code, r.sheet or sheet, None, **r.params)
        return self.result(fmt)

    def result(self, fmt: str | None) -> CheckResult:
        g = self.general
        values = ({code: self.values.get(code) for code in self.fw.codes}
                  if self.sheet_read else {})
        submission = None
        if not self.errors:
            submission = SubmissionData(
                estate_code=g["estate_code"], fiscal_year=g["fiscal_year"],
                factories=g["factories"], submitted_by=g["submitted_by"], values=values,
                estate_name=g.get("estate_name") or "", email=g.get("email") or "",
                submitted_on=g.get("date"), notes=dict(self.notes))
        return CheckResult(status="rejected" if self.errors else "accepted",
                           submission=submission, errors=tuple(self.errors),
                           warnings=tuple(self.warnings), estate=g.get("estate_code"),
                           fiscal_year=g.get("fiscal_year"), values=values, format=fmt,
                           estate_cell=g.get("estate_cell"))


def check_workbook(content: bytes, filename: str, fw: Framework, estates: Estates,
                   max_bytes: int | None = None) -> CheckResult:
    """Check ``content`` (the uploaded bytes) and read it when it is acceptable.

    ``estates`` maps registry codes to (name_th, name_en). ``max_bytes`` defaults to the
    configured upload limit (ECOCITY_MAX_UPLOAD_MB).
    """
    run = _Run(fw, estates)
    if max_bytes is None:
        from ecocity.config import settings

        max_bytes = settings().max_upload_bytes
    if len(content) > max_bytes:
        return too_large(len(content), max_bytes, fw, estates)
    try:
        container = open_container(content, filename)
    except Refused as r:
        return run.refused(r)
    fmt = container.format

    roles = match_sheets(container.sheet_names)
    missing = [pair for role, pair in (("general", SHEET_GENERAL), ("indicators", SHEET_INDICATORS))
               if role not in roles]
    if missing:  # reported, and the sheet that is there is still checked: all errors at once
        run.add("missing_sheets", missing=[sheet_title(p) for p in missing],
                found=list(container.sheet_names))
    general, indicators = roles.get("general"), roles.get("indicators")
    names = [n for n in (general, indicators) if n is not None]
    facts: dict[str, SheetFacts] = {}
    for name in names:
        try:
            facts[name] = container.facts(name)
            check_extent(facts[name])
        except Refused as r:
            return run.refused(r, name, fmt)

    if not names:
        return run.result(fmt)
    grids: dict[str, Grid]
    try:
        if container.grid is not None:
            grids = {name: container.grid(name) for name in names}
        else:  # .xlsx: the measured parts alone, rebuilt; .ods: the file as measured
            grids = _read_grids(container.for_calamine(names) if container.for_calamine else content, names)
    except Refused as r:
        return run.refused(r, None, fmt)

    if general is not None:
        _check_general(run, general, grids[general], facts[general])
    if indicators is not None:
        _check_indicators(run, indicators, grids[indicators], facts[indicators])
    return run.result(fmt)


def too_large(size: int, max_bytes: int, fw: Framework, estates: Estates) -> CheckResult:
    """The result for a file over the size limit, without reading it (``size`` in bytes)."""
    run = _Run(fw, estates)
    run.add("too_large", size_mb=round(size / 2**20, 2), limit_mb=round(max_bytes / 2**20, 2))
    return run.result(None)


def unreadable(reason: str, fw: Framework, estates: Estates) -> CheckResult:
    """The result for a file the operating system would not give us (``reason``, e.g.
    "Permission denied"): rejected like any bad file, so a batch goes on."""
    run = _Run(fw, estates)
    run.add("unreadable", reason=reason)
    return run.result(None)


def _read_grids(content: bytes, names: Sequence[str]) -> dict[str, Grid]:
    """Values of the named sheets, positioned from A1 (row 0 = sheet row 1)."""
    try:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(content))
    except PasswordError:
        raise Refused("encrypted") from None
    except (KeyboardInterrupt, SystemExit, MemoryError):
        raise
    except BaseException:  # noqa: BLE001 - calamine errors and Rust panics: a damaged file
        raise Refused("not_a_workbook", detected="damaged") from None
    out: dict[str, Grid] = {}
    try:
        for name in names:
            out[name] = wb.get_sheet_by_name(name).to_python(skip_empty_area=False)
    except PasswordError:
        raise Refused("encrypted") from None
    except (KeyboardInterrupt, SystemExit, MemoryError):
        raise
    except BaseException:  # noqa: BLE001
        raise Refused("not_a_workbook", detected="damaged") from None
    finally:
        wb.close()
    return out


def _at(grid: Grid, r: int, c: int) -> Any:
    if r < len(grid) and c < len(grid[r]):
        return grid[r][c]
    return None


def _cell_problem(run: _Run, sheet: str, facts: SheetFacts, grid: Grid, r: int, c: int,
                  subject: dict[str, str]) -> bool:
    """Report a formula without a value or an error cell; True when one was found."""
    if (r, c) in facts.formula_no_value:
        run.add("formula_without_value", sheet, cell_ref(r, c), subject=subject)
        return True
    shown = facts.errors.get((r, c)) or cells.error_text(_at(grid, r, c))
    if shown:
        run.add("cell_error", sheet, cell_ref(r, c), subject=subject, found=shown)
        return True
    return False


# ----------------------------------------------------------------------------- General


def _check_general(run: _Run, sheet: str, grid: Grid, facts: SheetFacts) -> None:
    found: list[tuple[str, int, int]] = []  # (field, row, col) of every label-like cell
    for r, row in enumerate(grid[:GENERAL_SEARCH_ROWS]):
        for c, cell in enumerate(row[:GENERAL_SEARCH_COLS]):
            if isinstance(cell, str) and cell.strip():
                key = general_field_of(cell)
                if key:
                    found.append((key, r, c))
    # Labels share a column; a value that happens to read like a label (a name typed in
    # column B) must not move a field, so labels in the main label column come first.
    cols = [c for _, _, c in found]
    label_col = max(set(cols), key=cols.count) if cols else 0
    where: dict[str, tuple[int, int]] = {}  # field -> (row, col) of its value cell
    for key, r, c in sorted(found, key=lambda f: f[2] != label_col):
        where.setdefault(key, (r, c + 1))

    def raw(key: str) -> tuple[Any, str | None, bool]:
        """Value, its cell reference, and whether the cell itself is broken."""
        if key not in where:
            return None, None, False
        r, c = where[key]
        broken = _cell_problem(run, sheet, facts, grid, r, c, _field_subject(key))
        return (None if broken else _at(grid, r, c)), cell_ref(r, c), broken

    g = run.general
    # Estate code (+ name, informational)
    code_raw, code_ref, broken = raw("estate_code")
    name_raw, name_ref, _ = raw("estate_name")
    name = cells.parse_text(name_raw).value
    if name:
        g["estate_name"] = name
    if not broken:
        code = cells.norm_code(code_raw)
        if not code:
            run.add("missing_estate_code", sheet, code_ref)
        else:
            canonical = code if code in run.estates else _estate_index(run.estates).get(code)
            if canonical is None:
                run.add("unknown_estate", sheet, code_ref, found=cells.show(code_raw),
                        suggestions=_suggest_estates(run.estates, code, str(code_raw)))
            else:
                g["estate_code"] = canonical
                g["estate_cell"] = (sheet, code_ref) if code_ref else None
                if name and not _same_name(name, run.estates[canonical]):
                    run.add("estate_name_mismatch", sheet, name_ref, found=cells.show(name_raw),
                            code=canonical, expected=list(dict.fromkeys(run.estates[canonical])))

    # Fiscal year
    fy_raw, fy_ref, broken = raw("fiscal_year")
    if not broken:
        p = cells.parse_fiscal_year(fy_raw)
        if p.missing:
            run.add("missing_fiscal_year", sheet, fy_ref)
        elif p.error is not None:  # not p.ok
            run.add(p.error, sheet, fy_ref, **p.params)
        else:
            g["fiscal_year"] = p.value
            if p.warning:
                run.add(p.warning, sheet, fy_ref, **p.params)

    # Number of factories
    f_raw, f_ref, broken = raw("factories")
    if not broken:
        p = cells.parse_whole_number(f_raw)
        if p.missing:
            run.add("missing_factories", sheet, f_ref)
        elif p.error is not None:  # not p.ok
            run.add(p.error, sheet, f_ref, subject=_field_subject("factories"), **p.params)
        else:
            g["factories"] = p.value

    # Submitted by
    s_raw, s_ref, broken = raw("submitted_by")
    if not broken:
        p = cells.parse_text(s_raw)
        if p.missing:
            run.add("missing_submitted_by", sheet, s_ref)
        else:
            g["submitted_by"] = p.value

    # Email and date (optional)
    e_raw, e_ref, broken = raw("email")
    if not broken:
        p = cells.parse_email(e_raw)
        if p.error is not None:  # not p.ok
            run.add(p.error, sheet, e_ref, **p.params)
        elif p.value:
            g["email"] = p.value
    d_raw, d_ref, broken = raw("date")
    if not broken:
        p = cells.parse_date(d_raw)
        if p.error is not None:  # not p.ok
            run.add(p.error, sheet, d_ref, **p.params)
        elif p.value:
            g["date"] = p.value


def _estate_index(estates: Estates) -> dict[str, str]:
    return {cells.norm_code(code): code for code in estates}


_NAME_NOISE = re.compile(r"นิคมอุตสาหกรรม|นิคมฯ|นิคม|industrial\s*estate|\bi\.?e\.?$|[\s.,()\-]",
                         re.I)


def _name_key(name: str) -> str:
    return _NAME_NOISE.sub("", name.lower())


def _same_name(typed: str, names: tuple[str, str]) -> bool:
    k = _name_key(typed)
    if not k:
        return True
    return any(k == _name_key(n) or (len(k) >= 3 and (k in _name_key(n) or _name_key(n) in k))
               for n in names if n)


def _suggest_estates(estates: Estates, code: str, typed: str, n: int = 3) -> list[str]:
    """Closest registry codes: an estate whose name was typed in the code cell first, then
    the codes that look most alike."""
    out: list[str] = [c for c, names in estates.items() if _same_name(typed, names)
                      and _name_key(typed)][:n]
    index = _estate_index(estates)
    for k in difflib.get_close_matches(code, list(index), n=n, cutoff=0.0):
        if index[k] not in out:
            out.append(index[k])
    return out[:n]


# ----------------------------------------------------------------------------- Indicators


def _find_header(grid: Grid) -> tuple[int, dict[str, int]] | None:
    for r, row in enumerate(grid[:HEADER_SEARCH_ROWS]):
        cols: dict[str, int] = {}
        for c, cell in enumerate(row):
            if isinstance(cell, str) and cell.strip():
                key = column_of(cell)
                if key and key not in cols:
                    cols[key] = c
        if all(k in cols for k in REQUIRED_COLUMNS):
            return r, cols
    return None


def _check_indicators(run: _Run, sheet: str, grid: Grid, facts: SheetFacts) -> None:
    fw = run.fw
    header = _find_header(grid)
    if header is None:
        run.add("missing_header", sheet, None,
                expected=[f"{column_label(k, 'th')} ({column_label(k, 'en')})"
                          for k in REQUIRED_COLUMNS])
        return
    hr, cols = header
    code_c, value_c, notes_c = cols["code"], cols["value"], cols.get("notes")
    by_code = {i.code.upper(): i for i in fw.indicators}
    first_ref: dict[str, str] = {}
    unknown = 0
    for r in range(hr + 1, len(grid)):
        code_raw = _at(grid, r, code_c)
        value_raw = _at(grid, r, value_c)
        code = cells.norm_code(code_raw)
        if not code:
            if not cells.is_missing(value_raw) or (r, value_c) in facts.errors:
                run.add("value_without_code", sheet, cell_ref(r, value_c),
                        found=cells.show(value_raw))
            continue
        ind = by_code.get(code)
        if ind is None:
            if _CODE_SHAPE.match(code) or not cells.is_missing(value_raw):
                unknown += 1
                close = (difflib.get_close_matches(code, list(by_code), n=2, cutoff=0.75)
                         if unknown <= SUGGEST_LIMIT else [])
                run.add("unknown_indicator", sheet, cell_ref(r, code_c),
                        found=cells.show(code_raw), codes=[by_code[c].code for c in close])
            continue
        run.seen.add(ind.code)
        if ind.code in first_ref:
            run.add("duplicate_code", sheet, cell_ref(r, code_c), code=ind.code,
                    first=f"{sheet}!{first_ref[ind.code]}")
            continue
        first_ref[ind.code] = cell_ref(r, code_c)
        if notes_c is not None:
            note = cells.parse_text(_at(grid, r, notes_c)).value
            if note:
                run.notes[ind.code] = note
        ref = cell_ref(r, value_c)
        if _cell_problem(run, sheet, facts, grid, r, value_c, _subject(ind)):
            continue
        p = cells.parse_indicator(value_raw, ind, percent_format=(r, value_c) in facts.percent)
        if p.error is not None:  # not p.ok
            params: dict[str, Any] = {"subject": _subject(ind), **p.params}
            if p.error == "not_a_number":
                params["unit"] = {"th": ind.unit_th or "-", "en": ind.unit_en or "-"}
            run.add(p.error, sheet, ref, **params)
            continue
        if p.missing:
            run.add("missing_value", sheet, ref, subject=_subject(ind))
        elif p.warning == "percent_small_fraction":
            run.add(p.warning, sheet, ref, subject=_subject(ind), value=p.value,
                    as_percent=cells.times_100(p.value))
        run.values[ind.code] = p.value
    for ind in fw.indicators:
        if ind.code not in run.seen:
            run.add("indicator_absent", sheet, None, subject=_subject(ind))
    run.sheet_read = True
