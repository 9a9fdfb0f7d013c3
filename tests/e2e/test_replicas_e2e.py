"""Two replicas of the dashboard on one PostgreSQL database ("Many users at once").

Two real `streamlit run app.py` processes share a fresh PostgreSQL database, as replicas
behind a reverse proxy would. A viewer has the Overview open in replica A; an officer
signs in on replica B in another browser context and uploads a workbook through B's
Upload page. Replica A keeps its page as it was until the viewer interacts; at the next
interaction (the fiscal-year filter, or Streamlit's "R" rerun key) it shows the new data,
because every cache is keyed by the data token (database id : data version) read from
the database on each run, never by anything kept in one process.

PostgreSQL only (several processes on one SQLite file is not the deployment this
checks). Without ECOCITY_TEST_DATABASE_URL the test is skipped with a reason, and on CI
(ECOCITY_REQUIRE_BROWSER=1, which also sets the database URL) it fails instead; a server
that is set but unreachable fails (tests/conftest.py).

Screenshots: artifacts/screenshots/replicas-*.png
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers.e2ehelp import no_error_on_screen, open_page, screenshot, streamlit_server, wait_for_app_run
from helpers.pghelp import postgres_or_skip
from playwright.sync_api import Browser, Page, expect

from ecocity.i18n import t

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "data" / "sample"
OFFICER, PASSWORD = "officer.ril", "replica test password 42"
WAIT = 30_000


def _record(engine, path: Path, who: str = "e2e") -> None:
    """Check and store one workbook as ``ecocity import --accept`` does (published at once)."""
    from ecocity.core.access import system
    from ecocity.core.framework import load_framework
    from ecocity.flows.intake import check_file, estates_of, record

    fw = load_framework()
    content = path.read_bytes()
    result = check_file(content, path.name, fw, estates_of(engine))
    assert result.accepted, path
    assert record(engine, result, filename=path.name, content=content, by=system(who), fw=fw,
                  accept=True).kind == "stored"


@pytest.fixture(scope="module")
def shared_db(request: pytest.FixtureRequest) -> Iterator[tuple[str, int]]:
    """(URL, estates in the registry) of a new PostgreSQL database holding two estates'
    data for 2565 and 2566, and an officer account for RIL."""
    from sqlalchemy import func, select

    from ecocity.core.access import system
    from ecocity.store import models as m
    from ecocity.store.db import make_engine, session_scope
    from ecocity.store.schema import upgrade
    from ecocity.store.users import create_user

    pg = postgres_or_skip(request)
    url = pg.create()
    engine = make_engine(url)
    try:
        upgrade(engine)
        for name in ("2565_MAP-TA-PHUT", "2566_MAP-TA-PHUT", "2565_PADAENG", "2566_PADAENG"):
            _record(engine, SAMPLE / f"{name}.xlsx")
        create_user(engine, system("e2e"), OFFICER, role="officer", display_name="RIL officer",
                    estates=["RIL"], password=PASSWORD)
        with session_scope(engine) as s:
            total = s.scalar(select(func.count()).select_from(m.Estate))
    finally:
        engine.dispose()
    yield url, total
    pg.drop(url)


@pytest.fixture(scope="module")
def two_replicas(shared_db, tmp_path_factory: pytest.TempPathFactory,
                 chromium_path: str) -> Iterator[tuple[str, str, list[Path]]]:
    """(replica A's URL, replica B's URL, their log files) on the shared database."""
    url, _ = shared_db
    dir_a, dir_b = tmp_path_factory.mktemp("replica-a"), tmp_path_factory.mktemp("replica-b")
    with streamlit_server(url, dir_a) as a, streamlit_server(url, dir_b) as b:
        yield a, b, [dir_a / "streamlit.log", dir_b / "streamlit.log"]


def _estates_kpi(page: Page):
    """The Overview's card 'estates that submitted / estates' (the second KPI)."""
    return page.locator(".st-key-kpis [data-testid='stMetricValue']").nth(1)


def _pick_year(page: Page, year: int) -> None:
    page.locator(".st-key-filter_year [role='combobox']").click()
    page.get_by_role("option", name=re.compile(rf"\b{year}\b")).first.click()
    wait_for_app_run(page)
    expect(page.locator(".st-key-filter_year input")).to_have_value(re.compile(rf"\b{year}\b"), timeout=WAIT)


def _upload_on(page: Page, base: str, path: Path) -> None:
    """Sign in as the RIL officer on ``base`` and store ``path`` through the Upload page."""
    open_page(page, f"{base}/sign_in?next=upload&lang=th")
    page.locator(".st-key-sign_in_username input").fill(OFFICER)
    page.locator(".st-key-sign_in_password input").fill(PASSWORD)
    page.get_by_role("button", name=t("auth.page.submit", "th")).click()
    wait_for_app_run(page)
    expect(page).to_have_url(re.compile(r"/upload"), timeout=WAIT)
    wait_for_app_run(page)
    chooser = page.locator("[data-testid='stFileUploader'] input[type='file']")
    expect(chooser).to_be_enabled(timeout=WAIT)
    chooser.set_input_files([str(path)])
    confirm = page.get_by_role("button", name=t("upload.confirm.button", "th", count=1))
    expect(confirm).to_be_visible(timeout=WAIT)  # the file passed the check
    wait_for_app_run(page)
    confirm.click()
    wait_for_app_run(page)
    expect(page.get_by_text(t("upload.confirm.done", "th", stored=1, duplicates=0, failed=0))).to_be_visible(
        timeout=WAIT)
    no_error_on_screen(page)


def _versions(db_url: str, estate: str, year: int) -> list[tuple[int, bool, str]]:
    from sqlalchemy import select

    from ecocity.store import models as m
    from ecocity.store.db import make_engine, session_scope

    engine = make_engine(db_url)
    try:
        with session_scope(engine) as s:
            return [tuple(r) for r in s.execute(
                select(m.Submission.version, m.Submission.is_current, m.Submission.created_by)
                .where(m.Submission.estate_code == estate, m.Submission.fiscal_year == year)
                .order_by(m.Submission.version))]
    finally:
        engine.dispose()


def test_an_upload_in_one_replica_shows_in_the_other_at_its_next_interaction(
        page: Page, browser: Browser, browser_context_args: dict, shared_db, two_replicas):
    db_url, total = shared_db
    a, b, logs = two_replicas
    assert a != b

    # Replica A: a viewer reads the Overview for 2566 (two estates have submitted).
    open_page(page, f"{a}/?year=2566&lang=th")
    expect(_estates_kpi(page)).to_have_text(f"2 / {total}", timeout=WAIT)
    no_error_on_screen(page)
    screenshot(page, "replicas-a-before")

    # Replica B: the RIL officer signs in and uploads RIL's 2566 workbook in the browser.
    officer = browser.new_context(**browser_context_args)
    try:
        upload_page = officer.new_page()
        _upload_on(upload_page, b, SAMPLE / "2566_RIL.xlsx")
        screenshot(upload_page, "replicas-b-stored")
    finally:
        officer.close()
    assert _versions(db_url, "RIL", 2566) == [(1, False, OFFICER)]  # waits for review

    # A has not run since: it still shows what it drew. Its next interaction (another
    # year and back) reads the new data token from the database: still 2, the upload is
    # not published until an assessor accepts it (here through the store, as
    # `ecocity review` does), after which the same interaction shows it.
    expect(_estates_kpi(page)).to_have_text(f"2 / {total}")
    _pick_year(page, 2565)
    _pick_year(page, 2566)
    expect(_estates_kpi(page)).to_have_text(f"2 / {total}", timeout=WAIT)
    engine = _engine(db_url)
    try:
        from ecocity.core.access import system
        from ecocity.store.review import review_submission

        review_submission(engine, "RIL", 2566, "accept", by=system("e2e reviewer"))
    finally:
        engine.dispose()
    assert _versions(db_url, "RIL", 2566) == [(1, True, OFFICER)]
    _pick_year(page, 2565)
    expect(_estates_kpi(page)).to_have_text(f"2 / {total}", timeout=WAIT)
    _pick_year(page, 2566)
    expect(_estates_kpi(page)).to_have_text(f"3 / {total}", timeout=WAIT)
    no_error_on_screen(page)
    screenshot(page, "replicas-a-after-upload")

    # A write by any other process (here `ecocity import`'s path) shows at A's next
    # rerun too: Streamlit's "R" key reruns the page without any other change.
    engine = _engine(db_url)
    try:
        _record(engine, SAMPLE / "2566_ASIA-MAP-TA-PHUT.xlsx", who="import")
    finally:
        engine.dispose()
    expect(_estates_kpi(page)).to_have_text(f"3 / {total}")
    page.get_by_role("heading", level=1).click()  # focus leaves the year box: "r" is not typed into it
    page.keyboard.press("r")
    wait_for_app_run(page)
    expect(_estates_kpi(page)).to_have_text(f"4 / {total}", timeout=WAIT)
    no_error_on_screen(page)

    for log in logs:
        text = log.read_text(errors="replace")
        assert "Traceback" not in text, f"{log}:\n{text[-4000:]}"


def _engine(db_url: str):
    from ecocity.store.db import make_engine

    return make_engine(db_url)
