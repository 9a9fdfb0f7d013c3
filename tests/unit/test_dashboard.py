"""Dashboard rules over stored assessment rows: KPIs, movements, closest to the next level."""

from __future__ import annotations

from ecocity.core.framework import load_framework
from ecocity.pagemodels import rows as d

FW = load_framework()


def row(code, year, level, score=2.0, kind="area", **kw):
    return d.EntityRow(kind=kind, code=code, name_th=f"ท-{code}", name_en=f"E-{code}", fiscal_year=year,
                       level=level, overall_score=score, completeness=kw.pop("completeness", 1.0), **kw)


def test_movements_say_up_down_same_and_new():
    last = [row("A", 2565, 2), row("B", 2565, 3), row("C", 2565, 3)]
    this = [row("A", 2566, 3), row("B", 2566, 2), row("C", 2566, 3), row("D", 2566, 1)]
    changes = {m.row.code: (m.change, m.level_delta) for m in d.movements(this, last)}
    assert changes == {"A": ("up", 1), "B": ("down", -1), "C": ("same", 0), "D": ("new", 0)}


def test_ranking_orders_by_level_then_score():
    moves = d.movements([row("A", 2566, 3, 3.1), row("B", 2566, 4, 3.9), row("C", 2566, 3, 3.4)], [])
    assert [m.row.code for m in d.ranked(moves)] == ["B", "C", "A"]


def test_kpis_count_and_average():
    areas = [row("A", 2566, 2), row("B", 2566, 1)]
    estates = [row("x", 2566, 2, kind="estate", completeness=1.0), row("y", 2566, 1, kind="estate", completeness=0.5)]
    k = d.kpis(areas, estates, areas_total=8, estates_total=21)
    assert (k.areas_assessed, k.areas_total, k.estates_submitted, k.estates_total, k.at_target) == (2, 8, 2, 21, 1)
    assert k.completeness == 0.75
    assert d.kpis([], [], 8, 21).completeness is None


def test_closest_to_next_prefers_fewer_and_nearer_gaps():
    one_near = row("A", 2566, 3, gap=[{"current": 26, "target": 25}])
    one_far = row("B", 2566, 3, gap=[{"current": 90, "target": 25}])
    two = row("C", 2566, 2, gap=[{"current": 9, "target": 10}, {"current": 1, "target": 2}])
    top = row("D", 2566, 5, gap=[])
    assert [r.code for r in d.closest_to_next([two, one_far, top, one_near], FW)] == ["A", "B", "C"]


def test_gap_distance_counts_missing_and_yes_no_as_one_step():
    assert d.gap_distance([{"current": None, "target": 10}]) == 1.0
    assert d.gap_distance([{"current": False, "target": True}]) == 1.0
    assert d.gap_distance([{"current": 26, "target": 25}]) == 1 / 25


def test_province_takes_its_best_area_level():
    areas = [row("A", 2566, 2, province_pcode="TH21"), row("B", 2566, 4, province_pcode="TH21"),
             row("C", 2566, 1, province_pcode="TH20"), row("D", 2566, 3)]
    assert d.province_levels(areas) == {"TH21": 4, "TH20": 1}


def test_distribution_and_filters():
    rows = [row("A", 2565, 2, region="East"), row("B", 2565, 2, region="North"), row("A", 2566, 3, region="East"),
            row("x", 2566, 3, kind="estate")]
    assert d.distribution(rows) == [(2565, 2, 2), (2566, 3, 1)]
    assert [r.code for r in d.filter_rows(rows, region="East", levels=[3])] == ["A"]
    assert d.latest_year(rows) == 2566 and len(d.for_year(rows, 2566, "area")) == 1
    assert d.level_counts(d.for_year(rows, 2565)) == {2: 2}


def test_best_first_is_the_league_order():
    rows = [row("A", 2566, 3, 3.1), row("B", 2566, 4, 3.9), row("C", 2566, 3, 3.4), row("D", 2566, 3, 3.4)]
    assert [r.code for r in d.best_first(rows)] == ["B", "C", "D", "A"]
    assert [m.row.code for m in d.ranked(d.movements(rows, []))] == ["B", "C", "D", "A"]
