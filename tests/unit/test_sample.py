"""The shipped sample data tells its story through the real engine (default-framework.md,
"Sample data the product ships"): levels come from ``assess`` / ``assess_area``, never from
the generator's plan."""

from __future__ import annotations

import csv
import tomllib
from collections import defaultdict
from pathlib import Path

import pytest

from ecocity.core.framework import DEFAULT_FRAMEWORK_PATH, load_framework, parse_framework
from ecocity.core.scoring import assess, check_values
from ecocity.io.sample import (
    SAMPLE_NOTE,
    assess_areas,
    current_submissions,
    load_areas,
    sample_files,
    sample_resubmissions,
    sample_submissions,
)

FW = load_framework()
ROOT = Path(__file__).resolve().parents[2]
MTP = "RAYONG-MAP-TA-PHUT"


@pytest.fixture(scope="module")
def current():
    return current_submissions(FW)


@pytest.fixture(scope="module")
def areas(current):
    return assess_areas(FW, current)


@pytest.fixture(scope="module")
def estate_levels(current):
    out: dict[str, dict[int, int]] = defaultdict(dict)
    for s in current:
        out[s.estate_code][s.fiscal_year] = assess(FW, s.values).level
    return out


def _area_level(areas, code: str, year: int) -> int:
    return areas[(code, year)].assessment.level


# ----------------------------------------------------------------------------- coverage


def test_covers_every_estate_of_every_area_and_the_fiscal_years(current):
    with open(ROOT / "data" / "areas.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    wanted = {e for r in rows for e in r["estates"].split(";")}
    assert len(rows) == 8 and len(wanted) == 21
    assert {s.estate_code for s in current} == wanted
    assert {s.fiscal_year for s in current} == set(range(2559, 2569))
    # Only Map Ta Phut reports 2559 (the public baseline); everyone else starts in 2560+.
    mtp = set(next(a for a in load_areas() if a.code == MTP).estates)
    assert {s.estate_code for s in current if s.fiscal_year == 2559} == mtp
    keys = [(s.estate_code, s.fiscal_year) for s in current]
    assert len(keys) == len(set(keys)), "one current submission per estate and year"


def test_every_submission_is_valid_and_has_every_indicator(current):
    registry = {}
    with open(ROOT / "data" / "ieat-estates.csv", encoding="utf-8") as f:
        registry = {r["code"]: r["name_th"] for r in csv.DictReader(f)}
    for s in current + sample_resubmissions(FW):
        where = f"{s.estate_code} {s.fiscal_year}"
        assert check_values(FW, s.values) == [], where
        assert set(s.values) == set(FW.codes), where
        assert isinstance(s.factories, int) and s.factories > 0, where
        assert s.estate_name == registry[s.estate_code], where
        assert s.submitted_on is not None and s.submitted_on.year + 543 >= s.fiscal_year, where
        # 0 < percent < 1 makes the upload checker ask "did you mean 60 %?": not in sample files.
        assert not [c for c in FW.codes if FW.indicator(c).kind == "percent"
                    and s.values[c] is not None and 0 < s.values[c] < 1], where


def test_is_clearly_labelled_as_sample_data(current):
    for s in current:
        assert "sample" in s.submitted_by
        assert s.email.endswith("@example.org")
        assert SAMPLE_NOTE in s.notes.values()


def test_shares_of_factories_are_whole_numbers_of_factories(current):
    shares = [i.code for i in FW.indicators if i.kind == "percent" and "factor" in i.unit_en]
    assert "ENV-02" in shares
    for s in current:
        for code in shares:
            v = s.values[code]
            if v is not None:
                k = v * s.factories / 100
                assert abs(k - round(k)) <= s.factories * 0.0005 + 1e-9, (s.estate_code, s.fiscal_year, code, v)


def test_is_deterministic():
    assert sample_submissions(FW) == sample_submissions(FW)
    assert sample_files(FW) == sample_files(FW)


# ----------------------------------------------------------------------------- Map Ta Phut


def test_map_ta_phut_complaints_echo_the_public_figures(areas):
    complaints = {y: areas[(MTP, y)].values["ENV-01"] for y in range(2559, 2569)}
    assert complaints[2559] == 126
    assert complaints[2566] == 26
    falling = [complaints[y] for y in range(2559, 2567)]
    assert falling == sorted(falling, reverse=True) and len(set(falling)) == len(falling)
    assert len(areas[(MTP, 2559)].estates) == 6  # 5 estates and the industrial port


def test_map_ta_phut_has_76_factories_all_eco_factory_since_2562(current, areas):
    for y in range(2559, 2569):
        assert sum(s.factories for s in current if s.fiscal_year == y
                   and s.estate_code in areas[(MTP, y)].estates) == 76
        eco = areas[(MTP, y)].values["ENV-02"]
        if y >= 2562:
            assert eco == 100
        else:
            assert eco < 100


def test_map_ta_phut_2566_is_one_complaint_from_the_next_step_on_complaints(areas):
    """The worked example of the spec: 26 complaints -> at most 25."""
    a = areas[(MTP, 2566)].assessment
    assert a.indicator_levels["ENV-01"] == 3
    assert any(g.code == "ENV-01" and g.target == 25 for g in a.gap)


# ----------------------------------------------------------------------------- levels


def test_exactly_one_area_reaches_happiness_in_the_latest_years(areas):
    happy = {(code, y) for (code, y), r in areas.items() if r.assessment.level == 5}
    assert happy, "no area reaches Happiness"
    assert len({code for code, _ in happy}) == 1
    code = next(iter(happy))[0]
    assert min(y for _, y in happy) >= 2566
    assert (code, 2568) in happy, "Happiness is held in the latest year"
    r = areas[(code, 2568)]
    assert r.values["ENV-01"] <= 10 and r.assessment.gap == ()


def test_levels_2_3_and_4_among_areas_in_2566_and_2568(areas):
    for year in (2566, 2568):
        levels = {_area_level(areas, a.code, year) for a in load_areas()}
        assert {2, 3, 4} <= levels, (year, levels)


def test_map_ta_phut_improves_from_its_baseline(areas):
    assert _area_level(areas, MTP, 2568) > _area_level(areas, MTP, 2566) > _area_level(areas, MTP, 2559)


def test_some_estate_rises_steadily(estate_levels):
    def rising(d: dict[int, int]) -> bool:
        seq = [d[y] for y in sorted(d)]
        return all(b >= a for a, b in zip(seq, seq[1:], strict=False)) and seq[-1] - seq[0] >= 3
    assert any(rising(d) for d in estate_levels.values())


def test_some_estate_stalls(estate_levels):
    def stalls(d: dict[int, int]) -> bool:
        latest = [d[y] for y in range(2562, 2569) if y in d]
        return len(latest) == 7 and len(set(latest)) == 1
    assert any(stalls(d) for d in estate_levels.values())


def test_some_estate_falls_and_does_not_recover_at_once(estate_levels):
    def falls(d: dict[int, int]) -> bool:
        ys = sorted(d)
        return any(d[b] < d[a] and d[ys[-1]] < d[a] for a, b in zip(ys, ys[1:], strict=False))
    assert any(falls(d) for d in estate_levels.values())


def test_some_area_is_at_level_0_because_one_estate_lacks_an_action_plan(current, areas):
    """MGT-01 aggregates with "all": one estate without a plan holds the whole area back."""
    found = False
    for (_code, year), r in areas.items():
        if r.assessment.level == 0 and r.values["MGT-01"] is False:
            others = [s for s in current if s.fiscal_year == year and s.estate_code in r.estates
                      and s.values["MGT-01"] is True]
            found = found or any(assess(FW, s.values).level >= 1 for s in others)
    assert found


# ----------------------------------------------------------------------------- gaps in the data


def test_missing_values_are_present_and_counted_not_fatal(current):
    blanks = [(s, c) for s in current for c, v in s.values.items() if v is None]
    assert len(blanks) >= 10
    assert len({c for _, c in blanks}) >= 3, "blanks spread over several indicators"
    s = blanks[0][0]
    assert assess(FW, s.values).completeness < 1


def test_an_estate_skips_a_year_and_another_joins_late(current, areas):
    by_estate: dict[str, set[int]] = defaultdict(set)
    for s in current:
        by_estate[s.estate_code].add(s.fiscal_year)
    skipped = [e for e, ys in by_estate.items() if set(range(min(ys), max(ys) + 1)) - ys]
    late = [e for e, ys in by_estate.items() if min(ys) > 2560]
    assert skipped and late
    # The area is still assessed from the estates that did report.
    e = skipped[0]
    year = min(set(range(min(by_estate[e]), max(by_estate[e]) + 1)) - by_estate[e])
    area = next(a.code for a in load_areas() if e in a.estates)
    assert (area, year) in areas and e not in areas[(area, year)].estates


# ----------------------------------------------------------------------------- the correction


def test_one_resubmission_corrects_map_ta_phut_2566_complaints():
    originals = {(s.estate_code, s.fiscal_year): s for s in sample_submissions(FW)}
    [fix] = sample_resubmissions(FW)
    orig = originals[(fix.estate_code, fix.fiscal_year)]
    changed = {c for c in FW.codes if fix.values[c] != orig.values[c]}
    assert changed == {"ENV-01"}
    assert fix.submitted_on > orig.submitted_on
    assert fix.notes["ENV-01"] != orig.notes.get("ENV-01")
    before = assess_areas(FW, [s for s in sample_submissions(FW) if s.fiscal_year == 2566])
    after = assess_areas(FW, [s for s in current_submissions(FW) if s.fiscal_year == 2566])
    assert before[(MTP, 2566)].values["ENV-01"] != 26
    assert after[(MTP, 2566)].values["ENV-01"] == 26


def test_files_are_named_by_year_and_estate_and_the_correction_loads_last():
    files = sample_files(FW)
    names = [n for n, _ in files]
    assert len(names) == len(set(names)) == len(sample_submissions(FW)) + 1
    assert "2559_MAP-TA-PHUT.xlsx" in names
    assert names[-1] == "2566_MAP-TA-PHUT_v2.xlsx"
    assert names.index("2566_MAP-TA-PHUT.xlsx") < names.index("2566_MAP-TA-PHUT_v2.xlsx")
    for name, s in files:
        assert name.startswith(f"{s.fiscal_year}_{s.estate_code}")


# ----------------------------------------------------------------------------- other frameworks


def test_follows_the_framework_file_when_an_indicator_is_dropped():
    raw = tomllib.loads(DEFAULT_FRAMEWORK_PATH.read_text("utf-8"))
    raw["indicators"] = [i for i in raw["indicators"] if i["code"] not in ("ENV-02", "SOC-04")]
    fw = parse_framework(raw)
    subs = current_submissions(fw)
    assert subs
    for s in subs:
        assert set(s.values) == set(fw.codes)
        assert check_values(fw, s.values) == []
