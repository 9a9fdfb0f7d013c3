"""The PPTX deck as a viewer draws it: LibreOffice Impress (headless) turns the decks of the
shipped sample data (Thai and English) into PDF, and every rendered character must lie
inside its slide and inside the text box or title placeholder it belongs to, or inside the
native chart whose text it is; each chart's category names are drawn, in the deck's font.

To tell which box a rendered character belongs to, each text box's runs are given a colour of
their own before rendering (colour changes no layout); pdfplumber reads each character's
position and colour back. Text that overflows a box (too long to fit, wrapped more than the
deck expected) lands outside it and fails here.

Needs LibreOffice Impress (Debian: libreoffice-impress); .ci/run installs it.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pdfplumber
import pytest
from helpers.sampledb import _sample_template  # noqa: F401 - the sample database, loaded once per run
from pptx import Presentation
from pptx.dml.color import RGBColor
from pptx.util import Emu
from test_report_layout import images

from ecocity.flows.deck import load_deck
from ecocity.io.export.pdf import _font_chars, _font_file
from ecocity.io.export.png import use_shipped_font
from ecocity.io.export.pptx import deck_pptx
from ecocity.store.db import make_engine

EMU_PER_PT = 12700
TOLERANCE = 1.0  # pt: rounding between the box and the glyph positions
LANGS = ("th", "en")

pytestmark = pytest.mark.slow  # LibreOffice takes half a minute or more to convert the decks


def soffice() -> str:
    path = shutil.which("soffice") or shutil.which("libreoffice")
    if not path:
        pytest.fail("LibreOffice is required to render the deck: apt-get install libreoffice-impress "
                    "(.ci/run installs it)", pytrace=False)
    return path


def box_colour(n: int) -> tuple[int, int, int]:
    """A colour for the n-th text box of a slide (n < 64), far from the deck's own colours."""
    return (0xF0, n * 4, 0xF8 - n * 2)


def frame(shape) -> tuple[float, float, float, float]:
    """A shape's box in points: left, top, right, bottom."""
    left, top, width, height = (Emu(v) / EMU_PER_PT for v in (shape.left, shape.top, shape.width, shape.height))
    return left, top, left + width, top + height


def chart_frames(pptx: bytes) -> list[list[tuple[tuple[float, ...], list[str]]]]:
    """Per slide: each native chart's box in points and its category names."""
    prs = Presentation(io.BytesIO(pptx))
    return [[(frame(sh), [str(c) for c in sh.chart.plots[0].categories]) for sh in slide.shapes if sh.has_chart]
            for slide in prs.slides]


def tagged(pptx: bytes) -> tuple[bytes, list[dict[tuple[int, int, int], tuple[str, tuple[float, ...]]]]]:
    """The deck with each text box's runs in a colour of its own, and per slide: colour ->
    (the box's text, its box in points: left, top, right, bottom); a native chart's text
    keeps its colours, and its box is under ``None``."""
    prs = Presentation(io.BytesIO(pptx))
    boxes = []
    for slide in prs.slides:
        found: dict = {None: [frame(sh) for sh in slide.shapes if sh.has_chart]}
        for n, shape in enumerate(sh for sh in slide.shapes if sh.has_text_frame and sh.text_frame.text.strip()):
            colour = box_colour(n)
            for p in shape.text_frame.paragraphs:
                for r in p.runs:
                    r.font.color.rgb = RGBColor(*colour)
            found[colour] = (shape.text_frame.text, frame(shape))
        boxes.append(found)
    buf = io.BytesIO()
    prs.save(buf)
    return buf.getvalue(), boxes


def overflowing(pptx: bytes) -> bytes:
    """The deck with the bullets of its second slide made far too long for their box (the
    check below must catch it)."""
    prs = Presentation(io.BytesIO(pptx))
    slide = prs.slides[1]
    box = max((sh for sh in slide.shapes if sh.has_text_frame and sh != slide.shapes.title),
              key=lambda sh: sh.width * sh.height)
    for _ in range(12):
        box.text_frame.add_paragraph().add_run().text = "ระดับ Eco-Excellence ขึ้นไป " * 3
    buf = io.BytesIO()
    prs.save(buf)
    return buf.getvalue()


@pytest.fixture(scope="module")
def rendered(_sample_template, tmp_path_factory):  # noqa: F811 - the imported fixture
    """name -> (per slide: its size in points and its rendered characters; per slide: colour ->
    the text box's text and box; per slide: each chart's box and category names): the Thai and
    English decks and an overflowing one."""
    work = tmp_path_factory.mktemp("deck")
    path = work / "sample.sqlite3"
    shutil.copyfile(_sample_template.sqlite(), path)
    engine = make_engine(f"sqlite:///{path}")
    files: dict[str, bytes] = {}
    try:
        for lang in LANGS:  # fiscal year 2568, the whole country: the decks users saw
            deck = load_deck(engine, 2568, "country", lang)
            files[lang] = deck_pptx(deck, images=images(deck))
    finally:
        engine.dispose()
    files["overflow"] = overflowing(files["th"])
    boxes, charts = {}, {}
    for name, data in files.items():
        charts[name] = chart_frames(data)
        tagged_data, boxes[name] = tagged(data)
        (work / f"{name}.pptx").write_bytes(tagged_data)
    use_shipped_font()  # LibreOffice finds the deck's font, Noto Sans Thai, through fontconfig
    profile = work / "profile"  # a profile of its own: another LibreOffice may be running
    subprocess.run([soffice(), f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                    "--convert-to", "pdf", "--outdir", str(work), *(str(work / f"{n}.pptx") for n in files)],
                   check=True, capture_output=True, timeout=600, env=os.environ.copy())
    out = {}
    for name in files:
        pdf_path = Path(work / f"{name}.pdf")
        assert pdf_path.is_file(), f"LibreOffice made no PDF of the {name} deck"
        with pdfplumber.open(pdf_path) as pdf:
            pages = [(float(p.width), float(p.height), list(p.chars)) for p in pdf.pages]
        out[name] = (pages, boxes[name], charts[name])
    return out


def colour_of(char: dict) -> tuple[int, int, int] | None:
    c = char.get("non_stroking_color")
    if not isinstance(c, (tuple, list)) or len(c) != 3:
        return None
    return tuple(round(v * 255) for v in c)  # type: ignore[return-value]


def inside(x0: float, top: float, x1: float, bottom: float, box: tuple[float, ...]) -> bool:
    left, btop, right, bbottom = box
    return not (x0 < left - TOLERANCE or x1 > right + TOLERANCE or top < btop - TOLERANCE
                or bottom > bbottom + TOLERANCE)


def misplaced(pages, boxes, charts=None) -> list[str]:
    """Every rendered character outside its slide, outside its box, or of no box (a chart's
    text: outside every chart)."""
    out = []
    for n, ((width, height, chars), found) in enumerate(zip(pages, boxes, strict=True), start=1):
        for c in chars:
            if not c["text"].strip():
                continue
            x0, top, x1, bottom = c["x0"], c["top"], c["x1"], c["bottom"]
            if x0 < -TOLERANCE or top < -TOLERANCE or x1 > width + TOLERANCE or bottom > height + TOLERANCE:
                out.append(f"slide {n}: {c['text']!r} outside the slide at ({x0:.0f}, {top:.0f})")
                continue
            box = found.get(colour_of(c))
            if box is None:
                if not any(inside(x0, top, x1, bottom, f) for f in found.get(None, ())):
                    out.append(f"slide {n}: {c['text']!r} at ({x0:.0f}, {top:.0f}) is in no text box or chart")
                continue
            text, (left, btop, right, bbottom) = box
            if (x0 < left - TOLERANCE or x1 > right + TOLERANCE or top < btop - TOLERANCE
                    or bottom > bbottom + TOLERANCE):
                out.append(f"slide {n}: {c['text']!r} at ({x0:.0f}-{x1:.0f}, {top:.0f}-{bottom:.0f}) outside "
                           f"its box ({left:.0f}-{right:.0f}, {btop:.0f}-{bbottom:.0f}) of {text[:50]!r}")
    return out


@pytest.mark.parametrize("lang", LANGS)
def test_every_slide_is_rendered_and_every_box_has_its_text_drawn(rendered, lang):
    pages, boxes, _ = rendered[lang]
    assert len(pages) == len(boxes) == 13  # title, ladder, map, movers, 8 areas, summary
    for n, ((_, _, chars), found) in enumerate(zip(pages, boxes, strict=True), start=1):
        drawn = {colour_of(c) for c in chars}
        for colour, (text, _) in ((c, v) for c, v in found.items() if c is not None):
            assert colour in drawn, f"slide {n}: {text[:40]!r} was not drawn"


@pytest.mark.parametrize("lang", LANGS)
def test_text_stays_inside_its_slide_and_its_box(rendered, lang):
    out = misplaced(*rendered[lang][:2])
    assert not out, f"{len(out)} characters out of place, first: " + "; ".join(out[:5])


def test_the_check_catches_text_too_long_for_its_box(rendered):
    out = misplaced(*rendered["overflow"][:2])
    assert out and all(line.startswith("slide 2: ") for line in out), out[:3]


def squash(text: str) -> str:
    return "".join(text.split())


@pytest.mark.parametrize("lang", LANGS)
def test_native_charts_draw_their_category_names_inside_them_in_the_decks_font(rendered, lang):
    pages, boxes, charts = rendered[lang]
    font = _font_chars(_font_file())
    assert sum(len(c) for c in charts) == 11  # ladder, movers, 8 areas, summary: the map is a picture
    for n, ((_, _, chars), found, slide_charts) in enumerate(zip(pages, boxes, charts, strict=True), start=1):
        for box, categories in slide_charts:
            text = [c for c in chars if colour_of(c) not in found
                    and inside(c["x0"], c["top"], c["x1"], c["bottom"], box)]
            assert text, f"slide {n}: the chart drew no text"
            other = {c["text"] for c in text if c["text"].strip() and "NotoSansThai" not in c["fontname"]
                     and all(ord(ch) in font for ch in c["text"])}  # not a symbol the font lacks (▲)
            assert not other, f"slide {n}: drawn in another font: {other}"
            drawn = squash("".join(c["text"] for c in sorted(text, key=lambda c: (round(c["top"]), c["x0"]))))
            # a name may wrap, and Thai marks come back in their drawn order: its base letters suffice
            for name in categories:
                letters = [ch for ch in name if ch.isalnum() and not unicodedata.combining(ch)
                           and unicodedata.category(ch) != "Mn"]
                assert all(ch in drawn for ch in letters), f"slide {n}: {name!r} not drawn"
