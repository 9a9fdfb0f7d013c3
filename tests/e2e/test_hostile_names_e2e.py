"""Hostile names in a real browser: an area, an estate and every note carry a Markdown link,
HTML (a link and bold text), bare addresses and Markdown emphasis, as an administrator could
type them in the registry. Every page and chart, in Thai and in English, anonymous and signed
in, shows them as text: the DOM holds no link to the hostile address (HTML ``<a>`` or SVG
``<a>`` in a chart) and no bold element made from the name, while the text itself is on the
page. The unit side is in tests/unit/test_hardening.py and tests/apptest/test_hardening_pages.py.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
from helpers.e2ehelp import (
    create_account,
    draw_charts,
    no_error_on_screen,
    open_page,
    sample_database,
    sign_in,
    streamlit_server,
    wait_for_app_run,
)
from playwright.sync_api import Page, expect
from sqlalchemy import insert, update

from ecocity.config import ROOT
from ecocity.store import models as m
from ecocity.store.db import make_engine

pytestmark = pytest.mark.e2e

HOSTILE = ('[md](https://example.org/md) <a href="https://example.org/html">x</a> <b>y</b> '
           "https://example.org/bare www.example.org a@example.org **bold**")
AREA, ESTATE = "RAYONG-MAP-TA-PHUT", "MAP-TA-PHUT"
OFFICER, PASSWORD = "somchai", "correct horse battery 42"
GOOD = ROOT / "data" / "sample" / "2566_MAP-TA-PHUT.xlsx"

# Links to the hostile address, HTML or SVG (Plotly draws <a> in its text as SVG links), and
# bold made from the name: Markdown's <strong>, HTML's <b>, Plotly's bold <tspan>.
FOUND = """() => {
  const root = document.querySelector('[data-testid="stApp"]');
  const bad = [];
  for (const a of root.querySelectorAll('a')) {
    const href = a.getAttribute('href') || a.getAttribute('xlink:href') || '';
    if (href.includes('example.org')) bad.push(a.outerHTML.slice(0, 160));
  }
  for (const e of root.querySelectorAll('b, strong, tspan[style*="bold"]')) {
    if (['x', 'y', 'bold'].includes(e.textContent.trim())) bad.push(e.outerHTML.slice(0, 160));
  }
  return {bad, text: root.textContent};
}"""


@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory: pytest.TempPathFactory, chromium_path: str) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("e2e-hostile")
    db = sample_database(tmp)
    engine = make_engine(db)
    try:
        with engine.begin() as conn:
            conn.execute(update(m.Area).where(m.Area.code == AREA).values(name_th=HOSTILE, name_en=HOSTILE))
            conn.execute(update(m.Estate).where(m.Estate.code == ESTATE).values(name_th=HOSTILE, name_en=HOSTILE))
            conn.execute(insert(m.Meta).values(key=m.REGISTRY_EDITED_KEY, value="2026-12-07T00:00:00+00:00"))
            conn.execute(update(m.IndicatorValue).values(note=HOSTILE))
    finally:
        engine.dispose()
    create_account(db, OFFICER, PASSWORD, role="officer", estates=(ESTATE,), display_name=HOSTILE)
    with streamlit_server(db, tmp) as url:
        yield url


def _shown_as_text(page: Page, lang: str, *, name_shown: bool = True) -> None:
    no_error_on_screen(page, lang)
    draw_charts(page, at_least=0)
    found = page.evaluate(FOUND)
    assert found["bad"] == [], found["bad"]
    if name_shown:  # the page did show the name, as text
        assert "<b>y</b>" in found["text"]


@pytest.mark.parametrize("lang", ["th", "en"])
def test_public_pages_show_hostile_names_as_text(page: Page, hostile_server: str, lang: str):
    for path, shown in ((f"?lang={lang}", True),
                        (f"area?lang={lang}&area={AREA}", True),
                        (f"estate?lang={lang}&estate={ESTATE}&year=2566", True),
                        (f"indicators?lang={lang}", True),
                        (f"indicators?lang={lang}&estate={ESTATE}", True),
                        (f"area?lang={lang}&area={AREA}&whatif=ENV-01:99", True),
                        (f"method?lang={lang}", False)):
        open_page(page, f"{hostile_server}/{path}")
        _shown_as_text(page, lang, name_shown=shown)
    # The area's score explained (its text names the estates): drawn once it is opened.
    open_page(page, f"{hostile_server}/area?lang={lang}&area={AREA}")
    page.locator(".st-key-area_explain summary").click()
    expect(page.locator(".st-key-area_explain [data-testid='stDataFrame']")).to_be_visible(timeout=30_000)
    wait_for_app_run(page)
    _shown_as_text(page, lang)


@pytest.mark.parametrize("lang", ["th", "en"])
def test_slides_show_hostile_names_as_text(page: Page, hostile_server: str, lang: str):
    open_page(page, f"{hostile_server}/present?lang={lang}&area={AREA}")
    _shown_as_text(page, lang, name_shown=False)
    following = page.locator(".st-key-present_next button")
    for _ in range(30):  # through the deck: the area's own slides carry its name
        if not following.is_enabled():
            break
        following.click()
        wait_for_app_run(page)
        _shown_as_text(page, lang, name_shown=False)


def test_upload_and_restore_messages_show_hostile_names_as_text(page: Page, hostile_server: str, tmp_path):
    """The officer's side: "version N was restored", "already has data ... version N" and
    "stored as version ... its area is at level"."""
    from ecocity.core.framework import load_framework
    from ecocity.flows.intake import check_file
    from ecocity.i18n import t
    from ecocity.io.workbook.template import write_submission

    fw = load_framework()
    data = check_file(GOOD.read_bytes(), GOOD.name, fw, {ESTATE: (HOSTILE, HOSTILE)}).submission
    assert data is not None
    changed = tmp_path / "corrected.xlsx"
    changed.write_bytes(write_submission(fw, dataclasses.replace(data, values={**data.values, "ENV-01": 99.0})))

    sign_in(page, hostile_server, OFFICER, PASSWORD, next_page="estate", params=f"estate={ESTATE}&year=2566")
    page.locator(".st-key-estate_restore button").click()
    dialog = page.get_by_role("dialog")
    dialog.locator(".st-key-estate_restore_confirm button").click()
    wait_for_app_run(page)
    expect(page.get_by_test_id("stAlertContentSuccess")).to_contain_text("3")
    _shown_as_text(page, "th")  # "version N of <name> was restored as version 3"

    sign_in(page, hostile_server, OFFICER, PASSWORD, next_page="upload")
    _shown_as_text(page, "th", name_shown=False)
    page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(str(changed))
    expect(page.get_by_test_id("stAlertContentWarning").first).to_be_visible(timeout=30_000)
    wait_for_app_run(page)
    _shown_as_text(page, "th")  # "already has data for 2566 (current version 3)"
    page.get_by_role("button", name=t("upload.confirm.button", "th", count=1)).click()
    wait_for_app_run(page)
    expect(page.get_by_test_id("stAlertContentSuccess").first).to_be_visible(timeout=30_000)
    _shown_as_text(page, "th")  # stored, and the levels of the estate and its area
