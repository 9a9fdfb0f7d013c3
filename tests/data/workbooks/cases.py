"""Fixture workbooks and what the reader must say about each (hand-written expectations).

``make_fixtures.py`` builds the files from BASE; ``tests/unit/test_reader.py`` checks every
file against EXPECTED. The expectations are written here by hand from the specification,
never produced by running the reader. Cells follow the official template of the default
framework (eit-default@1): General values in column B rows 2-8, indicator values in
column E, rows 2-24 in framework order.
"""

from __future__ import annotations

from datetime import date
from typing import Any

ESTATES: dict[str, tuple[str, str]] = {
    "MAP-TA-PHUT": ("นิคมอุตสาหกรรมมาบตาพุด", "Map Ta Phut IE"),
    "MAP-TA-PHUT-INDUSTRIAL-PORT": ("ท่าเรืออุตสาหกรรมมาบตาพุด", "Map Ta Phut Industrial Port"),
    "LAEM-CHABANG": ("นิคมอุตสาหกรรมแหลมฉบัง", "Laem Chabang IE"),
    "NONG-KHAE": ("นิคมอุตสาหกรรมหนองแค", "Nong Khae IE"),
    "AMATA-CITY-CHONBURI": ("นิคมอุตสาหกรรมอมตะซิตี้ ชลบุรี", "Amata City Chonburi IE"),
}

BASE_GENERAL: dict[str, Any] = {
    "estate_code": "MAP-TA-PHUT",
    "estate_name": "นิคมอุตสาหกรรมมาบตาพุด",
    "fiscal_year": 2566,
    "factories": 76,
    "submitted_by": "สมชาย ใจดี",
    "email": "somchai@example.co.th",
    "submitted_on": date(2023, 11, 15),
}
BASE_VALUES: dict[str, float | bool | None] = {
    "PHY-01": 12.5, "PHY-02": 3.0, "PHY-03": 82.25, "ECO-01": 7.0, "ECO-02": 4.75,
    "ECO-03": 55.5, "ENV-01": 26.0, "ENV-02": 100.0, "ENV-03": 41.2, "ENV-04": 12.0,
    "ENV-05": 6.5, "ENV-06": 22.0, "ENV-07": 91.3, "ENV-08": 98.6, "SOC-01": 4.2,
    "SOC-02": 5.0, "SOC-03": 35.0, "SOC-04": 60.0, "MGT-01": True, "MGT-02": 84.0,
    "MGT-03": 9.0, "MGT-04": False, "MGT-05": 97.0,
}
BASE_NOTES = {"ENV-01": "รายงานเรื่องร้องเรียน กนอ. 2566"}

CODES = tuple(BASE_VALUES)
ROW = {code: n for n, code in enumerate(CODES, 2)}  # template row of each indicator
GEN_ROW = {"estate_code": 2, "estate_name": 3, "fiscal_year": 4, "factories": 5,
           "submitted_by": 6, "email": 7, "date": 8}
IND = "ตัวชี้วัด (Indicators)"
GEN = "ข้อมูลทั่วไป (General)"


def E(code: str, sheet: str = IND) -> str:
    return f"{sheet}!E{ROW[code]}"


def B(field: str, sheet: str = GEN) -> str:
    return f"{sheet}!B{GEN_ROW[field]}"


def values(**changes: Any) -> dict[str, Any]:
    """BASE_VALUES with some codes changed (keys use _ for -: ENV_01=3)."""
    out = dict(BASE_VALUES)
    for k, v in changes.items():
        out[k.replace("_", "-")] = v
    return out


def all_missing() -> dict[str, None]:
    return dict.fromkeys(CODES, None)


ACCEPTED_BASE = {"status": "accepted", "estate": "MAP-TA-PHUT", "fiscal_year": 2566,
                 "values": BASE_VALUES, "errors": [], "warnings": []}


def _acc(**kw: Any) -> dict[str, Any]:
    return ACCEPTED_BASE | kw


def _rej(errors: list[tuple[str, str | None]], **kw: Any) -> dict[str, Any]:
    return {"status": "rejected", "errors": errors, "warnings": [], **kw}


def _file_error(code: str) -> dict[str, Any]:
    return {"status": "rejected", "estate": None, "fiscal_year": None, "values": {},
            "errors": [(code, None)], "warnings": []}


# case (the file name unless "file" says otherwise) -> expectation. "errors"/"warnings"
# are the exact lists of (code, cell) in order; "values" must equal the reader's values
# for every framework code; "estate"/"fiscal_year"/"notes"/"submitted_on" are checked
# when present; "max_bytes" overrides the size limit; "error_params" checks params of the
# first error (a list param: the expected list is a prefix of the actual one).
EXPECTED: dict[str, dict[str, Any]] = {
    # --- accepted -----------------------------------------------------------------
    "filled_basic.xlsx": _acc(notes=BASE_NOTES),
    "text_separators.xlsx": _acc(values=values(ECO_02=1234.5, SOC_03=1200.0, PHY_01=12.5)),
    "thai_digits.xlsx": _acc(values=values(PHY_02=12.0, ECO_02=1234.5, ENV_01=26.0),
                             submitted_on=date(2023, 11, 1)),
    "percent_strings.xlsx": _acc(values=values(PHY_01=85.0, ENV_03=12.5, ENV_02=100.0)),
    "percent_formatted.xlsx": _acc(values=values(PHY_01=85.0, ENV_03=12.5, ENV_04=7.0)),
    "yesno_words.xlsx": _acc(values=values(MGT_01=True, MGT_04=False)),
    "yesno_symbols.xlsx": _acc(values=values(MGT_01=True, MGT_04=False)),
    "yesno_cells.xlsx": _acc(values=values(MGT_01=True, MGT_04=False)),
    "missing_markers.xlsx": _acc(
        values=values(PHY_02=None, ECO_01=None, ECO_02=None, SOC_02=None, MGT_04=None),
        warnings=[("missing_value", E("PHY-02")), ("missing_value", E("ECO-01")),
                  ("missing_value", E("ECO-02")), ("missing_value", E("SOC-02")),
                  ("missing_value", E("MGT-04"))]),
    "codes_case_spaces.xlsx": _acc(),
    "header_lower.xlsx": _acc(),
    "columns_reordered.xlsx": _acc(),
    "english_sheets.xlsx": _acc(),
    "ce_year.xlsx": _acc(warnings=[("ce_year_converted", B("fiscal_year"))]),
    "name_mismatch.xlsx": _acc(warnings=[("estate_name_mismatch", B("estate_name"))]),
    "unknown_and_absent.xlsx": _acc(
        values=values(PHY_02=None),
        warnings=[("unknown_indicator", f"{IND}!A3"), ("indicator_absent", None)]),
    "formula_cached.xlsx": _acc(values=values(PHY_02=12.0, ECO_01=24.0, ENV_01=26.0)),
    "libreoffice_saved.xlsx": _acc(),
    "libreoffice.xls": _acc(),
    "libreoffice.ods": _acc(),
    "libreoffice.xlsm": _acc(),
    "percent_formatted.xls": _acc(values=values(PHY_01=85.0, ENV_03=12.5, ENV_04=7.0)),
    "percent_formatted.ods": _acc(values=values(PHY_01=85.0, ENV_03=12.5, ENV_04=7.0)),
    # --- rejected: values ---------------------------------------------------------
    "not_a_number.xlsx": _rej([("not_a_number", E("ECO-01"))]),
    "percent_over_100.xlsx": _rej([("percent_out_of_range", E("ENV-02"))]),
    "score_out_of_scale.xlsx": _rej([("score_out_of_range", E("SOC-01"))]),
    "negative_count.xlsx": _rej([("negative_value", E("ENV-01"))]),
    "bad_yesno.xlsx": _rej([("not_yes_no", E("MGT-01"))]),
    "duplicate_code.xlsx": _rej([("duplicate_code", f"{IND}!A25")]),
    "formula_no_value.xlsx": _rej([("formula_without_value", B("fiscal_year")),
                                   ("formula_without_value", E("PHY-02")),
                                   ("formula_without_value", E("ECO-01"))]),
    "error_cell.xlsx": _rej([("cell_error", E("ENV-04"))]),
    "error_cell.ods": _rej([("cell_error", E("ENV-04"))]),
    "error_cell.xls": _rej([("cell_error", E("ENV-04"))]),
    # --- rejected: General --------------------------------------------------------
    "unknown_estate.xlsx": _rej([("unknown_estate", B("estate_code"))],
                                error_params={"suggestions": ["MAP-TA-PHUT"]}),
    "missing_year.xlsx": _rej([("missing_fiscal_year", B("fiscal_year"))]),
    "year_out_of_range.xlsx": _rej([("year_out_of_range", B("fiscal_year"))]),
    "template_empty.xlsx": _rej(
        [("missing_estate_code", B("estate_code")), ("missing_fiscal_year", B("fiscal_year")),
         ("missing_factories", B("factories")), ("missing_submitted_by", B("submitted_by"))],
        values=all_missing(), estate=None, fiscal_year=None,
        warnings=[("missing_value", E(c)) for c in CODES]),
    "many_errors.xlsx": _rej(
        [("unknown_estate", B("estate_code")), ("year_out_of_range", B("fiscal_year")),
         ("not_a_whole_number", B("factories")), ("invalid_email", B("email")),
         ("invalid_date", B("date")), ("percent_out_of_range", E("PHY-01")),
         ("not_a_number", E("ECO-01")), ("negative_value", E("ENV-01")),
         ("score_out_of_range", E("SOC-01")), ("not_yes_no", E("MGT-04"))]),
    # --- rejected: structure ------------------------------------------------------
    "missing_sheets.xlsx": _rej([("missing_sheets", None)], estate=None, fiscal_year=None,
                                values={}, error_params={"found": ["Sheet1", "Data"]}),
    # one of the two sheets deleted: said, and the other sheet still checked (all at once)
    "no_general_sheet.xlsx": _rej([("missing_sheets", None), ("not_a_number", E("ECO-01"))],
                                  estate=None, fiscal_year=None, values=values(ECO_01=None),
                                  error_params={"missing": [GEN]}),
    "no_indicator_sheet.xlsx": _rej([("missing_sheets", None), ("year_out_of_range", B("fiscal_year"))],
                                    estate="MAP-TA-PHUT", fiscal_year=None, values={},
                                    error_params={"missing": [IND]}),
    "missing_header.xlsx": _rej([("missing_header", None)], values={}, estate="MAP-TA-PHUT",
                                fiscal_year=2566),
    # --- rejected: the file itself -------------------------------------------------
    "encrypted.xlsx": _file_error("encrypted"),
    "encrypted.xls": _file_error("encrypted"),
    "zip_bomb.xlsx": _file_error("zip_bomb"),
    "huge_area.xlsx": _file_error("too_many_cells"),
    "huge_area.xls": _file_error("too_many_cells"),
    "csv_renamed.xlsx": _file_error("not_a_workbook") | {"error_params": {"detected": "csv"}},
    "pdf_renamed.xlsx": _file_error("not_a_workbook") | {"error_params": {"detected": "pdf"}},
    "broken_zip.xlsx": _file_error("not_a_workbook") | {"error_params": {"detected": "damaged"}},
    "docx_renamed.xlsx": _file_error("not_a_workbook") | {"error_params": {"detected": "docx"}},
    # filled_basic with 20 bytes overwritten past offset 200, as e-mail or a USB stick
    # damages files (kept as found): zlib and zipfile raised out of the checker on these.
    "damaged_deflate_distance.xlsx": _file_error("damaged_part") | {"error_params": {"part": "_rels/.rels"}},
    "damaged_deflate_lengths.xlsx": _file_error("damaged_part") | {"error_params": {"part": "_rels/.rels"}},
    "damaged_zip_version.xlsx": _file_error("not_a_workbook") | {"error_params": {"detected": "damaged"}},
    # the same good file, over a small size limit
    # .xls files with a few bytes flipped (found by fuzzing, kept as found): calamine
    # aborted the process on both; the checker must answer, whatever the damage left.
    "damaged_biff_a.xls": _file_error("not_a_workbook") | {"error_params": {"detected": "damaged"}},
    "damaged_biff_b.xls": _rej([("missing_estate_code", B("estate_code"))],
                               warnings=[("missing_value", E("PHY-03"))], values=values(PHY_03=None)),
    "too_large": _file_error("too_large") | {"file": "filled_basic.xlsx", "max_bytes": 4096},
}
