"""A ``chartdata.ChartData`` as a native PowerPoint chart: its numbers in the file (the chart's
own workbook), restyled by a presenter like any chart, in the level colours, its text in the
typefaces the caller sets (the deck's: Thai as the complex script; see docs/design-notes.md)."""

from __future__ import annotations

import copy
from collections.abc import Callable

from lxml import etree
from pptx.chart.chart import Chart
from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import (
    XL_CHART_TYPE,
    XL_LABEL_POSITION,
    XL_LEGEND_POSITION,
    XL_MARKER_STYLE,
    XL_TICK_LABEL_POSITION,
    XL_TICK_MARK,
)
from pptx.enum.dml import MSO_LINE_DASH_STYLE
from pptx.oxml.ns import qn
from pptx.util import Emu, Pt

from ecocity.io.export.chartdata import ChartData, Series

INK = RGBColor(0x1F, 0x2A, 0x24)
MUTED = RGBColor(0x6B, 0x7B, 0x72)
GRID = RGBColor(0xE3, 0xE8, 0xE5)
PX = 0.75  # pt per CSS px (an outline's width in the figure)
DASH = {"dash": MSO_LINE_DASH_STYLE.DASH, "dot": MSO_LINE_DASH_STYLE.ROUND_DOT,
        "dashdot": MSO_LINE_DASH_STYLE.DASH_DOT, "longdash": MSO_LINE_DASH_STYLE.LONG_DASH}

# (kind, stacked) -> PowerPoint's chart type
CHART_TYPE = {("bar", False): XL_CHART_TYPE.BAR_CLUSTERED, ("bar", True): XL_CHART_TYPE.BAR_STACKED,
              ("column", False): XL_CHART_TYPE.COLUMN_CLUSTERED, ("column", True): XL_CHART_TYPE.COLUMN_STACKED,
              ("line", False): XL_CHART_TYPE.LINE_MARKERS, ("line", True): XL_CHART_TYPE.LINE_MARKERS}

Fonts = Callable[[etree._Element], None]  # sets the typefaces (and language) of run properties


def number_format(digits: int, hide_zero: bool = False) -> str:
    """The Excel number format of a value label: thousands separated, ``digits`` decimals, the
    minus sign (U+2212) as the figure writes it; a zero written as nothing with ``hide_zero``."""
    base = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    return f'{base};"\u2212"{base}' + (";;" if hide_zero else "")


def _rgb(colour: str) -> RGBColor:
    return RGBColor.from_string(colour.lstrip("#").upper())


def _el(tag: str, parent: etree._Element | None = None, **attrs: str) -> etree._Element:
    el = etree.Element(qn(tag)) if parent is None else etree.SubElement(parent, qn(tag))
    for k, v in attrs.items():
        el.set(k, v)
    return el


def _solid(parent: etree._Element, colour: str) -> None:
    _el("a:srgbClr", _el("a:solidFill", parent), val=colour.lstrip("#").upper())


class _Style:
    """Text properties and fills of one chart, built once as XML and copied where they go
    (python-pptx's property setters cost more than the chart itself)."""

    def __init__(self, fonts: Fonts):
        self.fonts = fonts
        self._txpr: dict[tuple[float, str], etree._Element] = {}

    def text(self, holder, size: float, colour: RGBColor = INK) -> None:
        """Size, colour and typefaces of a chart part's text: its ``c:txPr`` (``holder``: an
        element with ``get_or_add_txPr``)."""
        key = (size, str(colour))
        if key not in self._txpr:
            body = etree.Element(qn("c:txPr"))
            _el("a:bodyPr", body)
            _el("a:lstStyle", body)
            rpr = _el("a:defRPr", _el("a:pPr", _el("a:p", body)), sz=str(int(round(size * 100))), b="0")
            _solid(rpr, str(colour))
            self.fonts(rpr)
            self._txpr[key] = body
        txpr = holder.get_or_add_txPr()
        txpr[:] = [copy.deepcopy(child) for child in self._txpr[key]]

    @staticmethod
    def shape(holder, fill: str | None, outline: str | None = None, width: float = 0.0) -> None:
        """The fill and outline (``c:spPr``) of a series or a point (``holder``)."""
        sp = holder.get_or_add_spPr()
        sp[:] = []
        if fill:
            _solid(sp, fill)
        ln = _el("a:ln", sp)
        if outline and width:
            ln.set("w", str(int(Pt(width * PX))))
            _solid(ln, outline)
        else:
            _el("a:noFill", ln)


def _no_frame(chart: Chart) -> None:
    """No fill and no border around the chart: it sits on the slide like the figure did."""
    space = chart._chartSpace
    sp = space.find(qn("c:spPr"))
    if sp is None:
        sp = etree.SubElement(space, qn("c:spPr"))
        space.find(qn("c:chart")).addnext(sp)
    sp.clear()
    etree.SubElement(sp, qn("a:noFill"))
    etree.SubElement(etree.SubElement(sp, qn("a:ln")), qn("a:noFill"))


def _style_bars(ser, s: Series) -> None:
    # The series' own colour (its legend entry's): that of its longest bar.
    top = max(range(len(s.colours)), key=lambda i: abs(s.values[i] or 0.0)) if s.colours else 0
    el = ser._element
    _Style.shape(el, s.colours[top] if s.colours else "#636363", s.outlines[top] if s.outlines else None,
                 s.outline_width)
    if s.uniform:
        return
    for i, colour in enumerate(s.colours):
        _Style.shape(el.get_or_add_dPt_for_point(i), colour, s.outlines[i] if s.outlines else None, s.outline_width)


def _style_line(ser, s: Series, size: float) -> None:
    line = ser.format.line
    line.color.rgb = _rgb(s.line or (s.colours[0] if s.colours else "#636363"))
    line.width = Pt(2.25)
    if s.dash in DASH:
        line.dash_style = DASH[s.dash]
    ser.smooth = False
    ser.marker.style = XL_MARKER_STYLE.CIRCLE
    ser.marker.size = max(5, round(size * 0.6))
    if s.uniform:
        ser.marker.format.fill.solid()
        ser.marker.format.fill.fore_color.rgb = _rgb(s.colours[0] if s.colours else s.line)
        ser.marker.format.line.color.rgb = INK
        return
    for i, colour in enumerate(s.colours):
        marker = ser.points[i].marker
        marker.format.fill.solid()
        marker.format.fill.fore_color.rgb = _rgb(colour)
        marker.format.line.color.rgb = INK


def _labels(ser, data: ChartData, style: _Style, size: float) -> None:
    dl = ser.data_labels
    dl.show_value = True
    dl.number_format = number_format(data.digits, data.hide_zero)
    dl.number_format_is_linked = False
    dl.position = (XL_LABEL_POSITION.CENTER if data.stacked else
                   XL_LABEL_POSITION.ABOVE if data.kind == "line" else XL_LABEL_POSITION.OUTSIDE_END)
    style.text(dl._element, size)


def _axis_title(axis, text: str, fonts: Fonts, size: float) -> None:
    if not text:
        axis.has_title = False
        return
    tf = axis.axis_title.text_frame
    tf.text = text
    for run in tf.paragraphs[0].runs:
        font = run.font
        font.size = Pt(size)
        font.bold = False
        font.color.rgb = MUTED
        fonts(font._rPr)


def label_size(data: ChartData, height_pt: float, base: float) -> float:
    """The size (pt) of category names and value labels: ``base``, smaller when many
    horizontal bars share the height (PowerPoint leaves out names that do not fit)."""
    if data.kind != "bar" or not data.categories:
        return base
    return max(7.0, min(base, _band(data, height_pt) * 0.8))


def _band(data: ChartData, height_pt: float) -> float:
    """The height (pt) of one category of horizontal bars."""
    return height_pt * 0.8 / max(len(data.categories), 1)


def values_fit(data: ChartData, height_pt: float) -> bool:
    """Whether value labels fit beside horizontal bars (else they would overlap: the axis
    and the file's numbers tell the values)."""
    return data.kind != "bar" or _band(data, height_pt) / (1 if data.stacked else len(data.series)) >= 7.0


def add_chart(shapes, data: ChartData, x: int, y: int, cx: int, cy: int, *, fonts: Fonts,
              size: float = 14) -> Chart:
    """``data`` as a chart in the box (EMU) on the slide of ``shapes``; ``size``: its text (pt)."""
    cd = CategoryChartData(number_format=number_format(data.digits))
    cd.categories = data.categories
    for s in data.series:
        cd.add_series(s.name or data.value_title or "-", s.values)
    frame = shapes.add_chart(CHART_TYPE[(data.kind, data.stacked)], Emu(x), Emu(y), Emu(cx), Emu(cy), cd)
    chart: Chart = frame.chart
    small = label_size(data, Emu(cy).pt, size)
    chart.has_title = False  # the slide's title says what it shows
    style = _Style(fonts)
    style.text(chart._chartSpace, size)
    _no_frame(chart)

    plot = chart.plots[0]
    plot.vary_by_categories = False
    if data.kind != "line":
        n = 1 if data.stacked else max(len(data.series), 1)
        plot.gap_width = max(10, min(500, round(data.gap * n / max(1 - data.gap, 0.05) * 100)))
        if not data.stacked:
            plot.overlap = 0
    for ser, s in zip(plot.series, data.series, strict=True):
        if data.kind == "line":
            _style_line(ser, s, size)
        else:
            _style_bars(ser, s)
        if s.labels and values_fit(data, Emu(cy).pt):
            _labels(ser, data, style, small)

    va = chart.value_axis
    va.has_major_gridlines = True
    grid = va.major_gridlines.format.line
    grid.color.rgb = GRID
    grid.width = Pt(0.75)
    va.format.line.fill.background()
    va.major_tick_mark = XL_TICK_MARK.NONE
    va.minimum_scale = data.value_min
    va.maximum_scale = data.value_max
    va.major_unit = data.major_unit
    ticks = va.tick_labels
    ticks.number_format = (number_format(0) if data.major_unit and float(data.major_unit).is_integer()
                           else "General")
    ticks.number_format_is_linked = False
    style.text(va._element, size - 2, MUTED)
    _axis_title(va, data.value_title, fonts, size - 2)

    ca = chart.category_axis
    ca.has_major_gridlines = False
    ca.major_tick_mark = XL_TICK_MARK.NONE
    ca.tick_label_position = XL_TICK_LABEL_POSITION.LOW  # beside the axis, clear of bars below zero
    ca.format.line.color.rgb = GRID
    style.text(ca._element, small)
    _axis_title(ca, data.category_title, fonts, size - 2)

    chart.has_legend = data.legend
    if data.legend:
        chart.legend.position = XL_LEGEND_POSITION.TOP
        chart.legend.include_in_layout = False
        style.text(chart.legend._element, size - 2)
    return chart
