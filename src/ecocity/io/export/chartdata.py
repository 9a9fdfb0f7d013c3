"""A chart of ``pagemodels.charts`` (bars, lines) read back from its Plotly figure as plain data:
what the PPTX writes as a native chart and the PDF draws as vectors, with the figure's values and
level colours (docs/design-notes.md). The map gives None: it stays a picture."""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import plotly.graph_objects as go

ChartKind = Literal["bar", "column", "line"]  # bar: horizontal bars; column: vertical

_BREAK = re.compile(r"\s*<br\s*/?>\s*", re.IGNORECASE)
_TAG = re.compile(r"<[^>]+>")
_DIGITS = re.compile(r"\d(?:[\d,]*\d)?(?:\.(\d+))?")
_FORMAT = re.compile(r"%\{[xy](?::[^}]*?\.(\d+)f)?\}")
_SPACES = "\u2002\u2003\u2009\u00a0 "  # charts.GAP and other spacing around a label


def plain_text(text: object) -> str:
    """A chart label as a reader sees it: Plotly's line breaks as spaces, its markup out,
    the entities ``charts.plain`` wrote ("&amp;") as characters."""
    s = _TAG.sub("", _BREAK.sub(" ", str(text)))
    return html.unescape(s).strip(_SPACES)


@dataclass(frozen=True)
class Series:
    name: str
    values: tuple[float | None, ...]  # one per category (None: no value)
    colours: tuple[str, ...]  # fill per point, "#RRGGBB" (lines: the markers')
    outlines: tuple[str, ...] = ()  # outline per point; () for none
    outline_width: float = 0.0  # px, as Plotly draws it
    labels: bool = False  # the value written at each bar's end or point
    line: str = ""  # lines: the line's colour
    dash: str = "solid"  # lines: "solid", "dash", "dot"

    @property
    def uniform(self) -> bool:
        """One fill and one outline for every point."""
        return len(set(self.colours)) <= 1 and len(set(self.outlines)) <= 1


@dataclass(frozen=True)
class ChartData:
    kind: ChartKind
    stacked: bool
    categories: tuple[str, ...]
    series: tuple[Series, ...]
    value_title: str = ""
    category_title: str = ""
    value_min: float | None = None  # None: from the data
    value_max: float | None = None
    major_unit: float | None = None
    digits: int = 0  # decimals of the value labels
    hide_zero: bool = False  # a value of 0 gets no label (the figure writes none)
    gap: float = 0.2  # share of a category's room left between its bars

    @property
    def legend(self) -> bool:
        """A legend tells the series apart (the figure's own labels may have said it)."""
        return len(self.series) > 1

    def label(self, value: float) -> str:
        """A value label as the figure writes it: thousands separated, the minus sign."""
        text = f"{abs(value):,.{self.digits}f}"
        return f"\u2212{text}" if value < 0 and float(text.replace(",", "")) else text


# ----------------------------------------------------------------------------- colours


_NAMED = {"white": "#FFFFFF", "black": "#000000", "grey": "#808080", "gray": "#808080"}


def hex_colour(colour: object, opacity: float = 1.0, default: str = "#636363") -> str:
    """"#RRGGBB" of a Plotly colour ("#RGB", "#RRGGBB", "rgb(...)", "rgba(...)", a few
    names), its opacity (and an rgba alpha) blended over the white paper."""
    s = str(colour).strip().lower() if colour is not None else ""
    rgb: tuple[float, ...] | None = None
    alpha = 1.0
    if s.startswith("#") and len(s) in (4, 7):
        h = s[1:] if len(s) == 7 else "".join(c * 2 for c in s[1:])
        try:
            rgb = tuple(int(h[i:i + 2], 16) for i in (0, 2, 4))
        except ValueError:
            rgb = None
    elif s.startswith(("rgb(", "rgba(")):
        parts = [p.strip() for p in s[s.index("(") + 1:].rstrip(")").split(",")]
        try:
            rgb = tuple(float(p) for p in parts[:3])
            alpha = float(parts[3]) if len(parts) > 3 else 1.0
        except (ValueError, IndexError):
            rgb = None
    elif s in _NAMED:
        return hex_colour(_NAMED[s], opacity)
    if rgb is None or len(rgb) != 3:
        return hex_colour(default, opacity, "") if default else "#636363"
    a = max(0.0, min(1.0, opacity * alpha))
    out = [round(255 - (255 - c) * a) for c in rgb]
    return "#" + "".join(f"{max(0, min(255, c)):02X}" for c in out)


def _per_point(colour: object, n: int, opacity: float, default: str) -> tuple[str, ...]:
    if isinstance(colour, (list, tuple)):
        cs = [hex_colour(c, opacity, default) for c in colour]
        return tuple((cs[i] if i < len(cs) else default) for i in range(n))
    return (hex_colour(colour, opacity, default),) * n


# ----------------------------------------------------------------------------- reading


def _number(v: object) -> float | None:
    if v is None or isinstance(v, bool):
        return None
    try:
        f = float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return f if f == f else None  # NaN: no value


def _label_digits(tr: Any) -> tuple[bool, int, bool]:
    """(writes labels, their decimals, a zero gets none) of a trace."""
    template = tr.texttemplate if isinstance(tr.texttemplate, str) else ""
    if template:
        m = _FORMAT.search(template)
        return True, int(m.group(1)) if m and m.group(1) else 0, False
    texts = tr.text if isinstance(tr.text, (list, tuple)) else ([tr.text] if tr.text else [])
    shown = [plain_text(s) for s in texts if s is not None and plain_text(s)]
    if not shown:
        return False, 0, False
    m = _DIGITS.search(shown[0])
    digits = len(m.group(1)) if m and m.group(1) else 0
    values = tr.x if tr.orientation == "h" else tr.y
    hide = any(_number(v) == 0 and not plain_text(s or "")
               for v, s in zip(values or (), texts, strict=False))
    return True, digits, hide


def _colourway(fig: go.Figure) -> Sequence[str]:
    tpl = fig.layout.template
    way = (tpl.layout.colorway if tpl is not None and tpl.layout is not None else None) or fig.layout.colorway
    return tuple(way or ("#31A354", "#E6A817", "#3182BD", "#756BB1", "#636363"))


def chart_data(fig: go.Figure) -> ChartData | None:
    """The chart of ``fig`` as plain data; None for a figure that is not one chart of
    bars or of lines over shared categories (a map, a heatmap, filled areas)."""
    traces = [tr for tr in fig.data if tr.visible is not False]
    if not traces or any(tr.type not in ("bar", "scatter") for tr in traces):
        return None
    if len({tr.type for tr in traces}) > 1 or any((tr.xaxis or "x") != "x" or (tr.yaxis or "y") != "y"
                                                   for tr in traces):
        return None
    if traces[0].type == "scatter" and any(tr.fill not in (None, "none") or "lines" not in (tr.mode or "lines")
                                           for tr in traces):
        return None
    horizontal = traces[0].type == "bar" and traces[0].orientation == "h"
    if any((tr.orientation == "h") != horizontal for tr in traces):
        return None
    layout = fig.layout
    value_axis, category_axis = (layout.xaxis, layout.yaxis) if horizontal else (layout.yaxis, layout.xaxis)

    pairs = []
    for tr in traces:
        cats, vals = (tr.y, tr.x) if horizontal else (tr.x, tr.y)
        cats, vals = list(cats or ()), list(vals or ())
        if not cats or len(cats) != len(vals):
            return None
        pairs.append((tr, [plain_text(c) for c in cats], [_number(v) for v in vals]))
    categories: list[str] = []
    for _, cats, _ in pairs:
        categories += [c for c in cats if c not in categories]

    way = _colourway(fig)
    series, digits, hide = [], 0, False
    for i, (tr, cats, vals) in enumerate(pairs):
        by_cat = dict(zip(cats, vals, strict=True))
        order = {c: k for k, c in enumerate(cats)}
        default = way[i % len(way)]
        if tr.type == "bar":
            marker = tr.marker
            opacity = marker.opacity if isinstance(marker.opacity, (int, float)) else 1.0
            fills = _per_point(marker.color, len(cats), opacity, default)
            width = marker.line.width if isinstance(marker.line.width, (int, float)) else 0.0
            outlines = _per_point(marker.line.color, len(cats), 1.0, default) if width and marker.line.color else ()
            line, dash = "", "solid"
        else:
            line = hex_colour(tr.line.color, 1.0, default)
            fills = _per_point(tr.marker.color if tr.marker.color is not None else line, len(cats), 1.0, line)
            outlines, width, dash = (), 0.0, tr.line.dash or "solid"
        labels, d, h = _label_digits(tr)
        if labels:
            digits, hide = max(digits, d), hide or h
        series.append(Series(
            name=plain_text(tr.name or ""), values=tuple(by_cat.get(c) for c in categories),
            colours=tuple(fills[order[c]] if c in order else default for c in categories),
            outlines=tuple(outlines[order[c]] if c in order else default for c in categories) if outlines else (),
            outline_width=float(width) if outlines else 0.0, labels=labels, line=line, dash=dash))

    rng = value_axis.range if value_axis.range is not None else None
    dtick = _number(value_axis.dtick)
    lo = _number(rng[0]) if rng else None
    hi = _number(rng[1]) if rng else None
    # A range set to make room for the figure's own labels (not a round number) is left
    # to the chart; a range with its step (a score of 0-5) or starting at zero is kept.
    value_min = lo if lo is not None and (dtick or lo == 0) else None
    value_max = hi if hi is not None and dtick else None
    kind: ChartKind = "line" if traces[0].type == "scatter" else "bar" if horizontal else "column"
    gap = _number(layout.bargap)
    return ChartData(kind=kind, stacked=layout.barmode in ("stack", "relative") and kind != "line",
                     categories=tuple(categories), series=tuple(series),
                     value_title=plain_text(value_axis.title.text or ""),
                     category_title=plain_text(category_axis.title.text or ""),
                     value_min=value_min, value_max=value_max, major_unit=dtick, digits=digits, hide_zero=hide,
                     gap=gap if gap is not None else 0.2)
