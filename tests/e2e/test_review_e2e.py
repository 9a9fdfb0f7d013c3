"""The return-and-resubmit loop in a real browser: an officer uploads a workbook (it waits for
review and the published figures stay); a reviewer of the area returns it with a comment on
one indicator; the officer sees the comment on the Upload and Estate pages and uploads a
corrected file; the reviewer accepts it; only then do the published figures change.

Screenshots: artifacts/screenshots/review-returned-th.png, review-screen-th.png,
submissions-th.png.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import pytest
from helpers.e2ehelp import (
    create_account,
    no_error_on_screen,
    open_page,
    sample_database,
    screenshot,
    sign_in,
    streamlit_server,
    wait_for_app_run,
)
from playwright.sync_api import Page, expect

from ecocity.config import ROOT
from ecocity.i18n import t
from ecocity.store import models as m
from ecocity.store.db import make_engine, session_scope

pytestmark = pytest.mark.e2e

AREA, ESTATE = "RAYONG-MAP-TA-PHUT", "MAP-TA-PHUT"
OFFICER, REVIEWER, PASSWORD = "somchai", "ratree", "correct horse battery 42"
GOOD = ROOT / "data" / "sample" / "2566_MAP-TA-PHUT.xlsx"
COMMENT = "ค่าน้ำเสียไม่ตรงกับรายงาน โปรดตรวจสอบ"


@pytest.fixture(scope="module")
def review_server(tmp_path_factory: pytest.TempPathFactory, chromium_path: str) -> Iterator[tuple[str, str, dict]]:
    """(base URL, database URL, workbooks) of a dashboard on the sample data with an officer
    of Map Ta Phut and a reviewer of its area."""
    from ecocity.core.access import system
    from ecocity.core.framework import load_framework
    from ecocity.flows.intake import check_file
    from ecocity.io.workbook.template import write_submission
    from ecocity.store import users

    tmp = tmp_path_factory.mktemp("e2e-review")
    db = sample_database(tmp)
    create_account(db, OFFICER, PASSWORD, role="officer", estates=(ESTATE,), display_name="สมชาย ใจดี")
    engine = make_engine(db)
    users.create_user(engine, system("e2e"), REVIEWER, role="reviewer", areas=[AREA], password=PASSWORD,
                      display_name="ราตรี ตรวจดี")
    engine.dispose()
    fw = load_framework()
    data = check_file(GOOD.read_bytes(), GOOD.name, fw, {ESTATE: ("มาบตาพุด", "Map Ta Phut")}).submission
    files = {}
    for name, value in (("first.xlsx", 99.0), ("corrected.xlsx", 30.0)):
        path = tmp / name
        path.write_bytes(write_submission(fw, dataclasses.replace(data, values={**data.values, "ENV-01": value})))
        files[name] = path
    with streamlit_server(db, tmp) as url:
        yield url, db, files


def _published(db: str) -> tuple[float, dict]:
    """The estate's published overall score and its ENV-01 value, as the dashboards read them."""
    engine = make_engine(db)
    try:
        with session_scope(engine) as s:
            row = s.get(m.Assessment, ("estate", ESTATE, 2566))
            return row.overall_score, row.values.get("ENV-01")
    finally:
        engine.dispose()


def _upload(page: Page, url: str, path) -> None:
    sign_in(page, url, OFFICER, PASSWORD, next_page="upload")
    page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(str(path))
    confirm = page.get_by_role("button", name=t("upload.confirm.button", "th", count=1))
    expect(confirm).to_be_visible(timeout=30_000)
    confirm.click()
    wait_for_app_run(page)
    expect(page.get_by_text(t("store.pending_review", "th"), exact=False).first).to_be_visible(timeout=30_000)
    no_error_on_screen(page)


def _review_screen(page: Page, url: str) -> None:
    sign_in(page, url, REVIEWER, PASSWORD, next_page="estate", params=f"estate={ESTATE}&year=2566")
    expect(page.locator(".st-key-review_panel")).to_be_visible(timeout=30_000)
    no_error_on_screen(page)


def test_return_then_correct_then_accept(page: Page, review_server):
    from ecocity.core.framework import load_framework

    url, db, files = review_server
    before = _published(db)

    # 1. The officer's upload waits for review; the published figures stay.
    _upload(page, url, files["first.xlsx"])
    assert _published(db) == before

    # 2. The reviewer returns it with a comment on ENV-01, typed in the indicator's row.
    _review_screen(page, url)
    grid = page.locator(".st-key-review_values [data-testid='stDataFrameResizable']")
    expect(grid.locator("canvas").first).to_be_visible(timeout=30_000)
    grid.scroll_into_view_if_needed()
    row = load_framework().codes.index("ENV-01")
    editor = page.locator("textarea.gdg-input")
    for _ in range(3):  # a loaded machine may draw the grid late: the first click can miss
        box = grid.bounding_box()
        assert box is not None
        # Rows are 35 px under a 35 px header; the comment column is the last one.
        page.mouse.dblclick(box["x"] + box["width"] - 60, box["y"] + 35 * (row + 1) + 17)
        try:
            expect(editor).to_be_visible(timeout=5_000)
            break
        except AssertionError:
            page.keyboard.press("Escape")
    expect(editor).to_be_visible()
    editor.fill(COMMENT)
    page.keyboard.press("Enter")
    screenshot(page, "review-screen-th")
    page.get_by_role("button", name=t("review.form.return", "th")).click()
    wait_for_app_run(page)
    expect(page.get_by_text(t("review.page.done_returned", "th", version=3))).to_be_visible(timeout=30_000)
    assert _published(db) == before

    # 3. The officer sees the comment on the Upload page, then sends a corrected file.
    sign_in(page, url, OFFICER, PASSWORD, next_page="upload")
    screenshot(page, "review-returned-th")
    expect(page.get_by_text(COMMENT)).to_be_visible(timeout=30_000)
    page.locator("[data-testid='stFileUploader'] input[type='file']").set_input_files(str(files["corrected.xlsx"]))
    confirm = page.get_by_role("button", name=t("upload.confirm.button", "th", count=1))
    expect(confirm).to_be_visible(timeout=30_000)
    confirm.click()
    wait_for_app_run(page)
    expect(page.get_by_text(t("store.pending_review", "th"), exact=False).first).to_be_visible(timeout=30_000)
    assert _published(db) == before

    # 4. The reviewer accepts version 4: now, and only now, the figures change.
    _review_screen(page, url)
    page.get_by_role("button", name=t("review.form.accept", "th")).click()
    wait_for_app_run(page)
    expect(page.get_by_test_id("stAlertContentSuccess").first).to_contain_text("4", timeout=30_000)
    after = _published(db)
    assert after != before and after[1] == 30.0

    # 5. The Submissions page shows it accepted, by the reviewer.
    page.get_by_test_id("stSidebarNav").get_by_role("link", name=t("submissions.title", "th")).click()
    wait_for_app_run(page)
    page.locator(".st-key-submissions_year").get_by_role("combobox").click()
    page.get_by_role("option").filter(has_text="2566").first.click()
    wait_for_app_run(page)
    no_error_on_screen(page)
    screenshot(page, "submissions-th")


def test_the_public_does_not_see_data_waiting_for_review(page: Page, review_server):
    url, db, _ = review_server
    open_page(page, f"{url}/estate?estate={ESTATE}&year=2566&lang=th")
    no_error_on_screen(page)
    expect(page.locator(".st-key-review_panel")).to_have_count(0)
    expect(page.get_by_text(COMMENT)).to_have_count(0)
