"""The slide sequence as an A4 executive report (fpdf2): Thai shaped by HarfBuzz, the shipped font
embedded, text that can be searched and copied (see docs/design-notes.md)."""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from functools import lru_cache

from fpdf import FPDF
from fpdf.output import OutputProducer
from fpdf.syntax import PDFContentStream

from ecocity.i18n import t
from ecocity.io.export.png import SLIDE_CHART, SLIDE_MAP, render_slides
from ecocity.pagemodels.slides import Deck, Slide

FAMILY = "NotoSansThai"
INK = (0x1F, 0x2A, 0x24)
MUTED = (0x6B, 0x7B, 0x72)
ACCENT = (0x31, 0xA3, 0x54)
RULE = (0xE3, 0xE8, 0xE5)
MARGIN = 18  # mm
CHART_CSS, MAP_CSS = SLIDE_CHART, SLIDE_MAP  # the slides' images: 174 mm wide (map 118 mm)
# Characters the font lacks, as the report writes them.
SUBSTITUTES = {"→": "»", "±": "+/-", "▲": "+", "▼": "−", "✓": "/"}


def _font_file() -> str:
    from ecocity.io.fonts import font_path

    return str(font_path())


@lru_cache(maxsize=4)
def _font_chars(path: str) -> frozenset[int]:
    from fontTools.ttLib import TTFont

    return frozenset(TTFont(path, lazy=True).getBestCmap())


def printable(text: str, chars: frozenset[int] | None = None) -> str:
    """``text`` with characters the font cannot draw replaced (→ becomes »)."""
    chars = chars if chars is not None else _font_chars(_font_file())
    return "".join(c if ord(c) in chars or c in "\n\t" else SUBSTITUTES.get(c, "") for c in text)


class _ClusterSafeOutput(OutputProducer):
    """Maps the glyphs that fpdf2 leaves without a Unicode value (the second and later
    glyphs of a shaped cluster) to an empty string in each font's ToUnicode CMap."""

    _CODE = re.compile(rb"<([0-9A-F]{4})> <")

    def _add_pdf_obj(self, pdf_obj, trace_label=None):
        if (isinstance(pdf_obj, PDFContentStream) and trace_label == "fonts" and pdf_obj.filter is None
                and b"/CMapName /Adobe-Identity-UCS" in pdf_obj._contents):
            data = pdf_obj._contents
            mapped = {int(c, 16) for c in self._CODE.findall(data)}
            empty = sorted(code for font in self.fpdf.fonts.values() if hasattr(font, "subset")
                           for glyph, code in font.subset.items()
                           if glyph is not None and not glyph.unicode and code not in mapped)
            if empty:
                blocks = b"".join(
                    b"%d beginbfchar\n" % len(chunk) + b"".join(b"<%04X> <>\n" % c for c in chunk) + b"endbfchar\n"
                    for chunk in (empty[i:i + 100] for i in range(0, len(empty), 100)))
                data = data.replace(b"endcmap\n", blocks + b"endcmap\n", 1)
                pdf_obj._contents = data
                pdf_obj.length = len(data)
        return super()._add_pdf_obj(pdf_obj, trace_label)


class _Report(FPDF):
    def __init__(self, deck: Deck):
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.deck = deck
        self.chars = _font_chars(_font_file())
        self.add_font(FAMILY, "", _font_file(), variations={"wght": 400.0})
        self.add_font(FAMILY, "B", _font_file(), variations={"wght": 700.0})
        self.set_text_shaping(True)
        self.set_margins(MARGIN, 22, MARGIN)
        self.set_auto_page_break(True, margin=20)
        self.alias_nb_pages()
        self.set_title(f"{deck.slides[0].title} · {deck.scope_label} · {deck.facts[0]}")
        self.set_subject(deck.footer)
        self.set_lang("th-TH" if deck.lang == "th" else "en-US")
        self.set_creator("EcoCity Tracker")

    def txt(self, text: str) -> str:
        return printable(text, self.chars)

    def font(self, size: float, bold: bool = False, colour: tuple[int, int, int] = INK) -> None:
        self.set_font(FAMILY, "B" if bold else "", size)
        self.set_text_color(*colour)

    def header(self) -> None:
        d = self.deck
        self.font(8.5, colour=MUTED)
        self.set_xy(MARGIN, 9)
        w = self.epw / 2
        self.cell(w, 5, self.txt(d.slides[0].title), align="L")
        self.cell(w, 5, self.txt(f"{d.facts[0]} · {d.scope_label}"), align="R")
        self.set_draw_color(*RULE)
        self.line(MARGIN, 15.5, self.w - MARGIN, 15.5)
        self.set_y(22)

    def footer(self) -> None:
        d = self.deck
        self.set_draw_color(*RULE)
        self.line(MARGIN, self.h - 15.5, self.w - MARGIN, self.h - 15.5)
        self.set_xy(MARGIN, self.h - 14)
        self.font(8.5, colour=MUTED)
        parts = [d.facts[2], t("export.framework_version", d.lang, version=d.framework_version)]
        if d.default_set:
            parts.append(t("present.default_set", d.lang))
        page = t("export.page", d.lang, n=self.page_no(), total="{nb}")
        self.cell(self.epw - 32, 5, self.txt(" · ".join(parts)), align="L")
        self.cell(32, 5, self.txt(page), align="R")

    # ------------------------------------------------------------------ content

    def para(self, text: str, size: float, *, bold: bool = False, colour=INK, indent: float = 0,
             line: float = 1.55, after: float = 0) -> None:
        self.font(size, bold, colour)
        self.set_x(MARGIN + indent)
        self.multi_cell(self.epw - indent, size * 0.3528 * line, self.txt(text), align="L",
                        new_x="LMARGIN", new_y="NEXT")
        if after:
            self.ln(after)

    def bullets(self, lines: Sequence[str], size: float) -> None:
        for raw in lines:
            level = 1 if raw.startswith("  ") else 0
            indent = 5 + 6 * level
            s = size - (0.5 if level else 0)
            h = s * 0.3528 * 1.55
            if self.will_page_break(h):
                self.add_page()
            y = self.get_y()
            self.font(s, colour=ACCENT if level == 0 else MUTED)
            self.set_xy(MARGIN + indent - 4.5, y)
            self.cell(4, h, "•" if level == 0 else "–")
            self.set_xy(MARGIN + indent, y)
            self.para(raw.strip(), s, indent=indent)
            self.ln(0.8)

    def image_block(self, png: bytes, css: tuple[int, int]) -> None:
        w = min(self.epw, 174) if css is CHART_CSS else 118
        h = w * css[1] / css[0]
        if self.will_page_break(h + 2):
            self.add_page()
        x = MARGIN + (self.epw - w) / 2
        self.image(io.BytesIO(png), x=x, y=self.get_y() + 1, w=w, h=h)
        self.set_y(self.get_y() + h + 3)

    def section(self, s: Slide, png: bytes | None) -> None:
        lang = self.deck.lang
        need = 40 + (60 if png else 0)
        if self.get_y() > 30 and self.will_page_break(need):
            self.add_page()
        self.para(s.title, 15, bold=True, line=1.5)
        if s.subtitle:
            self.para(s.subtitle, 10, colour=MUTED)
        self.ln(1.5)
        self.bullets(s.bullets, 10.5)
        if png:
            self.ln(1)
            self.image_block(png, MAP_CSS if s.kind == "map" else CHART_CSS)
        if s.notes:
            if self.will_page_break(12):
                self.add_page()
            self.para(t("export.numbers", lang), 9, bold=True, colour=MUTED, line=1.5)
            for n in s.notes:
                self.para(n, 8.5, colour=MUTED, indent=3, line=1.5)
        self.ln(6)

    def cover(self, s: Slide) -> None:
        d = self.deck
        self.set_fill_color(*ACCENT)
        self.rect(MARGIN, self.get_y(), 24, 1.6, style="F")
        self.ln(5)
        self.para(s.title, 24, bold=True, line=1.45)
        self.para(t("export.report_subtitle", d.lang), 13, colour=ACCENT, bold=True, after=3)
        for line in s.bullets:
            self.para(line, 11, colour=MUTED, line=1.6)
        self.ln(3)
        for n in s.notes:
            self.para(n, 11, line=1.6)
        self.ln(6)


def deck_pdf(deck: Deck, *, images: dict[int, bytes] | None = None) -> bytes:
    """The deck as an A4 PDF report (bytes). ``images`` (slide index -> PNG) skips rendering."""
    if images is None:
        images = render_slides(deck)
    pdf = _Report(deck)
    pdf.add_page()
    for i, s in enumerate(deck.slides):
        if s.kind == "title":
            pdf.cover(s)
        else:
            if s.kind in ("map", "movers", "summary") and pdf.get_y() > 40:
                pdf.add_page()
            pdf.section(s, images.get(i))
    return bytes(pdf.output(output_producer_class=_ClusterSafeOutput))
