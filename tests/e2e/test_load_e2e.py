"""A small, bounded load test ("Many users at once"): what bench/load_test.py
does for a minute, here at a size CI runs in about a minute.

Two `streamlit run app.py` replicas on one fresh PostgreSQL database holding the sample
data, loopback only. 20 simulated viewers (Streamlit's own websocket protocol: one session
each, one page run per request, until ``script_finished``) each open 3 pages (Overview,
Area, Estate, Indicators in turn), while 5 officers store 5 workbooks at the same moment
(variants of the sample with changed values), all for the same estate and year, through
the servers as a browser does: each officer, on the same protocol, signs in through the
sign-in form, sends the workbook with the file uploader (upload URL request, HTTP PUT,
the uploader's widget state), and clicks the confirm button once the page has checked
the file. No request may fail (no exception or error box on a page, no timeout, no lost
connection), every upload must be stored (counted in the database: its upload row by
that officer and the version the page reported, made from it; versions 1..n with one
current), and the replicas' logs must hold no traceback. Page times are printed
(pytest -s), never asserted.

PostgreSQL only: skipped with a reason without ECOCITY_TEST_DATABASE_URL, a failure on
CI (ECOCITY_REQUIRE_BROWSER=1).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers.pghelp import postgres_or_skip

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))
import load_test  # noqa: E402

pytestmark = pytest.mark.e2e

VIEWERS, OPENS, UPLOADERS = 20, 3, 5


@pytest.fixture(scope="module")
def sample_pg(request: pytest.FixtureRequest) -> Iterator[str]:
    pg = postgres_or_skip(request)
    url = pg.create()
    load_test.prepare_database(url)
    yield url
    pg.drop(url)


def test_twenty_viewers_and_five_uploaders_on_two_replicas(sample_pg: str, tmp_path: Path):
    from sqlalchemy import func, select

    from ecocity.store import models as m
    from ecocity.store.db import make_engine, session_scope

    with load_test.replicas(sample_pg, 2, tmp_path) as running:
        bases = [u for u, _ in running]
        load_test.warm_up(running)
        report = load_test.load(sample_pg, bases, [p for _, p in running], viewers=VIEWERS,
                                uploaders=UPLOADERS, uploads_each=1, duration=None, opens=OPENS)
    print("\n".join(report.lines()))

    assert report.errors == []
    assert len(report.runs) == VIEWERS * OPENS
    assert {r.page for r in report.runs} == {p.name for p in load_test.PAGES}
    assert {r.replica for r in report.runs} == {0, 1}
    assert [d.kind for d in report.uploads] == ["stored"] * UPLOADERS
    assert report.check.stored_rows == UPLOADERS
    # Counted independently: five new versions of MAP-TA-PHUT 2566 by five officers.
    engine = make_engine(sample_pg)
    try:
        with session_scope(engine) as s:
            rows = s.execute(select(m.Submission.created_by, m.Submission.version, m.Upload.uploaded_by)
                             .outerjoin(m.Upload, m.Upload.id == m.Submission.upload_id).where(
                m.Submission.estate_code == load_test.SHARED_ESTATE, m.Submission.fiscal_year == load_test.YEAR,
                m.Submission.is_sample.is_(False))).all()
            current = s.scalar(select(func.count()).select_from(m.Submission).where(
                m.Submission.estate_code == load_test.SHARED_ESTATE, m.Submission.fiscal_year == load_test.YEAR,
                m.Submission.is_current))
    finally:
        engine.dispose()
    assert sorted(r.created_by for r in rows) == sorted(f"load-officer-{u}" for u in range(UPLOADERS))
    assert all(r.uploaded_by == r.created_by for r in rows)
    # Each officer's page showed the version the database gave its file.
    assert sorted((f"load-officer-{d.uploader}", d.version) for d in report.uploads) == sorted(
        (r.created_by, r.version) for r in rows)
    assert current == 1
