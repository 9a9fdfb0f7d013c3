"""Buddhist Era years and the Thai fiscal year (1 October - 30 September)."""

from __future__ import annotations

from datetime import date

import pytest

from ecocity.i18n import be_year, ce_year, fiscal_year_bounds, fiscal_year_of, fmt_date, fmt_number, fy_label


def test_be_is_ce_plus_543():
    assert be_year(2023) == 2566 and ce_year(2566) == 2023


@pytest.mark.parametrize("d, fy", [
    (date(2022, 9, 30), 2565), (date(2022, 10, 1), 2566), (date(2023, 1, 15), 2566),
    (date(2023, 9, 30), 2566), (date(2023, 10, 1), 2567),
])
def test_fiscal_year_starts_on_1_october(d, fy):
    assert fiscal_year_of(d) == fy


def test_fiscal_year_2566_is_oct_2022_to_sep_2023():
    assert fiscal_year_bounds(2566) == (date(2022, 10, 1), date(2023, 9, 30))


def test_labels_and_dates_in_both_languages():
    assert fy_label(2566, "th") == "ปีงบประมาณ 2566"
    assert fy_label(2566, "en") == "FY 2566 (B.E.)"
    assert fmt_date(date(2026, 11, 21), "th") == "21 พ.ย. 2569"
    assert fmt_date(date(2026, 11, 21), "en") == "21 Nov 2026"


def test_numbers_are_grouped_and_missing_is_a_dash():
    assert fmt_number(1234567) == "1,234,567"
    assert fmt_number(26.0) == "26"
    assert fmt_number(0.456, digits=2) == "0.46"
    assert fmt_number(None) == "–"
    assert fmt_number(True, "th") == "ใช่"
