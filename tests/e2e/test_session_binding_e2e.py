"""A sign-in belongs to the browser that signed in. Streamlit lets a client reconnect to a
session by its ID (the third Sec-WebSocket-Protocol entry), and that ID is in every upload
URL, so it reaches proxy logs and HAR files. Another browser that reconnects with it must
not be signed in. (That the browser that signed in stays so as it moves between pages is
what every other browser test that signs in relies on.)"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers.e2ehelp import create_account, open_page, sign_in, streamlit_server, wait_for_app_run
from playwright.sync_api import Browser, Page, expect
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from ecocity.i18n import t

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
WORKBOOK = ROOT / "data" / "sample" / "2566_MAP-TA-PHUT.xlsx"
PASSWORD = "correct horse battery staple"
UPLOAD_URL = re.compile(r"/_stcore/upload_file/([0-9a-f-]{36})/")

# Wraps the WebSocket constructor so that this browser asks for session ``SID``, with its
# own XSRF token, as the reproduction of the takeover did.
TAKEOVER = """
(() => {
  const Real = window.WebSocket;
  function Hijack(url, protocols) {
    if (Array.isArray(protocols) && protocols[0] === 'streamlit') {
      protocols = ['streamlit', protocols[1] || '', '%s'];
    }
    return new Real(url, protocols);
  }
  Hijack.prototype = Real.prototype;
  for (const k of ['CONNECTING', 'OPEN', 'CLOSING', 'CLOSED']) Hijack[k] = Real[k];
  window.WebSocket = Hijack;
})();
"""


@pytest.fixture(scope="module")
def server_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("e2e-binding")


@pytest.fixture(scope="module")
def admin_app(server_dir: Path, chromium_path: str) -> Iterator[str]:
    db_url = f"sqlite:///{server_dir / 'binding.sqlite3'}"
    create_account(db_url, "boss", PASSWORD, role="admin", display_name="Admin Boss")
    with streamlit_server(db_url, server_dir) as url:
        yield url


def _session_id_from_an_upload(page: Page) -> str:
    """What an attacker reads in a proxy log: the session ID in the upload URL."""
    with page.expect_request(lambda r: r.method == "PUT" and UPLOAD_URL.search(r.url) is not None) as req:
        page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(str(WORKBOOK))
    m = UPLOAD_URL.search(req.value.url)
    assert m is not None
    return m.group(1)


def _signed_in_as(page: Page, lang: str, who: str) -> bool:
    sidebar = page.get_by_test_id("stSidebar")
    return sidebar.get_by_text(t("auth.sign_out", lang)).count() > 0 and sidebar.get_by_text(who).count() > 0


REFUSED = "a sign-in of boss was refused to another browser on its session"  # ecocity.ui.auth's log line


def _open_as_thief(thief: Page, url: str, server_log: Path) -> bool:
    """Open ``url`` in the thief's browser; True once its page has connected and run.

    Every connection it makes, reloads included, presents the stolen ID, so one reload (as
    a person would) keeps the test's claim. Reattached to the victim's session, the fresh
    page is sometimes sent changes to the victim's page it never had ("Bad delta path
    index" in its console) and never shows as connected: False then, and the server must
    have logged that it refused the sign-in to this browser."""
    console: list[str] = []
    thief.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
    try:
        open_page(thief, url)
        return True
    except PlaywrightTimeoutError:
        print("the thief's page did not connect; reloading once")
    try:
        thief.reload()
        wait_for_app_run(thief)
        return True
    except PlaywrightTimeoutError:
        log = server_log.read_text(encoding="utf-8", errors="replace")
        assert REFUSED in log, ("the thief's page never connected, and the server did not refuse it\n"
                                "--- browser console:\n" + "\n".join(console[-40:])
                                + "\n--- server log:\n" + log[-4000:])
        print("the thief's page never connected; the server refused the sign-in to it")
        return False


def test_another_browser_with_the_session_id_is_not_signed_in(browser: Browser, admin_app: str,
                                                              server_dir: Path):
    victim = browser.new_context(viewport={"width": 1366, "height": 900})
    page = victim.new_page()
    sign_in(page, admin_app, "boss", PASSWORD, lang="en", next_page="upload")
    assert _signed_in_as(page, "en", "Admin Boss")
    sid = _session_id_from_an_upload(page)
    wait_for_app_run(page)
    page.close()  # the tab is closed; the server keeps the session for a while

    attacker = browser.new_context(viewport={"width": 1366, "height": 900})
    try:
        thief = attacker.new_page()
        thief.add_init_script(TAKEOVER % sid)
        if _open_as_thief(thief, f"{admin_app}/admin_users?lang=en", server_dir / "streamlit.log"):
            # The administrators' page asks to sign in; no one is signed in in this browser.
            expect(thief.get_by_text(t("auth.sign_in", "en")).first).to_be_visible()
        assert not _signed_in_as(thief, "en", "Admin Boss")
        expect(thief.get_by_role("heading", name=t("admin.nav.users", "en"))).to_have_count(0)
    finally:
        attacker.close()
        victim.close()

