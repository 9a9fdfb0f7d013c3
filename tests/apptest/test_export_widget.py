"""The download panel on the sample data: one click prepares the deck, the report and the charts
of the page's year and scope, each built with a progress bar and then offered for download;
made once per data version and scope, so another session gets the same files at once. Needs
Chromium (the map's picture, the PNG charts): skipped without it, unless
ECOCITY_REQUIRE_BROWSER=1 (CI)."""

from __future__ import annotations

import os
import shutil

import pytest
from helpers.apphelp import problems
from helpers.sampledb import _sample_template, page_at, sample_url  # noqa: F401 (fixtures)

from ecocity.i18n import t

PAGE = "views/area.py"


def require_browser() -> None:
    if shutil.which("chromium") or os.environ.get("BROWSER_PATH"):
        return
    if os.environ.get("ECOCITY_REQUIRE_BROWSER") == "1":
        pytest.fail("Chromium is required for the exports (ECOCITY_REQUIRE_BROWSER=1)", pytrace=False)
    pytest.skip("no Chromium: the exports cannot run here")


def test_one_click_makes_the_three_files_once_for_every_session(page_at, sample_url):
    from ecocity.ui.export_widgets import exports

    require_browser()
    at = page_at(sample_url, PAGE, "en", area="LAMPHUN", year="2567")
    assert problems(at) == []
    assert not at.get("download_button")
    before = exports().builds
    at.button(key="area_export_prepare").click().run()
    assert problems(at) == []
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == [t(f"export.widget.{fmt}", "en") for fmt in ("pptx", "pdf", "png")]
    assert not at.get("progress")  # each bar gone once its file is made
    assert exports().builds - before == 4  # the map's picture (once for the PPTX and the PDF) and three files

    again = page_at(sample_url, PAGE, "en", area="LAMPHUN", year="2567")  # another session, same data
    again.button(key="area_export_prepare").click().run()
    assert problems(again) == [] and len(again.get("download_button")) == 3
    assert exports().builds - before == 4  # nothing made again
