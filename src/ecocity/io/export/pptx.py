"""The slide sequence as an editable 16:9 PowerPoint deck: real text, native charts (the map a
picture), the numbers in the speaker notes and in the charts, Thai in the complex-script
typeface (see docs/design-notes.md)."""

from __future__ import annotations

import copy
import io
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

from lxml import etree
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.text import MSO_ANCHOR, MSO_AUTO_SIZE, PP_ALIGN
from pptx.opc.constants import RELATIONSHIP_TYPE as RT
from pptx.opc.package import OpcPackage
from pptx.opc.packuri import PackURI
from pptx.oxml.ns import qn
from pptx.util import Emu, Inches, Pt

from ecocity.io.export.chartdata import ChartData
from ecocity.io.export.png import SLIDE_CHART, SLIDE_MAP
from ecocity.io.export.pptxchart import add_chart
from ecocity.io.export.progress import Progress, Steps
from ecocity.io.export.slidecharts import DeckCharts, Pictures
from ecocity.pagemodels.slides import Deck, Slide

FONT = "Noto Sans Thai"  # the shipped font (fontpkg-noto-sans-thai), Thai and Latin
W, H = Inches(13.333), Inches(7.5)  # 16:9
MARGIN = Inches(0.6)
INK = RGBColor(0x1F, 0x2A, 0x24)
MUTED = RGBColor(0x6B, 0x7B, 0x72)
ACCENT = RGBColor(0x31, 0xA3, 0x54)
CHART_CSS, MAP_CSS = SLIDE_CHART, SLIDE_MAP  # rendered at SLIDE_SCALE: 2400 x 1750 px
LANG_TAG = {"th": "th-TH", "en": "en-US"}
CHART_TEXT = 14  # pt: a native chart's text (its tick labels and legend 2 pt smaller)
_TITLE_ONLY = 5  # the default template's "Title Only" layout
# Text boxes are fixed (no growing, no shrinking by the viewer): the text is fitted to them
# here, with the font's own widths. tests/unit/test_deck_render.py renders the deck with
# LibreOffice and checks that every line stays inside its box.
LINE_SPACING = 1.1  # of the font's line height
INSET_X = INSET_Y = 3.6  # pt: a text box's inner margins (0.05 in)
WRAP_SLACK = 0.92  # share of a line's width a wrap is counted against (dictionary breaks in Thai)


# ----------------------------------------------------------------------------- text


@lru_cache(maxsize=2)
def _metrics(bold: bool) -> tuple[dict[int, float], float]:
    """The shipped font's advance widths (em) by code point, regular or bold, and its line
    height (em): the text is fitted with the widths the slide is drawn with."""
    from fontTools.ttLib import TTFont
    from fontTools.varLib import instancer

    from ecocity.io.fonts import font_path

    font = TTFont(str(font_path()))
    if bold and "fvar" in font:
        font = instancer.instantiateVariableFont(font, {"wght": 700})
    upem = font["head"].unitsPerEm
    hmtx, os2, hhea = font["hmtx"].metrics, font["OS/2"], font["hhea"]
    widths = {cp: hmtx[glyph][0] / upem for cp, glyph in font.getBestCmap().items()}
    # Renderers take the line from hhea or from the OS/2 Windows metrics: the taller.
    line = max(hhea.ascent - hhea.descent + hhea.lineGap, os2.usWinAscent + os2.usWinDescent) / upem
    return widths, line


def text_width(text: str, size: float, bold: bool = False) -> float:
    """The width of ``text`` in points (Thai vowels above/below and tone marks take none)."""
    return size * _em(text, bold)


@lru_cache(maxsize=16384)
def _em(text: str, bold: bool) -> float:
    """The width of ``text`` in em, remembered: each word is measured at every size tried."""
    widths = _metrics(bold)[0]
    return sum(widths.get(ord(c), 0.6) for c in text)


def line_count(text: str, width: float, size: float, bold: bool = False) -> int:
    """How many lines ``text`` takes in ``width`` points: broken at spaces, and a run wider
    than the line (Thai writes no spaces between words) anywhere. Renderers break Thai at
    dictionary words, a little before the edge: ``width`` should keep that slack."""
    lines, x = 1, 0.0
    for word in re.findall(r"\S+\s*", text) or [""]:
        w = text_width(word.rstrip(), size, bold)
        if x and x + w > width:
            lines, x = lines + 1, 0.0
        for c in word if w > width else ():  # a run longer than a line
            cw = text_width(c, size, bold)
            if x and x + cw > width:
                lines, x = lines + 1, 0.0
            x += cw
        if w <= width:
            x += text_width(word, size, bold)
    return lines


@dataclass(frozen=True)
class Para:
    """A paragraph as the deck draws it: text, size (pt), left indent and space before (pt)."""

    text: str
    size: float
    indent: float = 0.0
    before: float = 0.0


def paragraphs(lines: Sequence[str], size: float, *, bullets: bool = True) -> list[Para]:
    """Bullet lines ("  " = one level down) as ``_paragraphs`` draws them at ``size`` (no
    space above the first: renderers differ on whether a box's first paragraph gets it)."""
    out = []
    for i, line in enumerate(lines):
        level = 1 if line.startswith("  ") else 0
        indent = (size * 1.1 if level == 0 else size * 2.4) if bullets else 0.0  # marL of _bullet
        before = size * (0.2 if level else 0.5) if i else 0.0
        out.append(Para(line.strip(), size - (2 if level else 0), indent, before))
    return out


def text_height(paras: Sequence[Para], width: float, *, bold: bool = False, spacing: float = LINE_SPACING) -> float:
    """The height (pt) of ``paras`` in a box ``width`` points wide (inside its insets)."""
    _, line = _metrics(bold)
    return sum(p.before + line_count(p.text, (width - p.indent) * WRAP_SLACK, p.size, bold) * p.size * line * spacing
               for p in paras)


def fit_size(lines: Sequence[str], width_in: float, height_in: float, sizes: Sequence[int], *,
             bullets: bool = True, bold: bool = False) -> int:
    """The largest size (pt) at which ``lines`` fit a text box of ``width_in`` x ``height_in``
    inches (its insets and the bullets' indents included); the smallest size otherwise."""
    width, height = width_in * 72 - 2 * INSET_X, height_in * 72 - 2 * INSET_Y
    for size in sizes:
        if text_height(paragraphs(lines, size, bullets=bullets), width, bold=bold) <= height:
            return size
    return sizes[-1]


def set_fonts(rpr: etree._Element, lang: str) -> None:
    """Latin, East Asian and complex-script (Thai) typefaces and the language of a run."""
    rpr.set("lang", LANG_TAG.get(lang, "th-TH"))
    for tag in ("a:latin", "a:ea", "a:cs"):
        old = rpr.find(qn(tag))
        if old is not None:
            rpr.remove(old)
    # Schema order: ... latin, ea, cs, sym, hlinkClick ...: insert before the first of those.
    after = next((rpr.find(qn(tag)) for tag in ("a:sym", "a:hlinkClick", "a:hlinkMouseOver", "a:rtl", "a:extLst")
                  if rpr.find(qn(tag)) is not None), None)
    for tag in ("a:latin", "a:ea", "a:cs"):
        el = etree.SubElement(rpr, qn(tag))
        el.set("typeface", FONT)
        if after is not None:
            after.addprevious(el)


@lru_cache(maxsize=64)
def _run_props(size: int, lang: str, bold: bool, colour: str) -> etree._Element:
    """A run's properties (size, weight, colour, typefaces, language), made once per kind and
    copied into each run: a deck has thousands of runs (the notes above all)."""
    rpr = etree.Element(qn("a:rPr"))
    rpr.set("sz", str(int(round(size * 100))))
    rpr.set("b", "1" if bold else "0")
    fill = etree.SubElement(rpr, qn("a:solidFill"))
    etree.SubElement(fill, qn("a:srgbClr")).set("val", colour)
    set_fonts(rpr, lang)
    return rpr


def _run(paragraph, text: str, size: int, lang: str, *, bold: bool = False, colour: RGBColor = INK) -> None:
    run = paragraph.add_run()
    run.text = text
    old = run._r.find(qn("a:rPr"))
    if old is not None:
        run._r.remove(old)
    run._r.insert(0, copy.deepcopy(_run_props(size, lang, bold, str(colour))))


def _bullet(paragraph, level: int, size: int) -> None:
    ppr = paragraph._p.get_or_add_pPr()
    indent = Pt(size * (1.1 if level == 0 else 1.0))
    ppr.set("marL", str(int(indent + Pt(size * 1.4) * level)))
    ppr.set("indent", str(-int(indent)))
    font = etree.SubElement(ppr, qn("a:buFont"))
    font.set("typeface", FONT)
    char = etree.SubElement(ppr, qn("a:buChar"))
    char.set("char", "•" if level == 0 else "–")


def _textbox(slide, left, top, width, height, *, anchor=MSO_ANCHOR.TOP):
    box = slide.shapes.add_textbox(left, top, width, height)
    tf = box.text_frame
    tf.word_wrap = True
    tf.auto_size = MSO_AUTO_SIZE.NONE  # the box is the layout: the text was fitted to it
    tf.vertical_anchor = anchor
    tf.margin_left = tf.margin_right = Pt(INSET_X)
    tf.margin_top = tf.margin_bottom = Pt(INSET_Y)
    return tf


def _paragraphs(tf, lines: Sequence[str], size: int, lang: str, *, bullets: bool = True,
                colour: RGBColor = INK, bold: bool = False) -> None:
    """The lines as paragraphs (``paragraphs`` measures them the same way)."""
    for i, (line, para) in enumerate(zip(lines, paragraphs(lines, size, bullets=bullets), strict=True)):
        p = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
        p.space_before = Pt(para.before)
        p.line_spacing = LINE_SPACING
        if bullets:
            _bullet(p, 1 if line.startswith("  ") else 0, size)
        _run(p, para.text, int(para.size), lang, colour=colour, bold=bold)


def _fitted(slide, left: int, top: int, width: int, height: int, lines: Sequence[str], sizes: Sequence[int],
            lang: str, *, bullets: bool = False, colour: RGBColor = INK, bold: bool = False,
            anchor=MSO_ANCHOR.TOP) -> None:
    """A text box holding ``lines`` at the largest of ``sizes`` that fits it."""
    tf = _textbox(slide, left, top, width, height, anchor=anchor)
    size = fit_size(lines, width / 914400, height / 914400, sizes, bullets=bullets, bold=bold)
    _paragraphs(tf, lines, size, lang, bullets=bullets, colour=colour, bold=bold)


TITLE_TOP, TITLE_HEIGHT = Inches(0.35), Inches(1.0)


def _title(slide, text: str, lang: str, *, size: int = 30, top: int = TITLE_TOP, height: int = TITLE_HEIGHT,
           align: PP_ALIGN = PP_ALIGN.LEFT) -> None:
    shape = slide.shapes.title
    shape.left, shape.top, shape.width, shape.height = MARGIN, top, W - 2 * MARGIN, height
    tf = shape.text_frame
    tf.word_wrap = True
    tf.auto_size = MSO_AUTO_SIZE.NONE
    tf.vertical_anchor = MSO_ANCHOR.BOTTOM
    tf.margin_left = tf.margin_right = Pt(INSET_X)
    tf.margin_top = tf.margin_bottom = Pt(INSET_Y)
    tf.text = ""
    p = tf.paragraphs[0]
    p.alignment = align
    p.line_spacing = LINE_SPACING
    size = fit_size([text], (W - 2 * MARGIN) / 914400, height / 914400, range(size, 15, -2), bullets=False,
                    bold=True)
    _run(p, text, size, lang, bold=True)


# ----------------------------------------------------------------------------- slides


def _footer(slide, deck: Deck, n: int, total: int) -> None:
    if n > 1:  # the title slide says the year, scope and data date in its body
        _fitted(slide, MARGIN, Inches(6.95), W - 2 * MARGIN - Inches(1.3), Inches(0.4), [deck.footer],
                (11, 10, 9), deck.lang, colour=MUTED, anchor=MSO_ANCHOR.MIDDLE)
    tf = _textbox(slide, W - MARGIN - Inches(1.2), Inches(6.95), Inches(1.2), Inches(0.4), anchor=MSO_ANCHOR.MIDDLE)
    tf.paragraphs[0].alignment = PP_ALIGN.RIGHT
    _run(tf.paragraphs[0], f"{n} / {total}", 11, deck.lang, colour=MUTED)
    line = slide.shapes.add_connector(1, MARGIN, Inches(6.9), W - MARGIN, Inches(6.9))
    line.line.color.rgb = RGBColor(0xE3, 0xE8, 0xE5)


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _notes(slide, s: Slide, deck: Deck) -> None:
    """The speaker notes: the numbers behind the slide, then the deck's facts. Written as XML
    at once (a deck's notes are thousands of lines), each run as ``_run`` makes it."""
    body = slide.notes_slide.notes_text_frame._txBody
    for p in body.findall(qn("a:p")):
        body.remove(p)
    rpr = _run_props(12, deck.lang, False, str(INK))
    for line in [*s.notes, "", *deck.facts, deck.framework]:
        p = etree.SubElement(body, qn("a:p"))
        r = etree.SubElement(p, qn("a:r"))
        r.append(copy.deepcopy(rpr))
        etree.SubElement(r, qn("a:t")).text = _NOT_XML.sub(" ", line)


def _title_slide(prs, s: Slide, deck: Deck) -> object:
    slide = prs.slides.add_slide(prs.slide_layouts[_TITLE_ONLY])
    band = slide.shapes.add_shape(1, 0, 0, W, Inches(0.25))
    band.fill.solid()
    band.fill.fore_color.rgb = ACCENT
    band.line.fill.background()
    _title(slide, s.title, deck.lang, size=40, top=Inches(1.6), height=Inches(1.5))
    # The scope and fiscal year once (the subtitle), then the data date and the framework.
    _fitted(slide, MARGIN, Inches(3.2), W - 2 * MARGIN, Inches(0.75), [s.subtitle], (24, 22, 20, 18), deck.lang,
            colour=ACCENT, bold=True)
    _fitted(slide, MARGIN, Inches(4.1), W - 2 * MARGIN, Inches(2.6), s.bullets, (20, 18, 16, 14), deck.lang,
            colour=MUTED)
    return slide


def _content_slide(prs, s: Slide, deck: Deck, chart: bool, kind: str) -> tuple[object, tuple[int, int, int, int]]:
    """The slide's title, subtitle and bullets; the box (left, top, width, height) its chart
    takes when ``chart`` (a ``kind`` "map" is a picture, narrower than a chart)."""
    slide = prs.slides.add_slide(prs.slide_layouts[_TITLE_ONLY])
    _title(slide, s.title, deck.lang)
    top = Inches(1.45)
    if s.subtitle:
        _fitted(slide, MARGIN, Inches(1.35), W - 2 * MARGIN, Inches(0.5), [s.subtitle], (16, 14, 12), deck.lang,
                colour=MUTED)
        top = Inches(1.85)
    bottom = Inches(6.8)
    text_w = (Inches(7.0) if kind == "map" else Inches(5.4)) if chart else W - 2 * MARGIN
    _fitted(slide, MARGIN, top, text_w, bottom - top, s.bullets, (24, 22, 20, 18, 16, 14, 12), deck.lang,
            bullets=True)
    box_l = MARGIN + text_w + Inches(0.3)
    return slide, (box_l, top, W - MARGIN - box_l, bottom - top)


def _picture(slide, image: bytes, kind: str, box: tuple[int, int, int, int]) -> None:
    """A chart's picture in ``box``, at its own proportions, centred across and at the top."""
    box_l, top, box_w, box_h = box
    css = MAP_CSS if kind == "map" else CHART_CSS
    scale = min(box_w / css[0], box_h / css[1])
    w, h = int(css[0] * scale), int(css[1] * scale)
    slide.shapes.add_picture(io.BytesIO(image), Emu(box_l + (box_w - w) // 2), Emu(top), Emu(w), Emu(h))


def _native(slide, data: ChartData, box: tuple[int, int, int, int], lang: str) -> None:
    add_chart(slide.shapes, data, *box, fonts=lambda rpr: set_fonts(rpr, lang), size=CHART_TEXT)


def _theme_fonts(prs, lang: str) -> None:
    """The theme's heading and body fonts: Latin and complex script (Thai) = FONT."""
    master = prs.slide_masters[0]
    theme = master.part.part_related_by(RT.THEME)
    root = etree.fromstring(theme.blob)
    for font in root.iter(qn("a:majorFont"), qn("a:minorFont")):
        for tag in ("a:latin", "a:cs"):
            el = font.find(qn(tag))
            if el is not None:
                el.set("typeface", FONT)
    theme._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def counted_partnames(package: OpcPackage) -> OpcPackage:
    """``package`` naming its new parts from a count kept per name pattern. python-pptx's
    own ``next_partname`` walks every part and relationship of the package for each new
    part (a chart adds two, a notes page one): quadratic in a deck's size, a fifth of a
    65-slide deck's time (python-pptx issue #644). A deck here only adds parts, so after
    one walk per pattern the next free number is the last one plus one; a pattern whose
    numbers have a gap keeps the package's own search."""
    search, last = package.next_partname, {}

    def next_partname(tmpl: str) -> PackURI:
        if tmpl not in last:
            prefix = tmpl[: (tmpl % 42).find("42")]
            names = {p.partname for p in package.iter_parts() if p.partname.startswith(prefix)}
            if names != {tmpl % n for n in range(1, len(names) + 1)}:
                return search(tmpl)
            last[tmpl] = len(names)
        last[tmpl] += 1
        return PackURI(tmpl % last[tmpl])

    package.next_partname = next_partname  # type: ignore[method-assign]
    return package


def deck_pptx(deck: Deck, *, images: Mapping[int, bytes] | Pictures | None = None,
              progress: Progress | None = None) -> bytes:
    """The deck as .pptx bytes: bars and lines as native charts, the map as a picture
    (rendered in the background while the slides are written, unless ``images`` gives it:
    slide index -> PNG, or ``Pictures`` being rendered). ``progress`` hears (share done, what is being done)."""
    step = Steps(progress, deck.lang)
    pictures = DeckCharts(deck, images)
    prs = Presentation()
    counted_partnames(prs.part.package)
    prs.slide_width, prs.slide_height = W, H
    _theme_fonts(prs, deck.lang)
    prs.core_properties.title = f"{deck.slides[0].title} · {deck.scope_label} · {deck.facts[0]}"
    prs.core_properties.language = LANG_TAG.get(deck.lang, "th-TH")
    prs.core_properties.subject = deck.footer
    total = len(deck.slides)
    waiting: list[tuple[int, object, tuple[int, int, int, int]]] = []  # pictures to place
    for n, s in enumerate(deck.slides):
        step(0.9 * n / total, "slides", n + 1, total)
        if s.kind == "title":
            slide = _title_slide(prs, s, deck)
        else:
            data = pictures.native(n)
            slide, box = _content_slide(prs, s, deck, s.chart is not None, s.kind)
            if data is not None:
                _native(slide, data, box, deck.lang)
            elif s.chart is not None:
                waiting.append((n, slide, box))
        _footer(slide, deck, n + 1, total)
        _notes(slide, s, deck)
    if waiting:
        step(0.9, "map")
    for n, slide, box in waiting:
        image = pictures.picture(n)
        if image:
            _picture(slide, image, deck.slides[n].kind, box)
    step(0.95, "saving")
    buf = io.BytesIO()
    prs.save(buf)
    step(1.0, "done")
    return buf.getvalue()
