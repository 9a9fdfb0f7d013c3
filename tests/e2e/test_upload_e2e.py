"""The upload page in a real browser: an officer signs in through the form, a workbook
chosen through the browser's file input is checked, shown with its level, stored on
confirm (waiting for a reviewer: nothing is published until one accepts it) and counted
in the upload log; a bad file shows its cell. An administrator sees the Administration
pages (and Submissions, the reviewers' page) in the sidebar until signing out. Runs against a server of its
own (its own SQLite database), so the data it stores never reaches the other browser tests.

Screenshots (Thai): artifacts/screenshots/upload-th-*.png, auth-th-*.png
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers.e2ehelp import (
    create_account,
    no_error_on_screen,
    open_page,
    screenshot,
    sign_in,
    streamlit_server,
    wait_for_app_run,
)
from playwright.sync_api import Page, expect

from ecocity.i18n import fy_label, t

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
GOOD = ROOT / "data" / "sample" / "2566_MAP-TA-PHUT.xlsx"
BAD = ROOT / "tests" / "data" / "workbooks" / "not_a_number.xlsx"
PASSWORD = "correct horse battery staple"


@pytest.fixture(scope="module")
def upload_app(tmp_path_factory: pytest.TempPathFactory, chromium_path: str) -> Iterator[tuple[str, str]]:
    """(base URL, database URL) of a dashboard on an empty database of its own."""
    tmp = tmp_path_factory.mktemp("e2e-upload")
    db_url = f"sqlite:///{tmp / 'upload.sqlite3'}"
    create_account(db_url, "somchai", PASSWORD, role="officer", estates=("MAP-TA-PHUT",), display_name="สมชาย ใจดี")
    create_account(db_url, "boss", PASSWORD, role="admin", display_name="ผู้ดูแล")
    with streamlit_server(db_url, tmp) as url:
        yield url, db_url


def _uploads(db_url: str) -> list:
    from ecocity.store import list_uploads, make_engine, session_scope

    engine = make_engine(db_url)
    try:
        with session_scope(engine) as s:
            return list_uploads(s)
    finally:
        engine.dispose()


def _published(db_url: str) -> tuple[list, list]:
    """((kind, code) of every published assessment, (estate, version, status) of every version)."""
    from sqlalchemy import select

    from ecocity.store import make_engine, session_scope
    from ecocity.store import models as m

    engine = make_engine(db_url)
    try:
        with session_scope(engine) as s:
            return ([tuple(r) for r in s.execute(select(m.Assessment.entity_kind, m.Assessment.entity_code))],
                    [tuple(r) for r in s.execute(select(m.Submission.estate_code, m.Submission.version,
                                                        m.Submission.status).order_by(m.Submission.id))])
    finally:
        engine.dispose()


def test_upload_through_the_browser_confirm_and_see_it_in_the_log(page: Page, upload_app):
    url, db_url = upload_app
    sign_in(page, url, "somchai", PASSWORD, next_page="upload")
    expect(page.get_by_role("heading", level=1)).to_have_text(t("upload.title", "th"))
    expect(page.get_by_text(t("upload.log.empty", "th"))).to_be_visible()
    screenshot(page, "upload-th-empty")

    # The uploader's hidden <input type=file>: what the browser's file chooser fills.
    chooser = page.locator("[data-testid='stFileUploader'] input[type='file']")
    expect(chooser).to_be_enabled()
    chooser.set_input_files([str(GOOD), str(BAD)])
    expect(page.get_by_text(t("upload.batch.summary", "th", total=2, accepted=1, rejected=1))).to_be_visible(
        timeout=30_000)
    wait_for_app_run(page)
    # The bad file names its cell and what to type; nothing of it is stored.
    expect(page.get_by_text("ตัวชี้วัด (Indicators)!E5").first).to_be_visible()
    expect(page.get_by_text("ประมาณ 20", exact=False).first).to_be_visible()
    # The good one shows the level it would give before anything is saved.
    expect(page.get_by_text(t("upload.level.heading", "th")).first).to_be_visible()
    no_error_on_screen(page)
    screenshot(page, "upload-th-checked")
    before = _uploads(db_url)
    assert [(u.filename, u.outcome) for u in before] == [(BAD.name, "rejected")]

    page.get_by_role("button", name=t("upload.confirm.button", "th", count=1)).click()
    wait_for_app_run(page)
    expect(page.get_by_text(t("upload.confirm.done", "th", stored=1, duplicates=0, failed=0))).to_be_visible(
        timeout=30_000)
    # An officer's upload waits for a reviewer: the page says so, and nothing is published yet.
    expect(page.get_by_text(t("store.pending_review", "th"))).to_be_visible()
    assert _published(db_url) == ([], [("MAP-TA-PHUT", 1, "pending")])
    # Counted in the upload log on the page (the table is a canvas: its count and the
    # picker are text), and in the database.
    expect(page.get_by_text(t("upload.log.showing", "th", count=2))).to_be_visible()
    # After storing, the log's picker shows the newest upload: the stored file.
    picker = page.locator("[class*='st-key-upload_log_pick'] [role='combobox']")
    expect(picker).to_have_accessible_name(t("upload.log.pick", "th"))
    expect(picker).to_have_value(re.compile(rf"^#2 · {re.escape(GOOD.name)}"))
    no_error_on_screen(page)
    screenshot(page, "upload-th-stored")
    after = _uploads(db_url)
    assert sorted((u.filename, u.outcome, u.uploaded_by) for u in after) == sorted(
        [(BAD.name, "rejected", "somchai"), (GOOD.name, "accepted", "somchai")])

    # The Overview (a visitor's, signed out) changes only once a reviewer accepts the version.
    visitor = page.context.browser.new_page()
    try:
        open_page(visitor, f"{url}/?lang=th")
        expect(visitor.get_by_text(t("app.overview.intro", "th"))).to_be_visible()  # still no published data
        _accept(db_url)
        assert _published(db_url)[1] == [("MAP-TA-PHUT", 1, "accepted")]
        open_page(visitor, f"{url}/?lang=th")
        scope = f"{fy_label(2566, 'th')} · {t('filters.all_regions', 'th')}"
        expect(visitor.get_by_text(scope, exact=True)).to_be_visible(timeout=30_000)
        expect(visitor.get_by_text(t("app.overview.intro", "th"))).to_have_count(0)
        no_error_on_screen(visitor)
    finally:
        visitor.close()


def _accept(db_url: str) -> None:
    """A reviewer of every area accepts Map Ta Phut's newest version."""
    from ecocity.core.access import ALL_AREAS, Actor
    from ecocity.store import make_engine
    from ecocity.store.review import review_submission

    engine = make_engine(db_url)
    try:
        review_submission(engine, "MAP-TA-PHUT", 2566, "accept", version=1,
                          by=Actor("ratree", "reviewer", areas=frozenset({ALL_AREAS})))
    finally:
        engine.dispose()


def test_admin_sees_the_administration_pages_until_signing_out(page: Page, upload_app):
    url, _ = upload_app
    nav = page.get_by_test_id("stSidebarNav")
    open_page(page, f"{url}/?lang=th")
    expect(nav.get_by_text(t("app.nav.overview", "th"))).to_be_visible()
    expect(nav.get_by_text(t("admin.nav.section", "th"))).to_have_count(0)
    # exact: "ส่งข้อมูล" (Upload) is also part of "การส่งข้อมูล" (Submissions)
    expect(nav.get_by_text(t("app.nav.upload", "th"), exact=True)).to_have_count(0)
    expect(nav.get_by_text(t("submissions.title", "th"), exact=True)).to_have_count(0)

    sign_in(page, url, "boss", PASSWORD)
    expect(nav.get_by_text(t("admin.nav.section", "th"))).to_be_visible()
    for key in ("users", "audit", "registry", "framework"):
        expect(nav.get_by_text(t(f"admin.nav.{key}", "th"), exact=True)).to_be_visible()
    expect(nav.get_by_text(t("app.nav.upload", "th"), exact=True)).to_be_visible()
    expect(nav.get_by_text(t("submissions.title", "th"), exact=True)).to_be_visible()
    expect(page.get_by_test_id("stSidebar").get_by_text("ผู้ดูแล (boss)")).to_be_visible()
    nav.get_by_text(t("admin.nav.users", "th"), exact=True).click()
    wait_for_app_run(page)
    expect(page.get_by_role("heading", level=1)).to_have_text(t("admin.users.title", "th"))
    no_error_on_screen(page)
    screenshot(page, "auth-th-admin-users")

    page.get_by_test_id("stSidebar").get_by_role("button", name=t("auth.sign_out", "th")).click()
    wait_for_app_run(page)
    expect(nav.get_by_text(t("admin.nav.section", "th"))).to_have_count(0)
    expect(nav.get_by_text(t("admin.nav.users", "th"), exact=True)).to_have_count(0)
    # The page that was open refuses now, and says how to sign in again.
    expect(page.get_by_role("heading", level=1)).to_have_text(t("auth.guard.title_sign_in", "th"))
    no_error_on_screen(page)
    screenshot(page, "auth-th-signed-out")
