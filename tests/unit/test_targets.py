"""Targets: on track, at risk or off track from the forecast, with the reason in words."""

from __future__ import annotations

import pytest

from ecocity.core.forecast import Point, forecast_level, forecast_top_level, target_score
from ecocity.core.framework import get_framework
from ecocity.core.targets import Target, check_target, describe, status_label

FW = get_framework()
HAPPINESS = Target("RAYONG-MAP-TA-PHUT", 5, 2570)


def rising(start: int, years: int, score: float, step: float, level: int = 3) -> list[Point]:
    return [Point(start + n, level, score + n * step) for n in range(years)]


def test_the_forecast_of_any_level_uses_the_same_method():
    series = rising(2562, 5, 3.0, 0.25)
    assert forecast_level(FW, series, FW.top_level) == forecast_top_level(FW, series)
    # level 4 is reached earlier than level 5 on a rising line
    assert forecast_level(FW, series, 4).year < forecast_top_level(FW, series).year
    assert target_score(FW, 4) == pytest.approx(FW.pass_share * 4 + (1 - FW.pass_share) * 3)


def test_a_level_already_held_is_on_track():
    c = check_target(FW, HAPPINESS, [Point(2566, 5, 4.8)], this_year=2567)
    assert (c.status, c.reason, c.level_now) == ("on_track", "held", 5)


def test_in_time_late_and_far_late():
    # 3.75 in 2566, +0.25 a year: the target score 4.75 in 2570
    in_time = check_target(FW, HAPPINESS, rising(2562, 5, 2.75, 0.25), this_year=2567)
    assert (in_time.status, in_time.reason, in_time.estimate) == ("on_track", "in_time", 2570)
    one_late = check_target(FW, Target("A", 5, 2569), rising(2562, 5, 2.75, 0.25), this_year=2567)
    assert (one_late.status, one_late.years_late) == ("at_risk", 1)
    two_late = check_target(FW, Target("A", 5, 2568), rising(2562, 5, 2.75, 0.25), this_year=2567)
    assert (two_late.status, two_late.reason, two_late.years_late) == ("off_track", "late", 2)


def test_an_estimate_is_never_a_year_already_gone():
    """Data up to 2566 on a line that reaches Happiness's score in 2568: in fiscal year 2570
    the level is not reached in the data, so the estimate says this year, not 2568."""
    series = rising(2562, 5, 3.25, 0.25)
    assert forecast_level(FW, series, 5).year == 2568
    c = check_target(FW, Target("A", 5, 2571), series, this_year=2570)
    assert (c.status, c.reason, c.estimate) == ("on_track", "in_time", 2570)


def test_too_little_data_flat_and_passed_deadlines():
    assert check_target(FW, HAPPINESS, rising(2565, 2, 3.0, 0.3), this_year=2567).status == "at_risk"
    flat = check_target(FW, HAPPINESS, rising(2562, 5, 3.0, 0.0), this_year=2567)
    assert (flat.status, flat.reason) == ("off_track", "not_rising")
    passed = check_target(FW, Target("A", 5, 2566), rising(2562, 5, 3.0, 0.25), this_year=2567)
    assert (passed.status, passed.reason) == ("off_track", "deadline_passed")


def test_the_plan_size_is_counted_from_the_latest_values():
    values = {i.code: None for i in FW.indicators}
    c = check_target(FW, HAPPINESS, rising(2562, 5, 2.75, 0.25), this_year=2567, latest_values=values)
    assert c.plan_size is not None and c.plan_size > 0


@pytest.mark.parametrize("lang", ["th", "en"])
def test_the_reason_reads_as_a_sentence(lang):
    c = check_target(FW, Target("A", 5, 2568), rising(2562, 5, 2.75, 0.25), this_year=2567,
                     latest_values={i.code: None for i in FW.indicators})
    said = describe(FW, c, lang)
    assert "2570" in said and "2" in said and FW.level(5).name(lang) in said
    if lang == "en":
        assert said.startswith("at the present pace: Happiness in FY 2570, 2 years late")
        assert "indicators to change" in said
    assert status_label(c, lang)


def test_the_page_model_checks_each_target_from_the_area_rows():
    from ecocity.core.rows import EntityRow
    from ecocity.pagemodels.targets import target_checks

    fields = set(EntityRow.__dataclass_fields__)
    base = {"kind": "area", "name_th": "ก", "name_en": "A", "region": "East", "province_pcode": "TH21",
            "area_code": None, "completeness": 1.0, "dimension_scores": {}, "gap": (), "is_sample": False}

    def row(code: str, year: int, level: int, score: float) -> EntityRow:
        data = {"code": code, "fiscal_year": year, "level": level, "overall_score": score,
                "values": {i.code: None for i in FW.indicators}} | base
        return EntityRow(**{k: v for k, v in data.items() if k in fields})

    rows = [row("A", 2562 + n, 3, 2.75 + 0.25 * n) for n in range(5)] + [row("B", 2566, 5, 4.8)]
    got = target_checks(FW, {"A": Target("A", 5, 2570), "B": Target("B", 5, 2570), "C": Target("C", 4, 2570)},
                        rows, 2567)
    assert (got["A"].status, got["A"].estimate) == ("on_track", 2570) and got["A"].plan_size
    assert got["B"].reason == "held"
    assert got["C"].level_now is None and got["C"].status == "at_risk"  # no data yet
