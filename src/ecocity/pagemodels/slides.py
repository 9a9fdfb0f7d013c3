"""The slide sequence (``Deck``) of a seminar for one fiscal year and scope, built from live data
(pure: rows in, slides out); it feeds Presentation mode and every export (see docs/design-notes.md)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import Literal

import plotly.graph_objects as go

from ecocity.core.framework import Framework
from ecocity.core.geo import Province
from ecocity.core.plan import Change, shortest_path
from ecocity.core.registry import AreaInfo, RegistryOverview
from ecocity.core.rows import EntityRow
from ecocity.core.scoring import GapItem
from ecocity.core.targets import Target, TargetCheck, describe, status_label
from ecocity.core.text import describe_gap_item
from ecocity.i18n import bilingual, fmt_date, fmt_number, fy_label, region_label, t
from ecocity.pagemodels import charts
from ecocity.pagemodels import rows as d
from ecocity.pagemodels.area import area_model
from ecocity.pagemodels.overview import overview_model, share_text
from ecocity.pagemodels.targets import target_checks

ScopeKind = Literal["country", "region", "area"]
SlideKind = Literal["title", "ladder", "map", "movers", "area", "target", "summary"]

CHAMPION = 2  # Eco-Champion: the level the headline counts "at or above"
MAX_MOVERS = 6  # movers named on the slide in each direction (all of them in the notes)
MAX_GAP = 4  # gap sentences on an area's slide (all of them in the notes)


# ----------------------------------------------------------------------------- scope


@dataclass(frozen=True)
class Scope:
    """What a deck covers: the country, one region (as stored, "East") or one area (code)."""

    kind: ScopeKind = "country"
    value: str = ""

    @property
    def param(self) -> str:
        """The scope as a query parameter / CLI value: ``country``, ``region:East``, ``area:CODE``."""
        return "country" if self.kind == "country" else f"{self.kind}:{self.value}"

    @staticmethod
    def parse(raw: object, regions: Collection[str] = (), area_codes: Collection[str] = ()) -> Scope:
        """``"region:East"`` -> Scope("region", "East"), matched against what exists (regions
        case-insensitively); anything unknown or malformed is the whole country."""
        if not isinstance(raw, str) or ":" not in raw:
            return Scope()
        kind, _, value = raw.partition(":")
        value = value.strip()
        if kind == "region":
            match = {r.lower(): r for r in regions}.get(value.lower())
            return Scope("region", match) if match else Scope()
        if kind == "area":
            match = {c.lower(): c for c in area_codes}.get(value.lower())
            return Scope("area", match) if match else Scope()
        return Scope()


def scope_label(scope: Scope, registry: RegistryOverview, lang: str) -> str:
    """"ทั้งประเทศ", "ภาคตะวันออก", "พื้นที่ ระยอง - มาบตาพุด"."""
    if scope.kind == "region":
        return t("present.scope.region", lang, region=region_label(scope.value, lang))
    if scope.kind == "area":
        info = next((a for a in registry.areas if a.code == scope.value), None)
        return t("present.scope.area", lang, area=info.name(lang) if info else scope.value)
    return t("present.scope.country", lang)


# ----------------------------------------------------------------------------- slides


@dataclass(frozen=True)
class Slide:
    key: str  # unique in the deck: "title", "ladder", "map", "movers", "area:CODE", "target:CODE", "summary"
    kind: SlideKind
    title: str
    bullets: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()  # speaker notes: the numbers behind the slide
    subtitle: str = ""
    # charts.<builder> with everything but ``present`` bound; None: a text-only slide.
    chart: Callable[..., go.Figure] | None = field(default=None, compare=False, repr=False)

    def figure(self, present: bool = True) -> go.Figure | None:
        return None if self.chart is None else self.chart(present=present)


@dataclass(frozen=True)
class Deck:
    year: int
    scope: Scope
    scope_label: str
    lang: str
    data_date: date | None
    framework_version: str  # "eit-default@1": an id for files and logs, never shown to a reader
    default_set: bool
    slides: tuple[Slide, ...]
    framework: str = ""  # what a reader is shown: "Framework: Default indicator set, version 1"
    pending: bool = False  # built with data not yet reviewed (the reviewers' switch)

    @property
    def facts(self) -> tuple[str, ...]:
        """What every export states: fiscal year, scope, data date, the default set, and
        "Includes data not yet reviewed" when built with it."""
        out = [fy_label(self.year, self.lang), self.scope_label, data_date_text(self.data_date, self.lang)]
        if self.default_set:
            out.append(t("present.default_set", self.lang))
        if self.pending:
            out.append(t("pending.export", self.lang))
        return tuple(out)

    @property
    def footer(self) -> str:
        return " · ".join(self.facts)

    def index_of(self, key: str) -> int | None:
        return next((i for i, s in enumerate(self.slides) if s.key == key), None)


def data_date_text(d_: date | None, lang: str) -> str:
    if d_ is None:
        return t("present.data_date_none", lang)
    return t("present.data_date", lang, date=fmt_date(d_, lang))


# ----------------------------------------------------------------------------- building


def framework_text(fw: Framework, lang: str) -> str:
    """The framework by its name and version in words ("Framework: Default indicator set,
    version 1"), saying it is the default set when its name does not."""
    text = t("present.framework", lang, name=fw.name(lang), version=fw.version)
    default = t("present.default_set", lang)
    if fw.default_set and default.casefold() not in fw.name(lang).casefold():
        text = f"{text} · {default}"
    return text


def _num(x: float | None, lang: str) -> str:
    return fmt_number(x, lang, digits=1)


def _signed(x: float | None, lang: str) -> str | None:
    """+0.4, −0.1; None when the change rounds away (the caller says "unchanged" in words)."""
    if x is None:
        return "–"
    s = fmt_number(round(abs(x), 1), lang, digits=1)
    if s == "0":
        return None
    return f"+{s}" if x > 0 else f"−{s}"


def _scoped(fw: Framework, areas: Sequence[EntityRow], estates: Sequence[EntityRow],
            registry: RegistryOverview, scope: Scope) -> tuple[list[EntityRow], list[EntityRow],
                                                              RegistryOverview, str | None]:
    """The rows and registry inside ``scope``; the region to filter by (None: no filter)."""
    if scope.kind == "area":
        info = [a for a in registry.areas if a.code == scope.value]
        codes = {e.code for a in info for e in a.estates}
        return ([r for r in areas if r.code == scope.value],
                [r for r in estates if r.area_code == scope.value or r.code in codes],
                RegistryOverview(areas=tuple(info), unassigned=()), None)
    region = scope.value if scope.kind == "region" else None
    return list(areas), list(estates), registry, region


def build_deck(fw: Framework, areas: Sequence[EntityRow], estates: Sequence[EntityRow],
               registry: RegistryOverview, provinces: Sequence[Province], year: int, scope: Scope,
               lang: str, *, data_date: date | None = None, targets: Mapping[str, Target] | None = None,
               this_year: int | None = None, pending: bool = False) -> Deck:
    """Every slide of fiscal year ``year`` within ``scope``, in ``lang`` ("th" or "en"); an
    area with a target gets a slide of its target, status and shortest path (checked in
    fiscal year ``this_year``, default ``year``). ``pending``: the rows were read with data
    not yet reviewed (their names carry the mark); the title slide and every footer say so."""
    a_all, e_all, reg, region = _scoped(fw, areas, estates, registry, scope)
    ov = overview_model(fw, a_all, e_all, reg, provinces, year, lang, region=region, closest=3)
    in_region = d.filter_rows(a_all, region=region)
    e_in_region = d.filter_rows(e_all, region=region)
    this_a, last_a = d.for_year(in_region, year), d.for_year(in_region, year - 1)
    this_e, last_e = d.for_year(e_in_region, year), d.for_year(e_in_region, year - 1)
    moves = [m for m in d.movements(this_a, last_a) + d.movements(this_e, last_e) if m.change in ("up", "down")]
    label = scope_label(scope, registry, lang)
    reg_areas = [a for a in reg.areas if not region or a.region == region]

    slides = [
        _title_slide(fw, ov, year, label, lang, data_date, pending),
        _ladder_slide(fw, ov, lang),
        _map_slide(fw, ov, provinces, this_a, reg_areas, lang),
        _movers_slide(fw, moves, bool(last_a or last_e), lang),
    ]
    by_code = {r.code: r for r in this_a}
    def best_first(a: AreaInfo) -> tuple:  # the same order in every language
        r = by_code.get(a.code)
        return (0, -r.level, -r.overall_score, a.code) if r else (1, 0, 0.0, a.code)

    checks = target_checks(fw, targets or {}, a_all, this_year or year)
    for info in sorted(reg_areas, key=best_first):
        if info.code in by_code or scope.kind == "area":
            slides.append(_area_slide(fw, info, a_all, e_all, year, lang))
            if info.code in checks:  # status and plan from the area's latest year, as on its page
                latest = max((r for r in a_all if r.code == info.code), key=lambda r: r.fiscal_year, default=None)
                slides.append(_target_slide(fw, info, checks[info.code], latest, lang))
    slides.append(_summary_slide(fw, ov, moves, reg_areas, by_code, lang))
    return Deck(year=year, scope=scope, scope_label=label, lang=lang, data_date=data_date,
                framework_version=fw.version_id, default_set=fw.default_set, slides=tuple(slides),
                framework=framework_text(fw, lang), pending=pending)


def _level(fw: Framework, n: int | None, lang: str) -> str:
    return "–" if n is None else fw.level(n).name(lang)


def _counts_line(fw: Framework, counts: dict[int, int], unit: str, lang: str) -> str:
    parts = [f"{fw.level(lv.number).name(lang)} {counts.get(lv.number, 0)}" for lv in reversed(fw.levels)]
    return t("present.notes.counts", lang, unit=unit, counts=", ".join(parts))


def _title_slide(fw: Framework, ov, year: int, label: str, lang: str, data_date: date | None,
                 pending: bool = False) -> Slide:
    k = ov.kpis
    # The year and scope are the subtitle: said once, not again in the bullets.
    bullets = [data_date_text(data_date, lang), framework_text(fw, lang)]
    if pending:
        bullets.append(t("pending.export", lang))
    comp = share_text(k.completeness, lang)  # as the Overview page writes it
    notes = [t("present.notes.assessed", lang, areas=k.areas_assessed, areas_total=k.areas_total,
               estates=k.estates_submitted, estates_total=k.estates_total),
             t("present.notes.completeness", lang, share=comp)]
    return Slide("title", "title", t("present.title.deck", lang), tuple(bullets), tuple(notes),
                 subtitle=f"{label} · {fy_label(year, lang)}")


def _ladder_slide(fw: Framework, ov, lang: str) -> Slide:
    k = ov.kpis
    bullets = [t("present.ladder.at_target", lang, n=k.at_target, total=k.areas_assessed,
                 level=fw.level(CHAMPION).name(lang))]
    for lv in reversed(fw.levels):
        a, e = ov.area_counts.get(lv.number, 0), ov.estate_counts.get(lv.number, 0)
        if a or e:
            bullets.append(t("present.ladder.level", lang, level=lv.name(lang), areas=a, estates=e))
    notes = [_counts_line(fw, ov.area_counts, t("charts.areas", lang), lang),
             _counts_line(fw, ov.estate_counts, t("charts.estates", lang), lang),
             t("present.notes.assessed", lang, areas=k.areas_assessed, areas_total=k.areas_total,
               estates=k.estates_submitted, estates_total=k.estates_total)]
    chart = partial(charts.ladder, fw, dict(ov.area_counts), dict(ov.estate_counts), lang)
    return Slide("ladder", "ladder", t("present.title.ladder", lang), tuple(bullets), tuple(notes), chart=chart)


def _map_slide(fw: Framework, ov, provinces: Sequence[Province], this_a: Sequence[EntityRow],
               reg_areas: Sequence[AreaInfo], lang: str) -> Slide:
    by_region: dict[str, list[EntityRow]] = {}
    for r in this_a:
        by_region.setdefault(r.region, []).append(r)
    bullets = []
    for reg in sorted(by_region, key=lambda x: (-len(by_region[x]), x)):
        rows = by_region[reg]
        best = max(r.level for r in rows)
        bullets.append(t("present.map.region", lang, region=region_label(reg, lang), n=len(rows),
                         level=fw.level(best).name(lang)))
    if not bullets:
        bullets.append(t("present.no_data_year", lang))
    info = {a.code: a for a in reg_areas}
    notes = []
    for r in sorted(this_a, key=lambda r: (-r.level, -r.overall_score, r.name(lang))):
        a = info.get(r.code)
        prov = (bilingual(lang, a.province_th, a.province_en)) if a else ""
        notes.append(t("present.notes.area_line", lang, area=r.name(lang), province=prov,
                       level=fw.level(r.level).name(lang), score=_num(r.overall_score, lang)))
    chart = partial(charts.thailand_map, fw, tuple(provinces), dict(ov.province_levels), ov.markers, lang)
    return Slide("map", "map", t("present.title.map", lang), tuple(bullets), tuple(notes), chart=chart)


def _move_text(fw: Framework, m: d.Movement, lang: str) -> str:
    kind = t(f"present.kind.{m.row.kind}", lang)
    return t("present.movers.line", lang, name=m.row.name(lang), kind=kind,
             before=_level(fw, m.last_level, lang), after=_level(fw, m.row.level, lang))


def _movers_slide(fw: Framework, moves: Sequence[d.Movement], has_last: bool, lang: str) -> Slide:
    def order(m: d.Movement) -> tuple:
        return (-abs(m.level_delta), -abs(m.score_delta or 0.0), m.row.kind, m.row.name(lang))

    up = sorted((m for m in moves if m.change == "up"), key=order)
    down = sorted((m for m in moves if m.change == "down"), key=order)
    bullets: list[str] = []
    if not has_last:
        bullets.append(t("present.movers.no_last", lang))
    elif not moves:
        bullets.append(t("present.movers.none", lang))
    for head, group in (("present.movers.up", up), ("present.movers.down", down)):
        if not group:
            continue
        bullets.append(t(head, lang, n=len(group)))
        bullets.extend("  " + _move_text(fw, m, lang) for m in group[:MAX_MOVERS])
        if len(group) > MAX_MOVERS:
            bullets.append("  " + t("present.more", lang, n=len(group) - MAX_MOVERS))
    notes = [t("present.notes.movers", lang, up=len(up), down=len(down))]
    notes += [t("present.notes.mover", lang, line=_move_text(fw, m, lang),
                before=_num(m.last_score, lang), after=_num(m.row.overall_score, lang),
                delta=_signed(m.score_delta, lang) or t("present.unchanged", lang)) for m in up + down]
    chart = None
    if moves:
        ranked = tuple(charts.Ranked(m.row.kind, m.row.code, f"{'▲' if m.change == 'up' else '▼'} {m.row.name(lang)}",
                                     m.row.level, round(m.score_delta or 0.0, 2)) for m in up + down)
        chart = partial(charts.ranking, fw, ranked, lang, title=t("present.movers.chart", lang),
                        value_label=t("present.movers.axis", lang))
    return Slide("movers", "movers", t("present.title.movers", lang), tuple(bullets), tuple(notes), chart=chart)


def _area_slide(fw: Framework, info: AreaInfo, areas: Sequence[EntityRow], estates: Sequence[EntityRow],
                year: int, lang: str) -> Slide:
    m = area_model(fw, info, areas, estates, year)
    prov = bilingual(lang, info.province_th, info.province_en)
    subtitle = f"{prov} · {region_label(info.region, lang)}"
    key = f"area:{info.code}"
    if m.row is None:
        return Slide(key, "area", info.name(lang), (t("present.no_data_year", lang),), (), subtitle=subtitle)
    row, last = m.row, m.last
    title = t("present.title.area", lang, area=info.name(lang), level=fw.level(row.level).name(lang))
    bullets = [t("present.area.level", lang, level=fw.level(row.level).name(lang),
                 last=_level(fw, last.level, lang)) if last else
               t("present.area.level_first", lang, level=fw.level(row.level).name(lang))]
    if last:
        delta = _signed(row.overall_score - last.overall_score, lang)
        bullets.append(t("present.area.score", lang, score=_num(row.overall_score, lang), delta=delta) if delta
                       else t("present.area.score_same", lang, score=_num(row.overall_score, lang)))
    else:
        bullets.append(t("present.area.score_first", lang, score=_num(row.overall_score, lang)))
    bullets.append(t("present.area.estates", lang, n=len(m.estates), total=len(info.estates)))
    if row.level >= fw.top_level:
        bullets.append(t("gap.empty_top", lang))
    elif m.gap:
        bullets.append(t("present.area.needs", lang, level=fw.level(row.level + 1).name(lang), n=len(m.gap)))
        bullets.extend("  " + describe_gap_item(fw, g.item, lang) for g in m.gap[:MAX_GAP])
        if len(m.gap) > MAX_GAP:
            bullets.append("  " + t("present.more", lang, n=len(m.gap) - MAX_GAP))
    notes = [t("present.notes.score", lang, score=_num(row.overall_score, lang),
               completeness=share_text(row.completeness, lang))]
    for dim in fw.dimensions:
        now = row.dimension_scores.get(dim.key)
        before = last.dimension_scores.get(dim.key) if last else None
        notes.append(t("present.notes.dimension", lang, dimension=dim.name(lang), score=_num(now, lang),
                       last=_num(before, lang)))
    for g in m.gap:
        who = ", ".join(c.name(lang) for c in g.estates)
        line = describe_gap_item(fw, g.item, lang)
        notes.append(t("present.notes.gap_by", lang, line=line, estates=who) if who else
                     t("present.notes.gap", lang, line=line))
    chart = partial(charts.dimension_compare, fw, dict(row.dimension_scores),
                    dict(last.dimension_scores) if last else None, lang, year)
    return Slide(key, "area", title, tuple(bullets), tuple(notes), subtitle=subtitle, chart=chart)


def _target_slide(fw: Framework, info: AreaInfo, check: TargetCheck, row: EntityRow | None, lang: str) -> Slide:
    """The area's target: its status in words and the shortest path to it from this year."""
    level = fw.level(check.target.level).name(lang)
    title = t("present.title.target", lang, area=info.name(lang), target=t(
        "targets.target", lang, level=level, year=check.target.fiscal_year))
    bullets = [f"{status_label(check, lang)}: {describe(fw, check, lang)}"]
    notes: list[str] = []
    if row is not None and row.level < check.target.level:
        plan = shortest_path(fw, row.values, check.target.level)
        lines = [describe_gap_item(fw, _as_gap_item(fw, c, check.target.level), lang) for c in plan.changes]
        bullets.append(t("present.target.plan", lang, level=level, n=len(lines)))
        bullets.extend("  " + line for line in lines[:MAX_GAP])
        if len(lines) > MAX_GAP:
            bullets.append("  " + t("present.more", lang, n=len(lines) - MAX_GAP))
        notes.extend(lines)
    return Slide(f"target:{info.code}", "target", title, tuple(bullets), tuple(notes),
                 subtitle=region_label(info.region, lang))


def _as_gap_item(fw: Framework, change: Change, level: int) -> GapItem:
    """A planned change as the gap's sentence builder takes it."""
    ind = fw.indicator(change.code)
    return GapItem(change.code, ind.dimension, change.current, change.to,
                   "yes" if ind.is_yesno else ind.direction, "required" if change.reason == "required" else "dimension",
                   level)


def _summary_slide(fw: Framework, ov, moves: Sequence[d.Movement], reg_areas: Sequence[AreaInfo],
                   by_code: dict[str, EntityRow], lang: str) -> Slide:
    k = ov.kpis
    up = sum(1 for m in moves if m.change == "up")
    down = len(moves) - up
    bullets = [t("present.summary.assessed", lang, areas=k.areas_assessed, areas_total=k.areas_total,
                 estates=k.estates_submitted, estates_total=k.estates_total),
               t("present.ladder.at_target", lang, n=k.at_target, total=k.areas_assessed,
                 level=fw.level(CHAMPION).name(lang)),
               t("present.summary.moves", lang, up=up, down=down)]
    if ov.closest:
        names = ", ".join(f"{r.name(lang)} ({fw.level(r.level + 1).name(lang)})" for r in ov.closest)
        bullets.append(t("present.summary.closest", lang, names=names))
    silent = [a.name(lang) for a in reg_areas if a.code not in by_code]
    if silent:
        bullets.append(t("present.summary.no_data", lang, names=", ".join(silent)))
    notes = [_counts_line(fw, ov.area_counts, t("charts.areas", lang), lang)]
    for r in ov.closest:
        notes.append(t("present.notes.closest", lang, area=r.name(lang), n=len(r.gap),
                       level=fw.level(r.level + 1).name(lang)))
    chart = partial(charts.level_distribution, fw, tuple(ov.distribution), lang) if ov.distribution else None
    return Slide("summary", "summary", t("present.title.summary", lang), tuple(bullets), tuple(notes), chart=chart)


# ----------------------------------------------------------------------------- navigation


def slide_number(raw: object, total: int) -> int:
    """A 1-based slide number from a link (``?slide=3``), kept within 1..total (1 if unreadable)."""
    try:
        n = int(str(raw).strip())
    except (TypeError, ValueError):
        return 1
    return min(max(n, 1), max(total, 1))


def step(n: int, total: int, delta: int, *, wrap: bool = False) -> int:
    """The slide ``delta`` away from ``n`` (1-based): stops at the ends, or wraps around
    (auto-advance starts again from the title after the summary)."""
    if total <= 0:
        return 1
    if wrap:
        return (n - 1 + delta) % total + 1
    return min(max(n + delta, 1), total)
