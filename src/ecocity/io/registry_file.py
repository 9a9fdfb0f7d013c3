"""The registry file of administrators (estates and areas as CSV/XLSX or a form row): read it, check
every row at once and diff it against the stored rows into a preview; ``ecocity.store.registry``
applies it (see docs/design-notes.md)."""

from __future__ import annotations

import csv
import difflib
import io
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, cast

from ecocity.core import registry as reg
from ecocity.core.textsafe import FORMULA_START
from ecocity.i18n import t
from ecocity.io.workbook.layout import col_letter

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
# The rectangle of the first sheet read from an .xlsx (rows x columns): MAX_ROWS rows of
# 50 columns. The workbook reader's limit (2,000,000) made a stray value in XFD120 cost
# seconds here, where every cell becomes text (found by fuzzing).
MAX_AREA = 250_000
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_YES = {"yes", "y", "true", "1", "ใช่"}
_NO = {"no", "n", "false", "0", "", "ไม่ใช่"}


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


class FileProblem(Exception):
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
    """("csv" or "xlsx", rows of cell texts from row 1); raises FileProblem."""
    from ecocity.io.workbook import container

    if len(content) > MAX_FILE_BYTES:
        raise FileProblem(Problem("too_large", params={"size_mb": round(len(content) / 2**20, 1),
                                                        "limit_mb": MAX_FILE_BYTES // 2**20}))
    if not content.strip(b"\xef\xbb\xbf \t\r\n"):
        raise FileProblem(Problem("empty_file"))
    if content.startswith(container.ZIP_MAGIC) or content[:8] == container.OLE_MAGIC:
        return "xlsx", _read_xlsx(content, filename)
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            container.sniff(content)
        except container.Refused as r:
            if r.params.get("detected") == "csv":  # text in another encoding (cp874, UTF-16)
                raise FileProblem(Problem("not_utf8")) from None
            raise FileProblem(Problem("not_a_table", params={"detected": str(r.params.get("detected"))})) from None
        raise FileProblem(Problem("not_utf8")) from None
    if "\x00" in text:
        raise FileProblem(Problem("not_utf8"))
    rows: list[list[str]] = []
    try:
        for row in csv.reader(io.StringIO(text, newline="")):
            rows.append([_unquote(c.strip()) for c in row])
    except csv.Error:  # a cell over csv.field_size_limit(): a quote opened and never closed
        raise FileProblem(Problem("cell_too_long", len(rows) + 1,
                                  params={"limit": csv.field_size_limit()})) from None
    return "csv", rows


def _refused(r: Any) -> FileProblem:
    if r.code == "zip_bomb":
        return FileProblem(Problem("zip_bomb", params={"size_mb": r.params.get("size_mb", "?")}))
    if r.code == "encrypted":
        return FileProblem(Problem("encrypted"))
    if r.code == "too_many_cells":
        return FileProblem(Problem("too_many_cells", params={"cells": r.params.get("cells", "?")}))
    detected = str(r.params.get("detected", "unknown"))
    if detected == "damaged" or r.code == "damaged_part":
        return FileProblem(Problem("damaged"))
    return FileProblem(Problem("not_a_table", params={"detected": detected}))


def _read_xlsx(content: bytes, filename: str) -> list[list[str]]:
    from python_calamine import CalamineWorkbook, PasswordError

    from ecocity.io.workbook import container

    try:
        box = container.open_container(content, filename)
        if box.format not in ("xlsx", "xlsm"):
            raise FileProblem(Problem("not_a_table", params={"detected": box.format}))
        if not box.sheet_names:
            raise FileProblem(Problem("damaged"))
        sheet = box.sheet_names[0]
        # Parses the sheet's XML (refusing any DOCTYPE, so no entity expands) and measures
        # it before calamine allocates the sheet's rectangle.
        facts = box.facts(sheet)
        container.check_extent(facts, sheet)
    except container.Refused as r:
        raise _refused(r) from None
    if facts.area > MAX_AREA:
        raise FileProblem(Problem("too_many_cells", params={"cells": facts.area}))
    try:
        # The measured parts alone, rebuilt (container.Xlsx.for_calamine).
        wb = CalamineWorkbook.from_filelike(io.BytesIO(box.for_calamine([sheet]) if box.for_calamine else content))
        try:
            grid = wb.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
        finally:
            wb.close()
    except PasswordError:
        raise FileProblem(Problem("encrypted")) from None
    except (KeyboardInterrupt, SystemExit, MemoryError):
        raise
    except BaseException:  # noqa: BLE001 - calamine errors and Rust panics: a damaged file
        raise FileProblem(Problem("damaged")) from None
    return [[_cell_text(v) for v in row] for row in grid]


@dataclass(frozen=True)
class Table:
    """The rows of a read file by column name, before they are checked: ``problems`` when
    the file as a whole is refused (no header, columns missing, too many rows), else
    ``records`` as (spreadsheet row, column -> text) and ``extra`` for rows longer than
    the header."""

    problems: tuple[Problem, ...] = ()
    records: tuple[tuple[int, dict[str, str]], ...] = ()
    columns: Mapping[str, int] = field(default_factory=dict)
    extra: tuple[Problem, ...] = ()


def table_records(kind: Kind, fmt: str, grid: Sequence[Sequence[str]]) -> Table:
    """Find the columns in the header row (row 1) and read every non-empty row by them."""
    if not grid or not any(grid[0]):
        return Table((Problem("empty_file"),))
    header = [h.strip().lower() for h in grid[0]]
    columns: dict[str, int] = {}
    for i, h in enumerate(header):
        if h and h not in columns:
            columns[h] = i
    missing = [c for c in REQUIRED_COLUMNS[kind] if c not in columns]
    if missing:
        found = ", ".join(h for h in header if h) or "-"
        return Table(tuple(Problem("missing_column", 1, c, None, {"found": found, "expected": ", ".join(COLUMNS[kind])})
                           for c in missing))
    body = [(n, row) for n, row in enumerate(grid[1:], 2) if any(c.strip() for c in row)]
    if len(body) > MAX_ROWS:
        return Table((Problem("too_many_rows", params={"rows": len(body), "limit": MAX_ROWS}),))
    if not body:
        return Table((Problem("no_rows"),))
    records: list[tuple[int, dict[str, str]]] = []
    extra: list[Problem] = []
    width = len(header)
    for n, row in body:
        if fmt == "csv" and len(row) > width and any(c for c in row[width:]):
            extra.append(Problem("extra_cells", n, None, None, {"count": width}))
        records.append((n, {c: (row[i].strip() if i < len(row) else "") for c, i in columns.items()}))
    return Table((), tuple(records), columns, tuple(extra))


# ----------------------------------------------------------------------------- checking


@dataclass
class Context:
    """What rows are checked against, read from the database."""

    provinces: dict[str, tuple[str, str]]  # pcode -> (name_th, name_en)
    regions: tuple[str, ...]
    estates: dict[str, dict[str, Any]]  # code -> fields (FIELDS[ESTATES]) and "area"
    areas: dict[str, dict[str, Any]]  # code -> fields (FIELDS[AREAS])


class Checker:
    """Checks rows of one kind; collects every problem."""

    def __init__(self, kind: Kind, ctx: Context, columns: Mapping[str, int] | None, mode: Mode):
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


def diff(ctx: Context, kind: Kind, source: str, rows: Sequence[reg.Estate | reg.Area]) -> Change:
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
            for e in cast(reg.Area, a).estates:  # kind == AREAS: the rows are areas
                target[e] = a.code
        moves = [Move(e, ctx.estates[e]["area"], new) for e, new in sorted(target.items())
                 if ctx.estates[e]["area"] != new]
    return Change(kind=kind, source=source, rows=tuple(diffs), missing=missing, moves=tuple(moves),
                  estates=tuple(rows) if kind == ESTATES else (),  # type: ignore[arg-type]
                  areas=tuple(rows) if kind == AREAS else ())  # type: ignore[arg-type]


# ----------------------------------------------------------------------------- preparing


def check_kind(kind: str) -> Kind:
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, found {kind!r}")
    return kind


# ----------------------------------------------------------------------------- applying


# ----------------------------------------------------------------------------- single rows


# ----------------------------------------------------------------------------- reading, export


def table_columns(kind: Kind) -> list[str]:
    """The columns of the page's table of ``kind``: the file's, without ``province_en``
    (``province_pcode`` says it); estates also show their ``area`` (see :func:`rows`)."""
    kind = check_kind(kind)
    return [c for c in COLUMNS[kind] if c != "province_en"] + (["area"] if kind == ESTATES else [])


def export_filename(kind: Kind, fmt: str) -> str:
    return {ESTATES: reg.ESTATES_FILE, AREAS: reg.AREAS_FILE}[check_kind(kind)].rsplit(".", 1)[0] + "." + fmt


# ----------------------------------------------------------------------------- sample data


