"""Plotly figure builders (pure: data in, figure out) and the one chart theme (level colours from
the framework). Clickable marks carry ``customdata = [kind, code]`` for ``ecocity.ui.routes``."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import cast

import plotly.graph_objects as go

from ecocity.core.forecast import Point
from ecocity.core.framework import Framework
from ecocity.core.geo import Province
from ecocity.i18n import t
from ecocity.pagemodels import map as geo
from ecocity.pagemodels.map import Marker

# "noto-sans-thai" is the web font as registered in .streamlit/config.toml; "Noto Sans Thai" the
# same font installed for exports; Tahoma and Leelawadee UI are on Windows projectors.
FONT_FAMILY = "noto-sans-thai, Noto Sans Thai, Sarabun, Tahoma, Leelawadee UI, sans-serif"
INK = "#1F2A24"
MUTED = "#6B7B72"
GRID = "#E3E8E5"
NO_DATA = "#EEF1EF"
LAST_YEAR = "#B8C4BD"
# Lines of several entities: Okabe-Ito's colour-blind-safe set without its yellow (too pale
# on white and on a projector), then two neutrals.
SERIES_COLOURS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#999999")
CONTEXT = "#C9D2CD"  # the lines an indicator's trend shows behind the highlighted ones
# Plotly sets a bar's outside label 3 px from its end, which reads as touching: an en space
# (kept by SVG, unlike a plain space) puts clear room between the bar and its label.
GAP = "\u2002"
MINUS = "\u2212"  # the minus sign Plotly's axes use, also clear of a spreadsheet's formula start


def theme(present: bool = False) -> go.layout.Template:
    """The chart theme; ``present`` scales type up for a projector."""
    base = 22 if present else 15
    return go.layout.Template(layout=go.Layout(
        font=dict(family=FONT_FAMILY, size=base, color=INK),
        title=dict(font=dict(size=base + 4), x=0, xanchor="left"),
        paper_bgcolor="white", plot_bgcolor="white",
        margin=dict(l=10, r=10, t=50 if present else 40, b=10),
        xaxis=dict(gridcolor=GRID, zeroline=False, automargin=True),
        yaxis=dict(gridcolor=GRID, zeroline=False, automargin=True),
        legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1),
        hoverlabel=dict(font=dict(family=FONT_FAMILY, size=base)),
        colorway=["#31A354", "#E6A817", "#3182BD", "#756BB1", "#636363"],
    ))


def plain(text: object) -> str:
    """Text shown as it is in a chart: Plotly draws a subset of HTML (links, bold, line
    breaks) in every label, title, legend and hover, so names and notes typed by users have
    ``<``, ``>`` and ``&`` escaped (Plotly shows the entities as the characters)."""
    return html.escape(str(text), quote=False)


@lru_cache(maxsize=2)
def _theme(present: bool) -> go.layout.Template:
    """The theme, built once per size: a figure takes a copy of it."""
    return theme(present)


def _fig(title: str, present: bool) -> go.Figure:
    # The theme goes in with the layout: a bare go.Figure() first copies Plotly's default
    # template, then update_layout copies ours (two deep copies: two thirds of a bar chart's
    # build time, for the same figure).
    return go.Figure(layout={"template": _theme(present), "title": plain(title)})


def level_colours(fw: Framework) -> list[str]:
    return [lv.colour for lv in fw.levels]


def stepped_scale(colours: Sequence[str]) -> list[list[float | str]]:
    """A colour scale of equal solid steps, one per level, for values 0..top+1: a score in
    [L, L+1) takes level L's colour, the top score (5.0) the top colour. Blending greens
    into gold would paint a 4.7 olive, a colour that belongs to no level; and as the top
    colour gets a step as wide as the others, the colour bar shows it (over 0..top it
    would be a line too thin to see)."""
    steps = len(colours)
    scale: list[list[float | str]] = []
    for lv, colour in enumerate(colours):
        scale += [[lv / steps, colour], [(lv + 1) / steps - (1e-9 if lv < steps - 1 else 0), colour]]
    return scale


def _text_on(colour: str) -> str:
    """Black or white text, whichever reads better on ``colour`` (WCAG relative luminance)."""
    r, g, b = (int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5))
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    lum = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    return INK if lum > 0.35 else "white"


# ----------------------------------------------------------------------------- ladder


def ladder(fw: Framework, areas: Mapping[int, int], estates: Mapping[int, int], lang: str,
           *, title: str | None = None, present: bool = False) -> go.Figure:
    """How many areas and estates stand at each level, the top (Happiness) first."""
    fig = _fig(title or t("charts.ladder_title", lang), present)
    levels = list(fw.levels)  # horizontal bars draw the first category at the bottom
    names = [two_lines(lv.name(lang)) for lv in levels]  # narrow columns: the names take less room
    colours = [lv.colour for lv in levels]
    # No legend: each bar's label says what it counts, which reads better on a projector.
    for kind, counts, opacity in (("area", areas, 1.0), ("estate", estates, 0.5)):
        vals = [counts.get(lv.number, 0) for lv in levels]
        fig.add_bar(y=names, x=vals, orientation="h", name=t(f"charts.{kind}s", lang), marker_color=colours,
                    marker_opacity=opacity, marker_line=dict(color=colours, width=1.5),
                    text=[GAP + t(f"charts.n_{kind}", lang, n=v) if v else "" for v in vals],
                    textposition="outside",
                    cliponaxis=False, customdata=[["level", str(lv.number)] for lv in levels],
                    hovertemplate="%{y}: %{text}<extra></extra>")
    fig.update_layout(barmode="group", bargap=0.25, showlegend=False)
    top = max([*areas.values(), *estates.values(), 1])
    # The labels may run past the plot into a margin as wide as the longest ("10 estates"),
    # so they show however narrow the column.
    fig.update_xaxes(title=t("charts.count", lang), range=[0, top * 1.05], dtick=1 if top < 10 else None)
    fig.update_layout(margin=dict(r=label_width([str(x) for tr in fig.data for x in tr.text], present) + 10))
    return fig


def level_distribution(fw: Framework, rows: Sequence[tuple[int, int, int]], lang: str,
                       *, present: bool = False) -> go.Figure:
    """Stacked bars: number of areas at each level per fiscal year. rows: (fy, level, count)."""
    fig = _fig(t("charts.distribution_title", lang), present)
    years = sorted({fy for fy, _, _ in rows})
    counts = {(fy, lv): n for fy, lv, n in rows}
    for lv in fw.levels:
        fig.add_bar(x=[str(y) for y in years], y=[counts.get((y, lv.number), 0) for y in years],
                    name=plain(lv.name(lang)), marker_color=lv.colour,
                    hovertemplate="%{x}: %{y}<extra>%{fullData.name}</extra>")
    fig.update_layout(barmode="stack")
    fig.update_xaxes(title=t("charts.fiscal_year", lang), type="category")
    fig.update_yaxes(title=t("charts.areas", lang))
    return fig


# ----------------------------------------------------------------------------- one entity


def dimension_compare(fw: Framework, this: Mapping[str, float], last: Mapping[str, float] | None,
                      lang: str, year: int, *, present: bool = False) -> go.Figure:
    """Dimension scores this fiscal year against last year (0-5). Only this year's bars carry
    their number: two labels side by side run into each other on a half-width chart; last
    year's number is in its hover."""
    fig = _fig(t("charts.dimensions_title", lang), present)
    names = [plain(d.name(lang)) for d in fw.dimensions]
    if last:
        fig.add_bar(x=names, y=[last.get(d.key) for d in fw.dimensions], name=str(year - 1),
                    marker_color=LAST_YEAR, hovertemplate="%{x}: %{y:.1f}<extra>" + str(year - 1) + "</extra>")
    fig.add_bar(x=names, y=[this.get(d.key) for d in fw.dimensions], name=str(year),
                marker_color="#31A354", texttemplate="%{y:.1f}", textposition="outside", textangle=0,
                constraintext="none", cliponaxis=False,
                hovertemplate="%{x}: %{y:.1f}<extra>" + str(year) + "</extra>")
    # One update_layout, not update_yaxes: the axis search costs 3 ms a figure, and a whole
    # country's deck draws this chart for each of its 60 areas at 10x data.
    fig.update_layout(barmode="group", yaxis={"range": [0, 5.6], "dtick": 1, "title": t("charts.score", lang)})
    return fig


def label_positions(ys: Sequence[float], labelled: Sequence[bool], *, lean: bool) -> list[str]:
    """Where each point's label of a score line (0-5) goes, clear of its neighbours.

    A label spans about one point either side when centred, or the next three points when
    it runs right (left), which it does only with three points' room before the edge. Of
    the places above or below, centred or to a side, it takes the one where the fewest
    spanned points (and the line to them) rise or fall into the text, the nearer and the
    near-level ones weighing most (they run along the text); centred, then running right,
    and above, on a tie. With ``lean`` the first label runs right and the last left, so
    neither leaves the plot; a label never runs off the 0-5 scale or past the ends."""
    n = len(ys)
    out = []
    for i, (y, on) in enumerate(zip(ys, labelled, strict=True)):
        if lean and n > 1 and i in (0, n - 1):
            sides = ["right" if i == 0 else "left"]
        else:
            sides = ["center"] + (["left"] if i >= 3 else []) + (["right"] if i <= n - 4 else [])
        if not on:
            out.append(f"top {sides[0]}")
            continue
        best: tuple[float, str] | None = None
        for side in sides:
            spans = {"right": (i + 1, i + 2, i + 3), "left": (i - 1, i - 2, i - 3), "center": (i - 1, i + 1)}[side]
            for vertical in ("top", "bottom"):
                if (vertical == "bottom" and y < 0.6) or (vertical == "top" and y > 5.1):
                    continue
                # Centred first; else starting at its point (read from there), then ending at it.
                cost = {"center": 0.0, "right": 0.15, "left": 0.2}[side] + 0.01 * (vertical == "bottom")
                for j in spans:
                    d = ys[j] - y if 0 <= j < n else 0.0
                    if (d > 0.04 if vertical == "top" else d < -0.04):  # its marker reaches the text
                        cost += (0.2 + max(0.0, 1.0 - abs(d) / 1.5)) / abs(j - i)
                if best is None or cost < best[0]:
                    best = (cost, f"{vertical} {side}")
        out.append(best[1] if best else f"top {sides[0]}")
    return out


def history(fw: Framework, series: Sequence[Point], lang: str, *, present: bool = False,
            lean: bool = True) -> go.Figure:
    """Overall score per fiscal year, each point coloured by the level held that year; the
    level is named where it changes, placed by :func:`label_positions`."""
    fig = _fig(t("charts.history_title", lang), present)
    pts = sorted(series, key=lambda p: p.fiscal_year)
    for lv in fw.levels[1:]:  # faint bands: where each level's typical scores lie
        fig.add_hrect(y0=lv.number - 0.5, y1=lv.number + 0.5, fillcolor=lv.colour, opacity=0.08, line_width=0)
    names = [plain(fw.level(p.level).name(lang)) for p in pts]
    # A label where the level changes only: one per point overlaps on a narrow chart.
    labels = [n if i == 0 or p.level != pts[i - 1].level else "" for i, (p, n) in enumerate(zip(pts, names, strict=True))]
    fig.add_scatter(
        x=[str(p.fiscal_year) for p in pts], y=[p.overall_score for p in pts], mode="lines+markers+text",
        line=dict(color=MUTED, width=2),
        marker=dict(size=16 if present else 12, color=[fw.level(p.level).colour for p in pts],
                    line=dict(color=INK, width=1)),
        text=labels, hovertext=names, cliponaxis=False,
        textposition=label_positions([p.overall_score for p in pts], [bool(s) for s in labels], lean=lean),
        name=t("charts.score", lang), hovertemplate="%{x}: %{y:.2f} (%{hovertext})<extra></extra>")
    fig.update_yaxes(range=[0, 5.5], dtick=1, title=t("charts.score", lang))
    fig.update_xaxes(type="category", title=t("charts.fiscal_year", lang))
    fig.update_layout(showlegend=False)
    return fig


# ----------------------------------------------------------------------------- many entities


@dataclass(frozen=True)
class Ranked:
    kind: str  # "area" | "estate"
    code: str
    name: str
    level: int
    value: float | None  # score or indicator value


def two_lines(text: str, longer_than: int = 14) -> str:
    """``text`` broken at the space nearest its middle when longer than ``longer_than``
    characters ("Eco-World<br>Class"), so an axis of names takes less width."""
    spaces = [i for i, ch in enumerate(text) if ch == " "]
    if len(text) <= longer_than or not spaces:
        return plain(text)
    cut = min(spaces, key=lambda i: abs(i - len(text) / 2))
    return f"{plain(text[:cut])}<br>{plain(text[cut + 1:])}"


def label_width(labels: Sequence[str], present: bool = False) -> int:
    """About how wide (px) the longest of ``labels`` is drawn in the theme's type."""
    return int(max((len(s) for s in labels), default=0) * (22 if present else 15) * 0.6) + 8


def bar_label(value: float, digits: int = 1) -> str:
    """A bar's value label, clear of the bar's end: room after a positive bar, before a
    negative one (which grows to the left), with the minus sign."""
    text = f"{abs(value):,.{digits}f}"
    return f"{GAP}{text}" if value >= 0 else f"{MINUS}{text}{GAP}"


def ranking(fw: Framework, rows: Sequence[Ranked], lang: str, *, title: str, value_label: str,
            present: bool = False, lower_is_better: bool = False, digits: int = 1) -> go.Figure:
    """Horizontal bars, best at the top (the highest value, or the lowest when
    ``lower_is_better``), coloured by level; click opens the entity. Each value is written
    level, after its bar: inside a short bar Plotly would turn it on its side."""
    fig = _fig(title, present)
    rows = [r for r in rows if r.value is not None]
    # plotly draws bottom-up
    rows = sorted(rows, key=lambda r: (-cast(float, r.value) if lower_is_better else r.value, r.name))  # None filtered out
    values = [cast(float, r.value) for r in rows]
    fig.add_bar(y=[plain(r.name) for r in rows], x=values, orientation="h",
                marker_color=[fw.level(r.level).colour for r in rows],
                customdata=[[r.kind, r.code] for r in rows], text=[bar_label(v, digits) for v in values],
                textposition="outside", textangle=0, constraintext="none", cliponaxis=False,
                hovertemplate=f"%{{y}}: %{{x:,.{max(digits, 2)}f}}<extra></extra>")
    # Room for the labels outside the bars, however narrow the plot: at the right in the
    # margin (labels may leave the plot); at the left of bars below zero, where the names
    # are, on the axis, as wide as the longest label on a plot as narrow as a slide's half.
    lo, hi = min([0.0, *values]), max([0.0, *values])
    label_px = label_width([bar_label(v, digits) for v in values], present)
    pad = (hi - lo or 1.0) * min(label_px / max((240 if present else 300) - label_px, 1.0), 0.8)
    fig.update_xaxes(title=value_label, range=[lo - pad if lo < 0 else lo, hi * 1.03 if hi > 0 else hi])
    fig.update_layout(height=max(260, 34 * len(rows) + 90), showlegend=False, margin=dict(r=label_px + 10))
    return fig


def heatmap(fw: Framework, rows: Sequence[tuple[str, str, Mapping[str, float | None]]], lang: str,
            *, present: bool = False) -> go.Figure:
    """Dimension scores across areas. rows: (area code, area name, {dimension: score})."""
    fig = _fig(t("charts.heatmap_title", lang), present)
    dims = [plain(d.name(lang)) for d in fw.dimensions]
    z = [[r[2].get(d.key) for d in fw.dimensions] for r in rows]
    top = fw.top_level
    # One colour step per level over 0..top+1 (see stepped_scale); the colour bar names
    # each step at its middle: "0–1" ... "4–5", then "5" for the top colour.
    fig.add_heatmap(z=z, x=dims, y=[plain(r[1]) for r in rows], zmin=0, zmax=top + 1,
                    colorscale=stepped_scale(level_colours(fw)), texttemplate="%{z:.1f}",
                    customdata=[[["area", r[0]]] * len(dims) for r in rows], hoverinfo="skip",
                    colorbar=dict(title=t("charts.score", lang), tickvals=[lv + 0.5 for lv in range(top + 1)],
                                  ticktext=[f"{lv}–{lv + 1}" for lv in range(top)] + [str(top)],
                                  ticks="", outlinewidth=0))
    # Streamlit reports no selection for a click on a heatmap cell (streamlit#8760), so an
    # invisible marker on every cell carries the click (customdata [kind, code]) and the hover.
    cells = [(r, d, name) for r in rows for d, name in zip(fw.dimensions, dims, strict=True)]
    invisible = dict(marker=dict(opacity=0))
    fig.add_scatter(x=[name for _, _, name in cells], y=[plain(r[1]) for r, _, _ in cells], mode="markers",
                    marker=dict(size=30, symbol="square", opacity=0, color=INK),
                    selected=invisible, unselected=invisible, showlegend=False,
                    customdata=[["area", r[0]] for r, _, _ in cells],
                    text=["–" if r[2].get(d.key) is None else f"{r[2][d.key]:.2f}" for r, d, _ in cells],
                    hovertemplate="%{y} · %{x}: %{text}<extra></extra>")
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(height=max(260, 40 * len(rows) + 120))
    return fig


def spread(values: Sequence[float], gap: float) -> list[float]:
    """Heights for labels of ``values`` (in any order) at least ``gap`` apart: labels that
    would overlap are stacked, each stack centred on the mean of its values; in the order
    given."""
    clusters: list[tuple[list[int], float]] = []  # (indices lowest first, centre)
    for i in sorted(range(len(values)), key=lambda i: values[i]):
        clusters.append(([i], values[i]))
        while len(clusters) > 1:
            (a, ca), (b, cb) = clusters[-2], clusters[-1]
            if (cb - (len(b) - 1) * gap / 2) - (ca + (len(a) - 1) * gap / 2) >= gap:
                break
            merged = a + b
            clusters[-2:] = [(merged, sum(values[j] for j in merged) / len(merged))]
    out = [0.0] * len(values)
    for members, centre in clusters:
        for k, i in enumerate(members):
            out[i] = centre + (k - (len(members) - 1) / 2) * gap
    return out


def indicator_trend(years: Sequence[int], series: Mapping[str, Sequence[float | None]],
                    thresholds: Sequence[tuple[str, float, str]], *, title: str, unit: str,
                    present: bool = False, context: Mapping[str, Sequence[float | None]] | None = None,
                    context_label: str = "") -> go.Figure:
    """Values over fiscal years of the highlighted entities (``series``), drawn over the
    rest of the selection (``context``, thin pale lines), with the level thresholds as
    dotted lines in the level colours.

    Up to eight highlighted entities get eight distinct colour-blind-safe colours
    (Okabe-Ito); beyond that each colour comes back with another marker shape and a dashed
    line, so no two lines look alike. The thresholds are named in the right margin, clear
    of the data and of each other (see :func:`spread`). The legend sits under the plot,
    clear of a long Thai title; one entry, ``context_label``, stands for the pale lines."""
    fig = _fig(title, present)
    xs = [str(y) for y in years]
    for k, (name, ys) in enumerate((context or {}).items()):
        name = plain(name)
        fig.add_scatter(x=xs, y=list(ys), mode="lines", name=plain(context_label) if k == 0 and context_label
                        else name,
                        connectgaps=False, line=dict(color=CONTEXT, width=1.5), legendgroup="context",
                        showlegend=k == 0 and bool(context_label), legendrank=2000,
                        text=[name] * len(xs), hovertemplate="%{text}: %{y}<extra></extra>")
    for i, (name, ys) in enumerate(series.items()):
        lap = i // len(SERIES_COLOURS)
        fig.add_scatter(x=xs, y=list(ys), mode="lines+markers", name=plain(name), connectgaps=False,
                        line=dict(color=SERIES_COLOURS[i % len(SERIES_COLOURS)], width=3,
                                  dash=("solid", "dash", "dot")[lap % 3]),
                        marker=dict(size=9 if present else 8,
                                    symbol=("circle", "square", "diamond", "triangle-up")[lap % 4]))
    height, size = (600, 18) if present else (480, 13)
    values = [float(v) for group in (series, context or {}) for ys in group.values() for v in ys if v is not None]
    values += [v for _, v, _ in thresholds]
    lo, hi = (min(values), max(values)) if values else (0.0, 1.0)
    span = hi - lo or max(abs(hi), 1.0)
    lo = 0.0 if lo >= 0 else lo - 0.06 * span
    hi += 0.06 * span
    plot_px = height - 170  # what the title, the year axis and a legend row or two leave
    heights = spread([v for _, v, _ in thresholds], (hi - lo) * size * 1.35 / plot_px)
    for (label, value, colour), y in zip(thresholds, heights, strict=True):
        fig.add_hline(y=value, line=dict(color=colour, dash="dot", width=2))
        fig.add_annotation(x=1, xref="paper", xanchor="left", xshift=6, y=y, yref="y", yanchor="middle",
                           text=f'<span style="color:{colour}">━</span> {html.escape(label)}',
                           showarrow=False, font=dict(size=size, color=INK), align="left")
    longest = max((len(label) for label, _, _ in thresholds), default=0)
    fig.update_xaxes(type="category")
    fig.update_yaxes(title=unit, range=[lo, hi])
    fig.update_layout(height=height, legend=dict(orientation="h", x=0, xanchor="left", y=-0.15, yanchor="top"),
                      margin=dict(b=20, r=int((longest + 2) * size * 0.6) + 14 if thresholds else 10))
    return fig


# ----------------------------------------------------------------------------- the map


SYMBOL = {"area": "circle", "estate": "square"}


def _province_fills(fig: go.Figure, fw: Framework, provinces: Sequence[Province],
                    province_levels: Mapping[str, int], axis: str) -> None:
    groups: dict[int | None, list[Province]] = {}
    for p in provinces:
        groups.setdefault(province_levels.get(p.pcode), []).append(p)
    for lv_num in [None, *[lv.number for lv in fw.levels]]:
        xs: list[float | None] = []
        ys: list[float | None] = []
        for p in groups.get(lv_num, []):
            for ring in p.rings:
                xs += [*(x for x, _ in ring), None]
                ys += [*(y for _, y in ring), None]
        if xs:
            # Paler than the markers, which carry the same colours on top.
            fig.add_scatter(x=xs, y=ys, fill="toself", mode="lines", xaxis=f"x{axis}", yaxis=f"y{axis}",
                            fillcolor=NO_DATA if lv_num is None else fw.level(lv_num).colour,
                            opacity=1 if lv_num is None else 0.55, line=dict(color="white", width=0.6),
                            hoverinfo="skip", showlegend=False)


def _touches(p: Province, west: float, south: float, east: float, north: float) -> bool:
    return any(west <= x <= east and south <= y <= north for ring in p.rings for x, y in ring) or \
        any(min(x for x, _ in r) <= west and max(x for x, _ in r) >= east and min(y for _, y in r) <= south
            and max(y for _, y in r) >= north for r in p.rings)


def thailand_map(fw: Framework, provinces: Sequence[Province], province_levels: Mapping[str, int],
                 markers: Sequence[Marker], lang: str, *, title: str | None = None,
                 present: bool = False, size: tuple[int, int] | None = None) -> go.Figure:
    """Provinces coloured by level (no data: pale); areas (circles) and estates (squares) on
    top, each with its level's number, none covering another; where markers crowd, an
    enlarged panel beside the country (placement: ``pagemodels.map.layout``). ``size``
    (width, height) is the smallest the figure will be drawn at; by default the page's or,
    ``present``, the projector's.

    Drawn on plain axes (no tiles, no CDN) so it works offline and exports identically.
    """
    style = geo.PRESENT if present else geo.PAGE
    if size is not None:
        style = replace(style, width=size[0], height=size[1])
    fig = _fig(title or t("charts.map_title", lang), present)
    kinds = [k for k in ("area", "estate") if any(m.kind == k for m in markers)]
    shown = sorted({m.level for m in markers if m.level is not None} | set(province_levels.values()))
    entries = [(t(f"charts.{k}s", lang), SYMBOL[k], "white") for k in kinds]
    entries += [(t("charts.map_level", lang, n=n, name=plain(fw.level(n).name(lang))), "circle", fw.level(n).colour)
                for n in shown]
    if any(m.level is None for m in markers):
        entries.append((t("common.no_data", lang), "circle", NO_DATA))
    caption = t("charts.map_zoom", lang)
    cap_font = style.font - 2
    lay = geo.layout(markers, geo.bounds(provinces), style, legend=[e[0] for e in entries],
                     zoom_label=(geo.text_px(caption, cap_font) + 14, cap_font * 1.5 + 8))
    left, _, top, _ = style.margin
    pw, ph = style.plot
    axes: dict[str, dict] = {}
    for p, panel in enumerate(lay.panels):
        axis = "" if p == 0 else str(p + 1)
        (west, east), (south, north) = panel.lon_range, panel.lat_range
        # The enlarged panel may be drawn wider than planned (its range then grows east and west).
        wide = east - west
        _province_fills(fig, fw, [pv for pv in provinces if p == 0 or _touches(pv, west - wide, south, east + wide,
                                                                                   north)], province_levels, axis)
        here = [pl for pl in lay.placed if pl.panel == p]
        moved = [pl for pl in here if pl.moved]
        if moved:  # a thin line from a moved marker back to its true place, marked by a dot
            fig.add_scatter(x=[v for pl in moved for v in (pl.marker.lon, pl.lon, None)],
                            y=[v for pl in moved for v in (pl.marker.lat, pl.lat, None)], mode="lines",
                            line=dict(color=MUTED, width=1), xaxis=f"x{axis}", yaxis=f"y{axis}",
                            hoverinfo="skip", showlegend=False)
            fig.add_scatter(x=[pl.marker.lon for pl in moved], y=[pl.marker.lat for pl in moved], mode="markers",
                            marker=dict(size=4, color=INK), xaxis=f"x{axis}", yaxis=f"y{axis}",
                            hoverinfo="skip", showlegend=False)
        for kind in ("estate", "area"):  # areas drawn last, on top
            ms = [pl for pl in here if pl.marker.kind == kind]
            if not ms:
                continue
            colours = [NO_DATA if pl.marker.level is None else fw.level(pl.marker.level).colour for pl in ms]
            fig.add_scatter(
                x=[pl.lon for pl in ms], y=[pl.lat for pl in ms], mode="markers+text", xaxis=f"x{axis}",
                yaxis=f"y{axis}", cliponaxis=False,
                marker=dict(size=style.size(kind), color=colours, symbol=SYMBOL[kind], opacity=1,
                            line=dict(color=INK, width=1.6 if kind == "area" else 1)),
                # The level's number on the marker: levels told apart by more than a shade of green.
                text=["" if pl.marker.level is None else str(pl.marker.level) for pl in ms],
                textposition="middle center",
                textfont=dict(size=round(style.size(kind) * 0.55), color=[_text_on(c) for c in colours],
                              weight="bold"),
                customdata=[[pl.marker.kind, pl.marker.code] for pl in ms],
                hovertext=[plain(f"{pl.marker.name}: " + (t("common.no_data", lang) if pl.marker.level is None
                                                          else fw.level(pl.marker.level).name(lang))) for pl in ms],
                hovertemplate="%{hovertext}<extra></extra>", name=t(f"charts.{kind}s", lang), showlegend=False)
        x0, x1 = (panel.x0 - left) / pw, (panel.x0 + panel.w - left) / pw
        y0, y1 = 1 - (panel.y0 + panel.h - top) / ph, 1 - (panel.y0 - top) / ph
        axes[f"xaxis{axis}"] = dict(domain=[x0, x1], range=[west, east], anchor=f"y{axis}", visible=False,
                                    fixedrange=True, constrain="range" if p else "domain",
                                    constraintoward="center" if p else "right")
        axes[f"yaxis{axis}"] = dict(domain=[y0, y1], range=[south, north], anchor=f"x{axis}", visible=False,
                                    fixedrange=True, scaleanchor=f"x{axis}", scaleratio=panel.ratio,
                                    constrain="domain")
    shapes, notes = [], []
    zoom = lay.zoom
    if zoom is not None:  # the enlarged part framed on the country, and the enlarged panel framed alike
        (west, east), (south, north) = zoom.lon_range, zoom.lat_range
        frame = dict(type="rect", line=dict(color=INK, width=1.5), fillcolor="rgba(0,0,0,0)", layer="above")
        shapes += [dict(frame, xref="x", yref="y", x0=west, x1=east, y0=south, y1=north),
                   dict(frame, xref="x2 domain", yref="y2 domain", x0=0, x1=1, y0=0, y1=1)]
        notes.append(dict(text=caption, xref="x2 domain", yref="y2 domain", x=0, y=1, xanchor="left",
                          yanchor="top", showarrow=False, font=dict(size=cap_font, color=INK),
                          bgcolor="rgba(255,255,255,0.85)", borderpad=4))
    for lb in lay.labels:
        axis = "" if lb.panel == 0 else str(lb.panel + 1)
        # Centred dx, dy px from its marker; the line (no head) shows only when the name is not beside it.
        notes.append(dict(text="<br>".join(plain(line) for line in lb.lines), x=lb.lon, y=lb.lat, xref=f"x{axis}", yref=f"y{axis}",
                          ax=lb.dx, ay=lb.dy, showarrow=True, arrowhead=0, arrowwidth=1, arrowcolor=MUTED,
                          standoff=lb.radius, font=dict(size=style.font - 1, color=INK),
                          bgcolor="rgba(255,255,255,0.8)", borderpad=0))
    for name, symbol, colour in entries:  # the legend: one entry per kind and per level shown
        fig.add_scatter(x=[None], y=[None], mode="markers", name=name, hoverinfo="skip",
                        marker=dict(size=14, symbol=symbol, color=colour, line=dict(color=INK, width=1)))
    fig.update_layout(axes, height=style.height, margin=dict(zip(("l", "r", "t", "b"), style.margin, strict=True)),
                      legend=dict(orientation="h", x=0.5, xanchor="center", y=0, yanchor="bottom",
                                  font=dict(size=style.font), itemclick=False, itemdoubleclick=False)
                      if lay.legend == "below" else
                      dict(orientation="v", x=0, xanchor="left", y=0, yanchor="bottom", font=dict(size=style.font),
                           itemclick=False, itemdoubleclick=False),
                      shapes=shapes, annotations=notes, dragmode="pan", hoverdistance=8)
    return fig
