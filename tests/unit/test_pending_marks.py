"""Data not yet reviewed, as shown (pure, no database): a flagged row's name carries the
mark, the Overview's map names it too, and a deck built with it says so on its title slide
and in every footer: the PPTX slides and the PDF's pages (placeholder chart images)."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date

from pptx import Presentation
from pypdf import PdfReader
from test_export import images, squash
from test_slides import AREAS, ESTATES, FW, PROVINCES, REGISTRY

from ecocity.core.rows import PENDING_MARK, pending_name
from ecocity.i18n import t
from ecocity.io.export.pdf import deck_pdf
from ecocity.io.export.pptx import deck_pptx
from ecocity.pagemodels.overview import overview_model
from ecocity.pagemodels.slides import Scope, build_deck
from ecocity.ui.pending import TAG, is_pending, parse


def _pending(rows, code):
    return [replace(r, pending=True) if r.code == code and r.fiscal_year == 2566 else r for r in rows]


AREAS_P, ESTATES_P = _pending(AREAS, "A"), _pending(ESTATES, "x")


def test_a_flagged_row_is_named_with_the_mark():
    a = next(r for r in AREAS_P if r.code == "A" and r.fiscal_year == 2566)
    assert a.name("en") == f"Rayong - Map Ta Phut {PENDING_MARK}" and a.name("th") == pending_name("ระยอง - มาบตาพุด")
    assert a.name_en == "Rayong - Map Ta Phut"  # the stored name itself is untouched (sorting, links)
    assert not next(r for r in AREAS_P if r.code == "B").name("en").endswith(PENDING_MARK)


def test_the_overview_marks_the_map_and_the_ranking():
    m = overview_model(FW, AREAS_P, ESTATES_P, REGISTRY, PROVINCES, 2566, "en")
    names = {(mk.kind, mk.code): mk.name for mk in m.markers}
    assert names[("area", "A")] == pending_name("Rayong - Map Ta Phut") and names[("area", "B")] == "Lamphun"
    assert names[("estate", "x")].endswith(PENDING_MARK) and not names[("estate", "y")].endswith(PENDING_MARK)
    assert pending_name("Rayong - Map Ta Phut") in [r.row.name("en") for r in m.ranking]
    plain = overview_model(FW, AREAS, ESTATES, REGISTRY, PROVINCES, 2566, "en")
    assert not any(mk.name.endswith(PENDING_MARK) for mk in plain.markers)


def _deck(lang: str, pending: bool):
    return build_deck(FW, AREAS_P if pending else AREAS, ESTATES_P if pending else ESTATES, REGISTRY, PROVINCES,
                      2566, Scope(), lang, data_date=date(2026, 11, 21), pending=pending)


def test_a_deck_with_pending_data_says_so_in_every_footer():
    for lang in ("th", "en"):
        note = t("pending.export", lang)
        d = _deck(lang, True)
        assert note in d.footer and note in d.slides[0].bullets
        assert note not in _deck(lang, False).footer
        prs = Presentation(io.BytesIO(deck_pptx(d, images=images(d))))
        for slide in prs.slides:
            assert note in "\n".join(sh.text_frame.text for sh in slide.shapes if sh.has_text_frame)
        pages = [p.extract_text() for p in PdfReader(io.BytesIO(deck_pdf(d, images=images(d)))).pages]
        assert all(squash(note) in squash(p) for p in pages)
        assert squash(pending_name(REGISTRY.areas[0].name(lang))) in squash("".join(pages))


def test_the_switch_rides_on_the_data_token():
    assert is_pending("abc:12" + TAG) and not is_pending("abc:12")
    assert parse("1") is True and parse("off") is False and parse("x") is None and parse(None) is None
