"""Hardening (item 5): one section per attack, each test named after it.

1. oversized uploads          5. formula-looking text written back out
2. zip bombs                  6. HTML or Markdown in names and notes (the pages: apptest/test_hardening_pages.py)
3. XML entity expansion       7. SQL metacharacters in every input
4. macro-enabled files        8. path characters in file names

The hostile files are built here from the committed fixture ``filled_basic.xlsx`` (and
``libreoffice.xls``/``.ods``), in memory: what each attack changes is visible next to its
test. Storage tests run on SQLite and, with ECOCITY_TEST_DATABASE_URL, on PostgreSQL.
"""

from __future__ import annotations

import importlib.util
import io
import json
import os
import re
import subprocess
import tempfile
import tomllib
import tracemalloc
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, inspect, select

from ecocity.config import ROOT, settings
from ecocity.core import textsafe
from ecocity.core.access import Actor, system
from ecocity.core.framework import get_framework, parse_framework
from ecocity.core.submission import SubmissionData
from ecocity.core.textsafe import looks_like_formula, md_escape, neutralise_formula, safe_filename
from ecocity.flows import intake
from ecocity.io.workbook import container, reader
from ecocity.io.workbook.reader import check_workbook
from ecocity.io.workbook.result import CheckResult
from ecocity.io.workbook.template import build_template, write_submission
from ecocity.store import models as m
from ecocity.store import session_scope
from ecocity.store.uploads import list_uploads, upload_content
from ecocity.store.versions import store_submission

WORKBOOKS = ROOT / "tests" / "data" / "workbooks"
_spec = importlib.util.spec_from_file_location("workbook_cases", WORKBOOKS / "cases.py")
cases = importlib.util.module_from_spec(_spec)
assert _spec.loader is not None
_spec.loader.exec_module(cases)

FW = get_framework()
BASE = (WORKBOOKS / "filled_basic.xlsx").read_bytes()  # our writer: inline strings
LO_SAVED = (WORKBOOKS / "libreoffice_saved.xlsx").read_bytes()  # saved by LibreOffice: shared strings
MB = 1024 * 1024
ADMIN = system("test")
HOSTILE_SQL = "x'); DROP TABLE submissions;--"
HOSTILE_TEXT = ["x'); DROP TABLE submissions;--", "100%", "a_b", "back\\slash", "\"double\" 'single'",
                "' OR '1'='1", "%_%", "ชื่อ; DELETE FROM uploads"]


def check(content: bytes, name: str = "x.xlsx", max_bytes: int = 10 * MB) -> CheckResult:
    return check_workbook(content, name, FW, cases.ESTATES, max_bytes=max_bytes)


def codes(res: CheckResult) -> list[str]:
    return [e.code for e in res.errors]


def everything_said(res: CheckResult, name: str = "x.xlsx") -> str:
    """Every output of a check: the JSON in both languages, the log entry, the submission."""
    return "\n".join([json.dumps(res.to_json(name, "th"), ensure_ascii=False, default=str),
                      json.dumps(res.to_json(name, "en"), ensure_ascii=False, default=str),
                      json.dumps(res.log_messages(), ensure_ascii=False, default=str),
                      repr(res.submission)])


def rezip(data: bytes, change: Callable[[str, bytes], bytes | None] = lambda n, d: d,
          add: dict[str, bytes] | None = None, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    """``data`` (a zip) with each part passed through ``change`` (None drops it) and parts added."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", compression) as dst:
        for info in src.infolist():
            new = change(info.filename, src.read(info.filename))
            if new is not None:
                dst.writestr(info.filename, new)
        for name, part in (add or {}).items():
            dst.writestr(name, part)
    return out.getvalue()


def part_of_sheet(data: bytes, sheet: str) -> str:
    """Path of the worksheet part named ``sheet`` (read with openpyxl, not with our reader)."""
    wb = load_workbook(io.BytesIO(data), read_only=True)
    index = wb.sheetnames.index(sheet) + 1
    wb.close()
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert f"xl/worksheets/sheet{index}.xml" in z.namelist()
    return f"xl/worksheets/sheet{index}.xml"


IND_PART = part_of_sheet(BASE, cases.IND)
GEN_PART = part_of_sheet(BASE, cases.GEN)


def peak_mb(fn: Callable[[], object]) -> tuple[object, float]:
    """fn()'s result and the peak of Python memory allocated while it ran, in MB."""
    tracemalloc.start()
    try:
        out = fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return out, peak / MB


# ============================================================================ 1. oversized


def test_oversized_upload_is_refused_before_it_is_parsed(monkeypatch):
    """Over ECOCITY_MAX_UPLOAD_MB: too_large, and no parser ever sees the bytes."""
    monkeypatch.setenv("ECOCITY_MAX_UPLOAD_MB", "1")

    def never(*_a, **_k):
        raise AssertionError("an oversized file reached a parser")

    monkeypatch.setattr(reader, "open_container", never)
    monkeypatch.setattr(reader, "CalamineWorkbook", never)
    content = BASE + b"\0" * MB
    res = check_workbook(content, "big.xlsx", FW, cases.ESTATES)  # the limit from the setting
    assert (res.status, codes(res), res.submission) == ("rejected", ["too_large"], None)
    assert res.errors[0].params["limit_mb"] == 1.0
    assert "1" in res.errors[0].message("th") and "MB" in res.errors[0].message("en")


@pytest.mark.storage
def test_oversized_upload_is_logged_without_its_bytes(engine, fw):
    content = BASE + b"\0" * (2 * MB)
    res = check(content, "big.xlsx", max_bytes=MB)
    out = intake.record(engine, res, filename="big.xlsx", content=content, by=ADMIN, fw=fw)
    assert out.kind == "rejected" and not out.changed_data
    with session_scope(engine) as s:
        [up] = list_uploads(s)
        assert (up.filename, up.size, up.outcome) == ("big.xlsx", len(content), "rejected")
        assert upload_content(s, up.id, ADMIN) == ("big.xlsx", b"")  # the bytes are not kept
        assert s.scalar(select(func.length(m.Upload.content))) == 0


def test_streamlit_max_upload_size_matches_the_limit(monkeypatch):
    """The server refuses a body over server.maxUploadSize before the app sees it (its
    default is 200 MB): it is the default ECOCITY_MAX_UPLOAD_MB."""
    monkeypatch.delenv("ECOCITY_MAX_UPLOAD_MB", raising=False)
    conf = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text("utf-8"))
    assert conf["server"]["maxUploadSize"] * MB == settings().max_upload_bytes


def _many_cells_sheet(rows: int, cols: int) -> bytes:
    row = "".join(f"<c><v>{c}</v></c>" for c in range(cols))
    body = "".join(f'<row r="{r}">{row}</row>' for r in range(1, rows + 1))
    return ('<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
            f'spreadsheetml/2006/main"><sheetData>{body}</sheetData></worksheet>').encode()


def test_absurd_cell_count_is_refused_before_calamine(monkeypatch):
    """500,001 stored cells (stored uncompressed, so no zip-bomb rule applies)."""
    monkeypatch.setattr(reader, "CalamineWorkbook", lambda *_a, **_k: pytest.fail("calamine was reached"))
    content = rezip(BASE, lambda n, d: _many_cells_sheet(50_001, 10) if n == IND_PART else d,
                    compression=zipfile.ZIP_STORED)
    res = check(content, max_bytes=20 * MB)
    assert codes(res) == ["too_many_cells"] and res.errors[0].params["limit"] == container.MAX_CELLS


@pytest.mark.parametrize("name", ["huge_area.xlsx", "huge_area.xls"])
def test_absurd_dimension_is_refused(name):
    """One value in the last cell of the sheet: calamine would allocate the whole rectangle."""
    assert codes(check((WORKBOOKS / name).read_bytes(), name)) == ["too_many_cells"]


def test_absurd_declared_dimension_alone_allocates_nothing():
    """<dimension ref="A1:XFD1048576"/> with the usual few cells: read normally, in
    little memory (calamine sizes the sheet from the cells, not from the declaration)."""
    def huge(n: str, d: bytes) -> bytes:
        if n not in (IND_PART, GEN_PART):
            return d
        d = re.sub(rb"<dimension [^>]*/>", b"", d)
        return re.sub(rb"(<worksheet[^>]*>)", rb'\1<dimension ref="A1:XFD1048576"/>', d, count=1)

    res = check(rezip(BASE, huge))
    assert res.accepted and dict(res.values) == cases.BASE_VALUES


# ============================================================================ 2. zip bombs


def _zeros_part(z: zipfile.ZipFile, name: str, size: int, head: bytes = b"", tail: bytes = b"") -> None:
    info = zipfile.ZipInfo(name)
    info.compress_type = zipfile.ZIP_DEFLATED
    with z.open(info, "w") as f:
        f.write(head)
        chunk = b" " * MB
        for _ in range(size // MB):
            f.write(chunk)
        f.write(tail)


def _with_huge_part(name: str, size: int, head: bytes = b"", tail: bytes = b"", base: bytes = BASE) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(base)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            if info.filename != name:
                dst.writestr(info.filename, src.read(info.filename))
        _zeros_part(dst, name, size, head, tail)
    return out.getvalue()


@pytest.mark.parametrize("size_mb", [8, 120])
def test_zip_bomb_highly_compressed_member_is_refused(size_mb):
    """The indicator sheet padded with spaces: 8 MB (over the 200:1 ratio) and 120 MB
    (over the 100 MB total); refused from the zip's directory, never decompressed."""
    content = _with_huge_part(IND_PART, size_mb * MB, *_split_sheet())
    assert len(content) < size_mb * MB / 200
    res, peak = peak_mb(lambda: check(content))
    assert codes(res) == ["zip_bomb"] and res.errors[0].params["size_mb"] >= size_mb
    assert peak < 8, f"{peak:.1f} MB allocated"


def _split_sheet() -> tuple[bytes, bytes]:
    with zipfile.ZipFile(io.BytesIO(BASE)) as z:
        xml = z.read(IND_PART)
    i = xml.index(b"<sheetData>")
    return xml[:i], xml[i:]


def test_zip_bomb_committed_fixture_is_refused():
    res, peak = peak_mb(lambda: check((WORKBOOKS / "zip_bomb.xlsx").read_bytes()))
    assert codes(res) == ["zip_bomb"] and peak < 8


def test_zip_bomb_many_members_is_refused():
    content = rezip(BASE, add={f"customXml/item{i}.xml": b"" for i in range(container.MAX_ENTRIES + 1)})
    res, peak = peak_mb(lambda: check(content))
    assert codes(res) == ["zip_bomb"] and peak < 32


def test_zip_bomb_huge_shared_strings_is_refused():
    """One shared string of 60 MB (calamine reads every shared string on open)."""
    head = (b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/'
            b'spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>')
    content = _with_huge_part("xl/sharedStrings.xml", 60 * MB, head, b"</t></si></sst>", LO_SAVED)
    res, peak = peak_mb(lambda: check(content))
    assert codes(res) == ["zip_bomb"] and peak < 8


def test_zip_bomb_shared_strings_lying_about_their_size_is_refused():
    """The central directory says 1 KB; the part really inflates to 60 MB. zipfile stops
    at the declared size and the CRC fails: a damaged file, read with a hard cap."""
    head = (b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/'
            b'spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>')
    raw = bytearray(_with_huge_part("xl/sharedStrings.xml", 60 * MB, head, b"</t></si></sst>", LO_SAVED))
    name, pos = b"xl/sharedStrings.xml", raw.find(b"PK\x01\x02")
    while raw[pos + 46:pos + 46 + int.from_bytes(raw[pos + 28:pos + 30], "little")] != name:
        pos = raw.find(b"PK\x01\x02", pos + 4)
        assert pos >= 0
    raw[pos + 24:pos + 28] = (1024).to_bytes(4, "little")  # declared uncompressed size
    res, peak = peak_mb(lambda: check(bytes(raw)))
    assert codes(res) == ["damaged_part"] and res.errors[0].params["part"] == "xl/sharedStrings.xml"
    assert peak < 8


def test_zip_bomb_nested_zip_is_never_opened():
    """A zip of 200 MB of zeros embedded in the workbook: no part of the reader opens
    embedded files, so the workbook is read as usual, in little memory."""
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w", zipfile.ZIP_DEFLATED) as z:
        _zeros_part(z, "zeros.bin", 200 * MB)
    content = rezip(BASE, add={"xl/embeddings/oleObject1.bin": inner.getvalue()})
    res, peak = peak_mb(lambda: check(content))
    assert res.accepted and dict(res.values) == cases.BASE_VALUES and peak < 16


# ============================================================================ 3. XML entities

PASSWD = Path("/etc/passwd").read_text("utf-8", "replace").splitlines()[0]  # "root:x:0:0:..."
BILLION_LAUGHS = ('<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;'
                  '&lol;&lol;&lol;">' + "".join(
                      f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(2, 10))
                  + ']>')
XXE = '<!DOCTYPE r [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
XXE_PARAMETER = '<!DOCTYPE r [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>'
ATTACKS = {"billion_laughs": (BILLION_LAUGHS, "&lol9;"), "xxe": (XXE, "&xxe;"),
           "xxe_parameter_entity": (XXE_PARAMETER, "")}
XLSX_PARTS = ["xl/sharedStrings.xml", IND_PART, GEN_PART, "xl/workbook.xml", "[Content_Types].xml",
              "_rels/.rels", "xl/_rels/workbook.xml.rels", "xl/styles.xml", "docProps/core.xml",
              "docProps/app.xml", part_of_sheet(BASE, "คำแนะนำ (Instructions)")]
# Parts the reader parses itself: any DOCTYPE there is refused.
PARSED = {"xl/sharedStrings.xml", IND_PART, GEN_PART, "xl/workbook.xml", "[Content_Types].xml",
          "_rels/.rels", "xl/_rels/workbook.xml.rels", "xl/styles.xml"}


def _inject(xml: bytes, attack: str) -> bytes:
    """The DOCTYPE before the root element, and the entity used in the first text node."""
    doctype, ref = ATTACKS[attack]
    text = xml.decode("utf-8")
    decl = re.match(r"<\?xml[^>]*\?>\s*", text)
    at = decl.end() if decl else 0
    text = text[:at] + doctype + text[at:]
    if ref:
        text = re.sub(r"(<(?:\w+:)?(?:t|v|creator|Application)(?: [^>]*)?>)", r"\1" + ref, text, count=1)
    return text.encode("utf-8")


@pytest.mark.parametrize("attack", sorted(ATTACKS))
@pytest.mark.parametrize("part", XLSX_PARTS)
def test_xml_entity_expansion_in_xlsx_is_refused_or_not_expanded(part, attack):
    base = LO_SAVED if part == "xl/sharedStrings.xml" else BASE
    with zipfile.ZipFile(io.BytesIO(base)) as z:
        assert part in z.namelist(), part
    content = rezip(base, lambda n, d: _inject(d, attack) if n == part else d)
    res, peak = peak_mb(lambda: check(content))
    said = everything_said(res)
    assert PASSWD not in said and "root:" not in said and "lollollol" not in said
    assert peak < 32
    if part in PARSED:
        assert codes(res) == ["not_a_workbook"] and res.errors[0].params["detected"] == "damaged"
    else:  # a part nobody parses (document properties, the instructions sheet)
        assert res.accepted and dict(res.values) == cases.BASE_VALUES


@pytest.mark.parametrize("attack", sorted(ATTACKS))
@pytest.mark.parametrize("part", ["content.xml", "styles.xml", "meta.xml", "settings.xml"])
def test_xml_entity_expansion_in_ods_is_refused_or_not_expanded(part, attack):
    ods = (WORKBOOKS / "libreoffice.ods").read_bytes()
    content = rezip(ods, lambda n, d: _inject(d, attack) if n == part else d)
    res, peak = peak_mb(lambda: check(content, "x.ods"))
    said = everything_said(res, "x.ods")
    assert PASSWD not in said and "root:" not in said and "lollollol" not in said and peak < 32
    if part == "content.xml":
        assert codes(res) == ["not_a_workbook"]
    else:
        assert res.status in ("accepted", "rejected")
        assert res.accepted or codes(res) == ["not_a_workbook"]


# ============================================================================ 4. macros

VBA_CONTENT_TYPE = "application/vnd.ms-office.vbaProject"
MACRO_MAIN = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
# Not a real VBA project: an OLE header and the source a real one would run on opening.
# Nothing in the reader ever looks inside it, real or not.
FAKE_VBA = (container.OLE_MAGIC + b"\0" * 504
            + b'Attribute VB_Name = "ThisWorkbook"\r\nSub Workbook_Open()\r\n'
              b'  Shell "cmd /c echo pwned > C:\\pwned.txt"\r\nEnd Sub\r\n')


def _with_vba(data: bytes, *, declare: bool = True) -> bytes:
    """``data`` with xl/vbaProject.bin; ``declare``: also its content type and relationship
    and the macro-enabled workbook type, as Excel writes an .xlsm."""
    def change(n: str, d: bytes) -> bytes:
        if not declare:
            return d
        if n == "[Content_Types].xml":
            d = d.replace(b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                          MACRO_MAIN.encode())
            return d.replace(b"</Types>", f'<Default Extension="bin" ContentType="{VBA_CONTENT_TYPE}"/>'
                             "</Types>".encode())
        if n == "xl/_rels/workbook.xml.rels":
            return d.replace(b"</Relationships>", b'<Relationship Id="rIdVBA" Type="http://schemas.microsoft.com/'
                             b'office/2006/relationships/vbaProject" Target="vbaProject.bin"/></Relationships>')
        return d

    return rezip(data, change, add={"xl/vbaProject.bin": FAKE_VBA})


@pytest.fixture
def nothing_runs(monkeypatch):
    """Fail the test if anything tries to start a process while reading."""
    def refuse(*_a, **_k):
        raise AssertionError("the reader tried to run something")

    for name in ("system", "popen", "execv", "execve", "spawnv", "posix_spawn"):
        if hasattr(os, name):
            monkeypatch.setattr(os, name, refuse)
    monkeypatch.setattr(subprocess, "Popen", refuse)


def test_macro_enabled_xlsm_is_read_as_data_never_run(nothing_runs):
    content = _with_vba(BASE)
    assert check(BASE).format == "xlsx"
    res = check(content, "macros.xlsm")
    assert (res.status, res.format, res.errors) == ("accepted", "xlsm", ())
    assert dict(res.values) == cases.BASE_VALUES


def test_macro_part_disguised_in_an_xlsx_is_still_only_data(nothing_runs):
    """The same file named .xlsx, and a vbaProject.bin that nothing declares."""
    for content in (_with_vba(BASE), _with_vba(BASE, declare=False)):
        res = check(content, "innocent.xlsx")
        assert (res.status, res.format) == ("accepted", "xlsm")  # recognised from the content
        assert dict(res.values) == cases.BASE_VALUES


def _xls_with_vba_storage() -> bytes:
    """libreoffice.xls with its '\\x01Ole' stream turned into a '_VBA_PROJECT_CUR' storage,
    the directory entry under which Excel keeps the macros of an .xls."""
    data = bytearray((WORKBOOKS / "libreoffice.xls").read_bytes())
    old = "\x01Ole".encode("utf-16-le") + b"\0\0"
    at = data.index(old)
    assert at % 128 == 0 or (at - 512) % 128 == 0  # the start of a 128-byte directory entry
    name = "_VBA_PROJECT_CUR".encode("utf-16-le") + b"\0\0"
    data[at:at + 64] = name.ljust(64, b"\0")
    data[at + 64:at + 66] = len(name).to_bytes(2, "little")
    data[at + 66] = 1  # a storage
    return bytes(data)


def test_macro_enabled_xls_with_a_vba_storage_is_read_as_data_never_run(nothing_runs):
    content = _xls_with_vba_storage()
    assert "_VBA_PROJECT_CUR" in container.ole_streams(content)
    res = check(content, "macros.xls")
    assert (res.status, res.format, res.errors) == ("accepted", "xls", ())
    assert dict(res.values) == cases.BASE_VALUES


@pytest.mark.storage
@pytest.mark.parametrize("lang", ["th", "en"])
def test_macro_enabled_upload_outcome_and_message_in_thai_and_english(engine, fw, lang, nothing_runs):
    """Stored like any workbook; the officer reads the outcome in either language."""
    content = _with_vba(BASE)
    estates = intake.estates_of(engine)
    res = intake.check_file(content, "macros.xlsm", fw, estates)
    assert res.accepted, [m.text("en") for m in res.errors]
    out = intake.record(engine, res, filename="macros.xlsm", content=content, by=ADMIN, fw=fw)
    assert out.kind == "stored"
    text = out.message(lang)
    assert text.strip() and "{" not in text
    assert res.to_json("macros.xlsm", lang)["status"] == "accepted"
    with session_scope(engine) as s:
        assert upload_content(s, out.upload_id, ADMIN) == ("macros.xlsm", content)  # kept as sent


# ============================================================================ 5. formulas out


@pytest.mark.parametrize("text", ["=1+1", "+1", "-2", "@SUM(A1)", "\t=x", "\r=x", "\n=x", "\uff1d1+1",
                                  "\uff0b1", "\uff0d1", "\uff20SUM(A1)", "  =1+1",
                                  '=HYPERLINK("http://x","y")', "=cmd|' /C calc'!A0", "-2+3"])
def test_formula_looking_text_is_neutralised(text):
    assert looks_like_formula(text)
    assert neutralise_formula(text) == "'" + text


@pytest.mark.parametrize("value", ["1+1", "12.5", "abc", "", "นิคม =1", "a-b", "'=1", 12.5, -2, -2.0, 0, None,
                                   True])
def test_plain_text_and_numbers_are_left_unchanged(value):
    """Plain text and numbers, negative numbers too: only text is ever prefixed."""
    assert neutralise_formula(value) is value or neutralise_formula(value) == value
    assert type(neutralise_formula(value)) is type(value)


def test_page_tables_are_neutralised_whatever_their_form():
    """widgets.table hands st.dataframe a DataFrame, rows or a Styler with formula text
    neutralised (its toolbar exports CSV); numbers and the page's own data are untouched."""
    import pandas as pd

    from ecocity.core.textsafe import neutralise_table

    df = pd.DataFrame({"name": [NAME, "Map Ta Phut"], "score": [3.5, 4.0]})
    out = neutralise_table(df)
    assert out["name"].tolist() == ["'" + NAME, "Map Ta Phut"] and out["score"].tolist() == [3.5, 4.0]
    assert df["name"][0] == NAME  # a copy
    assert neutralise_table([{"name": "+66 นิคม", "n": 2}]) == [{"name": "'+66 นิคม", "n": 2}]
    styled = neutralise_table(df.style.format({"score": "{:.1f}"}))
    assert styled.data["name"].tolist() == ["'" + NAME, "Map Ta Phut"]
    assert "4.0" in styled.to_html()  # the styling still applies


WRITERS = re.compile(r"\b(\w+)\.to_csv\(|\bcsv\.writer|\bDictWriter\b|\bopenpyxl\b|\bxlsxwriter\b|\bto_excel\(")


def _uses_textsafe(text: str) -> bool:
    return "looks_like_formula" in text or "neutralise_formula" in text


def test_every_writer_of_csv_or_xlsx_uses_textsafe():
    """Every module of the app that writes CSV or spreadsheet cells uses textsafe's rule
    (a page calling such a module's own writer, ``audit_export.to_csv(df)``, is covered by it)."""
    files = [*(ROOT / "src").rglob("*.py"), *(ROOT / "views").glob("*.py"), ROOT / "app.py"]
    safe_modules = {p.stem for p in files if _uses_textsafe(p.read_text("utf-8"))}
    writers, missing = [], []
    for p in files:
        text = p.read_text("utf-8")
        hits = [mt for mt in WRITERS.finditer(text) if mt[1] not in safe_modules]
        if hits:
            writers.append(p)
            if not _uses_textsafe(text):
                missing.append(str(p.relative_to(ROOT)))
    assert any(p.name == "template.py" for p in writers), "the template writer at least"
    assert missing == []


NAME = '=HYPERLINK("http://x","y")'


def _all_cells(content: bytes):
    wb = load_workbook(io.BytesIO(content))
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            yield from row


def _no_formula_anywhere(content: bytes) -> None:
    assert all(c.data_type != "f" for c in _all_cells(content))
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        for n in z.namelist():
            if n.startswith("xl/worksheets/"):
                assert b"<f>" not in z.read(n) and b"<f " not in z.read(n), n


def test_estate_name_like_a_hyperlink_formula_stays_text_in_the_workbook():
    """A registry estate name (written into the sample workbooks), the officer's name and
    notes that look like formulas: text cells with Excel's quote prefix, read back verbatim."""
    data = SubmissionData("MAP-TA-PHUT", 2566, 76, "@SUM(A1)", dict(cases.BASE_VALUES), estate_name=NAME,
                          notes={"ENV-01": "+1", "ENV-02": "-2", "ENV-03": "\uff1dA1", "ENV-04": "plain"})
    content = write_submission(FW, data)
    _no_formula_anywhere(content)
    cells = {c.value: c for c in _all_cells(content) if isinstance(c.value, str)}
    for text in (NAME, "@SUM(A1)", "+1", "-2", "\uff1dA1"):
        assert cells[text].data_type == "s" and cells[text].quotePrefix, text
    assert not cells["plain"].quotePrefix
    res = check(content)
    assert res.accepted and res.submission.estate_name == NAME and res.submission.submitted_by == "@SUM(A1)"
    assert dict(res.submission.notes) == {"ENV-01": "+1", "ENV-02": "-2", "ENV-03": "\uff1dA1", "ENV-04": "plain"}


def test_framework_names_like_formulas_stay_text_in_the_template():
    """Indicator names and units come from an uploaded framework file."""
    src = _fw_text()
    first = FW.indicators[0]
    hostile = src.replace(f'name_en = "{first.name_en}"', f'name_en = "{NAME.replace(chr(34), chr(92) + chr(34))}"',
                          1)
    assert hostile != src
    fw = parse_framework(tomllib.loads(hostile))
    content = build_template(fw, "en")
    _no_formula_anywhere(content)
    assert any(isinstance(c.value, str) and NAME in c.value for c in _all_cells(content))


def _fw_text() -> str:
    return FW.text or Path(FW.source).read_text("utf-8")


def _general_cell(content: bytes, ref: str, xml: str) -> bytes:
    return rezip(content, lambda n, d: re.sub(rf'<c r="{ref}"[^>]*?(/>|>.*?</c>)'.encode(), xml.encode(), d, count=1)
                 if n == GEN_PART else d)


def test_uploaded_formula_is_never_evaluated_or_written_back_as_a_formula():
    """A formula cell gives the value Excel stored for it, never the formula; the value
    written back out (as the sample loader does) is a text cell, not a formula."""
    content = _general_cell(BASE, "B6", '<c r="B6" t="str"><f>HYPERLINK("http://evil","Somchai")</f>'
                                        '<v>Somchai</v></c>')
    content = _general_cell(content, "B3", f'<c r="B3" t="inlineStr"><is><t>{NAME.replace(chr(34), "&quot;")}'
                                           '</t></is></c>')
    res = check(content)
    assert res.accepted and res.submission.submitted_by == "Somchai" and res.submission.estate_name == NAME
    out = write_submission(FW, res.submission)
    _no_formula_anywhere(out)
    assert check(out).submission == res.submission


# ============================================================================ 6. HTML / Markdown

HOSTILE_NAME = "<img src=x onerror=alert(1)> **bold** [link](http://evil) $x$"


@pytest.mark.parametrize("text", [HOSTILE_NAME, "- item", "+ item", "1. first", "Happiness: 3 :smile: a:b:", "2) second", "# head", "> quote",
                                  ":red[x] :material/home:", "a\nb\n- c", "&lt;b&gt;", "---", "=== x"])
def test_markdown_in_names_is_shown_as_text(text):
    """Every character that formats anywhere is escaped; one that starts a block (list,
    heading, quote, rule) is escaped at the start; a line break cannot start a block."""
    out = md_escape(text)
    assert "\n" not in out and "\r" not in out
    assert not re.search(r"(?<!\\)([*$\[\]_<>&`|~#]|:(?=\S))", out), out
    assert not re.match(r" *([-+=>]|\d+[.)])", out), out
    # shown exactly as typed (an invisible word joiner keeps an address from becoming a link)
    assert re.sub(r"\\(.)", r"\1", out).replace("\u2060", "") == text.replace("\n", " ")


def test_unsafe_allow_html_gets_no_user_text_unescaped():
    """Every place that renders raw HTML, audited: what each puts in the HTML is either
    escaped (html.escape / present._esc) or fixed text. A new place fails this test until
    it is audited and added here."""
    audited = {
        ("src/ecocity/ui/widgets.py", "st.markdown(path_html(fw, level, lang), unsafe_allow_html=True)"),
        ("src/ecocity/ui/presentation.py", "st.html(FULLSCREEN_CSS)"),
        # catalogue text in CSS strings, every quote, backslash and <> escaped (tests/unit/test_uploader_widget.py)
        ("src/ecocity/ui/widgets.py", "st.html(uploader_css(key, uploader_texts(lang, mb, types or (), multiple)))"),
        ("views/area.py", "unsafe_allow_html=True)"),
        ("views/estate.py", "st.markdown(widgets.badge_html(fw, row.level, lang, big=True), unsafe_allow_html=True)"),
        ("views/present.py", "st.html(BASE)"),
        ("views/present.py", "st.html(f'<div class=\"ecocity-slide-sub\">{_esc(s.subtitle)}</div>')"),
        ("views/present.py", "st.html(f'<div class=\"ecocity-slide-body\">{body}</div>')"),
        ("views/present.py", "left.html(f'<div class=\"ecocity-slide-body\">{body}</div>')"),
        ("views/present.py", "count.html(f'<div class=\"ecocity-slide-count\">{t(\"present.page.counter\", "
                             "lang, n=n, total=total)}</div>')"),
        ("views/present.py", "st.html(f'<div class=\"ecocity-slide-foot\">{_esc(deck.footer)} · '"),
        ("views/present.py", "count.html(f'<div class=\"ecocity-slide-count\">{t(\"present.page.counter\", lang, n=n, "
                             "total=total)}</div>')"),
        # fixed CSS: no text from data or users in it (a widget key written in the code)
        ("src/ecocity/ui/widgets.py", "st.html(CARDS_CSS.format(key=key))  # style only: Streamlit adds it without "
                                      "taking room"),
        ("views/overview.py", "st.html(RANK_ROW_CSS)"),
        ("views/present.py", "st.html(presentation.slide_css(full))"),
        # catalogue text and badge_html (which escapes the level's name)
        ("src/ecocity/ui/whatif.py", "unsafe_allow_html=True)"),
    }
    found = set()
    for p in [*(ROOT / "views").glob("*.py"), *(ROOT / "src" / "ecocity" / "ui").glob("*.py"), ROOT / "app.py"]:
        for line in p.read_text("utf-8").splitlines():
            if "unsafe_allow_html=True" in line or re.search(r"\b\w+\.html\(", line):
                if "html.escape" in line and "unsafe" not in line:
                    continue
                found.add((str(p.relative_to(ROOT)), line.strip()))
    assert found <= audited, sorted(found - audited)


def test_badges_and_path_escape_what_they_are_given():
    """Level names come from an uploaded framework file and go into raw HTML."""
    from dataclasses import replace

    from ecocity.ui import widgets

    # A framework file with such a name is refused (framework_rule.markup); the badges
    # escape whatever they get all the same.
    fw = replace(FW, levels=tuple(replace(lv, name_en=HOSTILE_NAME) if lv.number == 2 else lv for lv in FW.levels))
    assert fw.levels[2].name_en == HOSTILE_NAME
    for html in (widgets.badge_html(fw, 2, "en"), widgets.path_html(fw, 2, "en")):
        assert "<img" not in html and "&lt;img" in html


# ============================================================================ 7. SQL metacharacters


def test_sql_metacharacters_in_workbook_cells_are_read_verbatim():
    data = SubmissionData("MAP-TA-PHUT", 2566, 76, HOSTILE_SQL, dict(cases.BASE_VALUES), estate_name="100% _x_ \\",
                          notes={code: text for code, text in zip(cases.CODES, HOSTILE_TEXT, strict=False)})
    res = check(write_submission(FW, data))
    assert res.accepted and res.submission.submitted_by == HOSTILE_SQL
    assert dict(res.submission.notes) == dict(data.notes) and res.submission.estate_name == "100% _x_ \\"


@pytest.mark.parametrize("code", [HOSTILE_SQL, "%", "_", "MAP%", "MAP-TA-PHU_", "' OR '1'='1", "\\"])
def test_sql_metacharacters_in_the_estate_code_are_an_unknown_estate(code):
    data = SubmissionData("MAP-TA-PHUT", 2566, 76, "x", dict(cases.BASE_VALUES))
    content = _general_cell(write_submission(FW, data), "B2",
                            f'<c r="B2" t="inlineStr"><is><t>{code.replace("&", "&amp;")}</t></is></c>')
    res = check(content)
    assert codes(res) == ["unknown_estate"] and res.estate is None
    assert res.errors[0].params["found"].strip("“”\"") == code


def _tables(engine) -> dict[str, int]:
    with engine.connect() as conn:
        names = inspect(conn).get_table_names()
        return {n: conn.exec_driver_sql(f'SELECT COUNT(*) FROM "{n}"').scalar() for n in names}


@pytest.mark.storage
def test_sql_metacharacters_are_stored_and_read_back_verbatim(engine, fw, make_data):
    before = _tables(engine)
    notes = {code: text for code, text in zip(fw.codes, HOSTILE_TEXT, strict=False)}
    data = make_data("MAP-TA-PHUT", 2566, notes=notes)
    data = SubmissionData(**{**data.__dict__, "submitted_by": HOSTILE_SQL, "email": "o'brien@example.org"})
    who = Actor(username="admin'; DROP TABLE users;--", role="admin", display_name=HOSTILE_SQL)
    name = "x'); DROP TABLE uploads;-- 100%_\\.xlsx"
    res = store_submission(engine, data, filename=name, content=b"bytes", by=who, messages={"errors": [], "warnings": []},
                           fw=fw)
    assert res.changed
    after = _tables(engine)
    assert set(after) == set(before)  # every table still there
    assert after["submissions"] == before["submissions"] + 1 and after["uploads"] == before["uploads"] + 1
    with session_scope(engine) as s:
        sub = s.scalars(select(m.Submission)).one()
        assert (sub.submitted_by, sub.email, sub.created_by) == (HOSTILE_SQL, "o'brien@example.org", who.username)
        got = {v.code: v.note for v in s.scalars(select(m.IndicatorValue)) if v.note}
        assert got == notes
        [up] = list_uploads(s)
        assert (up.filename, up.uploaded_by) == (name, who.username)
        assert upload_content(s, up.id, who) == (name, b"bytes")


@pytest.mark.storage
@pytest.mark.parametrize("pattern", ["%", "_", "MAP%", "%'%", HOSTILE_SQL, "' OR '1'='1"])
def test_sql_wildcards_in_filters_match_nothing(engine, fw, make_data, pattern):
    store_submission(engine, make_data("MAP-TA-PHUT", 2566), filename="a.xlsx", content=b"a", by=ADMIN, fw=fw)
    with session_scope(engine) as s:
        assert len(list_uploads(s)) == 1
        assert list_uploads(s, estate_code=pattern) == []
        assert list_uploads(s, estate_code=pattern, visible_to=Actor("o", "officer", frozenset({pattern}))) == []
        from ecocity.store import queries

        assert queries.current_values(s, pattern, 2566) == {}
        assert queries.series(s, "estate", pattern) == []


@pytest.mark.storage
def test_sql_metacharacters_in_an_estate_code_are_refused_with_a_clear_message(engine, fw, make_data):
    from ecocity.store.errors import StoreError

    before = _tables(engine)
    with pytest.raises(StoreError) as err:
        store_submission(engine, make_data(HOSTILE_SQL, 2566), filename="a.xlsx", content=b"a", by=ADMIN, fw=fw)
    for lang in ("th", "en"):
        text = err.value.message(lang)
        assert text.strip() and "{" not in text and "Traceback" not in text
    after = _tables(engine)
    assert set(after) == set(before) and after["submissions"] == before["submissions"]


def test_nul_in_workbook_text_is_dropped_by_the_reader():
    """An .xls can hold NUL in a text cell; PostgreSQL text and JSON cannot: the reader
    drops it from the text it gives and from the 'found' of its messages."""
    from ecocity.io.workbook import cells

    assert cells.parse_text("Som\x00chai").value == "Somchai"
    assert cells.parse_text("\x00").missing
    assert "\x00" not in cells.show("MAP\x00X")


@pytest.mark.storage
def test_nul_in_a_file_name_is_stored_without_it(engine, fw, make_data):
    """A NUL in the file name (a browser may send one; PostgreSQL text cannot hold it):
    stored, and logged without the NUL; never a database error, never an unlogged upload."""
    data = make_data("MAP-TA-PHUT", 2566)
    res = store_submission(engine, data, filename="a\x00b.xlsx", content=b"a", by=ADMIN, fw=fw)
    assert res.changed
    with session_scope(engine) as s:
        [up] = list_uploads(s)
        assert up.filename == "ab.xlsx"


@pytest.mark.storage
def test_nul_in_submitted_by_is_refused_clearly(engine, fw, make_data):
    from dataclasses import replace

    from ecocity.store.errors import StoreError

    data = replace(make_data("MAP-TA-PHUT", 2566), submitted_by="Som\x00chai")
    with pytest.raises(StoreError) as e:
        store_submission(engine, data, filename="a.xlsx", content=b"a", by=ADMIN, fw=fw)
    assert e.value.code == "invalid_field" and "NUL" in e.value.message("en")
    with session_scope(engine) as s:
        [up] = list_uploads(s)  # logged as rejected all the same
        assert up.outcome == "rejected"


# ============================================================================ 8. path characters

PATH_NAMES = ["../../etc/passwd.xlsx", "..\\..\\x.xlsx", "/abs/path.xlsx", "C:\\Windows\\x.xlsx", "con.xlsx",
              "nul", "a\x00b.xlsx", "line\nbreak.xlsx", "a" * 300 + ".xlsx", ".xlsx", "..", "ชื่อ/ไฟล์.xlsx"]


@pytest.fixture
def private_dirs(tmp_path, monkeypatch):
    """An empty working folder and an empty temporary folder for the test (the machine's
    /tmp is shared with other processes); returns a function listing both."""
    cwd, tmp = tmp_path / "deep" / "er" / "cwd", tmp_path / "tmp"
    cwd.mkdir(parents=True)
    tmp.mkdir()
    monkeypatch.chdir(cwd)
    monkeypatch.setenv("TMPDIR", str(tmp))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    return lambda: sorted(str(p.relative_to(tmp_path)) for d in (tmp_path / "deep", tmp) for p in d.rglob("*"))


@pytest.mark.parametrize("name", PATH_NAMES)
def test_path_characters_in_a_file_name_are_only_ever_data(name, private_dirs):
    """Checking never writes a file, under that name or any other."""
    before = private_dirs()
    res = check(BASE, name)
    assert res.accepted and res.to_json(name)["file"] == name
    assert private_dirs() == before
    assert not Path("/etc/passwd.xlsx").exists() and not Path("/abs/path.xlsx").exists()


@pytest.mark.storage
def test_path_characters_in_a_file_name_are_logged_as_given(engine, fw, private_dirs):
    """Logged as given (a very long name cut to 255 characters), never written to disk;
    the name offered for the download is a safe base name. (A NUL in the name:
    test_nul_in_a_file_name_is_stored_without_it_or_refused_clearly.)"""
    before = private_dirs()
    ids = {}
    for name in [n for n in PATH_NAMES if "\x00" not in n]:
        res = check(BASE if name != "con.xlsx" else b"not a workbook", name)
        out = intake.record(engine, res, filename=name, content=BASE, by=ADMIN, fw=fw)
        assert out.kind in ("stored", "duplicate", "rejected"), (name, out)
        ids[name] = out.upload_id
    assert private_dirs() == before
    with session_scope(engine) as s:
        for name, upload_id in ids.items():
            stored, _ = upload_content(s, upload_id, ADMIN)
            assert stored in (name, name.replace("\x00", "")) or (len(name) > 255 and stored == name[:255])
            offered = safe_filename(stored)
            assert offered and "/" not in offered and "\\" not in offered and ".." not in offered
            assert len(offered) <= textsafe.MAX_NAME and not re.search(r"[\x00-\x1f]", offered)


@pytest.mark.parametrize(("name", "safe"), [
    ("../../etc/passwd.xlsx", "passwd.xlsx"), ("..\\..\\x.xlsx", "x.xlsx"), ("/abs/path.xlsx", "path.xlsx"),
    ("C:\\Windows\\x.xlsx", "x.xlsx"), ("con.xlsx", "_con.xlsx"), ("LPT1", "_LPT1"), ("a\x00b.xlsx", "ab.xlsx"),
    ("line\nbreak.xlsx", "linebreak.xlsx"), ("..", "file"), ("", "file"), (" .hidden.xlsx", "hidden.xlsx"),
    ('a<b>:"c"|?*.xlsx', "abc.xlsx"), ("ชื่อไฟล์ 2566.xlsx", "ชื่อไฟล์ 2566.xlsx"), ("filled_basic.xlsx", "filled_basic.xlsx"),
])
def test_safe_filename_is_a_safe_base_name(name, safe):
    assert safe_filename(name) == safe


def test_safe_filename_keeps_the_extension_of_a_very_long_name():
    out = safe_filename("ก" * 500 + ".xlsx")
    assert out.endswith(".xlsx") and len(out) == textsafe.MAX_NAME


def test_export_file_names_are_safe_whatever_the_scope():
    from ecocity.io.export.bundle import file_stem
    from ecocity.pagemodels.slides import Scope

    class Deck:  # what file_stem reads of a deck
        year, lang = 2566, "th"
        scope = Scope("area", "../../etc/x\\y:z")

    stem = file_stem(Deck())  # type: ignore[arg-type]
    assert stem == safe_filename(stem) and "/" not in stem and "\\" not in stem and ".." not in stem


@pytest.mark.parametrize("raw", ["https://example.org/a", "see www.example.org", "a@b.org", "HTTP://X.ORG",
                                 "[t](https://e.org)", "<a href='https://x.org'>x</a>"])
def test_a_bare_address_in_escaped_text_gets_a_word_joiner_so_it_is_no_link(raw):
    """Streamlit links "https://", "www." and e-mail addresses in Markdown text even when
    escaped; a word joiner inside the pattern stops that (checked in Chromium when the
    rule was made: no <a> for any of these)."""
    from ecocity.core.textsafe import md_escape

    out = md_escape(raw)
    bare = out.replace("\\", "")
    assert "://" not in bare and "www." not in bare.lower() and ("@" not in raw or "@\u2060" in bare)
    assert out.replace("\u2060", "").replace("\\", "") == raw.replace("\\", "")


# ----------------------------------------------------------------------------- names in messages and charts

LINK_NAME = '[md](https://example.org) <a href="https://example.org">x</a> <b>y</b>'


def test_catalogue_messages_for_markdown_escape_their_text_parameters_only():
    from ecocity.i18n import t

    shown = textsafe.t_md("estate.restore.done", "en", source=1, estate=LINK_NAME, year="FY 2566", version=3,
                          level="2 · Eco-Champion")
    assert shown == t("estate.restore.done", "en", source=1, estate=md_escape(LINK_NAME), year="FY 2566",
                      version=3, level="2 · Eco-Champion")
    assert "\\[md\\]" in shown and "https://" not in shown and "\\<a " in shown and " 3" in shown


def test_chart_labels_show_names_as_text_not_plotly_html(fw):
    from ecocity.pagemodels import charts

    rows = [charts.Ranked("area", "A", LINK_NAME, 2, 3.0), charts.Ranked("area", "B", "B & C", 1, 2.0)]
    fig = charts.ranking(fw, rows, "en", title=f"Estates of {LINK_NAME}", value_label="score")
    labels = " ".join(map(str, fig.data[0].y)) + " " + fig.layout.title.text
    assert "<a " not in labels and "<b>" not in labels
    assert "&lt;b&gt;y&lt;/b&gt;" in labels and "B &amp; C" in labels  # Plotly draws the entities as characters
    trend = charts.indicator_trend([2566], {LINK_NAME: [1.0]}, [], title="t", unit="u")
    assert "<b>" not in trend.data[0].name
    assert charts.two_lines("<b>long name</b> and more text") == "&lt;b&gt;long name&lt;/b&gt;<br>and more text"
