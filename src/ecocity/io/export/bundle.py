"""Several exports of one deck from one browser session: the map's picture for the PPTX and
the PDF (their other charts are native or vectors) and every chart of the PNG ZIP."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Collection

from ecocity.core.textsafe import safe_filename
from ecocity.io.export.png import ChartFile, chart_shots, deck_charts, render
from ecocity.io.export.progress import Progress, Steps
from ecocity.io.export.slidecharts import Pictures, picture_shots
from ecocity.pagemodels.slides import Deck

FORMATS = ("pptx", "pdf", "png")


def file_stem(deck: Deck) -> str:
    """"ecocity-2566-country-th", "ecocity-2566-region-east-en", "ecocity-2566-area-rayong-map-ta-phut-th"."""
    scope = re.sub(r"[^\w-]+", "-", deck.scope.param.lower()).strip("-")  # no path or dots
    return safe_filename(f"ecocity-{deck.year}-{scope}-{deck.lang}")


def png_zip(deck: Deck, files: list[ChartFile]) -> bytes:
    """The charts' PNG files in a ZIP, in a folder named after the deck."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:  # PNG is compressed already
        for f in files:
            z.writestr(f"{file_stem(deck)}/{f.name}", f.png)
    return buf.getvalue()


def build(deck: Deck, fmt: str, *, pictures: Pictures | None = None, progress: Progress | None = None) -> bytes:
    """One export of ``deck``: "pptx", "pdf" or "png" (a ZIP of every chart). ``pictures``:
    the map's, rendered once for the PPTX and the PDF of the deck (else rendered here)."""
    if fmt == "pptx":
        from ecocity.io.export.pptx import deck_pptx

        return deck_pptx(deck, images=pictures, progress=progress)
    if fmt == "pdf":
        from ecocity.io.export.pdf import deck_pdf

        return deck_pdf(deck, images=pictures, progress=progress)
    if fmt != "png":
        raise ValueError(f"unknown export format {fmt!r}")
    step = Steps(progress, deck.lang)
    step(0.0, "charts")
    files = deck_charts(deck, done=lambda n, total: step(0.95 * n / total, "charts", n, total))
    step(0.95, "saving")
    out = png_zip(deck, files)
    step(1.0, "done")
    return out


def bundle(deck: Deck, formats: Collection[str] = FORMATS) -> dict[str, bytes]:
    """format -> file bytes ("png" is a ZIP of every chart), every picture rendered in one
    Chromium session: the map's serves both the PPTX and the PDF."""
    slides = picture_shots(deck) if {"pptx", "pdf"} & set(formats) else []
    charts = chart_shots(deck) if "png" in formats else []
    pngs = render([s for _, s in slides] + [s for _, s in charts])
    images = dict(zip((i for i, _ in slides), pngs[:len(slides)], strict=True))
    out: dict[str, bytes] = {}
    if "pptx" in formats:
        from ecocity.io.export.pptx import deck_pptx

        out["pptx"] = deck_pptx(deck, images=images)
    if "pdf" in formats:
        from ecocity.io.export.pdf import deck_pdf

        out["pdf"] = deck_pdf(deck, images=images)
    if "png" in formats:
        out["png"] = png_zip(deck, [ChartFile(name, png) for (name, _), png in zip(charts, pngs[len(slides):],
                                                                                   strict=True)])
    return out
