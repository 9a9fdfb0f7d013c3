"""What the Estate and Indicators pages show, assembled from stored rows: pure, no Streamlit,
no database. Pages fetch ``EntityRow`` lists and version facts through cached readers, call
these functions and draw the result; every rule here is unit-tested.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ecocity.charts import Ranked
from ecocity.dashboard import EntityRow, filter_rows, for_year
from ecocity.explain import describe_gap_item, describe_reason, value_text
from ecocity.forecast import Forecast, Point, forecast_top_level
from ecocity.framework import Framework, Indicator, Value
from ecocity.i18n import fmt_datetime, fmt_number, t
from ecocity.method import level_column, threshold_text
from ecocity.scoring import GapItem, indicator_level
from ecocity.store.queries import AreaInfo, EstateInfo
from ecocity.store.uploads import FACTORIES
from ecocity.textsafe import neutralise_formula

# ----------------------------------------------------------------------------- values in words


def next_threshold_text(fw: Framework, ind: Indicator, value: Value, lang: str) -> str:
    """What the indicator needs for its own next level: "≤ 25 cases/yr → level 4";
    "needs a value" when missing; "top level reached" at the top."""
    if value is None:
        return t("detail.needs_value", lang)
    lv = indicator_level(ind, value, fw.top_level)
    if lv >= fw.top_level:
        return t("detail.at_top", lang)
    if ind.is_yesno:
        return t("detail.needs_yes", lang, level=lv + 1)
    return t("detail.needs", lang, threshold=threshold_text(ind, lv + 1, lang, unit=True), level=lv + 1)


def trend_value(value: Value) -> float | None:
    """A value as a point of a small trend line: yes = 1, no = 0."""
    if value is None:
        return None
    return 1.0 if value is True else 0.0 if value is False else float(value)


def gap_items(row: EntityRow) -> list[GapItem]:
    """The stored gap of ``row`` (dicts) as GapItems towards its next level."""
    keys = ("code", "dimension", "current", "target", "direction", "reason")
    return [GapItem(**{k: g.get(k) for k in keys}, target_level=row.level + 1) for g in row.gap]


# ----------------------------------------------------------------------------- one estate


@dataclass(frozen=True)
class IndicatorLine:
    code: str
    dimension: str  # key
    value: Value
    level: int | None  # None: missing (counts as level 0)
    value_text: str
    next_text: str
    trend: tuple[float, ...]  # the values of the fiscal years with one, oldest first
    trend_years: tuple[int, ...]


@dataclass(frozen=True)
class GapSentence:
    code: str
    text: str
    reason: str
    required: bool


@dataclass(frozen=True)
class EstateModel:
    info: EstateInfo
    area: AreaInfo | None
    year: int | None
    row: EntityRow | None  # the estate in fiscal year ``year`` (None: no data that year)
    last: EntityRow | None  # ... and the fiscal year before
    area_row: EntityRow | None  # its area in fiscal year ``year``
    series: tuple[Point, ...]  # every fiscal year with data up to ``year``
    years: tuple[int, ...]  # every fiscal year in which the estate has data
    lines: tuple[IndicatorLine, ...]  # every indicator of the framework, in its order
    gap: tuple[GapSentence, ...]
    forecast: Forecast


def indicator_lines(fw: Framework, row: EntityRow | None, history: Sequence[EntityRow],
                    lang: str) -> list[IndicatorLine]:
    """One line per indicator of ``fw`` (missing ones included) for ``row``'s values, with
    the trend over the ``history`` rows (the entity's rows up to that year)."""
    values = row.values if row is not None else {}
    hist = sorted(history, key=lambda r: r.fiscal_year)
    out = []
    for ind in fw.indicators:
        v = values.get(ind.code)
        pts = [(r.fiscal_year, trend_value(r.values.get(ind.code))) for r in hist]
        pts = [(y, p) for y, p in pts if p is not None]
        out.append(IndicatorLine(
            code=ind.code, dimension=ind.dimension, value=v,
            level=None if v is None else indicator_level(ind, v, fw.top_level),
            value_text=value_text(ind, v, lang), next_text=next_threshold_text(fw, ind, v, lang),
            trend=tuple(p for _, p in pts), trend_years=tuple(y for y, _ in pts)))
    return out


def gap_sentences(fw: Framework, row: EntityRow | None, lang: str) -> list[GapSentence]:
    if row is None:
        return []
    out = []
    for item in gap_items(row):
        if not fw.has_indicator(item.code):  # stored under an older framework
            continue
        out.append(GapSentence(item.code, describe_gap_item(fw, item, lang), describe_reason(fw, item, lang),
                               item.reason == "required"))
    return out


def estate_model(fw: Framework, info: EstateInfo, area: AreaInfo | None, estates: Sequence[EntityRow],
                 areas: Sequence[EntityRow], year: int | None, lang: str) -> EstateModel:
    own = sorted((r for r in estates if r.code == info.code), key=lambda r: r.fiscal_year)
    by_year = {r.fiscal_year: r for r in own}
    row = by_year.get(year) if year is not None else None
    last = by_year.get(year - 1) if year is not None else None
    upto = [r for r in own if year is None or r.fiscal_year <= year]
    area_row = next((r for r in areas if area is not None and r.code == area.code and r.fiscal_year == year), None)
    series = tuple(Point(r.fiscal_year, r.level, r.overall_score) for r in upto)
    return EstateModel(info=info, area=area, year=year, row=row, last=last, area_row=area_row, series=series,
                       years=tuple(by_year), lines=tuple(indicator_lines(fw, row, upto, lang)),
                       gap=tuple(gap_sentences(fw, row, lang)), forecast=forecast_top_level(fw, series))


def find_estate(areas: Sequence[AreaInfo], unassigned: Sequence[EstateInfo],
                code: str) -> tuple[EstateInfo | None, AreaInfo | None]:
    for a in areas:
        for e in a.estates:
            if e.code == code:
                return e, a
    return next((e for e in unassigned if e.code == code), None), None


# ----------------------------------------------------------------------------- versions


def when_text(at: datetime | None, lang: str) -> str:
    """A stored UTC time as Thai local time: "21 พ.ย. 2569 14:05" / "21 Nov 2026 14:05"."""
    return fmt_datetime(at, lang)


def version_outcome(v: Any, lang: str) -> str:
    """How a version came to be: uploaded (file), restored from an earlier version."""
    if v.restored_from_version is not None:
        return t("detail.versions.restored_from", lang, version=v.restored_from_version)
    return t("detail.versions.uploaded", lang)


def version_rows(versions: Sequence[Any], lang: str, *, with_names: bool = True) -> list[dict[str, Any]]:
    """The versions (``store.VersionInfo``, newest first) as table rows. Text that came from
    users (the file name, who stored it) goes through ``neutralise_formula``: the table's
    toolbar exports CSV. ``with_names`` False leaves out who stored each version (an account
    name: not for viewers and anonymous visitors)."""
    c = {k: t(f"detail.versions.col_{k}", lang) for k in ("version", "current", "when", "by", "file", "outcome")}
    rows = []
    for v in versions:
        row: dict[str, Any] = {c["version"]: v.version, c["current"]: "✓" if v.is_current else "",
                               c["when"]: when_text(v.created_at, lang)}
        if with_names:
            row[c["by"]] = neutralise_formula(v.created_by or "–")
        row[c["file"]] = neutralise_formula(v.filename or "–")
        row[c["outcome"]] = version_outcome(v, lang)
        rows.append(row)
    return rows


@dataclass(frozen=True)
class Change:
    code: str
    name: str
    old: str
    new: str
    old_level: int | None
    new_level: int | None


def changes(fw: Framework, diffs: Sequence[Any], lang: str) -> list[Change]:
    """``compare_versions`` output ((code, old, new) tuples) in words, with the level each
    value meets; the factory count (pseudo-code ``factories``) by name; codes unknown to the
    framework by code."""
    out = []
    for d in diffs:
        code, old, new = d[0], d[1], d[2]
        if code == FACTORIES:  # the factory count: it weights the estate in its area's means
            out.append(Change(code, t("detail.factories", lang), fmt_number(old, lang), fmt_number(new, lang),
                              None, None))
        elif fw.has_indicator(code):
            ind = fw.indicator(code)
            out.append(Change(code, ind.name(lang), value_text(ind, old, lang), value_text(ind, new, lang),
                              None if old is None else indicator_level(ind, old, fw.top_level),
                              None if new is None else indicator_level(ind, new, fw.top_level)))
        else:
            out.append(Change(code, code, str(old), str(new), None, None))
    return out


def default_pair(versions: Sequence[int]) -> tuple[int, int] | None:
    """The two versions compared first: the newest and the one before it."""
    vs = sorted(set(versions))
    return (vs[-2], vs[-1]) if len(vs) >= 2 else None


# ----------------------------------------------------------------------------- indicators page


@dataclass(frozen=True)
class Subject:
    """What the Indicators page shows: an indicator (by code) or a dimension (by key)."""

    kind: str  # "indicator" | "dimension"
    key: str


def subjects(fw: Framework) -> list[Subject]:
    """Each dimension followed by its indicators, in the framework's order."""
    out = []
    for d in fw.dimensions:
        out.append(Subject("dimension", d.key))
        out.extend(Subject("indicator", i.code) for i in fw.indicators_of(d.key))
    return out


def subject_of(fw: Framework, raw: str | None) -> Subject | None:
    """``?indicator=ENV-01`` (a code) or ``?indicator=environment`` (a dimension key)."""
    if not raw:
        return None
    if fw.has_indicator(raw):
        return Subject("indicator", raw)
    if any(d.key == raw for d in fw.dimensions):
        return Subject("dimension", raw)
    return None


def subject_label(fw: Framework, s: Subject, lang: str) -> str:
    if s.kind == "dimension":
        return t("detail.subject.dimension", lang, name=fw.dimension(s.key).name(lang))
    ind = fw.indicator(s.key)
    return f"{ind.code} · {ind.name(lang)}"


def subject_value(fw: Framework, s: Subject, row: EntityRow) -> Value:
    if s.kind == "dimension":
        return row.dimension_scores.get(s.key)
    return row.values.get(s.key)


@dataclass(frozen=True)
class RankingModel:
    ranked: tuple[Ranked, ...]  # best first; value None never appears here
    missing: tuple[EntityRow, ...]  # no value this year
    yes: tuple[EntityRow, ...]  # yes/no indicators: the answers
    no: tuple[EntityRow, ...]
    lower_is_better: bool


def ranking(fw: Framework, s: Subject, rows: Sequence[EntityRow], year: int, lang: str, *,
            region: str | None = None) -> RankingModel:
    """The entities of fiscal year ``year`` (and ``region``) ranked by the indicator's value,
    each coloured by the level that value meets; by dimension score for a dimension, coloured
    by the entity's level. Yes/no indicators are split into yes and no instead."""
    this = for_year(filter_rows(rows, region=region), year)
    missing = tuple(sorted((r for r in this if subject_value(fw, s, r) is None), key=lambda r: r.name_en))
    have = [r for r in this if subject_value(fw, s, r) is not None]
    if s.kind == "indicator" and fw.indicator(s.key).is_yesno:
        yes = tuple(sorted((r for r in have if r.values[s.key] is True), key=lambda r: r.name_en))
        no = tuple(sorted((r for r in have if r.values[s.key] is not True), key=lambda r: r.name_en))
        return RankingModel((), missing, yes, no, False)
    lower = s.kind == "indicator" and fw.indicator(s.key).direction == "lower"
    out = []
    for r in have:
        v = float(subject_value(fw, s, r))  # type: ignore[arg-type]
        lv = indicator_level(fw.indicator(s.key), v, fw.top_level) if s.kind == "indicator" else r.level
        out.append(Ranked(r.kind, r.code, r.name(lang), lv, v))
    out.sort(key=lambda x: ((x.value if lower else -x.value), x.name))  # type: ignore[operator]
    return RankingModel(tuple(out), missing, (), (), lower)


def trend_series(fw: Framework, s: Subject, rows: Sequence[EntityRow], codes: Sequence[str],
                 lang: str) -> tuple[list[int], dict[str, list[float | None]]]:
    """Fiscal years with data and, per entity in ``codes`` (in that order), its value each
    year (None where it has none). Yes/no values are 1/0."""
    years = sorted({r.fiscal_year for r in rows})
    by = {(r.code, r.fiscal_year): r for r in rows}
    names = {r.code: r.name(lang) for r in rows}
    series: dict[str, list[float | None]] = {}
    for code in codes:
        if code not in names:
            continue
        series[names[code]] = [trend_value(subject_value(fw, s, by[(code, y)])) if (code, y) in by else None
                               for y in years]
    return years, series


def yes_share_series(s: Subject, rows: Sequence[EntityRow], lang: str) -> tuple[list[int], dict[str, list[float | None]]]:
    """Yes/no indicator over the years: the share (%) of reporting entities answering yes."""
    years = sorted({r.fiscal_year for r in rows})
    shares: list[float | None] = []
    for y in years:
        answers = [r.values.get(s.key) for r in rows if r.fiscal_year == y and r.values.get(s.key) is not None]
        shares.append(100.0 * sum(1 for a in answers if a is True) / len(answers) if answers else None)
    return years, {t("detail.trend.yes_share", lang): shares}


def thresholds(fw: Framework, s: Subject, lang: str) -> list[tuple[str, float, str]]:
    """The level thresholds as (label, value, level colour) lines; none for a dimension or a
    yes/no indicator."""
    if s.kind != "indicator" or fw.indicator(s.key).is_yesno:
        return []
    ind = fw.indicator(s.key)
    return [(level_column(fw, lv.number, lang), ind.threshold(lv.number), lv.colour) for lv in fw.levels[1:]]


def heatmap_rows(areas: Sequence[EntityRow], year: int, lang: str, *,
                 region: str | None = None) -> list[tuple[str, str, Mapping[str, float | None]]]:
    """(area code, name, dimension scores) of the areas with data in ``year``, best first."""
    this = sorted(for_year(filter_rows(areas, region=region), year),
                  key=lambda r: (-r.level, -r.overall_score, r.name_en))
    return [(r.code, r.name(lang), dict(r.dimension_scores)) for r in this]
