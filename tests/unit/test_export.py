"""Exports of the slide sequence: PPTX (python-pptx reads it back), PDF (pypdf extracts its
text: Thai names and level names must come back exactly as written, no broken vowels or
tone marks), PNG through kaleido and the system Chromium (valid PNG of the expected size).

The PPTX and PDF structure tests use placeholder chart images (fast); the PNG tests and
tests/unit/test_export_cli.py drive the real Chromium. Without Chromium those skip, unless
ECOCITY_REQUIRE_BROWSER=1 (CI), where that is a failure.
"""

from __future__ import annotations

import html
import io
import os
import re
import shutil
import struct
from datetime import date

import pytest
from pptx import Presentation
from pptx.oxml.ns import qn
from pypdf import PdfReader
from test_slides import AREAS, ESTATES, FW, PROVINCES, REGISTRY

from ecocity.cli.export import png_targets
from ecocity.io.export.chartdata import hex_colour
from ecocity.io.export.pdf import deck_pdf, printable
from ecocity.io.export.pptx import FONT, counted_partnames, deck_pptx, fit_size, line_count, text_width
from ecocity.pagemodels.slides import Scope, build_deck

CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def deck(lang="th", scope=None):
    return build_deck(FW, AREAS, ESTATES, REGISTRY, PROVINCES, 2566, scope or Scope(), lang, data_date=date(2026, 11, 21))


def placeholder_png(w=960, h=700) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (w, h), (200, 230, 200)).save(buf, "PNG")
    return buf.getvalue()


def images(d):
    return {i: placeholder_png() for i, s in enumerate(d.slides) if s.chart is not None}


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


def squash(text: str) -> str:
    """Whitespace out: extractors break lines and space words their own way."""
    return re.sub(r"\s+", "", text)


def require_browser() -> None:
    if shutil.which("chromium") or os.environ.get("BROWSER_PATH"):
        return
    if os.environ.get("ECOCITY_REQUIRE_BROWSER") == "1":
        pytest.fail("Chromium is required for the PNG export (ECOCITY_REQUIRE_BROWSER=1)", pytrace=False)
    pytest.skip("no Chromium: the PNG export cannot run here")


# ----------------------------------------------------------------------------- PPTX


@pytest.fixture(scope="module")
def pptx_th():
    d = deck()
    return d, Presentation(io.BytesIO(deck_pptx(d, images=images(d))))


def test_pptx_has_one_16_9_slide_per_slide_with_the_titles_as_text(pptx_th):
    d, prs = pptx_th
    assert (prs.slide_width, prs.slide_height) == (12192912, 6858000) or \
        abs(prs.slide_width / prs.slide_height - 16 / 9) < 0.01
    assert len(prs.slides) == len(d.slides) == 7
    assert [sl.shapes.title.text for sl in prs.slides] == [s.title for s in d.slides]
    assert prs.slides[4].shapes.title.text == "ระยอง - มาบตาพุด: Eco-Excellence"


def test_pptx_text_is_real_text_with_latin_and_complex_script_fonts(pptx_th):
    d, prs = pptx_th
    runs = [r for sl in prs.slides for sh in sl.shapes if sh.has_text_frame
            for p in sh.text_frame.paragraphs for r in p.runs]
    assert runs
    for r in runs:
        rpr = r._r.find(qn("a:rPr"))
        assert rpr.find(qn("a:latin")).get("typeface") == FONT
        assert rpr.find(qn("a:cs")).get("typeface") == FONT, r.text  # Thai is a complex script
        assert rpr.get("lang") == "th-TH"
    text = "\n".join(r.text for r in runs)
    for s in d.slides:
        for b in s.bullets:
            assert b.strip() in text  # every bullet, as written
    assert "ปีงบประมาณ 2566 · ทั้งประเทศ · ข้อมูล ณ 21 พ.ย. 2569 · ชุดตัวชี้วัดเริ่มต้น" in text  # footer


def charts_of(slide) -> list:
    return [sh.chart for sh in slide.shapes if sh.has_chart]


def figure_series(fig) -> tuple[list[str], list[tuple[str, list]]]:
    """(categories, [(series name, values)]) of a slide's Plotly figure, its labels as read:
    Plotly's line breaks as spaces, the entities ``charts.plain`` wrote as characters."""
    def text(s):
        return html.unescape(re.sub(r"<br>", " ", str(s)))

    cats: list[str] = []
    series = []
    for tr in fig.data:
        c, v = (tr.y, tr.x) if tr.orientation == "h" else (tr.x, tr.y)
        cats += [text(x) for x in c if text(x) not in cats]
        series.append((text(tr.name or ""), list(v)))
    return cats, series


def test_pptx_charts_are_native_the_map_a_picture_and_notes_hold_the_numbers(pptx_th):
    d, prs = pptx_th
    pictures = [sum(1 for sh in sl.shapes if sh.shape_type == 13) for sl in prs.slides]
    assert pictures == [1 if s.kind == "map" else 0 for s in d.slides]
    assert [len(charts_of(sl)) for sl in prs.slides] == [1 if s.chart is not None and s.kind != "map" else 0
                                                          for s in d.slides]
    for sl, s in zip(prs.slides, d.slides, strict=True):
        notes = sl.notes_slide.notes_text_frame.text
        for n in s.notes:
            assert n in notes
        assert re.search(r"\d", notes)
        assert "กรอบการประเมิน: ชุดตัวชี้วัดเริ่มต้น ฉบับที่ 1" in notes
        assert "eit-default" not in notes  # the internal id is for files, not for people
    ladder = prs.slides[1].notes_slide.notes_text_frame.text
    assert "พื้นที่ในแต่ละระดับ: ความสุข (Happiness) 0, Eco-World Class 0, Eco-Excellence 2" in ladder


def test_pptx_charts_hold_the_slides_numbers_as_bars_stacked_bars_and_columns(pptx_th):
    from pptx.enum.chart import XL_CHART_TYPE

    d, prs = pptx_th
    types = {s.kind: charts_of(sl)[0].chart_type for sl, s in zip(prs.slides, d.slides, strict=True)
             if charts_of(sl)}
    assert types == {"ladder": XL_CHART_TYPE.BAR_CLUSTERED, "movers": XL_CHART_TYPE.BAR_CLUSTERED,
                     "area": XL_CHART_TYPE.COLUMN_CLUSTERED, "summary": XL_CHART_TYPE.COLUMN_STACKED}
    for sl, s in zip(prs.slides, d.slides, strict=True):
        if not charts_of(sl):
            continue
        chart = charts_of(sl)[0]
        cats, series = figure_series(s.figure(present=True))
        plot = chart.plots[0]
        assert list(plot.categories) == cats, s.key
        got = [list(ser.values) for ser in plot.series]
        assert got == [[None if v is None else float(v) for v in vals] for _, vals in series], s.key
        assert not chart.has_title  # the slide's title says it
    # the ladder: level names (no Plotly line break), areas and estates per level, in the level colours
    ladder = charts_of(prs.slides[1])[0]
    assert list(ladder.plots[0].categories) == [lv.name_th for lv in FW.levels]
    areas = ladder.plots[0].series[0]
    assert areas.name == "พื้นที่" and areas.values[[lv.name_th for lv in FW.levels].index("Eco-Excellence")] == 2
    fills = [areas.points[i].format.fill.fore_color.rgb for i in range(len(FW.levels))]
    assert [str(f) for f in fills] == [lv.colour.lstrip("#").upper() for lv in FW.levels]
    assert ladder.has_legend  # areas and estates told apart


def test_pptx_chart_text_is_thai_in_the_complex_script_typeface(pptx_th):
    from lxml import etree

    _, prs = pptx_th
    charts = [c for sl in prs.slides for c in charts_of(sl)]
    assert charts
    for chart in charts:
        root = etree.fromstring(chart.part.blob)
        props = root.findall(".//" + qn("a:defRPr")) + root.findall(".//" + qn("a:rPr"))
        assert root.find(qn("c:txPr")) is not None  # the chart's own text properties: all its text
        assert props
        for rpr in props:
            assert rpr.find(qn("a:cs")).get("typeface") == FONT
            assert rpr.find(qn("a:latin")).get("typeface") == FONT
            assert rpr.get("lang") == "th-TH"


def test_pptx_theme_fonts_cover_thai_for_text_typed_later(pptx_th):
    from lxml import etree
    from pptx.opc.constants import RELATIONSHIP_TYPE as RT

    _, prs = pptx_th
    theme = etree.fromstring(prs.slide_masters[0].part.part_related_by(RT.THEME).blob)
    for tag in ("a:majorFont", "a:minorFont"):
        font = theme.find(f".//{qn(tag)}")
        assert font.find(qn("a:cs")).get("typeface") == FONT


def _charts_and_notes(counted: bool) -> list[str]:
    """The part names of a small deck of three charted slides with notes."""
    from pptx.chart.data import CategoryChartData
    from pptx.enum.chart import XL_CHART_TYPE

    prs = Presentation()
    if counted:
        counted_partnames(prs.part.package)
    for n in range(3):
        slide = prs.slides.add_slide(prs.slide_layouts[5])
        data = CategoryChartData()
        data.categories = ["a", "b"]
        data.add_series("s", (1, n))
        slide.shapes.add_chart(XL_CHART_TYPE.COLUMN_CLUSTERED, 0, 0, 100, 100, data)
        slide.notes_slide.notes_text_frame.text = str(n)
    return sorted(str(p.partname) for p in prs.part.package.iter_parts())


def test_pptx_parts_are_named_as_python_pptx_names_them_without_its_search():
    names = _charts_and_notes(counted=True)
    assert names == _charts_and_notes(counted=False)
    assert "/ppt/charts/chart3.xml" in names and "/ppt/notesSlides/notesSlide3.xml" in names


def test_pptx_whole_deck_has_unique_part_names_and_reopens(pptx_th):
    d, _ = pptx_th
    import zipfile

    with zipfile.ZipFile(io.BytesIO(deck_pptx(d, images=images(d)))) as z:
        names = z.namelist()
    assert len(names) == len(set(names))
    charts = [n for n in names if re.fullmatch(r"ppt/charts/chart\d+\.xml", n)]
    assert sorted(charts, key=lambda n: int(re.sub(r"\D", "", n))) == [
        f"ppt/charts/chart{i}.xml" for i in range(1, len(charts) + 1)]


def test_pptx_in_english_states_the_default_set():
    d = deck("en")
    prs = Presentation(io.BytesIO(deck_pptx(d, images=images(d))))
    assert prs.slides[0].shapes.title.text == "Eco-industrial town progress"
    texts = "\n".join(sh.text_frame.text for sh in prs.slides[2].shapes if sh.has_text_frame)
    assert "FY 2566 (B.E.) · Whole country · Data as of 21 Nov 2026 · Default indicator set" in texts


@pytest.mark.parametrize("lang", ["th", "en"])
def test_pptx_title_slide_says_year_and_scope_once_and_the_framework_by_name(lang):
    d = deck(lang)
    prs = Presentation(io.BytesIO(deck_pptx(d, images=images(d))))
    text = "\n".join(sh.text_frame.text for sh in prs.slides[0].shapes if sh.has_text_frame)
    assert text.count(d.facts[0]) == 1 and text.count(d.scope_label) == 1, text  # fiscal year, scope
    assert d.framework in text and d.facts[2] in text  # the framework by name, the data date
    for hidden in ("eit-default", "ผู้ดูแลระบบ", "administrator"):
        assert hidden not in text


def test_fit_size_measures_with_the_fonts_widths_and_thai_marks_take_no_width():
    assert text_width("น้ำ", 10) == text_width("นำ", 10) > 0  # the tone mark sits on its base
    assert text_width("Happiness", 20) == 2 * text_width("Happiness", 10)
    assert text_width("Eco", 10, bold=True) > text_width("Eco", 10)
    assert line_count("สั้น", 100, 20) == 1
    assert line_count("สั้น " * 10, 100, 20) > 1  # broken at spaces
    assert line_count("ยาว" * 40, 100, 20) > 1  # a Thai run without spaces breaks anywhere
    assert fit_size(["สั้น"], 5, 4, (24, 20, 16)) == 24
    assert fit_size(["ยาวมาก " * 80] * 6, 5, 4, (24, 20, 16, 12)) == 12


# ----------------------------------------------------------------------------- PDF


@pytest.fixture(scope="module")
def pdf_th():
    d = deck()
    return d, PdfReader(io.BytesIO(deck_pdf(d, images=images(d))))


def test_pdf_thai_names_and_level_names_come_back_exactly(pdf_th):
    d, reader = pdf_th
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert not CONTROL.search(text), "a glyph without Unicode mapping"
    flat = squash(text)
    for name in ("ระยอง - มาบตาพุด", "ลำพูน", "สงขลา", "นิคม x"):
        assert squash(name) in flat, name
    for lv in FW.levels:  # ยังไม่ผ่านเกณฑ์, การมีส่วนร่วม, ความสุข (Happiness) ...
        assert squash(lv.name_th) in flat, lv.name_th
    for s in d.slides:  # every title and bullet, vowels and tone marks in order
        assert squash(printable(s.title)) in flat
        for b in s.bullets:
            assert squash(printable(b)) in flat, b


def test_pdf_every_page_has_its_number_the_data_date_and_the_framework(pdf_th):
    _, reader = pdf_th
    total = len(reader.pages)
    assert total >= 3
    for n, page in enumerate(reader.pages, start=1):
        flat = squash(page.extract_text())
        assert squash(f"หน้า {n} จาก {total}") in flat
        assert squash("ข้อมูล ณ 21 พ.ย. 2569") in flat
        assert squash("กรอบการประเมิน: ชุดตัวชี้วัดเริ่มต้น ฉบับที่ 1") in flat
        assert "eit-default" not in flat
        # the header of every page but the cover, which says it once in its body
        assert squash("ทั้งประเทศ · ปีงบประมาณ 2566" if n == 1 else "ปีงบประมาณ 2566 · ทั้งประเทศ") in flat


def test_pdf_embeds_the_thai_font_and_says_what_it_is(pdf_th):
    _, reader = pdf_th
    fonts = {str(f.get_object()["/BaseFont"]) for p in reader.pages
             for f in p["/Resources"]["/Font"].values()}
    assert any("NotoSansThai" in f for f in fonts)
    assert reader.metadata.title.startswith("ความก้าวหน้าเมืองอุตสาหกรรมเชิงนิเวศ")


def test_pdf_draws_its_charts_as_vectors_with_shaped_thai_and_only_the_map_as_a_picture():
    import pdfplumber

    d = deck()
    data = deck_pdf(d, images=images(d))
    texts = [p.extract_text() for p in PdfReader(io.BytesIO(data)).pages]  # pypdf keeps Thai marks in order
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        pages = [(text, p.rects, p.lines, p.images) for text, p in zip(texts, pdf.pages, strict=True)]
    # one picture, the map's, on the page of the map's section
    pictures = [(n, im) for n, (_, _, _, ims) in enumerate(pages) for im in ims]
    assert len(pictures) == 1
    assert squash(d.slides[d.index_of("map")].title) in squash(pages[pictures[0][0]][0])
    # the ladder's page: its bars (rectangles in the level colours) and its level names as text
    ladder = next(n for n, (text, *_) in enumerate(pages) if squash(d.slides[1].title) in squash(text))
    text, rects, lines, _ = pages[ladder]
    colours = {tuple(round(c * 255) for c in r["non_stroking_color"]) for r in rects
               if isinstance(r.get("non_stroking_color"), (tuple, list)) and len(r["non_stroking_color"]) == 3}
    def rgb(colour):
        return tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))

    # areas at Eco-Excellence in its colour; estates (drawn at half opacity) at Eco-Champion and Eco-Excellence
    excellence, champion = FW.level(3).colour, FW.level(2).colour
    assert {rgb(excellence), rgb(hex_colour(excellence, 0.5)), rgb(hex_colour(champion, 0.5))} <= colours
    assert len(lines) >= 3  # the grid
    for lv in FW.levels:
        assert squash(lv.name_th) in squash(text), lv.name_th  # the axis names it, shaped, as text
    assert not CONTROL.search(text)


def test_pdf_in_english_for_one_area():
    d = deck("en", Scope("area", "A"))
    reader = PdfReader(io.BytesIO(deck_pdf(d, images=images(d))))
    flat = squash("\n".join(p.extract_text() for p in reader.pages))
    for s in ("Rayong - Map Ta Phut: Eco-Excellence", "Area Rayong - Map Ta Phut", "FY 2566 (B.E.)",
              "Data as of 21 Nov 2026", "Framework: Default indicator set, version 1",
              f"Page 1 of {len(reader.pages)}"):
        assert squash(s) in flat, s


def test_characters_the_font_lacks_are_substituted():
    assert printable("26 → 25") == "26 » 25"
    assert printable("น้ำ ±") == "น้ำ +/-"


# ----------------------------------------------------------------------------- PNG


def test_png_targets_a_folder_or_numbered_files(tmp_path):
    assert png_targets(tmp_path, ["02-ladder.png"]) == [tmp_path / "02-ladder.png"]
    assert png_targets(tmp_path / "chart.png", ["02-ladder.png"]) == [tmp_path / "chart.png"]
    assert png_targets(tmp_path / "c.png", ["02-a.png", "03-b.png"]) == [tmp_path / "c-02-a.png",
                                                                         tmp_path / "c-03-b.png"]


def test_charts_render_as_png_at_presentation_size_in_one_session():
    require_browser()
    from ecocity.io.export.png import CHART_SIZE, SCALE, SLIDE_MAP, chart_png, deck_charts

    d = deck(scope=Scope("area", "A"))
    files = deck_charts(d)
    assert [f.name for f in files] == ["02-ladder.png", "03-map.png", "04-movers.png", "05-area-a.png",
                                       "06-summary.png"]
    sizes = {f.name: png_size(f.png) for f in files}
    assert sizes["02-ladder.png"] == (CHART_SIZE[0] * SCALE, CHART_SIZE[1] * SCALE)
    # the map keeps the size its markers were laid out for; the pixels come from the scale
    assert sizes["03-map.png"] == (round(SLIDE_MAP[0] * SCALE * 1.75), round(SLIDE_MAP[1] * SCALE * 1.75))
    one = chart_png(d.slides[1].figure(), " · ".join(d.facts), size=(800, 450), scale=1)
    assert png_size(one) == (800, 450)


def test_one_browser_session_makes_the_deck_the_report_and_the_charts_zip():
    require_browser()
    import zipfile

    from ecocity.io.export.bundle import bundle, file_stem

    d = deck("en", Scope("area", "A"))
    files = bundle(d)
    assert set(files) == {"pptx", "pdf", "png"}
    prs = Presentation(io.BytesIO(files["pptx"]))
    assert [s.shapes.title.text for s in prs.slides] == [s.title for s in d.slides]
    assert len(PdfReader(io.BytesIO(files["pdf"])).pages) >= 2
    names = zipfile.ZipFile(io.BytesIO(files["png"])).namelist()
    assert file_stem(d) == "ecocity-2566-area-a-en"
    assert names[0] == "ecocity-2566-area-a-en/02-ladder.png" and len(names) == 5


def test_the_browser_is_kept_for_the_next_export_and_closed_on_request():
    require_browser()
    from ecocity.io.export import png

    d = deck(scope=Scope("area", "A"))
    fig = d.slides[1].figure()
    png.chart_png(fig, "a", size=(400, 300), scale=1)
    started = png._BROWSER.starts
    png.chart_png(fig, "b", size=(400, 300), scale=1)  # the next export: no new browser
    assert png._BROWSER.starts == started
    png.close_browser()
    assert png_size(png.chart_png(fig, "c", size=(400, 300), scale=1)) == (400, 300)
    assert png._BROWSER.starts == started + 1  # a new one once closed
