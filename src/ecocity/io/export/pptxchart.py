"""A ``chartdata.ChartData`` as a native PowerPoint chart: its numbers in the file (the chart's
own workbook), restyled by a presenter like any chart, in the level colours, its text in the
typefaces the caller sets (the deck's: Thai as the complex script; see docs/design-notes.md)."""

from __future__ import annotations

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


def _text(font, fonts: Fonts, size: float, colour: RGBColor = INK) -> None:
    """Size, colour and typefaces of a chart part's text (its ``txPr``)."""
    font.size = Pt(size)
    font.color.rgb = colour
    fonts(font._rPr)


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


def _fill(fmt, colour: str) -> None:
    fmt.fill.solid()
    fmt.fill.fore_color.rgb = _rgb(colour)


def _outline(fmt, colour: str | None, width: float) -> None:
    if colour and width:
        fmt.line.color.rgb = _rgb(colour)
        fmt.line.width = Pt(width * PX)
    else:
        fmt.line.fill.background()


def _style_bars(ser, s: Series) -> None:
    if s.uniform:
        _fill(ser.format, s.colours[0] if s.colours else "#636363")
        _outline(ser.format, s.outlines[0] if s.outlines else None, s.outline_width)
        return
    # The series' own colour (its legend entry's): that of its longest bar.
    top = max(range(len(s.colours)), key=lambda i: abs(s.values[i] or 0.0)) if s.colours else 0
    _fill(ser.format, s.colours[top] if s.colours else "#636363")
    _outline(ser.format, s.outlines[top] if s.outlines else None, s.outline_width)
    points = ser.points
    for i, colour in enumerate(s.colours):
        fmt = points[i].format
        _fill(fmt, colour)
        _outline(fmt, s.outlines[i] if s.outlines else None, s.outline_width)


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
        _fill(ser.marker.format, s.colours[0] if s.colours else s.line)
        ser.marker.format.line.color.rgb = INK
        return
    for i, colour in enumerate(s.colours):
        marker = ser.points[i].marker
        _fill(marker.format, colour)
        marker.format.line.color.rgb = INK


def _labels(ser, data: ChartData, fonts: Fonts, size: float) -> None:
    dl = ser.data_labels
    dl.show_value = True
    dl.number_format = number_format(data.digits, data.hide_zero)
    dl.number_format_is_linked = False
    dl.position = (XL_LABEL_POSITION.CENTER if data.stacked else
                   XL_LABEL_POSITION.ABOVE if data.kind == "line" else XL_LABEL_POSITION.OUTSIDE_END)
    _text(dl.font, fonts, size)


def _axis_title(axis, text: str, fonts: Fonts, size: float) -> None:
    if not text:
        axis.has_title = False
        return
    tf = axis.axis_title.text_frame
    tf.text = text
    for run in tf.paragraphs[0].runs:
        _text(run.font, fonts, size, MUTED)
        run.font.bold = False


def label_size(data: ChartData, height_pt: float, base: float) -> float:
    """The size (pt) of category names and value labels: ``base``, smaller when many
    horizontal bars share the height (PowerPoint leaves out names that do not fit)."""
    if data.kind != "bar" or not data.categories:
        return base
    band = height_pt * 0.8 / len(data.categories)
    return max(7.0, min(base, band * 0.8))


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
    _text(chart.font, fonts, size)
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
        if s.labels:
            _labels(ser, data, fonts, small)

    va = chart.value_axis
    va.has_major_gridlines = True
    va.major_gridlines.format.line.color.rgb = GRID
    va.major_gridlines.format.line.width = Pt(0.75)
    va.format.line.fill.background()
    va.major_tick_mark = XL_TICK_MARK.NONE
    va.minimum_scale = data.value_min
    va.maximum_scale = data.value_max
    va.major_unit = data.major_unit
    ticks = va.tick_labels
    ticks.number_format = (number_format(0) if data.major_unit and float(data.major_unit).is_integer()
                           else "General")
    ticks.number_format_is_linked = False
    _text(ticks.font, fonts, size - 2, MUTED)
    _axis_title(va, data.value_title, fonts, size - 2)

    ca = chart.category_axis
    ca.has_major_gridlines = False
    ca.major_tick_mark = XL_TICK_MARK.NONE
    ca.tick_label_position = XL_TICK_LABEL_POSITION.LOW  # beside the axis, clear of bars below zero
    ca.format.line.color.rgb = GRID
    _text(ca.tick_labels.font, fonts, small)
    _axis_title(ca, data.category_title, fonts, size - 2)

    chart.has_legend = data.legend
    if data.legend:
        chart.legend.position = XL_LEGEND_POSITION.TOP
        chart.legend.include_in_layout = False
        _text(chart.legend.font, fonts, size - 2)
    return chart
