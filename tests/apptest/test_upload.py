"""The Upload page in AppTest: opens in both languages with and without data; a valid
workbook is previewed with its level and stored on confirm; a bad one shows its cells,
stores nothing and is logged as rejected; a byte-identical file is recognised; in a batch
the good file is stored despite the bad one; the upload log filters and offers the files.
Who: the anonymous visitor and a viewer get a sign-in prompt and no uploader; the signed-in
officer is the uploader; another estate's file is shown as 'denied' and cannot be confirmed."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers.apphelp import ROOT, crashes, texts
from streamlit.testing.v1 import AppTest

from ecocity.core.access import ALL_AREAS, Actor
from ecocity.core.framework import load_framework
from ecocity.core.scoring import assess
from ecocity.i18n import fy_label, t
from ecocity.store import list_uploads, make_engine, queries, session_scope
from ecocity.store.db import data_token

PAGE = "views/upload.py"
GOOD = ROOT / "data" / "sample" / "2566_MAP-TA-PHUT.xlsx"
BAD = ROOT / "tests" / "data" / "workbooks" / "not_a_number.xlsx"
MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# The officer of Map Ta Phut (GOOD and BAD are Map Ta Phut's files), and an administrator.
SOMCHAI = Actor("somchai", "officer", frozenset({"MAP-TA-PHUT"}), display_name="สมชาย ใจดี")
ADMIN = Actor("admin", "admin", display_name="ผู้ดูแล")
RATREE = Actor("ratree", "reviewer", areas=frozenset({ALL_AREAS}), display_name="ราตรี")  # reviews every area


def unescape(s: str) -> str:
    import re

    return re.sub(r"\\(.)", r"\1", s)


@pytest.fixture
def engine(app_env):
    eng = make_engine(app_env)
    yield eng
    eng.dispose()


@pytest.fixture
def upload_page(open_app):
    def open_(lang: str = "th", actor: Actor | None = SOMCHAI) -> AppTest:
        at = open_app(lang=lang)
        if actor is not None:  # signed in (the sign-in page sets the same session key)
            at.session_state["auth.actor"] = actor
        at.switch_page(PAGE).run()
        return at

    return open_


def send(at: AppTest, *files: Path | tuple[str, bytes]) -> AppTest:
    items = [(f.name, f.read_bytes(), MIME) if isinstance(f, Path) else (f[0], f[1], MIME) for f in files]
    at.file_uploader[0].set_value(items[0] if len(items) == 1 else items).run()
    return at


def confirm(at: AppTest) -> AppTest:
    return at.button(key="upload_confirm").click().run()


def estate_label(engine, lang: str, code: str = "MAP-TA-PHUT") -> str:
    from ecocity.flows.intake import estates_of
    from ecocity.flows.upload_preview import estate_label as label

    return label(code, estates_of(engine), lang)


def uploads(engine) -> list:
    with session_scope(engine) as s:
        return list_uploads(s)


# ----------------------------------------------------------------------------- opening


@pytest.mark.parametrize("lang", ["th", "en"])
def test_opens_on_an_empty_database(upload_page, engine, lang):
    at = upload_page(lang=lang)
    assert crashes(at) == []
    assert at.title[0].value == t("upload.title", lang)
    [download] = at.get("download_button")
    assert download.proto.label == t("upload.template.button", lang)
    assert not at.file_uploader[0].proto.disabled
    assert not [w for w in at.text_input if w.key == "upload_name"]  # the signed-in officer is the uploader
    page = unescape(texts(at))
    assert t("upload.send.signed_in", lang, who="สมชาย ใจดี (somchai)", estates=estate_label(engine, lang)) in page
    assert t("upload.log.empty", lang) in texts(at)


@pytest.mark.parametrize("lang", ["th", "en"])
def test_the_anonymous_visitor_gets_a_sign_in_prompt_and_no_uploader(upload_page, engine, lang):
    at = upload_page(lang=lang, actor=None)
    assert crashes(at) == []
    assert t("upload.send.sign_in_needed", lang) in [i.value for i in at.info]
    assert not at.file_uploader and not [b for b in at.button if b.key == "upload_confirm"]
    assert any("sign_in" in link.proto.page for link in at.get("page_link"))
    [download] = at.get("download_button")  # the template stays available
    assert download.proto.label == t("upload.template.button", lang)
    assert t("upload.log.heading", lang) not in [h.value for h in at.subheader]  # no log either


def test_a_signed_in_viewer_is_told_to_ask_for_the_officer_role(upload_page):
    at = upload_page(lang="en", actor=Actor("vina", "viewer"))
    assert crashes(at) == []
    assert t("upload.send.viewer", "en", who="vina") in [i.value for i in at.info]
    assert not at.file_uploader


@pytest.mark.parametrize("lang", ["th", "en"])
def test_opens_with_data_and_lists_the_log(upload_page, engine, lang, tmp_path):
    from ecocity.cli.sample import UPLOADED_BY, load_sample
    from ecocity.core.access import system

    fw = load_framework()
    sample = ROOT / "data" / "sample"
    few = tmp_path / "few"
    few.mkdir()
    for name in ("2566_MAP-TA-PHUT.xlsx", "2566_PADAENG.xlsx", "2567_MAP-TA-PHUT.xlsx"):
        (few / name).write_bytes((sample / name).read_bytes())
    assert load_sample(engine, few, fw, by=system(UPLOADED_BY)).stored == 3
    at = upload_page(lang=lang, actor=ADMIN)
    assert crashes(at) == []
    log = at.dataframe[0].value
    assert len(log) == 3 and set(log[t("upload.log.col_who", lang)]) == {"cli:ecocity sample"}
    assert t("upload.log.showing", lang, count=3) in texts(at)
    assert len(at.get("download_button")) == 2  # the template, and the picked original file
    at.toggle(key="upload_log_sample").set_value(False).run()
    assert crashes(at) == [] and t("upload.log.empty", lang) in texts(at)
    # An officer sees the uploads of their estates (and their own) only: not Padaeng's.
    at = upload_page(lang=lang)
    log = at.dataframe[0].value
    assert sorted(log[t("upload.log.col_estate", lang)]) == ["MAP-TA-PHUT · 2566", "MAP-TA-PHUT · 2567"]


# ----------------------------------------------------------------------------- one file


@pytest.mark.parametrize("lang", ["th", "en"])
def test_a_valid_workbook_is_previewed_then_stored_on_confirm(upload_page, engine, lang):
    fw = load_framework()
    at = send(upload_page(lang=lang), GOOD)
    assert crashes(at) == []
    # Before saving: the level it would give, the gap, what confirming would do; nothing stored.
    from ecocity.flows.intake import check_file, estates_of

    res = check_file(GOOD.read_bytes(), GOOD.name, fw, estates_of(engine))
    level = assess(fw, res.submission.values).level
    [metric] = at.metric
    assert metric.label == t("upload.level.heading", lang)
    assert metric.value == t("upload.level.value", lang, level=f"{level} · {fw.level(level).name(lang)}")
    page = unescape(texts(at))
    assert t("upload.level.gap_heading", lang, level=f"{level + 1} · {fw.level(level + 1).name(lang)}") in page
    assert t("upload.would.new", lang, estate=estate_label(engine, lang), fy=fy_label(2566, lang)) in page
    values = at.dataframe[0].value
    assert len(values) == len(fw.indicators)
    assert uploads(engine) == []
    before = data_token(engine)

    at = confirm(at)
    assert crashes(at) == []
    # Stored, and waiting for a reviewer: nothing is published until it is accepted.
    with session_scope(engine) as s:
        assert queries.current_values(s, "MAP-TA-PHUT", 2566) == {}
        assert queries.assessments_for_year(s, 2566, "estate") == []
    assert data_token(engine) != before
    [u] = uploads(engine)
    assert (u.filename, u.outcome, u.version, u.uploaded_by) == (GOOD.name, "accepted", 1, "somchai")
    page = unescape(texts(at))
    assert t("upload.confirm.done", lang, stored=1, duplicates=0, failed=0) in page
    assert t("store.stored", lang, version=1, estate="MAP-TA-PHUT", year=2566) in page
    assert t("store.pending_review", lang) in page
    assert not [b for b in at.button if b.key == "upload_confirm"]  # nothing left to confirm

    from ecocity.store.review import review_submission

    done = review_submission(engine, "MAP-TA-PHUT", 2566, "accept", by=RATREE, version=1)
    assert done.level == level  # published once accepted, with the level the preview showed
    with session_scope(engine) as s:
        assert queries.current_values(s, "MAP-TA-PHUT", 2566) == dict(res.submission.values)


@pytest.mark.parametrize("lang", ["th", "en"])
def test_a_bad_workbook_shows_its_cells_stores_nothing_and_is_logged_rejected(upload_page, engine, lang):
    before = data_token(engine)
    at = send(upload_page(lang=lang), BAD)
    assert crashes(at) == []
    assert [e.value for e in at.error] == [t("upload.check.rejected_cells", lang)]
    page = unescape(texts(at))
    assert "ตัวชี้วัด (Indicators)!E5" in page and "ประมาณ 20" in page
    assert t("upload.status.rejected", lang) in page  # the badge
    assert t("upload.confirm.nothing", lang) in page
    assert not [b for b in at.button if b.key == "upload_confirm"]
    # Logged as rejected when checked; no data changed.
    [u] = uploads(engine)
    assert (u.filename, u.outcome, u.uploaded_by) == (BAD.name, "rejected", "somchai")
    assert data_token(engine) == before
    with session_scope(engine) as s:
        assert not queries.has_data(s)
    assert t("upload.check.rejected_logged", lang, id=u.id) in page
    # Reruns do not log it again.
    at.run()
    assert len(uploads(engine)) == 1


def test_a_byte_identical_reupload_is_reported_as_already_stored(upload_page, engine):
    at = confirm(send(upload_page(lang="en"), GOOD))
    assert uploads(engine)[0].outcome == "accepted"
    at.button(key="upload_clear").click().run()
    assert t("upload.send.empty", "en") in texts(at)
    at = send(at, ("copy of the same.xlsx", GOOD.read_bytes()))
    page = unescape(texts(at))
    assert t("upload.would.duplicate", "en", version=1, estate=estate_label(engine, "en"),
             fy=fy_label(2566, "en")) in page
    token = data_token(engine)
    at = confirm(at)
    assert crashes(at) == []
    page = unescape(texts(at))
    assert t("store.duplicate", "en", version=1, estate="MAP-TA-PHUT", year=2566) in page
    assert t("upload.confirm.done", "en", stored=0, duplicates=1, failed=0) in page
    assert data_token(engine) == token  # no new version
    assert [(u.filename, u.outcome) for u in uploads(engine)] == [
        ("copy of the same.xlsx", "duplicate"), (GOOD.name, "accepted")]


def test_a_changed_file_would_replace_the_current_version_and_lists_the_changes(upload_page, engine):
    import dataclasses

    from ecocity.flows.intake import check_file, estates_of
    from ecocity.io.workbook.template import write_submission

    fw = load_framework()
    at = confirm(send(upload_page(lang="en"), GOOD))
    data = check_file(GOOD.read_bytes(), GOOD.name, fw, estates_of(engine)).submission
    changed = dataclasses.replace(data, values={**data.values, "ENV-01": 99.0})
    at.button(key="upload_clear").click().run()
    at = send(at, ("corrected.xlsx", write_submission(fw, changed)))
    page = unescape(texts(at))
    assert t("upload.would.new_version", "en", estate=estate_label(engine, "en"), fy=fy_label(2566, "en"),
             current=1, next=2) in page
    assert t("upload.would.changes", "en", current=1, count=1) in page
    changes = at.dataframe[0].value
    assert list(changes[t("upload.col.code", "en")]) == ["ENV-01"]
    at = confirm(at)
    assert t("store.stored", "en", version=2, estate="MAP-TA-PHUT", year=2566) in unescape(texts(at))


# ----------------------------------------------------------------------------- batches


def test_a_batch_with_a_bad_and_a_good_file_stores_the_good_one(upload_page, engine):
    at = send(upload_page(lang="th"), BAD, GOOD)
    assert crashes(at) == []
    assert t("upload.batch.summary", "th", total=2, accepted=1, rejected=1) in texts(at)
    assert at.button(key="upload_confirm").label == t("upload.confirm.button", "th", count=1)
    at = confirm(at)
    assert crashes(at) == []
    assert t("upload.confirm.done", "th", stored=1, duplicates=0, failed=0) in texts(at)
    assert sorted((u.filename, u.outcome) for u in uploads(engine)) == [
        (GOOD.name, "accepted"), (BAD.name, "rejected")]
    with session_scope(engine) as s:
        assert queries.has_data(s)


def test_removing_a_file_from_the_uploader_removes_it_from_the_batch(upload_page, engine):
    at = send(upload_page(lang="en"), BAD, GOOD)
    at = send(at, GOOD)  # the officer removed the bad file
    assert t("upload.batch.summary", "en", total=2, accepted=1, rejected=1) not in texts(at)
    assert at.button(key="upload_confirm").label == t("upload.confirm.button", "en", count=1)


@pytest.mark.parametrize("lang", ["th", "en"])
def test_another_estates_file_is_denied_before_confirming_and_stores_nothing(upload_page, engine, lang):
    from ecocity.flows.intake import check_file, estates_of
    from ecocity.store.audit import list_entries

    pim = Actor("pim", "officer", frozenset({"PADAENG"}), display_name="พิม")
    before = data_token(engine)
    at = send(upload_page(lang=lang, actor=pim), GOOD)  # Map Ta Phut's file
    assert crashes(at) == []
    # The badge and the message agree: refused for the account, not for the file; no
    # red box and no "not passed" badge, no list of errors to fix.
    assert check_file(GOOD.read_bytes(), GOOD.name, load_framework(), estates_of(engine)).accepted
    expected = t("workbook.msg.denied", lang, who="พิม (pim)", estate="MAP-TA-PHUT", yours="PADAENG")
    assert [unescape(w.value) for w in at.warning] == [expected]
    assert not list(at.error)
    page = unescape(texts(at))
    assert t("upload.status.denied", lang) in page and t("upload.status.rejected", lang) not in page
    assert t("upload.check.errors", lang, count=1) not in page
    assert not [b for b in at.button if b.key == "upload_confirm"]  # nothing to confirm
    assert t("upload.confirm.nothing", lang) in texts(at)
    assert not at.metric  # no level shown as if it could be stored
    # Nothing stored; the file is in pim's log as rejected (with the refusal), not in the
    # log of the estate it named, and audited.
    assert data_token(engine) == before
    [u] = uploads(engine)
    assert (u.filename, u.outcome, u.uploaded_by, u.estate_code) == (GOOD.name, "rejected", "pim", None)
    assert [e["code"] for e in u.messages["errors"]] == ["denied"]
    with session_scope(engine) as s:
        assert not queries.has_data(s)
        [entry] = list_entries(s)
    assert (entry.action, entry.outcome, entry.actor, entry.target) == (
        "upload.denied", "denied", "pim", "MAP-TA-PHUT/2566")
    at.run()
    assert len(uploads(engine)) == 1  # reruns do not log it again


# ----------------------------------------------------------------------------- the log


def test_the_log_filters_by_outcome(upload_page, engine):
    at = confirm(send(upload_page(lang="en"), BAD, GOOD))
    assert len(at.dataframe[-1].value) == 2
    at.segmented_control(key="upload_log_filter").set_value("rejected").run()
    log = at.dataframe[-1].value
    assert list(log["File"]) == [BAD.name] and list(log["Outcome"]) == ["Rejected"]
    assert crashes(at) == []
    page = unescape(texts(at))
    assert "ตัวชี้วัด (Indicators)!E5" in page  # the picked upload's messages
    at.segmented_control(key="upload_log_filter").set_value("duplicate").run()
    assert t("upload.log.empty", "en") in texts(at)


def test_a_file_that_is_not_a_workbook_says_what_it_is_even_with_an_odd_name(upload_page, engine):
    name = "*report*_[final] $5.xlsx"
    at = send(upload_page(lang="en"), (name, b"%PDF-1.7\n%binary pdf body\n"))
    assert crashes(at) == []
    page = unescape(texts(at))
    assert name in page  # shown as typed: no bold, link or LaTeX made of it
    assert t("workbook.detected.pdf", "en") in page
    [u] = uploads(engine)
    assert (u.filename, u.outcome) == (name, "rejected")


@pytest.mark.parametrize("lang", ["th", "en"])
def test_a_damaged_workbook_is_rejected_with_its_part_and_logged_with_its_bytes(upload_page, engine, lang):
    import hashlib

    path = Path(__file__).parents[1] / "data" / "workbooks" / "damaged_deflate_distance.xlsx"
    at = send(upload_page(lang=lang), path)
    assert crashes(at) == []
    page = unescape(texts(at))
    assert t("workbook.msg.damaged_part", lang, part="_rels/.rels") in page
    [u] = uploads(engine)
    assert (u.filename, u.outcome) == (path.name, "rejected")
    assert u.sha256 == hashlib.sha256(path.read_bytes()).hexdigest() and u.size == path.stat().st_size


def test_a_log_download_reads_the_actor_when_clicked(open_app, engine, monkeypatch):
    """The officer signed in draws the log; an administrator disables the account; the
    download drawn before is then refused by the store (security review)."""
    import streamlit as st
    from helpers.apphelp import sign_in

    from ecocity.core.access import AccessDenied, system
    from ecocity.store.uploads import log_rejected
    from ecocity.store.users import actor_for, create_user, disable_user

    password = "a long pass phrase 42"
    create_user(engine, system("test"), "somsak", role="officer", estates=["MAP-TA-PHUT"], password=password)
    with session_scope(engine) as s:
        somsak = actor_for(s, "somsak")
    log_rejected(engine, "mine.xlsx", b"not a workbook", [], by=somsak, estate_code="MAP-TA-PHUT", fiscal_year=2566)
    seen: dict[str, object] = {}
    real = st.download_button

    def spy(label, data, *args, **kwargs):
        seen[kwargs.get("key") or label] = data
        return real(label, data, *args, **kwargs)

    monkeypatch.setattr(st, "download_button", spy)
    at = open_app(lang="en")
    sign_in(at, "somsak", password, "en")
    at.switch_page(PAGE).run()
    assert crashes(at) == [] and at.session_state["auth.session"]["username"] == "somsak"
    read = seen["upload_log_download"]
    assert callable(read) and read() == b"not a workbook"
    disable_user(engine, system("test"), "somsak")
    with pytest.raises(AccessDenied):
        read()


# ----------------------------------------------------------------------------- what the cards say


def _captions(at: AppTest) -> list[str]:
    return [unescape(c.value) for c in at.caption]


@pytest.mark.parametrize("lang", ["th", "en"])
def test_whole_file_errors_say_what_to_do_and_name_the_format(upload_page, lang):
    """A missing sheet and a text file have no cell to fix: the note says the problem is the
    file as a whole; the text file's format is named, not "?"."""
    missing = ROOT / "tests" / "data" / "workbooks" / "missing_sheets.xlsx"
    at = send(upload_page(lang=lang), missing, ("note.txt", b"just a note\n"))
    assert crashes(at) == []
    assert [e.value for e in at.error] == [t("upload.check.rejected_file", lang)] * 2
    captions = " ".join(_captions(at))
    assert t("upload.check.format", lang, format=t("upload.format.csv", lang), size="1 KB") in captions
    assert t("upload.check.format", lang, format=t("upload.format.xlsx", lang), size="5 KB") in captions
    assert "?" not in captions


def test_a_batch_counts_files_refused_for_the_account_apart(upload_page):
    pim = Actor("pim", "officer", frozenset({"PADAENG"}), display_name="พิม")
    at = send(upload_page(lang="th", actor=pim), GOOD, BAD)  # both Map Ta Phut's: one good, one bad
    assert crashes(at) == []
    assert t("upload.batch.summary_denied", "th", total=2, accepted=0, rejected=1, denied=1) in texts(at)


@pytest.mark.parametrize("lang", ["th", "en"])
def test_the_uploader_speaks_the_page_language_and_states_the_limit_it_enforces(upload_page, lang):
    from ecocity.ui.widgets import uploader_css, uploader_texts

    at = upload_page(lang=lang)
    [up] = at.get("file_uploader")
    assert up.proto.max_upload_size_mb == 10  # ECOCITY_MAX_UPLOAD_MB's default, and server.maxUploadSize
    assert up.proto.help == t("upload.send.files_help", lang, limit=10)
    styles = [h.proto.body for h in at.get("html")]
    assert uploader_css("upload_files_0", uploader_texts(lang, 10, multiple=True)) in styles


def test_evidence_can_be_attached_to_what_was_just_stored(upload_page, engine):
    """After confirming, section 4 offers the stored estate and year's evidence form."""
    at = confirm(send(upload_page(lang="en"), GOOD))
    assert crashes(at) == []
    assert t("upload.evidence.heading", "en") in [s.value for s in at.subheader]
    [box] = [e for e in at.expander if e.label.startswith("Evidence for")]
    assert "2566" in box.label and box.get("file_uploader")  # the officer may attach here
