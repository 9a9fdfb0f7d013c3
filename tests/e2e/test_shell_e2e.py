"""The app in a real browser: it loads in Thai with the registry's areas, the language
switch changes the text and the URL, and every page opens without an error. Each test
checks one behaviour; after every interaction it waits for the script to finish."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from helpers.e2ehelp import no_error_on_screen, open_page, screenshot, wait_for_app_run
from playwright.sync_api import Page, expect

from ecocity.i18n import t

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
# By convention a page's url_path is its file name in views/ (app.py sets it so).
PAGES = sorted(p.stem for p in (ROOT / "views").glob("*.py"))


def test_overview_opens_in_thai_with_the_areas(page: Page, app_url: str):
    open_page(page, app_url)
    expect(page.get_by_role("heading", level=1)).to_have_text(t("app.overview.title", "th"))
    area = page.locator(".st-key-area_RAYONG-MAP-TA-PHUT")
    expect(area).to_contain_text("ระยอง - มาบตาพุด")
    no_error_on_screen(page, "th")
    screenshot(page, "overview-th")


def test_switching_to_english_changes_the_text_and_the_url(page: Page, app_url: str):
    open_page(page, app_url)
    page.locator(".st-key-lang").get_by_text("English").click()
    wait_for_app_run(page)
    expect(page.get_by_role("heading", level=1)).to_have_text(t("app.overview.title", "en"))
    expect(page.locator(".st-key-area_RAYONG-MAP-TA-PHUT")).to_contain_text("Rayong - Map Ta Phut")
    expect(page).to_have_url(re.compile(r"[?&]lang=en\b"))
    screenshot(page, "overview-en")


def test_a_link_with_lang_en_opens_in_english(page: Page, app_url: str):
    open_page(page, f"{app_url}/?lang=en")
    expect(page.get_by_role("heading", level=1)).to_have_text(t("app.overview.title", "en"))


def test_thai_text_uses_the_served_thai_font(page: Page, app_url: str):
    open_page(page, app_url)
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_be_visible()
    assert page.evaluate("document.fonts.check('16px noto-sans-thai', 'ภาพรวม')")
    loaded = page.evaluate("""() => document.fonts.ready.then(() =>
        [...document.fonts].filter(f => f.family.replace(/"/g, '') === 'noto-sans-thai' && f.status === 'loaded').length)""")
    assert loaded >= 1, "the Thai web font was not loaded from app/static"


@pytest.mark.parametrize("lang", ["th", "en"])
@pytest.mark.parametrize("name", PAGES)
def test_every_page_opens_without_error(page: Page, app_url: str, name: str, lang: str):
    open_page(page, f"{app_url}/{name}?lang={lang}")
    expect(page.get_by_role("heading", level=1).first).to_be_visible()
    no_error_on_screen(page, lang)
    screenshot(page, f"page-{name}-{lang}")
