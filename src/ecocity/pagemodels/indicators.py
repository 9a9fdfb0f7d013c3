"""What the Indicators page shows: one indicator or dimension ranked, its trend and the
heatmap of dimension scores (pure: rows in, plain data or a figure out)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import cast

import plotly.graph_objects as go

from ecocity.core.framework import Framework, Value
from ecocity.core.rows import EntityRow
from ecocity.core.scoring import indicator_level
from ecocity.core.text import level_column
from ecocity.i18n import t
from ecocity.pagemodels import charts
from ecocity.pagemodels.charts import Ranked
from ecocity.pagemodels.estate import trend_value
from ecocity.pagemodels.rows import filter_rows, for_year


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
    # a numeric indicator has a threshold for every level (checked when the framework loads)
    return [(level_column(fw, lv.number, lang), cast(float, ind.threshold(lv.number)), lv.colour)
            for lv in fw.levels[1:]]


TREND_HIGHLIGHT = 3  # lines highlighted by default: more tangle into one band


def default_highlight(ranked: Sequence[Ranked]) -> list[str]:
    """The entities highlighted on the trend until the user picks: the year's best few."""
    return [r.code for r in ranked[:TREND_HIGHLIGHT]]


def unit_label(fw: Framework, s: Subject, lang: str) -> str:
    """The value axis of a subject: its unit, the score scale for a dimension, "" for none."""
    if s.kind == "dimension":
        return t("charts.score", lang)
    unit = fw.indicator(s.key).unit(lang)
    return "" if unit in ("", "-") else unit


def trend_figure(fw: Framework, s: Subject, rows: Sequence[EntityRow], highlight: Sequence[str], kind: str,
                 lang: str) -> go.Figure | None:
    """The subject over the fiscal years: the ``highlight`` entities (codes, in that order) in
    colour over every other entity of ``rows`` (of one ``kind``, already filtered to the
    region) in pale grey, with the level thresholds; for a yes/no indicator, the share
    answering yes. None when nothing is highlighted or there are no years."""
    label = subject_label(fw, s, lang)
    title = t("indicators.trend_title", lang, subject=label)
    if s.kind == "indicator" and fw.indicator(s.key).is_yesno:
        years, series = yes_share_series(s, rows, lang)
        if not years:
            return None
        return charts.indicator_trend(years, series, [], title=title, unit=t("detail.trend.yes_share", lang))
    years, series = trend_series(fw, s, rows, highlight, lang)
    if not years or not series:
        return None
    shown = set(highlight)
    others = sorted({r.code for r in rows if r.code not in shown and subject_value(fw, s, r) is not None})
    _, context = trend_series(fw, s, rows, others, lang)
    context = {n: ys for n, ys in sorted(context.items()) if n not in series}
    fig = charts.indicator_trend(years, series, thresholds(fw, s, lang), title=title, unit=unit_label(fw, s, lang),
                                 context=context, context_label=t(f"indicators.trend_others_{kind}", lang))
    if s.kind == "dimension":  # a score: its whole scale, as every score chart shows it
        fig.update_yaxes(range=[0, fw.top_level + 0.3], dtick=1)
    return fig


def heatmap_rows(areas: Sequence[EntityRow], year: int, lang: str, *,
                 region: str | None = None) -> list[tuple[str, str, Mapping[str, float | None]]]:
    """(area code, name, dimension scores) of the areas with data in ``year``, best first."""
    this = sorted(for_year(filter_rows(areas, region=region), year),
                  key=lambda r: (-r.level, -r.overall_score, r.name_en))
    return [(r.code, r.name(lang), dict(r.dimension_scores)) for r in this]


