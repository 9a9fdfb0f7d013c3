"""The A4 report's page layout, read back from the PDF (positions of text lines, images and
drawings, by pdfplumber): no heading ends a page, no page but a section's last is left under a
quarter full, no page holds only the numbers running on from the section before, and every
chart sits on the page of its heading.

The reports are made from the shipped sample data (8 areas, long Thai names, many gap items)
for several years, scopes and both languages. Charts are drawn as vectors; the map is a
picture, here a placeholder image of its real size (the layout depends on its size only, so
no browser is needed). A drawn chart is read as the run of drawings and chart-sized text
(smaller than any of the report's own) between two lines of the report's text.
"""

from __future__ import annotations

import io
import shutil
from dataclasses import dataclass, field

import pdfplumber
import pytest
from helpers.sampledb import _sample_template  # noqa: F401 - the sample database, loaded once per run
from pypdf import PdfReader
from test_export import CONTROL, placeholder_png, squash

from ecocity.flows.deck import load_deck
from ecocity.io.export.pdf import (
    BOTTOM,
    CHART_TEXT,
    HEADING_SIZE,
    NUMBERS_HEAD_SIZE,
    NUMBERS_SIZE,
    QUARTER,
    TOP,
    deck_pdf,
)
from ecocity.io.export.png import SLIDE_CHART, SLIDE_MAP
from ecocity.pagemodels.slides import Deck
from ecocity.store.db import make_engine

MM = 72 / 25.4  # points per mm
# year, scope, language: the decks users saw (2568, the whole country), a year with a
# previous one (2566), the first year (no movers), a region and one area.
CASES = [(2568, "country", "th"), (2568, "country", "en"), (2566, "country", "th"),
         (2559, "country", "en"), (2567, "region:East", "th"), (2568, "area:RAYONG-MAP-TA-PHUT", "en")]


@dataclass
class Line:
    top: float
    bottom: float
    size: float
    text: str

    @property
    def heading(self) -> bool:
        return self.size in (HEADING_SIZE, NUMBERS_HEAD_SIZE)


@dataclass
class Page:
    number: int
    height: float
    lines: list[Line] = field(default_factory=list)  # the body's, top to bottom (no header or footer)
    charts: list[tuple[float, float]] = field(default_factory=list)  # (top, bottom): pictures and drawn charts

    @property
    def body(self) -> tuple[float, float]:
        return TOP * MM, self.height - BOTTOM * MM

    def items(self) -> list[tuple[float, float, Line | None]]:
        """Lines and images (None) by their top."""
        return sorted([(ln.top, ln.bottom, ln) for ln in self.lines] + [(t, b, None) for t, b in self.charts],
                      key=lambda x: x[0])

    @property
    def fill(self) -> float:
        top, bottom = self.body
        last = max((b for _, b, _ in self.items()), default=top)
        return (last - top) / (bottom - top)

    def headings(self) -> list[Line]:
        """Section headings: runs of heading-size lines (a long title wraps)."""
        out: list[Line] = []
        for ln in self.lines:
            if ln.size == HEADING_SIZE:
                if out and out[-1].size == HEADING_SIZE and ln.top - out[-1].bottom < HEADING_SIZE:
                    out[-1] = Line(out[-1].top, ln.bottom, ln.size, out[-1].text + ln.text)
                else:
                    out.append(ln)
        return out

    def starts_with_heading(self) -> bool:
        items = self.items()
        return bool(items) and items[0][2] is not None and items[0][2].size == HEADING_SIZE


def drawn_charts(text: list[tuple[float, float]], bits: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """(top, bottom) of each drawn chart: a run of ``bits`` (drawings and chart text) with
    no line of the report's ``text`` between them."""
    items = sorted([(t, b, False) for t, b in text] + [(t, b, True) for t, b in bits])
    charts: list[list[float]] = []
    run = False
    for top, bottom, bit in items:
        if not bit:
            run = False
        elif run:
            charts[-1][1] = max(charts[-1][1], bottom)
        else:
            charts.append([top, bottom])
            run = True
    return [(t, b) for t, b in charts]


def read_pages(data: bytes) -> list[Page]:
    pages = []
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for n, p in enumerate(pdf.pages, start=1):
            page = Page(n, float(p.height))
            top, bottom = page.body
            bits = []
            for ln in p.extract_text_lines(return_chars=True):
                if ln["top"] >= top - 1 and ln["bottom"] <= bottom + 1:  # not the header or footer
                    size = max(round(c["size"], 2) for c in ln["chars"])
                    if size <= CHART_TEXT + 0.01:  # a chart's names, values and axes
                        bits.append((float(ln["top"]), float(ln["bottom"])))
                    else:
                        page.lines.append(Line(ln["top"], ln["bottom"], size, ln["text"]))
            for o in [*p.rects, *p.lines, *p.curves]:
                cover_bar = abs(o["width"] - 24 * MM) < 1 and o["height"] < 2 * MM
                if o["top"] >= top - 1 and o["bottom"] <= bottom + 1 and not cover_bar:
                    bits.append((float(o["top"]), float(o["bottom"])))
            page.lines.sort(key=lambda ln: ln.top)
            page.charts = sorted([(float(i["top"]), float(i["bottom"])) for i in p.images]
                                 + drawn_charts([(ln.top, ln.bottom) for ln in page.lines], bits))
            pages.append(page)
    return pages


def images(deck: Deck) -> dict[int, bytes]:
    """A placeholder of its real size for each chart's picture (only the map's is used)."""
    return {i: placeholder_png(*(SLIDE_MAP if s.kind == "map" else SLIDE_CHART))
            for i, s in enumerate(deck.slides) if s.chart is not None}


@pytest.fixture(scope="module")
def sample_engine(_sample_template, tmp_path_factory):  # noqa: F811 - the imported fixture
    path = tmp_path_factory.mktemp("report") / "sample.sqlite3"
    shutil.copyfile(_sample_template.sqlite(), path)
    engine = make_engine(f"sqlite:///{path}")
    yield engine
    engine.dispose()


@pytest.fixture(scope="module", params=CASES, ids=["-".join(map(str, c)) for c in CASES])
def report(request, sample_engine):
    year, scope, lang = request.param
    deck = load_deck(sample_engine, year, scope, lang)
    data = deck_pdf(deck, images=images(deck))
    return deck, data, read_pages(data)


def test_the_reader_finds_every_heading_and_chart(report):
    deck, _, pages = report
    headings = [h for p in pages for h in p.headings()]
    assert len(headings) == len(deck.slides) - 1  # every slide but the title is a section
    assert sum(len(p.charts) for p in pages) == sum(1 for s in deck.slides if s.chart is not None)
    assert any(ln.size == NUMBERS_SIZE for p in pages for ln in p.lines)


def test_no_heading_is_the_last_line_of_a_page(report):
    _, _, pages = report
    for p in pages:
        items = p.items()
        assert items, f"page {p.number} is empty"
        last = items[-1][2]
        assert last is None or not last.heading, f"page {p.number} ends with the heading {last.text!r}"
        for h in p.headings():  # and a section heading has a bullet or its chart below it
            below = [x for x in items if x[0] > h.bottom and (x[2] is None or x[2].text.startswith("•"))]
            assert below, f"page {p.number}: nothing below {h.text!r}"


def test_no_page_but_a_sections_last_is_less_than_a_quarter_full(report):
    _, _, pages = report
    for p, after in zip(pages, pages[1:], strict=False):
        if not after.starts_with_heading():  # p's section runs on: p is not its last page
            assert p.fill >= QUARTER, f"page {p.number} is {p.fill:.0%} full and its section goes on"


def test_no_page_holds_only_the_numbers_running_on_from_the_section_before(report):
    _, _, pages = report
    for p in pages[1:]:
        if not p.headings():
            assert p.fill >= QUARTER, f"page {p.number} holds only a run-on, {p.fill:.0%} full"


def test_every_chart_sits_on_the_page_of_its_heading_below_it(report):
    deck, _, pages = report
    headings = [(p, h) for p in pages for h in p.headings()]
    charts = [(p, top) for p in pages for top, _ in p.charts]
    with_chart = [i for i, s in enumerate(deck.slides[1:]) if s.chart is not None]
    assert len(charts) == len(with_chart)
    for (p_img, top), i in zip(charts, with_chart, strict=True):
        p_head, h = headings[i]
        assert p_img.number == p_head.number, (
            f"the chart of {deck.slides[i + 1].title!r} is on page {p_img.number}, its heading on {p_head.number}")
        assert top > h.bottom


def test_the_cover_says_year_and_scope_once_and_the_framework_by_name(report):
    deck, data, _ = report
    reader = PdfReader(io.BytesIO(data))
    cover = squash(reader.pages[0].extract_text())
    assert not CONTROL.search(cover)
    assert cover.count(squash(deck.facts[0])) == 1  # the fiscal year
    assert cover.count(squash(deck.scope_label)) == 1
    assert squash(deck.framework) in cover
    text = squash("\n".join(p.extract_text() for p in reader.pages))
    assert deck.framework_version not in text  # the internal id, "eit-default@1"
    for note in ("ผู้ดูแลระบบ", "administrator"):
        assert note not in text
