"""A ``chartdata.ChartData`` drawn on an fpdf2 page with its own primitives: bars, lines,
grid and axes as vectors, every label as text in the report's font, Thai shaped by HarfBuzz
like the rest of the report (see docs/design-notes.md)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

from fpdf import FPDF

from ecocity.io.export.chartdata import ChartData

PT = 0.3528  # mm per point
INK = (0x1F, 0x2A, 0x24)
MUTED = (0x6B, 0x7B, 0x72)
GRID = (0xE3, 0xE8, 0xE5)
AXIS = (0xB8, 0xC4, 0xBD)
MIN_SIZE = 5.5  # pt: the smallest a label shrinks to before it is shortened
FIGURE_PX = 960  # the figure's width in CSS px: outlines keep their share of it


def _rgb(colour: str) -> tuple[int, int, int]:
    h = colour.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def nice_ticks(lo: float, hi: float, count: int = 5, unit: float | None = None) -> list[float]:
    """Round tick values covering lo..hi (about ``count`` of them, or every ``unit``)."""
    if hi <= lo:
        hi = lo + 1
    if not unit or unit <= 0 or (hi - lo) / unit > 50:
        raw = (hi - lo) / max(count, 1)
        mag = 10 ** math.floor(math.log10(raw))
        unit = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    start = math.floor(lo / unit + 1e-9) * unit
    out, v = [], start
    while v <= hi + unit * 1e-6:
        out.append(round(v, 10))
        v += unit
    return out


def _tick_text(v: float, ticks: Sequence[float]) -> str:
    step = abs(ticks[1] - ticks[0]) if len(ticks) > 1 else 1.0
    digits = 0 if float(step).is_integer() else min(3, max(1, -math.floor(math.log10(step % 1 or step))))
    text = f"{abs(v):,.{digits}f}"
    return f"\u2212{text}" if v < 0 and float(text.replace(",", "")) else text


class _Painter:
    def __init__(self, pdf: FPDF, data: ChartData, family: str, size: float, clean: Callable[[str], str],
                 px: float):
        self.pdf, self.data, self.family, self.size, self.clean, self.px = pdf, data, family, size, clean, px

    # ------------------------------------------------------------------ text

    def font(self, size: float, colour: tuple[int, int, int] = INK) -> None:
        self.pdf.set_font(self.family, "", size)
        self.pdf.set_text_color(*colour)

    def width(self, text: str, size: float) -> float:
        """The shaped width (mm) of ``text``, measured once per text for the whole document
        (the same names and ticks recur in chart after chart)."""
        widths: dict[str, float] = self.pdf.__dict__.setdefault("_ecocity_chart_widths", {})
        per_pt = widths.get(text)
        if per_pt is None:
            self.pdf.set_font(self.family, "", 10)
            per_pt = widths[text] = self.pdf.get_string_width(self.clean(text)) / 10
        return per_pt * size

    def text(self, x: float, y: float, w: float, text: str, size: float, *, align: str = "L",
             colour: tuple[int, int, int] = INK) -> None:
        """``text`` in the box from (x, y) ``w`` wide, one line of ``size`` pt (top at y)."""
        pdf = self.pdf
        self.font(size, colour)
        margin = pdf.c_margin
        pdf.c_margin = 0
        pdf.set_xy(x, y)
        pdf.cell(w, size * PT * 1.25, self.clean(text), align=align)
        pdf.c_margin = margin

    def fitted(self, text: str, width: float, size: float) -> tuple[list[str], float]:
        """``text`` on one line, else two (at the space nearest its middle), at ``size`` or
        smaller down to MIN_SIZE; still too wide, shortened with an ellipsis."""
        candidates: list[list[str]] = [[text]]
        spaces = [i for i, c in enumerate(text) if c == " "]
        if spaces:
            cut = min(spaces, key=lambda i: abs(i - len(text) / 2))
            candidates.append([text[:cut], text[cut + 1:]])
        s = size
        while s >= MIN_SIZE:
            for lines in candidates:
                if all(self.width(line, s) <= width for line in lines):
                    return lines, s
            s -= 0.5
        s = MIN_SIZE
        short = text
        while short and self.width(short + "…", s) > width:
            short = short[:-1]
        return [short.rstrip() + "…"], s

    def rotated(self, cx: float, cy: float, text: str, size: float, colour=MUTED) -> None:
        """``text`` turned a quarter left (read bottom to top), centred on (cx, cy)."""
        w = self.width(text, size)
        with self.pdf.rotation(90, cx, cy):
            self.text(cx - w / 2, cy - size * PT * 0.62, w + 1, text, size, colour=colour)

    # ------------------------------------------------------------------ shapes

    def rect(self, x: float, y: float, w: float, h: float, fill: str, outline: str | None = None,
             width: float = 0.0) -> None:
        if w < 0:
            x, w = x + w, -w
        if h < 0:
            y, h = y + h, -h
        pdf = self.pdf
        pdf.set_fill_color(*_rgb(fill))
        if outline and width:
            pdf.set_draw_color(*_rgb(outline))
            pdf.set_line_width(width)
            pdf.rect(x, y, w, h, style="DF")
        else:
            pdf.rect(x, y, w, h, style="F")

    def line(self, x0: float, y0: float, x1: float, y1: float, colour: tuple[int, int, int], width: float) -> None:
        self.pdf.set_draw_color(*colour)
        self.pdf.set_line_width(width)
        self.pdf.line(x0, y0, x1, y1)

    # ------------------------------------------------------------------ the chart

    def value_range(self) -> tuple[float, float]:
        d = self.data
        if d.stacked:
            pos = [sum(max(s.values[i] or 0.0, 0.0) for s in d.series) for i in range(len(d.categories))]
            neg = [sum(min(s.values[i] or 0.0, 0.0) for s in d.series) for i in range(len(d.categories))]
            lo, hi = min([0.0, *neg]), max([0.0, *pos])
        else:
            vals = [v for s in d.series for v in s.values if v is not None]
            lo, hi = min([0.0, *vals]), max([0.0, *vals])
        if d.value_min is not None:
            lo = d.value_min
        if d.value_max is not None:
            hi = d.value_max
        return lo, hi

    def legend(self, x: float, y: float, w: float) -> float:
        """The series' names in a row (or more) at the top right; the height it took."""
        size = self.size - 0.5
        sw, row_h = size * PT * 0.9, size * PT * 1.6
        items = [(s, self.width(s.name, size)) for s in self.data.series]
        rows: list[list[tuple]] = [[]]
        used = 0.0
        for s, tw in items:
            item = sw + 1.2 + tw + 3.5
            if rows[-1] and used + item > w:
                rows.append([])
                used = 0.0
            rows[-1].append((s, tw))
            used += item
        for r, row in enumerate(rows):
            total = sum(sw + 1.2 + tw + 3.5 for _, tw in row) - 3.5
            cx = x + w - total
            cy = y + r * row_h
            for s, tw in row:
                colour = s.line or (max(zip(s.values, s.colours, strict=True), key=lambda p: abs(p[0] or 0.0))[1]
                                    if s.colours else "#636363")
                self.rect(cx, cy + (row_h - sw) / 2 - 0.3, sw, sw, colour,
                          s.outlines[0] if s.outlines else None, self.px * s.outline_width)
                self.text(cx + sw + 1.2, cy + (row_h - size * PT * 1.25) / 2 - 0.3, tw + 1, s.name, size)
                cx += sw + 1.2 + tw + 3.5
        return len(rows) * row_h + 1

    def draw(self, x: float, y: float, w: float, h: float) -> None:
        d = self.data
        size, small = self.size, self.size - 0.5
        top = y + (self.legend(x, y, w) if d.legend else 0.0)
        lo, hi = self.value_range()
        ticks = nice_ticks(lo, hi, 5, d.major_unit)
        ticks = [v for v in ticks if lo - 1e-9 <= v <= hi + 1e-9] or [lo, hi]
        if d.value_max is None and ticks[-1] < hi:
            hi = ticks[-1] + (ticks[1] - ticks[0] if len(ticks) > 1 else 1)
            ticks.append(hi)
        if d.value_min is None and ticks[0] > lo:
            lo = ticks[0] - (ticks[1] - ticks[0] if len(ticks) > 1 else 1)
            ticks.insert(0, lo)
        tick_texts = [_tick_text(v, ticks) for v in ticks]
        line_h = small * PT * 1.25
        n = max(len(d.categories), 1)
        if d.kind == "bar":
            self.draw_bars(x, top, w, y + h - top, lo, hi, ticks, tick_texts, n, size, small, line_h)
        else:
            self.draw_columns(x, top, w, y + h - top, lo, hi, ticks, tick_texts, n, size, small, line_h)

    def value_labels_width(self, size: float) -> float:
        d = self.data
        if not any(s.labels for s in d.series):
            return 0.0
        return max((self.width(d.label(v), size) for s in d.series if s.labels for v in s.values
                    if v is not None), default=0.0) + 1.2

    def draw_bars(self, x, y, w, h, lo, hi, ticks, tick_texts, n, size, small, line_h) -> None:
        """Horizontal bars: the names at the left, the values along the bottom."""
        d = self.data
        bottom = line_h + 1 + (small * PT * 1.5 if d.value_title else 0)
        band = (h - bottom) / n
        cat_size = max(MIN_SIZE, min(size, band / PT * 0.75))
        name_w = min(max(self.width(c, cat_size) for c in d.categories) + 1.5, w * 0.42)
        label_w = self.value_labels_width(cat_size - 0.5)
        px0 = x + name_w + (label_w if lo < 0 else 0)
        px1 = x + w - max(label_w if hi > 0 else 0, self.width(tick_texts[-1], small) / 2)
        py0, py1 = y, y + h - bottom

        def vx(v: float) -> float:
            return px0 + (v - lo) / (hi - lo) * (px1 - px0)

        for v, text in zip(ticks, tick_texts, strict=True):
            self.line(vx(v), py0, vx(v), py1, GRID, 0.2)
            tw = self.width(text, small)
            self.text(vx(v) - tw / 2, py1 + 0.8, tw + 0.5, text, small, colour=MUTED)
        if lo < 0 < hi:
            self.line(vx(0), py0, vx(0), py1, AXIS, 0.3)
        if d.value_title:
            self.text(px0, py1 + line_h + 1.2, px1 - px0, d.value_title, small, align="C", colour=MUTED)
        # Names too many for the height: every other one (or third...), as PowerPoint does;
        # values then only where a bar has room for one.
        every = max(1, math.ceil(MIN_SIZE * PT * 1.2 / band))
        values = band / (1 if d.stacked else max(len(d.series), 1)) >= MIN_SIZE * PT
        for i, cat in enumerate(d.categories):  # the first category at the bottom, as in the figure
            cy = py1 - (i + 0.5) * band
            if i % every == 0:
                lines, s = self.fitted(cat, name_w - 1.5, cat_size)
                lh = s * PT * 1.15
                for k, line in enumerate(lines):
                    self.text(x, cy - lh * len(lines) / 2 + k * lh - 0.2, name_w - 1.5, line, s, align="R")
            self.bars_of(i, cy, band, vx, horizontal=True, size=cat_size - 0.5, values=values)

    def bars_of(self, i: int, centre: float, band: float, pos: Callable[[float], float], *, horizontal: bool,
                size: float, values: bool = True) -> None:
        """Category ``i``'s bars across its band (centred on ``centre``)."""
        d = self.data
        group = band * (1 - d.gap)
        k = 1 if d.stacked else max(len(d.series), 1)
        thick = group / k
        base_pos, base_neg = 0.0, 0.0
        for j, s in enumerate(d.series):
            v = s.values[i]
            if v is None:
                continue
            if d.stacked:
                start = base_pos if v >= 0 else base_neg
                end = start + v
                if v >= 0:
                    base_pos = end
                else:
                    base_neg = end
                offset = -thick / 2
            else:
                start, end = 0.0, v
                offset = -group / 2 + j * thick
            a, b = pos(start), pos(end)
            outline = s.outlines[i] if s.outlines else None
            width = self.px * s.outline_width
            if horizontal:  # series upwards from the bottom of the group, as the figure draws them
                top = centre - offset - thick
                if v:
                    self.rect(a, top + width / 2, b - a, thick - width, s.colours[i], outline, width)
            else:
                left = centre + offset
                if v:
                    self.rect(left + width / 2, b, thick - width, a - b, s.colours[i], outline, width)
            if values and s.labels and not d.stacked and not (d.hide_zero and v == 0):
                text = d.label(v)
                tw = self.width(text, size)
                if horizontal:
                    tx = b + 0.8 if v >= 0 else b - 0.8 - tw
                    self.text(tx, top + thick / 2 - size * PT * 0.62, tw + 0.5, text, size)
                else:
                    ty = b - size * PT * 1.3 if v >= 0 else b + 0.3
                    self.text(left + thick / 2 - tw / 2 - 0.25, ty, tw + 0.5, text, size)

    def draw_columns(self, x, y, w, h, lo, hi, ticks, tick_texts, n, size, small, line_h) -> None:
        """Vertical bars or lines: the categories along the bottom, the values at the left."""
        d = self.data
        left = max(self.width(t, small) for t in tick_texts) + 1.5
        if d.value_title:
            left += small * PT * 1.6
        band = (w - left) / n
        cats = [self.fitted(c, band - 1, size) for c in d.categories]
        cat_size = min(s for _, s in cats)
        cats = [self.fitted(c, band - 1, cat_size) for c in d.categories]
        rows = max(len(lines) for lines, _ in cats)
        cat_lh = cat_size * PT * 1.2
        bottom = rows * cat_lh + 1.5 + (small * PT * 1.6 if d.category_title else 0)
        top_room = size * PT * 1.4 if any(s.labels for s in d.series) else line_h / 2
        px0, px1 = x + left, x + w
        py0, py1 = y + top_room, y + h - bottom

        def vy(v: float) -> float:
            return py1 - (v - lo) / (hi - lo) * (py1 - py0)

        for v, text in zip(ticks, tick_texts, strict=True):
            self.line(px0, vy(v), px1, vy(v), GRID, 0.2)
            tw = self.width(text, small)
            self.text(px0 - 1.2 - tw, vy(v) - line_h / 2, tw + 0.5, text, small, colour=MUTED)
        if lo < 0 < hi:
            self.line(px0, vy(0), px1, vy(0), AXIS, 0.3)
        if d.value_title:
            self.rotated(x + small * PT * 0.7, (py0 + py1) / 2, d.value_title, small)
        for i, (lines, _) in enumerate(cats):
            cx = px0 + (i + 0.5) * band
            for k, line in enumerate(lines):
                self.text(cx - band / 2, py1 + 1 + k * cat_lh, band, line, cat_size, align="C")
        if d.category_title:
            self.text(px0, py1 + 1.5 + rows * cat_lh, px1 - px0, d.category_title, small, align="C", colour=MUTED)
        if d.kind == "line":
            self.lines(px0, band, vy, size - 0.5)
            return
        for i in range(len(d.categories)):
            self.bars_of(i, px0 + (i + 0.5) * band, band, vy, horizontal=False, size=size - 0.5)

    def lines(self, px0: float, band: float, vy: Callable[[float], float], size: float) -> None:
        d, pdf = self.data, self.pdf
        for s in d.series:
            pts = [(px0 + (i + 0.5) * band, vy(v)) for i, v in enumerate(s.values) if v is not None]
            pdf.set_draw_color(*_rgb(s.line or s.colours[0]))
            pdf.set_line_width(0.5)
            if s.dash in ("dash", "dot", "dashdot", "longdash"):
                pdf.set_dash_pattern(dash=1.5 if s.dash != "dot" else 0.4, gap=1.0)
            if len(pts) > 1:
                pdf.polyline(pts)
            pdf.set_dash_pattern()
            pdf.set_draw_color(*INK)
            pdf.set_line_width(0.15)
            for (px, py), colour in zip(pts, [c for c, v in zip(s.colours, s.values, strict=True) if v is not None],
                                        strict=True):
                pdf.set_fill_color(*_rgb(colour))
                pdf.circle(px, py, 1.0, style="DF")
            if s.labels:
                for (px, py), v in zip(pts, [v for v in s.values if v is not None], strict=True):
                    text = d.label(v)
                    tw = self.width(text, size)
                    self.text(px - tw / 2, py - 1.4 - size * PT * 1.25, tw + 0.5, text, size)


def draw_chart(pdf: FPDF, data: ChartData, x: float, y: float, w: float, h: float, *, family: str,
               size: float = 8.5, clean: Callable[[str], str] = lambda s: s) -> None:
    """``data`` in the box (x, y, w, h) mm of the current page; text of ``size`` pt in
    ``family`` (a font added to ``pdf``), each label passed through ``clean`` first."""
    _Painter(pdf, data, family, size, clean, w / FIGURE_PX).draw(x, y, w, h)
