"""Plotly figure builders (pure: data in, figure out) and the one chart theme (level colours from
the framework). Clickable marks carry ``customdata = [kind, code]`` for ``ecocity.ui.routes``."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import cast

import plotly.graph_objects as go

from ecocity.core.forecast import Point
from ecocity.core.framework import Framework
from ecocity.core.geo import Province
from ecocity.i18n import t

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


def _fig(title: str, present: bool) -> go.Figure:
    fig = go.Figure()
    fig.update_layout(template=theme(present), title=title)
    return fig


def level_colours(fw: Framework) -> list[str]:
    return [lv.colour for lv in fw.levels]


def stepped_scale(colours: Sequence[str]) -> list[list[float | str]]:
    """A colour scale of solid steps over 0..top: a score in [L, L+1) takes level L's
    colour and only the top score the top colour. Blending greens into gold would paint a
    4.7 olive, a colour that belongs to no level."""
    top = len(colours) - 1
    scale: list[list[float | str]] = []
    for lv in range(top):
        scale += [[lv / top, colours[lv]], [(lv + 1) / top - 1e-9, colours[lv]]]
    return [*scale, [1.0, colours[top]]]


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
    names = [lv.name(lang) for lv in levels]
    colours = [lv.colour for lv in levels]
    # No legend: each bar's label says what it counts, which reads better on a projector.
    for kind, counts, opacity in (("area", areas, 1.0), ("estate", estates, 0.5)):
        vals = [counts.get(lv.number, 0) for lv in levels]
        fig.add_bar(y=names, x=vals, orientation="h", name=t(f"charts.{kind}s", lang), marker_color=colours,
                    marker_opacity=opacity, marker_line=dict(color=colours, width=1.5),
                    text=[t(f"charts.n_{kind}" if v == 1 else f"charts.n_{kind}s", lang, n=v) if v else ""
                          for v in vals], textposition="outside",
                    cliponaxis=False, customdata=[["level", str(lv.number)] for lv in levels],
                    hovertemplate="%{y}: %{text}<extra></extra>")
    fig.update_layout(barmode="group", bargap=0.25, showlegend=False)
    top = max([*areas.values(), *estates.values(), 1])
    fig.update_xaxes(title=t("charts.count", lang), range=[0, top * 1.25], dtick=1 if top < 10 else None)
    return fig


def level_distribution(fw: Framework, rows: Sequence[tuple[int, int, int]], lang: str,
                       *, present: bool = False) -> go.Figure:
    """Stacked bars: number of areas at each level per fiscal year. rows: (fy, level, count)."""
    fig = _fig(t("charts.distribution_title", lang), present)
    years = sorted({fy for fy, _, _ in rows})
    counts = {(fy, lv): n for fy, lv, n in rows}
    for lv in fw.levels:
        fig.add_bar(x=[str(y) for y in years], y=[counts.get((y, lv.number), 0) for y in years],
                    name=lv.name(lang), marker_color=lv.colour,
                    hovertemplate="%{x}: %{y}<extra>" + lv.name(lang) + "</extra>")
    fig.update_layout(barmode="stack")
    fig.update_xaxes(title=t("charts.fiscal_year", lang), type="category")
    fig.update_yaxes(title=t("charts.areas", lang))
    return fig


# ----------------------------------------------------------------------------- one entity


def dimension_compare(fw: Framework, this: Mapping[str, float], last: Mapping[str, float] | None,
                      lang: str, year: int, *, present: bool = False) -> go.Figure:
    """Dimension scores this fiscal year against last year (0-5)."""
    fig = _fig(t("charts.dimensions_title", lang), present)
    names = [d.name(lang) for d in fw.dimensions]
    if last:
        fig.add_bar(x=names, y=[last.get(d.key) for d in fw.dimensions], name=str(year - 1),
                    marker_color=LAST_YEAR, texttemplate="%{y:.1f}", textposition="outside")
    fig.add_bar(x=names, y=[this.get(d.key) for d in fw.dimensions], name=str(year),
                marker_color="#31A354", texttemplate="%{y:.1f}", textposition="outside")
    fig.update_yaxes(range=[0, 5.6], dtick=1, title=t("charts.score", lang))
    fig.update_layout(barmode="group")
    return fig


def history(fw: Framework, series: Sequence[Point], lang: str, *, present: bool = False) -> go.Figure:
    """Overall score per fiscal year, each point coloured by the level held that year."""
    fig = _fig(t("charts.history_title", lang), present)
    pts = sorted(series, key=lambda p: p.fiscal_year)
    for lv in fw.levels[1:]:  # faint bands: where each level's typical scores lie
        fig.add_hrect(y0=lv.number - 0.5, y1=lv.number + 0.5, fillcolor=lv.colour, opacity=0.08, line_width=0)
    names = [fw.level(p.level).name(lang) for p in pts]
    # A label where the level changes only: one per point overlaps on a narrow chart.
    labels = [n if i == 0 or p.level != pts[i - 1].level else "" for i, (p, n) in enumerate(zip(pts, names, strict=True))]
    fig.add_scatter(
        x=[str(p.fiscal_year) for p in pts], y=[p.overall_score for p in pts], mode="lines+markers+text",
        line=dict(color=MUTED, width=2),
        marker=dict(size=16 if present else 12, color=[fw.level(p.level).colour for p in pts],
                    line=dict(color=INK, width=1)),
        text=labels, hovertext=names, textposition="top center", cliponaxis=False,
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


def ranking(fw: Framework, rows: Sequence[Ranked], lang: str, *, title: str, value_label: str,
            present: bool = False, lower_is_better: bool = False) -> go.Figure:
    """Horizontal bars, best at the top (the highest value, or the lowest when
    ``lower_is_better``), coloured by level; click opens the entity."""
    fig = _fig(title, present)
    rows = [r for r in rows if r.value is not None]
    # plotly draws bottom-up
    rows = sorted(rows, key=lambda r: (-cast(float, r.value) if lower_is_better else r.value, r.name))  # None filtered out
    fig.add_bar(y=[r.name for r in rows], x=[r.value for r in rows], orientation="h",
                marker_color=[fw.level(r.level).colour for r in rows],
                customdata=[[r.kind, r.code] for r in rows], texttemplate="%{x:.1f}",
                textposition="auto", hovertemplate="%{y}: %{x:.2f}<extra></extra>")
    fig.update_xaxes(title=value_label)
    fig.update_layout(height=max(260, 34 * len(rows) + 90), showlegend=False)
    return fig


def heatmap(fw: Framework, rows: Sequence[tuple[str, str, Mapping[str, float | None]]], lang: str,
            *, present: bool = False) -> go.Figure:
    """Dimension scores across areas. rows: (area code, area name, {dimension: score})."""
    fig = _fig(t("charts.heatmap_title", lang), present)
    dims = [d.name(lang) for d in fw.dimensions]
    z = [[r[2].get(d.key) for d in fw.dimensions] for r in rows]
    colours = level_colours(fw)
    scale = stepped_scale(colours)
    fig.add_heatmap(z=z, x=dims, y=[r[1] for r in rows], zmin=0, zmax=fw.top_level, colorscale=scale,
                    texttemplate="%{z:.1f}", customdata=[[["area", r[0]]] * len(dims) for r in rows],
                    hoverinfo="skip", colorbar=dict(title=t("charts.score", lang)))
    # Streamlit reports no selection for a click on a heatmap cell (streamlit#8760), so an
    # invisible marker on every cell carries the click (customdata [kind, code]) and the hover.
    cells = [(r, d, name) for r in rows for d, name in zip(fw.dimensions, dims, strict=True)]
    invisible = dict(marker=dict(opacity=0))
    fig.add_scatter(x=[name for _, _, name in cells], y=[r[1] for r, _, _ in cells], mode="markers",
                    marker=dict(size=30, symbol="square", opacity=0, color=INK),
                    selected=invisible, unselected=invisible, showlegend=False,
                    customdata=[["area", r[0]] for r, _, _ in cells],
                    text=["–" if r[2].get(d.key) is None else f"{r[2][d.key]:.2f}" for r, d, _ in cells],
                    hovertemplate="%{y} · %{x}: %{text}<extra></extra>")
    fig.update_yaxes(autorange="reversed")
    fig.update_layout(height=max(260, 40 * len(rows) + 120))
    return fig


def indicator_trend(years: Sequence[int], series: Mapping[str, Sequence[float | None]],
                    thresholds: Sequence[tuple[str, float, str]], *, title: str, unit: str,
                    present: bool = False) -> go.Figure:
    """Values over fiscal years for one or more entities, with level thresholds as lines.

    Up to eight entities get eight distinct colour-blind-safe colours (Okabe-Ito); beyond
    that each colour comes back with another marker shape and a dashed line, so no two
    lines look alike. The legend sits under the plot, clear of a long Thai title."""
    fig = _fig(title, present)
    for i, (name, ys) in enumerate(series.items()):
        lap = i // len(SERIES_COLOURS)
        fig.add_scatter(x=[str(y) for y in years], y=list(ys), mode="lines+markers", name=name,
                        connectgaps=False,
                        line=dict(color=SERIES_COLOURS[i % len(SERIES_COLOURS)], width=2.5,
                                  dash=("solid", "dash", "dot")[lap % 3]),
                        marker=dict(size=8 if present else 7,
                                    symbol=("circle", "square", "diamond", "triangle-up")[lap % 4]))
    for label, value, colour in thresholds:
        fig.add_hline(y=value, line=dict(color=colour, dash="dot", width=2),
                      annotation_text=label, annotation_position="top left",
                      annotation_font=dict(color=MUTED))
    fig.update_xaxes(type="category")
    fig.update_yaxes(title=unit)
    fig.update_layout(legend=dict(orientation="h", x=0, xanchor="left", y=-0.15, yanchor="top"),
                      margin=dict(b=20))
    return fig


# ----------------------------------------------------------------------------- the map


@dataclass(frozen=True)
class Marker:
    kind: str  # "area" | "estate"
    code: str
    name: str
    lon: float
    lat: float
    level: int | None  # None: no data


def thailand_map(fw: Framework, provinces: Sequence[Province], province_levels: Mapping[str, int],
                 markers: Sequence[Marker], lang: str, *, title: str | None = None,
                 present: bool = False, height: int = 640) -> go.Figure:
    """Provinces coloured by level (no data: pale), with area and estate markers on top.

    Drawn on plain axes (no tiles, no CDN) so it works offline and exports identically.
    """
    fig = _fig(title or t("charts.map_title", lang), present)
    groups: dict[int | None, list[Province]] = {}
    for p in provinces:
        groups.setdefault(province_levels.get(p.pcode), []).append(p)
    for lv_num in [None, *[lv.number for lv in fw.levels]]:
        members = groups.get(lv_num, [])
        if not members:
            continue
        xs: list[float | None] = []
        ys: list[float | None] = []
        for p in members:
            for ring in p.rings:
                xs.extend(x for x, _ in ring)
                ys.extend(y for _, y in ring)
                xs.append(None)
                ys.append(None)
        colour = NO_DATA if lv_num is None else fw.level(lv_num).colour
        name = t("common.no_data", lang) if lv_num is None else fw.level(lv_num).name(lang)
        fig.add_scatter(x=xs, y=ys, fill="toself", fillcolor=colour, mode="lines",
                        line=dict(color="white", width=0.6), name=name, hoverinfo="skip",
                        showlegend=lv_num is not None)
    # Areas of neighbouring provinces sit close together in the east: keep their markers
    # small enough not to cover each other.
    for kind, size in (("estate", 7), ("area", 15)):
        ms = [m for m in markers if m.kind == kind]
        if not ms:
            continue
        fig.add_scatter(
            x=[m.lon for m in ms], y=[m.lat for m in ms], mode="markers",
            marker=dict(size=size * (1.4 if present else 1),
                        color=[NO_DATA if m.level is None else fw.level(m.level).colour for m in ms],
                        line=dict(color=INK, width=1.5 if kind == "area" else 0.8),
                        symbol="circle" if kind == "area" else "diamond"),
            customdata=[[m.kind, m.code] for m in ms],
            text=[f"{m.name}: " + (t("common.no_data", lang) if m.level is None else fw.level(m.level).name(lang))
                  for m in ms],
            hovertemplate="%{text}<extra></extra>", name=t(f"charts.{kind}s", lang), showlegend=False)
    # Equirectangular with the aspect corrected at Thailand's mid latitude (~13 N).
    fig.update_xaxes(visible=False, range=[97.2, 105.8])
    fig.update_yaxes(visible=False, range=[5.4, 20.6], scaleanchor="x",
                     scaleratio=1 / math.cos(math.radians(13)))
    fig.update_layout(height=height, legend=dict(orientation="v", x=0.98, y=0.02, xanchor="right",
                                                 yanchor="bottom", bgcolor="rgba(255,255,255,0.8)"),
                      dragmode="pan")
    return fig
