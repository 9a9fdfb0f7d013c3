"""Registry administration: an administrator adds or corrects estates and areas in the app,
one row through a form or many through a corrected CSV/XLSX file.

The flow is that of a submission (``submission-format.md``): read, check every row at
once (each problem names the row, the column and, for spreadsheets, the cell, says what
was found and what to type instead, in Thai and English, with a stable code), preview
what would change against the database, then apply in one transaction.

- A file is read from its bytes, never from a path named by a user: CSV (UTF-8, with or
  without the BOM Excel writes) or .xlsx/.xlsm (the workbook container's guards against
  zip bombs, encryption and XML entities run first, then python-calamine reads values).
- The preview (:class:`Change`) lists rows added, changed (field: old -> new) and
  unchanged, estates that change area, and rows of the database absent from the file:
  those are kept, never deleted (stored submissions refer to them).
- :func:`apply` checks ``edit_registry`` first; in one transaction it re-reads the rows
  and refuses if they changed since the preview, upserts, sets ``meta['registry_edited']``
  (from then on start-up no longer syncs estates and areas from ``data/*.csv``),
  recomputes the assessments of areas whose membership changed, records
  ``registry.changed`` in the audit log and bumps the data version.
- :func:`export_csv` / :func:`export_xlsx` write the registry for editing offline; every
  text cell goes through ``neutralise_formula``, and reading a file takes that leading
  apostrophe off again, so an exported file uploads back unchanged.

Text from users is data: it reaches the database only through SQLAlchemy bound
parameters and is never used as a path.
"""

from __future__ import annotations

import csv
import difflib
import io
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from ecocity import registry as reg
from ecocity import tablefile
from ecocity.access import Actor, require
from ecocity.framework import Framework
from ecocity.i18n import t
from ecocity.store import audit
from ecocity.store import models as m
from ecocity.store.db import bump_data_version, session_scope, set_meta, write_session
from ecocity.store.errors import StoreError
from ecocity.textsafe import FORMULA_START
from ecocity.workbook.layout import col_letter

Kind = Literal["estates", "areas"]
ESTATES: Kind = "estates"
AREAS: Kind = "areas"
KINDS: tuple[Kind, ...] = (ESTATES, AREAS)
Mode = Literal["upsert", "add", "correct"]

COLUMNS: dict[str, tuple[str, ...]] = {ESTATES: reg.ESTATE_COLUMNS, AREAS: reg.AREA_COLUMNS}
# province_en only repeats what province_pcode says: it may be left out or empty.
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    ESTATES: tuple(c for c in reg.ESTATE_COLUMNS if c != "province_en"), AREAS: reg.AREA_COLUMNS}
# The compared (and stored) fields of a row, in display order.
FIELDS: dict[str, tuple[str, ...]] = {
    ESTATES: ("name_th", "name_en", "province_pcode", "region", "lat", "lon", "source_checked"),
    AREAS: ("name_th", "name_en", "province_pcode", "region", "estates"),
}
# The regions the registry uses (data/ieat-estates.csv and areas.csv name these); regions
# already in the database are accepted too.
REGIONS: tuple[str, ...] = ("Central", "Central (BMR)", "Central/East", "East", "North", "North/Central",
                            "Northeast", "South", "West")
CODE_RE = re.compile(r"[A-Z0-9]+(?:-[A-Z0-9]+)*")
CODE_MAX = 64  # estates.code, areas.code
NAME_MAX = 200  # name_th, name_en
# Thailand's extent with a small margin (6 N at Betong, 20.5 N at Mae Sai; 97.3 E to 105.7 E).
LAT_RANGE = (5.5, 20.5)
LON_RANGE = (97.3, 105.7)
MAX_FILE_BYTES = 5 * 2**20
MAX_ROWS = 5000
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_YES = {"yes", "y", "true", "1", "ใช่"}
_NO = {"no", "n", "false", "0", "", "ไม่ใช่"}


class RegistryChanged(StoreError):
    """The rows changed between the preview and the confirmation. Nothing was changed."""

    def __init__(self) -> None:
        super().__init__("registry_admin.stale")


class InvalidRegistry(StoreError):
    """A form's row (or a file) has problems; ``problems`` says which. Nothing was changed."""

    def __init__(self, problems: Sequence[Problem]):
        self.problems = tuple(problems)
        super().__init__("registry_admin.invalid", count=len(self.problems))


# ----------------------------------------------------------------------------- problems


@dataclass(frozen=True)
class Problem:
    """One problem of a file or a form. ``row`` is the spreadsheet row (1 is the header),
    ``column`` the column name (as in the header, e.g. ``name_en``), ``cell`` the
    spreadsheet cell ("C7"); each is None where it does not apply (a form has no row)."""

    code: str
    row: int | None = None
    column: str | None = None
    cell: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)

    def where(self, lang: str | None = "th") -> str:
        col = self.column or ""
        if self.row is not None and self.cell:
            return t("registry_admin.where.cell", lang, row=self.row, column=col, cell=self.cell)
        if self.row is not None and col:
            return t("registry_admin.where.row_column", lang, row=self.row, column=col)
        if self.row is not None:
            return t("registry_admin.where.row", lang, row=self.row)
        if col:
            return t("registry_admin.where.field", lang, field=t(f"registry_admin.field.{col}", lang))
        return ""

    def text(self, lang: str | None = "th") -> str:
        """What is wrong and what to type instead (without the location)."""
        params = dict(self.params)
        if "choices" in params and not isinstance(params["choices"], str):
            params["choices"] = ", ".join(params["choices"])
        return t(f"registry_admin.error.{self.code}", lang, **params)

    def message(self, lang: str | None = "th") -> str:
        where = self.where(lang)
        return f"{where}: {self.text(lang)}" if where else self.text(lang)


# ----------------------------------------------------------------------------- the preview


@dataclass(frozen=True)
class FieldChange:
    field: str
    old: Any
    new: Any


@dataclass(frozen=True)
class RowDiff:
    code: str
    status: Literal["added", "changed", "unchanged"]
    changes: tuple[FieldChange, ...] = ()


@dataclass(frozen=True)
class Move:
    """An estate that changes area (None: no area)."""

    estate: str
    old: str | None
    new: str | None


@dataclass(frozen=True)
class Change:
    """What applying would do. ``estates`` or ``areas`` hold the checked rows."""

    kind: Kind
    source: str
    rows: tuple[RowDiff, ...]
    missing: tuple[str, ...]  # in the database, not in the file: kept as they are
    moves: tuple[Move, ...] = ()
    estates: tuple[reg.Estate, ...] = ()
    areas: tuple[reg.Area, ...] = ()

    def _with(self, status: str) -> tuple[RowDiff, ...]:
        return tuple(r for r in self.rows if r.status == status)

    @property
    def added(self) -> tuple[RowDiff, ...]:
        return self._with("added")

    @property
    def changed(self) -> tuple[RowDiff, ...]:
        return self._with("changed")

    @property
    def unchanged(self) -> tuple[RowDiff, ...]:
        return self._with("unchanged")

    @property
    def has_changes(self) -> bool:
        return bool(self.added or self.changed or self.moves)


@dataclass(frozen=True)
class Prepared:
    """A checked file or form row: its problems, or (when there are none) the change."""

    kind: Kind
    source: str
    format: str  # "csv", "xlsx", "form"
    problems: tuple[Problem, ...] = ()
    change: Change | None = None

    @property
    def ok(self) -> bool:
        return not self.problems and self.change is not None


@dataclass(frozen=True)
class Applied:
    kind: Kind
    added: tuple[str, ...]
    changed: tuple[str, ...]
    unchanged: int
    moves: tuple[Move, ...]
    recomputed_areas: tuple[str, ...]
    data_version: int
    audit_id: int | None  # None when there was nothing to change


# ----------------------------------------------------------------------------- reading files


class _FileProblem(Exception):
    def __init__(self, problem: Problem):
        super().__init__(problem.code)
        self.problem = problem


def _unquote(text: str) -> str:
    """Undo ``neutralise_formula``: an exported "'=x" reads back as "=x"."""
    if text.startswith("'") and text[1:].lstrip(" ").startswith(FORMULA_START):
        return text[1:]
    return text


def _cell_text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "yes" if v else "no"
    if isinstance(v, float):
        if math.isfinite(v) and v.is_integer() and abs(v) < 1e15:
            return str(int(v))
        return repr(v)
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return _unquote(str(v).strip())


def read_table(content: bytes, filename: str = "") -> tuple[str, list[list[str]]]:
    """("csv" or "xlsx", rows of cell texts from row 1); raises _FileProblem."""
    from ecocity.workbook import container

    if len(content) > MAX_FILE_BYTES:
        raise _FileProblem(Problem("too_large", params={"size_mb": round(len(content) / 2**20, 1),
                                                        "limit_mb": MAX_FILE_BYTES // 2**20}))
    if not content.strip(b"\xef\xbb\xbf \t\r\n"):
        raise _FileProblem(Problem("empty_file"))
    if content.startswith(container.ZIP_MAGIC) or content[:8] == container.OLE_MAGIC:
        return "xlsx", _read_xlsx(content, filename)
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            container.sniff(content)
        except container.Refused as r:
            if r.params.get("detected") == "csv":  # text in another encoding (cp874, UTF-16)
                raise _FileProblem(Problem("not_utf8")) from None
            raise _FileProblem(Problem("not_a_table", params={"detected": str(r.params.get("detected"))})) from None
        raise _FileProblem(Problem("not_utf8")) from None
    if "\x00" in text:
        raise _FileProblem(Problem("not_utf8"))
    rows = [[_unquote(c.strip()) for c in row] for row in csv.reader(io.StringIO(text, newline=""))]
    return "csv", rows


def _refused(r: Any) -> _FileProblem:
    if r.code == "zip_bomb":
        return _FileProblem(Problem("zip_bomb", params={"size_mb": r.params.get("size_mb", "?")}))
    if r.code == "encrypted":
        return _FileProblem(Problem("encrypted"))
    if r.code == "too_many_cells":
        return _FileProblem(Problem("too_many_cells", params={"cells": r.params.get("cells", "?")}))
    detected = str(r.params.get("detected", "unknown"))
    if detected == "damaged" or r.code == "damaged_part":
        return _FileProblem(Problem("damaged"))
    return _FileProblem(Problem("not_a_table", params={"detected": detected}))


def _read_xlsx(content: bytes, filename: str) -> list[list[str]]:
    from python_calamine import CalamineWorkbook, PasswordError

    from ecocity.workbook import container

    try:
        box = container.open_container(content, filename)
        if box.format not in ("xlsx", "xlsm"):
            raise _FileProblem(Problem("not_a_table", params={"detected": box.format}))
        if not box.sheet_names:
            raise _FileProblem(Problem("damaged"))
        sheet = box.sheet_names[0]
        # Parses the sheet's XML (refusing any DOCTYPE, so no entity expands) and measures
        # it before calamine allocates the sheet's rectangle.
        container.check_extent(box.facts(sheet), sheet)
    except container.Refused as r:
        raise _refused(r) from None
    try:
        wb = CalamineWorkbook.from_filelike(io.BytesIO(content))
        try:
            grid = wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
        finally:
            wb.close()
    except PasswordError:
        raise _FileProblem(Problem("encrypted")) from None
    except (KeyboardInterrupt, SystemExit, MemoryError):
        raise
    except BaseException:  # noqa: BLE001 - calamine errors and Rust panics: a damaged file
        raise _FileProblem(Problem("damaged")) from None
    return [[_cell_text(v) for v in row] for row in grid]


# ----------------------------------------------------------------------------- checking


@dataclass
class _Context:
    """What rows are checked against, read from the database."""

    provinces: dict[str, tuple[str, str]]  # pcode -> (name_th, name_en)
    regions: tuple[str, ...]
    estates: dict[str, dict[str, Any]]  # code -> fields (FIELDS[ESTATES]) and "area"
    areas: dict[str, dict[str, Any]]  # code -> fields (FIELDS[AREAS])


def _context(session: Session) -> _Context:
    provinces = {p.pcode: (p.name_th, p.name_en) for p in session.scalars(select(m.Province))}
    estates: dict[str, dict[str, Any]] = {}
    for e in session.scalars(select(m.Estate)):
        estates[e.code] = {"name_th": e.name_th, "name_en": e.name_en, "province_pcode": e.province_pcode,
                           "region": e.region, "lat": e.lat, "lon": e.lon,
                           "source_checked": bool(e.source_checked), "area": e.area_code}
    areas: dict[str, dict[str, Any]] = {}
    for a in session.scalars(select(m.Area)):
        areas[a.code] = {"name_th": a.name_th, "name_en": a.name_en, "province_pcode": a.province_pcode,
                         "region": a.region, "estates": ()}
    members: dict[str, list[str]] = {}
    for code, fields in estates.items():
        if fields["area"]:
            members.setdefault(fields["area"], []).append(code)
    for code, codes in members.items():
        if code in areas:
            areas[code]["estates"] = tuple(sorted(codes))
    regions = set(REGIONS) | {f["region"] for f in estates.values() if f["region"]} | {
        f["region"] for f in areas.values() if f["region"]}
    return _Context(provinces, tuple(sorted(regions)), estates, areas)


class _Checker:
    """Checks rows of one kind; collects every problem."""

    def __init__(self, kind: Kind, ctx: _Context, columns: Mapping[str, int] | None, mode: Mode):
        self.kind, self.ctx, self.columns, self.mode = kind, ctx, columns, mode
        self.problems: list[Problem] = []
        self.first_row: dict[str, int | None] = {}
        self.member_of: dict[str, tuple[str, int | None]] = {}

    def add(self, code: str, row: int | None, column: str | None = None, **params: Any) -> None:
        cell = None
        if row is not None and column is not None and self.columns is not None and column in self.columns:
            cell = f"{col_letter(self.columns[column])}{row}"
        self.problems.append(Problem(code, row, column, cell, params))

    def code(self, r: Mapping[str, str], row: int | None) -> str | None:
        code = r.get("code", "")
        if not code:
            self.add("missing_value", row, "code", example="MAP-TA-PHUT")
            return None
        if len(code) > CODE_MAX or not CODE_RE.fullmatch(code):
            self.add("bad_code", row, "code", found=code, suggestion=_suggest_code(code), limit=CODE_MAX)
            return None
        if code in self.first_row:
            first = self.first_row[code]
            self.add("duplicate_code", row, "code", found=code, first_row=first if first is not None else "-")
            return None
        self.first_row[code] = row
        known = self.ctx.estates if self.kind == ESTATES else self.ctx.areas
        if self.mode == "add" and code in known:
            self.add("code_exists", row, "code", found=code)
        elif self.mode == "correct" and code not in known:
            self.add("no_such_code", row, "code", found=code)
        return code

    def names(self, r: Mapping[str, str], row: int | None) -> None:
        for col in ("name_th", "name_en"):
            v = r.get(col, "")
            if not v:
                self.add("missing_value", row, col, example=_EXAMPLE[col])
            elif len(v) > NAME_MAX:
                self.add("too_long", row, col, length=len(v), limit=NAME_MAX)
            elif _CONTROL.search(v):
                self.add("control_characters", row, col)

    def province(self, r: Mapping[str, str], row: int | None, required: bool) -> str | None:
        pcode = r.get("province_pcode", "")
        if not pcode:
            if required:
                self.add("missing_value", row, "province_pcode", example="TH21")
            return None
        if pcode not in self.ctx.provinces:
            named = [p for p, names in self.ctx.provinces.items()
                     if pcode.casefold() in (names[0].casefold(), names[1].casefold(), p.casefold())]
            if named:
                self.add("province_is_name", row, "province_pcode", found=pcode, suggestion=named[0])
            else:
                self.add("unknown_province", row, "province_pcode", found=pcode)
            return None
        given_en = r.get("province_en", "")
        expected = self.ctx.provinces[pcode][1]
        if given_en and given_en != expected:
            self.add("province_mismatch", row, "province_en", found=given_en, pcode=pcode, expected=expected)
        return pcode

    def region(self, r: Mapping[str, str], row: int | None) -> str:
        region = r.get("region", "")
        if not region:
            self.add("missing_value", row, "region", example="East")
        elif region not in self.ctx.regions:
            self.add("unknown_region", row, "region", found=region, choices=self.ctx.regions)
        return region

    def coordinates(self, r: Mapping[str, str], row: int | None) -> tuple[float | None, float | None]:
        out: list[float | None] = []
        for col, (lo, hi) in (("lat", LAT_RANGE), ("lon", LON_RANGE)):
            raw = r.get(col, "")
            if not raw:
                out.append(None)
                continue
            try:
                v = float(raw)
            except ValueError:
                self.add("not_a_number", row, col, found=raw, example="13.7583" if col == "lat" else "100.7893")
                out.append(None)
                continue
            if not (math.isfinite(v) and lo <= v <= hi):
                self.add("outside_thailand", row, col, found=raw, low=lo, high=hi)
                out.append(None)
                continue
            out.append(v)
        lat, lon = out
        if bool(r.get("lat")) != bool(r.get("lon")):
            self.add("lat_lon_pair", row, "lon" if r.get("lat") else "lat")
            return None, None
        return lat, lon

    def yes_no(self, r: Mapping[str, str], row: int | None) -> bool:
        raw = r.get("source_checked", "")
        if raw.casefold() in _YES:
            return True
        if raw.casefold() not in _NO:
            self.add("bad_yes_no", row, "source_checked", found=raw)
        return False

    def members(self, r: Mapping[str, str], row: int | None, area: str | None) -> tuple[str, ...]:
        out: list[str] = []
        for e in (x.strip() for x in r.get("estates", "").split(";")):
            if not e:
                continue
            if e in out:
                self.add("estate_listed_twice", row, "estates", found=e)
                continue
            if e not in self.ctx.estates:
                close = difflib.get_close_matches(e.upper(), list(self.ctx.estates), n=3, cutoff=0.6)
                if close:
                    self.add("unknown_estate_suggest", row, "estates", found=e, choices=close)
                else:
                    self.add("unknown_estate", row, "estates", found=e)
                continue
            if e in self.member_of and area is not None:
                other, other_row = self.member_of[e]
                self.add("estate_in_two_areas", row, "estates", found=e, other=other,
                         other_row=other_row if other_row is not None else "-")
                continue
            if area is not None:
                self.member_of[e] = (area, row)
            out.append(e)
        return tuple(out)

    def estate(self, r: Mapping[str, str], row: int | None) -> reg.Estate | None:
        code = self.code(r, row)
        self.names(r, row)
        pcode = self.province(r, row, required=False)
        region = self.region(r, row)
        lat, lon = self.coordinates(r, row)
        checked = self.yes_no(r, row)
        if code is None:
            return None
        return reg.Estate(code=code, name_th=r.get("name_th", ""), name_en=r.get("name_en", ""),
                          province_pcode=pcode, region=region, lat=lat, lon=lon, source_checked=checked)

    def area(self, r: Mapping[str, str], row: int | None) -> reg.Area | None:
        code = self.code(r, row)
        self.names(r, row)
        pcode = self.province(r, row, required=True)
        region = self.region(r, row)
        members = self.members(r, row, code)
        if code is None:
            return None
        return reg.Area(code=code, name_th=r.get("name_th", ""), name_en=r.get("name_en", ""),
                        province_pcode=pcode or "", region=region, estates=members)


_EXAMPLE = {"name_th": "นิคมอุตสาหกรรมมาบตาพุด", "name_en": "Map Ta Phut IE"}


def _suggest_code(raw: str) -> str:
    s = re.sub(r"[^A-Z0-9]+", "-", raw.upper()).strip("-")
    return s[:CODE_MAX].rstrip("-") or "MAP-TA-PHUT"


# ----------------------------------------------------------------------------- diff


def _fields(kind: Kind, row: reg.Estate | reg.Area) -> dict[str, Any]:
    out = {f: getattr(row, f) for f in FIELDS[kind]}
    if kind == AREAS:
        out["estates"] = tuple(sorted(out["estates"]))
    return out


def _diff(ctx: _Context, kind: Kind, source: str, rows: Sequence[reg.Estate | reg.Area]) -> Change:
    have = ctx.estates if kind == ESTATES else ctx.areas
    diffs: list[RowDiff] = []
    for row in rows:
        new = _fields(kind, row)
        old = have.get(row.code)
        if old is None:
            diffs.append(RowDiff(row.code, "added"))
            continue
        changes = tuple(FieldChange(f, old[f], new[f]) for f in FIELDS[kind] if old[f] != new[f])
        diffs.append(RowDiff(row.code, "changed" if changes else "unchanged", changes))
    listed = {r.code for r in rows}
    missing = tuple(sorted(c for c in have if c not in listed))
    moves: list[Move] = []
    if kind == AREAS:
        target: dict[str, str | None] = {}
        for a in rows:
            for e in ctx.areas.get(a.code, {}).get("estates", ()):
                target[e] = None  # leaves the area unless listed again below
        for a in rows:
            for e in a.estates:
                target[e] = a.code
        moves = [Move(e, ctx.estates[e]["area"], new) for e, new in sorted(target.items())
                 if ctx.estates[e]["area"] != new]
    return Change(kind=kind, source=source, rows=tuple(diffs), missing=missing, moves=tuple(moves),
                  estates=tuple(rows) if kind == ESTATES else (),  # type: ignore[arg-type]
                  areas=tuple(rows) if kind == AREAS else ())  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- preparing


def _check_kind(kind: str) -> Kind:
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, found {kind!r}")
    return kind  # type: ignore[return-value]


def prepare_file(engine: Engine, kind: Kind, content: bytes, filename: str = "") -> Prepared:
    """Read and check an uploaded estates or areas file; its problems, or the preview."""
    kind = _check_kind(kind)
    try:
        fmt, grid = read_table(content, filename)
    except _FileProblem as p:
        return Prepared(kind, filename, "file", (p.problem,))
    if not grid or not any(grid[0]):
        return Prepared(kind, filename, fmt, (Problem("empty_file"),))
    header = [h.strip().lower() for h in grid[0]]
    columns: dict[str, int] = {}
    for i, h in enumerate(header):
        if h and h not in columns:
            columns[h] = i
    missing = [c for c in REQUIRED_COLUMNS[kind] if c not in columns]
    if missing:
        return Prepared(kind, filename, fmt, tuple(
            Problem("missing_column", 1, c, None, {"found": ", ".join(h for h in header if h) or "-",
                                                  "expected": ", ".join(COLUMNS[kind])}) for c in missing))
    body = [(n, row) for n, row in enumerate(grid[1:], 2) if any(c.strip() for c in row)]
    if len(body) > MAX_ROWS:
        return Prepared(kind, filename, fmt, (Problem("too_many_rows", params={"rows": len(body),
                                                                               "limit": MAX_ROWS}),))
    if not body:
        return Prepared(kind, filename, fmt, (Problem("no_rows"),))
    records: list[tuple[int | None, dict[str, str]]] = []
    extra: list[Problem] = []
    width = len(header)
    for n, row in body:
        if fmt == "csv" and len(row) > width and any(c for c in row[width:]):
            extra.append(Problem("extra_cells", n, None, None, {"count": width}))
        records.append((n, {c: (row[i].strip() if i < len(row) else "") for c, i in columns.items()}))
    return _prepare(engine, kind, filename, fmt, records, columns, "upsert", extra)


def prepare_rows(engine: Engine, kind: Kind, rows: Iterable[Mapping[str, Any]], *, mode: Mode = "upsert",
                 source: str = "form") -> Prepared:
    """Check rows typed in a form (field -> text); problems name the field, not a cell.
    ``mode`` "add" refuses codes that exist, "correct" codes that do not."""
    kind = _check_kind(kind)
    records: list[tuple[int | None, dict[str, str]]] = []
    for r in rows:
        clean: dict[str, str] = {}
        for k, v in r.items():
            if k == "estates" and isinstance(v, (list, tuple, set, frozenset)):
                v = ";".join(str(x) for x in v)
            elif isinstance(v, bool):
                v = "yes" if v else "no"
            elif v is None or (isinstance(v, float) and math.isnan(v)):
                v = ""
            clean[k] = str(v).strip()
        records.append((None, clean))
    return _prepare(engine, kind, source, "form", records, None, mode, [])


def _prepare(engine: Engine, kind: Kind, source: str, fmt: str, records: list[tuple[int | None, dict[str, str]]],
             columns: Mapping[str, int] | None, mode: Mode, extra: list[Problem]) -> Prepared:
    with session_scope(engine) as s:
        ctx = _context(s)
    checker = _Checker(kind, ctx, columns, mode)
    checker.problems.extend(extra)
    rows = [checker.estate(r, n) if kind == ESTATES else checker.area(r, n) for n, r in records]
    if checker.problems:
        return Prepared(kind, source, fmt, tuple(checker.problems))
    return Prepared(kind, source, fmt, (), _diff(ctx, kind, source, [r for r in rows if r is not None]))


# ----------------------------------------------------------------------------- applying


def apply(engine: Engine, change: Change, by: Actor, fw: Framework | None = None) -> Applied:
    """Store a previewed change (see the module docstring). Raises AccessDenied unless ``by``
    may edit the registry, and RegistryChanged when the rows changed since the preview;
    in both cases nothing was changed."""
    require(by, "edit_registry")
    from ecocity.store.derived import needs_full_recompute, recompute_areas, recompute_everything
    from ecocity.store.seed import framework_in_force

    kind = _check_kind(change.kind)
    rows: Sequence[reg.Estate | reg.Area] = change.estates if kind == ESTATES else change.areas
    with write_session(engine) as (s, dv):
        fw = fw or framework_in_force(s)
        fresh = _diff(_context(s), kind, change.source, rows)
        if (fresh.rows, fresh.moves) != (change.rows, change.moves):
            raise RegistryChanged()
        if not fresh.has_changes:
            return Applied(kind, (), (), len(fresh.unchanged), (), (), dv, None)
        todo = {r.code for r in fresh.rows if r.status != "unchanged"}
        model = m.Estate if kind == ESTATES else m.Area
        have = {r.code: r for r in s.scalars(select(model).where(model.code.in_(sorted(todo))))}
        for row in rows:
            if row.code not in todo:
                continue
            values = {f: getattr(row, f) for f in FIELDS[kind] if f != "estates"}
            obj = have.get(row.code)
            if obj is None:
                s.add(model(code=row.code, **values))
            else:
                for k, v in values.items():
                    setattr(obj, k, v)
        s.flush()  # new areas exist before estates refer to them
        if fresh.moves:
            moving = {mv.estate: mv.new for mv in fresh.moves}
            for e in s.scalars(select(m.Estate).where(m.Estate.code.in_(sorted(moving)))):
                e.area_code = moving[e.code]
            s.flush()
        _mark_edited(s)
        touched = sorted({a for mv in fresh.moves for a in (mv.old, mv.new) if a})
        if touched:
            if needs_full_recompute(s, fw):
                recompute_everything(s, fw)
            else:
                recompute_areas(s, fw, touched)
        added = tuple(r.code for r in fresh.added)
        changed = tuple(r.code for r in fresh.changed)
        entry = audit.record(s, by, "registry.changed", kind, details={
            "source": change.source[:200], "added": list(added), "changed": list(changed),
            "counts": {"added": len(added), "changed": len(changed), "unchanged": len(fresh.unchanged),
                       "kept_missing": len(fresh.missing), "moved": len(fresh.moves)},
            "fields": {r.code: [c.field for c in r.changes] for r in fresh.changed},
            "moves": [{"estate": mv.estate, "from": mv.old, "to": mv.new} for mv in fresh.moves],
            "recomputed_areas": touched})
        version = bump_data_version(s)
    return Applied(kind, added, changed, len(fresh.unchanged), fresh.moves, tuple(touched), version, entry.id)


def _mark_edited(s: Session) -> None:
    set_meta(s, m.REGISTRY_EDITED_KEY, m.utcnow().isoformat())


def registry_edited(engine: Engine) -> str | None:
    """When an administrator last changed the registry in the app (ISO time), or None."""
    with session_scope(engine) as s:
        return s.scalar(select(m.Meta.value).where(m.Meta.key == m.REGISTRY_EDITED_KEY))


# ----------------------------------------------------------------------------- single rows


def _apply_rows(engine: Engine, by: Actor, kind: Kind, rows: list[dict[str, Any]], mode: Mode,
                fw: Framework | None) -> Applied:
    require(by, "edit_registry")
    p = prepare_rows(engine, kind, rows, mode=mode)
    if not p.ok or p.change is None:
        raise InvalidRegistry(p.problems)
    return apply(engine, p.change, by, fw)


def current_row(engine: Engine, kind: Kind, code: str) -> dict[str, str] | None:
    """One row as a form shows it (field -> text), or None."""
    with session_scope(engine) as s:
        for row in _export_rows(s, _check_kind(kind)):
            if row["code"] == code:
                return {k: "" if v is None else str(v) for k, v in row.items()}
    return None


def add_estate(engine: Engine, by: Actor, fw: Framework | None = None, **fields: Any) -> Applied:
    """Add one estate (``code``, ``name_th``, ``name_en``, ``region``, optional
    ``province_pcode``, ``lat``, ``lon``, ``source_checked``). Raises InvalidRegistry."""
    return _apply_rows(engine, by, ESTATES, [fields], "add", fw)


def correct_estate(engine: Engine, by: Actor, code: str, fw: Framework | None = None, **fields: Any) -> Applied:
    """Change fields of an existing estate; fields not given keep their value."""
    require(by, "edit_registry")
    row = current_row(engine, ESTATES, code) or {"code": code}
    row.pop("province_en", None)
    return _apply_rows(engine, by, ESTATES, [{**row, **fields, "code": code}], "correct", fw)


def add_area(engine: Engine, by: Actor, fw: Framework | None = None, **fields: Any) -> Applied:
    """Add one area; ``estates`` (a list or "A;B") move into it from wherever they were."""
    return _apply_rows(engine, by, AREAS, [fields], "add", fw)


def correct_area(engine: Engine, by: Actor, code: str, fw: Framework | None = None, **fields: Any) -> Applied:
    """Change fields of an existing area; ``estates``, when given, is its whole membership."""
    require(by, "edit_registry")
    row = current_row(engine, AREAS, code) or {"code": code}
    return _apply_rows(engine, by, AREAS, [{**row, **fields, "code": code}], "correct", fw)


def save_row(engine: Engine, by: Actor, kind: Kind, mode: str, fields: Mapping[str, Any]) -> Applied:
    """The page's one-row form: ``mode`` "add" adds the row of ``fields``; "correct"
    changes the row ``fields["code"]`` to the other fields (add_/correct_estate or _area)."""
    kind = _check_kind(kind)
    if mode == "add":
        return (add_estate if kind == ESTATES else add_area)(engine, by, **fields)
    rest = {k: v for k, v in fields.items() if k != "code"}
    return (correct_estate if kind == ESTATES else correct_area)(engine, by, fields["code"], **rest)


def move_estate(engine: Engine, by: Actor, estate: str, area: str | None, fw: Framework | None = None) -> Applied:
    """Put ``estate`` into ``area`` (None: into no area); both areas' levels are recomputed."""
    require(by, "edit_registry")
    with session_scope(engine) as s:
        ctx = _context(s)
    if estate not in ctx.estates:
        raise InvalidRegistry([Problem("unknown_estate", None, "estates", None, {"found": estate})])
    old = ctx.estates[estate]["area"]
    if area is None:
        if old is None:
            return _apply_rows(engine, by, AREAS, [], "upsert", fw)
        members = [e for e in ctx.areas[old]["estates"] if e != estate]
        return _apply_rows(engine, by, AREAS, [{**_area_form(ctx, old), "estates": members}], "correct", fw)
    if area not in ctx.areas:
        raise InvalidRegistry([Problem("no_such_code", None, "area", None, {"found": area})])
    members = sorted({*ctx.areas[area]["estates"], estate})
    return _apply_rows(engine, by, AREAS, [{**_area_form(ctx, area), "estates": members}], "correct", fw)


def _area_form(ctx: _Context, code: str) -> dict[str, Any]:
    a = ctx.areas[code]
    return {"code": code, "name_th": a["name_th"], "name_en": a["name_en"],
            "province_pcode": a["province_pcode"], "region": a["region"]}


# ----------------------------------------------------------------------------- reading, export


def _export_rows(s: Session, kind: Kind) -> list[dict[str, Any]]:
    ctx = _context(s)
    out: list[dict[str, Any]] = []
    if kind == ESTATES:
        for code in sorted(ctx.estates):
            e = ctx.estates[code]
            out.append({"code": code, "name_th": e["name_th"], "name_en": e["name_en"],
                        "province_pcode": e["province_pcode"] or "",
                        "province_en": ctx.provinces.get(e["province_pcode"] or "", ("", ""))[1],
                        "region": e["region"], "lat": e["lat"], "lon": e["lon"],
                        "source_checked": "yes" if e["source_checked"] else "no"})
    else:
        for code in sorted(ctx.areas):
            a = ctx.areas[code]
            out.append({"code": code, "name_th": a["name_th"], "name_en": a["name_en"],
                        "province_pcode": a["province_pcode"], "region": a["region"],
                        "estates": ";".join(a["estates"])})
    return out


def table_columns(kind: Kind) -> list[str]:
    """The columns of the page's table of ``kind``: the file's, without ``province_en``
    (``province_pcode`` says it); estates also show their ``area`` (see :func:`rows`)."""
    kind = _check_kind(kind)
    return [c for c in COLUMNS[kind] if c != "province_en"] + (["area"] if kind == ESTATES else [])


def rows(engine: Engine, kind: Kind) -> list[dict[str, Any]]:
    """The current registry rows of ``kind`` in the file's columns (for the page's table);
    estates also carry ``area``, the area they belong to."""
    with session_scope(engine) as s:
        out = _export_rows(s, _check_kind(kind))
        if kind == ESTATES:
            area_of = dict(s.execute(select(m.Estate.code, m.Estate.area_code)).all())
            for r in out:
                r["area"] = area_of.get(r["code"]) or ""
    return out


def choices(engine: Engine) -> dict[str, Any]:
    """What the form offers: provinces (pcode -> (th, en)), regions, estate and area codes."""
    with session_scope(engine) as s:
        ctx = _context(s)
    return {"provinces": ctx.provinces, "regions": ctx.regions,
            "estates": {c: (e["name_th"], e["name_en"], e["area"]) for c, e in sorted(ctx.estates.items())},
            "areas": {c: (a["name_th"], a["name_en"]) for c, a in sorted(ctx.areas.items())}}


def _export(engine: Engine, kind: Kind) -> tuple[Kind, list[list[Any]]]:
    kind = _check_kind(kind)
    with session_scope(engine) as s:
        data = _export_rows(s, kind)
    return kind, [[r[c] for c in COLUMNS[kind]] for r in data]


def export_csv(engine: Engine, kind: Kind) -> bytes:
    """The registry of ``kind`` as CSV (see :mod:`ecocity.tablefile`)."""
    kind, rows = _export(engine, kind)
    return tablefile.csv_bytes(COLUMNS[kind], rows)


def export_xlsx(engine: Engine, kind: Kind) -> bytes:
    """The registry of ``kind`` as an .xlsx with one sheet named after it, header frozen."""
    kind, rows = _export(engine, kind)
    widths = [{"name_th": 40, "name_en": 36, "estates": 60}.get(c, 16) for c in COLUMNS[kind]]
    return tablefile.xlsx_bytes(kind, COLUMNS[kind], rows, widths)


def export_filename(kind: Kind, fmt: str) -> str:
    return {ESTATES: reg.ESTATES_FILE, AREAS: reg.AREAS_FILE}[_check_kind(kind)].rsplit(".", 1)[0] + "." + fmt


# ----------------------------------------------------------------------------- sample data


def sample_counts(engine: Engine) -> tuple[int, int]:
    """(sample submissions, sample uploads) in the database."""
    with session_scope(engine) as s:
        subs = s.scalar(select(func.count()).select_from(m.Submission).where(m.Submission.is_sample)) or 0
        ups = s.scalar(select(func.count()).select_from(m.Upload).where(m.Upload.is_sample)) or 0
    return int(subs), int(ups)


__all__ = ["AREAS", "ESTATES", "KINDS", "Applied", "Change", "FieldChange", "InvalidRegistry", "Move", "Prepared",
           "Problem", "RegistryChanged", "RowDiff", "add_area", "add_estate", "apply", "choices", "correct_area",
           "correct_estate", "current_row", "export_csv", "export_filename", "export_xlsx", "move_estate",
           "prepare_file", "prepare_rows", "read_table", "registry_edited", "rows", "sample_counts", "save_row", "table_columns"]
