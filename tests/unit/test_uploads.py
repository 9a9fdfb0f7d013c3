"""The upload lifecycle: store, versions, duplicates, compare, restore, rollback, the log,
sample removal, derived assessments and the data version.

A new version is pending review and changes no published figure until a reviewer accepts
it (tests/unit/test_review.py covers the review itself). Tests about what a current version
does store it accepted at once (``accept=True``, by an administrator, as ``ecocity import
--accept`` does), or store it as the officer and have a reviewer accept it."""

from __future__ import annotations

import dataclasses
import hashlib
import tomllib
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import event, func, select

from ecocity.core.access import ALL_AREAS, Actor
from ecocity.core.aggregation import EstateValues, assess_area
from ecocity.core.framework import DEFAULT_FRAMEWORK_PATH, load_framework, parse_framework
from ecocity.core.scoring import assess
from ecocity.store import models as m
from ecocity.store import queries
from ecocity.store.db import data_version, session_scope
from ecocity.store.derived import recompute_all
from ecocity.store.errors import StoreError
from ecocity.store.review import review_submission
from ecocity.store.schema import upgrade
from ecocity.store.uploads import list_uploads, log_rejected, upload_content
from ecocity.store.versions import compare_versions, list_versions, remove_sample, restore_version, store_submission

pytestmark = pytest.mark.storage


# The estates of these tests; sample data is loaded by an administrator.
OFFICER = Actor("officer", "officer", frozenset({
    "MAP-TA-PHUT", "PADAENG", "RIL", "NONG-KHAE", "BANG-POO", "LAEM-CHABANG", "AMATA-CITY-RAYONG",
    "EASTERN-SEABOARD-RAYONG", "NO-SUCH", "NO-SUCH-ESTATE", "GHOST"}))
ADMIN = Actor("admin", "admin")
REVIEWER = Actor("rita", "reviewer", areas=frozenset({ALL_AREAS}))


def store(engine, data, content: bytes, *, by: Actor | None = None, **kw):
    """Store as the officer, pending review; with ``accept=True`` (and for sample data, as
    the sample loader does) as an administrator, accepted and current at once."""
    if kw.get("is_sample"):
        kw.setdefault("accept", True)
    by = by or (ADMIN if kw.get("is_sample") or kw.get("accept") else OFFICER)
    return store_submission(engine, data, filename=f"{data.estate_code}.xlsx", content=content,
                            by=by, messages={"errors": [], "warnings": []}, **kw)


def accept(engine, estate: str = "MAP-TA-PHUT", year: int = 2566, *, by: Actor = REVIEWER, **kw):
    """A reviewer (not the uploader) accepts the newest version: it becomes current."""
    return review_submission(engine, estate, year, "accept", by=by, **kw)


LOGS = ("uploads", "audit_log")  # the upload log and the audit log only ever grow


def snapshot(engine) -> dict[str, list[tuple]]:
    """Every row of every table, in primary-key order (to prove nothing changed)."""
    out = {}
    with engine.connect() as conn:
        for table in m.Base.metadata.sorted_tables:
            rows = conn.execute(select(table).order_by(*table.primary_key.columns)).all()
            out[table.name] = [tuple(r) for r in rows]
    return out


def count(engine, model, *where) -> int:
    with session_scope(engine) as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


# ----------------------------------------------------------------------------- storing


def test_store_creates_a_pending_version_current_once_accepted_with_values_log_and_assessment(
        engine, fw, make_data):
    data = make_data("MAP-TA-PHUT", 2566, n=1, notes={"ENV-01": "meter readings"},
                     **{"MGT-01": True, "ENV-02": None})
    dv = data_version(engine)
    r = store(engine, data, b"workbook bytes")
    assert (r.outcome, r.version, r.estate_code, r.fiscal_year, r.data_version, r.status, r.pending) == (
        "stored", 1, "MAP-TA-PHUT", 2566, dv + 1, "pending", True)
    assert data_version(engine) == dv + 1
    # pending: nothing published yet, so no level and no assessment
    assert (r.level, r.area_level) == (None, None)
    with session_scope(engine) as s:
        assert queries.current_values(s, "MAP-TA-PHUT", 2566) == {}
        assert s.get(m.Assessment, ("estate", "MAP-TA-PHUT", 2566)) is None
        assert s.get(m.Assessment, ("area", "RAYONG-MAP-TA-PHUT", 2566)) is None
        sub = s.scalar(select(m.Submission))
        assert (sub.is_current, sub.status, sub.reviewed_by) == (False, "pending", None)
    assert r.message("en") == ("Stored as version 1 of MAP-TA-PHUT, fiscal year 2566. It waits for a reviewer: "
                               "the published figures change when it is accepted.")
    rv = accept(engine)
    assert (rv.version, rv.status, rv.data_version) == (1, "accepted", dv + 2)
    assert data_version(engine) == dv + 2
    expected = assess(fw, data.values)
    assert rv.level == expected.level and rv.area_code == "RAYONG-MAP-TA-PHUT" and rv.area_level is not None
    with session_scope(engine) as s:
        assert queries.current_values(s, "MAP-TA-PHUT", 2566) == dict(data.values)
        assert queries.current_values(s, "MAP-TA-PHUT", 2567) == {}
        note = s.get(m.IndicatorValue, (s.scalar(select(m.Submission.id)), "ENV-01")).note
        assert note == "meter readings"
        sub = s.scalar(select(m.Submission))
        assert (sub.is_current, sub.factories, sub.submitted_by, sub.created_by, sub.framework_version) == (
            True, 50, "officer 1", "officer", fw.version_id)
        assert (sub.status, sub.reviewed_by) == ("accepted", "rita")
        row = s.get(m.Assessment, ("estate", "MAP-TA-PHUT", 2566))
        assert row.level == expected.level
        assert row.overall_score == pytest.approx(expected.overall_score)
        assert row.completeness == pytest.approx(expected.completeness)
        assert row.gap == [g.as_dict() for g in expected.gap]
        assert row.values == dict(expected.values)
    with session_scope(engine) as s:
        [up] = list_uploads(s)
    assert (up.outcome, up.filename, up.size, up.version, up.estate_code, up.fiscal_year) == (
        "accepted", "MAP-TA-PHUT.xlsx", len(b"workbook bytes"), 1, "MAP-TA-PHUT", 2566)
    assert up.sha256 == hashlib.sha256(b"workbook bytes").hexdigest()
    assert up.uploaded_at.tzinfo is not None
    assert abs((datetime.now(UTC) - up.uploaded_at).total_seconds()) < 3600
    assert up.messages == {"errors": [], "warnings": []}


def test_second_upload_is_a_new_current_version(engine, make_data):
    store(engine, make_data(n=1), b"v1", accept=True)
    r = store(engine, make_data(n=2), b"v2")
    assert (r.outcome, r.version, r.status) == ("stored", 2, "pending")
    with session_scope(engine) as s:  # version 1 stays current until version 2 is accepted
        assert [(v.version, v.is_current, v.status) for v in list_versions(s, "MAP-TA-PHUT", 2566)] == [
            (2, False, "pending"), (1, True, "accepted")]
        assert queries.current_values(s, "MAP-TA-PHUT", 2566) == dict(make_data(n=1).values)
    accept(engine)
    with session_scope(engine) as s:
        versions = list_versions(s, "MAP-TA-PHUT", 2566)
        assert [(v.version, v.is_current) for v in versions] == [(2, True), (1, False)]
        assert versions[0].filename == "MAP-TA-PHUT.xlsx" and versions[0].upload_id is not None
        assert queries.current_values(s, "MAP-TA-PHUT", 2566) == dict(make_data(n=2).values)


def test_a_file_identical_to_the_current_version_is_a_duplicate(engine, make_data):
    store(engine, make_data(n=1), b"first file")
    store(engine, make_data(n=2), b"second file")
    dv = data_version(engine)
    before = snapshot(engine)
    r = store(engine, make_data(n=2), b"second file")  # the current file again
    assert (r.outcome, r.version, r.data_version) == ("duplicate", 2, dv)
    assert data_version(engine) == dv
    after = snapshot(engine)
    assert {k: v for k, v in after.items() if k not in LOGS} == {k: v for k, v in before.items() if k not in LOGS}
    with session_scope(engine) as s:
        newest = list_uploads(s)[0]
        assert (newest.outcome, newest.version, newest.id) == ("duplicate", None, r.upload_id)
        assert upload_content(s, r.upload_id, ADMIN) == ("MAP-TA-PHUT.xlsx", b"second file")
    # the same bytes for another estate or year are not a duplicate
    assert store(engine, make_data("PADAENG", n=2), b"second file").outcome == "stored"
    assert store(engine, make_data(year=2567, n=2), b"second file").outcome == "stored"


def test_an_earlier_versions_file_again_becomes_the_current_version(engine, fw, make_data):
    """Files A, B, A: the third upload is not a duplicate (B is current) but a new version
    with A's values, noted as restored from version 1."""
    a, b = make_data(n=1), make_data(n=2)
    store(engine, a, b"file A", accept=True)
    store(engine, b, b"file B", accept=True)
    dv = data_version(engine)
    r = store(engine, a, b"file A")  # the officer: pending, B's level stays published
    assert (r.outcome, r.version, r.restored_from_version, r.data_version, r.status) == (
        "stored", 3, 1, dv + 1, "pending")
    assert r.changed and r.pending and r.level == assess(fw, b.values).level
    assert r.message("en") == ("This file is the one stored as version 1 of MAP-TA-PHUT, fiscal year 2566; "
                               "it is stored again as version 3. It waits for a reviewer: the published "
                               "figures change when it is accepted.")
    assert "ฉบับที่ 1" in r.message("th") and "ฉบับที่ 3" in r.message("th")
    with session_scope(engine) as s:
        assert queries.current_values(s, "MAP-TA-PHUT", 2566) == dict(b.values)
    assert accept(engine).level == assess(fw, a.values).level
    with session_scope(engine) as s:
        versions = list_versions(s, "MAP-TA-PHUT", 2566)
        assert [(v.version, v.is_current, v.restored_from_version) for v in versions] == [
            (3, True, 1), (2, False, None), (1, False, None)]
        assert versions[0].upload_id == r.upload_id and versions[0].created_by == "officer"
        assert queries.current_values(s, "MAP-TA-PHUT", 2566) == dict(a.values)
        assert s.get(m.Assessment, ("estate", "MAP-TA-PHUT", 2566)).level == assess(fw, a.values).level
        assert (list_uploads(s)[0].outcome, list_uploads(s)[0].version) == ("accepted", 3)
    # A is now current: sending it once more is a duplicate of version 3
    again = store(engine, a, b"file A")
    assert (again.outcome, again.version) == ("duplicate", 3)


def test_the_file_behind_a_restored_current_version_is_a_duplicate(engine, make_data):
    store(engine, make_data(n=1), b"file A")
    store(engine, make_data(n=2), b"file B")
    restore_version(engine, "MAP-TA-PHUT", 2566, 1, by=ADMIN)  # version 3 = A's values
    r = store(engine, make_data(n=1), b"file A")
    assert (r.outcome, r.version) == ("duplicate", 3)


def test_compare_versions_lists_changed_values_only(engine, fw, make_data):
    base = make_data(n=1)
    store(engine, base, b"v1")
    changed = {"PHY-02": base.values["PHY-02"] + 1, "MGT-01": not base.values["MGT-01"], "ENV-03": None}
    store(engine, dataclasses.replace(base, values={**base.values, **changed}), b"v2")
    with session_scope(engine) as s:
        diff = compare_versions(s, "MAP-TA-PHUT", 2566, 1, 2, fw=fw)
        assert diff == [(c, base.values[c], changed[c]) for c in fw.codes if c in changed]
        assert diff[0].code == "PHY-02" and diff[0].old == base.values["PHY-02"]
        assert compare_versions(s, "MAP-TA-PHUT", 2566, 2, 2) == []
        with pytest.raises(StoreError) as e:
            compare_versions(s, "MAP-TA-PHUT", 2566, 1, 9)
        assert e.value.code == "no_such_version"


def test_compare_versions_shows_a_change_in_the_factory_count(engine, fw, make_data):
    """The factory count weights the estate in its area's means: a change is listed first,
    as the pseudo-indicator 'factories'."""
    from ecocity.pagemodels.estate import changes

    base = make_data(n=1)
    store(engine, base, b"v1")
    store(engine, dataclasses.replace(base, factories=80, values={**base.values, "PHY-02": 1.0}), b"v2")
    store(engine, dataclasses.replace(base, factories=80), b"v3")
    with session_scope(engine) as s:
        diff = compare_versions(s, "MAP-TA-PHUT", 2566, 1, 2, fw=fw)
        assert diff[0] == ("factories", 50, 80)
        assert [d.code for d in diff] == ["factories", "PHY-02"]
        assert compare_versions(s, "MAP-TA-PHUT", 2566, 2, 3, fw=fw) == [("PHY-02", 1.0, base.values["PHY-02"])]
        assert compare_versions(s, "MAP-TA-PHUT", 2566, 1, 3) == [("factories", 50, 80)]
    shown = changes(fw, diff, "en")  # what the Estate page does with it still works
    assert (shown[0].code, shown[0].old, shown[0].new) == ("factories", "50", "80")


def test_restore_makes_a_new_version_with_the_old_values(engine, fw, make_data):
    v1, v2 = make_data(n=1, notes={"SOC-01": "survey"}), make_data(n=2, factories=80)
    store(engine, v1, b"v1", accept=True)
    store(engine, v2, b"v2", accept=True)
    dv = data_version(engine)
    r = restore_version(engine, "MAP-TA-PHUT", 2566, 1, by=ADMIN)
    assert (r.outcome, r.version, r.restored_from_version, r.data_version, r.status) == (
        "restored", 3, 1, dv + 1, "pending")
    assert r.level == assess(fw, v2.values).level  # pending: version 2 stays published
    with session_scope(engine) as s:
        assert [(v.version, v.is_current, v.status) for v in list_versions(s, "MAP-TA-PHUT", 2566)] == [
            (3, False, "pending"), (2, True, "accepted"), (1, False, "accepted")]
        assert queries.current_values(s, "MAP-TA-PHUT", 2566) == dict(v2.values)
    # restoring the newest version, pending, changes nothing either
    assert restore_version(engine, "MAP-TA-PHUT", 2566, 3, by=ADMIN).outcome == "unchanged"
    rv = accept(engine)  # a reviewer: the administrator who restored may not accept it
    assert (rv.version, rv.data_version, rv.level) == (3, dv + 2, assess(fw, v1.values).level)
    with session_scope(engine) as s:
        versions = list_versions(s, "MAP-TA-PHUT", 2566)
        assert [(v.version, v.is_current, v.restored_from_version) for v in versions] == [
            (3, True, 1), (2, False, None), (1, False, None)]
        assert (versions[0].created_by, versions[0].factories, versions[0].upload_id) == ("admin", 50, None)
        assert queries.current_values(s, "MAP-TA-PHUT", 2566) == dict(v1.values)
        assert compare_versions(s, "MAP-TA-PHUT", 2566, 1, 3) == []
        sub3 = s.scalar(select(m.Submission.id).where(m.Submission.version == 3))
        assert s.get(m.IndicatorValue, (sub3, "SOC-01")).note == "survey"
        row = s.get(m.Assessment, ("estate", "MAP-TA-PHUT", 2566))
        assert row.level == assess(fw, v1.values).level
        assert row.values == dict(assess(fw, v1.values).values)
    # restoring the current version changes nothing
    again = restore_version(engine, "MAP-TA-PHUT", 2566, 3, by=ADMIN)
    assert (again.outcome, again.version, again.data_version) == ("unchanged", 3, dv + 2)
    assert data_version(engine) == dv + 2
    with pytest.raises(StoreError, match="has no version 7"):
        restore_version(engine, "MAP-TA-PHUT", 2566, 7, by=ADMIN)


# ----------------------------------------------------------------------------- all or nothing


@pytest.mark.parametrize("bad", ["unknown_indicator", "unknown_estate", "bad_value", "negative_factories",
                                 "long_name"])
def test_a_failing_store_changes_nothing_but_logs_the_upload_as_rejected(engine, make_data, bad):
    store(engine, make_data(n=1), b"good")
    dv = data_version(engine)
    before = snapshot(engine)
    data = {
        "unknown_indicator": make_data(n=2, **{"XXX-99": 1.0}),
        "unknown_estate": make_data("NO-SUCH-ESTATE", n=2),
        "bad_value": make_data(n=2, **{"ENV-02": 140.0}),  # a percent above 100
        "negative_factories": make_data(n=2, factories=-1),
        "long_name": dataclasses.replace(make_data(n=2), submitted_by="ก" * 201),
    }[bad]
    with pytest.raises(StoreError) as e:
        store_submission(engine, data, filename="bad.xlsx", content=b"bad bytes", by=OFFICER,
                         messages={"errors": [], "warnings": [{"code": "missing_value", "message": "w"}]})
    expected_code = {"unknown_indicator": "invalid_values", "unknown_estate": "unknown_estate",
                     "bad_value": "invalid_values", "negative_factories": "invalid_field",
                     "long_name": "invalid_field"}[bad]
    assert e.value.code == expected_code
    after = snapshot(engine)
    assert {k: v for k, v in after.items() if k not in LOGS} == {k: v for k, v in before.items() if k not in LOGS}
    assert after["uploads"][:-1] == before["uploads"]
    assert data_version(engine) == dv
    with session_scope(engine) as s:
        logged = list_uploads(s)[0]
        assert (logged.outcome, logged.filename, logged.estate_code, logged.version) == (
            "rejected", "bad.xlsx", data.estate_code, None)
        assert logged.messages["warnings"] == [{"code": "missing_value", "message": "w"}]
        assert [x["code"] for x in logged.messages["errors"]] == [expected_code]
        assert upload_content(s, logged.id, ADMIN) == ("bad.xlsx", b"bad bytes")


def test_a_failure_after_rows_were_written_is_rolled_back(engine, make_data, monkeypatch):
    """The last step of storing (recomputing the assessments) fails after the upload,
    version and value rows were written: the whole transaction is rolled back and the
    file is then logged as rejected on its own."""
    from ecocity.store import versions

    store(engine, make_data(n=1), b"v1")
    dv = data_version(engine)
    before = snapshot(engine)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(versions, "recompute_for", broken)
    with pytest.raises(StoreError) as e:
        store(engine, make_data(n=2), b"v2")
    # The officer is told what kind of failure it was; its details (SQL and parameters,
    # paths) go to the server log only.
    assert e.value.code == "failed" and "RuntimeError" in e.value.message("en")
    assert "disk full" not in e.value.message("en") and "disk full" not in e.value.message("th")
    after = snapshot(engine)
    assert {k: v for k, v in after.items() if k not in LOGS} == {k: v for k, v in before.items() if k not in LOGS}
    assert after["uploads"][:-1] == before["uploads"]  # plus the rejected log row only
    assert data_version(engine) == dv
    with session_scope(engine) as s:
        logged = list_uploads(s)[0]
        assert (logged.outcome, logged.version) == ("rejected", None)
        assert [x["code"] for x in logged.messages["errors"]] == ["failed"]
    monkeypatch.undo()
    assert store(engine, make_data(n=3), b"v2").version == 2


def test_invalid_values_are_refused_before_anything_is_written(engine, make_data):
    """The values are checked first: the refused attempt writes nothing, so the only
    writes are the rejected upload in the log and its audit entry."""
    store(engine, make_data(n=1), b"v1")
    writes: list[str] = []

    def seen(conn, cursor, statement, *args):
        words = statement.split()
        if words and words[0].upper() in ("INSERT", "UPDATE", "DELETE"):
            writes.append(" ".join(words[:3]).upper().replace('"', ""))

    event.listen(engine, "before_cursor_execute", seen)
    try:
        with pytest.raises(StoreError, match="XXX-99"):
            store(engine, make_data(n=2, **{"XXX-99": 1.0}), b"bad")
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert writes == ["INSERT INTO UPLOADS", "INSERT INTO AUDIT_LOG"]


def test_log_rejected_keeps_the_bytes_and_changes_no_data(engine):
    dv = data_version(engine)
    before = snapshot(engine)
    messages = {"errors": [{"sheet": "ตัวชี้วัด", "cell": "E12", "code": "not_a_number", "message": "ประมาณ 20"}],
                "warnings": [], "when": date(2023, 5, 1)}
    uid = log_rejected(engine, "broken.xlsx", b"\x00\x01binary", messages, by=OFFICER, estate_code="NOPE")
    assert data_version(engine) == dv
    after = snapshot(engine)
    assert {k: v for k, v in after.items() if k not in LOGS} == {k: v for k, v in before.items() if k not in LOGS}
    with session_scope(engine) as s:
        [up] = list_uploads(s, outcome="rejected")
        assert (up.id, up.estate_code, up.size) == (uid, "NOPE", 8)
        assert up.messages["errors"][0]["message"] == "ประมาณ 20"
        assert up.messages["when"] == "2023-05-01"  # made JSON-safe, not dropped
        assert upload_content(s, uid, ADMIN) == ("broken.xlsx", b"\x00\x01binary")
        with pytest.raises(StoreError) as e:
            upload_content(s, uid + 100, ADMIN)
        assert e.value.code == "no_such_upload"


def test_the_log_can_describe_content_it_does_not_keep(engine):
    """size and sha256 given for a file whose bytes are not kept (over the size limit)."""
    digest = hashlib.sha256(b"the real file").hexdigest()
    uid = log_rejected(engine, "big.xlsx", b"", None, by=OFFICER, size=12_345_678, sha256=digest)
    unread = log_rejected(engine, "bigger.xlsx", b"", None, by=OFFICER, size=99_000_000, sha256="")
    with session_scope(engine) as s:
        rows = {u.id: (u.size, u.sha256) for u in list_uploads(s)}
        assert rows == {uid: (12_345_678, digest), unread: (99_000_000, "")}
        assert upload_content(s, uid, ADMIN) == ("big.xlsx", b"")
    with pytest.raises(ValueError):
        log_rejected(engine, "x.xlsx", b"", None, by=OFFICER, size=-1)
    with pytest.raises(ValueError):
        log_rejected(engine, "x.xlsx", b"", None, by=OFFICER, sha256="not a digest")


def test_the_log_accepts_over_long_names(engine):
    uid = log_rejected(engine, "ไฟล์" * 100 + ".xlsx", b"x", None, by=Actor("u" * 500, "officer"))
    with session_scope(engine) as s:
        name, content = upload_content(s, uid, ADMIN)
        [up] = list_uploads(s)
    assert (len(name), content, len(up.uploaded_by)) == (255, b"x", 200)


def test_list_uploads_is_newest_first_and_filters(engine, make_data):
    store(engine, make_data("MAP-TA-PHUT", n=1), b"a")
    log_rejected(engine, "x.xlsx", b"x", None, by=OFFICER)
    store(engine, make_data("PADAENG", n=1), b"b", is_sample=True)
    store(engine, make_data("PADAENG", n=1), b"b", is_sample=True)
    with session_scope(engine) as s:
        assert [u.outcome for u in list_uploads(s)] == ["duplicate", "accepted", "rejected", "accepted"]
        assert [u.estate_code for u in list_uploads(s, estate_code="PADAENG")] == ["PADAENG", "PADAENG"]
        assert [u.outcome for u in list_uploads(s, include_sample=False)] == ["rejected", "accepted"]
        assert [u.outcome for u in list_uploads(s, limit=1, offset=1)] == ["accepted"]
        assert "content" not in {f.name for f in dataclasses.fields(list_uploads(s)[0])}


# ----------------------------------------------------------------------------- derived results


def test_area_assessment_equals_assess_area_of_current_estate_values(engine, fw, make_data):
    a1 = make_data("EASTERN-SEABOARD-RAYONG", n=1, factories=120)
    a2 = make_data("AMATA-CITY-RAYONG", n=2, factories=30, **{"ENV-04": None})
    a2_new = make_data("AMATA-CITY-RAYONG", n=3, factories=35)
    store(engine, a1, b"1", accept=True)
    store(engine, a2, b"2", accept=True)
    store(engine, a2_new, b"3", accept=True)  # only the current version counts
    expected = assess_area(fw, [EstateValues("AMATA-CITY-RAYONG", 35, a2_new.values),
                                EstateValues("EASTERN-SEABOARD-RAYONG", 120, a1.values)])
    with session_scope(engine) as s:
        [row] = queries.assessments_for_year(s, 2566, "area")
    assert (row.code, row.level, row.estates) == ("RAYONG-PLUAK-DAENG", expected.assessment.level,
                                                  ["AMATA-CITY-RAYONG", "EASTERN-SEABOARD-RAYONG"])
    assert row.values == pytest.approx(dict(expected.values))
    assert row.overall_score == pytest.approx(expected.assessment.overall_score)
    assert row.dimension_scores == pytest.approx(dict(expected.assessment.dimension_scores))
    assert row.gap == [g.as_dict() for g in expected.assessment.gap]
    # factory-weighted, not a plain mean: the weights really come from each estate
    code = next(i.code for i in fw.indicators if i.aggregation == "factory_weighted_mean")
    assert row.values[code] == pytest.approx(
        (a1.values[code] * 120 + a2_new.values[code] * 35) / 155)


def test_estates_outside_areas_and_areas_without_data(engine, make_data):
    store(engine, make_data("NONG-KHAE", n=1), b"n", accept=True)  # belongs to no area
    with session_scope(engine) as s:
        assert [r.code for r in queries.assessments_for_year(s, 2566, "estate")] == ["NONG-KHAE"]
        assert queries.assessments_for_year(s, 2566, "area") == []  # "no data", not level 0
        assert queries.fiscal_years(s) == [2566]
        assert queries.has_data(s) and queries.has_data(s, include_sample=False)


def test_has_data_tells_sample_from_real_data(engine, make_data):
    with session_scope(engine) as s:
        assert not queries.has_data(s)
    store(engine, make_data(n=1), b"s", is_sample=True)
    with session_scope(engine) as s:
        assert queries.has_data(s) and not queries.has_data(s, include_sample=False)


def test_series_and_fiscal_years(engine, fw, make_data):
    for year, n in ((2567, 2), (2565, 0), (2566, 1)):
        store(engine, make_data("RIL", year, n=n), f"{year}".encode(), accept=True)
    with session_scope(engine) as s:
        assert queries.fiscal_years(s) == [2565, 2566, 2567]
        pts = queries.series(s, "estate", "RIL")
        assert [p.fiscal_year for p in pts] == [2565, 2566, 2567]
        assert [p.level for p in pts] == [assess(fw, make_data("RIL", n=n).values).level for n in (0, 1, 2)]
        assert [p.fiscal_year for p in queries.series(s, "area", "RAYONG-MAP-TA-PHUT")] == [2565, 2566, 2567]
        assert queries.series(s, "estate", "PADAENG") == []


def test_recompute_all_under_a_new_framework_version(engine, fw, make_data):
    store(engine, make_data("MAP-TA-PHUT", n=1), b"1", accept=True)
    store(engine, make_data("NONG-KHAE", n=2), b"2", accept=True)
    raw = tomllib.loads(DEFAULT_FRAMEWORK_PATH.read_text("utf-8"))
    raw["version"] = 2
    raw["pass_share"] = 0.25  # much easier: levels go up
    fw2 = parse_framework(raw, source="test", sha256="f" * 64)
    dv = data_version(engine)
    assert recompute_all(engine, fw2) == dv + 1
    with session_scope(engine) as s:
        rows = queries.assessments_for_year(s, 2566, "estate") + queries.assessments_for_year(s, 2566, "area")
        assert len(rows) == 3 and {r.framework_version for r in rows} == {"eit-default@2"}
        by = {r.code: r for r in rows}
        for code, n in (("MAP-TA-PHUT", 1), ("NONG-KHAE", 2)):
            assert by[code].level == assess(fw2, make_data(code, n=n).values).level
        area = assess_area(fw2, [EstateValues("MAP-TA-PHUT", 50, make_data(n=1).values)])
        assert by["RAYONG-MAP-TA-PHUT"].level == area.assessment.level
        assert s.get(m.FrameworkVersion, "eit-default@2").sha256 == "f" * 64
    # upgrade with the original framework in force notices stale rows and recomputes
    assert upgrade(engine, framework=fw) == dv + 2
    with session_scope(engine) as s:
        rows = queries.assessments_for_year(s, 2566, "estate")
        assert {r.framework_version for r in rows} == {fw.version_id}
        assert {r.code: r.level for r in rows}["MAP-TA-PHUT"] == assess(fw, make_data(n=1).values).level
    assert upgrade(engine, framework=fw) == dv + 2


def _edited_framework_copy(tmp_path, fw):
    """(framework as first loaded, same file edited in place without a version bump)."""
    copy = tmp_path / "eit-default.toml"
    copy.write_bytes(DEFAULT_FRAMEWORK_PATH.read_bytes())
    before = load_framework(copy)
    assert before.sha256 == fw.sha256
    text = copy.read_text("utf-8")
    assert "pass_share = 0.75" in text
    copy.write_text(text.replace("pass_share = 0.75", "pass_share = 0.25"), "utf-8")
    after = load_framework(copy)
    assert after.version_id == before.version_id and after.sha256 != before.sha256
    return before, after


def _assert_all_assessed_under(engine, fw, estates: dict[str, dict]) -> None:
    """Every stored assessment is what ``fw`` gives for the estates' current values."""
    with session_scope(engine) as s:
        rows = {(r.entity_kind, r.entity_code, r.fiscal_year): r for r in s.scalars(select(m.Assessment))}
        area_of = {c: s.get(m.Estate, c).area_code for c in estates}
    areas: dict[str, list[EstateValues]] = {}
    for code, values in sorted(estates.items()):
        assert rows.pop(("estate", code, 2566)).level == assess(fw, values).level, code
        areas.setdefault(area_of[code], []).append(EstateValues(code, 50, values))
    for area, members in areas.items():
        row = rows.pop(("area", area, 2566))
        expected = assess_area(fw, members)
        assert (row.level, row.overall_score) == (expected.assessment.level,
                                                  pytest.approx(expected.assessment.overall_score)), area
    assert rows == {}


def test_a_framework_file_edited_without_a_version_bump_recomputes_everything(engine, fw, make_data, tmp_path,
                                                                               caplog):
    """The file in force changed but kept its version: storing under it recomputes every
    assessment (not only the estate stored), and upgrade finds nothing left to do."""
    fw_a, fw_b = _edited_framework_copy(tmp_path, fw)
    mtp, pad = make_data("MAP-TA-PHUT", n=2).values, make_data("PADAENG", n=4).values
    assert assess(fw_b, mtp).level != assess(fw_a, mtp).level  # the edit matters for MAP-TA-PHUT
    store(engine, make_data("MAP-TA-PHUT", n=2), b"mtp", fw=fw_a, accept=True)
    dv = data_version(engine)
    with caplog.at_level("WARNING", logger="ecocity.store"):
        r = store(engine, make_data("PADAENG", n=4), b"pad", fw=fw_b, accept=True)
    assert r.data_version == dv + 1 and r.level == assess(fw_b, pad).level
    assert "without a version bump" in caplog.text and fw_b.version_id in caplog.text
    _assert_all_assessed_under(engine, fw_b, {"MAP-TA-PHUT": mtp, "PADAENG": pad})
    with session_scope(engine) as s:
        assert s.get(m.FrameworkVersion, fw_b.version_id).sha256 == fw_b.sha256
    assert upgrade(engine, framework=fw_b) == dv + 1  # nothing left to repair
    _assert_all_assessed_under(engine, fw_b, {"MAP-TA-PHUT": mtp, "PADAENG": pad})


def test_restoring_under_an_edited_framework_file_recomputes_everything(engine, fw, make_data, tmp_path):
    fw_a, fw_b = _edited_framework_copy(tmp_path, fw)
    store(engine, make_data("PADAENG", n=4), b"pad", fw=fw_a, accept=True)
    store(engine, make_data("MAP-TA-PHUT", n=2), b"v1", fw=fw_a, accept=True)
    store(engine, make_data("MAP-TA-PHUT", n=3), b"v2", fw=fw_a, accept=True)
    dv = data_version(engine)
    r = restore_version(engine, "MAP-TA-PHUT", 2566, 1, by=ADMIN, fw=fw_b)
    # pending: version 2 stays published, but every assessment is recomputed under the edit
    assert (r.outcome, r.data_version, r.status, r.level) == ("restored", dv + 1, "pending",
                                                              assess(fw_b, make_data(n=3).values).level)
    _assert_all_assessed_under(engine, fw_b, {"MAP-TA-PHUT": make_data(n=3).values,
                                              "PADAENG": make_data("PADAENG", n=4).values})
    rv = accept(engine, fw=fw_b)
    assert (rv.data_version, rv.level) == (dv + 2, assess(fw_b, make_data(n=2).values).level)
    _assert_all_assessed_under(engine, fw_b, {"MAP-TA-PHUT": make_data(n=2).values,
                                              "PADAENG": make_data("PADAENG", n=4).values})


def test_upgrade_repairs_levels_left_from_an_edited_framework_file(engine, fw, make_data, tmp_path, caplog):
    """A database where the edited file was recorded without recomputing (as stores did
    before): ``ecocity db upgrade`` recomputes every assessment under the file in force."""
    fw_a, fw_b = _edited_framework_copy(tmp_path, fw)
    store(engine, make_data("MAP-TA-PHUT", n=2), b"mtp", fw=fw_a, accept=True)
    with session_scope(engine, write=True) as s:  # what the old store did: record the file only
        s.get(m.FrameworkVersion, fw_b.version_id).sha256 = fw_b.sha256
        s.execute(m.Meta.__table__.delete().where(m.Meta.key == m.ASSESSED_WITH_KEY))  # no marker yet
    dv = data_version(engine)
    with caplog.at_level("WARNING", logger="ecocity.store"):
        assert upgrade(engine, framework=fw_b) == dv + 1
    assert "recomputing every assessment" in caplog.text
    _assert_all_assessed_under(engine, fw_b, {"MAP-TA-PHUT": make_data(n=2).values})
    assert upgrade(engine, framework=fw_b) == dv + 1


# ----------------------------------------------------------------------------- sample data


def test_remove_sample_deletes_sample_data_and_recomputes_areas(engine, fw, make_data):
    real = make_data("PADAENG", n=5)
    store(engine, make_data("MAP-TA-PHUT", n=1), b"s1", is_sample=True)
    store(engine, make_data("RIL", n=2), b"s2", is_sample=True)
    store(engine, make_data("RIL", n=3), b"real RIL", accept=True)  # a real version on top of sample data
    store(engine, real, b"real", accept=True)
    store(engine, make_data("NONG-KHAE", 2565, n=4), b"s3", is_sample=True)
    store(engine, make_data("BANG-POO", n=6), b"real BANG-POO", accept=True)
    with pytest.raises(StoreError, match="real data"):  # refused, logged as a rejected sample upload
        store(engine, make_data("BANG-POO", n=7), b"s4", is_sample=True)
    with session_scope(engine, write=True) as s:  # sample data on top of real, as stored before that rule
        real_bp = s.scalar(select(m.Submission).where(m.Submission.estate_code == "BANG-POO"))
        real_bp.is_current = False
        s.flush()
        s.add(m.Submission(estate_code="BANG-POO", fiscal_year=2566, version=2, is_current=True, factories=50,
                           submitted_by="x", framework_version=fw.version_id, created_by="x", is_sample=True))
    dv = data_version(engine)
    result = remove_sample(engine, ADMIN)
    assert (result.submissions, result.uploads, result.data_version) == (4, 4, dv + 1)
    assert data_version(engine) == dv + 1
    assert count(engine, m.Submission, m.Submission.is_sample) == 0
    assert count(engine, m.Upload, m.Upload.is_sample) == 0
    with session_scope(engine) as s:
        ril = list_versions(s, "RIL", 2566)
        assert [(v.version, v.is_current) for v in ril] == [(2, True)]
        bang_poo = list_versions(s, "BANG-POO", 2566)
        assert [(v.version, v.is_current) for v in bang_poo] == [(1, True)]  # the real one is current again
        assert queries.current_values(s, "BANG-POO", 2566) == dict(make_data("BANG-POO", n=6).values)
        assert queries.current_values(s, "MAP-TA-PHUT", 2566) == {}
        estates = {r.code: r for r in queries.assessments_for_year(s, 2566, "estate")}
        assert sorted(estates) == ["BANG-POO", "PADAENG", "RIL"]
        assert estates["BANG-POO"].level == assess(fw, make_data("BANG-POO", n=6).values).level
        assert queries.fiscal_years(s) == [2566]  # 2565 held sample data only
        area, samut_prakan = queries.assessments_for_year(s, 2566, "area")
        assert (samut_prakan.code, samut_prakan.estates) == ("SAMUT-PRAKAN", ["BANG-POO"])
        expected = assess_area(fw, [EstateValues("PADAENG", 50, real.values),
                                    EstateValues("RIL", 50, make_data("RIL", n=3).values)])
        assert (area.estates, area.level) == (["PADAENG", "RIL"], expected.assessment.level)
        assert area.values == pytest.approx(dict(expected.values))
        assert count(engine, m.IndicatorValue) == 3 * len(fw.indicators)
    again = remove_sample(engine, ADMIN)
    assert (again.submissions, again.uploads, again.data_version) == (0, 0, dv + 1)


def test_sample_data_never_becomes_current_over_real_data(engine, make_data):
    real = make_data(n=1)
    store(engine, real, b"real", accept=True)
    dv = data_version(engine)
    before = snapshot(engine)
    with pytest.raises(StoreError) as e:
        store(engine, make_data(n=2), b"sample", is_sample=True)
    assert e.value.code == "sample_over_real"
    assert "real data" in e.value.message("en") and "ข้อมูลจริง" in e.value.message("th")
    after = snapshot(engine)
    assert {k: v for k, v in after.items() if k not in LOGS} == {k: v for k, v in before.items() if k not in LOGS}
    assert after["uploads"][:-1] == before["uploads"]
    assert data_version(engine) == dv
    with session_scope(engine) as s:
        logged = list_uploads(s)[0]
        assert (logged.outcome, logged.is_sample, logged.version) == ("rejected", True, None)
        assert [x["code"] for x in logged.messages["errors"]] == ["sample_over_real"]
        assert queries.current_values(s, "MAP-TA-PHUT", 2566) == dict(real.values)
    # other estates and years are not affected; real data may replace sample data
    assert store(engine, make_data(year=2567, n=2), b"sample", is_sample=True).outcome == "stored"
    assert store(engine, make_data(year=2567, n=3), b"real 2567").outcome == "stored"


def test_a_sample_version_is_not_restored_over_real_data(engine, make_data):
    store(engine, make_data(n=1), b"sample", is_sample=True)
    store(engine, make_data(n=2), b"real")
    before = snapshot(engine)
    with pytest.raises(StoreError) as e:
        restore_version(engine, "MAP-TA-PHUT", 2566, 1, by=ADMIN)
    assert e.value.code == "sample_over_real"
    assert snapshot(engine) == before


def test_sample_and_real_copies_of_a_file_are_not_duplicates(engine, make_data):
    store(engine, make_data(n=1), b"same", is_sample=True)
    r = store(engine, make_data(n=1), b"same")
    assert (r.outcome, r.version, r.status) == ("stored", 2, "pending")
    accept(engine)
    remove_sample(engine, ADMIN)
    with session_scope(engine) as s:
        assert [(v.version, v.is_current, v.is_sample) for v in list_versions(s, "MAP-TA-PHUT", 2566)] == [
            (2, True, False)]


# ----------------------------------------------------------------------------- data version


def test_data_version_changes_exactly_when_data_changes(engine, make_data):
    steps = []

    def step(name, fn):
        before = data_version(engine)
        fn()
        steps.append((name, data_version(engine) - before))

    step("store", lambda: store(engine, make_data(n=1), b"1"))
    step("store v2", lambda: store(engine, make_data(n=2), b"2"))
    step("duplicate", lambda: store(engine, make_data(n=2), b"2"))
    step("log rejected", lambda: log_rejected(engine, "x.xlsx", b"x", None, by=OFFICER))

    def failing():
        with pytest.raises(StoreError):
            store(engine, make_data("NO-SUCH", n=1), b"bad")

    step("failed store", failing)
    step("restore", lambda: restore_version(engine, "MAP-TA-PHUT", 2566, 1, by=ADMIN))
    step("restore current", lambda: restore_version(engine, "MAP-TA-PHUT", 2566, 3, by=ADMIN))
    step("remove sample (none)", lambda: remove_sample(engine, ADMIN))
    step("recompute all", lambda: recompute_all(engine))
    step("upgrade again", lambda: upgrade(engine))
    with session_scope(engine) as s:
        step("read", lambda: (queries.series(s, "estate", "MAP-TA-PHUT"), list_uploads(s)))
    assert steps == [("store", 1), ("store v2", 1), ("duplicate", 0), ("log rejected", 0), ("failed store", 0),
                     ("restore", 1), ("restore current", 0), ("remove sample (none)", 0),
                     ("recompute all", 1), ("upgrade again", 0), ("read", 0)]
