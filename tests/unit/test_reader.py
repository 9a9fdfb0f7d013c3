"""Every fixture workbook against its hand-written expectation (tests/data/workbooks/cases.py),
plus the reader rules that need no fixture file."""

from __future__ import annotations

import importlib.util
import io
import re
import zipfile
from pathlib import Path

import pytest

from ecocity.core.framework import get_framework
from ecocity.core.submission import SubmissionData
from ecocity.i18n import t
from ecocity.io.workbook.reader import check_workbook
from ecocity.io.workbook.result import CODES
from ecocity.io.workbook.template import write_submission

WORKBOOKS = Path(__file__).resolve().parents[1] / "data" / "workbooks"
_spec = importlib.util.spec_from_file_location("workbook_cases", WORKBOOKS / "cases.py")
cases = importlib.util.module_from_spec(_spec)
assert _spec.loader is not None
_spec.loader.exec_module(cases)

FW = get_framework()
EXPECTED = cases.EXPECTED


def _check(name: str):
    exp = EXPECTED[name]
    content = (WORKBOOKS / exp.get("file", name)).read_bytes()
    return check_workbook(content, exp.get("file", name), FW, cases.ESTATES,
                          max_bytes=exp.get("max_bytes", 10 * 1024 * 1024)), exp


def test_every_fixture_file_has_an_expectation_and_back():
    files = {p.name for p in WORKBOOKS.iterdir() if p.suffix in (".xlsx", ".xlsm", ".xls", ".ods")}
    named = {e.get("file", n) for n, e in EXPECTED.items()}
    assert files == named


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture(name):
    res, exp = _check(name)
    got_errors = [(m.code, m.cell) for m in res.errors]
    got_warnings = [(m.code, m.cell) for m in res.warnings]
    assert got_errors == [tuple(e) for e in exp["errors"]]
    assert got_warnings == [tuple(w) for w in exp["warnings"]]
    assert res.status == exp["status"]
    assert (res.submission is not None) == (exp["status"] == "accepted")
    if "values" in exp:
        assert dict(res.values) == exp["values"]
        for code, v in res.values.items():  # types: bool stays bool, numbers are float
            assert v is None or type(v) is type(exp["values"][code])
    for key in ("estate", "fiscal_year"):
        if key in exp:
            assert getattr(res, key) == exp[key]
    if "notes" in exp:
        assert dict(res.submission.notes) == exp["notes"]
    if "submitted_on" in exp:
        assert res.submission.submitted_on == exp["submitted_on"]
    for key, want in exp.get("error_params", {}).items():
        got = res.errors[0].params[key]
        if isinstance(want, list):
            assert list(got)[: len(want)] == want, (key, got)
        else:
            assert got == want
    # Every message renders in both languages, naming what was found where relevant.
    for m in res.errors + res.warnings:
        for lang in ("th", "en"):
            text = m.message(lang)
            assert "{" not in text and text.strip()
        if isinstance(m.params.get("found"), str):
            assert str(m.params["found"]).strip("“”") in m.message("en")


def test_accepted_submission_carries_the_general_fields():
    res, _ = _check("filled_basic.xlsx")
    s = res.submission
    g = cases.BASE_GENERAL
    assert s == SubmissionData(
        estate_code="MAP-TA-PHUT", fiscal_year=2566, factories=76, submitted_by=g["submitted_by"],
        values=cases.BASE_VALUES, estate_name=g["estate_name"], email=g["email"],
        submitted_on=g["submitted_on"], notes=cases.BASE_NOTES)
    assert isinstance(s.factories, int) and isinstance(s.fiscal_year, int)


def test_all_errors_of_a_file_are_reported_at_once():
    res, _ = _check("many_errors.xlsx")
    assert len(res.errors) == 10
    assert len({m.cell for m in res.errors}) == 10


def test_unknown_estate_message_suggests_the_closest_code():
    res, _ = _check("unknown_estate.xlsx")
    (m,) = res.errors
    assert "MAP-TA-PUT" in m.message("en")
    assert "MAP-TA-PHUT" in m.message("en") and "MAP-TA-PHUT" in m.message("th")


def test_estate_name_typed_in_the_code_cell_is_suggested_first():
    wb = _edit_general(estate_code="แหลมฉบัง")
    res = check_workbook(wb, "x.xlsx", FW, cases.ESTATES, max_bytes=None)
    (m,) = res.errors
    assert m.code == "unknown_estate"
    assert m.params["suggestions"][0] == "LAEM-CHABANG"


def test_estate_code_in_lower_case_with_spaces_is_the_registry_code():
    res = check_workbook(_edit_general(estate_code=" map ta phut "), "x.xlsx", FW, cases.ESTATES)
    assert res.accepted and res.submission.estate_code == "MAP-TA-PHUT"


def test_missing_sheets_message_lists_the_sheets_found():
    res, _ = _check("missing_sheets.xlsx")
    for lang in ("th", "en"):
        text = res.errors[0].message(lang)
        assert "Sheet1" in text and "Data" in text and "ตัวชี้วัด (Indicators)" in text


def test_formula_without_value_asks_to_open_and_save():
    res, _ = _check("formula_no_value.xlsx")
    assert "LibreOffice" in res.errors[0].message("en")
    assert "บันทึก" in res.errors[0].message("th")


def test_encrypted_message_mentions_the_password():
    res, _ = _check("encrypted.xlsx")
    assert "password" in res.errors[0].message("en") and "รหัสผ่าน" in res.errors[0].message("th")


def test_size_limit_comes_from_settings_by_default(monkeypatch):
    content = (WORKBOOKS / "filled_basic.xlsx").read_bytes()
    monkeypatch.setenv("ECOCITY_MAX_UPLOAD_MB", "0.001")
    res = check_workbook(content, "x.xlsx", FW, cases.ESTATES)
    assert [m.code for m in res.errors] == ["too_large"]
    monkeypatch.setenv("ECOCITY_MAX_UPLOAD_MB", "10")
    assert check_workbook(content, "x.xlsx", FW, cases.ESTATES).accepted


def test_zip_with_a_lying_size_header_is_refused_before_parsing():
    """A part whose header claims a small size but inflates to more: zipfile's CRC/size
    check catches it while we read it with a cap, before calamine sees the bytes."""
    raw = bytearray((WORKBOOKS / "filled_basic.xlsx").read_bytes())
    # Set the declared uncompressed size of the indicator sheet to 10 bytes in the
    # central directory: the part now inflates to more than its header says.
    name = b"xl/worksheets/sheet3.xml"
    pos = raw.find(b"PK\x01\x02")
    while pos >= 0:
        n = int.from_bytes(raw[pos + 28:pos + 30], "little")
        if raw[pos + 46:pos + 46 + n] == name:
            raw[pos + 24:pos + 28] = (10).to_bytes(4, "little")
            break
        pos = raw.find(b"PK\x01\x02", pos + 4)
    assert pos >= 0
    res = check_workbook(bytes(raw), "x.xlsx", FW, cases.ESTATES)
    assert res.status == "rejected"
    # a damaged part is named, with its sheet, since damaged files got located messages
    assert [(m.code, m.params["part"], m.sheet) for m in res.errors] == [
        ("damaged_part", "xl/worksheets/sheet3.xml", "ตัวชี้วัด (Indicators)")]


def test_every_code_has_a_message_in_both_languages():
    for code in CODES:
        for lang in ("th", "en"):
            assert t(f"workbook.msg.{code}", lang) != f"workbook.msg.{code}"


def test_json_object_has_exactly_the_spec_keys():
    res, _ = _check("not_a_number.xlsx")
    obj = res.to_json("not_a_number.xlsx", "en")
    assert list(obj) == ["file", "status", "estate", "fiscal_year", "values", "errors", "warnings"]
    assert obj["file"] == "not_a_number.xlsx" and obj["status"] == "rejected"
    assert obj["estate"] == "MAP-TA-PHUT" and obj["fiscal_year"] == 2566
    assert obj["values"]["ECO-01"] is None and obj["values"]["MGT-01"] is True
    (err,) = obj["errors"]
    assert set(err) == {"sheet", "cell", "code", "message"}
    assert err["sheet"] == cases.IND and err["cell"] == cases.E("ECO-01")
    assert err["code"] == "not_a_number" and "ประมาณ 20" in err["message"]


def test_a_percent_between_0_and_1_is_taken_as_typed_with_a_warning():
    data = write_submission(FW, _base(values=cases.values(ENV_05=0.5)))
    res = check_workbook(data, "x.xlsx", FW, cases.ESTATES)
    assert res.accepted and res.values["ENV-05"] == 0.5
    assert [(m.code, m.cell) for m in res.warnings] == [("percent_small_fraction", cases.E("ENV-05"))]
    assert "50" in res.warnings[0].message("en")


def test_lang_first_english_template_is_read_the_same():
    data = write_submission(FW, _base(), lang_first="en")
    res = check_workbook(data, "x.xlsx", FW, cases.ESTATES)
    assert res.accepted and dict(res.values) == cases.BASE_VALUES


# ----------------------------------------------------------------------------- helpers


def _base(**kw) -> SubmissionData:
    g = cases.BASE_GENERAL
    return SubmissionData(estate_code=g["estate_code"], fiscal_year=g["fiscal_year"],
                          factories=g["factories"], submitted_by=g["submitted_by"],
                          values=kw.get("values", cases.BASE_VALUES), estate_name=g["estate_name"],
                          email=g["email"], submitted_on=g["submitted_on"])


def _edit_general(**fields) -> bytes:
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(write_submission(FW, _base())))
    ws = wb[cases.GEN]
    for k, v in fields.items():
        ws.cell(row=cases.GEN_ROW[k], column=2, value=v)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _rezip(data: bytes, part: str, change) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            b = src.read(info.filename)
            dst.writestr(info, change(b) if info.filename == part else b)
    return out.getvalue()


@pytest.mark.parametrize("name", ["filled_basic.xlsx", "formula_no_value.xlsx", "error_cell.xlsx",
                                  "percent_formatted.xlsx", "huge_area.xlsx"])
def test_cells_without_their_reference_give_the_same_result(name):
    """OOXML allows <c> without r="E12" (the position follows from the order): formulas,
    error cells, percent formats and the extent are found all the same."""
    original = (WORKBOOKS / name).read_bytes()
    changed = _rezip(original, "xl/worksheets/sheet3.xml",
                     lambda b: re.sub(rb'(<c) r="[A-Z]+[0-9]+"', rb"\1", b))
    assert changed != original
    a = check_workbook(original, name, FW, cases.ESTATES)
    b = check_workbook(changed, name, FW, cases.ESTATES)
    assert [(m.code, m.cell) for m in b.errors] == [(m.code, m.cell) for m in a.errors]
    assert dict(b.values) == dict(a.values) and b.status == a.status


@pytest.mark.parametrize("refs", [True, False], ids=["with_refs", "without_refs"])
def test_a_worksheet_that_is_not_well_formed_xml_is_a_damaged_file(refs):
    """One scanner reads every sheet: broken XML (an end tag that does not match) gets
    the same answer whether or not the cells carry their reference."""
    def damage(b: bytes) -> bytes:
        if not refs:
            b = re.sub(rb'(<c) r="[A-Z]+[0-9]+"', rb"\1", b)
        return b.replace(b"</row>", b"</rowx>", 1)

    data = _rezip((WORKBOOKS / "filled_basic.xlsx").read_bytes(), "xl/worksheets/sheet3.xml", damage)
    res = check_workbook(data, "x.xlsx", FW, cases.ESTATES)
    assert [(m.code, m.params.get("detected")) for m in res.errors] == [("not_a_workbook", "damaged")]


def _strict(data: bytes) -> bytes:
    """The same workbook in Strict OOXML namespaces (Excel's "Strict Open XML" save)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            b = src.read(info.filename)
            b = b.replace(b"http://schemas.openxmlformats.org/spreadsheetml/2006/main",
                          b"http://purl.oclc.org/ooxml/spreadsheetml/main")
            b = b.replace(b"http://schemas.openxmlformats.org/officeDocument/2006/relationships",
                          b"http://purl.oclc.org/ooxml/officeDocument/relationships")
            dst.writestr(info, b)
    return out.getvalue()


@pytest.mark.parametrize("name", ["formula_no_value.xlsx", "error_cell.xlsx", "percent_formatted.xlsx",
                                  "huge_area.xlsx"])
def test_strict_ooxml_namespaces_give_the_same_result(name):
    original = (WORKBOOKS / name).read_bytes()
    a = check_workbook(original, name, FW, cases.ESTATES)
    b = check_workbook(_strict(original), name, FW, cases.ESTATES)
    assert [(m.code, m.cell) for m in b.errors] == [(m.code, m.cell) for m in a.errors]
    assert dict(b.values) == dict(a.values) and b.status == a.status


# calamine finds a sheet's cells, rows and shared strings by local name whatever their
# namespace, and an OpenDocument's by their prefix as written: the checks must see the same
# cells, or a file can hide a huge area from them (a 13 kB upload took 40 s and 8 GB).
_MAIN_NS = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_OTHER_NS = b"urn:not-spreadsheetml"


def _sheets_in_another_namespace(b: bytes) -> bytes:
    return b.replace(b'xmlns="' + _MAIN_NS + b'"', b'xmlns="' + _OTHER_NS + b'"')


def _cells_prefixed(b: bytes) -> bytes:
    b = b.replace(b"<worksheet ", b'<worksheet xmlns:x="' + _OTHER_NS + b'" ', 1)
    return re.sub(rb"<(/?)(c|row|v|f|is)([ >/])", rb"<\1x:\2\3", b)


def _every_sheet(change):
    return lambda data: _rezip_all(data, lambda name, b: change(b) if name.startswith("xl/worksheets/") else b)


def _rezip_all(data: bytes, change) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, change(info.filename, src.read(info.filename)))
    return out.getvalue()


@pytest.fixture
def calamine_not_reached(monkeypatch):
    """Fails the test if the file reached calamine: recorded, as the reader turns whatever
    calamine raises into a refusal (a raise here would pass unseen)."""
    from ecocity.io.workbook import reader

    reached: list[str] = []

    def refuse(*_a, **_k):
        reached.append("calamine")
        raise RuntimeError("calamine was reached")

    monkeypatch.setattr(reader, "CalamineWorkbook", type("C", (), {"from_filelike": staticmethod(refuse)}))
    yield
    assert reached == [], "calamine was reached"


@pytest.mark.parametrize("change", [_sheets_in_another_namespace, _cells_prefixed], ids=["default_ns", "prefixed"])
def test_cells_in_another_namespace_are_measured_as_calamine_reads_them(change, calamine_not_reached):
    data = _every_sheet(change)((WORKBOOKS / "huge_area.xlsx").read_bytes())
    res = check_workbook(data, "x.xlsx", FW, cases.ESTATES)
    assert [m.code for m in res.errors] == ["too_many_cells"]


@pytest.mark.parametrize("change", [_sheets_in_another_namespace, _cells_prefixed], ids=["default_ns", "prefixed"])
@pytest.mark.parametrize("name", ["formula_no_value.xlsx", "error_cell.xlsx", "filled_basic.xlsx"])
def test_cells_in_another_namespace_give_the_same_result(name, change):
    original = (WORKBOOKS / name).read_bytes()
    changed = _every_sheet(change)(original)
    assert changed != original
    a = check_workbook(original, name, FW, cases.ESTATES)
    b = check_workbook(changed, name, FW, cases.ESTATES)
    assert [(m.code, m.cell) for m in b.errors] == [(m.code, m.cell) for m in a.errors]
    assert dict(b.values) == dict(a.values) and b.status == a.status


def test_shared_strings_in_another_namespace_declaring_billions_are_refused(calamine_not_reached):
    data = _rezip((WORKBOOKS / "libreoffice_saved.xlsx").read_bytes(), "xl/sharedStrings.xml",
                  lambda b: re.sub(rb'uniqueCount="[0-9]+"', b'uniqueCount="4000000000"',
                                   _sheets_in_another_namespace(b)))
    res = check_workbook(data, "x.xlsx", FW, cases.ESTATES)
    assert [(m.code, m.params.get("detected")) for m in res.errors] == [("not_a_workbook", "damaged")]


def test_ods_rows_whose_prefix_is_bound_elsewhere_are_still_measured(calamine_not_reached):
    """calamine reads "table:table-row" as written, whatever "table" is bound to."""
    bomb = (b'<table:table-row xmlns:table="urn:not-opendocument" table:number-rows-repeated="1000000">'
            b'<table:table-cell table:number-columns-repeated="1000" office:value-type="float" office:value="1">'
            b"<text:p>1</text:p></table:table-cell></table:table-row>")
    data = _rezip((WORKBOOKS / "libreoffice.ods").read_bytes(), "content.xml",
                  lambda b: b.replace(b"</table:table>", bomb + b"</table:table>", 1))
    res = check_workbook(data, "x.ods", FW, cases.ESTATES)
    assert [m.code for m in res.errors] == ["too_many_cells"]


@pytest.mark.parametrize("rows", [
    b'<row r="A1048576"><c><v>1</v></c></row>',  # letters before a row's number: calamine skips them
    b'<row r="1048576"><c r="A1"><v>1</v></c><c><v>1</v></c></row>',  # a cell's r does not move its row
], ids=["row_r_with_letters", "cell_after_one_with_r"])
def test_cells_placed_as_calamine_places_them_are_measured(rows, calamine_not_reached):
    """With a value in XFD1 as well, each made calamine abort the process (512 GB)."""
    def far(b: bytes) -> bytes:
        b = b.replace(b"</row>", b'<c r="XFD1"><v>1</v></c></row>', 1)
        return b.replace(b"</sheetData>", rows + b"</sheetData>")

    data = _rezip((WORKBOOKS / "filled_basic.xlsx").read_bytes(), "xl/worksheets/sheet3.xml", far)
    res = check_workbook(data, "x.xlsx", FW, cases.ESTATES)
    assert [m.code for m in res.errors] == ["too_many_cells"]


@pytest.mark.parametrize("cell", [
    b'<c r="XFD1048576" t="d"><v></v></c>',  # an empty date: calamine keeps ""
    b'<c r="XFD1048576" t="n"><is><t></t></is></c>',  # an empty inline string in a number cell
], ids=["empty_date", "empty_inline_string"])
def test_cells_calamine_keeps_though_empty_are_measured(cell, calamine_not_reached):
    data = _rezip((WORKBOOKS / "filled_basic.xlsx").read_bytes(), "xl/worksheets/sheet3.xml",
                  lambda b: b.replace(b"</sheetData>", b'<row r="1048576">' + cell + b"</row></sheetData>"))
    res = check_workbook(data, "x.xlsx", FW, cases.ESTATES)
    assert [m.code for m in res.errors] == ["too_many_cells"]


@pytest.mark.parametrize("rows", [
    # a <row> inside a cell's formula: calamine skips a cell's children whole
    b'<row r="1048000"/><row><c><f><c/><row r="1"/></f></c></row><row><c><v>1</v></c></row>',
    # "a:b:row" is no row to calamine (its local name is "b:row")
    b'<row r="1048000"></row><a:b:row r="1"/><row><c><v>1</v></c></row>',
], ids=["row_inside_a_cell", "two_colons"])
def test_what_calamine_skips_does_not_move_the_counters(rows, calamine_not_reached):
    def far(b: bytes) -> bytes:
        b = b.replace(b"</row>", b'<c r="XFD1"><v>1</v></c></row>', 1)
        return b.replace(b"</sheetData>", rows + b"</sheetData>")

    data = _rezip((WORKBOOKS / "filled_basic.xlsx").read_bytes(), "xl/worksheets/sheet3.xml", far)
    res = check_workbook(data, "x.xlsx", FW, cases.ESTATES)
    assert [m.code for m in res.errors] == ["too_many_cells"]


def test_one_long_shared_string_under_many_cells_is_a_bomb(calamine_not_reached):
    """calamine copies a shared string into every cell that points to it: 200,000
    characters under 60 cells is 12 million from a file of a few kB."""
    def sst(b: bytes) -> bytes:
        return re.sub(rb"<si>.*?</si>", b"<si><t>" + b"x" * 200_000 + b"</t></si>", b, count=1, flags=re.S)

    def cells(b: bytes) -> bytes:
        many = b"".join(b'<c r="H%d" t="s"><v>0</v></c>' % r for r in range(1, 61))
        return b.replace(b"</row>", many + b"</row>", 1)

    data = _rezip(_rezip((WORKBOOKS / "libreoffice_saved.xlsx").read_bytes(), "xl/sharedStrings.xml", sst),
                  "xl/worksheets/sheet3.xml", cells)
    res = check_workbook(data, "x.xlsx", FW, cases.ESTATES)
    assert [m.code for m in res.errors] == ["zip_bomb"]


@pytest.mark.parametrize(("inject", "code"), [
    # a table inside a table: calamine adds its rows to the outer one
    (b'<table:table table:name="in"><table:table-row table:number-rows-repeated="1000000"><table:table-cell '
     b'office:value-type="float" office:value="1"/></table:table-row></table:table>', "not_a_workbook"),
    # <text:s text:c="N"/> is N spaces to calamine, copied into every repeated column
    (b'<table:table-row><table:table-cell table:number-columns-repeated="10"><text:p>'
     b'<text:s text:c="2000000"/></text:p></table:table-cell></table:table-row>', "zip_bomb"),
], ids=["nested_table", "spaces"])
def test_ods_tables_calamine_would_blow_up_are_refused(inject, code, calamine_not_reached):
    data = _rezip((WORKBOOKS / "libreoffice.ods").read_bytes(), "content.xml",  # before the first row
                  lambda b: b.replace(b"<table:table-row", inject + b"<table:table-row", 1))
    res = check_workbook(data, "x.ods", FW, cases.ESTATES)
    assert [m.code for m in res.errors] == [code]


def test_part_names_are_case_insensitive_and_twins_are_damaged():
    original = (WORKBOOKS / "percent_formatted.xlsx").read_bytes()
    renamed = _rezip(original, "xl/_rels/workbook.xml.rels", lambda b: b.replace(b"styles.xml", b"STYLES.xml"))
    a, b = (check_workbook(d, "x.xlsx", FW, cases.ESTATES) for d in (original, renamed))
    assert dict(b.values) == dict(a.values) and b.status == a.status  # the styles (percent formats) still found
    src = zipfile.ZipFile(io.BytesIO(original))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            dst.writestr(info.filename, src.read(info.filename))
        dst.writestr("XL/Styles.xml", src.read("xl/styles.xml"))  # which one would a reader take?
    res = check_workbook(out.getvalue(), "x.xlsx", FW, cases.ESTATES)
    assert [(m.code, m.params.get("detected")) for m in res.errors] == [("not_a_workbook", "damaged")]


def _exotic_sheet(rnd) -> bytes:
    """Rows and cells with things calamine skips or reads its own way: elements inside a
    cell's children, names with two colons, rows with letters, empty values."""
    parts = []
    for _ in range(rnd.randint(1, 8)):
        r = rnd.choice(["", f' r="{rnd.randint(1, 30)}"', f' r="B{rnd.randint(1, 30)}"'])
        inner = []
        for _ in range(rnd.randint(0, 4)):
            ref = rnd.choice(["", f' r="{rnd.choice("ACH")}{rnd.randint(1, 30)}"'])
            inner.append(rnd.choice([
                f"<c{ref}><v>{rnd.randint(1, 9)}</v></c>", f"<c{ref}><f>1<c/><row r=\"{rnd.randint(1, 30)}\"/></f></c>",
                f"<c{ref}><is><t>x</t><row r=\"{rnd.randint(1, 30)}\"/></is></c>", f"<c{ref}><v>1<c r=\"Z9\"/></v></c>",
                f'<c{ref} t="d"><v/></c>', f"<a:b:c{ref}><v>1</v></a:b:c>", f'<a:b:row r="{rnd.randint(1, 30)}"/>',
                f"<c{ref}/>", f"<c{ref}><v>2</v><f>x</f></c>"]))
        parts.append(f"<row{r}>{''.join(inner)}</row>")
    return ('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            + "".join(parts) + "</sheetData></worksheet>").encode()


def test_the_measured_extent_is_never_smaller_than_calamine_s_for_odd_sheets():
    """The differential check with what calamine reads its own way (over-measuring is
    allowed there: a formula inside which calamine finds no value still counts here)."""
    import random

    from python_calamine import CalamineWorkbook

    from ecocity.io.workbook.container import open_container

    rnd = random.Random(2567)
    base = (WORKBOOKS / "filled_basic.xlsx").read_bytes()
    name = "ตัวชี้วัด (Indicators)"
    read = 0
    for _ in range(300):
        data = _rezip(base, "xl/worksheets/sheet3.xml", lambda _b: _exotic_sheet(rnd))
        facts = open_container(data, "x.xlsx").facts(name)
        try:
            grid = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name(name).to_python(skip_empty_area=False)
        except Exception:  # noqa: BLE001 - calamine refuses some: nothing allocated
            continue
        rows, cols = len(grid) - 1, max((len(line) for line in grid), default=0) - 1
        assert rows <= facts.max_row and cols <= facts.max_col, (rows, cols, facts)
        read += 1
    assert read >= 150


def _random_sheet(rnd) -> bytes:
    """Rows and cells with and without their r (rows' r sometimes with letters first), and
    cells calamine keeps though they look empty."""
    rows = []
    for _ in range(rnd.randint(1, 6)):
        attrs = rnd.choice(["", f' r="{rnd.randint(1, 40)}"', f' r="{rnd.choice("AbZ")}{rnd.randint(1, 40)}"'])
        cells = []
        for _ in range(rnd.randint(0, 5)):
            ref = rnd.choice(["", "", f' r="{rnd.choice(["A", "C", "h", "AB"])}{rnd.randint(1, 40)}"'])
            cells.append(rnd.choice([f"<c{ref}><v>{rnd.randint(1, 9)}</v></c>", f"<c{ref}/>", f"<c{ref}><v></v></c>",
                                     f'<c{ref} t="inlineStr"><is><t>x</t></is></c>',
                                     f'<c{ref} t="d"><v></v></c>',  # an empty date: calamine keeps ""
                                     f"<c{ref}><is><t></t></is></c>"]))  # an empty string, whatever the type
        rows.append(f"<row{attrs}>{''.join(cells)}</row>")
    return ('<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
            + "".join(rows) + "</sheetData></worksheet>").encode()


def test_the_measured_extent_holds_every_cell_calamine_reads():
    """A differential check against python-calamine itself: 300 random sheets."""
    import random

    from python_calamine import CalamineWorkbook

    from ecocity.io.workbook.container import open_container

    rnd = random.Random(2566)
    base = (WORKBOOKS / "filled_basic.xlsx").read_bytes()
    name = "ตัวชี้วัด (Indicators)"
    exact = 0
    for _ in range(300):
        data = _rezip(base, "xl/worksheets/sheet3.xml", lambda _b: _random_sheet(rnd))
        facts = open_container(data, "x.xlsx").facts(name)
        grid = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name(name).to_python(skip_empty_area=False)
        rows, cols = len(grid) - 1, max((len(line) for line in grid), default=0) - 1  # what calamine allocated
        assert rows <= facts.max_row and cols <= facts.max_col, (rows, cols, facts)  # never smaller
        exact += (rows, cols) == (facts.max_row, facts.max_col)
    assert exact == 300  # and not larger either


def test_ods_with_a_value_repeated_over_a_huge_area_is_refused_before_parsing():
    """ODS compresses a repeated cell into one element: 1,000 columns x 1,000,000 rows of
    the same value is a few bytes that calamine would expand."""
    bomb = (b'<table:table-row table:number-rows-repeated="1000000"><table:table-cell '
            b'table:number-columns-repeated="1000" office:value-type="float" office:value="1">'
            b"<text:p>1</text:p></table:table-cell></table:table-row>")
    data = _rezip((WORKBOOKS / "libreoffice.ods").read_bytes(), "content.xml",
                  lambda b: b.replace(b"</table:table>", bomb + b"</table:table>", 1))
    res = check_workbook(data, "x.ods", FW, cases.ESTATES)
    assert [(m.code, m.sheet) for m in res.errors] == [("too_many_cells", "คำแนะนำ (Instructions)")]


def test_a_value_that_reads_like_a_label_does_not_move_a_field():
    """An officer named "ปีงบประมาณ" in B6 (Submitted by) must not be taken for the label."""
    res = check_workbook(_edit_general(submitted_by="ปีงบประมาณ", estate_name="วันที่"), "x.xlsx",
                         FW, cases.ESTATES)
    assert res.fiscal_year == 2566 and res.submission.submitted_by == "ปีงบประมาณ"
    assert res.submission.submitted_on == cases.BASE_GENERAL["submitted_on"]


def test_ods_formula_without_a_stored_value_is_an_error():
    cell = re.compile(rb'<table:table-cell ([^>]*?)office:value-type="float" office:value="3" '
                      rb'calcext:value-type="float"><text:p>3</text:p></table:table-cell>')
    content = zipfile.ZipFile(WORKBOOKS / "libreoffice.ods").read("content.xml")
    assert len(cell.findall(content)) == 1  # PHY-02's value, 3
    data = _rezip((WORKBOOKS / "libreoffice.ods").read_bytes(), "content.xml",
                  lambda b: cell.sub(rb'<table:table-cell \1table:formula="of:=1+2"/>', b))
    res = check_workbook(data, "x.ods", FW, cases.ESTATES)
    assert [(m.code, m.cell) for m in res.errors] == [("formula_without_value", cases.E("PHY-02"))]


def test_log_messages_keep_both_languages_and_are_json():
    import json

    res, _ = _check("many_errors.xlsx")
    log = json.loads(json.dumps(res.log_messages(), ensure_ascii=False))
    assert len(log["errors"]) == 10 and log["warnings"] == []
    first = log["errors"][0]
    assert first["code"] == "unknown_estate" and first["cell"] == cases.B("estate_code")
    assert "registry" in first["message"] and "ทะเบียน" in first["message_th"]
    assert first["params"]["found"] == "“XX-UNKNOWN”"


def test_declared_shared_string_count_far_above_the_real_one_is_refused(tmp_path):
    """4 billion declared strings made python-calamine abort the whole process (it
    reserves memory first). Checked in a child process, so a regression fails this test
    instead of killing the test run."""
    import subprocess
    import sys

    data = _rezip((WORKBOOKS / "libreoffice_saved.xlsx").read_bytes(), "xl/sharedStrings.xml",
                  lambda b: re.sub(rb'uniqueCount="[0-9]+"', b'uniqueCount="4000000000"', b))
    path = tmp_path / "sst.xlsx"
    path.write_bytes(data)
    code = (
        "import sys, importlib.util\n"
        f"spec = importlib.util.spec_from_file_location('c', {str(WORKBOOKS / 'cases.py')!r})\n"
        "c = importlib.util.module_from_spec(spec); spec.loader.exec_module(c)\n"
        "from ecocity.core.framework import get_framework\n"
        "from ecocity.io.workbook.reader import check_workbook\n"
        f"r = check_workbook(open({str(path)!r}, 'rb').read(), 'sst.xlsx', get_framework(), c.ESTATES)\n"
        "print([(m.code, m.params.get('detected')) for m in r.errors])\n"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr[-500:]
    assert p.stdout.strip() == "[('not_a_workbook', 'damaged')]"


# ----------------------------------------------------------------------------- what calamine reads
# calamine is given a package rebuilt from the measured parts alone (Xlsx.for_calamine):
# it looks parts up its own way (case-insensitively, below the folder _rels/.rels names),
# so a part nobody measured could be read; now none can.


def _moved(data: bytes, folder: bytes, strings_name: str) -> bytes:
    """The workbook in ``folder``/ as _rels/.rels says, its shared strings undeclared and
    renamed ``strings_name``, declaring 4 billion strings."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for name in src.namelist():
            b = src.read(name)
            if name == "_rels/.rels":
                b = b.replace(b"xl/workbook.xml", folder + b"/workbook.xml")
            elif name == "[Content_Types].xml":  # declared as the workbook, as the package format asks
                b = b.replace(b"/xl/", b"/" + folder + b"/")
            elif name == "xl/_rels/workbook.xml.rels":
                b = re.sub(rb"<Relationship [^>]*sharedStrings[^>]*/>", b"", b)
            elif name == "xl/sharedStrings.xml":
                b = re.sub(rb'uniqueCount="[0-9]+"', b'uniqueCount="4000000000"', b)
                name = strings_name
            dst.writestr(name if name == strings_name or not name.startswith("xl/")
                         else folder.decode() + name[2:], b)
    return out.getvalue()


@pytest.mark.parametrize(("folder", "strings"), [
    (b"foo", "foo/sharedStrings.xml"),  # calamine reads <folder of the main part>/sharedStrings.xml
    (b"xl", "XL/SHAREDSTRINGS.XML"),  # ... and finds parts whatever their case
], ids=["main_part_folder", "name_case"])
def test_parts_nobody_measured_are_never_read(tmp_path, folder, strings):
    """Each made check_workbook abort the process in calamine (96 GB for 4 billion
    strings): checked in a child process, so a regression fails this test instead of
    killing the test run."""
    import subprocess
    import sys

    path = tmp_path / "moved.xlsx"
    path.write_bytes(_moved((WORKBOOKS / "libreoffice_saved.xlsx").read_bytes(), folder, strings))
    code = ("from ecocity.core.framework import get_framework\n"
            "from ecocity.io.workbook.reader import check_workbook\n"
            f"r = check_workbook(open({str(path)!r}, 'rb').read(), 'x.xlsx', get_framework(), {{}})\n"
            "print(r.status)\n")
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert p.returncode == 0, p.stderr[-500:]
    assert p.stdout.strip() == "rejected"


def _xlsx_files() -> list[Path]:
    sample = Path(__file__).resolve().parents[2] / "data" / "sample"
    return sorted(p for p in [*WORKBOOKS.iterdir(), *list(sample.iterdir())[:5]] if p.suffix in (".xlsx", ".xlsm"))


def test_the_rebuilt_package_reads_as_the_file_does():
    """Every fixture and sample workbook that opens: the same values, sheet by sheet."""
    from python_calamine import CalamineWorkbook

    from ecocity.io.workbook.container import Refused, check_extent, open_container

    compared = 0
    for path in _xlsx_files():
        content = path.read_bytes()
        try:  # only files the guards pass are given to calamine as they are
            box = open_container(content, path.name)
            for name in box.sheet_names:
                check_extent(box.facts(name), name)
        except Refused:
            continue
        try:
            original = CalamineWorkbook.from_filelike(io.BytesIO(content))
            want = {n: original.get_sheet_by_name(n).to_python(skip_empty_area=False) for n in box.sheet_names}
        except Exception:  # noqa: BLE001 - unreadable files are other tests' business
            continue
        assert box.for_calamine is not None
        rebuilt = CalamineWorkbook.from_filelike(io.BytesIO(box.for_calamine(box.sheet_names)))
        assert rebuilt.sheet_names == box.sheet_names, path.name
        for n in box.sheet_names:
            assert rebuilt.get_sheet_by_name(n).to_python(skip_empty_area=False) == want[n], (path.name, n)
        compared += 1
    assert compared >= 20


def test_parsed_parts_are_cached_only_when_small():
    """Template workbooks share their styles byte for byte: parsed once. A large part is
    parsed each time: 64 cached 50 MB styles parts would hold 3 GB."""
    from ecocity.io.workbook import container

    styles = zipfile.ZipFile(WORKBOOKS / "percent_formatted.xlsx").read("xl/styles.xml")
    before = container._percent_styles.cache_info()
    assert container._percent_styles(styles) == container._percent_styles(bytes(styles))
    after = container._percent_styles.cache_info()
    assert after.hits >= before.hits + 1
    big = styles.replace(b"</styleSheet>", b"<!--" + b"x" * container._CACHED_PART + b"--></styleSheet>")
    assert container._percent_styles(big) == container._percent_styles(styles)
    assert container._percent_styles(big) == container._percent_styles(styles)
    last = container._percent_styles.cache_info()
    assert (last.misses, last.currsize) == (after.misses, after.currsize)  # the big part never went in
    assert last.hits == after.hits + 2  # the small one did, twice


_ODS_CELLS = (
    '<table:table-cell{a}/>', '<table:table-cell{a} office:value-type="float" office:value="{n}"><text:p>{n}</text:p>'
    '</table:table-cell>', '<table:table-cell{a} office:value-type="string"><text:p>x</text:p></table:table-cell>',
    '<table:table-cell{a}><text:p>x</text:p></table:table-cell>', '<table:table-cell{a}><text:p/></table:table-cell>',
    '<table:table-cell{a} office:value-type="string"/>', '<table:table-cell{a} table:formula="of:=1"/>',
    '<table:covered-table-cell{a}/>', '<table:covered-table-cell{a} office:value-type="float" office:value="1"/>',
    '<table:table-cell{a} office:value-type="percentage" office:value="0.5"/>',
    '<table:table-cell{a} office:value-type="string" office:string-value=""/>',
    '<table:table-cell{a}><text:p></text:p><text:p>y</text:p></table:table-cell>',
    '<table:table-cell{a}><text:p><text:s text:c="3"/></text:p></table:table-cell>',
)


def test_the_measured_ods_extent_is_never_smaller_than_calamine_s():
    """The differential check for OpenDocument: 200 random tables with repeated rows and
    columns, covered and empty cells, against the grid python-calamine allocates."""
    import random

    from python_calamine import CalamineWorkbook

    from ecocity.io.workbook.container import open_container

    rnd = random.Random(2568)
    base = (WORKBOOKS / "libreoffice.ods").read_bytes()

    def table(_b: bytes) -> bytes:
        rows = []
        for _ in range(rnd.randint(1, 6)):
            rep = f' table:number-rows-repeated="{rnd.randint(1, 12)}"' if rnd.random() < 0.3 else ""
            cells = [rnd.choice(_ODS_CELLS).format(
                a=f' table:number-columns-repeated="{rnd.randint(1, 9)}"' if rnd.random() < 0.3 else "",
                n=rnd.randint(0, 9)) for _ in range(rnd.randint(0, 5))]
            rows.append(f"<table:table-row{rep}>{''.join(cells)}</table:table-row>")
        i = _b.find(b"<table:table ")
        j = _b.find(b"</table:table>", i) + len(b"</table:table>")
        return _b[:i] + ('<table:table table:name="T">' + "".join(rows) + "</table:table>").encode() + _b[j:]

    exact = 0
    for _ in range(200):
        data = _rezip(base, "content.xml", table)
        facts = open_container(data, "x.ods").facts("T")
        grid = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name("T").to_python(skip_empty_area=False)
        rows, cols = len(grid) - 1, max((len(line) for line in grid), default=0) - 1
        assert rows <= facts.max_row and cols <= facts.max_col, (rows, cols, facts)  # never smaller
        exact += (rows, cols) == (facts.max_row, facts.max_col)
    assert exact >= 60  # often larger here: empty cells calamine trims still count
