"""In a real browser, offline: no request leaves the server and no console error appears on the
Upload page and the administration pages (the tab's icon is a file the server serves), and
the file uploaders show the catalogue's texts (Thai or English) with the limit they enforce,
in place of Streamlit's own English ("Upload", "10MB per file", "Drag and drop files here").

The pages are opened by clicking, from the home page: a page address typed in the address
bar makes Streamlit's client probe "<page>/_stcore/health" first (a 404 in the console;
Streamlit issue 7074), which is not what this test is about.

Screenshots: artifacts/screenshots/offline-*.png
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from helpers.e2ehelp import (
    create_account,
    no_error_on_screen,
    open_page,
    screenshot,
    streamlit_server,
    wait_for_app_run,
)
from playwright.sync_api import Page, expect

from ecocity.i18n import t
from ecocity.ui.widgets import uploader_texts

pytestmark = pytest.mark.e2e

PASSWORD = "correct horse battery staple"
DROPZONE = "[data-testid='stFileUploaderDropzone']"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory, chromium_path: str) -> Iterator[str]:
    """Base URL of a dashboard on a database of its own with an officer and an administrator."""
    tmp = tmp_path_factory.mktemp("e2e-offline")
    db_url = f"sqlite:///{tmp / 'offline.sqlite3'}"
    create_account(db_url, "somchai", PASSWORD, role="officer", estates=("MAP-TA-PHUT",))
    create_account(db_url, "boss", PASSWORD, role="admin")
    with streamlit_server(db_url, tmp) as url:
        yield url


@dataclass
class Traffic:
    """What the page asked for beyond the server, and what went wrong on the way."""

    base: str
    outside: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    console: list[str] = field(default_factory=list)

    def watch(self, page: Page) -> Traffic:
        local = (self.base, "data:", "blob:")
        page.on("request", lambda r: None if r.url.startswith(local) else self.outside.append(r.url))
        page.on("requestfailed", lambda r: self.failed.append(f"{r.url} {r.failure}"))
        page.on("response", lambda r: self.failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
        page.on("console", lambda m: self.console.append(m.text) if m.type == "error" else None)
        return self

    def assert_clean(self) -> None:
        assert (self.outside, self.failed, self.console) == ([], [], [])


def sign_in_from_home(page: Page, base: str, username: str, lang: str) -> None:
    """Open the home page, follow the sidebar's sign-in link and submit the form."""
    open_page(page, f"{base}/?lang={lang}")
    page.get_by_test_id("stSidebar").get_by_text(t("auth.sign_in", lang), exact=True).click()
    wait_for_app_run(page)
    page.locator(".st-key-sign_in_username input").fill(username)
    page.locator(".st-key-sign_in_password input").fill(PASSWORD)
    page.get_by_role("button", name=t("auth.page.submit", lang)).click()
    wait_for_app_run(page)
    expect(page.get_by_test_id("stSidebar").get_by_text(t("auth.sign_out", lang))).to_be_visible(timeout=30_000)


def go(page: Page, key: str) -> None:
    page.locator(f"[data-testid='stSidebarNav'] a[href$='/{key}']").click()
    wait_for_app_run(page)


def after(page: Page, selector: str) -> dict:
    """The font size of the first element matching ``selector``, and its ::after text and size."""
    return page.evaluate("""(sel) => { const e = document.querySelector(sel);
        if (!e) return null;
        const a = getComputedStyle(e, '::after');
        return {size: getComputedStyle(e).fontSize, after: a.content, after_size: a.fontSize,
                width: e.getBoundingClientRect().width}; }""", selector)


def assert_uploader_says(page: Page, texts: dict[str, str]) -> None:
    """Streamlit's English is at size 0; the catalogue's text is drawn after it, readable."""
    button = after(page, f"{DROPZONE} button [data-testid='stMarkdownContainer'] p")
    instructions = after(page, f"{DROPZONE} [data-testid='stFileUploaderDropzoneInstructions'] span")
    for found, text in ((button, texts["button"]), (instructions, texts["instructions"])):
        assert found is not None
        assert (found["size"], found["after"], found["after_size"]) == ("0px", f'"{text}"', "14px")
        assert found["width"] > 40  # the text takes room on screen
    # While a file is dragged over it, the drop hint too.
    transfer = page.evaluate_handle("() => { const d = new DataTransfer(); d.items.add(new File(['x'], 'a.xlsx'));"
                                    " return d; }")
    page.dispatch_event(DROPZONE, "dragenter", {"dataTransfer": transfer})
    drop = f"{DROPZONE} > div:not([data-testid]) > span:only-child"
    page.wait_for_selector(drop)
    found = after(page, drop)
    assert (found["size"], found["after"]) == ("0px", f'"{texts["drop"]}"')
    page.dispatch_event(DROPZONE, "dragleave", {"dataTransfer": transfer})
    expect(page.locator(drop)).to_have_count(0)


def test_the_upload_page_speaks_thai_and_asks_nothing_of_the_internet(page: Page, app: str):
    traffic = Traffic(app).watch(page)
    sign_in_from_home(page, app, "somchai", "th")
    go(page, "upload")
    expect(page.get_by_role("heading", level=1)).to_have_text(t("upload.title", "th"))
    page.wait_for_selector(DROPZONE)
    assert_uploader_says(page, uploader_texts("th", 10, multiple=True))
    # The tab's icon is the server's own file.
    icon = page.locator("link[rel~='icon']").first.get_attribute("href") or ""
    assert not icon.startswith(("http://", "https://")) or icon.startswith(app)
    no_error_on_screen(page)
    screenshot(page, "offline-th-upload")
    traffic.assert_clean()


@pytest.mark.parametrize("lang", ["th", "en"])
def test_the_admin_pages_state_the_framework_limit_and_stay_offline(page: Page, app: str, tmp_path: Path,
                                                                       lang: str):
    traffic = Traffic(app).watch(page)
    sign_in_from_home(page, app, "boss", lang)
    for key in ("admin_users", "admin_registry", "admin_audit"):
        go(page, key)
        no_error_on_screen(page, lang)
    screenshot(page, f"offline-{lang}-audit")
    go(page, "admin_framework")
    page.wait_for_selector(DROPZONE)
    texts = uploader_texts(lang, 1, ["toml"])
    assert_uploader_says(page, texts)
    expect(page.get_by_text(t("framework_admin.upload.intro", lang, mb=1))).to_be_visible()
    # A file over the 1 MB stated is refused by the uploader itself, saying why in the page's language.
    big = tmp_path / "big.toml"
    big.write_bytes(b"#" * (2 * 2**20))
    page.locator(f"{DROPZONE} input[type='file']").set_input_files(str(big))
    chip = page.locator("[data-testid='stFileChip'][aria-invalid='true']")
    expect(chip).to_be_visible()
    size = chip.locator("[data-testid='stFileChipName'] + div")
    assert size.evaluate("e => getComputedStyle(e, '::after').content") == f'" · {texts["refused"]}"'
    no_error_on_screen(page, lang)
    screenshot(page, f"offline-{lang}-framework-refused")
    traffic.assert_clean()
