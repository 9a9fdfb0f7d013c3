"""`ecocity import`: stores accepted files exactly as a confirmed upload, logs the rest."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import func, select

from ecocity.cli import main
from ecocity.store import list_uploads, make_engine, session_scope
from ecocity.store.models import Submission

ROOT = Path(__file__).parents[2]
GOOD = ROOT / "data" / "sample" / "2566_MAP-TA-PHUT.xlsx"
BAD = ROOT / "tests" / "data" / "workbooks" / "not_a_number.xlsx"

pytestmark = pytest.mark.storage


def run(capsys, *argv: str) -> tuple[int, list[dict], str]:
    code = main(["import", *argv])
    out, err = capsys.readouterr()
    return code, [json.loads(line) for line in out.splitlines() if line.strip()], err


def counts(url: str) -> tuple[int, int]:
    engine = make_engine(url)
    try:
        with session_scope(engine) as s:
            subs = s.scalar(select(func.count()).select_from(Submission))
            return subs, len(list_uploads(s))
    finally:
        engine.dispose()


def test_a_good_and_a_bad_file(db_url, capsys):
    code, out, err = run(capsys, str(GOOD), str(BAD), "--database-url", db_url, "--json", "--as", "สมชาย")
    assert code == 1  # one file was rejected
    good, bad = out
    assert (good["status"], good["outcome"], good["version"], good["estate"], good["fiscal_year"]) == (
        "accepted", "stored", 1, "MAP-TA-PHUT", 2566)
    assert set(good) >= {"file", "status", "estate", "fiscal_year", "values", "errors", "warnings"}
    assert (bad["status"], bad["outcome"], bad["version"]) == ("rejected", "rejected", None)
    assert [e["code"] for e in bad["errors"]] == ["not_a_number"] and bad["errors"][0]["cell"].endswith("!E5")
    assert counts(db_url) == (1, 2)  # one submission; both files in the upload log
    assert "2/2" in err  # batch progress on stderr
    # The operator acts as the command-line actor 'cli:NAME' (an administrator), audited.
    from ecocity.store.audit import list_entries

    engine = make_engine(db_url)
    try:
        with session_scope(engine) as s:
            assert {u.uploaded_by for u in list_uploads(s)} == {"cli:สมชาย"}
            entries = list_entries(s)
    finally:
        engine.dispose()
    assert sorted((e.action, e.actor, e.role, e.target) for e in entries) == [
        ("upload.rejected", "cli:สมชาย", "admin", "MAP-TA-PHUT/2566"),
        ("upload.stored", "cli:สมชาย", "admin", "MAP-TA-PHUT/2566")]


def test_the_same_bytes_again_create_no_version(db_url, capsys):
    assert run(capsys, str(GOOD), "--database-url", db_url, "--json")[0] == 0
    code, out, _ = run(capsys, str(GOOD), "--database-url", db_url, "--json")
    assert code == 0 and out[0]["outcome"] == "duplicate" and out[0]["version"] == 1
    subs, uploads = counts(db_url)
    assert subs == 1 and uploads == 2


def test_human_output_says_what_happened(db_url, capsys):
    code = main(["import", str(GOOD), "--database-url", db_url, "--lang", "en"])
    out = capsys.readouterr().out
    assert code == 0
    assert "accepted" in out and "Stored as version 1 of MAP-TA-PHUT, fiscal year 2566" in out
    assert "(score 1-5)" in out


def test_a_missing_file_is_a_usage_error(db_url, capsys, tmp_path):
    code = main(["import", str(tmp_path / "none.xlsx"), "--database-url", db_url])
    assert code == 2 and "none.xlsx" in capsys.readouterr().err
    assert counts(db_url) == (0, 0)


def test_an_oversize_file_is_logged_with_its_real_size_unread(db_url, capsys, monkeypatch):
    monkeypatch.setenv("ECOCITY_MAX_UPLOAD_MB", "0.001")  # about 1 KB: every workbook is over it
    code, out, _ = run(capsys, str(GOOD), "--database-url", db_url, "--json")
    assert code == 1 and out[0]["outcome"] == "rejected"
    assert [e["code"] for e in out[0]["errors"]] == ["too_large"]
    engine = make_engine(db_url)
    try:
        with session_scope(engine) as s:
            (up,) = list_uploads(s)
        assert up.size == GOOD.stat().st_size and up.outcome == "rejected"
    finally:
        engine.dispose()
    assert counts(db_url)[0] == 0


def test_import_stores_under_the_framework_an_administrator_activated(db_url, capsys):
    """Without --framework, `ecocity import` uses the framework in force in the database
    (activated on the administration page), not the server's file."""
    from ecocity.core.access import system
    from ecocity.core.framework import DEFAULT_FRAMEWORK_PATH
    from ecocity.store.frameworks import activate

    text = DEFAULT_FRAMEWORK_PATH.read_text("utf-8").replace("version = 1", "version = 2", 1)
    engine = make_engine(db_url)
    try:
        activated = activate(engine, text, system("test"))
    finally:
        engine.dispose()
    code, out, err = run(capsys, str(GOOD), "--database-url", db_url, "--json")
    assert code == 0, err
    engine = make_engine(db_url)
    try:
        with session_scope(engine) as s:
            [used] = s.scalars(select(Submission.framework_version)).all()
    finally:
        engine.dispose()
    assert used.endswith("@2") and used != "" and activated is not None
