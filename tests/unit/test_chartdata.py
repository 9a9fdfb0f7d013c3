"""Charts read back from their Plotly figures (``io.export.chartdata``) and drawn natively: a
PowerPoint chart (``pptxchart``) and vectors on a PDF page (``pdfchart``). No browser."""

from __future__ import annotations

import io

import pdfplumber
import pytest
from pptx import Presentation
from pptx.enum.chart import XL_CHART_TYPE
from pptx.util import Inches
from test_slides import FW, PROVINCES

from ecocity.core.forecast import Point
from ecocity.io.export.chartdata import chart_data, hex_colour, plain_text
from ecocity.io.export.pptxchart import add_chart, number_format
from ecocity.pagemodels import charts
from ecocity.pagemodels.map import Marker


def ranked(*rows):
    return tuple(charts.Ranked("area", f"C{i}", name, level, value) for i, (name, level, value) in enumerate(rows))


def test_names_come_back_as_written_without_plotlys_markup():
    fig = charts.ranking(FW, ranked(("R&D <Park> 1", 2, 1.5), ("Eco-World Class", 4, -0.25)), "en", title="t",
                         value_label="Score change")
    data = chart_data(fig)
    assert data is not None and data.kind == "bar" and not data.stacked
    assert set(data.categories) == {"R&D <Park> 1", "Eco-World Class"}
    assert data.value_title == "Score change" and data.digits == 1
    assert plain_text("Eco-World<br>Class") == "Eco-World Class"
    assert plain_text("\u20021.5") == "1.5"
    assert data.label(-0.25) == "\u22120.2" or data.label(-0.25) == "\u22120.3"  # rounded, the minus sign


def test_bars_keep_their_level_colours_and_the_estates_their_paler_shade():
    data = chart_data(charts.ladder(FW, {2: 3, 3: 1}, {2: 5}, "th"))
    assert data is not None and data.kind == "bar" and len(data.series) == 2
    assert data.categories == tuple(lv.name_th for lv in FW.levels)
    areas, estates = data.series
    assert areas.colours == tuple(lv.colour.upper() for lv in FW.levels)
    assert estates.colours[2] == hex_colour(FW.level(2).colour, 0.5)
    assert areas.values[2] == 3 and estates.values[2] == 5 and areas.values[0] == 0
    assert data.hide_zero  # the figure writes no label for a zero


def test_stacked_columns_and_lines_and_the_map_is_no_chart():
    dist = chart_data(charts.level_distribution(FW, [(2565, 2, 3), (2566, 3, 2)], "en"))
    assert dist is not None and dist.kind == "column" and dist.stacked
    assert dist.categories == ("2565", "2566") and len(dist.series) == len(FW.levels)
    hist = chart_data(charts.history(FW, [Point(2565, 2, 2.4), Point(2566, 3, 3.3)], "en"))
    assert hist is not None and hist.kind == "line" and hist.series[0].values == (2.4, 3.3)
    assert hist.series[0].colours == (FW.level(2).colour.upper(), FW.level(3).colour.upper())
    marker = Marker("area", "A", "ระยอง", 100.5, 13.5, 3)
    assert chart_data(charts.thailand_map(FW, PROVINCES, {"TH21": 3}, [marker], "th")) is None


def test_number_formats_write_the_minus_sign_and_hide_zeros_when_asked():
    assert number_format(1) == '#,##0.0;"\u2212"#,##0.0'
    assert number_format(0, hide_zero=True) == '#,##0;"\u2212"#,##0;;'


@pytest.mark.parametrize(("fig", "kind"), [
    (lambda: charts.level_distribution(FW, [(2565, 2, 3), (2566, 3, 2)], "en"), XL_CHART_TYPE.COLUMN_STACKED),
    (lambda: charts.history(FW, [Point(2565, 2, 2.4), Point(2566, 3, 3.3)], "en"), XL_CHART_TYPE.LINE_MARKERS),
    (lambda: charts.ladder(FW, {2: 3}, {2: 5}, "th"), XL_CHART_TYPE.BAR_CLUSTERED),
])
def test_every_kind_becomes_a_powerpoint_chart_of_its_type(fig, kind):
    data = chart_data(fig())
    prs = Presentation()
    slide = prs.slides.add_slide(prs.slide_layouts[6])
    chart = add_chart(slide.shapes, data, Inches(1), Inches(1), Inches(6), Inches(4), fonts=lambda rpr: None)
    assert chart.chart_type == kind
    assert list(chart.plots[0].categories) == list(data.categories)
    buf = io.BytesIO()
    prs.save(buf)
    back = Presentation(io.BytesIO(buf.getvalue()))
    assert [sh.has_chart for sh in back.slides[0].shapes] == [True]


def test_a_pdf_chart_is_drawn_as_rectangles_and_text():
    from fpdf import FPDF

    from ecocity.io.export.pdf import FAMILY, _font_file
    from ecocity.io.export.pdfchart import draw_chart

    pdf = FPDF(unit="mm")
    pdf.add_font(FAMILY, "", _font_file())
    pdf.set_text_shaping(True)
    pdf.add_page()
    data = chart_data(charts.ranking(FW, ranked(("ลำพูน", 2, 1.5), ("สงขลา", 3, -0.5)), "th", title="t",
                                     value_label="คะแนน"))
    draw_chart(pdf, data, 20, 20, 170, 100, family=FAMILY)
    with pdfplumber.open(io.BytesIO(bytes(pdf.output()))) as doc:
        page = doc.pages[0]
        assert len(page.rects) == 2 and page.lines  # the bars and the grid
        assert not page.images
        words = page.extract_text()
    for word in ("1.5", "\u22120.5"):
        assert word in words
