"""Several users storing at the same moment ("Many users at once").

Each thread has its own engine on the test database, as two dashboard replicas (or two
sessions of one) would, and all threads call ``store_submission`` together (a barrier
releases them at once). Writers run one at a time behind the data-version row lock
(``store.db.write_session``), so the outcome must be what the same uploads one after the
other would give: one new version each, the newest one pending review and the others
superseded (an officer's upload is published only once a reviewer accepts it), every
version holding exactly the values of one upload (none mixed), assessments computed from
the accepted data, and the data version advanced once per upload. Reviewers' decisions
taken together are serialised the same way. SQLite and PostgreSQL.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from ecocity.core.access import Actor, system
from ecocity.core.aggregation import EstateValues, assess_area
from ecocity.core.scoring import assess
from ecocity.store import models as m
from ecocity.store.db import data_version, make_engine, session_scope
from ecocity.store.derived import values_of
from ecocity.store.review import ReviewResult, review_submission
from ecocity.store.uploads import upload_content
from ecocity.store.versions import StoreResult, store_submission

pytestmark = pytest.mark.storage

WRITERS = 6
YEAR = 2566
AREA = "RAYONG-MAP-TA-PHUT"
AREA_ESTATES = ("MAP-TA-PHUT", "PADAENG", "ASIA-MAP-TA-PHUT", "WHA-EASTERN-MAP-TA-PHUT", "RIL",
                "MAP-TA-PHUT-INDUSTRIAL-PORT")
TIMEOUT = 120.0
ADMIN = system("test")


def officer(n: int, *estates: str) -> Actor:
    return Actor(username=f"officer{n}", role="officer", estates=frozenset(estates))


def together(db_url: str, jobs: list[Callable[[Any], StoreResult]]) -> list[StoreResult]:
    """Run each job in its own thread with its own engine, released at the same moment;
    the results in job order. Any exception in a thread fails the test."""
    barrier = threading.Barrier(len(jobs), timeout=TIMEOUT)
    results: list[Any] = [None] * len(jobs)
    errors: list[BaseException] = []

    def run(i: int) -> None:
        engine = make_engine(db_url)
        try:
            with engine.connect() as conn:  # connected before the start: only the store races
                conn.exec_driver_sql("SELECT 1")
            barrier.wait()
            results[i] = jobs[i](engine)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)
            barrier.abort()
        finally:
            engine.dispose()

    threads = [threading.Thread(target=run, args=(i,), name=f"writer-{i}") for i in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT)
    assert not any(t.is_alive() for t in threads), "a writer did not finish"
    if errors:
        raise errors[0]
    return results


def store_job(data: Any, content: bytes, by: Actor) -> Callable[[Any], StoreResult]:
    def job(engine: Any) -> StoreResult:
        return store_submission(engine, data, filename=f"{data.estate_code}-{by.username}.xlsx",
                                content=content, by=by, messages={"errors": [], "warnings": []})

    return job


def accept_job(estate: str, year: int, by: Actor) -> Callable[[Any], ReviewResult]:
    def job(engine: Any) -> ReviewResult:
        return review_submission(engine, estate, year, "accept", by=by)

    return job


def versions(engine: Any, estate: str, year: int) -> list[m.Submission]:
    with session_scope(engine) as s:
        return list(s.scalars(select(m.Submission).where(m.Submission.estate_code == estate,
                                                         m.Submission.fiscal_year == year)
                              .order_by(m.Submission.version)))


def test_simultaneous_uploads_for_one_estate_and_year_give_one_version_each(engine, db_url, fw, make_data):
    inputs = [make_data("MAP-TA-PHUT", YEAR, n=i, factories=40 + i) for i in range(WRITERS)]
    values = [dict(d.values) for d in inputs]
    assert all(values.count(v) == 1 for v in values)  # so a stored version names its upload
    contents = [f"workbook {i}".encode() for i in range(WRITERS)]
    dv = data_version(engine)

    results = together(db_url, [store_job(d, c, officer(i, "MAP-TA-PHUT"))
                                for i, (d, c) in enumerate(zip(inputs, contents, strict=True))])

    assert [r.outcome for r in results] == ["stored"] * WRITERS
    assert sorted(r.version for r in results) == list(range(1, WRITERS + 1))
    assert sorted(r.data_version for r in results) == list(range(dv + 1, dv + WRITERS + 1))
    assert data_version(engine) == dv + WRITERS
    # Writers ran one at a time, so the one holding the last data version wrote the last version.
    last = max(results, key=lambda r: r.data_version)
    assert last.version == WRITERS

    subs = versions(engine, "MAP-TA-PHUT", YEAR)
    assert [s.version for s in subs] == list(range(1, WRITERS + 1))
    # The newest waits for review; each earlier one was superseded by the next: none is published.
    assert [s.status for s in subs] == ["superseded"] * (WRITERS - 1) + ["pending"]
    assert [s.version for s in subs if s.is_current] == []
    assert all(r.status == "pending" and r.level is None and r.area_level is None for r in results)
    with session_scope(engine) as s:
        assert s.get(m.Assessment, ("estate", "MAP-TA-PHUT", YEAR)) is None
    review = review_submission(engine, "MAP-TA-PHUT", YEAR, "accept", by=ADMIN, version=WRITERS)
    subs = versions(engine, "MAP-TA-PHUT", YEAR)
    assert [s.version for s in subs if s.is_current] == [WRITERS]
    with session_scope(engine) as s:
        stored = values_of(s, [x.id for x in subs])
        for sub in subs:
            # Each version holds exactly one upload's values, and the file, factory count,
            # name and author of that same upload: nothing from another writer.
            [i] = [i for i, v in enumerate(values) if v == stored[sub.id]]
            r = results[i]
            assert r.version == sub.version and r.upload_id == sub.upload_id
            assert upload_content(s, sub.upload_id, ADMIN) == (f"MAP-TA-PHUT-officer{i}.xlsx", contents[i])
            assert (sub.factories, sub.submitted_by, sub.created_by) == (40 + i, f"officer {i}", f"officer{i}")
        current = next(x for x in subs if x.is_current)
        cur_values = stored[current.id]
        est = s.get(m.Assessment, ("estate", "MAP-TA-PHUT", YEAR))
        area = s.get(m.Assessment, ("area", AREA, YEAR))
        n_uploads = s.scalar(select(func.count()).select_from(m.Upload))
        outcomes = set(s.scalars(select(m.Upload.outcome)))
        audited = sorted(s.scalars(select(m.AuditEntry.actor).where(m.AuditEntry.action == "upload.stored")))
    expected = assess(fw, cur_values)
    assert (est.level, est.overall_score) == (expected.level, pytest.approx(expected.overall_score))
    assert est.values == pytest.approx(cur_values)
    expected_area = assess_area(fw, [EstateValues("MAP-TA-PHUT", current.factories, cur_values)]).assessment
    assert (area.level, area.overall_score) == (expected_area.level, pytest.approx(expected_area.overall_score))
    assert review.level == expected.level and review.area_level == expected_area.level
    assert (n_uploads, outcomes) == (WRITERS, {"accepted"})
    assert audited == sorted(f"officer{i}" for i in range(WRITERS))  # one audit entry per upload, its own


def test_the_same_file_sent_twice_at_once_is_stored_once_and_logged_as_a_duplicate(engine, db_url, make_data):
    data = make_data("PADAENG", YEAR, n=3)
    dv = data_version(engine)
    results = together(db_url, [store_job(data, b"one and the same file", officer(i, "PADAENG"))
                                for i in range(2)])
    assert sorted(r.outcome for r in results) == ["duplicate", "stored"]
    assert {r.version for r in results} == {1}
    assert data_version(engine) == dv + 1
    assert [(s.version, s.is_current, s.status) for s in versions(engine, "PADAENG", YEAR)] == [(1, False, "pending")]
    with session_scope(engine) as s:
        assert sorted(s.scalars(select(m.Upload.outcome))) == ["accepted", "duplicate"]


def test_simultaneous_uploads_for_every_estate_of_an_area_all_count_in_the_area(engine, db_url, fw, make_data):
    inputs = {code: make_data(code, YEAR, n=i, factories=20 + 10 * i) for i, code in enumerate(AREA_ESTATES)}
    dv = data_version(engine)

    results = together(db_url, [store_job(d, f"file of {code}".encode(), officer(i, code))
                                for i, (code, d) in enumerate(inputs.items())])

    assert [(r.outcome, r.estate_code, r.version, r.status) for r in results] == [
        ("stored", code, 1, "pending") for code in AREA_ESTATES]
    assert sorted(r.data_version for r in results) == list(range(dv + 1, dv + len(AREA_ESTATES) + 1))
    assert data_version(engine) == dv + len(AREA_ESTATES)
    with session_scope(engine) as s:  # pending: nothing published yet
        assert s.get(m.Assessment, ("area", AREA, YEAR)) is None

    # Reviewers accept every estate's version at the same moment: each decision recomputes the area.
    reviewers = [Actor(f"reviewer{i}", "reviewer", areas=frozenset({AREA})) for i in range(len(AREA_ESTATES))]
    results = together(db_url, [accept_job(code, YEAR, reviewers[i]) for i, code in enumerate(AREA_ESTATES)])
    assert [(r.estate_code, r.version, r.status) for r in results] == [
        (code, 1, "accepted") for code in AREA_ESTATES]
    assert sorted(r.data_version for r in results) == list(
        range(dv + len(AREA_ESTATES) + 1, dv + 2 * len(AREA_ESTATES) + 1))
    assert data_version(engine) == dv + 2 * len(AREA_ESTATES)
    expected = assess_area(fw, [EstateValues(code, d.factories, d.values) for code, d in sorted(inputs.items())])
    with session_scope(engine) as s:
        area = s.get(m.Assessment, ("area", AREA, YEAR))
        for code, d in inputs.items():
            est = s.get(m.Assessment, ("estate", code, YEAR))
            assert est.level == assess(fw, d.values).level, code
    # The area was computed from all six estates, whichever writer came last.
    assert sorted(area.estates) == sorted(AREA_ESTATES)
    assert (area.level, area.overall_score) == (expected.assessment.level,
                                                pytest.approx(expected.assessment.overall_score))
    assert area.values == pytest.approx(dict(expected.values))
    last = max(results, key=lambda r: r.data_version)
    assert last.area_level == expected.assessment.level


def test_readers_during_simultaneous_uploads_never_see_a_half_stored_upload(engine, db_url, make_data):
    """A reader polling while the writers store sees, in every read transaction, as many
    versions as data-version steps and never zero or two versions pending review once the
    first upload is in (and none current: nobody accepted one): each upload becomes
    visible whole or not at all."""
    dv0 = data_version(engine)
    stop = threading.Event()
    seen: list[tuple[int, int, int]] = []
    problems: list[str] = []

    def read() -> None:
        eng = make_engine(db_url)
        if eng.dialect.name == "postgresql":  # one snapshot per transaction, as SQLite's WAL gives
            eng = eng.execution_options(isolation_level="REPEATABLE READ")
        try:
            while not stop.is_set():
                with session_scope(eng) as s:
                    dv = int(s.scalar(select(m.Meta.value).where(m.Meta.key == m.DATA_VERSION_KEY)))
                    n = s.scalar(select(func.count()).select_from(m.Submission)
                                 .where(m.Submission.estate_code == "RIL"))
                    pending = s.scalar(select(func.count()).select_from(m.Submission)
                                       .where(m.Submission.estate_code == "RIL", m.Submission.status == "pending"))
                    cur = s.scalar(select(func.count()).select_from(m.Submission)
                                   .where(m.Submission.estate_code == "RIL", m.Submission.is_current))
                seen.append((dv, n, pending))
                if n != dv - dv0 or pending != (1 if n else 0) or cur != 0:
                    problems.append(f"data version {dv} (start {dv0}), {n} versions, {pending} pending, "
                                    f"{cur} current")
        except BaseException as e:  # noqa: BLE001 - reported below
            problems.append(repr(e))
        finally:
            eng.dispose()

    reader = threading.Thread(target=read, name="reader")
    reader.start()
    try:
        together(db_url, [store_job(make_data("RIL", YEAR, n=i), f"ril {i}".encode(), officer(i, "RIL"))
                          for i in range(WRITERS)])
    finally:
        stop.set()
        reader.join(TIMEOUT)
    assert not reader.is_alive()
    assert problems == []
    assert seen, "the reader never completed a read"
    assert [dv for dv, _, _ in seen] == sorted(dv for dv, _, _ in seen)  # never goes back
    assert data_version(engine) == dv0 + WRITERS
