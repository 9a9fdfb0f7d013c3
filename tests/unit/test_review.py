"""Review before publication, in the store (SQLite and PostgreSQL): a new version is pending
and changes no published figure; who may accept or return it (an officer never, a reviewer of
another area never, nobody their own upload), every decision and refusal audited; the
return-and-resubmit loop; a restore is pending again; a decision racing a new upload leaves
one consistent outcome; the statuses per estate and the levels with and without pending
data; and the migration that makes every earlier version accepted."""

from __future__ import annotations

import threading
from datetime import date

import pytest
from sqlalchemy import insert, select, text

from ecocity.core.access import ALL_AREAS, Actor
from ecocity.core.review import ReviewDenied, is_late, refusal
from ecocity.store import models as m
from ecocity.store.audit import list_entries
from ecocity.store.db import make_engine, session_scope
from ecocity.store.errors import StoreError
from ecocity.store.review import levels, notes_of, review_submission, set_due_date, submission_statuses
from ecocity.store.schema import migrate, upgrade
from ecocity.store.versions import current_submission, list_versions, restore_version, store_submission

pytestmark = pytest.mark.storage

AREA = "RAYONG-MAP-TA-PHUT"  # Map Ta Phut's area
ADMIN = Actor("boss", "admin")
SOMCHAI = Actor("somchai", "officer", frozenset({"MAP-TA-PHUT"}))
RATREE = Actor("ratree", "reviewer", areas=frozenset({AREA}))
OTHER = Actor("udom", "reviewer", areas=frozenset({"CHONBURI-LAEM-CHABANG"}))
EVERYWHERE = Actor("wichai", "reviewer", areas=frozenset({ALL_AREAS}))


def _store(engine, data, by=SOMCHAI, name="f.xlsx", **kw):
    return store_submission(engine, data, filename=name, content=f"{name} {data.submitted_by}".encode(), by=by,
                            **kw)


def _level(engine, kind="estate", code="MAP-TA-PHUT", year=2566):
    with session_scope(engine) as s:
        row = s.get(m.Assessment, (kind, code, year))
        return None if row is None else (row.level, round(row.overall_score, 6))


def _audit(engine):
    with session_scope(engine) as s:
        return [(e.action, e.outcome, e.actor) for e in reversed(list_entries(s, limit=None))]


def test_the_rules_of_who_reviews():
    assert refusal(SOMCHAI, AREA, "x") == "not_reviewer"
    assert refusal(Actor("v", "viewer"), AREA, "x") == "not_reviewer"
    assert refusal(OTHER, AREA, "x") == "other_area"
    assert refusal(RATREE, AREA, "ratree") == "own_upload"
    assert refusal(ADMIN, AREA, "boss") == "own_upload"  # four eyes, administrators included
    assert refusal(RATREE, AREA, "cli:ratree") == "own_upload"  # her own `ecocity import --as ratree`
    assert refusal(RATREE, AREA, "cli:Ratree") == "own_upload"  # typed with a capital
    assert refusal(RATREE, AREA, "cli:somchai") is None
    assert refusal(RATREE, AREA, "somchai") is None and refusal(EVERYWHERE, "ANY", "somchai") is None
    assert refusal(ADMIN, None, "somchai") is None
    due = date(2023, 12, 31)
    assert is_late(due, "none", None, date(2024, 1, 1)) and not is_late(due, "none", None, due)
    assert is_late(due, "pending", date(2024, 1, 2), date(2024, 1, 3))
    assert not is_late(due, "accepted", date(2023, 12, 1), date(2024, 2, 1)) and not is_late(None, "none", None, due)


def test_a_new_version_is_pending_and_changes_no_published_figure(engine, make_data):
    _store(engine, make_data(n=1), by=ADMIN, accept=True)  # published: version 1
    before, area_before = _level(engine), _level(engine, "area", AREA)
    r = _store(engine, make_data(n=2), name="v2.xlsx")
    assert (r.outcome, r.version, r.status, r.pending) == ("stored", 2, "pending", True)
    assert _level(engine) == before and _level(engine, "area", AREA) == area_before
    with session_scope(engine) as s:
        assert current_submission(s, "MAP-TA-PHUT", 2566).version == 1
        published = levels(s, 2566)
        with_pending = levels(s, 2566, include_pending=True)
    est = {e["code"]: e for e in published["estates"]}["MAP-TA-PHUT"]
    est_p = {e["code"]: e for e in with_pending["estates"]}["MAP-TA-PHUT"]
    assert est["status"] == est_p["status"] == "pending"
    assert est["overall_score"] == round(before[1], 4) and est_p["overall_score"] != est["overall_score"]


def test_refusals_change_nothing_and_are_audited(engine, make_data):
    _store(engine, make_data(n=1))
    for who, reason in ((SOMCHAI, "not_reviewer"), (OTHER, "other_area")):
        with pytest.raises(ReviewDenied) as e:
            review_submission(engine, "MAP-TA-PHUT", 2566, "accept", by=who)
        assert e.value.reason == reason and e.value.message("th") and e.value.message("en")
        assert _audit(engine)[-1] == ("submission.review", "denied", who.username)
    _store(engine, make_data(n=5), by=ADMIN, name="admin.xlsx")
    with pytest.raises(ReviewDenied) as e:
        review_submission(engine, "MAP-TA-PHUT", 2566, "accept", by=ADMIN)  # the admin's own upload
    assert e.value.reason == "own_upload"
    with session_scope(engine) as s:
        assert [v.status for v in list_versions(s, "MAP-TA-PHUT", 2566)] == ["pending", "superseded"]
        assert current_submission(s, "MAP-TA-PHUT", 2566) is None
    assert _level(engine) is None


def test_return_then_resubmit_then_accept(engine, make_data):
    _store(engine, make_data(n=1))
    with pytest.raises(StoreError) as e:
        review_submission(engine, "MAP-TA-PHUT", 2566, "return", by=RATREE)
    assert e.value.key == "review.error.comment_needed"
    r = review_submission(engine, "MAP-TA-PHUT", 2566, "return", by=RATREE, comment="ดูหมายเหตุ",
                          indicator_comments={"ENV-01": "แนบหลักฐานการบำบัดน้ำเสีย"}, version=1)
    assert (r.status, r.version) == ("returned", 1) and _level(engine) is None
    with session_scope(engine) as s:
        [note] = notes_of(s, "MAP-TA-PHUT", 2566).values()
        [st] = [x for x in submission_statuses(s, 2566) if x.estate == "MAP-TA-PHUT"]
    assert (note.status, note.comment, note.indicators, note.reviewed_by) == (
        "returned", "ดูหมายเหตุ", {"ENV-01": "แนบหลักฐานการบำบัดน้ำเสีย"}, "ratree")
    assert (st.status, st.version, st.reviewed_by) == ("returned", 1, "ratree")
    with pytest.raises(StoreError) as e:  # a returned version is not reviewed again
        review_submission(engine, "MAP-TA-PHUT", 2566, "accept", by=RATREE)
    assert e.value.key == "review.error.not_pending"

    _store(engine, make_data(n=2), name="corrected.xlsx")
    with pytest.raises(StoreError) as e:  # the reviewer looked at version 1
        review_submission(engine, "MAP-TA-PHUT", 2566, "accept", by=RATREE, version=1)
    assert e.value.key == "review.error.changed"
    r = review_submission(engine, "MAP-TA-PHUT", 2566, "accept", by=EVERYWHERE, version=2)
    assert (r.status, r.version) == ("accepted", 2) and r.level is not None and r.area_level is not None
    assert _level(engine)[0] == r.level
    with session_scope(engine) as s:
        assert [(v.version, v.status, v.is_current) for v in list_versions(s, "MAP-TA-PHUT", 2566)] == [
            (2, "accepted", True), (1, "returned", False)]
    assert [a for a, o, _ in _audit(engine) if o == "ok" and a.startswith("submission.")] == [
        "submission.returned", "submission.accepted"]


def test_a_restored_version_is_pending_again(engine, make_data):
    _store(engine, make_data(n=1), by=ADMIN, accept=True)
    _store(engine, make_data(n=2), by=ADMIN, accept=True, name="v2.xlsx")
    published = _level(engine)
    r = restore_version(engine, "MAP-TA-PHUT", 2566, 1, by=SOMCHAI)
    assert (r.outcome, r.version, r.status) == ("restored", 3, "pending")
    assert _level(engine) == published
    review_submission(engine, "MAP-TA-PHUT", 2566, "accept", by=RATREE)
    with session_scope(engine) as s:
        assert current_submission(s, "MAP-TA-PHUT", 2566).version == 3


def test_a_decision_racing_a_new_upload_leaves_one_consistent_outcome(engine, make_data):
    _store(engine, make_data(n=1))
    barrier, errors = threading.Barrier(2), []

    def accept() -> None:
        barrier.wait()
        try:
            review_submission(engine, "MAP-TA-PHUT", 2566, "accept", by=RATREE, version=1)
        except StoreError as e:
            errors.append(e.key)

    def upload() -> None:
        barrier.wait()
        _store(engine, make_data(n=2), name="v2.xlsx")

    threads = [threading.Thread(target=accept), threading.Thread(target=upload)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    with session_scope(engine) as s:
        got = [(v.version, v.status, v.is_current) for v in list_versions(s, "MAP-TA-PHUT", 2566)]
    if errors:  # the upload went first: version 1 was superseded, nothing accepted
        assert errors == ["review.error.changed"] and got == [(2, "pending", False), (1, "superseded", False)]
    else:  # the decision went first: version 1 published, version 2 waits
        assert got == [(2, "pending", False), (1, "accepted", True)]


def test_statuses_for_every_registry_estate_with_the_due_date(engine, make_data):
    _store(engine, make_data(n=1))
    _store(engine, make_data("PADAENG", n=2), by=ADMIN, accept=True)
    set_due_date(engine, ADMIN, 2566, date(2023, 12, 31))
    with session_scope(engine) as s:
        rows = {x.estate: x for x in submission_statuses(s, 2566, today=date(2024, 1, 15))}
        n_estates = s.scalar(select(text("count(*)")).select_from(m.Estate))
        mine = submission_statuses(s, 2566, area=AREA, today=date(2024, 1, 15))
    assert len(rows) == n_estates
    assert rows["MAP-TA-PHUT"].status == "pending" and rows["PADAENG"].status == "accepted"
    none = [x for x in rows.values() if x.status == "none"]
    assert none and all(x.late and x.version is None for x in none)
    assert rows["MAP-TA-PHUT"].due == date(2023, 12, 31)
    assert {x.area for x in mine} == {AREA} and "MAP-TA-PHUT" in {x.estate for x in mine}
    assert set(rows["PADAENG"].as_json()) == {"estate", "area", "status", "version", "submitted_at", "reviewed_at",
                                              "reviewed_by", "due", "late"}


def test_the_migration_makes_every_earlier_version_accepted(empty_engine, make_data):
    """A database made by the previous schema (0005) with data in it: after the upgrade
    every version is accepted and the current ones are still current."""
    migrate(empty_engine, "0005")
    url = empty_engine.url.render_as_string(hide_password=False)
    with empty_engine.begin() as c:
        c.execute(insert(m.Province.__table__).values(pcode="TH21", name_th="ระยอง", name_en="Rayong"))
        c.execute(text("INSERT INTO estates (code, name_th, name_en, province_pcode, region, source_checked) "
                       "VALUES ('E1', 'นิคม', 'Estate', 'TH21', 'east', false)"))
        c.execute(text("INSERT INTO framework_versions (version_id, framework_id, version, sha256, source, loaded_at) "
                       "VALUES ('f@1', 'f', 1, 'x', 'x', CURRENT_TIMESTAMP)"))
        for v, current in ((1, False), (2, True)):
            c.execute(text("INSERT INTO submissions (estate_code, fiscal_year, version, is_current, factories, "
                           "submitted_by, email, framework_version, created_at, created_by, is_sample) VALUES "
                           f"('E1', 2566, {v}, {str(current).lower()}, 5, 'a', '', 'f@1', CURRENT_TIMESTAMP, 'a', "
                           "false)"))
    migrate(empty_engine)
    engine = make_engine(url)
    try:
        with session_scope(engine) as s:
            assert [(x.version, x.status, x.is_current) for x in s.scalars(
                select(m.Submission).order_by(m.Submission.version))] == [(1, "accepted", False),
                                                                          (2, "accepted", True)]
        upgrade(engine)  # and the rest of the start-up runs on it
    finally:
        engine.dispose()
