"""The Estate and Indicators pages' models (ecocity.pagemodels.estate): every indicator with its value,
level, next threshold and trend; gap sentences; versions and changes in words; rankings
(lower-is-better first, yes/no split, missing apart), trends with thresholds, heatmap rows."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from ecocity.core import text
from ecocity.core.registry import AreaInfo, EstateInfo
from ecocity.core.rows import EntityRow
from ecocity.core.scoring import assess
from ecocity.i18n import t
from ecocity.pagemodels import charts, indicators
from ecocity.pagemodels import estate as detail


def _row(fw, code, year, values, *, kind="estate", region="East", area="RAYONG-MAP-TA-PHUT", name=None):
    a = assess(fw, values)
    return EntityRow(kind=kind, code=code, name_th=name or f"{code} th", name_en=name or code, fiscal_year=year,
                     level=a.level, overall_score=a.overall_score, completeness=a.completeness, region=region,
                     area_code=area if kind == "estate" else None, dimension_scores=dict(a.dimension_scores),
                     gap=tuple(g.as_dict() for g in a.gap), values=dict(a.values))


def _info(code="MAP-TA-PHUT", area="RAYONG-MAP-TA-PHUT"):
    return EstateInfo(code=code, name_th="มาบตาพุด", name_en="Map Ta Phut IE", province_pcode="TH21",
                      province_th="ระยอง", province_en="Rayong", region="East", lat=None, lon=None,
                      source_checked=True, area_code=area)


def _area(estates=()):
    return AreaInfo(code="RAYONG-MAP-TA-PHUT", name_th="ระยอง - มาบตาพุด", name_en="Rayong - Map Ta Phut",
                    province_pcode="TH21", province_th="ระยอง", province_en="Rayong", region="East",
                    estates=tuple(estates))


@pytest.fixture
def values(make_data):
    return dict(make_data().values)


# ----------------------------------------------------------------------------- values in words


def test_value_text_with_units_yes_no_and_missing(fw):
    assert text.value_text(fw.indicator("ENV-01"), 26.0, "en") == "26 cases/yr"
    assert text.value_text(fw.indicator("ENV-01"), 26.0, "th") == "26 เรื่อง/ปี"
    assert text.value_text(fw.indicator("PHY-01"), 12.345, "en") == "12.35 %"
    assert text.value_text(fw.indicator("SOC-01"), 3.39, "en") == "3.39 (score 1-5)"
    assert text.value_text(fw.indicator("MGT-01"), True, "th") == t("common.yes", "th")
    assert text.value_text(fw.indicator("ENV-01"), None, "en") == t("common.missing", "en")


def test_next_threshold_in_words(fw):
    env01, phy01, mgt04, soc01 = (fw.indicator(c) for c in ("ENV-01", "PHY-01", "MGT-04", "SOC-01"))
    # 26 complaints meet level 3 (<= 50), not 4 (<= 25)
    assert text.next_threshold_text(fw, env01, 26.0, "en") == "≤ 25 cases/yr → level 4"
    assert text.next_threshold_text(fw, env01, 26.0, "th") == "≤ 25 เรื่อง/ปี → ระดับ 4"
    assert text.next_threshold_text(fw, phy01, 14.0, "en") == "≥ 15 % → level 4"
    assert text.next_threshold_text(fw, phy01, 3.0, "th") == "≥ 5 % → ระดับ 1"
    assert text.next_threshold_text(fw, soc01, 3.39, "en") == "≥ 3.5 (score 1-5) → level 3"
    assert text.next_threshold_text(fw, env01, 5.0, "en") == t("detail.at_top", "en")
    assert text.next_threshold_text(fw, mgt04, False, "en") == '"yes" → level 1'
    assert text.next_threshold_text(fw, mgt04, True, "en") == t("detail.at_top", "en")
    assert text.next_threshold_text(fw, env01, None, "en") == t("detail.needs_value", "en")


def test_trend_values():
    assert [detail.trend_value(v) for v in (True, False, None, 3)] == [1.0, 0.0, None, 3.0]


# ----------------------------------------------------------------------------- one estate


def test_every_indicator_has_a_line_missing_included(fw, values):
    values["SOC-01"] = None
    del values["ECO-02"]
    old = _row(fw, "MAP-TA-PHUT", 2565, {**values, "ENV-01": 40.0})
    row = _row(fw, "MAP-TA-PHUT", 2566, {**values, "ENV-01": 26.0})
    lines = detail.indicator_lines(fw, row, [row, old], "en")
    assert [ln.code for ln in lines] == list(fw.codes) and len(lines) == 23
    by = {ln.code: ln for ln in lines}
    assert by["ENV-01"].trend == (40.0, 26.0) and by["ENV-01"].trend_years == (2565, 2566)
    assert by["ENV-01"].level == 3 and by["ENV-01"].value_text == "26 cases/yr"
    for code in ("SOC-01", "ECO-02"):
        assert by[code].level is None and by[code].value is None
        assert by[code].value_text == t("common.missing", "en")
        assert by[code].next_text == t("detail.needs_value", "en")


def test_estate_model_picks_the_year_last_year_area_and_series(fw, values):
    info = _info()
    rows = [_row(fw, "MAP-TA-PHUT", y, values) for y in (2564, 2565, 2566)]
    rows.append(_row(fw, "OTHER", 2566, values))
    area_rows = [_row(fw, "RAYONG-MAP-TA-PHUT", 2566, values, kind="area")]
    m = detail.estate_model(fw, info, _area([info]), rows, area_rows, 2565, "th")
    assert m.row.fiscal_year == 2565 and m.last.fiscal_year == 2564
    assert [p.fiscal_year for p in m.series] == [2564, 2565]
    assert m.years == (2564, 2565, 2566)
    assert m.area_row is None  # no area row in 2565
    m = detail.estate_model(fw, info, _area([info]), rows, area_rows, 2566, "th")
    assert m.area_row.code == "RAYONG-MAP-TA-PHUT" and len(m.lines) == 23
    assert [g.code for g in m.gap] == [g["code"] for g in m.row.gap]
    m = detail.estate_model(fw, info, None, rows, [], 2570, "en")
    assert m.row is None and m.lines and all(ln.value is None for ln in m.lines)
    assert m.gap == () and len(m.series) == 3


def test_gap_sentences_are_read_aloud(fw, values):
    row = _row(fw, "X", 2566, {**values, "ENV-01": 26.0, "ENV-08": 50.0})
    sentences = detail.gap_sentences(fw, row, "en")
    assert sentences and all(s.text and s.reason for s in sentences)
    assert [s.code for s in sentences] == [g["code"] for g in row.gap]
    assert any(s.required for s in sentences) == any(g["reason"] == "required" for g in row.gap)
    assert detail.gap_sentences(fw, None, "en") == []


def test_find_estate_in_an_area_or_unassigned():
    e, lonely = _info(), _info("LONELY", area=None)
    area = _area([e])
    assert detail.find_estate([area], [lonely], "MAP-TA-PHUT") == (e, area)
    assert detail.find_estate([area], [lonely], "LONELY") == (lonely, None)
    assert detail.find_estate([area], [lonely], "NOPE") == (None, None)


# ----------------------------------------------------------------------------- versions


def test_times_are_shown_in_thai_time():
    at = datetime(2026, 11, 21, 17, 5, tzinfo=UTC)  # 00:05 on the 22nd in Bangkok
    assert detail.when_text(at, "en") == "22 Nov 2026 00:05"
    assert detail.when_text(at, "th") == "22 พ.ย. 2569 00:05"
    assert detail.when_text(None, "th") == "–"


def test_version_rows_say_how_each_version_came():
    v = dict(is_current=False, created_at=datetime(2026, 1, 1, tzinfo=UTC),
             created_by="Somchai", filename="f.xlsx", is_sample=False, status="returned")
    versions = [SimpleNamespace(version=3, restored_from_version=1,
                                **{**v, "is_current": True, "filename": None, "status": "accepted"}),
                SimpleNamespace(version=1, restored_from_version=None, **v)]
    rows = detail.version_rows(versions, "en")
    assert [r["Version"] for r in rows] == [3, 1]
    assert rows[0]["How"] == "restored from version 1" and rows[0]["Published"] == "✓" and rows[0]["File"] == "–"
    assert [r["Review"] for r in rows] == ["accepted", "returned for correction"]
    assert rows[0]["Stored by"] == "Somchai"
    assert rows[1]["How"] == "uploaded" and rows[1]["File"] == "f.xlsx"


def test_version_rows_neutralise_formulas_and_can_leave_out_who():
    """The table's toolbar exports CSV: a file or user name a spreadsheet would run as a
    formula stays text; viewers do not see the account that stored a version."""
    v = SimpleNamespace(version=1, restored_from_version=None, is_current=True, is_sample=False,
                        created_at=datetime(2026, 1, 1, tzinfo=UTC), created_by="@cmd",
                        filename='=HYPERLINK("https://evil.example","x").xlsx')
    [row] = detail.version_rows([v], "en")
    assert row["File"] == "'" + v.filename and row["Stored by"] == "'@cmd"
    [hidden] = detail.version_rows([v], "en", with_names=False)
    assert "Stored by" not in hidden and hidden["File"] == "'" + v.filename


def test_changes_in_words_with_levels(fw):
    got = detail.changes(fw, [("ENV-01", 14.0, 12.0), ("MGT-01", None, True), ("GONE-01", 1.0, 2.0)], "en")
    assert (got[0].code, got[0].old, got[0].new, got[0].old_level, got[0].new_level) == (
        "ENV-01", "14 cases/yr", "12 cases/yr", 4, 4)
    assert (got[1].old, got[1].new, got[1].old_level, got[1].new_level) == ("no data", "yes", None, 5)
    assert (got[2].name, got[2].old_level) == ("GONE-01", None)
    [factories] = detail.changes(fw, [("factories", 30, 1200)], "th")
    assert (factories.name, factories.old, factories.new) == ("จำนวนโรงงาน", "30", "1,200")


def test_default_pair_is_the_newest_two():
    assert detail.default_pair([1]) is None
    assert detail.default_pair([3, 1, 2]) == (2, 3)


# ----------------------------------------------------------------------------- indicators page


def test_subjects_are_dimensions_followed_by_their_indicators(fw):
    subjects = indicators.subjects(fw)
    assert len(subjects) == len(fw.dimensions) + len(fw.indicators)
    assert subjects[0] == indicators.Subject("dimension", fw.dimensions[0].key)
    assert [s.key for s in subjects if s.kind == "indicator"] == [
        i.code for d in fw.dimensions for i in fw.indicators_of(d.key)]
    assert indicators.subject_of(fw, "ENV-01") == indicators.Subject("indicator", "ENV-01")
    assert indicators.subject_of(fw, "environment") == indicators.Subject("dimension", "environment")
    assert indicators.subject_of(fw, "nope") is None and indicators.subject_of(fw, None) is None
    assert "ENV-01" in indicators.subject_label(fw, indicators.Subject("indicator", "ENV-01"), "th")


def test_ranking_puts_the_lowest_complaints_first_coloured_by_indicator_level(fw, values):
    rows = [_row(fw, c, 2566, {**values, "ENV-01": v}) for c, v in (("A", 120.0), ("B", 8.0), ("C", 30.0))]
    rows.append(_row(fw, "D", 2566, {**values, "ENV-01": None}))
    rows.append(_row(fw, "E", 2565, {**values, "ENV-01": 1.0}))
    rows.append(_row(fw, "F", 2566, {**values, "ENV-01": 1.0}, region="North"))
    m = indicators.ranking(fw, indicators.Subject("indicator", "ENV-01"), rows, 2566, "en", region="East")
    assert m.lower_is_better
    assert [(r.code, r.value, r.level) for r in m.ranked] == [("B", 8.0, 5), ("C", 30.0, 3), ("A", 120.0, 1)]
    assert [r.code for r in m.missing] == ["D"]


def test_ranking_higher_is_better_and_by_dimension(fw, values):
    rows = [_row(fw, c, 2566, {**values, "PHY-01": v}) for c, v in (("A", 3.0), ("B", 19.0))]
    m = indicators.ranking(fw, indicators.Subject("indicator", "PHY-01"), rows, 2566, "en")
    assert [r.code for r in m.ranked] == ["B", "A"] and not m.lower_is_better
    m = indicators.ranking(fw, indicators.Subject("dimension", "physical"), rows, 2566, "en")
    assert [r.value for r in m.ranked] == sorted((r.dimension_scores["physical"] for r in rows), reverse=True)
    assert {r.level for r in m.ranked} == {r.level for r in rows}  # coloured by the entity's level


def test_yes_no_indicators_are_split(fw, values):
    rows = [_row(fw, c, 2566, {**values, "MGT-04": v}) for c, v in (("A", True), ("B", False), ("C", None))]
    m = indicators.ranking(fw, indicators.Subject("indicator", "MGT-04"), rows, 2566, "en")
    assert m.ranked == () and [r.code for r in m.yes] == ["A"] and [r.code for r in m.no] == ["B"]
    assert [r.code for r in m.missing] == ["C"]
    years, series = indicators.yes_share_series(indicators.Subject("indicator", "MGT-04"), rows, "en")
    assert years == [2566] and list(series.values()) == [[50.0]]


def test_trend_series_fill_missing_years_with_none(fw, values):
    rows = [_row(fw, "A", 2564, {**values, "ENV-01": 50.0}), _row(fw, "A", 2566, {**values, "ENV-01": 20.0}),
            _row(fw, "B", 2565, {**values, "ENV-01": 70.0})]
    years, series = indicators.trend_series(fw, indicators.Subject("indicator", "ENV-01"), rows, ["B", "A", "ZZ"], "en")
    assert years == [2564, 2565, 2566]
    assert list(series) == ["B", "A"]
    assert series["A"] == [50.0, None, 20.0] and series["B"] == [None, 70.0, None]


def test_thresholds_lines_in_level_colours(fw):
    lines = indicators.thresholds(fw, indicators.Subject("indicator", "ENV-01"), "en")
    assert [(v, c) for _, v, c in lines] == list(zip([150.0, 100.0, 50.0, 25.0, 10.0],
                                                     [lv.colour for lv in fw.levels[1:]], strict=True))
    assert indicators.thresholds(fw, indicators.Subject("indicator", "MGT-04"), "en") == []
    assert indicators.thresholds(fw, indicators.Subject("dimension", "social"), "en") == []


def test_heatmap_rows_best_first_in_the_region(fw, values):
    good = {c: (100.0 if fw.indicator(c).kind == "percent" else v) for c, v in values.items()}
    rows = [_row(fw, "A", 2566, values, kind="area"), _row(fw, "B", 2566, good, kind="area"),
            _row(fw, "C", 2566, values, kind="area", region="North"), _row(fw, "D", 2565, values, kind="area")]
    assert (rows[1].level, rows[1].overall_score) > (rows[0].level, rows[0].overall_score)
    got = indicators.heatmap_rows(rows, 2566, "en", region="East")
    assert [(c, n) for c, n, _ in got] == [("B", "B"), ("A", "A")]
    assert dict(got[0][2]) == dict(rows[1].dimension_scores)


def test_chart_ranking_lower_is_better_puts_the_lowest_on_top(fw):
    rows = [charts.Ranked("estate", c, c, 3, v) for c, v in (("A", 120.0), ("B", 8.0), ("C", 30.0))]
    higher = charts.ranking(fw, rows, "en", title="x", value_label="y")
    lower = charts.ranking(fw, rows, "en", title="x", value_label="y", lower_is_better=True)
    # plotly draws the first category at the bottom: the last one is on top
    assert list(higher.data[0].y)[-1] == "A" and list(lower.data[0].y)[-1] == "B"


def test_chart_heatmap_cells_carry_a_clickable_marker(fw):
    fig = charts.heatmap(fw, [("X", "Area X", {"physical": 2.0}), ("Y", "Area Y", {})], "en")
    hm, marks = fig.data
    assert hm.type == "heatmap" and hm.hoverinfo == "skip"
    assert marks.type == "scatter" and marks.marker.opacity == 0
    n = len(fw.dimensions)
    assert [list(c) for c in marks.customdata] == [["area", "X"]] * n + [["area", "Y"]] * n
    assert list(marks.y) == ["Area X"] * n + ["Area Y"] * n and marks.text[0] == "2.00" and marks.text[n] == "–"


def test_chart_trend_lines_never_look_alike_and_thresholds_keep_level_colours(fw):
    series = {f"E{i}": [1.0, 2.0] for i in range(10)}
    fig = charts.indicator_trend([2565, 2566], series, [("1 · x", 5.0, fw.level(1).colour)], title="t", unit="u")
    looks = {(tr.line.color, tr.line.dash, tr.marker.symbol) for tr in fig.data}
    assert len(looks) == 10
    assert len({tr.line.color for tr in fig.data[:8]}) == 8
    assert [s.line.color for s in fig.layout.shapes] == [fw.level(1).colour]


def test_trend_highlights_the_chosen_over_the_others_in_grey(fw, values):
    rows = [_row(fw, c, y, {**values, "PHY-01": v}, kind="area")
            for c, v in (("A", 30.0), ("B", 20.0), ("C", 10.0), ("D", 5.0)) for y in (2565, 2566)]
    s = indicators.Subject("indicator", "PHY-01")
    model = indicators.ranking(fw, s, rows, 2566, "en")
    assert indicators.default_highlight(model.ranked) == ["A", "B", "C"]  # the year's best three
    fig = indicators.trend_figure(fw, s, rows, ["B"], "area", "en")
    grey = [tr for tr in fig.data if tr.line.color == charts.CONTEXT]
    coloured = [tr for tr in fig.data if tr.line.color != charts.CONTEXT]
    assert [tr.name for tr in coloured] == ["B"]
    assert sorted(tr.text[0] for tr in grey) == ["A", "C", "D"]
    assert [tr.name for tr in grey if tr.showlegend] == [t("indicators.trend_others_area", "en")]
    assert len(fig.layout.annotations) == len(fw.levels) - 1  # every threshold named
    assert indicators.trend_figure(fw, s, rows, [], "area", "en") is None
    yesno = indicators.trend_figure(fw, indicators.Subject("indicator", "MGT-04"), rows, ["A"], "area", "en")
    assert len(yesno.data) == 1 and yesno.data[0].name == t("detail.trend.yes_share", "en")


def test_a_dimensions_trend_shows_the_whole_score_scale(fw, values):
    rows = [_row(fw, c, 2566, values, kind="area") for c in ("A", "B")]
    fig = indicators.trend_figure(fw, indicators.Subject("dimension", "social"), rows, ["A"], "area", "th")
    assert fig.layout.yaxis.range[0] == 0 and fig.layout.yaxis.range[1] >= fw.top_level
    assert fig.layout.annotations == ()  # a dimension has no thresholds
