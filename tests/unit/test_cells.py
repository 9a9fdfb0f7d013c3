"""The cell value parser: every accepted spelling, every rejection, and properties."""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecocity.core.framework import get_framework
from ecocity.io.workbook import cells

FW = get_framework()
PERCENT = FW.indicator("PHY-01")
COUNT = FW.indicator("ENV-01")  # number, min 0
SCORE = FW.indicator("SOC-01")  # score 1-5
YESNO = FW.indicator("MGT-01")
THAI = str.maketrans("0123456789", "๐๑๒๓๔๕๖๗๘๙")


# ----------------------------------------------------------------------------- normalise


@pytest.mark.parametrize("raw", [2566, 2566.0, "2566", " 2566 ", "๒๕๖๖", "\u00a02566\u200b"])
def test_readers_disagreeing_on_types_give_one_value(raw):
    """calamine gives 2566.0 (xlsx), 2566 (xls) or "2566" (a text cell)."""
    assert cells.parse_fiscal_year(raw).value == 2566
    assert cells.parse_number(raw).value == 2566.0
    assert type(cells.parse_number(raw).value) is float
    assert cells.parse_whole_number(raw).value == 2566


def test_normalise():
    assert cells.normalise("") is None and cells.normalise("   ") is None
    assert cells.normalise(None) is None and cells.normalise(float("nan")) is None
    assert cells.normalise(True) is True and cells.normalise(3) == 3.0
    assert cells.normalise(datetime(2023, 1, 2)) == date(2023, 1, 2)
    assert cells.normalise(datetime(2023, 1, 2, 10, 30)) == datetime(2023, 1, 2, 10, 30)
    assert cells.normalise(" a\u00a0b ") == "a b"


# ----------------------------------------------------------------------------- numbers


@pytest.mark.parametrize("text,value", [
    ("1,234.5", 1234.5), (" 1,234.5 ", 1234.5), ("1234.5", 1234.5), ("๑,๒๓๔.๕", 1234.5),
    ("-3", -3.0), ("\u22123", -3.0), ("+7", 7.0), (".5", 0.5), ("12.", 12.0), ("0", 0.0),
    ("1,000,000", 1e6), ("๐.๒๕", 0.25),
])
def test_numbers_typed_as_text(text, value):
    assert cells.parse_number(text).value == value


@pytest.mark.parametrize("text", ["ประมาณ 20", "20 กลุ่ม", "1,23", "12,34.5", "1.2.3", "abc", "20-30",
                                  "1e3", "TRUE", "๒๐ แห่ง", "12%"])
def test_not_numbers(text):
    p = cells.parse_number(text)
    assert p.error == "not_a_number" and p.value is None
    assert p.params["found"] == f"“{text}”"


def test_booleans_and_dates_are_not_numbers():
    assert cells.parse_indicator(True, COUNT).error == "not_a_number"
    assert cells.parse_indicator(date(2023, 2, 1), COUNT).error == "not_a_number"


@pytest.mark.parametrize("raw", [None, "", "  ", "-", "–", "N/A", "n/a", "ไม่มีข้อมูล", " - "])
def test_missing_markers(raw):
    for ind in (PERCENT, COUNT, SCORE, YESNO):
        p = cells.parse_indicator(raw, ind)
        assert p.ok and p.missing and p.value is None


def test_percent_sign_and_percent_format():
    assert cells.parse_indicator("85%", PERCENT).value == 85.0
    assert cells.parse_indicator("12.5 %", PERCENT).value == 12.5
    assert cells.parse_indicator("๘๕%", PERCENT).value == 85.0
    assert cells.parse_indicator(0.85, PERCENT, percent_format=True).value == 85.0
    assert cells.parse_indicator(0.07, PERCENT, percent_format=True).value == 7.0  # not 7.000000000000001
    assert cells.parse_indicator(1.0, PERCENT, percent_format=True).value == 100.0
    # a % sign is only a unit for percent indicators
    assert cells.parse_indicator("12%", COUNT).error == "not_a_number"
    # a count formatted as percent is taken as stored (only percent indicators are scaled)
    assert cells.parse_indicator(3.0, COUNT, percent_format=True).value == 3.0


def test_ranges():
    assert cells.parse_indicator(100, PERCENT).value == 100.0
    assert cells.parse_indicator(0, PERCENT).value == 0.0
    assert cells.parse_indicator(120, PERCENT).error == "percent_out_of_range"
    assert cells.parse_indicator("-1", PERCENT).error == "percent_out_of_range"
    assert cells.parse_indicator(1.2, PERCENT, percent_format=True).params["found"] == "120%"
    assert cells.parse_indicator(5, SCORE).value == 5.0
    p = cells.parse_indicator(7, SCORE)
    assert p.error == "score_out_of_range" and (p.params["min"], p.params["max"]) == (1.0, 5.0)
    assert cells.parse_indicator(0.5, SCORE).error == "score_out_of_range"
    assert cells.parse_indicator(-3, COUNT).error == "negative_value"
    assert cells.parse_indicator(10**12, COUNT).value == 1e12
    assert cells.parse_indicator(-0.0, COUNT).value == 0.0


def test_small_percent_warns_but_is_kept():
    p = cells.parse_indicator(0.6, PERCENT)
    assert p.value == 0.6 and p.warning == "percent_small_fraction"
    assert cells.parse_indicator("0.6%", PERCENT).warning is None  # typed as a percent on purpose
    assert cells.parse_indicator(0.006, PERCENT, percent_format=True).warning is None


# ----------------------------------------------------------------------------- yes/no


@pytest.mark.parametrize("raw", ["ใช่", "มี", "yes", "YES", "Yes ", "y", "Y", "true", "TRUE", "1", "๑",
                                 "✓", "✔", True, 1, 1.0, "ใช่ (Yes)", "Yes (ใช่)"])
def test_yes(raw):
    assert cells.parse_yesno(raw).value is True


@pytest.mark.parametrize("raw", ["ไม่ใช่", "ไม่มี", "no", "No", "n", "false", "FALSE", "0", "๐", "✗",
                                 "✘", False, 0, 0.0, "ไม่ใช่ (No)", "No (ไม่ใช่)"])
def test_no(raw):
    assert cells.parse_yesno(raw).value is False


@pytest.mark.parametrize("raw", ["อาจจะ", "maybe", "2", 0.5, "yes/no", "ใช่ไหม", date(2023, 1, 1)])
def test_neither_yes_nor_no(raw):
    assert cells.parse_yesno(raw).error == "not_yes_no"


def test_no_data_is_not_no():
    assert cells.parse_yesno("ไม่มีข้อมูล").missing  # "ไม่มี" alone means no


# ----------------------------------------------------------------------------- years


@pytest.mark.parametrize("raw,year,warning", [
    (2566, 2566, None), ("พ.ศ. 2566", 2566, None), ("ปีงบประมาณ 2566", 2566, None),
    ("FY2566", 2566, None), ("2566 (B.E.)", 2566, None), (2550, 2550, None), (2650, 2650, None),
    (2023, 2566, "ce_year_converted"), ("ค.ศ. 2023", 2566, "ce_year_converted"),
    ("2023 CE", 2566, "ce_year_converted"), (2007, 2550, "ce_year_converted"),
    (2107, 2650, "ce_year_converted"),
])
def test_fiscal_years(raw, year, warning):
    p = cells.parse_fiscal_year(raw)
    assert (p.value, p.warning, p.error) == (year, warning, None)


@pytest.mark.parametrize("raw,error", [
    (2700, "year_out_of_range"), (2549, "year_out_of_range"), (1999, "year_out_of_range"),
    (2108, "year_out_of_range"), ("ค.ศ. 2566", "year_out_of_range"), (66, "year_out_of_range"),
    (2566.5, "not_a_year"), ("สองห้าหกหก", "not_a_year"), (True, "not_a_year"),
    (date(2023, 1, 1), "not_a_year"), ("2566/67", "not_a_year"),
])
def test_bad_fiscal_years(raw, error):
    assert cells.parse_fiscal_year(raw).error == error


def test_ce_warning_names_both_years():
    p = cells.parse_fiscal_year(2023)
    assert p.params == {"found": "2023", "year": "2566"}


# ----------------------------------------------------------------------------- dates


@pytest.mark.parametrize("raw,value", [
    (date(2023, 11, 15), date(2023, 11, 15)), (datetime(2023, 11, 15, 9, 0), date(2023, 11, 15)),
    (45245.0, date(2023, 11, 15)),  # an Excel serial whose format the reader did not know
    ("2023-11-15", date(2023, 11, 15)), ("2566-11-15", date(2023, 11, 15)),
    ("15/11/2566", date(2023, 11, 15)), ("15/11/2023", date(2023, 11, 15)),
    ("15.11.2566", date(2023, 11, 15)), ("๑๕/๑๑/๒๕๖๖", date(2023, 11, 15)),
    ("15 พ.ย. 2566", date(2023, 11, 15)), ("15 พฤศจิกายน 2566", date(2023, 11, 15)),
    ("15 พ.ย. พ.ศ. 2566", date(2023, 11, 15)), ("15 Nov 2023", date(2023, 11, 15)),
    ("15 November 2023", date(2023, 11, 15)), ("1 ม.ค. 2567", date(2024, 1, 1)),
])
def test_dates(raw, value):
    assert cells.parse_date(raw).value == value


@pytest.mark.parametrize("raw", ["31/02/2566", "พรุ่งนี้", "15 ธันวา 2566x", "2023-13-01", -5.0,
                                 time(10, 0), "11/15"])
def test_bad_dates(raw):
    assert cells.parse_date(raw).error == "invalid_date"


# ----------------------------------------------------------------------------- other fields


def test_whole_numbers():
    assert cells.parse_whole_number("1,200").value == 1200
    assert cells.parse_whole_number(76.0).value == 76 and type(cells.parse_whole_number(76.0).value) is int
    assert cells.parse_whole_number(76.5).error == "not_a_whole_number"
    assert cells.parse_whole_number("ประมาณ 70").error == "not_a_whole_number"
    assert cells.parse_whole_number(-1).error == "negative_value"
    assert cells.parse_whole_number(None).missing


def test_emails():
    assert cells.parse_email(" a.b@example.co.th ").value == "a.b@example.co.th"
    assert cells.parse_email("a b@example.com").error == "invalid_email"
    assert cells.parse_email("somchai").error == "invalid_email"
    assert cells.parse_email(None).missing


@pytest.mark.parametrize("raw,code", [("env-01 ", "ENV-01"), (" Env-01", "ENV-01"), ("ENV – 01", "ENV-01"),
                                      ("ENV_01", "ENV-01"), ("map ta phut", "MAP-TA-PHUT"), (None, "")])
def test_codes(raw, code):
    assert cells.norm_code(raw) == code


def test_text_is_cleaned_at_its_ends_only():
    """Spaces and invisible characters mixed at the ends all go (one cleaning function,
    clean_text); what lies between stays as typed."""
    raw = "\u200b \u200bสมชาย\u00a0 ใจดี\nฝ่ายสิ่งแวดล้อม \ufeff\u200b "
    assert cells.parse_text(raw).value == "สมชาย\u00a0 ใจดี\nฝ่ายสิ่งแวดล้อม"
    assert cells.parse_text("\u2060 \u200b\u3000").missing


@given(st.text(st.sampled_from(" \t\n\u00a0\u3000\u200b\u200d\u2060\ufeffab ก")))
def test_text_and_values_agree_on_what_is_empty(raw):
    p = cells.parse_text(raw)
    assert p.missing == (cells.normalise(raw) is None)
    if not p.missing:
        assert p.value[0] not in cells._EDGES and p.value[-1] not in cells._EDGES


def test_edge_characters_are_everything_strip_removes():
    import sys

    spaces = {c for c in map(chr, range(sys.maxunicode + 1)) if c.isspace()}
    assert spaces <= set(cells._EDGES)


def test_text_keeps_numbers_readable():
    assert cells.parse_text(12345.0).value == "12345"
    assert cells.show(12.0) == "12" and cells.show("x") == "“x”" and cells.show(None) == "(ว่าง / empty)"


# ----------------------------------------------------------------------------- properties


def _decimal_text(draw_int: int, frac: str) -> str:
    return f"{draw_int}.{frac}" if frac else str(draw_int)


@given(st.integers(min_value=0, max_value=10**12), st.text("0123456789", max_size=6),
       st.booleans())
def test_thai_digits_and_separators_parse_like_plain_digits(whole, frac, negative):
    plain = ("-" if negative else "") + _decimal_text(whole, frac)
    grouped = ("-" if negative else "") + f"{whole:,}" + (f".{frac}" if frac else "")
    expected = float(plain)
    assert cells.parse_number(plain).value == expected
    assert cells.parse_number(grouped).value == expected
    assert cells.parse_number(grouped.translate(THAI)).value == expected
    assert cells.parse_number(f"  {grouped.translate(THAI)} ").value == expected


@given(st.integers(min_value=0, max_value=10000))
def test_percent_formatted_cell_shows_what_excel_shows(hundredths):
    """A cell formatted "0.00%" holding p/10000 shows p/100 %: that is the value read."""
    shown = float(Decimal(hundredths) / 100)
    stored = float(Decimal(hundredths) / 10000)
    assert cells.parse_indicator(stored, PERCENT, percent_format=True).value == shown


def _in_range(ind):
    if ind.is_yesno:
        return st.booleans()
    lo = ind.min if ind.min is not None else -1e12
    hi = ind.max if ind.max is not None else 1e12
    return st.floats(min_value=lo, max_value=hi, allow_nan=False).map(cells.round_sig)


@settings(max_examples=200)
@given(st.data())
def test_any_in_range_value_parses_to_itself(data):
    for ind in FW.indicators:
        v = data.draw(_in_range(ind))
        p = cells.parse_indicator(v, ind)
        assert p.ok and p.value == v


@settings(max_examples=200)
@given(st.data())
def test_out_of_range_values_are_errors_never_values(data):
    ind = data.draw(st.sampled_from([i for i in FW.indicators if not i.is_yesno]))
    below = st.floats(max_value=ind.min, exclude_max=True, allow_nan=False, allow_infinity=False) \
        if ind.min is not None else st.nothing()
    above = st.floats(min_value=ind.max, exclude_min=True, allow_nan=False, allow_infinity=False) \
        if ind.max is not None else st.nothing()
    v = data.draw(below | above)
    p = cells.parse_indicator(v, ind)
    assert p.error in ("percent_out_of_range", "score_out_of_range", "negative_value",
                       "number_out_of_range") and p.value is None
