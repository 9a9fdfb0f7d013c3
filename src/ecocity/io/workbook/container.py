"""What kind of file an upload is, whether it is safe to parse (encryption, zip bombs, sheet extents,
XML entities), and the cell facts calamine does not give; all before calamine sees the bytes
(see docs/design-notes.md)."""

from __future__ import annotations

import functools
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, TypeVar
from xml.parsers import expat
from xml.parsers.expat import XMLParserType
from xml.sax.saxutils import quoteattr

# Limits. A filled template is ~20 KB holding ~250 cells; these are orders of magnitude
# above any real submission and far below what would hurt the server.
MAX_UNCOMPRESSED = 100 * 1024 * 1024  # all parts of a zip container together
MAX_PART = 50 * 1024 * 1024  # one part that is parsed
MAX_RATIO = 200  # per part, for parts over RATIO_FLOOR (XML normally compresses 5-20x)
RATIO_FLOOR = 1024 * 1024
MAX_ENTRIES = 10_000
MAX_CELLS = 100_000  # cells stored in one sheet (~250 in the form; more costs the check seconds)
MAX_AREA = 2_000_000  # rows x columns of the rectangle calamine would allocate
# Characters calamine copies into a sheet's cells from elsewhere (shared strings, repeated
# OpenDocument cells): a form has tens of thousands; one long string under many cells is a bomb.
MAX_TEXT = 10_000_000

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
    text: int = 0  # characters calamine copies into the cells beyond the sheet's own XML

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
# Names arrive as "<namespace URI>}<local name>"; the handlers compare them whole.

_OPC_TYPES = "http://schemas.openxmlformats.org/package/2006/content-types"
_OPC_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
# SpreadsheetML and its relationship attribute, Transitional (what writers use) and Strict.
_MAIN = ("http://schemas.openxmlformats.org/spreadsheetml/2006/main",
         "http://purl.oclc.org/ooxml/spreadsheetml/main")
_REL_ID = ("http://schemas.openxmlformats.org/officeDocument/2006/relationships}id",
           "http://purl.oclc.org/ooxml/officeDocument/relationships}id")


def _main(*local: str) -> dict[str, str]:
    """Full SpreadsheetML element name -> local name, for both namespaces."""
    return {f"{ns}}}{name}": name for ns in _MAIN for name in local}


class _Local(dict[str, "str | None"]):
    """An element's name as written ("c", "x:c") -> its local name when it is one of
    ``wanted``, else None. calamine matches the cells, rows and shared strings of a sheet
    by local name, whatever namespace they are in: so must the pass that measures them
    (parsed without namespaces). A sheet whose default namespace was not SpreadsheetML's
    hid its cells from a namespace-aware pass, and calamine built an 8 GB grid."""

    def __init__(self, *wanted: str) -> None:
        super().__init__((w, w) for w in wanted)
        self._wanted = frozenset(wanted)

    def __missing__(self, name: str) -> str | None:
        local = _local(name)
        found = self[name] = local if local in self._wanted else None
        return found


def _parse(data: bytes, start: Callable[[str, dict[str, str]], None] | None = None,
           end: Callable[[str], None] | None = None,
           text: Callable[[str], None] | None = None, namespaces: bool = True) -> None:
    """Parse with expat; a DOCTYPE (and so any entity) or malformed XML is a damaged file.
    Without ``namespaces`` names come as written ("r:id"), as calamine reads them."""
    _run(_parser(start, end, text, namespaces), data)


def _parser(start: Callable[[str, dict[str, str]], None] | None = None,
            end: Callable[[str], None] | None = None,
            text: Callable[[str], None] | None = None, namespaces: bool = True) -> XMLParserType:
    """An expat parser that refuses a DOCTYPE; its handlers may be changed while it runs."""
    p = expat.ParserCreate(namespace_separator="}") if namespaces else expat.ParserCreate()

    def no_doctype(*_: object) -> None:
        raise Refused("not_a_workbook", detected="damaged")

    p.StartDoctypeDeclHandler = no_doctype
    p.EntityDeclHandler = no_doctype
    p.buffer_text = True
    if start:
        p.StartElementHandler = start
    if end:
        p.EndElementHandler = end
    if text:
        p.CharacterDataHandler = text
    return p


def _run(p: XMLParserType, data: bytes) -> None:
    try:
        p.Parse(data, True)
    except (expat.ExpatError, LookupError, ValueError):  # LookupError: an unknown encoding
        raise Refused("not_a_workbook", detected="damaged") from None


# ----------------------------------------------------------------------------- zip


def open_zip(content: bytes) -> zipfile.ZipFile:
    """The zip's directory, or Refused: a damaged directory raises anything from
    BadZipFile to NotImplementedError ("zip file version 12.7") or struct.error."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(content))
        infos = zf.infolist()
    except MemoryError:
        raise
    except Exception:  # noqa: BLE001 - whatever zipfile raises, the directory is damaged
        raise Refused("not_a_workbook", detected="damaged") from None
    if len({_member_key(i.filename) for i in infos}) < len(infos):
        # Two members of one name (part names are case-insensitive, and some writers use
        # backslashes): which one a reader takes is its own choice.
        raise Refused("not_a_workbook", detected="damaged")
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos)
    if len(infos) > MAX_ENTRIES or total > MAX_UNCOMPRESSED:
        raise _bomb(total, packed)
    for i in infos:
        if i.file_size > RATIO_FLOOR and i.file_size > MAX_RATIO * max(1, i.compress_size):
            raise _bomb(i.file_size, i.compress_size)
    return zf


def _member_key(name: str) -> str:
    """A zip member's name as part names compare: case-insensitive, "/" for "\\"."""
    return name.replace("\\", "/").lower()


def _bomb(unpacked: int, packed: int) -> Refused:
    return Refused("zip_bomb", size_mb=_mb(unpacked), packed_kb=max(1, round(packed / 1024)))


def _mb(n: int) -> float:
    return round(n / (1024 * 1024), 1)


def read_part(zf: zipfile.ZipFile, name: str, cap: int = MAX_PART) -> bytes:
    """One part, decompressed with a hard cap: the only way this package reads a member.

    A part that cannot be read (bytes changed inside its compressed data: ``zlib.error``;
    a damaged local header: BadZipFile or NotImplementedError; a real size that differs
    from its header: the CRC check) is ``damaged_part``, naming the part."""
    out = bytearray()
    try:
        with zf.open(name) as f:
            while chunk := f.read(1 << 16):
                out += chunk
                if len(out) > cap:
                    raise _bomb(len(out), zf.getinfo(name).compress_size)
    except (Refused, MemoryError):
        raise
    except KeyError:
        raise Refused("not_a_workbook", detected="damaged") from None
    except Exception:  # noqa: BLE001 - zipfile and zlib raise many kinds on damaged data
        raise Refused("damaged_part", part=_shown_name(name)) from None
    return bytes(out)


def _shown_name(name: str, limit: int = 80) -> str:
    """A part name as a message may show it: damage can put control characters in it."""
    shown = "".join(ch if ch.isprintable() else "?" for ch in name)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def zip_kind(zf: zipfile.ZipFile) -> tuple[str, str]:
    """("xlsx", main workbook part) or ("ods", "content.xml"), or raise Refused naming what
    the zip really is."""
    names = set(zf.namelist())
    if names & CALAMINE_XLSX_PARTS and names & {"mimetype", "content.xml"}:
        # An OpenDocument and an Office Open XML file at once: calamine tries .xlsx first,
        # so it would read parts the OpenDocument checks never measured.
        raise Refused("not_a_workbook", detected="damaged")
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
    if "_rels/.rels" not in zf.namelist():  # missing is tolerated; damaged is not
        return "xl/workbook.xml" if "xl/workbook.xml" in zf.namelist() else None
    rels = read_part(zf, "_rels/.rels", 1 << 20)
    targets = _relationships(rels)
    for typ, target in targets.values():
        if typ.endswith("/officeDocument"):
            path = target.lstrip("/")
            return path if path in zf.namelist() and path.endswith(".xml") else None
    return None


_T = TypeVar("_T")
_CACHED_PART = 256 * 1024  # a part up to this size has its parsed form cached by content


def _by_content(parse: Callable[[bytes], _T]) -> Callable[[bytes], _T]:
    """``parse`` cached by the part's bytes: workbooks made from the official template share
    these parts byte for byte. A larger part is parsed each time, so the cache holds at
    most 64 x 256 kB (a 50 MB styles part kept 64 times over was 3 GB held). The result is
    shared between workbooks: never to be changed."""
    cached = lru_cache(maxsize=64)(parse)

    @functools.wraps(parse)
    def call(data: bytes) -> _T:
        return cached(data) if len(data) <= _CACHED_PART else parse(data)

    call.cache_info = cached.cache_info  # type: ignore[attr-defined]
    return call


def _is_spreadsheet(zf: zipfile.ZipFile, part: str) -> bool:
    """Whether [Content_Types].xml declares ``part`` as a workbook (.xlsx/.xlsm/.xltx)."""
    overrides, defaults = _content_types(read_part(zf, "[Content_Types].xml", 1 << 20))
    ctype = overrides[part] if part in overrides else next((c for ext, c in defaults if part.endswith("." + ext)), "")
    return "spreadsheetml" in ctype or "ms-excel" in ctype


@_by_content
def _content_types(data: bytes) -> tuple[dict[str, str], tuple[tuple[str, str], ...]]:
    """([Content_Types].xml's part name -> type, (extension, type) of its defaults in order)."""
    overrides: dict[str, str] = {}
    defaults: list[tuple[str, str]] = []
    override, default = f"{_OPC_TYPES}}}Override", f"{_OPC_TYPES}}}Default"

    def start(name: str, attrs: dict[str, str]) -> None:
        if name == override:
            overrides[attrs.get("PartName", "").lstrip("/")] = attrs.get("ContentType", "")
        elif name == default:
            defaults.append((attrs.get("Extension", "\0"), attrs.get("ContentType", "")))

    _parse(data, start)
    return overrides, tuple(defaults)


@_by_content
def _relationships(data: bytes) -> dict[str, tuple[str, str]]:
    out: dict[str, tuple[str, str]] = {}
    rel = f"{_OPC_RELS}}}Relationship"

    def start(name: str, attrs: dict[str, str]) -> None:
        if name == rel:
            out[attrs.get("Id", "")] = (attrs.get("Type", ""), attrs.get("Target", ""))

    _parse(data, start)
    return out


# ----------------------------------------------------------------------------- xlsx

# The parts calamine reads by these fixed names, whatever the package's relationships say.
CALAMINE_WORKBOOK = "xl/workbook.xml"
CALAMINE_RELS = "xl/_rels/workbook.xml.rels"
CALAMINE_STRINGS = "xl/sharedStrings.xml"
CALAMINE_XLSX_PARTS = {CALAMINE_WORKBOOK, CALAMINE_RELS}


def _local(name: str) -> str:
    """The local part of an element or attribute name, with or without namespaces: after
    the first colon, as quick-xml (calamine's parser) takes it ("a:b:row" is "b:row", no
    row: taken as one, it reset the row counter calamine does not)."""
    return name.rsplit("}", 1)[-1].split(":", 1)[-1]


def _calamine_paths(base_dir: str, target: str) -> set[str]:
    """The part names a relationship's target may mean: resolved as the package format
    says, and as calamine takes it ("xl/" + target, as written)."""
    if target.startswith("/xl/"):
        literal = target[1:]
    elif target.startswith("xl/"):
        literal = target
    else:
        literal = "xl/" + target
    return {_resolve(base_dir, target), literal, target.lstrip("/")}


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


_SHEET = _main("sheet")
_WORKBOOK_PR = _main("workbookPr")
_MAIN_NS = _MAIN[0]
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


class Xlsx:
    """The parts of an .xlsx/.xlsm the reader needs, read with caps.

    Which part holds a sheet is read twice: as the package format says (namespaces, the
    main part named by _rels/.rels) and as calamine reads it (xl/workbook.xml and its
    relationships by fixed names, names as written, its own path rule). A sheet whose two
    readings name different parts, or a sheet name given twice, is a damaged file: the
    part measured here must be the part calamine allocates for (fuzzing found files where
    the two differed, and calamine aborted the process on a 500 GB allocation).

    calamine is then given a package rebuilt from the parts measured here, and nothing else
    (:meth:`for_calamine`): which part calamine would have read, it looks parts up in its
    own ways (case-insensitively, below the folder ``_rels/.rels`` names, a version apart),
    is no longer a question."""

    def __init__(self, zf: zipfile.ZipFile, wb_path: str):
        self.zf = zf
        self.names = set(zf.namelist())
        self._by_key = {_member_key(n): n for n in self.names}  # unique: open_zip refuses twins
        self.date1904 = False
        self._blobs: dict[str, bytes] = {}  # part -> bytes, as read and measured here
        base = wb_path.rsplit("/", 1)[0] if "/" in wb_path else ""
        rels_path = f"{base}/_rels/{wb_path.rsplit('/', 1)[-1]}.rels".lstrip("/")
        rels = _relationships(read_part(zf, rels_path)) if rels_path in self.names else {}
        self.sheets: dict[str, str] = {}  # sheet name -> part path, in workbook order
        names: list[tuple[str, str]] = []

        def start(name: str, attrs: dict[str, str]) -> None:
            if name in _SHEET:
                rid = attrs.get(_REL_ID[0]) or attrs.get(_REL_ID[1]) or ""
                names.append((attrs.get("name", ""), rid))
            elif name in _WORKBOOK_PR:
                self.date1904 = attrs.get("date1904") in ("1", "true")

        _parse(read_part(zf, wb_path), start)
        for sheet_name, rid in names:
            typ, target = rels.get(rid, ("", ""))
            if typ.endswith("/worksheet") and target:
                self.sheets[sheet_name] = _resolve(base, target)
        self.sheet_names = [n for n, _ in names]
        self._parts: dict[str, set[str]] = {n: {p} for n, p in self.sheets.items()}
        literal = _literal_sheets(zf, self.names, (wb_path, CALAMINE_WORKBOOK), (rels_path, CALAMINE_RELS), base)
        for sheet_name, parts in literal:
            self._parts.setdefault(sheet_name, set()).update(parts)
        for listed in (self.sheet_names, [n for n, _ in literal]):
            if len(set(listed)) < len(listed):  # Excel refuses two sheets of one name
                raise Refused("not_a_workbook", detected="damaged")
        self.percent_styles: frozenset[int] = frozenset()
        self.styles: bytes | None = None
        declared: list[str] = []  # shared strings named by the relationships
        for typ, target in rels.values():
            found = self.member(_resolve(base, target))
            if found is None:
                continue
            path = found
            if typ.endswith("/styles"):
                self.styles = read_part(zf, path)
                self.percent_styles = _percent_styles(self.styles)
            elif typ.endswith("/sharedStrings"):
                declared.append(path)
        undeclared = self.member(f"{base}/styles.xml".lstrip("/"))
        if self.styles is None and undeclared:  # where calamine looked when none was declared
            self.styles = read_part(zf, undeclared)
            self.percent_styles = _percent_styles(self.styles)
        strings = self.member(CALAMINE_STRINGS)
        fixed = [strings] if strings else []  # what older calamine read
        self.strings: bytes | None = None
        self.string_lengths: tuple[int, ...] = ()  # see _check_shared_strings
        for path in sorted(set(declared + fixed)):
            data = read_part(zf, path)
            lengths = _check_shared_strings(data)
            if self.strings is None or path in declared:
                self.strings, self.string_lengths = data, lengths

    def member(self, path: str) -> str | None:
        """The zip member a part name means: part names are case-insensitive."""
        return path if path in self.names else self._by_key.get(_member_key(path))

    def part(self, sheet_name: str) -> str | None:
        """The one part that holds ``sheet_name``; None when there is none."""
        parts = sorted({m for p in self._parts.get(sheet_name, ()) if (m := self.member(p))})
        if len(parts) > 1:
            raise Refused("not_a_workbook", sheet=sheet_name, detected="damaged")
        return parts[0] if parts else None

    def facts(self, sheet_name: str) -> SheetFacts:
        path = self.part(sheet_name)
        if path is None:
            return SheetFacts()
        try:
            data = self._blobs[path] = read_part(self.zf, path)
        except Refused as r:
            r.sheet = r.sheet or sheet_name  # the officer knows the sheet, not the part
            raise
        facts = _xlsx_sheet_facts(data, self.percent_styles, self.string_lengths)
        if facts.text > MAX_TEXT:  # shared strings multiplied by the cells that point to them
            raise _bomb(facts.text * 2, self.zf.getinfo(path).compress_size)
        return facts

    def for_calamine(self, sheet_names: Sequence[str]) -> bytes:
        """A package of ``sheet_names`` (measured by :meth:`facts` first), their shared
        strings and styles, at the names every calamine looks for: nothing in it was not
        measured here. Stored, not compressed: it is read once, at once."""
        out = io.BytesIO()
        sheets, rels = [], []
        with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
            z.writestr("[Content_Types].xml", _PACKAGE_TYPES)
            z.writestr("_rels/.rels", _PACKAGE_RELS)
            for i, name in enumerate(sheet_names, 1):
                path = self.part(name)
                if path is None or path not in self._blobs:
                    continue  # no part, or not measured: calamine will not find the sheet
                sheets.append(f'<sheet name={quoteattr(name)} sheetId="{i}" r:id="rId{i}"/>')
                rels.append(f'<Relationship Id="rId{i}" Type="{_REL_NS}/worksheet" Target="worksheets/sheet{i}.xml"/>')
                z.writestr(f"xl/worksheets/sheet{i}.xml", self._blobs[path])
            for part, data, typ in (("styles.xml", self.styles, "styles"),
                                    ("sharedStrings.xml", self.strings, "sharedStrings")):
                if data is not None:
                    rels.append(f'<Relationship Id="r{typ}" Type="{_REL_NS}/{typ}" Target="{part}"/>')
                    z.writestr(f"xl/{part}", data)
            z.writestr("xl/workbook.xml",
                       f'<workbook xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}">'
                       + ('<workbookPr date1904="1"/>' if self.date1904 else "")
                       + f"<sheets>{''.join(sheets)}</sheets></workbook>")
            z.writestr("xl/_rels/workbook.xml.rels",
                       f'<Relationships xmlns="{_OPC_RELS}">{"".join(rels)}</Relationships>')
        return out.getvalue()


_PACKAGE_TYPES = (
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>')
_PACKAGE_RELS = (
    f'<Relationships xmlns="{_OPC_RELS}"><Relationship Id="rId1" '
    f'Type="{_REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>')


def _literal_sheets(zf: zipfile.ZipFile, names: set[str], workbooks: Iterable[str], rels_paths: Iterable[str],
                    base: str) -> list[tuple[str, set[str]]]:
    """(sheet name, the parts it may mean) of every ``<sheet>`` read as calamine reads
    them: elements by local name, ``r:id`` as written whatever namespace ``r`` is bound
    to, every relationship of that id."""
    targets: dict[str, set[str]] = {}

    def rel(name: str, attrs: dict[str, str]) -> None:
        if _local(name) == "Relationship":
            found = [v for k, v in attrs.items() if _local(k) == "Target"]
            for k, v in attrs.items():
                if _local(k) == "Id":
                    targets.setdefault(v, set()).update(found)

    for path in sorted(set(rels_paths) & names):
        _parse(read_part(zf, path, 1 << 20), rel, namespaces=False)
    out: list[tuple[str, set[str]]] = []

    def sheet(name: str, attrs: dict[str, str]) -> None:
        if _local(name) == "sheet":
            ids = [v for k, v in attrs.items() if _local(k) == "id"]
            out.append((attrs.get("name", ""), {p for i in ids for target in targets.get(i, ())
                                                for p in _calamine_paths(base, target) | _calamine_paths("xl", target)}))

    for path in sorted(set(workbooks) & names):
        _parse(read_part(zf, path), sheet, namespaces=False)
    return out


SST_SLACK = 100_000  # declared strings beyond those present (a writer's miscount is small)


def _check_shared_strings(data: bytes) -> tuple[int, ...]:
    """python-calamine reserves memory for the declared uniqueCount before reading: a
    tiny file declaring 4 billion strings made it abort the process (96 GB allocation).
    Refuse a count far above the strings actually present. Elements by local name, as
    calamine finds them; the largest count declared by any ``<sst>``.

    Returns, for each index, the length of the longest string at it or after it: the
    most a cell of type s pointing there can hold (calamine skips a string it reads as
    none, so its n-th string may be a later one here)."""
    declared = 0
    lengths: list[int] = []
    tags = _Local("sst", "si")

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal declared
        tag = tags[name]
        if tag == "si":
            lengths.append(0)
        elif tag == "sst":
            count = attrs.get("uniqueCount", "").lstrip("+")
            if count.isdigit():
                declared = max(declared, int(count))

    def text(chars: str) -> None:
        if lengths:
            lengths[-1] += len(chars)

    _parse(data, start, text=text, namespaces=False)
    if declared > len(lengths) + SST_SLACK:
        raise Refused("not_a_workbook", detected="damaged")
    bound, out = 0, [0] * len(lengths)
    for i in range(len(lengths) - 1, -1, -1):
        bound = out[i] = max(bound, lengths[i])
    return tuple(out)


_STYLE_TAGS = ("numFmts", "numFmt", "cellXfs", "xf")


@_by_content  # workbooks from the official template share one styles.xml
def _percent_styles(data: bytes) -> frozenset[int]:
    """Indexes into cellXfs (the cells' ``s``) whose number format shows a percentage
    (elements by local name, as calamine reads the styles)."""
    custom: dict[int, str] = {}  # numFmtId -> format code, from <numFmts>
    xf_formats: list[str] = []  # numFmtId of each <xf> in <cellXfs>
    inside = ""  # "numFmts" or "cellXfs" while in one
    tags = _Local(*_STYLE_TAGS)

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal inside
        tag = tags[name]
        if tag == "numFmt" and inside == "numFmts":
            fmt_id = attrs.get("numFmtId", "")
            if fmt_id.isdigit():
                custom[int(fmt_id)] = attrs.get("formatCode", "")
        elif tag == "xf" and inside == "cellXfs":
            xf_formats.append(attrs.get("numFmtId", "0"))
        elif tag in ("numFmts", "cellXfs"):
            inside = tag

    def end(name: str) -> None:
        nonlocal inside
        if tags[name] == inside:
            inside = ""

    _parse(data, start, end, namespaces=False)
    out: set[int] = set()
    for i, fmt_id in enumerate(xf_formats):
        fmt = int(fmt_id) if fmt_id.isdigit() else 0
        if fmt in (9, 10) or (fmt in custom and is_percent_format(custom[fmt])):
            out.add(i)
    return frozenset(out)  # cached and shared between workbooks: never to be changed


_REF = re.compile(r"([A-Z]+)(\d+)")
# A row's ``r`` as calamine reads it: letters first are skipped ("A1048576" is row 1048576);
# read as "not a number" it let the cells after it sit a million rows lower unmeasured.
_ROW_REF = re.compile(r"[A-Za-z]*([0-9]+)")


@lru_cache(maxsize=65_536)  # the same references ("E12") recur in every workbook
def _ref_to_rc(ref: str) -> tuple[int, int] | None:
    m = _REF.fullmatch(ref.upper().replace("$", ""))
    if not m:
        return None
    col = 0
    for ch in m[1]:
        col = col * 26 + ord(ch) - 64
    return int(m[2]) - 1, col - 1


_SHEET_TAGS = ("row", "c", "f", "v", "is")
# A <v> of these types holds something even when empty: calamine keeps a "" of type str or
# d (a date as text) in its grid; inlineStr is counted too, to be safe. An <is> holds
# something whatever the cell's type; a <v> of type s when it names a string.
_TEXT_TYPES = frozenset(("str", "inlineStr", "d"))


def _xlsx_sheet_facts(data: bytes, percent_styles: frozenset[int],
                      string_lengths: tuple[int, ...] = ()) -> SheetFacts:
    """One pass over a worksheet: the extent of the cells that hold something, formulas
    without a stored value, error cells, percent-formatted cells, and the characters of
    shared strings the cells point to. Read as calamine reads it, or the area guard would
    not measure what calamine allocates:

    - elements by local name (after the first colon), attributes as written;
    - a cell by its ``r``, else (``r`` is optional in OOXML) in the row counted from the
      rows' ``r`` (letters before the number skipped) and ends, after the cell before; a
      cell's own ``r`` does not move the row's counter;
    - a cell's children only: whatever is inside its <f>, <v> or <is> is skipped (a <row>
      or <c> in there moved the counters here, not calamine's);
    - a cell holds a value when calamine keeps one: any <is>, a <v> of type str, d or
      inlineStr even when empty, of type s when it names a string, else with text.

    ``string_lengths``: :func:`_check_shared_strings`'s bound per index. calamine copies a
    shared string into every cell that points to it (python-calamine once more): one long
    string under 100,000 cells is terabytes from a small file.

    Text is collected only where it decides something (a number, error or index): the
    handler is switched on for those elements alone, as most cells of the form are inline
    strings whose text does not matter here."""
    facts = SheetFacts()
    percent = {str(i) for i in percent_styles}
    row_index, col_index = 0, 0  # calamine's counters: the next row, the next cell in it
    row, col = 0, 0  # the cell being read
    in_cell = formula = held = False  # held: the cell holds a value calamine keeps
    depth = 0  # elements open inside the cell
    typ = style = ""
    value: str | None = None  # the text of <v>/<is>; None when the cell has neither
    text: list[str] = []  # collecting inside <v>/<is> while the text handler is on
    cells, max_row, max_col, shared = 0, -1, -1, 0
    tags = _Local(*_SHEET_TAGS)

    def start(name: str, attrs: dict[str, str]) -> None:
        nonlocal row, col, row_index, col_index, in_cell, formula, held, depth, typ, style, value
        if in_cell:
            depth += 1
            if depth > 1:
                return  # inside a child of the cell: calamine skips it
            tag = tags[name]
            if tag == "f":
                formula = True
            elif tag == "is" or (tag == "v" and typ in _TEXT_TYPES):
                value = value or ""  # present is enough
                held = True
            elif tag == "v":
                text.clear()
                p.CharacterDataHandler = text.append
            return
        tag = tags[name]
        if tag == "c":
            ref = attrs.get("r")
            rc = _ref_to_rc(ref) if ref else None
            if rc:
                row, col = rc
                col_index = col  # the row's counter stays: a cell without r after it is in the row
            else:
                row, col = row_index, col_index
            in_cell, formula, held, depth, value = True, False, False, 0, None
            typ, style = attrs.get("t", "n"), attrs.get("s", "")
        elif tag == "row":
            r = attrs.get("r")
            m = _ROW_REF.fullmatch(r) if r else None
            if m:
                row_index = int(m[1]) - 1

    def end(name: str) -> None:
        nonlocal in_cell, held, depth, value, cells, max_row, max_col, row_index, col_index, shared
        if not in_cell:
            if tags[name] == "row":
                row_index, col_index = row_index + 1, 0
            return
        if depth > 0:  # a child of the cell (or something inside one) ends
            depth -= 1
            if depth == 0 and p.CharacterDataHandler is not None:  # the <v> collecting text
                p.CharacterDataHandler = None
                value = (value or "") + "".join(text)
                if typ == "s":
                    if value:  # calamine reads a bad index as 0, and its n-th string may be a later one
                        idx = int(value) if value.isascii() and value.isdigit() else 0
                        shared += string_lengths[idx] if idx < len(string_lengths) else 0
                        held = True
                else:
                    held = held or value != ""
            return
        # the cell itself ends (well-formed XML: nothing else can end here)
        in_cell = False
        col_index += 1
        if not (held or formula):
            return
        cells += 1
        if cells > MAX_CELLS:
            raise Refused("too_many_cells", cells=cells, limit=MAX_CELLS)
        if row > max_row:
            max_row = row
        if col > max_col:
            max_col = col
        if formula and not held:
            facts.formula_no_value.add((row, col))
        if typ == "e" and value:
            facts.errors[(row, col)] = value
        if style in percent:
            facts.percent.add((row, col))

    p = _parser(start, end, namespaces=False)
    _run(p, data)
    facts.cells, facts.max_row, facts.max_col, facts.text = cells, max_row, max_col, shared
    return facts


# ----------------------------------------------------------------------------- ods


# Names as written, prefix included: calamine matches "table:table-cell" literally,
# whatever namespace the prefix is bound to (a cell whose "table" prefix was bound to
# another namespace is still a cell to calamine, so it is one here).
_VALUE_ATTRS = tuple(f"office:{k}" for k in ("value", "date-value", "time-value", "boolean-value", "string-value"))
_T_TABLE, _T_ROW = "table:table", "table:table-row"
_T_CELLS = ("table:table-cell", "table:covered-table-cell")
_T_P = "text:p"


class Ods:
    """content.xml of an OpenDocument spreadsheet, scanned once for every table: calamine
    parses all tables on open, so all of them are measured. Names as calamine reads them:
    prefixed, as written."""

    def __init__(self, zf: zipfile.ZipFile):
        if "content.xml" not in zf.namelist():
            raise Refused("not_a_workbook", detected="damaged")
        self.tables: dict[str, SheetFacts] = {}
        self.sheet_names: list[str] = []
        self._facts: SheetFacts | None = None  # the table being read
        self._row, self._col, self._rows_rep = -1, 0, 1
        self._cell: dict[str, Any] | None = None
        self._packed = zf.getinfo("content.xml").compress_size
        _parse(read_part(zf, "content.xml"), self._start, self._end, self._text, namespaces=False)

    def facts(self, sheet_name: str) -> SheetFacts:
        return self.tables.get(sheet_name, SheetFacts())

    def _start(self, name: str, attrs: dict[str, str]) -> None:
        if name == _T_TABLE:
            if self._facts is not None:  # calamine adds a nested table's rows to the outer one
                raise Refused("not_a_workbook", detected="damaged")
            tname = attrs.get("table:name", "")
            self.sheet_names.append(tname)
            self._facts = self.tables.setdefault(tname, SheetFacts())
            self._row = -1
        elif self._facts is None:
            return
        elif name == _T_ROW:
            self._row += 1
            self._col = 0
            self._rows_rep = _int(attrs.get("table:number-rows-repeated"))
        elif name in _T_CELLS:
            self._cell = {
                "rep": _int(attrs.get("table:number-columns-repeated")),
                "type": attrs.get("office:value-type"),
                "error": attrs.get("calcext:value-type") == "error",
                "formula": "table:formula" in attrs,
                "has_value": any(k in attrs for k in _VALUE_ATTRS),
                "text": [],
                "p": False,
                "extra": len(attrs.get("office:string-value", "")),  # characters beyond the text
            }
        elif self._cell is None:
            return
        elif name == _T_P:
            self._cell["p"] = True
            self._cell["extra"] += 1  # calamine joins paragraphs with a line break
        elif name == "text:s":  # calamine writes c spaces for one short element
            self._cell["extra"] += _int(attrs.get("text:c"))
        elif name in ("text:tab", "text:line-break"):
            self._cell["extra"] += 1

    def _text(self, data: str) -> None:
        if self._cell is not None and self._cell["p"]:
            self._cell["text"].append(data)

    def _end(self, name: str) -> None:
        facts = self._facts
        if facts is None:
            return
        if name in _T_CELLS and self._cell is not None:
            cell, row, col = self._cell, self._row, self._col
            rep = cell["rep"]
            text = "".join(cell["text"]).strip()
            if cell["type"] is not None or cell["formula"] or cell["p"]:
                facts.add(row, col, self._rows_rep, rep)
                check_extent(facts, self.sheet_names[-1])
                # calamine copies the cell's text into every repeated column and row
                facts.text += (len(text) + cell["extra"]) * rep * self._rows_rep
                if facts.text > MAX_TEXT:
                    raise _bomb(facts.text * 2, self._packed)
                for c in range(col, col + min(rep, 64)):
                    if cell["type"] == "percentage":
                        facts.percent.add((row, c))
                    if cell["error"]:
                        facts.errors[(row, c)] = text or "#ERROR"
                    elif cell["formula"] and not cell["has_value"] and not text:
                        facts.formula_no_value.add((row, c))
            self._col = col + rep
            self._cell = None
        elif name == _T_ROW:
            self._row += self._rows_rep - 1
            self._rows_rep = 1
        elif name == _T_TABLE:
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
    # .xlsx/.xlsm: the bytes calamine reads instead of the file (see Xlsx.for_calamine)
    for_calamine: Callable[[Sequence[str]], bytes] | None = None


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
    return Container(fmt, x.sheet_names, x.facts, for_calamine=x.for_calamine)


def _has_macros(names: Iterable[str]) -> bool:
    return any(n.endswith("vbaProject.bin") for n in names)
