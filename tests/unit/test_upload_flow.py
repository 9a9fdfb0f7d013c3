"""The upload page's model without Streamlit: the shared check-then-store step
(ecocity.flows.intake), previews (level, gap, versions, changes), batches, and the log rows."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from ecocity.core.access import ALL_AREAS, Actor, system
from ecocity.core.scoring import assess
from ecocity.core.textsafe import md_escape
from ecocity.flows import intake
from ecocity.flows import upload_preview as flow
from ecocity.i18n import t
from ecocity.io.workbook.template import write_submission
from ecocity.store import list_uploads, queries, session_scope, upload_content
from ecocity.store import models as m
from ecocity.store.db import data_version
from ecocity.store.review import review_submission

ROOT = Path(__file__).resolve().parents[2]
WORKBOOKS = ROOT / "tests" / "data" / "workbooks"


# An officer of the estates these tests send files for (GHOST: not in the registry).
SOMCHAI = Actor("สมชาย", "officer", frozenset({"MAP-TA-PHUT", "LAEM-CHABANG", "PADAENG", "GHOST"}))


def estates(engine) -> dict[str, tuple[str, str]]:
    return intake.estates_of(engine)


def workbook(fw, data) -> bytes:
    return write_submission(fw, data)


def check(engine, fw, content: bytes, name: str = "file.xlsx", **kw) -> flow.Checked:
    return flow.check_one(engine, fw, estates(engine), file_id=name, filename=name, content=content,
                          by=SOMCHAI, **kw)


def data_tables(engine) -> dict[str, list[tuple]]:
    """Every row of every table but the upload and audit logs (what "changes no data" is about)."""
    logs = (m.Upload.__tablename__, m.AuditEntry.__tablename__)
    with engine.connect() as conn:
        return {tbl.name: sorted(tuple(map(str, r)) for r in conn.execute(select(tbl)))
                for tbl in m.Base.metadata.sorted_tables if tbl.name not in logs}


# ----------------------------------------------------------------------------- intake


@pytest.mark.storage
def test_a_rejected_file_is_logged_with_its_bytes_at_check_time_and_changes_no_data(engine, fw):
    content = (WORKBOOKS / "not_a_number.xlsx").read_bytes()
    before, dv = data_tables(engine), data_version(engine)
    c = check(engine, fw, content, "not_a_number.xlsx")
    assert not c.preview.accepted and not c.pending
    assert c.outcome is not None and c.outcome.kind == "rejected" and c.content is None
    assert data_tables(engine) == before and data_version(engine) == dv
    with session_scope(engine) as s:
        [u] = list_uploads(s)
        assert (u.id, u.filename, u.outcome, u.uploaded_by, u.estate_code, u.fiscal_year) == (
            c.outcome.upload_id, "not_a_number.xlsx", "rejected", "สมชาย", "MAP-TA-PHUT", 2566)
        assert upload_content(s, u.id, SOMCHAI) == ("not_a_number.xlsx", content)
        [err] = u.messages["errors"]
        assert (err["code"], err["cell"]) == ("not_a_number", "ตัวชี้วัด (Indicators)!E5")
        assert "ประมาณ 20" in err["message_th"]
    assert "(no. " in c.outcome.message("en") and str(c.outcome.upload_id) in c.outcome.message("th")


@pytest.mark.storage
def test_an_accepted_file_is_not_logged_until_confirmed(engine, fw, make_data):
    c = check(engine, fw, workbook(fw, make_data()))
    assert c.pending and c.outcome is None and c.content is not None
    with session_scope(engine) as s:
        assert list_uploads(s) == []


@pytest.mark.storage
def test_confirm_stores_in_one_go_then_a_byte_identical_file_is_a_duplicate(engine, fw, make_data):
    data = make_data("MAP-TA-PHUT", 2566)
    content = workbook(fw, data)
    dv = data_version(engine)
    c = check(engine, fw, content)
    [done] = flow.confirm(engine, fw, [c], SOMCHAI)
    assert done is c and c.outcome.kind == "stored" and c.outcome.store.version == 1 and c.content is None
    assert data_version(engine) == dv + 1
    # the officer's upload waits for a reviewer: nothing is published yet
    assert c.outcome.store.pending and c.outcome.store.level is None
    assert c.outcome.message("en").endswith(t("store.pending_review", "en"))
    assert t("store.pending_review", "th") in c.outcome.message("th")
    with session_scope(engine) as s:
        assert queries.current_values(s, "MAP-TA-PHUT", 2566) == {}

    again = check(engine, fw, content, "same-again.xlsx")  # a duplicate of the newest version, pending
    flow.confirm(engine, fw, [again], SOMCHAI)
    assert again.outcome.kind == "duplicate" and again.outcome.store.version == 1
    assert data_version(engine) == dv + 1  # no new version, no data change
    assert "no new version" in again.outcome.message("en")
    with session_scope(engine) as s:
        assert [(u.filename, u.outcome, u.version) for u in list_uploads(s)] == [
            ("same-again.xlsx", "duplicate", None), ("file.xlsx", "accepted", 1)]

    reviewed = review_submission(engine, "MAP-TA-PHUT", 2566, "accept", version=1,
                                 by=Actor("rita", "reviewer", areas=frozenset({ALL_AREAS})))
    assert reviewed.level == assess(fw, data.values).level and data_version(engine) == dv + 2
    with session_scope(engine) as s:
        assert queries.current_values(s, "MAP-TA-PHUT", 2566) == dict(c.preview.result.submission.values)


@pytest.mark.storage
def test_one_failing_file_does_not_stop_the_others(engine, fw, make_data):
    good = check(engine, fw, workbook(fw, make_data("MAP-TA-PHUT", 2566)), "good.xlsx")
    # Accepted by a checker that knew an estate the database does not: the store refuses it.
    ghost = flow.check_one(engine, fw, {**estates(engine), "GHOST": ("ผี", "Ghost")}, file_id="ghost",
                           filename="ghost.xlsx", content=workbook(fw, make_data("GHOST", 2566)),
                           by=SOMCHAI)
    later = check(engine, fw, workbook(fw, make_data("LAEM-CHABANG", 2566)), "later.xlsx")
    assert ghost.pending
    flow.confirm(engine, fw, [good, ghost, later], SOMCHAI)
    assert [c.outcome.kind for c in (good, ghost, later)] == ["stored", "failed", "stored"]
    assert "GHOST" in ghost.outcome.message("en")
    s_ = flow.confirm_summary([good, ghost, later])
    assert (s_.stored, s_.duplicates, s_.failed) == (2, 0, 1)
    with session_scope(engine) as s:
        assert queries.current_values(s, "GHOST", 2566) == {}
        outcomes = {u.filename: u.outcome for u in list_uploads(s)}
    assert outcomes == {"good.xlsx": "accepted", "ghost.xlsx": "rejected", "later.xlsx": "accepted"}


@pytest.mark.storage
def test_confirm_only_stores_pending_files(engine, fw, make_data):
    bad = check(engine, fw, (WORKBOOKS / "not_a_number.xlsx").read_bytes(), "bad.xlsx")
    good = check(engine, fw, workbook(fw, make_data()), "good.xlsx")
    assert flow.confirm(engine, fw, [bad, good], SOMCHAI) == [good]
    assert flow.confirm(engine, fw, [bad, good], SOMCHAI) == []  # a second click stores nothing twice
    with session_scope(engine) as s:
        assert sorted(u.filename for u in list_uploads(s)) == ["bad.xlsx", "good.xlsx"]


@pytest.mark.storage
def test_a_file_over_the_limit_is_logged_without_its_content(engine, fw, make_data):
    content = workbook(fw, make_data())
    c = check(engine, fw, content, "big.xlsx", max_bytes=1000)
    assert [e.code for e in c.preview.result.errors] == ["too_large"]
    with session_scope(engine) as s:
        [u] = list_uploads(s)
        assert (u.outcome, u.size) == ("rejected", len(content))  # its real size; the bytes are not kept
        assert u.messages["errors"][0]["params"]["size_mb"] > 0


def test_unlogged_when_the_database_is_gone(fw, tmp_path):
    from ecocity.store import make_engine

    engine = make_engine(f"sqlite:///{tmp_path / 'no-schema.sqlite3'}")  # no tables at all
    try:
        res = intake.check_file(b"not a workbook", "x.xlsx", fw, {})
        out = intake.record(engine, res, filename="x.xlsx", content=b"not a workbook", by=SOMCHAI)
    finally:
        engine.dispose()
    assert out.kind == "unlogged" and "administrator" in out.message("en")


# ----------------------------------------------------------------------------- previews


@pytest.mark.storage
def test_existing_state_new_version_changes_and_duplicates(engine, fw, make_data):
    first = make_data("MAP-TA-PHUT", 2566, n=0)
    content = workbook(fw, first)
    c = check(engine, fw, content)
    with session_scope(engine) as s:
        none = flow.existing_state(s, "MAP-TA-PHUT", 2566, c.preview.sha256)
    assert none == flow.Existing() and flow.would_do(c.preview, none) == "new"
    flow.confirm(engine, fw, [c], SOMCHAI)

    changed = dataclasses.replace(first, values={**first.values, "ENV-01": 3.0, "MGT-01": None})
    c2 = check(engine, fw, workbook(fw, changed), "v2.xlsx")
    with session_scope(engine) as s:
        ex = flow.existing_state(s, "MAP-TA-PHUT", 2566, c2.preview.sha256)
        same = flow.existing_state(s, "MAP-TA-PHUT", 2566, c.preview.sha256)
    assert ex.current_version == 1 and ex.duplicate_of is None
    assert flow.would_do(c2.preview, ex) == "new_version"
    changes = flow.value_changes(fw, c2.preview.result.submission.values, ex)
    assert [(x.code, x.old, x.new) for x in changes] == [
        ("ENV-01", first.values["ENV-01"], 3.0), ("MGT-01", first.values["MGT-01"], None)]
    assert same.duplicate_of == 1 and flow.would_do(c.preview, same) == "duplicate"
    rows = flow.change_rows(fw, changes, "th")
    assert rows[1][t("upload.col.this_file", "th")] == t("common.missing", "th")

    # Files A, B, then A again: A's file is no longer current, so it is stored anew (the
    # store's rule) and the preview must say so rather than "already stored".
    flow.confirm(engine, fw, [c2], SOMCHAI)
    again = check(engine, fw, content, "again.xlsx")
    with session_scope(engine) as s:
        ex = flow.existing_state(s, "MAP-TA-PHUT", 2566, again.preview.sha256)
    assert ex.current_version == 2 and ex.duplicate_of is None
    assert flow.would_do(again.preview, ex) == "new_version"
    flow.confirm(engine, fw, [again], SOMCHAI)
    assert again.outcome.kind == "stored" and again.outcome.store.version == 3


@pytest.mark.storage
def test_sample_uploads_do_not_count_as_duplicates(engine, fw, make_data):
    """The store creates a new version when an officer sends a sample file's bytes; the
    preview must say the same."""
    from ecocity.store import store_submission

    data = make_data()
    content = workbook(fw, data)
    store_submission(engine, data, filename="s.xlsx", content=content, by=system("ecocity sample"),
                     is_sample=True, fw=fw)
    c = check(engine, fw, content)
    with session_scope(engine) as s:
        ex = flow.existing_state(s, data.estate_code, data.fiscal_year, c.preview.sha256)
    assert ex.current_version == 1 and ex.duplicate_of is None
    assert flow.would_do(c.preview, ex) == "new_version"
    flow.confirm(engine, fw, [c], SOMCHAI)
    assert c.outcome.kind == "stored" and c.outcome.store.version == 2


def test_preview_level_and_gap_come_from_the_engine(fw, make_data):
    data = make_data(n=3)
    res = intake.check_file(workbook(fw, data), "f.xlsx", fw, {"MAP-TA-PHUT": ("ม", "M")})
    p = flow.make_preview("f.xlsx", b"abc", res, fw)
    expected = assess(fw, data.values)
    assert p.assessment.level == expected.level and p.assessment.gap == expected.gap
    assert p.target == ("MAP-TA-PHUT", 2566) and p.size == 3
    lines = flow.gap_lines(fw, p.assessment, "th")
    assert len(lines) == len(expected.gap) and all(isinstance(x, str) and x for x in lines)
    rows = flow.value_rows(fw, p, "en")
    assert [r["Code"] for r in rows] == list(fw.codes)
    assert set(rows[0]) == {"Code", "Indicator", "Value", "Indicator level"}
    heading = flow.file_heading(fw, p, {"MAP-TA-PHUT": ("ม", "M")}, "en")
    assert heading.startswith("f.xlsx · accepted · M (MAP-TA-PHUT) · FY 2566")


def test_a_rejected_preview_has_no_level_and_shows_what_could_be_read(fw):
    content = (WORKBOOKS / "not_a_number.xlsx").read_bytes()
    res = intake.check_file(content, "n.xlsx", fw, {"MAP-TA-PHUT": ("ม", "M")})
    p = flow.make_preview("n.xlsx", content, res, fw)
    assert p.assessment is None and p.target is None and flow.would_do(p, None) == "rejected"
    rows = {r["Code"]: r for r in flow.value_rows(fw, p, "en")}
    assert "Indicator level" not in rows["ECO-01"]
    assert rows["ECO-01"]["Value"] == t("common.missing", "en")
    assert "1 problem" in flow.file_heading(fw, p, {}, "en")


def test_messages_are_grouped_by_sheet_file_level_first(fw):
    content = (WORKBOOKS / "many_errors.xlsx").read_bytes()
    res = intake.check_file(content, "m.xlsx", fw, {"MAP-TA-PHUT": ("ม", "M")})
    groups = flow.message_groups(res.errors, "th")
    assert [g.sheet for g in groups] == ["ข้อมูลทั่วไป (General)", "ตัวชี้วัด (Indicators)"]
    assert sum(len(g.items) for g in groups) == len(res.errors)
    cell, text = groups[1].items[1]
    assert cell == "ตัวชี้วัด (Indicators)!E5" and "ประมาณ 20" in text
    whole = intake.check_file(b"%PDF-1.4 not a workbook", "x.xlsx", fw, {})
    [g] = flow.message_groups(whole.errors, "en")
    assert g.sheet is None and g.items[0][0] == ""


def test_batch_summary_counts_and_same_target(fw, make_data):
    est = {"MAP-TA-PHUT": ("ม", "M"), "LAEM-CHABANG": ("ล", "L")}

    def p(data, name):
        content = workbook(fw, data)
        return flow.make_preview(name, content, intake.check_file(content, name, fw, est), fw)

    a, b = p(make_data("MAP-TA-PHUT", 2566, n=1), "a.xlsx"), p(make_data("MAP-TA-PHUT", 2566, n=2), "b.xlsx")
    c = p(make_data("LAEM-CHABANG", 2566), "c.xlsx")
    bad_content = (WORKBOOKS / "not_a_number.xlsx").read_bytes()
    bad = flow.make_preview("bad.xlsx", bad_content, intake.check_file(bad_content, "bad.xlsx", fw, est), fw)
    s = flow.summarize([a, b, c, bad], [None, flow.Existing(1, {}, duplicate_of=1), None, None])
    assert (s.total, s.accepted, s.rejected, s.duplicates) == (4, 3, 1, 1)
    assert s.same_target == (("MAP-TA-PHUT", 2566, ("a.xlsx", "b.xlsx")),)


# ----------------------------------------------------------------------------- text


@pytest.mark.parametrize("raw", ["*bold*", "$5 and $6", "[x](http://e.org)", "a_b_c", "# title", ":red[x]",
                                 "<b>x</b>", "back\\slash", "ประมาณ 20"])
def test_md_escape_leaves_no_markdown_active(raw):
    out = md_escape(raw)
    # Every special character is preceded by a backslash; removing them gives the text back.
    import re

    assert re.sub(r"\\(.)", r"\1", out).replace("\u2060", "") == raw  # the joiner is invisible
    assert not re.search(r"(?<!\\)[*$\[\]_#:<>]", out)


def test_value_text_keeps_every_digit_with_the_unit(fw):
    ind = {i.kind: i for i in fw.indicators}
    num = next(i for i in fw.indicators if i.kind == "number" and i.unit("th") not in ("", "-"))
    assert flow.value_text(num, 1234.5, "th") == f"1,234.5 {num.unit('th')}"
    assert flow.value_text(num, 76.0, "en") == f"76 {num.unit('en')}"
    assert flow.value_text(num, 0.123456789, "en").startswith("0.123456789")
    assert flow.value_text(ind["yesno"], True, "th") == t("common.yes", "th")
    assert flow.value_text(ind["yesno"], None, "en") == t("common.missing", "en")
    assert flow.value_text(ind["score"], 4.2, "th") == "4.2 (คะแนน 1-5)"


def test_when_text_is_thailand_time_in_buddhist_era():
    dt = datetime(2026, 11, 21, 20, 30, tzinfo=UTC)  # 03:30 on 22 Nov in Bangkok
    assert flow.when_text(dt, "th") == "22 พ.ย. 2569 03:30"
    assert flow.when_text(dt, "en") == "22 Nov 2026 03:30"
    assert flow.when_text(dt.replace(tzinfo=None), "th") == "22 พ.ย. 2569 03:30"  # naive = UTC


def test_size_text():
    assert flow.size_text(0, "en") == "0 KB"
    assert flow.size_text(13_077, "en") == "13 KB"
    assert flow.size_text(3 * 2**20 + 2**19, "th") == "3.5 MB"


def test_log_rows_and_logged_messages():
    from ecocity.store.uploads import UploadInfo

    msgs = {"errors": [{"cell": "ตัวชี้วัด (Indicators)!E5", "code": "not_a_number", "message": "found text",
                        "message_th": "พบข้อความ"}],
            "warnings": [{"sheet": "General", "cell": None, "code": "x", "message": "w"}]}
    u = UploadInfo(id=7, filename="a.xlsx", size=2048, sha256="0" * 64, uploaded_by="สมชาย",
                   uploaded_at=datetime(2026, 1, 2, 3, 4, tzinfo=UTC), outcome="accepted", messages=msgs,
                   estate_code="MAP-TA-PHUT", fiscal_year=2566, is_sample=False, version=2)
    [row] = flow.log_rows([u], "en")
    assert row == {"No.": 7, "File": "a.xlsx", "Uploaded by": "สมชาย", "When": "2 Jan 2026 10:04",
                   "Estate · fiscal year": "MAP-TA-PHUT · 2566", "Outcome": "Stored · v2",
                   "Messages": "1 errors · 1 warnings"}
    [th_row] = flow.log_rows([u], "th")
    assert th_row[t("upload.log.col_outcome", "th")] == t("upload.log.outcome_accepted", "th") + " · ฉบับที่ 2"
    assert flow.logged_messages(msgs, "th") == [("error", "ตัวชี้วัด (Indicators)!E5", "พบข้อความ"),
                                                ("warning", "General", "w")]
    assert flow.logged_messages(msgs, "en")[0] == ("error", "ตัวชี้วัด (Indicators)!E5", "found text")
    assert flow.message_counts(None) == (0, 0) and flow.logged_messages("junk", "th") == []
    assert flow.upload_choice(u, "en") == "#7 · a.xlsx · 2 Jan 2026 10:04 · Stored · 2 KB"


@pytest.mark.storage
def test_a_fault_in_the_checker_is_shown_and_logged_and_does_not_stop_the_batch(engine, fw, make_data,
                                                                                  monkeypatch):
    real = intake.check_file

    def flaky(content, filename, *a, **kw):
        if filename == "boom.xlsx":
            raise RuntimeError("a bug")
        return real(content, filename, *a, **kw)

    monkeypatch.setattr(intake, "check_file", flaky)
    boom = check(engine, fw, b"anything", "boom.xlsx")
    good = check(engine, fw, workbook(fw, make_data()), "good.xlsx")
    assert boom.check_failed and not boom.pending and boom.outcome.kind == "rejected"
    assert good.pending
    with session_scope(engine) as s:
        [u] = list_uploads(s)
        assert (u.filename, u.outcome, u.messages["errors"][0]["code"]) == ("boom.xlsx", "rejected", "check_failed")
        assert upload_content(s, u.id, SOMCHAI)[1] == b"anything"
    flow.confirm(engine, fw, [boom, good], SOMCHAI)
    assert good.outcome.kind == "stored"


# ----------------------------------------------------------------------------- what a file's card says


@pytest.mark.storage
def test_a_file_refused_for_the_account_is_not_called_a_bad_file(engine, fw, make_data):
    """A good file for an estate the officer does not hold: the status is 'denied' (not
    'rejected'), the batch counts it apart, and the message names the account, never
    calling the file faulty."""
    pim = Actor("pim", "officer", frozenset({"PADAENG"}))
    content = workbook(fw, make_data("MAP-TA-PHUT", 2566))
    c = flow.check_one(engine, fw, estates(engine), file_id="f", filename="f.xlsx", content=content, by=pim)
    assert flow.card_status(c) == "denied" and c.preview.result.errors[0].code == "denied"
    bad = check(engine, fw, (WORKBOOKS / "not_a_number.xlsx").read_bytes(), "bad.xlsx")
    good = check(engine, fw, content, "good.xlsx")
    assert (flow.card_status(bad), flow.card_status(good)) == ("rejected", "accepted")
    s = flow.summarize([c.preview, bad.preview, good.preview], [None, None, None], denied=1)
    assert (s.total, s.accepted, s.rejected, s.denied) == (3, 1, 1, 1)
    for lang, faultless in (("th", "ไม่มีข้อผิดพลาด"), ("en", "the file itself is fine")):
        text = c.preview.result.errors[0].message(lang)
        assert "pim" in text and faultless not in text
        assert t("upload.status.denied", lang) != t("upload.status.rejected", lang)


def test_the_note_over_errors_says_cells_or_the_whole_file(fw):
    from ecocity.io.workbook.result import Message

    def errors(name: str, content: bytes | None = None):
        data = content if content is not None else (WORKBOOKS / name).read_bytes()
        return intake.check_file(data, name, fw, {"MAP-TA-PHUT": ("ม", "M")}).errors

    assert flow.rejected_note_key(errors("not_a_number.xlsx")) == "upload.check.rejected_cells"
    assert flow.rejected_note_key(errors("missing_sheets.xlsx")) == "upload.check.rejected_file"
    assert flow.rejected_note_key(errors("note.txt", b"just a note\n")) == "upload.check.rejected_file"
    mixed = (Message("missing_header", "ตัวชี้วัด (Indicators)"), Message("not_a_number", "ตัวชี้วัด (Indicators)", "E5"))
    assert flow.rejected_note_key(mixed) == "upload.check.rejected_mixed"
    for lang in ("th", "en"):  # the whole-file note does not send the officer to cells
        assert t("upload.check.rejected_file", lang) != t("upload.check.rejected_cells", lang)
        assert "เซลล์ตามรายการ" not in t("upload.check.rejected_file", lang)


def test_the_format_is_named_from_the_content(fw):
    def fmt(content: bytes, name: str, lang: str = "en", **kw):
        return flow.format_text(intake.check_file(content, name, fw, {}, **kw), lang)

    assert fmt((WORKBOOKS / "libreoffice.ods").read_bytes(), "a.ods") == t("upload.format.ods", "en")
    assert fmt((WORKBOOKS / "error_cell.xls").read_bytes(), "a.xls", "th") == t("upload.format.xls", "th")
    assert fmt(b"a,b\n1,2\n", "data.xlsx", "th") == "CSV หรือไฟล์ข้อความ"
    assert fmt(b"%PDF-1.7 body", "x.xlsx") == t("upload.format.pdf", "en")
    assert fmt(b"x" * 2048, "big.xlsx", max_bytes=1024) is None  # refused before its content was read


def test_thai_sentences_keep_a_space_after_the_year():
    from ecocity.i18n import fy_label

    text = t("upload.would.new_version", "th", estate="E", fy=fy_label(2568, "th"), current=1, next=2)
    assert "ปีงบประมาณ 2568 อยู่แล้ว" in text
