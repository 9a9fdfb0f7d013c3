"""The official template: structure, validation, protection, fonts, and the round trip
writer -> file -> reader for any value the template accepts."""

from __future__ import annotations

import importlib.util
import io
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from ecocity.core.framework import get_framework
from ecocity.core.submission import SubmissionData
from ecocity.io.workbook import cells
from ecocity.io.workbook.reader import check_workbook
from ecocity.io.workbook.template import (
    FONT_NAME,
    accepted_input,
    build_template,
    display_width,
    write_submission,
    yes_no_options,
)

FW = get_framework()
WORKBOOKS = Path(__file__).resolve().parents[1] / "data" / "workbooks"
_spec = importlib.util.spec_from_file_location("workbook_cases", WORKBOOKS / "cases.py")
cases = importlib.util.module_from_spec(_spec)
assert _spec.loader is not None
_spec.loader.exec_module(cases)

SHEETS = ["คำแนะนำ (Instructions)", "ข้อมูลทั่วไป (General)", "ตัวชี้วัด (Indicators)"]


@pytest.fixture(scope="module")
def wb():
    return load_workbook(io.BytesIO(build_template(FW)))


def test_sheets_exactly_as_specified(wb):
    assert wb.sheetnames == SHEETS
    assert wb.active.title == "ข้อมูลทั่วไป (General)"
    en = load_workbook(io.BytesIO(build_template(FW, lang_first="en")))
    assert en.sheetnames == ["Instructions (คำแนะนำ)", "General (ข้อมูลทั่วไป)", "Indicators (ตัวชี้วัด)"]


def test_indicator_sheet_layout(wb):
    ws = wb["ตัวชี้วัด (Indicators)"]
    assert [c.value for c in ws[1]][:6] == ["รหัส (Code)", "มิติ (Dimension)", "ตัวชี้วัด (Indicator)",
                                            "หน่วย (Unit)", "ค่า (Value)", "หลักฐาน/หมายเหตุ (Evidence/notes)"]
    assert ws.freeze_panes == "A2"
    for n, ind in enumerate(FW.indicators, 2):
        assert ws.cell(n, 1).value == ind.code
        assert ws.cell(n, 3).value == f"{ind.name_th}\n{ind.name_en}"
        assert ws.cell(n, 5).value is None
        assert accepted_input(ind, "th") in ws.cell(n, 7).value
        assert accepted_input(ind, "en") in ws.cell(n, 7).value
    assert ws.max_row == len(FW.indicators) + 1


def test_general_sheet_layout(wb):
    ws = wb["ข้อมูลทั่วไป (General)"]
    labels = [ws.cell(r, 1).value for r in range(2, 9)]
    assert labels == ["รหัสนิคม / Estate code *", "ชื่อนิคม / Estate name", "ปีงบประมาณ / Fiscal year *",
                      "จำนวนโรงงาน / Number of factories *", "ผู้กรอกข้อมูล / Submitted by *",
                      "อีเมล / Email", "วันที่กรอก / Date"]
    assert all(ws.cell(r, 2).value is None for r in range(2, 9))


def _validation(ws, ref):
    found = [dv for dv in ws.data_validations.dataValidation if ref in dv.sqref]
    assert len(found) == 1, ref
    return found[0]


def test_every_value_cell_validates_its_kind_and_range(wb):
    ws = wb["ตัวชี้วัด (Indicators)"]
    yes, no = yes_no_options()
    for n, ind in enumerate(FW.indicators, 2):
        dv = _validation(ws, f"E{n}")
        assert dv.allow_blank and dv.showErrorMessage and dv.showInputMessage
        if ind.is_yesno:
            assert dv.type == "list" and dv.formula1 == f'"{yes},{no}"'
        else:
            assert dv.type == "decimal"
            if ind.kind in ("percent", "score"):
                assert dv.operator == "between"
                assert (float(dv.formula1), float(dv.formula2)) == (ind.min, ind.max)
            else:
                assert dv.operator == "greaterThanOrEqual" and float(dv.formula1) == ind.min
    g = wb["ข้อมูลทั่วไป (General)"]
    year = _validation(g, "B4")
    assert (year.type, year.formula1, year.formula2) == ("whole", "2550", "2650")
    assert _validation(g, "B5").type == "whole"


def test_validation_texts_fit_excel_limits(wb):
    """Excel shows a repair prompt for titles over 32 or texts over 255 characters."""
    for ws in wb.worksheets:
        for dv in ws.data_validations.dataValidation:
            assert len(dv.promptTitle or "") <= 32 and len(dv.errorTitle or "") <= 32
            assert len(dv.prompt or "") <= 255 and len(dv.error or "") <= 255
            assert len(dv.formula1 or "") <= 255


def test_protected_without_password_only_inputs_unlocked(wb):
    for ws in wb.worksheets:
        assert ws.protection.sheet and not ws.protection.password
    ind = wb["ตัวชี้วัด (Indicators)"]
    for r in range(2, len(FW.indicators) + 2):
        assert not ind.cell(r, 5).protection.locked and not ind.cell(r, 6).protection.locked
        assert ind.cell(r, 5).fill.fgColor.rgb.endswith("FFF2CC")  # highlighted
        for c in (1, 2, 3, 4, 7):
            assert ind.cell(r, c).protection.locked
    g = wb["ข้อมูลทั่วไป (General)"]
    for r in range(2, 9):
        assert not g.cell(r, 2).protection.locked and g.cell(r, 1).protection.locked


def test_thai_font_and_widths_fit_the_text(wb):
    ind = wb["ตัวชี้วัด (Indicators)"]
    for row in ind.iter_rows(min_row=1, max_row=5):
        for c in row:
            assert c.font.name == FONT_NAME
    width_c = ind.column_dimensions["C"].width
    longest = max(display_width(i.name_th) for i in FW.indicators)
    assert width_c >= min(longest, 50)
    assert ind.column_dimensions["A"].width >= max(len(i.code) for i in FW.indicators)


def test_display_width_ignores_thai_marks():
    assert display_width("ที่") == display_width("ท") == 1.15  # mark above, mark above
    assert display_width("abc\nabcdef") == 6


def test_template_is_byte_identical_for_the_same_framework():
    assert build_template(FW) == build_template(FW)
    data = SubmissionData("MAP-TA-PHUT", 2566, 76, "x", dict(cases.BASE_VALUES))
    assert write_submission(FW, data) == write_submission(FW, data)


def test_libreoffice_keeps_validation_and_protection():
    """The committed file LibreOffice re-saved from our template (make_fixtures.py):
    LibreOffice read every part of it, kept the rules, and the reader accepts it."""
    wb = load_workbook(WORKBOOKS / "libreoffice_saved.xlsx")
    ws = wb["ตัวชี้วัด (Indicators)"]
    assert ws.protection.sheet
    assert not ws["E2"].protection.locked and ws["A2"].protection.locked
    assert {dv.type for dv in ws.data_validations.dataValidation} == {"decimal", "list"}


def test_write_submission_refuses_unknown_codes_and_wrong_types():
    with pytest.raises(ValueError, match="XYZ-01"):
        write_submission(FW, SubmissionData("MAP-TA-PHUT", 2566, 1, "x", {"XYZ-01": 1.0}))
    with pytest.raises(ValueError, match="MGT-01"):
        write_submission(FW, SubmissionData("MAP-TA-PHUT", 2566, 1, "x", {"MGT-01": 1.0}))
    with pytest.raises(ValueError, match="ENV-01"):
        write_submission(FW, SubmissionData("MAP-TA-PHUT", 2566, 1, "x", {"ENV-01": True}))


def test_text_that_looks_like_a_formula_stays_text():
    data = SubmissionData("MAP-TA-PHUT", 2566, 76, "=SUM(A1)", dict(cases.BASE_VALUES),
                          notes={"ENV-01": "=1+1"})
    res = check_workbook(write_submission(FW, data), "x.xlsx", FW, cases.ESTATES)
    assert res.accepted
    assert res.submission.submitted_by == "=SUM(A1)" and res.submission.notes["ENV-01"] == "=1+1"


# ----------------------------------------------------------------------------- round trip

_text = st.text(st.characters(codec="utf-8", categories=("L", "N", "Zs", "P", "M")),
                min_size=1, max_size=40).map(str.strip).filter(bool)


def _value(ind):
    if ind.is_yesno:
        return st.none() | st.booleans()
    lo = ind.min if ind.min is not None else -1e12
    hi = ind.max if ind.max is not None else 1e12
    return st.none() | st.floats(min_value=lo, max_value=hi, allow_nan=False).map(
        lambda x: cells.round_sig(x) + 0.0)


@st.composite
def submissions(draw):
    return SubmissionData(
        estate_code=draw(st.sampled_from(sorted(cases.ESTATES))),
        fiscal_year=draw(st.integers(2550, 2650)),
        factories=draw(st.integers(0, 10**6)),
        submitted_by=draw(_text),
        values={ind.code: draw(_value(ind)) for ind in FW.indicators},
        estate_name="",
        email=draw(st.sampled_from(["", "a@b.co", "somchai.j@ieat.go.th"])),
        submitted_on=draw(st.none() | st.dates(date(2000, 1, 1), date(2100, 12, 31))),
        notes=draw(st.dictionaries(st.sampled_from(FW.codes), _text, max_size=3)),
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(submissions(), st.sampled_from(["th", "en"]))
def test_any_value_the_template_accepts_round_trips_exactly(data, lang_first):
    """Written by our template writer into a real .xlsx and read back by the reader."""
    res = check_workbook(write_submission(FW, data, lang_first), "x.xlsx", FW, cases.ESTATES)
    assert res.errors == (), [m.text("en") for m in res.errors]
    assert res.submission == data
    for code, v in res.submission.values.items():
        assert type(v) is type(data.values[code])
