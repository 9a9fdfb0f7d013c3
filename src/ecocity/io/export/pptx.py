"""The slide sequence as an editable 16:9 PowerPoint deck: real text, charts as PNG, the numbers
in the speaker notes, Thai in the complex-script typeface (see docs/design-notes.md)."""

from __future__ import annotations

import io
import math
import unicodedata
from collections.abc import Sequence

from lxml import etree
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.enum.text import MSO_ANCHOR, PP_ALIGN
from pptx.opc.constants import RELATIONSHIP_TYPE as RT
from pptx.oxml.ns import qn
from pptx.util import Emu, Inches, Pt

from ecocity.i18n import t
from ecocity.io.export.png import SLIDE_CHART, SLIDE_MAP, render_slides
from ecocity.pagemodels.slides import Deck, Slide

FONT = "Noto Sans Thai"  # the shipped font (fontpkg-noto-sans-thai), Thai and Latin
W, H = Inches(13.333), Inches(7.5)  # 16:9
MARGIN = Inches(0.6)
INK = RGBColor(0x1F, 0x2A, 0x24)
MUTED = RGBColor(0x6B, 0x7B, 0x72)
ACCENT = RGBColor(0x31, 0xA3, 0x54)
CHART_CSS, MAP_CSS = SLIDE_CHART, SLIDE_MAP  # rendered at SLIDE_SCALE: 2400 x 1750 px
LANG_TAG = {"th": "th-TH", "en": "en-US"}
_TITLE_ONLY = 5  # the default template's "Title Only" layout


# ----------------------------------------------------------------------------- text


def visible_len(text: str) -> int:
    """Characters that take width: Thai vowels above/below and tone marks sit on their base."""
    return sum(1 for c in text if unicodedata.category(c) not in ("Mn", "Me", "Cf"))


def fit_size(paragraphs: Sequence[str], width_in: float, height_in: float, sizes: Sequence[int],
             *, em: float = 0.5, leading: float = 1.45) -> int:
    """The largest font size (pt) at which the paragraphs, wrapped, fit the box (estimate:
    an average glyph ``em`` wide, lines ``leading`` high; Thai needs room above and below)."""
    for size in sizes:
        per_line = max(1, int(width_in * 72 / (size * em)))
        lines = sum(max(1, math.ceil(visible_len(p) / per_line)) for p in paragraphs)
        if lines * size * leading / 72 + 0.1 * len(paragraphs) * size / 72 <= height_in:
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


def _run(paragraph, text: str, size: int, lang: str, *, bold: bool = False, colour: RGBColor = INK) -> None:
    run = paragraph.add_run()
    run.text = text
    run.font.size = Pt(size)
    run.font.bold = bold
    run.font.color.rgb = colour
    set_fonts(run._r.get_or_add_rPr(), lang)


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
    tf.vertical_anchor = anchor
    tf.margin_left = tf.margin_right = Inches(0.05)
    return tf


def _paragraphs(tf, lines: Sequence[str], size: int, lang: str, *, bullets: bool = True,
                colour: RGBColor = INK) -> None:
    for i, line in enumerate(lines):
        p = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
        level = 1 if line.startswith("  ") else 0
        p.space_before = Pt(size * (0.2 if level else 0.5))
        p.line_spacing = 1.1
        if bullets:
            _bullet(p, level, size)
        _run(p, line.strip(), size - (2 if level else 0), lang, colour=colour)


TITLE_TOP, TITLE_HEIGHT = Inches(0.35), Inches(1.0)


def _title(slide, text: str, lang: str, *, size: int = 30, top: int = TITLE_TOP, height: int = TITLE_HEIGHT,
           align: PP_ALIGN = PP_ALIGN.LEFT) -> None:
    shape = slide.shapes.title
    shape.left, shape.top, shape.width, shape.height = MARGIN, top, W - 2 * MARGIN, height
    tf = shape.text_frame
    tf.word_wrap = True
    tf.vertical_anchor = MSO_ANCHOR.BOTTOM
    tf.text = ""
    p = tf.paragraphs[0]
    p.alignment = align
    size = fit_size([text], (W - 2 * MARGIN) / 914400, height / 914400, range(size, 19, -2))
    _run(p, text, size, lang, bold=True)


# ----------------------------------------------------------------------------- slides


def _footer(slide, deck: Deck, n: int, total: int) -> None:
    tf = _textbox(slide, MARGIN, Inches(6.95), W - 2 * MARGIN - Inches(1.3), Inches(0.4), anchor=MSO_ANCHOR.MIDDLE)
    _run(tf.paragraphs[0], deck.footer, 11, deck.lang, colour=MUTED)
    tf = _textbox(slide, W - MARGIN - Inches(1.2), Inches(6.95), Inches(1.2), Inches(0.4), anchor=MSO_ANCHOR.MIDDLE)
    tf.paragraphs[0].alignment = PP_ALIGN.RIGHT
    _run(tf.paragraphs[0], f"{n} / {total}", 11, deck.lang, colour=MUTED)
    line = slide.shapes.add_connector(1, MARGIN, Inches(6.9), W - MARGIN, Inches(6.9))
    line.line.color.rgb = RGBColor(0xE3, 0xE8, 0xE5)


def _notes(slide, s: Slide, deck: Deck) -> None:
    tf = slide.notes_slide.notes_text_frame
    lines = [*s.notes, "", *deck.facts, t("export.framework_version", deck.lang, version=deck.framework_version)]
    tf.text = ""
    for i, line in enumerate(lines):
        p = tf.paragraphs[0] if i == 0 else tf.add_paragraph()
        _run(p, line, 12, deck.lang)


def _title_slide(prs, s: Slide, deck: Deck) -> object:
    slide = prs.slides.add_slide(prs.slide_layouts[_TITLE_ONLY])
    band = slide.shapes.add_shape(1, 0, 0, W, Inches(0.25))
    band.fill.solid()
    band.fill.fore_color.rgb = ACCENT
    band.line.fill.background()
    _title(slide, s.title, deck.lang, size=40, top=Inches(1.6), height=Inches(1.5))
    tf = _textbox(slide, MARGIN, Inches(3.2), W - 2 * MARGIN, Inches(0.7))
    _run(tf.paragraphs[0], s.subtitle, 24, deck.lang, colour=ACCENT, bold=True)
    tf = _textbox(slide, MARGIN, Inches(4.1), W - 2 * MARGIN, Inches(2.6))
    size = fit_size(s.bullets[2:], (W - 2 * MARGIN) / 914400, 2.6, (20, 18, 16, 14))
    _paragraphs(tf, s.bullets[2:], size, deck.lang, bullets=False, colour=MUTED)
    return slide


def _content_slide(prs, s: Slide, deck: Deck, image: bytes | None) -> object:
    slide = prs.slides.add_slide(prs.slide_layouts[_TITLE_ONLY])
    _title(slide, s.title, deck.lang)
    top = Inches(1.45)
    if s.subtitle:
        tf = _textbox(slide, MARGIN, Inches(1.35), W - 2 * MARGIN, Inches(0.45))
        _run(tf.paragraphs[0], s.subtitle, 16, deck.lang, colour=MUTED)
        top = Inches(1.85)
    bottom = Inches(6.8)
    text_w = (Inches(7.0) if s.kind == "map" else Inches(5.4)) if image else W - 2 * MARGIN
    size = fit_size(s.bullets, text_w / 914400 - 0.4, (bottom - top) / 914400, (24, 22, 20, 18, 16, 14, 12))
    tf = _textbox(slide, MARGIN, top, text_w, bottom - top)
    _paragraphs(tf, s.bullets, size, deck.lang)
    if image:
        css = MAP_CSS if s.kind == "map" else CHART_CSS
        box_l, box_w, box_h = MARGIN + text_w + Inches(0.3), W - 2 * MARGIN - text_w - Inches(0.3), bottom - top
        scale = min(box_w / css[0], box_h / css[1])
        w, h = int(css[0] * scale), int(css[1] * scale)
        slide.shapes.add_picture(io.BytesIO(image), Emu(box_l + (box_w - w) // 2), Emu(top), Emu(w), Emu(h))
    return slide


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


def deck_pptx(deck: Deck, *, images: dict[int, bytes] | None = None) -> bytes:
    """The deck as .pptx bytes. ``images`` (slide index -> PNG) skips rendering (tests)."""
    if images is None:
        images = render_slides(deck)
    prs = Presentation()
    prs.slide_width, prs.slide_height = W, H
    _theme_fonts(prs, deck.lang)
    prs.core_properties.title = f"{deck.slides[0].title} · {deck.scope_label} · {deck.facts[0]}"
    prs.core_properties.language = LANG_TAG.get(deck.lang, "th-TH")
    prs.core_properties.subject = deck.footer
    total = len(deck.slides)
    for n, s in enumerate(deck.slides):
        slide = _title_slide(prs, s, deck) if s.kind == "title" else _content_slide(prs, s, deck, images.get(n))
        _footer(slide, deck, n + 1, total)
        _notes(slide, s, deck)
    buf = io.BytesIO()
    prs.save(buf)
    return buf.getvalue()
