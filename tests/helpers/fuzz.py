"""Fuzzing the three readers of uploaded files with seeded mutations of real files.

Shared by ``bench/bench_fuzz.py`` (tens of thousands of cases) and
``tests/unit/test_fuzz_readers.py`` (a bounded share in CI). Everything is deterministic:
case ``i`` of a target is built from ``random.Random(f"{seed}:{target}:{i}")``, so a case
number printed by the bench is reproduced with ``make_case(target, i)``.

The targets and their oracle (``run_case``):

- ``workbook``: ``io.workbook.reader.check_workbook`` must return a ``CheckResult``; every
  message has a known code, renders in Thai and English, and names its sheet unless it is
  about the file as a whole.
- ``framework``: ``core.framework.framework_from_bytes`` must return a ``Framework`` or
  raise ``FrameworkError`` whose problems are non-empty text (the coded ones render in
  both languages).
- ``registry``: ``io.registry_file.read_table`` then ``table_records`` and the row
  ``Checker`` (against the registry of ``data/``) must give rows or ``Problem``s, each
  rendering in both languages.

Anything else raised is an uncaught exception: a failure, reported with its traceback.

The mutations (``MUTATIONS``: name -> function of a ``random.Random`` and the bytes) come
in families: ``bytes`` (any file: bits flipped, bytes overwritten, inserted, deleted,
duplicated, the file cut short), ``zip`` (the container: members reordered, duplicated,
dropped, truncated; sizes, CRC, method, flags, names, offsets and the end record
misstated; a member padded a thousandfold; a sheet's part named two ways),
``xml`` (one XML part changed and the container rebuilt correctly around it: tags removed
or duplicated, attribute and text values, huge numbers, wrong types, entities, deep
nesting, encodings, namespaces, sheets filled up to the limits), ``text`` (the framework
TOML: lines dropped, duplicated or moved, values and numbers changed, sections replaced,
types swapped, keys renamed, brackets left open, deep nesting, encodings) and ``csv`` (the
registry CSV: hostile cells, ragged rows, a quote left open, and the line mutations).

A case is one mutation of a seed file, a fifth of the time two or three stacked.
"""

from __future__ import annotations

import csv
import io
import itertools
import random
import re
import signal
import struct
import time
import traceback
import zipfile
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
WORKBOOKS = ROOT / "tests" / "data" / "workbooks"
SEED = 20260301
TARGETS = ("workbook", "framework", "registry")

Mutator = Callable[[random.Random, bytes], bytes]


# ----------------------------------------------------------------------------- seeds


@dataclass(frozen=True)
class Seed:
    name: str  # the file name the reader is given (its extension matters)
    data: bytes


def _canonical_zip(data: bytes) -> bytes:
    """The same zip with fixed member times and document dates: openpyxl writes the
    current time, and the mutants must not depend on when the seed was made."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info)
            if info.filename == "docProps/core.xml":
                body = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*", rb"\g<1>2024-01-01T00:00:00Z", body)
            dst.writestr(zipfile.ZipInfo(info.filename, (2000, 1, 1, 0, 0, 0)), body, zipfile.ZIP_DEFLATED)
    return out.getvalue()


@cache
def workbook_seeds() -> tuple[Seed, ...]:
    """The official template (both languages), a filled submission, sample workbooks and
    the fixture workbooks of every format (.xlsx, .xlsm, .ods, .xls)."""
    from ecocity.core.framework import get_framework
    from ecocity.io.workbook.template import build_template

    fw = get_framework()
    seeds = [Seed("template_th.xlsx", build_template(fw, "th")), Seed("template_en.xlsx", build_template(fw, "en"))]
    for name in ("2566_MAP-TA-PHUT.xlsx", "2559_RIL.xlsx", "2568_WELLGROW.xlsx"):
        seeds.append(Seed(name, (ROOT / "data" / "sample" / name).read_bytes()))
    for name in ("filled_basic.xlsx", "libreoffice_saved.xlsx", "libreoffice.xlsm", "libreoffice.ods",
                 "libreoffice.xls", "percent_formatted.xlsx", "percent_formatted.ods", "error_cell.xlsx",
                 "formula_no_value.xlsx", "english_sheets.xlsx", "many_errors.xlsx"):
        seeds.append(Seed(name, (WORKBOOKS / name).read_bytes()))
    return tuple(seeds)


@cache
def framework_seeds() -> tuple[Seed, ...]:
    return (Seed("eit-default.toml", (ROOT / "data" / "frameworks" / "eit-default.toml").read_bytes()),
            Seed("worked-example.toml", (ROOT / "tests" / "data" / "worked-example.toml").read_bytes()))


@cache
def registry_seeds() -> tuple[Seed, ...]:
    """The registry files of data/ as they are, and as the registry page exports them
    (CSV UTF-8 with a byte-order mark; XLSX with numbers for the coordinates)."""
    from ecocity.io import tablefile

    seeds: list[Seed] = []
    for kind, file in (("estates", "ieat-estates.csv"), ("areas", "areas.csv")):
        raw = (ROOT / "data" / file).read_bytes()
        header, *rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline="")))
        typed = [[_number_or_text(v) if h in ("lat", "lon") else v for h, v in zip(header, row, strict=False)]
                 for row in rows]
        seeds += [Seed(f"{kind}.csv", raw), Seed(f"{kind}_export.csv", tablefile.csv_bytes(header, rows)),
                  Seed(f"{kind}_export.xlsx", _canonical_zip(tablefile.xlsx_bytes(kind, header, typed)))]
    return tuple(seeds)


def _number_or_text(v: str) -> float | str:
    try:
        return float(v)
    except ValueError:
        return v


_PRESET: dict[str, tuple[Seed, ...]] = {}


def use_seeds(preset: dict[str, tuple[Seed, ...]]) -> None:
    """Seeds made elsewhere (the bench builds them once and hands them to its workers, so
    that a worker's memory is the readers', not openpyxl's)."""
    _PRESET.update(preset)


def seeds(target: str) -> tuple[Seed, ...]:
    if target in _PRESET:
        return _PRESET[target]
    return {"workbook": workbook_seeds, "framework": framework_seeds, "registry": registry_seeds}[target]()


# ----------------------------------------------------------------------------- helpers

# Values a damaged or hostile file puts where a number, a reference or a name belongs.
HOSTILE_NUMBERS = ("0", "-1", "1e308", "1e999", "-1e999", "NaN", "inf", "99999999999999999999999999",
                   "4294967296", "2147483648", "18446744073709551616", "0x10", "1_000", "-0", "1.5",
                   "9" * 400, "0.000000000000000000000001", "45000.75", "๑๒", "")
HOSTILE_TEXT = ("", " ", "x", "A1:XFD1048576", "XFD1048576", "A1048577", "ZZZZZZ1", "$A$1", "&amp;",
                "<", "'", '"', "=1+1", "\u0e01\u0e02\u0e03", "\u202e", "\ufffd", "../../x", "/",
                "http://example.com/x", "x" * 10_000)


def _pick(rnd: random.Random, values: Sequence[str]) -> str:
    return rnd.choice(values)


def _span(rnd: random.Random, n: int, most: int) -> tuple[int, int]:
    start = rnd.randrange(max(1, n))
    return start, min(n, start + rnd.randint(1, max(1, most)))


# ----------------------------------------------------------------------------- bytes


def flip_bits(rnd: random.Random, data: bytes) -> bytes:
    b = bytearray(data)
    for _ in range(rnd.randint(1, 8)):
        if b:
            b[rnd.randrange(len(b))] ^= 1 << rnd.randrange(8)
    return bytes(b)


def overwrite(rnd: random.Random, data: bytes) -> bytes:
    b = bytearray(data)
    start, end = _span(rnd, len(b), 32)
    b[start:end] = rnd.randbytes(end - start)
    return bytes(b)


def truncate(rnd: random.Random, data: bytes) -> bytes:
    return data[: rnd.randrange(max(1, len(data)))]


def insert_bytes(rnd: random.Random, data: bytes) -> bytes:
    at = rnd.randrange(len(data) + 1)
    return data[:at] + rnd.randbytes(rnd.randint(1, 64)) + data[at:]


def delete_chunk(rnd: random.Random, data: bytes) -> bytes:
    start, end = _span(rnd, len(data), 256)
    return data[:start] + data[end:]


def duplicate_chunk(rnd: random.Random, data: bytes) -> bytes:
    start, end = _span(rnd, len(data), 512)
    return data[:end] + data[start:end] + data[end:]


# ----------------------------------------------------------------------------- zip


@dataclass
class Entry:
    """One member of a zip as ``pack`` writes it; every header field may be misstated."""

    name: bytes
    data: bytes
    method: int = 8
    packed: bytes | None = None  # the compressed bytes; computed from data when None
    crc: int | None = None
    local: dict[str, Any] = field(default_factory=dict)  # overrides of the local header
    central: dict[str, Any] = field(default_factory=dict)  # overrides of the central record


def _deflate(data: bytes) -> bytes:
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def pack(entries: Sequence[Entry], eocd: dict[str, Any] | None = None, tail: bytes = b"") -> bytes:
    """A zip of ``entries``, written field by field so that any field can lie."""
    out, central = bytearray(), bytearray()
    for e in entries:
        packed = e.packed if e.packed is not None else (_deflate(e.data) if e.method == 8 else e.data)
        f = {"version": 20, "flags": 0, "method": e.method, "time": 0, "date": 0x21,
             "crc": zlib.crc32(e.data) if e.crc is None else e.crc,
             "csize": len(packed), "usize": len(e.data), "name": e.name, "extra": b""}
        lf = f | e.local
        cf = f | {"offset": len(out)} | e.central
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, lf["version"], lf["flags"], lf["method"], lf["time"],
                           lf["date"], lf["crc"] & 0xFFFFFFFF, lf["csize"] & 0xFFFFFFFF, lf["usize"] & 0xFFFFFFFF,
                           len(lf["name"]), len(lf["extra"]))
        out += lf["name"] + lf["extra"] + packed
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, cf["version"], cf["flags"], cf["method"],
                               cf["time"], cf["date"], cf["crc"] & 0xFFFFFFFF, cf["csize"] & 0xFFFFFFFF,
                               cf["usize"] & 0xFFFFFFFF, len(cf["name"]), len(cf["extra"]), 0, 0, 0, 0,
                               cf["offset"] & 0xFFFFFFFF)
        central += cf["name"] + cf["extra"]
    z = {"disk": 0, "cd_disk": 0, "n_disk": len(entries), "n_total": len(entries), "cd_size": len(central),
         "cd_offset": len(out), "comment": b""} | (eocd or {})
    out += central
    out += struct.pack("<IHHHHIIH", 0x06054B50, z["disk"], z["cd_disk"], z["n_disk"] & 0xFFFF,
                       z["n_total"] & 0xFFFF, z["cd_size"] & 0xFFFFFFFF, z["cd_offset"] & 0xFFFFFFFF,
                       len(z["comment"]))
    return bytes(out) + z["comment"] + tail


@lru_cache(maxsize=32)  # the seeds, and the mutant being stacked on
def _members(data: bytes) -> tuple[tuple[bytes, bytes, int], ...]:
    """(name, uncompressed bytes, method) of each member of a seed zip."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return tuple((i.filename.encode("utf-8"), z.read(i), i.compress_type) for i in z.infolist())


def _entries(data: bytes) -> list[Entry]:
    return [Entry(name, body, method) for name, body, method in _members(data)]


def is_zip(data: bytes) -> bool:
    return data[:4] == b"PK\x03\x04"


def _misstated(rnd: random.Random, true: int) -> int:
    return rnd.choice((0, 1, true - 1, true + 1, true * 2, true // 2, true * 1000, 0xFFFFFFFF, 0x7FFFFFFF,
                       rnd.randrange(1 << 32)))


def zip_reorder(rnd: random.Random, data: bytes) -> bytes:
    es = _entries(data)
    rnd.shuffle(es)
    return pack(es)


def zip_duplicate(rnd: random.Random, data: bytes) -> bytes:
    es = _entries(data)
    i = rnd.randrange(len(es))
    twin = Entry(es[i].name, rnd.choice(es).data if rnd.random() < 0.5 else es[i].data, es[i].method)
    es.insert(rnd.randrange(len(es) + 1), twin)
    return pack(es)


def zip_drop(rnd: random.Random, data: bytes) -> bytes:
    es = _entries(data)
    for _ in range(rnd.randint(1, 2)):
        if es:
            es.pop(rnd.randrange(len(es)))
    return pack(es)


def zip_truncate_member(rnd: random.Random, data: bytes) -> bytes:
    """A member's compressed data cut short; the headers still give the full size, or the
    cut one."""
    es = _entries(data)
    e = rnd.choice(es)
    full = _deflate(e.data) if e.method == 8 else e.data
    e.packed = full[: rnd.randrange(max(1, len(full)))]
    if rnd.random() < 0.5:
        e.local["csize"] = e.central["csize"] = len(full)
    return pack(es)


def zip_sizes(rnd: random.Random, data: bytes) -> bytes:
    """Compressed or uncompressed size misstated in the local header, the central
    directory, or both."""
    es = _entries(data)
    for _ in range(rnd.randint(1, 2)):
        e = rnd.choice(es)
        key = rnd.choice(("csize", "usize"))
        true = len(e.data) if key == "usize" else len(_deflate(e.data) if e.method == 8 else e.data)
        value = _misstated(rnd, true)
        for where in rnd.choice(((e.local,), (e.central,), (e.local, e.central))):
            where[key] = value
    return pack(es)


def zip_method(rnd: random.Random, data: bytes) -> bytes:
    """The compression method changed (stored for deflated data, deflated for stored,
    bzip2, LZMA, zstd, AES, or anything) in one header or both."""
    es = _entries(data)
    e = rnd.choice(es)
    method = rnd.choice((0, 8, 9, 12, 14, 93, 95, 98, 99, rnd.randrange(1 << 16)))
    for where in rnd.choice(((e.local,), (e.central,), (e.local, e.central))):
        where["method"] = method
    return pack(es)


def zip_crc(rnd: random.Random, data: bytes) -> bytes:
    es = _entries(data)
    rnd.choice(es).crc = rnd.randrange(1 << 32)
    return pack(es)


def zip_names(rnd: random.Random, data: bytes) -> bytes:
    """A member renamed: in one header only, case changed, a leading slash, backslashes,
    ``..``, non-UTF-8 bytes, empty, or another member's name."""
    es = _entries(data)
    e = rnd.choice(es)
    name = e.name
    new = rnd.choice((name.upper(), b"/" + name, name.replace(b"/", b"\\"), b"../" + name, name + b"\xff\xfe",
                      b"", name[:-1], rnd.choice(es).name, name.replace(b".xml", b".XML"), b"x" * 300))
    for where in rnd.choice(((e.local,), (e.central,), (e.local, e.central))):
        where["name"] = new
    return pack(es)


def zip_offsets(rnd: random.Random, data: bytes) -> bytes:
    es = _entries(data)
    e = rnd.choice(es)
    e.central["offset"] = rnd.choice((0, 1, 30, len(data), len(data) * 2, 0xFFFFFFFF, rnd.randrange(len(data))))
    return pack(es)


def zip_flags(rnd: random.Random, data: bytes) -> bytes:
    """General-purpose flags: encrypted, a data descriptor that is not there, strong
    encryption, a compressed central directory."""
    es = _entries(data)
    e = rnd.choice(es)
    flag = rnd.choice((0x1, 0x8, 0x40, 0x2000, 0x800, 0xFFFF))
    for where in rnd.choice(((e.local,), (e.central,), (e.local, e.central))):
        where["flags"] = flag
    return pack(es)


def zip_extra(rnd: random.Random, data: bytes) -> bytes:
    """An extra field: a ZIP64 record with no room for its sizes, garbage, or one that
    claims more bytes than it has."""
    es = _entries(data)
    e = rnd.choice(es)
    extra = rnd.choice((b"\x01\x00\x10\x00" + b"\xff" * 4, b"\x01\x00\x00\x00", rnd.randbytes(rnd.randint(1, 40)),
                        b"\x55\x54\xff\xff\x01"))
    for where in rnd.choice(((e.local,), (e.central,), (e.local, e.central))):
        where["extra"] = extra
    return pack(es)


def zip_eocd(rnd: random.Random, data: bytes) -> bytes:
    """The end-of-central-directory record misstated: counts, size, offset, disk numbers,
    a comment, bytes after it."""
    es = _entries(data)
    key = rnd.choice(("n_disk", "n_total", "cd_size", "cd_offset", "disk", "cd_disk", "comment", "tail"))
    if key == "comment":
        return pack(es, {"comment": rnd.randbytes(rnd.randint(1, 200))})
    if key == "tail":
        return pack(es, tail=rnd.choice((b"PK\x05\x06" + bytes(18), rnd.randbytes(rnd.randint(1, 100)))))
    true = {"n_disk": len(es), "n_total": len(es)}.get(key, len(data))
    return pack(es, {key: _misstated(rnd, true) & (0xFFFF if key in ("n_disk", "n_total", "disk", "cd_disk")
                                                   else 0xFFFFFFFF)})


_HEADER_FIELDS = {  # (offset in the record, length) of the fields of each record
    b"PK\x03\x04": [(4, 2), (6, 2), (8, 2), (14, 4), (18, 4), (22, 4), (26, 2), (28, 2)],
    b"PK\x01\x02": [(4, 2), (6, 2), (8, 2), (10, 2), (16, 4), (20, 4), (24, 4), (28, 2), (30, 2), (32, 2),
                    (34, 2), (42, 4)],
    b"PK\x05\x06": [(4, 2), (6, 2), (8, 2), (10, 2), (12, 4), (16, 4), (20, 2)],
}


def zip_header_field(rnd: random.Random, data: bytes) -> bytes:
    """A field of a real header record of the seed overwritten in place."""
    b = bytearray(data)
    sig = rnd.choice(sorted(_HEADER_FIELDS))
    starts = [m.start() for m in re.finditer(re.escape(sig), data)]
    if not starts:
        return data
    at = rnd.choice(starts)
    off, size = rnd.choice(_HEADER_FIELDS[sig])
    true = int.from_bytes(b[at + off:at + off + size], "little")
    b[at + off:at + off + size] = (_misstated(rnd, true) & ((1 << (8 * size)) - 1)).to_bytes(size, "little")
    return bytes(b)


def zip_inflate(rnd: random.Random, data: bytes) -> bytes:
    """A member padded with megabytes of whitespace: compresses a thousandfold."""
    es = _entries(data)
    e = rnd.choice(es)
    e.data = e.data + b" " * rnd.choice((1 << 20, 3 << 20, 8 << 20))
    e.method = 8
    return pack(es)


_FAR = b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'


def _far(sheet: bytes) -> bytes:
    """A sheet with one value in its last cell: 17 billion cells for a reader that
    allocates the rectangle."""
    at = sheet.rfind(b"</sheetData>")
    return sheet[:at] + _FAR + sheet[at:] if at >= 0 else sheet


def zip_alias(rnd: random.Random, data: bytes) -> bytes:
    """The package made to name a sheet's part two ways, with the far cell in the part
    one reader would take and the other would not: a sheet listed twice under one name;
    the ``r`` prefix bound to another namespace; the shared strings found by their fixed
    name, not through the relationships; the main part moved; targets written as
    ``/xl/...`` or ``../``; an OpenDocument's parts added to an .xlsx; the sheets' cells or
    the shared strings put in another namespace (calamine reads them by local name); cells
    without ``r`` placed far by calamine's own rules (a row's ``r`` with letters first, a
    cell's ``r`` that does not move its row's counter; cells calamine keeps though they look
    empty); shared strings nobody declares, where calamine finds parts (whatever their case,
    or below the folder _rels/.rels names)."""
    es = _entries(data)
    by = {e.name: e for e in es}
    wb, rels = by.get(b"xl/workbook.xml"), by.get(b"xl/_rels/workbook.xml.rels")
    if wb is None or rels is None:  # not an .xlsx: make it one as well
        return data
    how = rnd.choice(("name_twice", "r_namespace", "strings", "main_moved", "target_forms", "with_ods",
                      "cells_namespace", "strings_namespace", "cell_positions", "strings_lookup",
                      "strings_bomb"))
    sheets = [e for e in es if e.name.startswith(b"xl/worksheets/") and e.name.endswith(b".xml")]
    if how == "name_twice":
        m = _choose(rnd, re.compile(rb"<sheet\b[^>]*/>"), wb.data)
        if m is None or not sheets:
            return data
        twin = re.sub(rb'r:id="[^"]*"', b'r:id="rIdFuzz"', m[0])
        wb.data = wb.data[:m.start()] + (twin + m[0] if rnd.random() < 0.5 else m[0] + twin) + wb.data[m.end():]
        rels.data = rels.data.replace(b"</Relationships>", b'<Relationship Id="rIdFuzz" Type="http://schemas.'
                                      b'openxmlformats.org/officeDocument/2006/relationships/worksheet" '
                                      b'Target="worksheets/fuzz.xml"/></Relationships>')
        es.append(Entry(b"xl/worksheets/fuzz.xml", _far(rnd.choice(sheets).data)))
    elif how == "r_namespace":
        wb.data = re.sub(rb'xmlns:r="[^"]*"', rnd.choice((b'xmlns:r="urn:x"', b'xmlns:r="A1:A1:A1"')), wb.data)
        for e in sheets:
            e.data = _far(e.data)
    elif how == "strings":
        sst = by.get(b"xl/sharedStrings.xml")
        if sst is None:
            return data
        rels.data = rels.data.replace(b"sharedStrings.xml", b"strings2.xml")
        es.append(Entry(b"xl/strings2.xml", sst.data))
        sst.data = re.sub(rb'uniqueCount="\d+"', b'uniqueCount="4000000000"', sst.data)
    elif how == "cells_namespace":
        for e in sheets:
            e.data = _far(e.data)
            if rnd.random() < 0.5:  # the default namespace bound elsewhere
                e.data = re.sub(rb'xmlns="[^"]*"', b'xmlns="urn:fuzz"', e.data, count=1)
            else:  # or the cells and rows prefixed with another namespace
                e.data = re.sub(rb"<(/?)(c|row)([ >/])", rb"<\1z:\2\3",
                                e.data.replace(b"<worksheet ", b'<worksheet xmlns:z="urn:fuzz" ', 1))
    elif how == "cell_positions":
        rows = rnd.choice((b'<row r="A1048576"><c><v>1</v></c></row>',
                           b'<row r="1048576"><c r="A1"><v>1</v></c><c><v>1</v></c></row>',
                           b'<row r="1048576"><c r="A1048576" t="d"><v></v></c></row>',  # kept though empty
                           b'<row r="1048576"><c r="A1048576"><is><t></t></is></c></row>',
                           b'<row r="1048000"/><row><c><f><c/><row r="1"/></f></c></row><row><c><v>1</v></c></row>',
                           b'<row r="1048000"></row><a:b:row r="1"/><row><c><v>1</v></c></row>'))
        for e in sheets:
            at = e.data.rfind(b"</sheetData>")
            if at >= 0:
                e.data = e.data[:at] + rows + e.data[at:]
            e.data = e.data.replace(b"</row>", b'<c r="XFD1"><v>1</v></c></row>', 1)
    elif how == "strings_lookup":
        sst = by.get(b"xl/sharedStrings.xml")
        if sst is None:
            return data
        rels.data = re.sub(rb"<Relationship [^>]*sharedStrings[^>]*/>", b"", rels.data)
        sst.data = re.sub(rb'uniqueCount="\d+"', b'uniqueCount="4000000000"', sst.data)
        if rnd.random() < 0.5:
            sst.name = rnd.choice((b"XL/SharedStrings.xml", b"xl\\sharedStrings.xml", b"xl/SHAREDSTRINGS.XML"))
        else:  # the whole workbook below another folder, as _rels/.rels and the types say
            root, types = by.get(b"_rels/.rels"), by.get(b"[Content_Types].xml")
            if root is None or types is None:
                return data
            root.data = root.data.replace(b"xl/workbook.xml", b"wb/workbook.xml")
            types.data = types.data.replace(b"/xl/", b"/wb/")
            for e in es:
                if e.name.startswith(b"xl/"):
                    e.name = b"wb/" + e.name[3:]
    elif how == "strings_bomb":  # one long shared string under many cells: calamine copies it into each
        sst = by.get(b"xl/sharedStrings.xml")
        if sst is None or not sheets:
            return data
        sst.data = re.sub(rb"<si>.*?</si>", b"<si><t>" + b"x" * 300_000 + b"</t></si>", sst.data, count=1, flags=re.S)
        e = rnd.choice(sheets)
        e.data = e.data.replace(b"</row>", b"".join(b'<c r="ZZ%d" t="s"><v>0</v></c>' % r for r in range(1, 200))
                                + b"</row>", 1)
    elif how == "strings_namespace":
        sst = by.get(b"xl/sharedStrings.xml")
        if sst is None:
            return data
        sst.data = re.sub(rb'uniqueCount="\d+"', b'uniqueCount="4000000000"',
                          re.sub(rb'xmlns="[^"]*"', b'xmlns="urn:fuzz"', sst.data, count=1))
    elif how == "main_moved":
        root = by.get(b"_rels/.rels")
        if root is None or not sheets:
            return data
        root.data = root.data.replace(b"xl/workbook.xml", b"xl/workbook2.xml")
        types = by.get(b"[Content_Types].xml")
        if types is not None:  # declared as the workbook, as the package format asks
            types.data = re.sub(rb'(<Override [^>]*PartName="/xl/workbook.xml"[^>]*/>)',
                                lambda m: m[1] + m[1].replace(b"/xl/workbook.xml", b"/xl/workbook2.xml"), types.data)
        es.append(Entry(b"xl/workbook2.xml", wb.data))
        es.append(Entry(b"xl/_rels/workbook2.xml.rels", rels.data))
        rels.data = re.sub(rb'Target="[^"]*worksheets/[^"]*"', b'Target="worksheets/fuzz.xml"', rels.data)
        es.append(Entry(b"xl/worksheets/fuzz.xml", _far(rnd.choice(sheets).data)))
    elif how == "target_forms":
        form = rnd.choice((b"/xl/worksheets/", b"../xl/worksheets/", b"xl/worksheets/", b"./worksheets/",
                           b"worksheets/../worksheets/"))
        rels.data = re.sub(rb'Target="/?(?:xl/)?worksheets/', b'Target="' + form, rels.data)
        for e in sheets:
            es.append(Entry(b"xl/" + form.lstrip(b"/").removeprefix(b"xl/") + e.name.rsplit(b"/", 1)[-1],
                            _far(e.data)))
    else:  # the OpenDocument lists the same sheets, empty
        names = re.findall(rb'<sheet\b[^>]*\bname="([^"]*)"', wb.data)
        content = (b'<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
                   b'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"><office:body><office:spreadsheet>'
                   + b"".join(b'<table:table table:name="%s"/>' % n for n in names)
                   + b"</office:spreadsheet></office:body></office:document-content>")
        es.insert(0, Entry(b"mimetype", b"application/vnd.oasis.opendocument.spreadsheet", 0))
        es.append(Entry(b"content.xml", content))
        for e in sheets:
            e.data = _far(e.data)
    seen: set[bytes] = set()  # a form that names an existing part: keep the first
    return pack([e for e in es if not (e.name in seen or seen.add(e.name))])


# ----------------------------------------------------------------------------- xml


_XML_PARTS = re.compile(rb"\.(xml|rels)$")


def _xml_mutant(rnd: random.Random, data: bytes, change: Callable[[random.Random, bytes], bytes],
                sheets_only: bool = False) -> bytes:
    """Change one XML part (sheets and the parts every reader opens more often) and
    rebuild a correct zip around it."""
    es = _entries(data)
    xml = [e for e in es if _XML_PARTS.search(e.name) and (not sheets_only or b"worksheets/" in e.name)]
    if not xml:
        return data
    weights = [5 if b"sheet" in e.name or b"content.xml" in e.name else
               3 if e.name in (b"xl/workbook.xml", b"xl/sharedStrings.xml", b"xl/styles.xml",
                               b"[Content_Types].xml", b"xl/_rels/workbook.xml.rels", b"_rels/.rels") else 1
               for e in xml]
    e = rnd.choices(xml, weights)[0]
    e.data = change(rnd, e.data)
    return pack(es)


_TAG = re.compile(rb"<[^<>]+>")
_ELEMENT = re.compile(rb"<([A-Za-z_][\w:.-]*)\b[^<>]*?(?:/>|>[^<]*</\1>)")
_ATTR = re.compile(rb"""([\w:.-]+)=("[^"]*"|'[^']*')""")
_TEXT = re.compile(rb">([^<>]+)<")


def _choose(rnd: random.Random, pattern: re.Pattern[bytes], data: bytes) -> re.Match[bytes] | None:
    found = list(pattern.finditer(data))
    return rnd.choice(found) if found else None


def _drop_tag(rnd: random.Random, x: bytes) -> bytes:
    m = _choose(rnd, rnd.choice((_TAG, _ELEMENT)), x)
    return x[:m.start()] + x[m.end():] if m else x


def _dup_element(rnd: random.Random, x: bytes) -> bytes:
    m = _choose(rnd, _ELEMENT, x)
    if not m:
        return x
    return x[:m.end()] + m[0] * rnd.choice((1, 1, 2, 100)) + x[m.end():]


def _attr_value(rnd: random.Random, x: bytes) -> bytes:
    m = _choose(rnd, _ATTR, x)
    if not m:
        return x
    value = _pick(rnd, HOSTILE_NUMBERS + HOSTILE_TEXT).encode("utf-8")
    value = value.replace(b"&", b"&amp;").replace(b"<", b"&lt;").replace(b'"', b"&quot;")
    return x[:m.start(2)] + b'"' + value + b'"' + x[m.end(2):]


def _text_value(rnd: random.Random, x: bytes) -> bytes:
    m = _choose(rnd, _TEXT, x)
    if not m:
        return x
    value = _pick(rnd, HOSTILE_NUMBERS + HOSTILE_TEXT).encode("utf-8")
    value = value.replace(b"&", b"&amp;").replace(b"<", b"&lt;")
    return x[:m.start(1)] + value + x[m.end(1):]


_NUMERIC_ATTRS = re.compile(rb"""\b(r|s|t|ref|uniqueCount|count|numFmtId|xfId|sheetId|min|max|spans|"""
                            rb"""number-columns-repeated|number-rows-repeated|value-type|value)=("[^"]*")""")


def _type_or_number(rnd: random.Random, x: bytes) -> bytes:
    """A cell type, style, reference, count or repeat replaced: ``t="s"`` on a number,
    ``s="99999"``, ``r="XFD1048576"``, ``uniqueCount="4294967295"``."""
    m = _choose(rnd, _NUMERIC_ATTRS, x)
    if not m:
        return x
    attr = m[1].decode()
    if attr in ("t", "value-type"):
        value = rnd.choice(("s", "str", "inlineStr", "b", "e", "n", "d", "x", "", "percentage", "date",
                            "boolean", "currency", "string", "float", "time"))
    elif attr in ("r", "ref"):
        value = rnd.choice(("XFD1048576", "A1048576", "A1:XFD1048576", "A0", "AAAA1", "A99999999999", "1A",
                            "", "$E$12", "e12", "A1:A1:A1", "Z" * 40 + "1"))
    else:
        value = rnd.choice(("0", "-1", "4294967295", "4294967296", "2147483647", "99999", "1e9", "nan",
                            "9" * 40, "1000000", "65536", "x", ""))
    return x[:m.start(2)] + b'"' + value.encode() + b'"' + x[m.end(2):]


_DECL = re.compile(rb"^\s*<\?xml[^>]*\?>")


def _after_decl(x: bytes) -> int:
    m = _DECL.match(x)
    return m.end() if m else 0


def _entity(rnd: random.Random, x: bytes) -> bytes:
    """A DOCTYPE with entities: the billion laughs, an external entity, a parameter
    entity, an entity used in a cell."""
    laughs = b"".join(b'<!ENTITY l%d "&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;">' % ((i + 1,) + (i,) * 10)
                      for i in range(9))
    doctype = rnd.choice((
        b'<!DOCTYPE x [<!ENTITY l0 "lol">' + laughs + b"]>",
        b'<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
        b'<!DOCTYPE x [<!ENTITY % p SYSTEM "http://127.0.0.1:9/x.dtd"> %p;]>',
        b'<!DOCTYPE x SYSTEM "http://127.0.0.1:9/x.dtd">',
        b'<!DOCTYPE x [<!ENTITY e "E">]>',
    ))
    at = _after_decl(x)
    x = x[:at] + doctype + x[at:]
    m = _choose(rnd, _TEXT, x[at + len(doctype):])
    if m and rnd.random() < 0.7:
        ref = rnd.choice((b"&l9;", b"&xxe;", b"&e;", b"&undefined;"))
        start = at + len(doctype) + m.start(1)
        x = x[:start] + ref + x[start:]
    return x


def _deep(rnd: random.Random, x: bytes) -> bytes:
    """Elements nested thousands deep inside the document."""
    depth = rnd.choice((100, 1000, 10_000, 100_000))
    m = _choose(rnd, _TAG, x[_after_decl(x):])
    if not m:
        return x
    at = _after_decl(x) + m.end()
    if x[at - 2:at] == b"/>" or m[0].startswith(b"</"):
        return x
    return x[:at] + b"<a>" * depth + b"</a>" * depth + x[at:]


def _encoding(rnd: random.Random, x: bytes) -> bytes:
    how = rnd.choice(("utf16", "utf16-declared-utf8", "latin1", "bogus", "no-decl", "bom", "bad-utf8", "nul"))
    text = x.decode("utf-8", "replace")
    if how == "utf16":
        return text.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    if how == "utf16-declared-utf8":
        return x.decode("utf-8", "replace").encode("utf-16")
    if how == "latin1":
        return x.replace(b'encoding="UTF-8"', b'encoding="ISO-8859-1"')
    if how == "bogus":
        return re.sub(rb'encoding="[^"]*"', b'encoding="x-no-such-encoding"', x, count=1)
    if how == "no-decl":
        return x[_after_decl(x):]
    if how == "bom":
        return b"\xef\xbb\xbf" + x
    at = rnd.randrange(len(x) + 1)
    return x[:at] + (b"\xc3\x28\xff" if how == "bad-utf8" else b"\x00") + x[at:]


def _namespace(rnd: random.Random, x: bytes) -> bytes:
    m = _choose(rnd, re.compile(rb'xmlns(?::\w+)?="([^"]*)"'), x)
    if not m:
        return x
    new = rnd.choice((b"", b"http://purl.oclc.org/ooxml/spreadsheetml/main", b"urn:x", m[1] + b"/"))
    return x[:m.start(1)] + new + x[m.end(1):]


def _insert_markup(rnd: random.Random, x: bytes) -> bytes:
    m = _choose(rnd, _TAG, x[_after_decl(x):])
    if not m:
        return x
    at = _after_decl(x) + m.end()
    junk = rnd.choice((b"<![CDATA[1e999]]>", b"<!-- -->", b"<?pi x?>", b"&#0;", b"&#x110000;", b"&#65;",
                       b"<", b"]]>", b"<c r=\"A1\"><v>1</v></c>", b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>',
                       b"<v>" + b"9" * 5000 + b"</v>"))
    return x[:at] + junk + x[at:]


def _many_cells(rnd: random.Random, x: bytes) -> bytes:
    """Thousands of cells added to a sheet, some far out."""
    at = x.find(b"</sheetData>")
    if at < 0:
        at = x.find(b"</table:table>")
        if at < 0:
            return x
        row = b"<table:table-row>" + b'<table:table-cell office:value-type="float" office:value="1"/>' * 2000
        return x[:at] + (row + b"</table:table-row>") * rnd.randint(1, 20) + x[at:]
    n = rnd.choice((1000, 20_000))
    start = rnd.choice((30, 1000, 1_000_000))
    rows = b"".join(b'<row r="%d"><c r="A%d"><v>%d</v></c></row>' % (start + i, start + i, i) for i in range(n))
    return x[:at] + rows + x[at:]


def _fill(rnd: random.Random, x: bytes) -> bytes:
    """A sheet filled up to the reader's limits: tens or hundreds of thousands of cells
    with values (dense, or with text and formulas), or one value in a far corner that
    makes the rectangle a reader allocates huge. Compresses well: a small upload."""
    at = x.find(b"</sheetData>")
    if at < 0:
        return x
    how = rnd.choice(("dense", "dense", "text", "corner"))
    if how == "corner":
        ref = rnd.choice((b"E199999", b"E399999", b"E400001", b"CV19999", b"CV20001", b"XFD120", b"XFD1048576"))
        row = int(ref.lstrip(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
        return x[:at] + b'<row r="%d"><c r="%s"><v>1</v></c></row>' % (row, ref) + x[at:]
    n = rnd.choice((20_000, 49_000, 99_000, 101_000, 240_000, 490_000))
    cols = rnd.choice((1, 2, 5))
    if how == "text":  # codes and values as an officer's pasted table has them
        cells = (b'<c t="inlineStr"><is><t>PHY-%d</t></is></c><c><f>A%d*2</f><v>%d</v></c>' % (i, i, i * 7)
                 for i in range(n // 2))
    else:  # numbers that differ, so the part compresses like real data (no zip-bomb ratio)
        cells = (b"<c><v>%d.%d</v></c>" % (i * 7919 % 100_003, i % 97) for i in range(n))
    body = b"".join(b"<row>" + b"".join(row) + b"</row>" for row in _batched(cells, cols))
    return x[:at] + body + x[at:]


def _batched(items: Any, n: int) -> Any:
    it = iter(items)
    while batch := list(itertools.islice(it, n)):
        yield batch


def _truncate_xml(rnd: random.Random, x: bytes) -> bytes:
    return x[: rnd.randrange(max(1, len(x)))]


def _xml(change: Callable[[random.Random, bytes], bytes], sheets_only: bool = False) -> Mutator:
    def mutate(rnd: random.Random, data: bytes) -> bytes:
        return _xml_mutant(rnd, data, change, sheets_only)

    mutate.__doc__ = change.__doc__
    return mutate


# ----------------------------------------------------------------------------- text (TOML, CSV)


def _lines(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True)


def line_drop(rnd: random.Random, data: bytes) -> bytes:
    lines = _lines(data)
    for _ in range(rnd.randint(1, 3)):
        if lines:
            lines.pop(rnd.randrange(len(lines)))
    return b"".join(lines)


def line_duplicate(rnd: random.Random, data: bytes) -> bytes:
    lines = _lines(data)
    if not lines:
        return data
    start, end = _span(rnd, len(lines), 12)
    times = rnd.choice((1, 1, 2, 50))
    return b"".join(lines[:end] + lines[start:end] * times + lines[end:])


def line_move(rnd: random.Random, data: bytes) -> bytes:
    lines = _lines(data)
    if len(lines) < 2:
        return data
    line = lines.pop(rnd.randrange(len(lines)))
    lines.insert(rnd.randrange(len(lines) + 1), line)
    return b"".join(lines)


_TOML_VALUE = re.compile(rb"^(\s*[\w\"'.-]+\s*=\s*)(.+?)(\s*(?:#.*)?)$", re.M)
TOML_VALUES = (b"0", b"-1", b"1", b"3", b"1e999", b"nan", b"inf", b"-inf", b"9" * 400, b"9" * 5000,
               b"4294967296", b"1.5", b"true", b"false", b'""', b'" "', b'"x"', b"[]", b"[1, 2]", b'["a", 1]',
               b"[[1], [2]]", b"{}", b"{ a = 1 }", b"1979-05-27", b"07:32:00", b'"' + b"x" * 100_000 + b'"',
               b'"<b>x</b>"', b'"\\u0000"', b'"#ZZZZZZ"', b"0x7fffffffffffffff", b'"higher"', b'"yesno"',
               b'"sum"', b"[0, 0, 0, 0, 0]", b"[5, 4, 3, 2, 1]", b"[1e999, 1, 2, 3, 4]", b"[" + b"9" * 400 + b"]")


def value_change(rnd: random.Random, data: bytes) -> bytes:
    """A TOML value replaced by one of another type, size or meaning."""
    m = _choose(rnd, _TOML_VALUE, data)
    if not m:
        return data
    return data[:m.start(2)] + rnd.choice(TOML_VALUES) + data[m.end(2):]


_TOML_NUMBER = re.compile(rb"(?<=[=\[,])(\s*)(-?\d[\d_]*(?:\.\d+)?(?:[eE][+-]?\d+)?)(?=\s*[\],\n#])")
TOML_NUMBERS = (b"0", b"-1", b"1", b"2", b"6", b"100", b"1000000", b"999999999999", b"9223372036854775807",
                b"9" * 40, b"9" * 400, b"9" * 4300, b"9" * 5000, b"1e999", b"-1e999", b"nan", b"inf", b"1e-999",
                b"0.5", b"1.0000000000000002", b"1e308", b"-0.0", b"0x7f", b"0o17", b"0b101")


def number_change(rnd: random.Random, data: bytes) -> bytes:
    """A number (a level, a threshold, a weight, a scale, a share) made huge, negative,
    zero, infinite, not a number, or written in hex, octal or binary."""
    m = _choose(rnd, _TOML_NUMBER, data)
    if not m:
        return data
    return data[:m.start(2)] + rnd.choice(TOML_NUMBERS) + data[m.end(2):]


def section_change(rnd: random.Random, data: bytes) -> bytes:
    """Every table of a section ([[levels]], [[dimensions]], [[indicators]]) removed,
    and the section given as a number, a text, a list or a table instead, or not at
    all."""
    name = rnd.choice((b"levels", b"dimensions", b"indicators"))
    head = b"[[" + name + b"]]"
    parts = re.split(rb"(?m)^(?=\[)", data)
    kept = b"".join(p for p in parts if not p.startswith(head))
    replacement = rnd.choice((b"", b" = 5\n", b' = "x"\n', b" = [1, 2]\n", b" = []\n", b" = [{}]\n", b" = {}\n",
                              b" = [[1]]\n", b" = [{ key = 1 }, 2]\n", b" = true\n"))
    if not replacement:
        return kept
    lines = _lines(kept)
    first_table = next((i for i, line in enumerate(lines) if line.startswith(b"[")), len(lines))
    lines.insert(first_table, name + replacement)
    return b"".join(lines)


def type_swap(rnd: random.Random, data: bytes) -> bytes:
    """A value's type changed with its text kept: a number quoted, a string unquoted, an
    array of tables made a table or an inline array, a list made a scalar."""
    how = rnd.choice(("quote", "unquote", "table", "array_of_tables", "list_scalar", "bool"))
    if how == "quote":
        m = _choose(rnd, re.compile(rb"(=\s*)(-?[\d.e+]+|true|false)\b"), data)
        return data[:m.start(2)] + b'"' + m[2] + b'"' + data[m.end(2):] if m else data
    if how == "unquote":
        m = _choose(rnd, re.compile(rb'(=\s*)"([^"\n]*)"'), data)
        return data[:m.start(2) - 1] + m[2] + data[m.end(2) + 1:] if m else data
    if how == "table":
        m = _choose(rnd, re.compile(rb"^\[\[(\w+)\]\]", re.M), data)
        return data[:m.start()] + b"[" + m[1] + b"]" + data[m.end():] if m else data
    if how == "array_of_tables":
        key = rnd.choice((b"levels", b"dimensions", b"indicators", b"thresholds", b"scale"))
        return key + rnd.choice((b" = 5\n", b' = "x"\n', b" = [1, 2]\n", b" = []\n", b" = [{}]\n")) + data
    if how == "list_scalar":
        m = _choose(rnd, re.compile(rb"(=\s*)(\[[^\]\n]*\])"), data)
        return data[:m.start(2)] + rnd.choice((b"5", b'"5"', b"[[5]]")) + data[m.end(2):] if m else data
    m = _choose(rnd, re.compile(rb"\b(true|false)\b"), data)
    return data[:m.start()] + rnd.choice((b'"true"', b"1", b"yes")) + data[m.end():] if m else data


def key_rename(rnd: random.Random, data: bytes) -> bytes:
    m = _choose(rnd, re.compile(rb"^(\s*)([A-Za-z_]+)(\s*=)", re.M), data)
    if not m:
        return data
    new = rnd.choice((m[2].upper(), m[2] + b"s", m[2][:-1], b"x", b'"' + m[2] + b' "', m[2] + b".sub"))
    return data[:m.start(2)] + new + data[m.end(2):]


def unbalanced(rnd: random.Random, data: bytes) -> bytes:
    """A quote, bracket or brace opened and never closed, somewhere."""
    at = rnd.randrange(len(data) + 1)
    return data[:at] + rnd.choice((b'"', b"'", b"[", b"{", b"[[", b'"""', b"'''", b"\\", b"]", b"}", b"=", b"#")) + data[at:]


def deep_nesting(rnd: random.Random, data: bytes) -> bytes:
    depth = rnd.choice((50, 500, 5_000, 50_000))
    how = rnd.choice((b"[", b"{a="))
    close = b"]" if how == b"[" else b"}"
    line = b"x = " + how * depth + (b"1" if how != b"[" else b"") + close * depth + b"\n"
    lines = _lines(data)
    lines.insert(rnd.randrange(len(lines) + 1), line)
    return b"".join(lines)


def text_encoding(rnd: random.Random, data: bytes) -> bytes:
    text = data.decode("utf-8-sig", "replace")
    how = rnd.choice(("bom", "double-bom", "utf16", "cp874", "bad-utf8", "nul", "crlf", "cr", "latin1"))
    if how == "bom":
        return b"\xef\xbb\xbf" + data
    if how == "double-bom":
        return b"\xef\xbb\xbf\xef\xbb\xbf" + data
    if how == "utf16":
        return text.encode("utf-16")
    if how == "cp874":
        return text.encode("cp874", "replace")
    if how == "latin1":
        return text.encode("latin-1", "replace")
    if how == "crlf":
        return data.replace(b"\n", b"\r\n")
    if how == "cr":
        return data.replace(b"\n", b"\r")
    at = rnd.randrange(len(data) + 1)
    return data[:at] + (b"\xc3\x28\xff\xfe" if how == "bad-utf8" else b"\x00") + data[at:]


def _csv_rows(data: bytes) -> tuple[bool, list[list[str]]]:
    """The rows of a CSV; none when the csv module cannot split it (a quote left open
    by an earlier mutation): the mutation then leaves the file as it is."""
    bom = data.startswith(b"\xef\xbb\xbf")
    try:
        return bom, list(csv.reader(io.StringIO(data.decode("utf-8-sig", "replace"), newline="")))
    except csv.Error:
        return bom, []


def _csv_bytes(bom: bool, rows: list[list[str]]) -> bytes:
    buf = io.StringIO(newline="")
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    return (b"\xef\xbb\xbf" if bom else b"") + buf.getvalue().encode("utf-8", "surrogatepass")


CSV_VALUES = HOSTILE_NUMBERS + HOSTILE_TEXT + (
    "yes", "no", "ใช่", "maybe", "TH21", "th21", "Rayong", "East", "east", "MAP-TA-PHUT", "map ta phut",
    "MAP-TA-PHUT;MAP-TA-PHUT", "NO-SUCH;;X", "a\nb", "a\r\nb", "a,b", '"', "\x00", "\x1b[31m", "'=1+1",
    "@SUM(A1)", "13.7583", "100.7893", "-13.7", "200", "x" * 201)


def _csv_cell(rnd: random.Random, data: bytes) -> bytes:
    bom, rows = _csv_rows(data)
    if not rows:
        return data
    r = rnd.randrange(len(rows))
    if not rows[r]:
        return data
    c = rnd.randrange(len(rows[r]))
    rows[r][c] = rnd.choice(CSV_VALUES)
    return _csv_bytes(bom, rows)


def csv_cell(rnd: random.Random, data: bytes) -> bytes:
    """One cell of the CSV replaced by a hostile value (header cells too)."""
    return _csv_cell(rnd, data)


def csv_shape(rnd: random.Random, data: bytes) -> bytes:
    """Rows made ragged: cells added or removed, a row with thousands of cells, columns
    swapped, the header duplicated, the delimiter changed."""
    bom, rows = _csv_rows(data)
    if not rows:
        return data
    how = rnd.choice(("extra", "fewer", "wide", "swap", "header_twice", "semicolon", "tab", "many_rows"))
    r = rnd.randrange(len(rows))
    if how == "extra":
        rows[r] += ["x"] * rnd.randint(1, 5)
    elif how == "fewer":
        rows[r] = rows[r][: rnd.randrange(len(rows[r]) + 1)]
    elif how == "wide":
        rows[r] += [""] * rnd.choice((1000, 50_000)) + ["x"]
    elif how == "swap":
        if len(rows[0]) > 1:
            i, j = rnd.sample(range(len(rows[0])), 2)
            for row in rows:
                if len(row) > max(i, j):
                    row[i], row[j] = row[j], row[i]
    elif how == "header_twice":
        rows.insert(rnd.randrange(1, len(rows) + 1), list(rows[0]))
    elif how == "many_rows":
        rows += rows[1:] * (6000 // max(1, len(rows) - 1) + 1)
    else:
        text = _csv_bytes(bom, rows)
        return text.replace(b",", b";" if how == "semicolon" else b"\t")
    return _csv_bytes(bom, rows)


def csv_open_quote(rnd: random.Random, data: bytes) -> bytes:
    """A quote opened in a cell and never closed, with the rest of the file (or a long
    text) inside it: Python's csv module refuses a field over 131,072 characters."""
    at = rnd.randrange(len(data) + 1)
    filler = rnd.choice((b"", b"x" * 140_000, (b"a,b\n" * 40_000)))
    return data[:at] + b'"' + filler + data[at:]


# ----------------------------------------------------------------------------- the catalogue

BYTES = {"flip_bits": flip_bits, "overwrite": overwrite, "truncate": truncate, "insert_bytes": insert_bytes,
         "delete_chunk": delete_chunk, "duplicate_chunk": duplicate_chunk}
ZIP = {"zip_reorder": zip_reorder, "zip_duplicate": zip_duplicate, "zip_drop": zip_drop,
       "zip_truncate_member": zip_truncate_member, "zip_sizes": zip_sizes, "zip_method": zip_method,
       "zip_crc": zip_crc, "zip_names": zip_names, "zip_offsets": zip_offsets, "zip_flags": zip_flags,
       "zip_extra": zip_extra, "zip_eocd": zip_eocd, "zip_header_field": zip_header_field,
       "zip_inflate": zip_inflate, "zip_alias": zip_alias}
XML = {"xml_drop_tag": _xml(_drop_tag), "xml_dup_element": _xml(_dup_element), "xml_attr_value": _xml(_attr_value),
       "xml_text_value": _xml(_text_value), "xml_type_or_number": _xml(_type_or_number),
       "xml_entity": _xml(_entity), "xml_deep": _xml(_deep), "xml_encoding": _xml(_encoding),
       "xml_namespace": _xml(_namespace), "xml_markup": _xml(_insert_markup),
       "xml_many_cells": _xml(_many_cells, sheets_only=True), "xml_fill": _xml(_fill, sheets_only=True),
       "xml_truncate": _xml(_truncate_xml)}
TEXT = {"line_drop": line_drop, "line_duplicate": line_duplicate, "line_move": line_move,
        "value_change": value_change, "number_change": number_change, "section_change": section_change,
        "type_swap": type_swap, "key_rename": key_rename, "unbalanced": unbalanced,
        "deep_nesting": deep_nesting, "text_encoding": text_encoding}
CSV = {"line_drop": line_drop, "line_duplicate": line_duplicate, "line_move": line_move, "csv_cell": csv_cell,
       "csv_shape": csv_shape, "csv_open_quote": csv_open_quote, "unbalanced": unbalanced,
       "text_encoding": text_encoding}
MUTATIONS: dict[str, Mutator] = BYTES | ZIP | XML | TEXT | CSV
FAMILIES = {"bytes": BYTES, "zip": ZIP, "xml": XML, "text": TEXT, "csv": CSV}


def family_of(kind: str) -> str:
    return next(f for f, kinds in FAMILIES.items() if kind in kinds)


def _kinds_for(seed: Seed, target: str) -> dict[str, Mutator]:
    """The mutations that make sense for a seed: the container's for a zip (its bytes, its
    zip structure, its XML), the text's for a TOML or CSV file; never XML on an .xls."""
    if is_zip(seed.data):
        return BYTES | ZIP | XML
    if target == "framework":
        return TEXT | BYTES
    if seed.name.endswith(".csv"):
        return CSV | BYTES
    return BYTES


# Share of cases per family, for seeds where the family applies.
_WEIGHT = {"bytes": 3, "zip": 3, "xml": 4, "text": 6, "csv": 6}


# Kinds drawn less often than the others of their family: each case costs a second.
_RARE = {"xml_fill": 0.2}


def _choose_kind(rnd: random.Random, kinds: dict[str, Mutator]) -> str:
    names = sorted(kinds)
    weights = [_WEIGHT[family_of(n)] / len(FAMILIES[family_of(n)]) * _RARE.get(n, 1.0) for n in names]
    return rnd.choices(names, weights)[0]


# ----------------------------------------------------------------------------- cases


@dataclass(frozen=True)
class Case:
    target: str
    index: int
    seed: str  # the seed file's name
    filename: str  # the name given to the reader
    kinds: tuple[str, ...]  # the mutations applied, in order
    data: bytes

    @property
    def label(self) -> str:
        return f"{self.target}#{self.index} ({self.seed}: {'+'.join(self.kinds)})"


def plan_case(target: str, index: int, seed: int = SEED) -> tuple[random.Random, Seed, tuple[str, ...]]:
    """The seed file and the mutations of case ``index``, and the random state that the
    mutations then draw from."""
    rnd = random.Random(f"{seed}:{target}:{index}")
    s = rnd.choice(seeds(target))
    kinds = _kinds_for(s, target)
    chosen = [_choose_kind(rnd, kinds) for _ in range(rnd.choice((1, 1, 1, 1, 2, 3)))]
    # Stacked: XML parts first, then at most one change of the zip structure (its result
    # may no longer open), then bytes, which need nothing.
    order = {"xml": 0, "text": 0, "csv": 0, "zip": 1, "bytes": 2}
    chosen.sort(key=lambda k: order[family_of(k)])
    applied: list[str] = []
    for kind in chosen:
        if family_of(kind) == "zip" and any(family_of(k) == "zip" for k in applied):
            continue
        applied.append(kind)
    return rnd, s, tuple(applied)


def make_case(target: str, index: int, seed: int = SEED) -> Case:
    """Case ``index`` of ``target``: a seed file with one mutation (a fifth of the time
    two or three stacked)."""
    rnd, s, applied = plan_case(target, index, seed)
    data = s.data
    for kind in applied:
        data = MUTATIONS[kind](rnd, data)
    return Case(target, index, s.name, s.name, applied, data)


# ----------------------------------------------------------------------------- the oracle


@dataclass(frozen=True)
class Outcome:
    """What a reader did with a case: ``accepted``, ``rejected`` (with the codes), or
    ``uncaught`` (with the exception and where it was raised); the reader's wall time
    and CPU time in milliseconds."""

    status: str
    ms: float
    codes: tuple[str, ...] = ()
    error: str = ""
    cpu_ms: float = 0.0


class OracleError(AssertionError):
    """The reader answered, but not clearly: an unknown code, a message that does not
    render, a cell-level message without its sheet."""


# The workbook's file-level codes: about the file as a whole, so without a sheet.
FILE_CODES = {"unreadable", "too_large", "not_a_workbook", "damaged_part", "encrypted", "zip_bomb",
              "too_many_cells", "missing_sheets"}


class ReaderClock:
    """The time spent inside the reader alone (``with clock:``), without the oracle's
    checks and the rendering of every message in two languages: wall time, and the CPU
    time of the process, which other processes competing for the CPUs hardly move."""

    def __init__(self) -> None:
        self.seconds = self.cpu_seconds = 0.0
        self._t0 = self._c0 = 0.0

    def __enter__(self) -> None:
        self._t0, self._c0 = time.perf_counter(), time.process_time()

    def __exit__(self, *exc: object) -> None:
        self.seconds += time.perf_counter() - self._t0
        self.cpu_seconds += time.process_time() - self._c0


RENDERED = 500  # messages rendered per case: the others have the same codes, same texts


def _rendered(text: str, prefix: str) -> str:
    if not text or not text.strip() or text.startswith(prefix):
        raise OracleError(f"message not in the catalogue or empty: {text!r}")
    return text


@cache
def _workbook_context() -> tuple[Any, dict[str, tuple[str, str]]]:
    from ecocity.core.framework import get_framework
    from ecocity.core.registry import estates_from_csv

    return get_framework(), {e.code: (e.name_th, e.name_en) for e in estates_from_csv()}


def check_workbook_case(data: bytes, filename: str, clock: ReaderClock) -> tuple[str, tuple[str, ...]]:
    from ecocity.io.workbook.reader import check_workbook
    from ecocity.io.workbook.result import CODES

    fw, estates = _workbook_context()
    with clock:
        res = check_workbook(data, filename, fw, estates, max_bytes=20 * 2**20)
    if res.accepted != (not res.errors) or (res.submission is None) == res.accepted:
        raise OracleError(f"inconsistent result: {res.status} with {len(res.errors)} errors")
    for i, m in enumerate(res.messages()):
        if m.code not in CODES:
            raise OracleError(f"unknown code {m.code}")
        if m.code not in FILE_CODES and not m.sheet:
            raise OracleError(f"{m.code} without its sheet")
        for lang in ("th", "en") if i < RENDERED else ():
            _rendered(m.text(lang), "workbook.")
    return res.status, tuple(m.code for m in res.errors)


def check_framework_case(data: bytes, filename: str, clock: ReaderClock) -> tuple[str, tuple[str, ...]]:
    from ecocity.core.framework import FrameworkError, framework_from_bytes
    from ecocity.i18n import t

    try:
        with clock:
            framework_from_bytes(data, filename)
    except FrameworkError as e:
        if not e.problems or len(str(e)) > 200_000:
            raise OracleError(f"a FrameworkError with {len(e.problems)} problems, {len(str(e))} characters") from e
        for entry, problem in e.problems:
            if not (isinstance(entry, str) and entry and isinstance(problem, str) and problem):
                raise OracleError(f"problem without its entry or text: {(entry, problem)!r}") from e
        for _, key, kw in e.coded[:RENDERED]:
            for lang in ("th", "en"):
                _rendered(t(f"framework_rule.{key}", lang, **kw), "framework_rule.")
        codes = tuple(dict.fromkeys(key for _, key, _ in e.coded)) or ("file",)
        return "rejected", codes
    return "accepted", ()


@cache
def registry_context() -> Any:
    """The registry of data/ as ``registry_file.Context``: what a fresh database holds."""
    from ecocity.core.registry import load_registry
    from ecocity.io.registry_file import REGIONS, Context

    reg = load_registry()
    area_of = reg.area_of()
    estates = {e.code: {"name_th": e.name_th, "name_en": e.name_en, "province_pcode": e.province_pcode,
                        "region": e.region, "lat": e.lat, "lon": e.lon, "source_checked": e.source_checked,
                        "area": area_of.get(e.code)} for e in reg.estates}
    areas = {a.code: {"name_th": a.name_th, "name_en": a.name_en, "province_pcode": a.province_pcode,
                      "region": a.region, "estates": tuple(sorted(a.estates))} for a in reg.areas}
    regions = tuple(sorted(set(REGIONS) | {e["region"] for e in estates.values() if e["region"]}))
    return Context({p.pcode: (p.name_th, p.name_en) for p in reg.provinces}, regions, estates, areas)


def check_registry_case(data: bytes, filename: str, clock: ReaderClock) -> tuple[str, tuple[str, ...]]:
    """As ``store.registry.prepare_file`` does, against the registry of data/ instead of
    a database."""
    from ecocity.io import registry_file as rf

    kind = rf.AREAS if filename.startswith("areas") else rf.ESTATES
    ctx = registry_context()
    with clock:
        try:
            fmt, grid = rf.read_table(data, filename)
        except rf.FileProblem as p:
            problems: tuple[rf.Problem, ...] = (p.problem,)
        else:
            table = rf.table_records(kind, fmt, grid)
            problems = table.problems
            if not problems:
                checker = rf.Checker(kind, ctx, table.columns, "upsert")
                checker.problems.extend(table.extra)
                rows = [checker.estate(r, n) if kind == rf.ESTATES else checker.area(r, n) for n, r in table.records]
                problems = tuple(checker.problems)
                if not problems:
                    rf.diff(ctx, kind, filename, [r for r in rows if r is not None])
    for p in problems[:RENDERED]:
        for lang in ("th", "en"):
            _rendered(p.text(lang), "registry_admin.")
            p.message(lang)
    return ("rejected" if problems else "accepted"), tuple(dict.fromkeys(p.code for p in problems))


CHECKS: dict[str, Callable[[bytes, str, ReaderClock], tuple[str, tuple[str, ...]]]] = {
    "workbook": check_workbook_case, "framework": check_framework_case, "registry": check_registry_case}


class CaseTimeout(Exception):
    """A case ran past the hard limit given to ``run_case``."""


def _alarm(signum: int, frame: Any) -> None:
    raise CaseTimeout("still running after the hard time limit")


def run_case(case: Case, hard_limit_s: float | None = None) -> Outcome:
    """Run the case's reader on it; an exception it raises is caught here and reported.
    ``ms`` is the reader's time alone. ``hard_limit_s`` stops a case that hangs (SIGALRM:
    the main thread of a process on a POSIX system only; not under pytest-timeout, which
    uses it too), reported as ``CaseTimeout``."""
    if hard_limit_s:
        signal.signal(signal.SIGALRM, _alarm)
    clock = ReaderClock()
    try:
        if hard_limit_s:
            signal.setitimer(signal.ITIMER_REAL, hard_limit_s)
        try:
            status, codes = CHECKS[case.target](case.data, case.filename, clock)
        finally:
            if hard_limit_s:
                signal.setitimer(signal.ITIMER_REAL, 0)
    except KeyboardInterrupt:
        raise
    except BaseException as e:  # noqa: BLE001 - every escape from the reader is the finding
        tb = traceback.extract_tb(e.__traceback__)
        where = next((f"{Path(f.filename).name}:{f.lineno} {f.name}" for f in reversed(tb)
                      if "/ecocity/" in f.filename.replace("\\", "/")), "")
        return Outcome("uncaught", clock.seconds * 1000, (), f"{type(e).__name__}: {str(e)[:300]} [{where}]",
                       clock.cpu_seconds * 1000)
    return Outcome(status, clock.seconds * 1000, codes, "", clock.cpu_seconds * 1000)
