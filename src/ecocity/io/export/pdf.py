"""The slide sequence as an A4 executive report (fpdf2): Thai shaped by HarfBuzz, the shipped font
embedded, text that can be searched and copied (see docs/design-notes.md)."""

from __future__ import annotations

import hashlib
import io
import os
import re
import tempfile
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path

from fpdf import FPDF
from fpdf.enums import TextDirection
from fpdf.output import OutputProducer
from fpdf.syntax import PDFContentStream

from ecocity.i18n import t
from ecocity.io.export.chartdata import ChartData
from ecocity.io.export.pdfchart import draw_chart
from ecocity.io.export.png import SLIDE_CHART, SLIDE_MAP
from ecocity.io.export.progress import Progress, Steps
from ecocity.io.export.slidecharts import DeckCharts, Pictures
from ecocity.pagemodels.slides import Deck, Slide

FAMILY = "NotoSansThai"
INK = (0x1F, 0x2A, 0x24)
MUTED = (0x6B, 0x7B, 0x72)
ACCENT = (0x31, 0xA3, 0x54)
RULE = (0xE3, 0xE8, 0xE5)
WARN = (0xB4, 0x5F, 0x06)  # "Includes data not yet reviewed"
MARGIN = 18  # mm
TOP, BOTTOM = 22, 20  # mm: the body between the header rule and the footer rule
CHART_CSS, MAP_CSS = SLIDE_CHART, SLIDE_MAP  # the slides' images: 174 mm wide at full size (map 118 mm)
# Type sizes (pt); tests/unit/test_report_layout.py tells headings from text by them.
COVER_SIZE, HEADING_SIZE, SUBTITLE_SIZE, BULLET_SIZE = 24, 15, 10, 10.5
NUMBERS_HEAD_SIZE, NUMBERS_SIZE = 9, 8.5
CHART_TEXT = 8.2  # pt: a chart's text at its largest (CHART_SCALES[0]), 7.5 at the smallest
PT = 0.3528  # mm per point
# A chart's width as a share of its full size, largest first: it shrinks to stay on the page
# of its heading, or to keep its section on one page. At 0.85 its text (22 px of 960) prints
# at about the body's size; at 0.6, the smallest, at about 7 pt.
CHART_SCALES = (0.85, 0.8, 0.75, 0.7, 0.65, 0.6)
QUARTER = 0.25  # a page left less full than this is continued, not closed
# Characters the font lacks, as the report writes them.
SUBSTITUTES = {"→": "»", "±": "+/-", "▲": "+", "▼": "−", "✓": "/"}


def _font_file() -> str:
    from ecocity.io.fonts import font_path

    return str(font_path())


@lru_cache(maxsize=4)
def _static_font(path: str, weight: float) -> str:
    """The shipped variable font at one weight, as a static font file made once and kept in
    the temporary folder for every later report (of this process or another): fpdf2 would
    otherwise instance the variable font for each report, about half a second."""
    from fontTools.ttLib import TTFont
    from fontTools.varLib import instancer

    src = Path(path)
    digest = hashlib.sha256(src.read_bytes()).hexdigest()[:16]
    folder = Path(tempfile.gettempdir()) / f"ecocity-fonts-{os.getuid()}"
    out = folder / f"{src.stem}-{digest}-{int(weight)}.ttf"
    if not out.is_file():
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        font = TTFont(path)
        if "fvar" in font:
            instancer.instantiateVariableFont(font, {"wght": weight}, inplace=True, static=True)
        tmp = out.with_name(f"{out.name}.{os.getpid()}.tmp")
        font.save(tmp)
        tmp.replace(out)
    return str(out)


@lru_cache(maxsize=4)
def _font_chars(path: str) -> frozenset[int]:
    from fontTools.ttLib import TTFont

    return frozenset(TTFont(path, lazy=True).getBestCmap())


def printable(text: str, chars: frozenset[int] | None = None) -> str:
    """``text`` with characters the font cannot draw replaced (→ becomes »)."""
    chars = chars if chars is not None else _font_chars(_font_file())
    return "".join(c if ord(c) in chars or c in "\n\t" else SUBSTITUTES.get(c, "") for c in text)


def _clusters(word: str) -> list[str]:
    """``word`` cut where a line may break inside it: never before a combining mark (a Thai
    vowel above or below, a tone mark) nor after a leading vowel (เ แ โ ใ ไ)."""
    out: list[str] = []
    for c in word:
        if out and (unicodedata.combining(c) or unicodedata.category(c) == "Mn" or c in "\u0e33\u0e45"
                    or out[-1][-1] in "\u0e40\u0e41\u0e42\u0e43\u0e44"):
            out[-1] += c
        else:
            out.append(c)
    return out


def wrap(text: str, width: float, measure: Callable[[str], float]) -> list[str]:
    """``text`` broken into lines ``width`` wide (``measure``: a word's width) at spaces, and
    a word wider than a line (Thai writes none between words) between its characters."""
    out: list[str] = []
    space = measure(" ")
    for para in text.split("\n"):
        line, used = "", 0.0
        for word in para.split():
            w = measure(word)
            if line and used + space + w > width:
                out.append(line)
                line, used = "", 0.0
            if w > width:  # too long for any line: as much of it as fits on each
                for piece in _clusters(word):
                    pw = measure(piece)
                    if line and used + pw > width:
                        out.append(line)
                        line, used = "", 0.0
                    line, used = line + piece, used + pw
            elif line:
                line, used = f"{line} {word}", used + space + w
            else:
                line, used = word, w
        out.append(line)
    return out


# Right-to-left scripts and the directional formatting characters: text with any of them
# takes fpdf2's bidirectional pass.
_BIDI = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]")


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
        self._lines: dict[tuple, list[str]] = {}
        self._words: dict[tuple[str, bool], float] = {}  # shaped width per point of size
        self._headed = 1  # the page of the last heading (the cover is page 1)
        self.add_font(FAMILY, "", _static_font(_font_file(), 400.0))
        self.add_font(FAMILY, "B", _static_font(_font_file(), 700.0))
        self.set_text_shaping(True)
        self.set_margins(MARGIN, TOP, MARGIN)
        self.set_auto_page_break(True, margin=BOTTOM)
        self.alias_nb_pages()
        self.set_title(f"{deck.slides[0].title} · {deck.scope_label} · {deck.facts[0]}")
        self.set_subject(deck.footer)
        self.set_lang("th-TH" if deck.lang == "th" else "en-US")
        self.set_creator("EcoCity Tracker")

    def txt(self, text: str) -> str:
        return printable(text, self.chars)

    def _preload_bidirectional_text(self, text: str, markdown: bool):
        """Text that runs left to right only (Thai, English) skips fpdf2's bidirectional
        pass, a third of the time of every line drawn or measured; any other text (Arabic,
        Hebrew, direction marks) and the page-count alias take it as before."""
        if not self.text_shaping or _BIDI.search(text) or self.str_alias_nb_pages in text:
            return super()._preload_bidirectional_text(text, markdown)
        self.text_shaping["paragraph_direction"] = TextDirection.LTR
        self.text_shaping["fragment_direction"] = TextDirection.LTR
        emphasis = ("B" in self.font_style, "I" in self.font_style, self.strikethrough, self.underline)
        return tuple(self._preload_font_styles(text, markdown, _initial_emphasis=emphasis))

    def font(self, size: float, bold: bool = False, colour: tuple[int, int, int] = INK) -> None:
        self.set_font(FAMILY, "B" if bold else "", size)
        self.set_text_color(*colour)

    def header(self) -> None:
        if self.page_no() == 1:  # the cover states the title, year and scope itself
            self.set_y(TOP)
            return
        d = self.deck
        self.font(8.5, colour=MUTED)
        self.set_xy(MARGIN, 9)
        w = self.epw / 2
        self.cell(w, 5, self.txt(d.slides[0].title), align="L")
        self.cell(w, 5, self.txt(f"{d.facts[0]} · {d.scope_label}"), align="R")
        self.set_draw_color(*RULE)
        self.line(MARGIN, 15.5, self.w - MARGIN, 15.5)
        self.set_y(TOP)

    def footer(self) -> None:
        d = self.deck
        self.set_draw_color(*RULE)
        self.line(MARGIN, self.h - 15.5, self.w - MARGIN, self.h - 15.5)
        self.set_xy(MARGIN, self.h - 14)
        self.font(8.5, colour=MUTED)
        if self.page_no() > 1:  # the cover says these in its body
            self.cell(self.epw - 32, 5, self.txt(f"{d.facts[2]} · {d.framework}"), align="L")
        self.set_x(self.w - MARGIN - 32)
        self.cell(32, 5, self.txt(t("export.page", d.lang, n=self.page_no(), total="{nb}")), align="R")
        if d.pending:  # on every page, the cover included: not the published figures
            self.set_xy(MARGIN, self.h - 9.5)
            self.font(8.5, bold=True, colour=WARN)
            self.cell(self.epw - 32, 5, self.txt(t("pending.export", d.lang)), align="L")

    # ------------------------------------------------------------------ measuring

    def lines(self, text: str, size: float, bold: bool = False, indent: float = 0) -> list[str]:
        """``text`` broken into the lines ``para`` draws. Broken once and remembered, from
        the shaped widths of its words (each measured once per size): shaping is the slow
        part of the report, and each text is measured before it is drawn."""
        key = (text, size, bold, indent)
        if key not in self._lines:
            width = self.epw - indent - 2 * self.c_margin
            self._lines[key] = wrap(self.txt(text), width, lambda word: self.word_width(word, size, bold))
        return self._lines[key]

    def word_width(self, word: str, size: float, bold: bool) -> float:
        """The shaped width (mm) of ``word`` (no spaces in it) at ``size`` pt."""
        key = (word, bold)
        per_pt = self._words.get(key)
        if per_pt is None:
            self.set_font(FAMILY, "B" if bold else "", 10)
            per_pt = self._words[key] = self.get_string_width(word) / 10
        return per_pt * size

    def height(self, text: str, size: float, *, bold: bool = False, indent: float = 0, line: float = 1.55) -> float:
        """The height (mm) ``para`` gives ``text``, without drawing it."""
        return len(self.lines(text, size, bold, indent)) * size * PT * line

    @staticmethod
    def _bullet_style(raw: str) -> tuple[int, float, float]:
        """(level, indent mm, size pt) of a bullet ("  " = one level down)."""
        level = 1 if raw.startswith("  ") else 0
        return level, 5.0 + 6 * level, BULLET_SIZE - (0.5 if level else 0)

    def bullet_heights(self, lines: Sequence[str]) -> list[float]:
        out = []
        for raw in lines:
            _, indent, size = self._bullet_style(raw)
            out.append(self.height(raw.strip(), size, indent=indent) + 0.8)
        return out

    def head_height(self, s: Slide) -> float:
        """The heading, subtitle and bullets of a section."""
        h = self.height(s.title, HEADING_SIZE, bold=True, line=1.5)
        if s.subtitle:
            h += self.height(s.subtitle, SUBTITLE_SIZE)
        return h + 1.5 + sum(self.bullet_heights(s.bullets))

    def chart_size(self, kind: str, scale: float) -> tuple[float, float]:
        css = MAP_CSS if kind == "map" else CHART_CSS
        w = (118 if kind == "map" else min(self.epw, 174)) * scale
        return w, w * css[1] / css[0]

    def number_heights(self, s: Slide) -> list[float]:
        """The heading of "the numbers" and each of its lines."""
        if not s.notes:
            return []
        head = self.height(t("export.numbers", self.deck.lang), NUMBERS_HEAD_SIZE, bold=True, line=1.5)
        return [head] + [self.height(n, NUMBERS_SIZE, indent=3, line=1.5) for n in s.notes]

    @property
    def room(self) -> float:
        return self.page_break_trigger - self.get_y()

    @property
    def fill(self) -> float:
        """How full the page is, 0..1."""
        return (self.get_y() - TOP) / (self.page_break_trigger - TOP)

    # ------------------------------------------------------------------ drawing

    def para(self, text: str, size: float, *, bold: bool = False, colour=INK, indent: float = 0,
             line: float = 1.55, after: float = 0) -> None:
        lines = self.lines(text, size, bold, indent)
        self.font(size, bold, colour)
        for one in lines:
            self.set_x(MARGIN + indent)
            self.cell(self.epw - indent, size * PT * line, one, align="L", new_x="LMARGIN", new_y="NEXT")
        if after:
            self.ln(after)

    def bullets(self, lines: Sequence[str]) -> None:
        heights = self.bullet_heights(lines)
        for i, raw in enumerate(lines):
            level, indent, size = self._bullet_style(raw)
            # A lead-in ("To reach X (3 items):") stays with its first item.
            leads = level == 0 and i + 1 < len(lines) and lines[i + 1].startswith("  ")
            if self.will_page_break(heights[i] + (heights[i + 1] if leads else 0)):
                self.add_page()
            y = self.get_y()
            self.font(size, colour=ACCENT if level == 0 else MUTED)
            self.set_xy(MARGIN + indent - 4.5, y)
            self.cell(4, size * PT * 1.55, "•" if level == 0 else "–")
            self.set_xy(MARGIN + indent, y)
            self.para(raw.strip(), size, indent=indent)
            self.ln(0.8)

    def image_block(self, png: bytes, kind: str, scale: float) -> None:
        w, h = self.chart_size(kind, scale)
        self.image(io.BytesIO(png), x=MARGIN + (self.epw - w) / 2, y=self.get_y() + 1, w=w, h=h)
        self.set_y(self.get_y() + h + 3)

    def chart_block(self, data: ChartData, kind: str, scale: float) -> None:
        """A chart drawn as vectors in the box its picture would take; its text a little
        smaller as the chart shrinks."""
        w, h = self.chart_size(kind, scale)
        y = self.get_y() + 1
        draw_chart(self, data, MARGIN + (self.epw - w) / 2, y, w, h, family=FAMILY,
                   size=CHART_TEXT - (CHART_SCALES[0] - scale) * 2.8, clean=self.txt)
        self.set_xy(MARGIN, y + h + 2)

    def numbers(self, s: Slide) -> None:
        heights = self.number_heights(s)
        if not heights:
            return
        if self.will_page_break(sum(heights[:3])):  # the heading with its first lines
            self.add_page()
        self.para(t("export.numbers", self.deck.lang), NUMBERS_HEAD_SIZE, bold=True, colour=MUTED, line=1.5)
        for n in s.notes:
            self.para(n, NUMBERS_SIZE, colour=MUTED, indent=3, line=1.5)

    def section(self, s: Slide, png: bytes | None, chart: ChartData | None = None) -> None:
        """A slide as a section: heading, bullets, chart, numbers. The heading and its chart
        share a page (the chart shrinks a little when that keeps them, or the whole section,
        together). A section that cannot finish on this page starts the next one, unless
        this page would stay under a quarter full or holds only the numbers running on from
        the section before: then this section starts here and only its numbers run on."""
        head, nums = self.head_height(s), self.number_heights(s)
        own = self._headed == self.page_no()  # a section started on this page

        def whole(scale: float) -> float:
            return head + (self.chart_size(s.kind, scale)[1] + 5 if png or chart else 0) + sum(nums)

        def start(scale: float) -> float:  # the heading, the chart and the first numbers
            return whole(scale) - sum(nums[3:])

        def fits(need: Callable[[float], float], room: float) -> float | None:
            return next((f for f in CHART_SCALES if need(f) <= room), None)

        scale = fits(whole, self.room)
        if (scale is None and own and self.fill >= QUARTER
                and fits(whole, self.page_break_trigger - TOP) is not None):
            self.add_page()
            scale = fits(whole, self.room)
        if scale is None:
            scale = fits(start, self.room)
        if scale is None:
            if self.fill > 0:
                self.add_page()
            scale = fits(start, self.room) or CHART_SCALES[-1]
        self._headed = self.page_no()
        self.para(s.title, HEADING_SIZE, bold=True, line=1.5)
        if s.subtitle:
            self.para(s.subtitle, SUBTITLE_SIZE, colour=MUTED)
        self.ln(1.5)
        self.bullets(s.bullets)
        if chart is not None:
            self.ln(1)
            self.chart_block(chart, s.kind, scale)
        elif png:
            self.ln(1)
            self.image_block(png, s.kind, scale)
        self.numbers(s)
        self.ln(6)

    def cover(self, s: Slide) -> None:
        self.set_fill_color(*ACCENT)
        self.rect(MARGIN, self.get_y(), 24, 1.6, style="F")
        self.ln(5)
        self.para(s.title, COVER_SIZE, bold=True, line=1.45)
        self.para(t("export.report_subtitle", self.deck.lang), 13, colour=ACCENT, bold=True, after=2)
        if s.subtitle:  # scope and fiscal year, said once
            self.para(s.subtitle, 13, bold=True, after=2)
        for line in s.bullets:
            self.para(line, 11, colour=MUTED, line=1.6)
        self.ln(3)
        for n in s.notes:
            self.para(n, 11, line=1.6)
        self.ln(8)


def deck_pdf(deck: Deck, *, images: Mapping[int, bytes] | Pictures | None = None,
             progress: Progress | None = None) -> bytes:
    """The deck as an A4 PDF report (bytes): charts drawn as vectors, the map a picture
    (rendered in the background while the pages are written, unless ``images`` gives it:
    slide index -> PNG, or ``Pictures`` being rendered). ``progress`` hears (share done, what is being done)."""
    step = Steps(progress, deck.lang)
    charts = DeckCharts(deck, images)
    pdf = _Report(deck)
    pdf.add_page()
    total = len(deck.slides)
    for i, s in enumerate(deck.slides):
        step(0.9 * i / total, "pages", i + 1, total)
        if s.kind == "title":
            pdf.cover(s)
            continue
        data = charts.native(i)
        if data is None and charts.is_picture(i):
            if charts.pictures_pending:
                step(0.9 * i / total, "map")
            pdf.section(s, charts.picture(i))
        else:
            pdf.section(s, None, data)
    step(0.95, "saving")
    out = bytes(pdf.output(output_producer_class=_ClusterSafeOutput))
    step(1.0, "done")
    return out
