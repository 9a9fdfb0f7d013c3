"""Roles enforced where data is written, on SQLite and PostgreSQL.

- An officer cannot store data for an estate not assigned to them, whichever way the file
  comes in (store_submission, intake.record, the upload page's check and confirm called
  directly) nor restore its versions: nothing changes, the file is logged as rejected and
  the audit log says 'upload.denied'.
- A viewer and the anonymous visitor reach no write path at all: AccessDenied, no data
  and no upload-log change, only a 'denied' audit entry.
- An administrator and the estate's officer succeed, and the audit entry is written in the
  same transaction as the data: when the transaction rolls back, the entry goes with it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from ecocity.core.access import ANONYMOUS, AccessDenied, Actor
from ecocity.flows import intake
from ecocity.flows import upload_preview as flow
from ecocity.io.workbook.template import write_submission
from ecocity.store import models as m
from ecocity.store.audit import list_entries
from ecocity.store.db import data_version, session_scope
from ecocity.store.errors import StoreError
from ecocity.store.uploads import list_uploads, log_rejected, read_original, upload_content
from ecocity.store.versions import remove_sample, restore_version, store_submission

pytestmark = pytest.mark.storage

ADMIN = Actor("admin", "admin", display_name="Admin")
SOMCHAI = Actor("somchai", "officer", frozenset({"MAP-TA-PHUT"}), display_name="สมชาย")  # Map Ta Phut's officer
PIM = Actor("pim", "officer", frozenset({"PADAENG"}), display_name="พิม")  # Padaeng's officer only
VIEWER = Actor("vina", "viewer")


# ----------------------------------------------------------------------------- helpers


def counts(engine) -> dict[str, int]:
    """Row counts of the data tables and the data version: what "nothing changes" means."""
    with session_scope(engine) as s:
        out = {model.__tablename__: s.scalar(select(func.count()).select_from(model))
               for model in (m.Submission, m.IndicatorValue, m.Assessment)}
    out["data_version"] = data_version(engine)
    return out


def rows(engine, *, without: tuple[str, ...] = ("audit_log",)) -> dict[str, list[tuple]]:
    """Every row of every table but ``without``, in primary-key order."""
    with engine.connect() as conn:
        return {tbl.name: [tuple(r) for r in conn.execute(select(tbl).order_by(*tbl.primary_key.columns))]
                for tbl in m.Base.metadata.sorted_tables if tbl.name not in without}


def audit(engine) -> list[tuple[str, str, str, str]]:
    """(action, outcome, actor, target) of every audit entry, oldest first."""
    with session_scope(engine) as s:
        return [(e.action, e.outcome, e.actor, e.target) for e in reversed(list_entries(s, limit=None))]


def uploads(engine) -> list:
    with session_scope(engine) as s:
        return list_uploads(s, limit=1000)


def checked(engine, fw, data, name: str = "file.xlsx") -> tuple[bytes, Any]:
    """A workbook for ``data`` and its check result (accepted)."""
    content = write_submission(fw, data)
    result = intake.check_file(content, name, fw, intake.estates_of(engine))
    assert result.accepted
    return content, result


def pending(fw, name: str, content: bytes, result) -> flow.Checked:
    """A file waiting for confirmation, as the page holds it (built directly: confirm must
    refuse even what the page's own check would have stopped)."""
    return flow.Checked(name, flow.make_preview(name, content, result, fw), content)


@pytest.fixture
def seeded(engine, fw, make_data):
    """Map Ta Phut 2566 in two versions (real data) and Padaeng 2566 as sample data."""
    store_submission(engine, make_data("MAP-TA-PHUT", 2566, n=1), filename="v1.xlsx", content=b"v1", by=ADMIN)
    store_submission(engine, make_data("MAP-TA-PHUT", 2566, n=2), filename="v2.xlsx", content=b"v2", by=ADMIN)
    store_submission(engine, make_data("PADAENG", 2566, n=3), filename="s.xlsx", content=b"s", by=ADMIN,
                     is_sample=True)
    return engine


def assert_denied_and_logged(engine, before: dict[str, int], n_uploads: int, filename: str) -> None:
    """Nothing stored; the file is the newest upload, rejected with the 'denied' error,
    logged under pim with no estate: pim and administrators see it, Map Ta Phut's officer
    does not; the newest audit entry is pim's 'upload.denied' on the estate it named."""
    assert counts(engine) == before
    logged = uploads(engine)
    assert len(logged) == n_uploads + 1
    newest = logged[0]
    assert (newest.filename, newest.outcome, newest.uploaded_by, newest.estate_code, newest.fiscal_year) == (
        filename, "rejected", "pim", None, 2566)
    with session_scope(engine) as s:
        seen = {a.username: {u.id for u in list_uploads(s, limit=1000, visible_to=a)} for a in (PIM, ADMIN, SOMCHAI)}
    assert newest.id in seen["pim"] and newest.id in seen["admin"] and newest.id not in seen["somchai"]
    errors = newest.messages["errors"]
    assert [e["code"] for e in errors] == ["denied"]
    assert "MAP-TA-PHUT" in errors[0]["message"] and "MAP-TA-PHUT" in errors[0]["message_th"]
    assert audit(engine)[-1] == ("upload.denied", "denied", "pim", "MAP-TA-PHUT/2566")


# ----------------------------------------------------------------------------- another estate's officer


def test_an_officer_cannot_store_another_estates_data_with_store_submission(seeded, make_data):
    engine = seeded
    before, n = counts(engine), len(uploads(engine))
    with pytest.raises(AccessDenied) as e:
        store_submission(engine, make_data("MAP-TA-PHUT", 2566, n=5), filename="theirs.xlsx", content=b"theirs",
                         by=PIM, messages={"errors": [], "warnings": []})
    assert (e.value.code, e.value.action, e.value.estate) == ("denied", "submit", "MAP-TA-PHUT")
    assert "MAP-TA-PHUT" in e.value.message("th") and "MAP-TA-PHUT" in e.value.message("en")
    assert_denied_and_logged(engine, before, n, "theirs.xlsx")
    with session_scope(engine) as s:  # the original bytes are kept, and pim may download them (own upload)
        assert upload_content(s, uploads(engine)[0].id, PIM) == ("theirs.xlsx", b"theirs")


def test_an_officer_cannot_store_another_estates_data_with_intake_record(seeded, fw, make_data):
    engine = seeded
    content, result = checked(engine, fw, make_data("MAP-TA-PHUT", 2566, n=6), "record.xlsx")
    before, n = counts(engine), len(uploads(engine))
    out = intake.record(engine, result, filename="record.xlsx", content=content, by=PIM, fw=fw)
    assert out.kind == "failed" and isinstance(out.error, AccessDenied) and not out.changed_data
    assert out.message("en") == out.error.message("en")
    assert_denied_and_logged(engine, before, n, "record.xlsx")


def test_an_officer_cannot_store_another_estates_data_with_the_page_confirm(seeded, fw, make_data):
    engine = seeded
    content, result = checked(engine, fw, make_data("MAP-TA-PHUT", 2566, n=7), "page.xlsx")
    c = pending(fw, "page.xlsx", content, result)
    assert c.pending
    before, n = counts(engine), len(uploads(engine))
    assert flow.confirm(engine, fw, [c], PIM) == [c]
    assert c.outcome.kind == "failed" and c.outcome.error.code == "denied" and c.content is None
    assert_denied_and_logged(engine, before, n, "page.xlsx")


def test_the_page_check_shows_another_estates_file_as_denied_and_never_pending(seeded, fw, make_data):
    engine = seeded
    content, result = checked(engine, fw, make_data("MAP-TA-PHUT", 2566, n=8), "check.xlsx")
    before, n = counts(engine), len(uploads(engine))
    c = flow.check_one(engine, fw, intake.estates_of(engine), file_id="f", filename="check.xlsx",
                       content=content, by=PIM)
    assert c.denied and not c.pending and not c.preview.accepted and c.content is None
    assert c.outcome.kind == "rejected" and c.outcome.upload_id == uploads(engine)[0].id
    [msg] = c.preview.result.errors
    sheet, ref = result.estate_cell
    assert (msg.code, msg.sheet, msg.ref) == ("denied", sheet, ref)
    for lang in ("th", "en"):
        assert "MAP-TA-PHUT" in msg.message(lang) and "PADAENG" in msg.message(lang)
    assert "ผู้ดูแลระบบ" in msg.message("th") and "administrator" in msg.message("en")
    assert_denied_and_logged(engine, before, n, "check.xlsx")
    assert flow.confirm(engine, fw, [c], PIM) == []  # nothing to confirm
    assert counts(engine) == before


def test_an_officer_cannot_restore_another_estates_version(seeded):
    engine = seeded
    before, logged = rows(engine), len(audit(engine))
    with pytest.raises(AccessDenied) as e:
        restore_version(engine, "MAP-TA-PHUT", 2566, 1, by=PIM)
    assert (e.value.action, e.value.estate) == ("restore", "MAP-TA-PHUT")
    assert rows(engine) == before  # no data, no upload log row
    entries = audit(engine)
    assert len(entries) == logged + 1 and entries[-1] == ("version.restored", "denied", "pim", "MAP-TA-PHUT/2566")


def test_an_officer_may_download_the_files_of_their_estates_and_their_own_only(seeded):
    engine = seeded
    by_name = {u.filename: u.id for u in uploads(engine)}
    with session_scope(engine) as s:
        assert upload_content(s, by_name["v1.xlsx"], SOMCHAI) == ("v1.xlsx", b"v1")
        assert upload_content(s, by_name["v1.xlsx"], ADMIN) == ("v1.xlsx", b"v1")
        with pytest.raises(AccessDenied):
            upload_content(s, by_name["v1.xlsx"], PIM)
        assert [u.filename for u in list_uploads(s, visible_to=PIM)] == ["s.xlsx"]  # Padaeng's
        assert {u.filename for u in list_uploads(s, visible_to=SOMCHAI)} == {"v1.xlsx", "v2.xlsx"}
        assert len(list_uploads(s, visible_to=ADMIN)) == 3
        assert list_uploads(s, visible_to=VIEWER) == [] and list_uploads(s, visible_to=ANONYMOUS) == []


def test_a_refused_download_is_audited_and_an_allowed_one_is_not(seeded):
    engine = seeded
    v1 = next(u.id for u in uploads(engine) if u.filename == "v1.xlsx")
    before, logged = rows(engine), len(audit(engine))
    assert read_original(engine, v1, SOMCHAI) == ("v1.xlsx", b"v1")
    assert len(audit(engine)) == logged  # reading is not a change: no entry
    with pytest.raises(AccessDenied) as e:
        read_original(engine, v1, PIM)
    assert (e.value.action, e.value.estate) == ("download_upload", "MAP-TA-PHUT")
    assert audit(engine)[logged:] == [("download.denied", "denied", "pim", f"upload:{v1}")]
    assert rows(engine) == before


# ----------------------------------------------------------------------------- viewers and anonymous


def _write_paths(engine, fw, make_data) -> dict[str, Callable[[Actor], Any]]:
    """Every write path, as a call taking the actor."""
    good, accepted = checked(engine, fw, make_data("MAP-TA-PHUT", 2566, n=9), "good.xlsx")
    bad = b"not a workbook"
    rejected = intake.check_file(bad, "bad.xlsx", fw, intake.estates_of(engine))
    assert not rejected.accepted
    first_upload = uploads(engine)[-1].id

    return {
        "store_submission": lambda a: store_submission(engine, accepted.submission, filename="good.xlsx",
                                                       content=good, by=a),
        "store_submission sample": lambda a: store_submission(engine, accepted.submission, filename="good.xlsx",
                                                              content=good, by=a, is_sample=True),
        "log_rejected": lambda a: log_rejected(engine, "bad.xlsx", bad, None, by=a),
        "intake.record accepted": lambda a: intake.record(engine, accepted, filename="good.xlsx", content=good,
                                                          by=a, fw=fw),
        "intake.record rejected": lambda a: intake.record(engine, rejected, filename="bad.xlsx", content=bad,
                                                          by=a, fw=fw),
        "intake.log_check_failure": lambda a: intake.log_check_failure(engine, filename="bad.xlsx", content=bad,
                                                                       by=a),
        "upload_flow.check_one": lambda a: flow.check_one(engine, fw, intake.estates_of(engine), file_id="f",
                                                          filename="good.xlsx", content=good, by=a),
        "upload_flow.confirm": lambda a: flow.confirm(engine, fw, [pending(fw, "good.xlsx", good, accepted)], a),
        "restore_version": lambda a: restore_version(engine, "MAP-TA-PHUT", 2566, 1, by=a, fw=fw),
        "remove_sample": lambda a: remove_sample(engine, a, fw),
        "read_original": lambda a: read_original(engine, first_upload, a),  # what a download runs
    }


PATHS = ("store_submission", "store_submission sample", "log_rejected", "intake.record accepted",
         "intake.record rejected", "intake.log_check_failure", "upload_flow.check_one", "upload_flow.confirm",
         "restore_version", "remove_sample", "read_original")


@pytest.mark.parametrize("who", ["viewer", "anonymous"])
@pytest.mark.parametrize("path", PATHS)
def test_viewers_and_anonymous_reach_no_write_path(seeded, fw, make_data, who, path):
    engine = seeded
    actor = VIEWER if who == "viewer" else ANONYMOUS
    call = _write_paths(engine, fw, make_data)[path]
    before, logged = rows(engine), len(audit(engine))
    with pytest.raises(AccessDenied) as e:
        call(actor)
    assert e.value.code == "denied" and e.value.actor == actor
    assert rows(engine) == before  # no data, no upload log row: the upload log is for uploaders
    new = audit(engine)[logged:]
    assert len(new) == 1 and all(outcome == "denied" and name == actor.username for _, outcome, name, _ in new)


def test_the_parametrized_paths_are_every_write_path(seeded, fw, make_data):
    assert tuple(_write_paths(seeded, fw, make_data)) == PATHS


# ----------------------------------------------------------------------------- who may, and the audit


def test_the_estates_officer_and_an_admin_succeed_with_audit_entries(engine, fw, make_data):
    r1 = store_submission(engine, make_data("MAP-TA-PHUT", 2566, n=1), filename="a.xlsx", content=b"a",
                          by=SOMCHAI)
    r2 = store_submission(engine, make_data("MAP-TA-PHUT", 2566, n=2), filename="b.xlsx", content=b"b", by=ADMIN)
    dup = store_submission(engine, make_data("MAP-TA-PHUT", 2566, n=2), filename="b2.xlsx", content=b"b",
                           by=SOMCHAI)
    restored = restore_version(engine, "MAP-TA-PHUT", 2566, 1, by=SOMCHAI)
    rejected = log_rejected(engine, "bad.xlsx", b"bad", None, by=SOMCHAI, estate_code="MAP-TA-PHUT",
                            fiscal_year=2566)
    sample = store_submission(engine, make_data("PADAENG", 2566, n=3), filename="s.xlsx", content=b"s", by=ADMIN,
                              is_sample=True)
    removed = remove_sample(engine, ADMIN)
    assert (r1.outcome, r2.outcome, dup.outcome, restored.outcome, sample.outcome) == (
        "stored", "stored", "duplicate", "restored", "stored")
    assert (restored.version, removed.submissions, removed.uploads) == (3, 1, 1)
    assert audit(engine) == [
        ("upload.stored", "ok", "somchai", "MAP-TA-PHUT/2566"),
        ("upload.stored", "ok", "admin", "MAP-TA-PHUT/2566"),
        ("upload.duplicate", "ok", "somchai", "MAP-TA-PHUT/2566"),
        ("version.restored", "ok", "somchai", "MAP-TA-PHUT/2566"),
        ("upload.rejected", "ok", "somchai", "MAP-TA-PHUT/2566"),
        ("upload.stored", "ok", "admin", "PADAENG/2566"),
        ("sample.removed", "ok", "admin", "sample"),
    ]
    with session_scope(engine) as s:
        details = {(e.action, e.actor): e.details for e in list_entries(s)}
        first = s.scalar(select(m.Upload).where(m.Upload.id == r1.upload_id))
    # every new version, stored or restored, waits for a reviewer: the audit entry says so
    assert details[("upload.stored", "somchai")] | {"is_sample": False} == {
        "upload_id": r1.upload_id, "version": 1, "filename": "a.xlsx", "sha256": first.sha256, "is_sample": False,
        "status": "pending"}
    assert details[("upload.duplicate", "somchai")]["version"] == 2
    assert "status" not in details[("upload.duplicate", "somchai")]  # no new version
    assert details[("version.restored", "somchai")] == {"from_version": 1, "version": 3, "is_sample": False,
                                                        "status": "pending"}
    assert details[("upload.rejected", "somchai")]["upload_id"] == rejected
    assert details[("sample.removed", "admin")] == {"submissions": 1, "uploads": 1, "estate_years": 1}
    with session_scope(engine) as s:
        versions = s.scalars(select(m.Submission.created_by).where(m.Submission.estate_code == "MAP-TA-PHUT")
                             .order_by(m.Submission.version)).all()
    assert versions == ["somchai", "admin", "somchai"]


def _fail_after_audit(monkeypatch, action: str) -> list[int]:
    """Make the data version bump (the last step of a store or restore, after its audit
    entry was added) fail, once it has seen that entry in the transaction."""
    from ecocity.store import versions as up

    seen: list[int] = []

    def bump(session):
        seen.append(session.scalar(select(func.count()).select_from(m.AuditEntry)
                                   .where(m.AuditEntry.action == action, m.AuditEntry.outcome == "ok")))
        raise RuntimeError("the database failed at the last step")

    monkeypatch.setattr(up, "bump_data_version", bump)
    return seen


def test_a_store_that_rolls_back_leaves_no_stored_entry(engine, make_data, monkeypatch):
    before = counts(engine)
    seen = _fail_after_audit(monkeypatch, "upload.stored")
    with pytest.raises(StoreError, match="RuntimeError") as e:  # the details stay in the server log
        store_submission(engine, make_data("MAP-TA-PHUT", 2566, n=1), filename="a.xlsx", content=b"a",
                         by=SOMCHAI)
    assert e.value.code == "failed" and isinstance(e.value.__cause__, RuntimeError)
    monkeypatch.undo()
    assert seen == [1]  # the entry was there, in the transaction that then rolled back
    assert counts(engine) == before
    assert audit(engine) == [("upload.rejected", "ok", "somchai", "MAP-TA-PHUT/2566")]  # the file kept, as rejected
    assert [(u.filename, u.outcome) for u in uploads(engine)] == [("a.xlsx", "rejected")]


def test_a_restore_that_rolls_back_leaves_no_restored_entry(engine, make_data, monkeypatch):
    store_submission(engine, make_data("MAP-TA-PHUT", 2566, n=1), filename="a.xlsx", content=b"a", by=SOMCHAI)
    store_submission(engine, make_data("MAP-TA-PHUT", 2566, n=2), filename="b.xlsx", content=b"b", by=SOMCHAI)
    before, logged = rows(engine), audit(engine)
    seen = _fail_after_audit(monkeypatch, "version.restored")
    with pytest.raises(RuntimeError, match="last step"):
        restore_version(engine, "MAP-TA-PHUT", 2566, 1, by=SOMCHAI)
    monkeypatch.undo()
    assert seen == [1]
    assert rows(engine) == before and audit(engine) == logged


def test_a_download_refused_after_the_account_was_disabled_is_audited_under_its_name(seeded, monkeypatch,
                                                                                      cheap_hashing):
    """The page was drawn for a signed-in officer; the account is disabled before the click:
    the download is refused and the refusal names the account, not an empty actor."""
    import time

    from ecocity.core.access import system
    from ecocity.store import users
    from ecocity.ui import auth, detail_readers

    engine = seeded
    users.create_user(engine, system("test"), "somchai", role="officer", estates=["MAP-TA-PHUT"],
                      password="correct horse battery 42")
    with session_scope(engine) as s:
        uid = users.user_id_of(s, "somchai")
    monkeypatch.setattr(detail_readers.st, "session_state",
                        {auth.SESSION_KEY: {"user_id": uid, "via": "password", "since": time.time()}})
    monkeypatch.setattr(detail_readers, "engine_for", lambda url: engine)
    read = detail_readers.file_reader(engine, next(u.id for u in uploads(engine) if u.filename == "v1.xlsx"),
                                      detail_readers.actor_at_click(SOMCHAI))
    assert read() == b"v1"  # still allowed
    users.disable_user(engine, system("test"), "somchai")
    logged = len(audit(engine))
    with pytest.raises(AccessDenied):
        read()
    [(action, outcome, actor, _)] = audit(engine)[logged:]
    assert (action, outcome, actor) == ("download.denied", "denied", "somchai")
