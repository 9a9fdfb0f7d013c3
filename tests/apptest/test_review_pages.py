"""The review screens (AppTest on the sample data): the Submissions page for reviewers and
administrators only, with each estate's status, counts per area, the list to remind and the
due date; the Estate page's review panel for a reviewer of the area, which accepts (the
published level changes only then) or returns with comments the estate's officer then reads;
data not yet reviewed hidden from everyone else."""

from __future__ import annotations

from datetime import date

import pytest
from helpers.apphelp import act_as, honour_injected_actor, problems, texts
from helpers.sampledb import _sample_template, sample_url  # noqa: F401  (fixtures)
from streamlit.testing.v1 import AppTest

from ecocity.core.access import ALL_AREAS, Actor
from ecocity.i18n import fmt_date, t
from ecocity.store import make_engine, session_scope
from ecocity.store import models as m
from ecocity.store.review import set_due_date
from ecocity.store.versions import list_versions, store_submission

AREA, ESTATE = "RAYONG-MAP-TA-PHUT", "MAP-TA-PHUT"
ADMIN = Actor("boss", "admin")
OFFICER = Actor("somchai", "officer", frozenset({ESTATE}))
REVIEWER = Actor("ratree", "reviewer", areas=frozenset({AREA}))
OTHER = Actor("udom", "reviewer", areas=frozenset({"CHONBURI-LAEM-CHABANG"}))
VIEWER = Actor("vina", "viewer")


@pytest.fixture
def open_as(sample_url, monkeypatch):  # noqa: F811
    """open_as(actor, page, **query) -> AppTest after its first run, as ``actor``."""
    from helpers.apphelp import APP, TIMEOUT

    monkeypatch.setenv("ECOCITY_DATABASE_URL", sample_url)
    monkeypatch.delenv("ECOCITY_LANG", raising=False)
    honour_injected_actor(monkeypatch)

    def open_(actor: Actor | None, page: str, **query: str) -> AppTest:
        at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
        for k, v in query.items():
            at.query_params[k] = v
        if actor is not None:
            act_as(at, actor)
        at.switch_page(page)
        at.run()
        return at

    return open_


@pytest.fixture
def pending(sample_url, make_data):  # noqa: F811
    """Somchai's new version of Map Ta Phut 2566, waiting for review; returns its number."""
    engine = make_engine(sample_url)
    try:
        return store_submission(engine, make_data(ESTATE, 2566, n=7), filename="mtp.xlsx", content=b"mtp-2566",
                                by=OFFICER).version
    finally:
        engine.dispose()


def _level(url: str) -> tuple[int, float]:
    engine = make_engine(url)
    try:
        with session_scope(engine) as s:
            row = s.get(m.Assessment, ("estate", ESTATE, 2566))
            return row.level, row.overall_score
    finally:
        engine.dispose()


@pytest.mark.parametrize("lang", ["th", "en"])
def test_submissions_page_lists_every_estate_with_its_status(open_as, sample_url, pending, lang):
    engine = make_engine(sample_url)
    set_due_date(engine, ADMIN, 2566, date(2023, 12, 31))
    engine.dispose()
    at = open_as(REVIEWER, "views/submissions.py", lang=lang)
    assert problems(at) == []
    at.selectbox(key="submissions_year").set_value(2566).run()
    assert problems(at) == []
    page = texts(at, unescape=True)
    assert t("submissions.due", lang, due=fmt_date(date(2023, 12, 31), lang)) in page
    table = at.dataframe[1].value
    status = dict(zip(table[t("submissions.col.estate", lang)], table[t("submissions.col.status", lang)], strict=True))
    mtp = "นิคมอุตสาหกรรมมาบตาพุด" if lang == "th" else "Map Ta Phut IE"
    assert t("review.status.pending", lang) in status[mtp]
    assert len(table) == 71  # every estate of the registry
    assert [b.label for b in at.get("download_button")] == [t("submissions.download_xlsx", lang),
                                                           t("submissions.download_csv", lang)]
    assert not at.get("date_input")  # the due date is the administrators'


def test_submissions_page_is_for_reviewers_and_administrators(open_as):
    for who in (None, VIEWER, OFFICER):
        at = open_as(who, "views/submissions.py", lang="en")
        assert problems(at) == []
        assert not at.dataframe and t("submissions.title", "en") not in [x.value for x in at.title]
    at = open_as(ADMIN, "views/submissions.py", lang="en")
    assert at.get("date_input")  # administrators set the due date


def test_a_reviewer_accepts_and_only_then_the_level_changes(open_as, sample_url, pending):
    before = _level(sample_url)
    at = open_as(REVIEWER, "views/estate.py", lang="en", estate=ESTATE, year="2566")
    assert problems(at) == []
    assert t("review.page.pending", "en", version=pending, when="@").split("@")[0] in texts(at, unescape=True)
    assert _level(sample_url) == before
    [accept] = [b for b in at.button if b.label == t("review.form.accept", "en")]
    accept.click().run()
    assert problems(at) == []
    assert _level(sample_url) != before
    engine = make_engine(sample_url)
    with session_scope(engine) as s:
        newest = list_versions(s, ESTATE, 2566)[0]
    engine.dispose()
    assert (newest.version, newest.status, newest.is_current, newest.reviewed_by) == (pending, "accepted", True,
                                                                                       "ratree")


def test_a_returned_version_shows_its_comments_to_the_officer_not_the_public(open_as, sample_url, pending):
    from ecocity.store.review import review_submission

    engine = make_engine(sample_url)
    review_submission(engine, ESTATE, 2566, "return", by=REVIEWER, comment="โปรดแนบหลักฐาน",
                      indicator_comments={"ENV-01": "ค่านี้สูงผิดปกติ"})
    engine.dispose()
    at = open_as(OFFICER, "views/estate.py", lang="th", estate=ESTATE, year="2566")
    page = texts(at, unescape=True)
    assert problems(at) == [] and "โปรดแนบหลักฐาน" in page and "ค่านี้สูงผิดปกติ" in page
    assert t("review.page.returned", "th", version=pending) in page
    for who in (None, VIEWER):  # not for the public (reviewers of any area see data not yet reviewed)
        at = open_as(who, "views/estate.py", lang="th", estate=ESTATE, year="2566")
        page = texts(at, unescape=True)
        assert problems(at) == [] and "ค่านี้สูงผิดปกติ" not in page
        assert t("review.page.returned", "th", version=pending) not in page


def test_no_review_panel_for_the_uploader_an_officer_or_another_area(open_as, pending):
    for who in (OFFICER, OTHER, VIEWER, None):
        at = open_as(who, "views/estate.py", lang="en", estate=ESTATE, year="2566")
        assert problems(at) == []
        assert not [b for b in at.button if b.label == t("review.form.accept", "en")]
    everywhere = Actor("wichai", "reviewer", areas=frozenset({ALL_AREAS}))
    at = open_as(everywhere, "views/estate.py", lang="en", estate=ESTATE, year="2566")
    assert [b for b in at.button if b.label == t("review.form.accept", "en")]
