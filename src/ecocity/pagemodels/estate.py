"""What the Estate page shows (indicator lines, gap sentences, versions and their changes),
assembled from stored rows and version facts: pure, no Streamlit, no database."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ecocity.core.forecast import Forecast, Point, forecast_top_level
from ecocity.core.framework import Framework, Value
from ecocity.core.gap import gap_items
from ecocity.core.registry import AreaInfo, EstateInfo
from ecocity.core.rows import EntityRow
from ecocity.core.scoring import indicator_level
from ecocity.core.submission import FACTORIES
from ecocity.core.text import describe_gap_item, describe_reason, next_threshold_text, value_text
from ecocity.core.textsafe import neutralise_formula
from ecocity.i18n import fmt_datetime, fmt_number, t

# ----------------------------------------------------------------------------- values in words


def trend_value(value: Value) -> float | None:
    """A value as a point of a small trend line: yes = 1, no = 0."""
    if value is None:
        return None
    return 1.0 if value is True else 0.0 if value is False else float(value)


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
        raw_pts = [(r.fiscal_year, trend_value(r.values.get(ind.code))) for r in hist]
        pts = [(y, p) for y, p in raw_pts if p is not None]
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
                 areas: Sequence[EntityRow], year: int | None, lang: str,
                 this_year: int | None = None) -> EstateModel:
    own = sorted((r for r in estates if r.code == info.code), key=lambda r: r.fiscal_year)
    by_year = {r.fiscal_year: r for r in own}
    row = by_year.get(year) if year is not None else None
    last = by_year.get(year - 1) if year is not None else None
    upto = [r for r in own if year is None or r.fiscal_year <= year]
    area_row = next((r for r in areas if area is not None and r.code == area.code and r.fiscal_year == year), None)
    series = tuple(Point(r.fiscal_year, r.level, r.overall_score) for r in upto)
    return EstateModel(info=info, area=area, year=year, row=row, last=last, area_row=area_row, series=series,
                       years=tuple(by_year), lines=tuple(indicator_lines(fw, row, upto, lang)),
                       gap=tuple(gap_sentences(fw, row, lang)), forecast=forecast_top_level(fw, series, not_before=this_year))


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
    """How a version came to be: restored from an earlier version, or from a file: the sample
    data, a command-line import (its actor is "cli:NAME", ``access.system``) or an upload."""
    if v.restored_from_version is not None:
        return t("detail.versions.restored_from", lang, version=v.restored_from_version)
    if getattr(v, "is_sample", False):
        return t("detail.versions.sample", lang)
    if str(v.created_by or "").startswith("cli:"):
        return t("detail.versions.imported", lang)
    return t("detail.versions.uploaded", lang)


def version_rows(versions: Sequence[Any], lang: str, *, with_names: bool = True) -> list[dict[str, Any]]:
    """The versions (``store.VersionInfo``, newest first) as table rows. Text that came from
    users (the file name, who stored it) goes through ``neutralise_formula``: the table's
    toolbar exports CSV. ``with_names`` False leaves out who stored each version (an account
    name: not for viewers and anonymous visitors)."""
    c = {k: t(f"detail.versions.col_{k}", lang)
         for k in ("version", "current", "status", "when", "by", "file", "outcome")}
    rows = []
    for v in versions:
        row: dict[str, Any] = {c["version"]: v.version, c["current"]: "✓" if v.is_current else "",
                               c["status"]: t(f"review.status.{getattr(v, 'status', 'accepted')}", lang),
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


