"""A damaged workbook is a rejection with a located message, never an exception.

Files get damaged in e-mail and on USB sticks: bytes changed inside a compressed part, a
file cut short, a zip header overwritten. zlib and zipfile raise on those (``zlib.error``,
``NotImplementedError: zip file version 12.7``); the checker must turn every one into a
message, for the upload page, ``ecocity check`` and ``ecocity import`` alike.
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
import json
import random
import re
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ecocity.cli import main
from ecocity.core.framework import get_framework
from ecocity.flows.intake import check_file

ROOT = Path(__file__).resolve().parents[2]
WORKBOOKS = ROOT / "tests" / "data" / "workbooks"
_spec = importlib.util.spec_from_file_location("workbook_cases", WORKBOOKS / "cases.py")
cases = importlib.util.module_from_spec(_spec)
assert _spec.loader is not None
_spec.loader.exec_module(cases)

FW = get_framework()
FOUND = ("damaged_deflate_distance.xlsx", "damaged_deflate_lengths.xlsx", "damaged_zip_version.xlsx")
VALID = {name: (WORKBOOKS / name).read_bytes()
         for name in ("filled_basic.xlsx", "libreoffice_saved.xlsx", "libreoffice.xlsm", "libreoffice.ods")}
SAMPLE = (ROOT / "data" / "sample" / "2566_MAP-TA-PHUT.xlsx").read_bytes()
IND_SHEET = "ตัวชี้วัด (Indicators)"


def check(content: bytes, name: str = "x.xlsx"):
    return check_file(content, name, FW, cases.ESTATES)


def assert_answered(res) -> None:
    """A result, not an exception: accepted or rejected, every message renders."""
    assert res.status in ("accepted", "rejected")
    assert res.accepted == (res.errors == ())
    for m in res.messages():
        assert m.message("th") and m.message("en")


def _member_data_span(content: bytes, name: str) -> tuple[int, int]:
    """Where a member's compressed bytes lie in the file."""
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        info = z.getinfo(name)
    start = info.header_offset
    name_len = int.from_bytes(content[start + 26:start + 28], "little")
    extra_len = int.from_bytes(content[start + 28:start + 30], "little")
    data = start + 30 + name_len + extra_len
    return data, data + info.compress_size


def _sheet_part(content: bytes, sheet: str) -> str:
    from ecocity.io.workbook.container import Xlsx, open_zip, zip_kind

    zf = open_zip(content)
    return Xlsx(zf, zip_kind(zf)[1]).sheets[sheet]


# ----------------------------------------------------------------------------- the three found


@pytest.mark.parametrize("name", FOUND)
def test_the_files_that_crashed_the_checker_are_rejected(name):
    res = check((WORKBOOKS / name).read_bytes(), name)
    assert res.status == "rejected" and res.submission is None
    assert [m.code for m in res.errors] in (["damaged_part"], ["not_a_workbook"])
    for lang in ("th", "en"):
        assert res.errors[0].message(lang)


def test_bytes_changed_inside_a_sheet_name_the_sheet_and_the_part():
    part = _sheet_part(SAMPLE, IND_SHEET)
    start, end = _member_data_span(SAMPLE, part)
    damaged = bytearray(SAMPLE)
    for i in range(start + (end - start) // 3, start + (end - start) // 3 + 24):
        damaged[i] ^= 0x5A
    res = check(bytes(damaged))
    assert [m.code for m in res.errors] == ["damaged_part"]
    msg = res.errors[0]
    assert msg.sheet == IND_SHEET and msg.params["part"] == part
    assert part in msg.message("en") and "save it again" in msg.message("en")
    assert part in msg.message("th") and "บันทึกใหม่" in msg.message("th")


def test_a_part_name_with_control_characters_is_shown_printable():
    from ecocity.io.workbook.container import _shown_name

    assert _shown_name("xl/workbo\x18k.xml") == "xl/workbo?k.xml"
    assert len(_shown_name("a" * 500)) == 80


def test_check_json_answers_for_every_file_of_a_batch(capsys, tmp_path):
    good = tmp_path / "good.xlsx"
    good.write_bytes(VALID["filled_basic.xlsx"])
    paths = [str(WORKBOOKS / n) for n in FOUND] + [str(good)]
    code = main(["check", "--json", "--lang", "en", *paths])
    out, err = capsys.readouterr()
    assert code == 1 and "Traceback" not in err
    objs = [json.loads(line) for line in out.splitlines()]
    assert [o["file"] for o in objs] == paths
    assert [o["status"] for o in objs] == ["rejected", "rejected", "rejected", "accepted"]
    assert objs[0]["errors"][0]["code"] == "damaged_part"
    assert objs[2]["errors"][0]["code"] == "not_a_workbook"


@pytest.mark.storage
def test_import_logs_a_damaged_file_with_its_bytes_and_changes_no_data(db_url, capsys):
    from sqlalchemy import func, select

    from ecocity.core.access import system
    from ecocity.store import list_uploads, make_engine, session_scope
    from ecocity.store.models import Submission
    from ecocity.store.uploads import upload_content

    path = WORKBOOKS / "damaged_deflate_distance.xlsx"
    code = main(["import", str(path), "--database-url", db_url, "--json", "--as", "สมชาย"])
    out, _ = capsys.readouterr()
    assert code == 1 and json.loads(out)["outcome"] == "rejected"
    engine = make_engine(db_url)
    try:
        with session_scope(engine) as s:
            assert s.scalar(select(func.count()).select_from(Submission)) == 0
            [up] = list_uploads(s)
            assert up.outcome == "rejected" and up.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
            assert [m["code"] for m in up.messages["errors"]] == ["damaged_part"]
            assert upload_content(s, up.id, by=system("test")) == (path.name, path.read_bytes())
    finally:
        engine.dispose()


def test_zip_members_are_read_only_through_the_guarded_reader():
    """Reading a member anywhere but ``container.read_part`` would bring back the crash."""
    src = ROOT / "src" / "ecocity"
    readers = {p.relative_to(src).as_posix() for p in src.rglob("*.py")
               if re.search(r"\bZipFile\(|\.open\(\s*info\b|\.read\(\s*(name|info)\b", p.read_text("utf-8"))
               and "zipfile" in p.read_text("utf-8")}
    # bundle and template write zips (the template re-reads its own output from openpyxl)
    allowed = {"io/workbook/container.py", "io/export/bundle.py", "io/workbook/template.py"}
    assert readers <= allowed, readers - allowed


# ----------------------------------------------------------------------------- mutations
# Counted by the tests' own loops: 3 x 400 hypothesis cases and 1,500 seeded mutants.

MUTANTS_SEEDED = 1500


def test_the_issue_recipe_over_1500_mutants_never_raises():
    """The reproduction from the report: 20 random bytes overwritten past offset 200."""
    rnd = random.Random(20261207)
    files = [*VALID.items(), ("sample.xlsx", SAMPLE)]
    rejected = 0
    for _ in range(MUTANTS_SEEDED):
        name, data = rnd.choice(files)
        b = bytearray(data)
        for _ in range(20):
            b[rnd.randrange(200, len(b))] = rnd.randrange(256)
        res = check(bytes(b), name)
        assert_answered(res)
        rejected += not res.accepted
    assert rejected > MUTANTS_SEEDED // 2  # most such damage is caught, not silently read


_settings = settings(max_examples=400, deadline=None, derandomize=True,
                     suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
_names = st.sampled_from(sorted(VALID))


@_settings
@given(name=_names, flips=st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 255)),
                                   min_size=1, max_size=40))
def test_bytes_flipped_anywhere(name, flips):
    b = bytearray(VALID[name])
    for where, value in flips:
        b[int(where * len(b))] = value
    assert_answered(check(bytes(b), name))


@_settings
@given(name=_names, keep=st.floats(0, 1, exclude_max=True))
def test_a_file_cut_short(name, keep):
    data = VALID[name]
    res = check(data[: int(keep * len(data))], name)
    assert_answered(res)
    assert not res.accepted


_HEADER_FIELDS = {  # (offset in the record, length) of fields a damaged header gets wrong
    b"PK\x03\x04": [(4, 2), (6, 2), (8, 2), (14, 4), (18, 4), (22, 4), (26, 2), (28, 2)],
    b"PK\x01\x02": [(4, 2), (6, 2), (10, 2), (16, 4), (20, 4), (24, 4), (28, 2), (30, 2), (42, 4)],
    b"PK\x05\x06": [(8, 2), (10, 2), (12, 4), (16, 4)],
}


@_settings
@given(name=_names, picks=st.lists(st.tuples(st.sampled_from(sorted(_HEADER_FIELDS)), st.integers(0, 10_000),
                                             st.integers(0, 10_000), st.binary(min_size=4, max_size=4)),
                                   min_size=1, max_size=4))
def test_zip_headers_damaged(name, picks):
    b = bytearray(VALID[name])
    for sig, which, field, value in picks:
        starts = [m.start() for m in re.finditer(re.escape(sig), bytes(b))]
        if not starts:
            continue
        at = starts[which % len(starts)]
        off, size = _HEADER_FIELDS[sig][field % len(_HEADER_FIELDS[sig])]
        b[at + off:at + off + size] = value[:size]
    assert_answered(check(bytes(b), name))
