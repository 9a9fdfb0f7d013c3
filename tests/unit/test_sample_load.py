"""The shipped sample workbooks: real files in the official template, loaded through the
same path as an officer's upload (check_workbook, then store_submission), giving the same
levels as the pure computation; ``ecocity sample --write/--load/--remove``."""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import pytest

from ecocity.cli import _Parser
from ecocity.cli.common import UsageError
from ecocity.cli.sample import UPLOADED_BY, default_dir, load_sample, register, sample_paths
from ecocity.core.access import ALL_AREAS, Actor, system
from ecocity.io.sample import assess_areas, current_submissions, sample_files, sample_submissions

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_DIR = ROOT / "data" / "sample"
CLI = system(UPLOADED_BY)  # who `ecocity sample --load` loads as


def _parse(*argv: str) -> argparse.Namespace:
    parser = _Parser(prog="ecocity")
    register(parser.add_subparsers(dest="command", required=True, parser_class=_Parser))
    return parser.parse_args(["sample", *argv])


def _area_levels(engine) -> dict[tuple[str, int], int]:
    from ecocity.store import queries, session_scope

    with session_scope(engine) as s:
        return {(r.code, r.fiscal_year): r.level for y in queries.fiscal_years(s)
                for r in queries.assessments_for_year(s, y, "area")}


# ----------------------------------------------------------------------------- the files


def test_the_shipped_files_are_the_sample_set_in_load_order(fw):
    assert default_dir() == SAMPLE_DIR
    names = [p.name for p in sample_paths(SAMPLE_DIR)]
    assert sorted(names) == sorted(n for n, _ in sample_files(fw))
    # Every original before any correction: the correction must become version 2.
    assert names.index("2566_MAP-TA-PHUT.xlsx") < names.index("2566_MAP-TA-PHUT_v2.xlsx")
    assert names[-1] == "2566_MAP-TA-PHUT_v2.xlsx"
    assert sum(p.stat().st_size for p in sample_paths(SAMPLE_DIR)) < 5 * 2**20


def test_the_shipped_files_read_back_to_the_generated_data(fw):
    """Through the upload checker: accepted, same values, factories and dates."""
    from ecocity.core.registry import estates_from_csv
    from ecocity.io.workbook.reader import check_workbook

    estates = {e.code: (e.name_th, e.name_en) for e in estates_from_csv(ROOT / "data" / "ieat-estates.csv")}
    for name, data in sample_files(fw):
        result = check_workbook((SAMPLE_DIR / name).read_bytes(), name, fw, estates)
        assert result.accepted, (name, [m.text("en") for m in result.errors])
        assert not [m for m in result.warnings if m.code != "missing_value"], name
        got = result.submission
        assert (got.estate_code, got.fiscal_year, got.factories) == (data.estate_code, data.fiscal_year,
                                                                     data.factories), name
        assert dict(got.values) == dict(data.values), name
        assert got.submitted_by == data.submitted_by and got.submitted_on == data.submitted_on, name


# ----------------------------------------------------------------------------- loading


@pytest.mark.storage
def test_loading_gives_the_same_area_levels_as_the_pure_computation(engine, fw):
    from ecocity.store import compare_versions, list_versions, queries, session_scope

    seen: list[tuple[int, int]] = []
    report = load_sample(engine, SAMPLE_DIR, fw, by=CLI, progress=lambda d, n, _f, _o: seen.append((d, n)))
    total = len(sample_files(fw))
    assert report.rejected == [] and report.stored == total == report.total
    assert seen[0] == (1, total) and seen[-1] == (total, total)

    expected = {k: a.assessment.level for k, a in assess_areas(fw, current_submissions(fw)).items()}
    assert _area_levels(engine) == expected
    with session_scope(engine) as s:
        versions = list_versions(s, "MAP-TA-PHUT", 2566)
        assert [(v.version, v.is_current, v.is_sample) for v in versions] == [(2, True, True), (1, False, True)]
        assert [c.code for c in compare_versions(s, "MAP-TA-PHUT", 2566, 1, 2, fw)] == ["ENV-01"]
        assert queries.has_data(s) and not queries.has_data(s, include_sample=False)


@pytest.mark.storage
def test_loading_again_creates_no_new_versions_and_if_empty_loads_nothing(engine, fw):
    from ecocity.store import data_version, list_versions, session_scope

    load_sample(engine, SAMPLE_DIR, fw, by=CLI)
    before = data_version(engine)
    again = load_sample(engine, SAMPLE_DIR, fw, by=CLI)
    assert again.stored == 0 and again.duplicates == again.total
    assert data_version(engine) == before
    with session_scope(engine) as s:  # the original is not stored again over its correction
        assert [v.version for v in list_versions(s, "MAP-TA-PHUT", 2566)] == [2, 1]
    skipped = load_sample(engine, SAMPLE_DIR, fw, by=CLI, if_empty=True)
    assert skipped.skipped_not_empty and skipped.total == 0


@pytest.mark.storage
def test_a_file_the_checker_rejects_is_logged_and_reported(engine, fw, tmp_path):
    from ecocity.store import list_uploads, session_scope

    shutil.copy(SAMPLE_DIR / "2560_PADAENG.xlsx", tmp_path / "2560_PADAENG.xlsx")
    (tmp_path / "2561_PADAENG.xlsx").write_bytes(b"not a workbook")
    report = load_sample(engine, tmp_path, fw, by=CLI)
    assert report.stored == 1 and [f for f, _ in report.rejected] == ["2561_PADAENG.xlsx"]
    with session_scope(engine) as s:
        outcomes = {u.filename: (u.outcome, u.is_sample) for u in list_uploads(s)}
    assert outcomes == {"2560_PADAENG.xlsx": ("accepted", True), "2561_PADAENG.xlsx": ("rejected", True)}


# ----------------------------------------------------------------------------- the command


@pytest.mark.storage
def test_command_write_load_remove(engine, fw, tmp_path, capsys):
    url = engine.url.render_as_string(hide_password=False)
    out_dir = tmp_path / "sample"
    (out_dir).mkdir()
    (out_dir / "2550_GONE.xlsx").write_bytes(b"stale")  # from an older set: replaced
    (out_dir / "notes.xlsx").write_bytes(b"keep")  # not a sample file name: left alone

    args = _parse("--write", str(out_dir), "--lang", "en")
    assert args.func(args) == 0
    written = sorted(p.name for p in sample_paths(out_dir))
    assert written == sorted(n for n, _ in sample_files(fw))
    assert (out_dir / "notes.xlsx").exists() and not (out_dir / "2550_GONE.xlsx").exists()

    args = _parse("--load", str(out_dir), "--database-url", url, "--lang", "en")
    assert args.func(args) == 0
    out = capsys.readouterr().out
    total = len(sample_files(fw))
    assert f"[{total}/{total}] 2566_MAP-TA-PHUT_v2.xlsx" in out and "version 2" in out
    assert _area_levels(engine)

    args = _parse("--load-if-empty", str(out_dir), "--database-url", url, "--lang", "en")
    assert args.func(args) == 0
    assert "already holds data" in capsys.readouterr().out

    args = _parse("--remove", "--database-url", url, "--lang", "en")
    assert args.func(args) == 0
    assert f"{len(sample_submissions(fw)) + 1} submissions" in capsys.readouterr().out
    assert _area_levels(engine) == {}


@pytest.mark.storage
def test_command_write_uses_the_framework_activated_in_the_database(engine, tmp_path):
    """Without --framework, --write reads the framework in force from the database (read
    only) and writes its workbooks; --framework still picks a file."""
    import io

    from openpyxl import load_workbook

    from ecocity.core.framework import DEFAULT_FRAMEWORK_PATH
    from ecocity.store.frameworks import activate

    activate(engine, DEFAULT_FRAMEWORK_PATH.read_text("utf-8").replace("version = 1", "version = 2", 1), CLI,
             filename="eit-v2.toml")
    url = engine.url.render_as_string(hide_password=False)

    def title(directory: Path) -> str:
        first = sample_paths(directory)[0]
        return load_workbook(io.BytesIO(first.read_bytes())).properties.title

    args = _parse("--write", str(tmp_path / "db"), "--database-url", url, "--lang", "en")
    assert args.func(args) == 0
    assert title(tmp_path / "db") == "EcoCity Tracker eit-default@2"
    args = _parse("--write", str(tmp_path / "file"), "--framework", str(DEFAULT_FRAMEWORK_PATH),
                  "--database-url", url, "--lang", "en")
    assert args.func(args) == 0
    assert title(tmp_path / "file") == "EcoCity Tracker eit-default@1"


def test_load_sample_names_who_loads(tmp_path, fw):
    """No default actor: every caller says who loads (the command line, a system actor)."""
    with pytest.raises(TypeError, match="by"):
        load_sample(None, tmp_path, fw)


def test_command_usage_errors(tmp_path):
    args = _parse("--load", str(tmp_path), "--database-url", f"sqlite:///{tmp_path / 'x.sqlite3'}")
    with pytest.raises(UsageError, match="ecocity db upgrade"):
        args.func(args)
    with pytest.raises(SystemExit):
        _parse("--load", "--remove")
    with pytest.raises(UsageError, match="--if-empty"):
        args = _parse("--remove", "--if-empty")
        args.func(args)


@pytest.mark.storage
def test_sample_data_is_not_loaded_over_real_data(engine, fw, make_data, capsys):
    """`ecocity sample --load` into a database with real submissions: refused (exit
    status 2), nothing loaded; --load-if-empty quietly loads nothing."""
    from ecocity.cli import main as cli_main
    from ecocity.store import data_version, list_uploads, queries, session_scope, store_submission
    from ecocity.store.review import review_submission
    from ecocity.store.versions import list_versions

    store_submission(engine, make_data("RIL", 2566, n=1), filename="ril.xlsx", content=b"real",
                     by=Actor("officer", "officer", frozenset({"RIL"})))
    before = data_version(engine)
    report = load_sample(engine, SAMPLE_DIR, fw, by=CLI)
    assert report.refused_real_data and report.total == report.stored == 0
    url = engine.url.render_as_string(hide_password=False)
    assert cli_main(["sample", "--load", str(SAMPLE_DIR), "--database-url", url, "--lang", "en"]) == 2
    err = capsys.readouterr().err
    assert "real" in err and "not loaded" in err
    assert cli_main(["sample", "--load", str(SAMPLE_DIR), "--database-url", url, "--lang", "th"]) == 2
    assert "ข้อมูลจริง" in capsys.readouterr().err
    assert cli_main(["sample", "--load-if-empty", str(SAMPLE_DIR), "--database-url", url, "--lang", "en"]) == 0
    assert "already holds data" in capsys.readouterr().out
    assert data_version(engine) == before
    with session_scope(engine) as s:
        assert queries.has_data(s, include_sample=False)
        assert [u.filename for u in list_uploads(s)] == ["ril.xlsx"]
        # the officer's version, still pending review, is the only one: nothing loaded over it
        assert [(v.version, v.status, v.is_sample) for v in list_versions(s, "RIL", 2566)] == [
            (1, "pending", False)]
    review_submission(engine, "RIL", 2566, "accept", by=Actor("rita", "reviewer", areas=frozenset({ALL_AREAS})))
    with session_scope(engine) as s:
        assert queries.current_values(s, "RIL", 2566) == dict(make_data("RIL", 2566, n=1).values)
