"""Areas aggregate their estates: every rule of maturity-model.md, on the default framework."""

from __future__ import annotations

import pytest

from ecocity.core.aggregation import EstateValues, aggregate, aggregate_indicator, assess_area
from ecocity.core.framework import load_framework, parse_framework
from ecocity.core.scoring import assess

FW = load_framework()


def est(code: str, factories: int | None, **values) -> EstateValues:
    return EstateValues(code=code, factories=factories, values={k.replace("_", "-"): v for k, v in values.items()})


def test_sum_adds_counts():
    e = [est("X", 10, ENV_01=20), est("Y", 5, ENV_01=6)]
    assert aggregate_indicator(FW.indicator("ENV-01"), e) == 26


def test_mean_of_scores():
    e = [est("X", 10, SOC_01=4.0), est("Y", 90, SOC_01=3.0)]
    assert aggregate_indicator(FW.indicator("SOC-01"), e) == 3.5  # plain mean, not weighted


def test_factory_weighted_mean():
    e = [est("X", 30, ENV_02=100), est("Y", 10, ENV_02=20)]
    assert aggregate_indicator(FW.indicator("ENV-02"), e) == pytest.approx((30 * 100 + 10 * 20) / 40)


def test_factory_weighted_mean_falls_back_to_the_plain_mean_at_zero_factories():
    e = [est("PORT", 0, ENV_02=100), est("Y", 0, ENV_02=20)]
    assert aggregate_indicator(FW.indicator("ENV-02"), e) == 60


def test_factory_weighted_mean_uses_only_reporting_estates():
    e = [est("X", 30, ENV_02=90), est("Y", 70)]  # Y has many factories but did not report
    assert aggregate_indicator(FW.indicator("ENV-02"), e) == 90


def test_all_and_any_for_yes_no():
    e = [est("X", 1, MGT_01=True, MGT_04=False), est("Y", 1, MGT_01=False, MGT_04=True)]
    assert aggregate_indicator(FW.indicator("MGT-01"), e) is False  # all
    assert aggregate_indicator(FW.indicator("MGT-04"), e) is True  # any
    both_yes = [est("X", 1, MGT_01=True), est("Y", 1, MGT_01=True)]
    assert aggregate_indicator(FW.indicator("MGT-01"), both_yes) is True


def test_min_and_max():
    raw_min = {"code": "M", "dimension": "d", "name_en": "m", "name_th": "m", "kind": "number",
               "direction": "higher", "thresholds": [1, 2, 3, 4, 5], "aggregation": "min"}
    raw_max = {**raw_min, "code": "N", "aggregation": "max"}
    levels = [{"number": n, "key": f"l{n}", "name_en": "x", "name_th": "x", "colour": "#000000"} for n in range(6)]
    fw = parse_framework({"id": "t", "version": 1, "levels": levels,
                          "dimensions": [{"key": "d", "name_en": "d", "name_th": "d"}],
                          "indicators": [raw_min, raw_max]})
    e = [EstateValues("X", 1, {"M": 2, "N": 2}), EstateValues("Y", 1, {"M": 5, "N": 5}), EstateValues("Z", 1, {})]
    assert aggregate(fw, e) == {"M": 2, "N": 5}


def test_an_indicator_nobody_reported_is_missing():
    e = [est("X", 10, ENV_01=3), est("Y", 5, ENV_01=None)]
    values = aggregate(FW, e)
    assert values["ENV-01"] == 3
    assert values["ENV-02"] is None and values["MGT-01"] is None


def test_an_area_without_submissions_has_no_assessment():
    assert assess_area(FW, []) is None


def test_the_area_level_is_computed_from_aggregated_values():
    full = {i.code: (True if i.is_yesno else (i.thresholds[2] if i.direction == "higher" else i.thresholds[2]))
            for i in FW.indicators}
    a = EstateValues("X", 40, full)
    b = EstateValues("Y", 10, {**full, "ENV-01": 40.0})  # 50 + 40 complaints: over the L3 limit of 50
    area = assess_area(FW, [a, b])
    assert area is not None
    assert area.values["ENV-01"] == 90
    assert area.assessment == assess(FW, area.values)
    assert area.assessment.indicator_levels["ENV-01"] == 2  # 90 <= 100 but > 50
    assert area.estates == ("X", "Y")


def test_weakest_estates_pull_an_indicator_down_first():
    e = [est("HIGH", 10, ENV_02=100), est("LOW", 10, ENV_02=12), est("MID", 10, ENV_02=60), est("NONE", 10)]
    area = assess_area(FW, e)
    assert area is not None
    assert area.weakest["ENV-02"] == ("LOW", "MID", "HIGH")
