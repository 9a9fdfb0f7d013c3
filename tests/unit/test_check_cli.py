"""``ecocity check`` and ``ecocity template``: output, exit status and the estate registry."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ecocity.cli import main
from ecocity.cli.workbook import known_estates
from ecocity.core.framework import get_framework
from ecocity.io.workbook.reader import check_workbook

ROOT = Path(__file__).resolve().parents[2]
WORKBOOKS = ROOT / "tests" / "data" / "workbooks"
_spec = importlib.util.spec_from_file_location("workbook_cases", WORKBOOKS / "cases.py")
cases = importlib.util.module_from_spec(_spec)
assert _spec.loader is not None
_spec.loader.exec_module(cases)

# Every fixture file once (the "too_large" case reuses filled_basic with a small limit).
FILES = sorted(name for name, exp in cases.EXPECTED.items() if "file" not in exp)


def _same(exp_list, got_list) -> bool:
    return [tuple(x) for x in exp_list] == [(g["code"], g["cell"]) for g in got_list]


def test_check_json_prints_one_spec_object_per_file(db_url, capsys):
    paths = [str(WORKBOOKS / f) for f in FILES]
    code = main(["check", "--json", "--lang", "en", "--database-url", db_url, *paths])
    out, err = capsys.readouterr()
    assert code == 1  # some fixtures are rejected
    lines = out.splitlines()
    assert len(lines) == len(FILES)
    for name, line in zip(FILES, lines, strict=True):
        obj = json.loads(line)
        exp = cases.EXPECTED[name]
        assert list(obj) == ["file", "status", "estate", "fiscal_year", "values", "errors", "warnings"]
        assert obj["file"] == str(WORKBOOKS / name)
        assert obj["status"] == exp["status"], name
        assert _same(exp["errors"], obj["errors"]), name
        assert _same(exp["warnings"], obj["warnings"]), name
        if "values" in exp:
            assert obj["values"] == exp["values"], name
        for key in ("estate", "fiscal_year"):
            if key in exp:
                assert obj[key] == exp[key], name
        for m in obj["errors"] + obj["warnings"]:
            assert set(m) == {"sheet", "cell", "code", "message"} and m["message"]
    # progress for a batch goes to stderr, never into the JSON stream
    assert f"{len(FILES)}/{len(FILES)}" in err


def test_check_exit_0_when_every_file_is_accepted(db_url, capsys):
    files = [str(WORKBOOKS / f) for f in ("filled_basic.xlsx", "libreoffice.ods", "libreoffice.xls")]
    assert main(["check", "--database-url", db_url, *files]) == 0
    out = capsys.readouterr().out
    assert out.count("ผ่าน") >= 3  # Thai by default


def test_check_human_output_names_cells_and_codes(db_url, capsys, monkeypatch):
    monkeypatch.setenv("ECOCITY_LANG", "en")
    code = main(["check", "--database-url", db_url, str(WORKBOOKS / "many_errors.xlsx")])
    out = capsys.readouterr().out
    assert code == 1
    assert out.startswith(f"{WORKBOOKS / 'many_errors.xlsx'}: rejected")
    assert "[not_a_number] ตัวชี้วัด (Indicators)!E5: ECO-01 Community enterprises supported" in out
    assert "[unknown_estate] ข้อมูลทั่วไป (General)!B2" in out
    assert "errors (10):" in out


def test_check_accepted_file_shows_values_and_level(db_url, capsys):
    assert main(["check", "--lang", "en", "--database-url", db_url,
                 str(WORKBOOKS / "filled_basic.xlsx")]) == 0
    out = capsys.readouterr().out
    assert "accepted · estate MAP-TA-PHUT · fiscal year 2566 · level " in out
    assert "ECO-02  4.75 million THB/yr" in out and "MGT-04  no" in out


def test_missing_file_is_a_usage_error_naming_it(capsys):
    code = main(["check", "--lang", "en", str(WORKBOOKS / "filled_basic.xlsx"), "no-such-file.xlsx",
                 str(WORKBOOKS)])
    out, err = capsys.readouterr()
    assert code == 2 and out == ""
    assert "no-such-file.xlsx: no such file" in err
    assert f"{WORKBOOKS}: not a file" in err
    assert "Traceback" not in err


def test_check_without_files_is_a_usage_error():
    with pytest.raises(SystemExit) as e:
        main(["check"])
    assert e.value.code == 2


def test_check_real_subprocess(db_url, tmp_path):
    """The installed ``ecocity`` command, as officers and CI run it."""
    ecocity = str(Path(sys.executable).with_name("ecocity"))
    env = {k: v for k, v in os.environ.items() if not k.startswith("ECOCITY_")}
    env["ECOCITY_DATABASE_URL"] = db_url
    files = [str(WORKBOOKS / "filled_basic.xlsx"), str(WORKBOOKS / "pdf_renamed.xlsx")]
    p = subprocess.run([ecocity, "check", "--json", *files],
                       capture_output=True, text=True, env=env, timeout=120, cwd=tmp_path)
    assert p.returncode == 1, p.stderr
    objs = [json.loads(line) for line in p.stdout.splitlines()]
    assert [o["status"] for o in objs] == ["accepted", "rejected"]
    assert objs[1]["errors"][0]["code"] == "not_a_workbook"
    assert "PDF" in objs[1]["errors"][0]["message"]
    assert "2/2" in p.stderr and "Traceback" not in p.stderr
    missing = subprocess.run([ecocity, "check", "gone.xlsx"],
                             capture_output=True, text=True, env=env, timeout=120, cwd=tmp_path)
    assert missing.returncode == 2 and "gone.xlsx" in missing.stderr
    assert "Traceback" not in missing.stderr


def test_known_estates_prefers_the_database(db_url, monkeypatch):
    def no_csv():
        raise AssertionError("the CSV must not be read when the database works")

    monkeypatch.setattr("ecocity.cli.workbook.estates_from_registry_csv", no_csv)
    estates = known_estates(db_url)
    assert estates["MAP-TA-PHUT"] == ("นิคมอุตสาหกรรมมาบตาพุด", "Map Ta Phut IE")


def test_known_estates_falls_back_to_the_registry_file(tmp_path):
    said = []
    (tmp_path / "blocker").write_text("a file where the database folder should be")
    bad = f"sqlite:///{tmp_path}/blocker/x.sqlite3"
    estates = known_estates(bad, warn=said.append)
    assert estates["MAP-TA-PHUT"] == ("นิคมอุตสาหกรรมมาบตาพุด", "Map Ta Phut IE")
    assert said and "ieat-estates.csv" in said[0]


def test_check_never_creates_a_database(tmp_path, capsys):
    """``check`` stores nothing: pointed at a database that does not exist, it creates
    neither the file nor its folder, and says where the registry came from."""
    target = tmp_path / "sub" / "new.sqlite3"
    code = main(["check", "--json", "--database-url", f"sqlite:///{target}",
                 str(WORKBOOKS / "filled_basic.xlsx")])
    err = capsys.readouterr().err
    assert code == 0
    assert not (tmp_path / "sub").exists()
    assert "ieat-estates.csv" in err and "no database" in err


def test_check_does_not_migrate_an_older_database(tmp_path, capsys):
    """A database behind this version's schema is not read, and never migrated (on a
    shared server that would upgrade production from a developer's command line)."""
    from alembic.script import ScriptDirectory

    from ecocity.store.db import make_engine
    from ecocity.store.schema import alembic_config, migrate, schema_revision

    path = tmp_path / "old.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    first = ScriptDirectory.from_config(alembic_config()).get_base()
    migrate(engine, first)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    before = path.read_bytes()
    assert main(["check", "--json", "--database-url", f"sqlite:///{path}",
                 str(WORKBOOKS / "filled_basic.xlsx")]) == 0
    assert "ieat-estates.csv" in capsys.readouterr().err
    assert path.read_bytes() == before
    engine = make_engine(f"sqlite:///{path}")
    try:
        assert schema_revision(engine) == first
    finally:
        engine.dispose()


def test_check_reads_a_current_database_without_writing(db_url, capsys, monkeypatch):
    """Neither migrations nor the registry sync run; the data version does not move."""
    from ecocity.store.db import data_version, make_engine

    def forbidden(*_a, **_k):
        raise AssertionError("ecocity check must not write to the database")

    for target in ("ecocity.store.schema.upgrade", "ecocity.store.schema.migrate", "ecocity.store.seed.seed"):
        monkeypatch.setattr(target, forbidden)
    monkeypatch.setattr("ecocity.cli.workbook.estates_from_registry_csv", forbidden)
    engine = make_engine(db_url)
    try:
        version = data_version(engine)
        path = Path(engine.url.database) if engine.dialect.name == "sqlite" else None
        before = path.read_bytes() if path else None
        assert main(["check", "--json", "--database-url", db_url, str(WORKBOOKS / "filled_basic.xlsx")]) == 0
        assert "ieat-estates.csv" not in capsys.readouterr().err
        assert data_version(engine) == version
        if path:
            assert path.read_bytes() == before
    finally:
        engine.dispose()


def test_a_file_that_cannot_be_read_is_rejected_and_the_batch_goes_on(tmp_path):
    """A file gone between the argument check and its turn (or any read error) is a
    rejected file with its reason, not the end of the batch."""
    from ecocity.cli.workbook import read_files

    gone = tmp_path / "gone.xlsx"
    gone.write_bytes((WORKBOOKS / "filled_basic.xlsx").read_bytes())
    paths = [WORKBOOKS / "filled_basic.xlsx", gone, WORKBOOKS / "libreoffice.ods"]
    gone.unlink()
    got = list(read_files(paths, get_framework(), cases.ESTATES))
    assert [(p, r.status) for p, _, r in got] == [(paths[0], "accepted"), (gone, "rejected"),
                                                 (paths[2], "accepted")]
    _, content, res = got[1]
    assert content == b"" and res.values == {} and res.estate is None
    (err,) = res.errors
    assert (err.code, err.cell) == ("unreadable", None)
    assert "No such file" in err.message("en") and "อ่านไฟล์ไม่ได้" in err.message("th")


def test_check_reports_an_unreadable_file_in_its_place(db_url, capsys, monkeypatch):
    from ecocity.cli import workbook as wcli

    real = wcli.read_upload

    def read(path, limit):
        if path.name == "not_a_number.xlsx":
            raise PermissionError(13, "Permission denied", str(path))
        return real(path, limit)

    monkeypatch.setattr(wcli, "read_upload", read)
    files = [str(WORKBOOKS / f) for f in ("filled_basic.xlsx", "not_a_number.xlsx", "libreoffice.xls")]
    code = main(["check", "--json", "--lang", "en", "--database-url", db_url, *files])
    out, err = capsys.readouterr()
    assert code == 1 and "Traceback" not in err
    objs = [json.loads(line) for line in out.splitlines()]
    assert [(o["file"], o["status"]) for o in objs] == [(files[0], "accepted"), (files[1], "rejected"),
                                                       (files[2], "accepted")]
    assert [(e["code"], e["cell"]) for e in objs[1]["errors"]] == [("unreadable", None)]
    assert "Permission denied" in objs[1]["errors"][0]["message"]


def test_template_command_writes_the_official_workbook(tmp_path, capsys):
    out = tmp_path / "t.xlsx"
    assert main(["template", "--out", str(out)]) == 0
    assert str(out) in capsys.readouterr().out
    res = check_workbook(out.read_bytes(), "t.xlsx", get_framework(), cases.ESTATES)
    # the empty form: every required General field is asked for, every value is missing
    assert [m.code for m in res.errors] == ["missing_estate_code", "missing_fiscal_year",
                                           "missing_factories", "missing_submitted_by"]
    assert len(res.warnings) == len(get_framework().indicators)


def test_template_default_name_and_unwritable_path(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["template"]) == 0
    assert (tmp_path / "ecocity-template-eit-default-v1.xlsx").stat().st_size > 5000
    assert main(["template", "--out", str(tmp_path / "no" / "dir" / "t.xlsx")]) == 2
    assert "cannot write" in capsys.readouterr().err


def test_file_over_the_limit_is_reported_with_its_real_size(db_url, capsys, monkeypatch, tmp_path):
    big = tmp_path / "big.xlsx"
    big.write_bytes((WORKBOOKS / "filled_basic.xlsx").read_bytes() + b"\0" * (3 * 2**20))
    monkeypatch.setenv("ECOCITY_MAX_UPLOAD_MB", "1")
    assert main(["check", "--json", "--lang", "en", "--database-url", db_url, str(big)]) == 1
    obj = json.loads(capsys.readouterr().out)
    assert [e["code"] for e in obj["errors"]] == ["too_large"]
    assert "3.01 MB" in obj["errors"][0]["message"] and "limit of 1 MB" in obj["errors"][0]["message"]


# ----------------------------------------------------------------------------- the framework in force


def _v2_text() -> str:
    """The default framework as version 2: ECO-02 at most 4 (filled_basic.xlsx has 4.75)."""
    from ecocity.core.framework import DEFAULT_FRAMEWORK_PATH

    text = DEFAULT_FRAMEWORK_PATH.read_text("utf-8").replace("version = 1", "version = 2", 1)
    eco02 = 'thresholds = [0.5, 1, 5, 10, 20]\nmin = 0\n'
    assert eco02 in text
    return text.replace(eco02, "thresholds = [0.5, 1, 2, 3, 4]\nmin = 0\nmax = 4\n", 1)


def _activate_v2(url: str) -> None:
    from ecocity.core.access import system
    from ecocity.store import make_engine
    from ecocity.store.frameworks import activate

    engine = make_engine(url)
    try:
        activate(engine, _v2_text(), system("test"), filename="eit-v2.toml")
    finally:
        engine.dispose()


def test_check_uses_the_framework_activated_in_the_database(db_url, capsys):
    """Without --framework, check reads the framework in force from the database (read
    only), as the upload page does; --framework still picks a file."""
    path = str(WORKBOOKS / "filled_basic.xlsx")
    assert main(["check", "--json", "--lang", "en", "--database-url", db_url, path]) == 0
    before = json.loads(capsys.readouterr().out)
    assert before["status"] == "accepted"
    _activate_v2(db_url)
    assert main(["check", "--json", "--lang", "en", "--database-url", db_url, path]) == 1
    after = json.loads(capsys.readouterr().out)
    assert after["status"] == "rejected" and any(e["cell"] and "ECO-02" in e["message"] for e in after["errors"])
    main(["check", "--lang", "en", "--database-url", db_url, path])  # the human report too
    assert "outside the accepted range 0–4" in capsys.readouterr().out
    # --framework: that file, whatever the database holds
    from ecocity.core.framework import DEFAULT_FRAMEWORK_PATH

    assert main(["check", "--json", "--framework", str(DEFAULT_FRAMEWORK_PATH), "--database-url", db_url, path]) == 0
    capsys.readouterr()


def test_template_writes_the_framework_activated_in_the_database(db_url, tmp_path, capsys, monkeypatch):
    _activate_v2(db_url)
    monkeypatch.chdir(tmp_path)
    assert main(["template", "--database-url", db_url]) == 0
    assert "eit-default@2" in capsys.readouterr().out
    written = tmp_path / "ecocity-template-eit-default-v2.xlsx"
    assert written.stat().st_size > 5000
    # without a usable database: the file, as before
    assert main(["template", "--database-url", f"sqlite:///{tmp_path / 'none.sqlite3'}"]) == 0
    assert (tmp_path / "ecocity-template-eit-default-v1.xlsx").is_file()
    assert not (tmp_path / "none.sqlite3").exists()


def test_template_default_name_is_a_safe_base_name(db_url, tmp_path, capsys, monkeypatch):
    """The framework's id may come from a file uploaded through the browser."""
    from ecocity.core.access import system
    from ecocity.core.framework import DEFAULT_FRAMEWORK_PATH
    from ecocity.store import make_engine
    from ecocity.store.frameworks import activate

    engine = make_engine(db_url)
    try:
        activate(engine, DEFAULT_FRAMEWORK_PATH.read_text("utf-8").replace('id = "eit-default"', 'id = "../x"', 1),
                 system("test"), filename="x.toml")
    finally:
        engine.dispose()
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    assert main(["template", "--database-url", db_url]) == 0
    assert [p.name for p in work.iterdir()] == ["x-v1.xlsx"]  # the base name, here
    assert not list(tmp_path.glob("*.xlsx"))
