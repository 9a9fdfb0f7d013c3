"""Which estates pull an area's gap item down, per the indicator's aggregation rule."""

from __future__ import annotations

from ecocity.core.framework import load_framework
from ecocity.core.gap import area_estates, gap_items, pulling_down
from ecocity.core.rows import EntityRow
from ecocity.core.scoring import GapItem

FW = load_framework()


def est(code, area="A", year=2566, level=2, **values):
    return EntityRow(kind="estate", code=code, name_th=f"ท-{code}", name_en=f"E-{code}", fiscal_year=year,
                     level=level, overall_score=float(level), completeness=1.0, area_code=area,
                     values={k.replace("_", "-"): v for k, v in values.items()})


def item(code, current, target, direction, level=4):
    return GapItem(code, FW.indicator(code).dimension, current, target, direction, "dimension", level)


def codes(line):
    return [c.code for c in line.estates]


def test_summed_complaints_name_the_largest_contributors_first():
    rows = [est("x", ENV_01=3.0), est("y", ENV_01=12.0), est("z", ENV_01=0.0), est("w", ENV_01=11.0)]
    [line] = pulling_down(FW, [item("ENV-01", 26.0, 25.0, "lower")], rows)
    assert codes(line) == ["y", "w", "x"]  # z adds nothing; at most three


def test_a_mean_names_the_estates_below_the_threshold_lowest_first():
    thr = FW.indicator("ENV-07").threshold(4)
    rows = [est("x", ENV_07=thr + 1), est("y", ENV_07=thr - 10), est("z", ENV_07=thr - 2)]
    [line] = pulling_down(FW, [item("ENV-07", thr - 1, thr, "higher")], rows)
    assert codes(line) == ["y", "z"]


def test_yes_no_names_the_estates_answering_no():
    rows = [est("x", MGT_04=True), est("y", MGT_04=False)]
    [line] = pulling_down(FW, [item("MGT-04", False, True, "yes")], rows)
    assert codes(line) == ["y"]


def test_estates_that_did_not_report_are_listed_apart():
    rows = [est("x", ENV_01=3.0), est("y")]
    [line] = pulling_down(FW, [item("ENV-01", 26.0, 25.0, "lower")], rows)
    assert codes(line) == ["x"] and [c.code for c in line.not_reported] == ["y"]


def test_gap_items_target_the_next_level():
    row = EntityRow(kind="area", code="A", name_th="", name_en="", fiscal_year=2566, level=3, overall_score=4.0,
                    completeness=1.0, gap=({"code": "ENV-01", "dimension": "environment", "current": 26.0,
                                            "target": 25.0, "direction": "lower", "reason": "dimension"},))
    [g] = gap_items(row)
    assert (g.code, g.current, g.target, g.target_level) == ("ENV-01", 26.0, 25.0, 4)


def test_area_estates_are_its_own_of_that_year_best_first():
    rows = [est("x", level=2), est("y", level=4), est("z", area="B"), est("w", year=2565)]
    assert [r.code for r in area_estates(rows, "A", 2566)] == ["y", "x"]
