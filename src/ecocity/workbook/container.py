"""What kind of file an upload is, whether it is safe to parse, and the cell facts the fast
reader does not give.

Everything here runs BEFORE python-calamine sees the bytes:

* the file type is decided from its content, never from its name (a renamed PDF or CSV
  is recognised as such);
* an encrypted workbook is recognised (OOXML inside an OLE compound file with an
  ``EncryptionInfo`` stream; ``.xls`` with a FILEPASS record);
* zip bombs are refused: the declared uncompressed size and ratio are checked first, and
  every part the reader will parse is decompressed here with a hard cap (Python's
  zipfile stops at the declared size and verifies the CRC, so a lying header fails too);
* the area a sheet spans is measured, because calamine allocates the whole rectangle
  (a single value in XFD1048576 would mean 17 billion cells).

calamine gives values only, so this module also collects, per sheet, the cells that are
formatted as a percentage, formulas without a stored value and error cells (#DIV/0!),
which calamine returns as empty. XML is parsed with expat and any DOCTYPE is refused, so
no entity can expand (the same protection defusedxml gives).
"""

from __future__ import annotations

import html
import io
import re
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from xml.parsers import expat

# Limits. A filled template is ~20 KB holding ~250 cells; these are orders of magnitude
# above any real submission and far below what would hurt the server.
MAX_UNCOMPRESSED = 100 * 1024 * 1024  # all parts of a zip container together
MAX_PART = 50 * 1024 * 1024  # one part that is parsed
MAX_RATIO = 200  # per part, for parts over RATIO_FLOOR (XML normally compresses 5-20x)
RATIO_FLOOR = 1024 * 1024
MAX_ENTRIES = 10_000
MAX_CELLS = 500_000  # cells stored in one sheet
MAX_AREA = 2_000_000  # rows x columns of the rectangle calamine would allocate

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
ODS_MIME = b"application/vnd.oasis.opendocument.spreadsheet"


class Refused(Exception):
    """The file cannot be read. ``code`` is a stable message code, ``params`` its data."""

    def __init__(self, code: str, *, sheet: str | None = None, **params: object):
        super().__init__(code)
        self.code = code
        self.sheet = sheet  # the sheet concerned, when there is one
        self.params = params


@dataclass
class SheetFacts:
    """Per-sheet facts keyed by 0-based (row, col)."""

    percent: set[tuple[int, int]] = field(default_factory=set)
    formula_no_value: set[tuple[int, int]] = field(default_factory=set)
    errors: dict[tuple[int, int], str] = field(default_factory=dict)
    cells: int = 0
    max_row: int = -1
    max_col: int = -1

    def add(self, row: int, col: int, repeat_rows: int = 1, repeat_cols: int = 1) -> None:
        self.cells += repeat_rows * repeat_cols
        self.max_row = max(self.max_row, row + repeat_rows - 1)
        self.max_col = max(self.max_col, col + repeat_cols - 1)

    @property
    def area(self) -> int:
        return (self.max_row + 1) * (self.max_col + 1)


def check_extent(facts: SheetFacts, sheet: str | None = None) -> None:
    if facts.cells > MAX_CELLS:
        raise Refused("too_many_cells", sheet=sheet, cells=facts.cells, limit=MAX_CELLS)
    if facts.area > MAX_AREA:
        raise Refused("too_many_cells", sheet=sheet, cells=facts.area, limit=MAX_AREA)


# ----------------------------------------------------------------------------- sniffing


def sniff(content: bytes) -> str:
    """"zip", "ole", or raise Refused("not_a_workbook") naming what the file looks like."""
    head = content[:8]
    if not content:
        raise Refused("not_a_workbook", detected="empty")
    if head.startswith(ZIP_MAGIC):
        return "zip"
    if head == OLE_MAGIC:
        return "ole"
    if head.startswith(b"PK"):  # an empty or spanned zip: nothing readable inside
        raise Refused("not_a_workbook", detected="damaged")
    if head.startswith(b"%PDF"):
        raise Refused("not_a_workbook", detected="pdf")
    if head.startswith((b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"BM")):
        raise Refused("not_a_workbook", detected="image")
    sample = content[:4096].lstrip(b"\xef\xbb\xbf\xff\xfe \t\r\n").lower()
    if sample.startswith((b"<!doctype html", b"<html", b"<table")):
        raise Refused("not_a_workbook", detected="html")
    if _looks_like_text(content[:4096]):
        raise Refused("not_a_workbook", detected="csv")
    raise Refused("not_a_workbook", detected="unknown")


def _looks_like_text(sample: bytes) -> bool:
    if b"\x00" in sample.replace(b"\x00\x00", b"") and not sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        return False
    for enc in ("utf-8", "utf-16", "cp874"):
        try:
            text = sample.decode(enc)
        except UnicodeDecodeError:
            continue
        printable = sum(ch.isprintable() or ch in "\r\n\t" for ch in text)
        return printable >= 0.95 * max(1, len(text))
    return False


# ----------------------------------------------------------------------------- XML

_NS_SEP = "}"


def _parser() -> expat.XMLParserType:
    p = expat.ParserCreate(namespace_separator=_NS_SEP)

    def no_doctype(*_: object) -> None:
        raise Refused("not_a_workbook", detected="damaged")

    p.StartDoctypeDeclHandler = no_doctype
    p.EntityDeclHandler = no_doctype
    p.buffer_text = True
    return p


def _local(name: str) -> str:
    return name.rsplit(_NS_SEP, 1)[-1]


def _attr(attrs: dict[str, str], local: str) -> str | None:
    for k, v in attrs.items():
        if _local(k) == local:
            return v
    return None


def _parse(data: bytes, start: Callable[[str, dict[str, str]], None] | None = None,
           end: Callable[[str], None] | None = None,
           text: Callable[[str], None] | None = None) -> None:
    p = _parser()
    if start:
        p.StartElementHandler = lambda n, a: start(_local(n), a)
    if end:
        p.EndElementHandler = lambda n: end(_local(n))
    if text:
        p.CharacterDataHandler = text
    try:
        p.Parse(data, True)
    except (expat.ExpatError, LookupError, ValueError):  # LookupError: an unknown encoding
        raise Refused("not_a_workbook", detected="damaged") from None


# ----------------------------------------------------------------------------- zip


def open_zip(content: bytes) -> zipfile.ZipFile:
    try:
        zf = zipfile.ZipFile(io.BytesIO(content))
        infos = zf.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError, OSError):
        raise Refused("not_a_workbook", detected="damaged") from None
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos)
    if len(infos) > MAX_ENTRIES or total > MAX_UNCOMPRESSED:
        raise _bomb(total, packed)
    for i in infos:
        if i.file_size > RATIO_FLOOR and i.file_size > MAX_RATIO * max(1, i.compress_size):
            raise _bomb(i.file_size, i.compress_size)
    return zf


def _bomb(unpacked: int, packed: int) -> Refused:
    return Refused("zip_bomb", size_mb=_mb(unpacked), packed_kb=max(1, round(packed / 1024)))


def _mb(n: int) -> float:
    return round(n / (1024 * 1024), 1)


def read_part(zf: zipfile.ZipFile, name: str, cap: int = MAX_PART) -> bytes:
    """One part, decompressed with a hard cap; a part whose real size differs from its
    header fails the CRC check in zipfile and is reported as damaged."""
    out = bytearray()
    try:
        with zf.open(name) as f:
            while chunk := f.read(1 << 16):
                out += chunk
                if len(out) > cap:
                    raise _bomb(len(out), zf.getinfo(name).compress_size)
    except KeyError:
        raise Refused("not_a_workbook", detected="damaged") from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError,
            NotImplementedError, RuntimeError):
        raise Refused("not_a_workbook", detected="damaged") from None
    return bytes(out)


def zip_kind(zf: zipfile.ZipFile) -> tuple[str, str]:
    """("xlsx", main workbook part) or ("ods", "content.xml"), or raise Refused naming what
    the zip really is."""
    names = set(zf.namelist())
    if "mimetype" in names:
        mime = read_part(zf, "mimetype", 1024).strip()
        if mime == ODS_MIME:
            return "ods", "content.xml"
        raise Refused("not_a_workbook", detected="zip")
    if "[Content_Types].xml" in names:
        if any(n.startswith("xl/") and n.endswith(".bin") and "workbook" in n for n in names):
            raise Refused("not_a_workbook", detected="xlsb")
        main = _office_document(zf)
        if main and _is_spreadsheet(zf, main):
            return "xlsx", main
        if any(n.startswith("word/") for n in names):
            raise Refused("not_a_workbook", detected="docx")
        if any(n.startswith("ppt/") for n in names):
            raise Refused("not_a_workbook", detected="pptx")
    raise Refused("not_a_workbook", detected="zip")


def _office_document(zf: zipfile.ZipFile) -> str | None:
    """Path of the main workbook part from _rels/.rels (normally xl/workbook.xml)."""
    try:
        rels = read_part(zf, "_rels/.rels", 1 << 20)
    except Refused:
        return "xl/workbook.xml" if "xl/workbook.xml" in zf.namelist() else None
    targets = _relationships(rels)
    for typ, target in targets.values():
        if typ.endswith("/officeDocument"):
            path = target.lstrip("/")
            return path if path in zf.namelist() and path.endswith(".xml") else None
    return None


def _is_spreadsheet(zf: zipfile.ZipFile, part: str) -> bool:
    """Whether [Content_Types].xml declares ``part`` as a workbook (.xlsx/.xlsm/.xltx)."""
    types: dict[str, str] = {}

    def start(name: str, attrs: dict[str, str]) -> None:
        if name == "Override":
            types[attrs.get("PartName", "").lstrip("/")] = attrs.get("ContentType", "")
        elif name == "Default" and part.endswith("." + attrs.get("Extension", "\0")):
            types.setdefault(part, attrs.get("ContentType", ""))

    _parse(read_part(zf, "[Content_Types].xml", 1 << 20), start)
    ctype = types.get(part, "")
    return "spreadsheetml" in ctype or "ms-excel" in ctype


def _relationships(data: bytes) -> dict[str, tuple[str, str]]:
    out: dict[str, tuple[str, str]] = {}

    def start(name: str, attrs: dict[str, str]) -> None:
        if name == "Relationship":
            out[attrs.get("Id", "")] = (attrs.get("Type", ""), attrs.get("Target", ""))

    _parse(data, start)
    return out


# ----------------------------------------------------------------------------- xlsx


def _resolve(base_dir: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    parts = [p for p in (base_dir + "/" + target).split("/") if p]
    out: list[str] = []
    for p in parts:
        if p == "..":
            if out:
                out.pop()
        elif p != ".":
            out.append(p)
    return "/".join(out)


_QUOTED = re.compile(r'"[^"]*"|\\.|\[[^\]]*\]')


def is_percent_format(code: str) -> bool:
    """A number format that shows a percentage ("0%", "0.00%", "#,##0.0%")."""
    return "%" in _QUOTED.sub("", code)


class Xlsx:
    """The parts of an .xlsx/.xlsm the reader needs, read with caps."""

    def __init__(self, zf: zipfile.ZipFile, wb_path: str):
        self.zf = zf
        base = wb_path.rsplit("/", 1)[0] if "/" in wb_path else ""
        rels_path = f"{base}/_rels/{wb_path.rsplit('/', 1)[-1]}.rels".lstrip("/")
        rels = _relationships(read_part(zf, rels_path)) if rels_path in zf.namelist() else {}
        self.sheets: dict[str, str] = {}  # sheet name -> part path, in workbook order
        names: list[tuple[str, str]] = []

        def start(name: str, attrs: dict[str, str]) -> None:
            if name == "sheet":
                rid = _attr(attrs, "id") or ""
                names.append((attrs.get("name", ""), rid))

        _parse(read_part(zf, wb_path), start)
        for sheet_name, rid in names:
            typ, target = rels.get(rid, ("", ""))
            if typ.endswith("/worksheet") and target:
                self.sheets[sheet_name] = _resolve(base, target)
        self.sheet_names = [n for n, _ in names]
        percent_styles: set[int] = set()
        shared = None
        for typ, target in rels.values():
            path = _resolve(base, target)
            if path not in zf.namelist():
                continue
            if typ.endswith("/styles"):
                percent_styles = _percent_styles(read_part(zf, path))
            elif typ.endswith("/sharedStrings"):
                shared = path
        if shared:  # calamine parses it on open: verify its real size and declared count
            _check_shared_strings(read_part(zf, shared))
        self.percent_styles = percent_styles

    def facts(self, sheet_name: str) -> SheetFacts:
        path = self.sheets.get(sheet_name)
        if path is None or path not in self.zf.namelist():
            return SheetFacts()
        data = read_part(self.zf, path)
        facts = _xlsx_sheet_facts_fast(data, self.percent_styles)
        return facts if facts is not None else _xlsx_sheet_facts(data, self.percent_styles)


_NUMFMT = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?numFmt\s([^>]*)>")
_CELLXFS = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?cellXfs\b[^>]*>(.*?)</(?:[A-Za-z_][\w.-]*:)?cellXfs>", re.S)
_XF = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?xf\b([^>]*)>")
_ATTR = re.compile(rb"""([\w:]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")


def _attrs(raw: bytes) -> dict[str, str]:
    return {k.decode(): html.unescape((a or b).decode("utf-8", "replace"))
            for k, a, b in _ATTR.findall(raw)}


_SST = re.compile(rb"<" + rb"(?:[A-Za-z_][\w.-]*:)?" + rb"sst\b([^>]*)>")
_SI = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?si[\s>/]")
SST_SLACK = 100_000  # declared strings beyond those present (a writer's miscount is small)


def _check_shared_strings(data: bytes) -> None:
    """python-calamine reserves memory for the declared uniqueCount before reading: a
    tiny file declaring 4 billion strings made it abort the process (96 GB allocation).
    Refuse a count far above the strings actually present."""
    m = _SST.search(data)
    if m is None:
        return
    declared = _attrs(m[1]).get("uniqueCount", "0")
    if declared.isdigit() and int(declared) > len(_SI.findall(data)) + SST_SLACK:
        raise Refused("not_a_workbook", detected="damaged")


def _percent_styles(data: bytes) -> set[int]:
    """Indexes into cellXfs (the cells' ``s``) whose number format shows a percentage."""
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise Refused("not_a_workbook", detected="damaged")
    custom = {}
    for m in _NUMFMT.finditer(data):
        a = _attrs(m[1])
        if a.get("numFmtId", "").isdigit():
            custom[int(a["numFmtId"])] = a.get("formatCode", "")
    block = _CELLXFS.search(data)
    if block is None:
        return set()
    out: set[int] = set()
    for i, m in enumerate(_XF.finditer(block[1])):
        fmt_id = _attrs(m[1]).get("numFmtId", "0")
        fmt = int(fmt_id) if fmt_id.isdigit() else 0
        if fmt in (9, 10) or (fmt in custom and is_percent_format(custom[fmt])):
            out.add(i)
    return out


_REF = re.compile(r"([A-Z]+)(\d+)")


@lru_cache(maxsize=8192)
def _ref_to_rc_bytes(ref: bytes) -> tuple[int, int] | None:
    return _ref_to_rc(ref.decode("ascii", "replace")) if ref else None


def _ref_to_rc(ref: str) -> tuple[int, int] | None:
    m = _REF.fullmatch(ref.upper().replace("$", ""))
    if not m:
        return None
    col = 0
    for ch in m[1]:
        col = col * 26 + ord(ch) - 64
    return int(m[2]) - 1, col - 1


# The fast path scans the cell elements with regular expressions (C speed, one Python step
# per cell instead of several per XML node). It needs every cell to carry its reference,
# as Excel, LibreOffice and openpyxl always write; otherwise the expat path below is used.
_CELL = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c(\s[^>]*?)?(/>|>(.*?)</(?:[A-Za-z_][\w.-]*:)?c>)", re.S)
_CELL_ATTR = re.compile(rb"""\b([rst])\s*=\s*["']([^"']*)["']""")
_CELL_VALUE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(v|is)(?:\s[^>]*)?(/>|>(.*?)</(?:[A-Za-z_][\w.-]*:)?\1>)", re.S)
_FORMULA = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f[\s/>]")


_PFX = rb"(?:[A-Za-z_][\w.-]*:)?"
_OPEN_CELL = re.compile(rb"<" + _PFX + rb"c(?:\s[^>]*?)?(?<!/)>")  # a cell with content
_OPEN_CELL_REF = re.compile(rb"<" + _PFX + rb"c\s[^>]*?\br\s*=\s*[\"']([A-Z]{1,3})(\d{1,7})[\"'][^>]*?(?<!/)>")
_ERROR_TYPE = re.compile(rb"""<""" + _PFX + rb"""c\s[^>]*?\bt\s*=\s*["']e["']""")
_STYLE_ATTR = re.compile(rb"""<""" + _PFX + rb"""c\s[^>]*?\bs\s*=\s*["'](\d+)["']""")


# What Excel, LibreOffice and openpyxl write: r first, no namespace prefix.
_OPEN_CELL_REF_USUAL = re.compile(rb'<c r="([A-Z]{1,3})([0-9]{1,7})"[^>]*(?<!/)>')


def _xlsx_sheet_facts_fast(data: bytes, percent_styles: set[int]) -> SheetFacts | None:
    """Extent from one C-speed scan of the cell tags; the per-cell pass runs only when the
    sheet has formulas, error cells or percent-formatted cells at all."""
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise Refused("not_a_workbook", detected="damaged")
    refs = _OPEN_CELL_REF_USUAL.findall(data)
    if len(refs) != data.count(b"</c>"):  # another writer's style: the general patterns
        refs = _OPEN_CELL_REF.findall(data)
        if len(refs) != len(_OPEN_CELL.findall(data)):
            return None  # a cell without its reference: positions need the full parse
    facts = SheetFacts()
    if refs:
        facts.cells = len(refs)
        facts.max_row = max(map(int, (r for _, r in refs))) - 1
        letters = max((c for c, _ in refs), key=lambda c: (len(c), c))
        facts.max_col = _ref_to_rc(letters.decode() + "1")[1]  # type: ignore[index]
    check_extent(facts)
    # Cheap substring tests first: a formula is an <f> element, an error value "#...".
    formulas = (b"<f" in data or b":f" in data) and _FORMULA.search(data) is not None
    errors = b">#" in data and _ERROR_TYPE.search(data) is not None
    pct = {str(i).encode() for i in percent_styles}
    if not (formulas or errors or (pct and pct & set(_STYLE_ATTR.findall(data)))):
        return facts
    facts = SheetFacts()
    for m in _CELL.finditer(data):
        inner = m[3]
        if not inner:  # <c r="E2" s="5"/>: a formatted empty cell, nothing to know
            continue
        attrs = dict(_CELL_ATTR.findall(m[1] or b""))
        rc = _ref_to_rc_bytes(attrs.get(b"r", b""))
        if rc is None:
            return None
        t = attrs.get(b"t", b"n")
        v = _CELL_VALUE.search(inner)
        has_value = v is not None and (bool(v[3]) or t in (b"str", b"inlineStr", b"s"))
        formula = _FORMULA.search(inner) is not None
        if not (has_value or formula):
            continue
        facts.add(*rc)
        if facts.cells > MAX_CELLS:
            raise Refused("too_many_cells", cells=facts.cells, limit=MAX_CELLS)
        if formula and not has_value:
            facts.formula_no_value.add(rc)
        if t == b"e" and v is not None and v[3]:
            facts.errors[rc] = v[3].decode("utf-8", "replace")
        s_attr = attrs.get(b"s")
        if s_attr and percent_styles and s_attr.isdigit() and int(s_attr) in percent_styles:
            facts.percent.add(rc)
    return facts


def _xlsx_sheet_facts(data: bytes, percent_styles: set[int]) -> SheetFacts:
    facts = SheetFacts()
    state = {"row": -1, "col": -1, "in_c": False, "f": False, "v": None, "t": "n",
             "style": 0, "in_v": False}
    text: list[str] = []

    def start(name: str, attrs: dict[str, str]) -> None:
        if name == "row":
            r = attrs.get("r")
            state["row"] = int(r) - 1 if r and r.isdigit() else state["row"] + 1
            state["col"] = -1
        elif name == "c":
            rc = _ref_to_rc(attrs.get("r", "")) if attrs.get("r") else None
            if rc:
                state["row"], state["col"] = rc
            else:
                state["col"] += 1
            state.update(in_c=True, f=False, v=None, t=attrs.get("t", "n"))
            try:
                state["style"] = int(attrs.get("s", "0"))
            except ValueError:
                state["style"] = 0
        elif name == "f" and state["in_c"]:
            state["f"] = True
        elif name in ("v", "is") and state["in_c"]:
            state["in_v"] = True
            text.clear()
            if state["v"] is None:
                state["v"] = ""

    def chars(s: str) -> None:
        if state["in_v"]:
            text.append(s)

    def end(name: str) -> None:
        if name in ("v", "is") and state["in_c"]:
            state["in_v"] = False
            state["v"] = (state["v"] or "") + "".join(text)
        elif name == "c":
            state["in_c"] = False
            row, col = state["row"], state["col"]
            v, t = state["v"], state["t"]
            has_value = v is not None and (v != "" or t in ("str", "inlineStr", "s"))
            if has_value or state["f"]:
                facts.add(row, col)
                if facts.cells > MAX_CELLS:
                    raise Refused("too_many_cells", cells=facts.cells, limit=MAX_CELLS)
            if state["f"] and not has_value:
                facts.formula_no_value.add((row, col))
            if t == "e" and v:
                facts.errors[(row, col)] = v
            if state["style"] in percent_styles:
                facts.percent.add((row, col))

    _parse(data, start, end, chars)
    return facts


# ----------------------------------------------------------------------------- ods


_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_CALCEXT = "urn:org:documentfoundation:names:experimental:calc:xmlns:calcext:1.0"
_VALUE_ATTRS = tuple(f"{_OFFICE}}}{k}" for k in ("value", "date-value", "time-value",
                                                  "boolean-value", "string-value"))


class Ods:
    """content.xml of an OpenDocument spreadsheet, scanned once for every table: calamine
    parses all tables on open, so all of them are measured."""

    def __init__(self, zf: zipfile.ZipFile):
        if "content.xml" not in zf.namelist():
            raise Refused("not_a_workbook", detected="damaged")
        self.tables: dict[str, SheetFacts] = {}
        self.sheet_names: list[str] = []
        self._facts: SheetFacts | None = None  # the table being read
        self._row, self._col, self._rows_rep = -1, 0, 1
        self._cell: dict[str, Any] | None = None
        p = _parser()
        p.StartElementHandler = self._start
        p.EndElementHandler = self._end
        p.CharacterDataHandler = self._text
        try:
            p.Parse(read_part(zf, "content.xml"), True)
        except (expat.ExpatError, LookupError, ValueError):
            raise Refused("not_a_workbook", detected="damaged") from None

    def facts(self, sheet_name: str) -> SheetFacts:
        return self.tables.get(sheet_name, SheetFacts())

    def _start(self, name: str, attrs: dict[str, str]) -> None:
        local = _local(name)
        if local == "table" and name.startswith(_TABLE):
            tname = attrs.get(f"{_TABLE}}}name", "")
            self.sheet_names.append(tname)
            self._facts = self.tables.setdefault(tname, SheetFacts())
            self._row = -1
        elif self._facts is None:
            return
        elif local == "table-row":
            self._row += 1
            self._col = 0
            self._rows_rep = _int(attrs.get(f"{_TABLE}}}number-rows-repeated"))
        elif local in ("table-cell", "covered-table-cell"):
            self._cell = {
                "rep": _int(attrs.get(f"{_TABLE}}}number-columns-repeated")),
                "type": attrs.get(f"{_OFFICE}}}value-type"),
                "error": attrs.get(f"{_CALCEXT}}}value-type") == "error",
                "formula": f"{_TABLE}}}formula" in attrs,
                "has_value": any(k in attrs for k in _VALUE_ATTRS),
                "text": [],
                "p": False,
            }
        elif local == "p" and self._cell is not None:
            self._cell["p"] = True

    def _text(self, data: str) -> None:
        if self._cell is not None and self._cell["p"]:
            self._cell["text"].append(data)

    def _end(self, name: str) -> None:
        local = _local(name)
        facts = self._facts
        if facts is None:
            return
        if local in ("table-cell", "covered-table-cell") and self._cell is not None:
            cell, row, col = self._cell, self._row, self._col
            rep = cell["rep"]
            text = "".join(cell["text"]).strip()
            if cell["type"] is not None or cell["formula"] or cell["p"]:
                facts.add(row, col, self._rows_rep, rep)
                check_extent(facts, self.sheet_names[-1])
                for c in range(col, col + min(rep, 64)):
                    if cell["type"] == "percentage":
                        facts.percent.add((row, c))
                    if cell["error"]:
                        facts.errors[(row, c)] = text or "#ERROR"
                    elif cell["formula"] and not cell["has_value"] and not text:
                        facts.formula_no_value.add((row, c))
            self._col = col + rep
            self._cell = None
        elif local == "table-row":
            self._row += self._rows_rep - 1
            self._rows_rep = 1
        elif local == "table" and name.startswith(_TABLE):
            self._facts = None


def _int(s: str | None) -> int:
    try:
        return max(1, int(s)) if s else 1
    except ValueError:
        return 1


# ----------------------------------------------------------------------------- ole / xls


def ole_streams(content: bytes) -> list[str]:
    """Names in an OLE compound file's directory (xlrd's own reader, no new dependency)."""
    from xlrd import compdoc

    try:
        doc = compdoc.CompDoc(content, logfile=io.StringIO())
    except Exception:  # noqa: BLE001 - any parse failure means a damaged container
        raise Refused("not_a_workbook", detected="damaged") from None
    return [d.name for d in doc.dirlist]


class Xls:
    """An .xls read entirely with xlrd (pure Python): encryption (FILEPASS), cell formats
    (percent), the extent of every sheet, and the values too. calamine is not used for
    .xls: a damaged BIFF length field made it abort the whole process on a huge
    allocation (found by fuzzing), which no exception handler can catch."""

    def __init__(self, content: bytes):
        import xlrd

        streams = ole_streams(content)
        if {"EncryptionInfo", "EncryptedPackage"} & set(streams):
            raise Refused("encrypted")  # an encrypted .xlsx/.xlsm travels as OLE
        if not {"Workbook", "Book"} & set(streams):
            raise Refused("not_a_workbook", detected="ole")
        try:
            self.book = xlrd.open_workbook(file_contents=content, formatting_info=True,
                                           ragged_rows=True, logfile=io.StringIO())
        except xlrd.XLRDError as e:
            if "encrypt" in str(e).lower():
                raise Refused("encrypted") from None
            raise Refused("not_a_workbook", detected="damaged") from None
        except Exception:  # noqa: BLE001 - xlrd raises assorted errors on damaged BIFF
            raise Refused("not_a_workbook", detected="damaged") from None
        try:
            self.sheet_names = self.book.sheet_names()
            self._percent_xf = {
                i for i, xf in enumerate(self.book.xf_list)
                if (fmt := self.book.format_map.get(xf.format_key)) is not None
                and is_percent_format(fmt.format_str or "")}
            # calamine is not used for .xls, but the extent guard still keeps a damaged
            # file from making the checker walk millions of cells.
            for sh in self.book.sheets():
                facts = SheetFacts()
                facts.cells = sum(sh.row_len(r) for r in range(sh.nrows))
                facts.max_row = sh.nrows - 1
                facts.max_col = max((sh.row_len(r) for r in range(sh.nrows)), default=0) - 1
                check_extent(facts, sh.name)
        except Refused:
            raise
        except Exception:  # noqa: BLE001 - xlrd's view of a damaged file is inconsistent
            raise Refused("not_a_workbook", detected="damaged") from None

    def facts(self, sheet_name: str) -> SheetFacts:
        try:
            return self._facts(sheet_name)
        except Exception:  # noqa: BLE001 - as above
            raise Refused("not_a_workbook", detected="damaged") from None

    def _facts(self, sheet_name: str) -> SheetFacts:
        import xlrd

        facts = SheetFacts()
        try:
            sh = self.book.sheet_by_name(sheet_name)
        except xlrd.XLRDError:
            return facts
        for r in range(sh.nrows):
            for c in range(sh.row_len(r)):
                cell = sh.cell(r, c)
                if cell.ctype == xlrd.XL_CELL_EMPTY or cell.ctype == xlrd.XL_CELL_BLANK:
                    continue
                facts.add(r, c)
                if cell.xf_index in self._percent_xf:
                    facts.percent.add((r, c))
                if cell.ctype == xlrd.XL_CELL_ERROR:
                    facts.errors[(r, c)] = xlrd.error_text_from_code.get(cell.value, "#ERROR")
        return facts

    def grid(self, sheet_name: str) -> list[list[object]]:
        """Values as calamine would give them: float, str, bool, datetime; "" when empty
        or an error (errors are in ``facts``)."""
        try:
            return self._grid(sheet_name)
        except Exception:  # noqa: BLE001 - as above
            raise Refused("not_a_workbook", detected="damaged") from None

    def _grid(self, sheet_name: str) -> list[list[object]]:
        import xlrd

        sh = self.book.sheet_by_name(sheet_name)
        out: list[list[object]] = []
        for r in range(sh.nrows):
            row: list[object] = []
            for c in range(sh.row_len(r)):
                cell = sh.cell(r, c)
                if cell.ctype in (xlrd.XL_CELL_NUMBER, xlrd.XL_CELL_TEXT):
                    row.append(cell.value)
                elif cell.ctype == xlrd.XL_CELL_BOOLEAN:
                    row.append(bool(cell.value))
                elif cell.ctype == xlrd.XL_CELL_DATE:
                    try:
                        row.append(xlrd.xldate_as_datetime(cell.value, self.book.datemode))
                    except (ValueError, OverflowError, xlrd.xldate.XLDateError):
                        row.append(cell.value)  # a number the date parser will judge
                else:
                    row.append("")
            out.append(row)
        return out


# ----------------------------------------------------------------------------- entry


@dataclass
class Container:
    """A file that passed every guard: its format, per-sheet facts, and for formats not
    read by calamine (.xls) the values of a sheet."""

    format: str  # "xlsx", "xlsm", "xls", "ods"
    sheet_names: list[str]
    facts: Callable[[str], SheetFacts]
    grid: Callable[[str], list[list[object]]] | None = None


def open_container(content: bytes, filename: str = "") -> Container:
    """Decide the format and run the guards; raise Refused with the reason otherwise."""
    kind = sniff(content)
    if kind == "ole":
        xls = Xls(content)
        return Container("xls", list(xls.sheet_names), xls.facts, xls.grid)
    zf = open_zip(content)
    zkind, main = zip_kind(zf)
    if zkind == "ods":
        ods = Ods(zf)
        return Container("ods", ods.sheet_names, ods.facts)
    x = Xlsx(zf, main)
    fmt = "xlsm" if filename.lower().endswith(".xlsm") or _has_macros(zf.namelist()) else "xlsx"
    return Container(fmt, x.sheet_names, x.facts)


def _has_macros(names: Iterable[str]) -> bool:
    return any(n.endswith("vbaProject.bin") for n in names)
