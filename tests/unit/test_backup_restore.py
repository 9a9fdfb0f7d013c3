"""The backup and restore drill of the README ("Backups"): a populated database is backed up
and restored with the commands the README gives, and the copy reports the same.

The database holds the shipped sample (192 workbooks, accepted), then an officer's uploads
waiting for review, one returned and one accepted by a reviewer, a rejected file, a refused
attempt and an account. After the restore, for every fiscal year: the levels of every area
and estate, published and with pending data (``store.review.levels`` and
``ecocity levels --json``), each estate's submission status, the audit log (every column),
every upload's original bytes and SHA-256 (which must still be the SHA-256 of the bytes),
and every other table, row by row. The restored database must take a new upload too (its
sequences came back).

- PostgreSQL: ``pg_dump --format=custom``, ``createdb``, ``pg_restore --no-owner
  --exit-on-error --dbname``.
- SQLite, while the app's engine holds the database open: Python's
  ``sqlite3.Connection.backup`` and the ``sqlite3`` command's ``.backup`` (when installed).

The dump and restore times and sizes are printed (``pytest -s``).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from helpers.sampledb import _sample_template, sample_url  # noqa: F401  (fixtures)
from sqlalchemy import select
from sqlalchemy.engine import make_url

from ecocity.cli import main as cli_main
from ecocity.core.access import Actor, system
from ecocity.core.review import ReviewDenied
from ecocity.store import models as m
from ecocity.store.db import make_engine, session_scope
from ecocity.store.review import levels, review_submission, submission_statuses
from ecocity.store.uploads import log_rejected
from ecocity.store.versions import store_submission

pytestmark = pytest.mark.storage

AREA = "RAYONG-MAP-TA-PHUT"
OFFICER = Actor(username="ril.officer", role="officer", estates=frozenset({"RIL", "PADAENG", "MAP-TA-PHUT"}))
REVIEWER = Actor(username="ratree", role="reviewer", areas=frozenset({AREA}))


def _original(n: int) -> bytes:
    """An 'original file' with every byte value, NULs included: bytea and BLOB round trips."""
    return bytes(range(256)) * 8 + hashlib.sha256(str(n).encode()).digest() * 64 + b"\x00" * 100


def populate(url: str, make_data: Any, cheap: Any) -> None:
    """Beyond the sample: pending, returned and accepted versions, a rejected file, a refused
    attempt (audit 'denied') and an account."""
    from ecocity.store.users import create_user

    engine = make_engine(url)
    try:
        for n, (estate, year) in enumerate([("RIL", 2568), ("PADAENG", 2568), ("MAP-TA-PHUT", 2567),
                                            ("RIL", 2567)]):
            store_submission(engine, make_data(estate, year, n=n + 3), filename=f"{year}_{estate}.xlsx",
                             content=_original(n), by=OFFICER)
        review_submission(engine, "RIL", 2568, "accept", by=REVIEWER, comment="ok")
        review_submission(engine, "PADAENG", 2568, "return", by=REVIEWER,
                          indicator_comments={"ENV-01": "กรุณาแนบหลักฐาน (evidence, please)"})
        log_rejected(engine, "ผิดแบบฟอร์ม.xlsx", b"PK\x03\x04 not a workbook \x00\xff", {"errors": ["bad"]},
                     by=OFFICER, estate_code="RIL", fiscal_year=2568)
        with pytest.raises(ReviewDenied):  # an officer may not review: audited as 'denied'
            review_submission(engine, "RIL", 2567, "accept", by=OFFICER)
        create_user(engine, system("test"), "ril.officer", role="officer", display_name="สมชาย ใจดี",
                    estates=["RIL"], password="a long enough pass phrase 1")
    finally:
        engine.dispose()


def _rows(s: Any, table: Any) -> list[tuple[Any, ...]]:
    return [tuple(r) for r in s.execute(select(table).order_by(*table.primary_key.columns))]


def report(url: str) -> dict[str, Any]:
    """What the copy must report the same: levels, statuses, audit log, uploads, all tables."""
    engine = make_engine(url)
    try:
        with session_scope(engine) as s:
            years = sorted(s.scalars(select(m.Submission.fiscal_year).distinct()))
            out: dict[str, Any] = {
                "years": years,
                "levels": {(y, p): levels(s, y, include_pending=p) for y in years for p in (False, True)},
                "statuses": {y: [e.as_json() | {"submitted_by": e.submitted_by} for e in submission_statuses(s, y)]
                             for y in years},
                "audit": _rows(s, m.AuditEntry.__table__),
                "uploads": {u.id: (u.filename, u.size, u.sha256, bytes(u.content), u.outcome)
                            for u in s.scalars(select(m.Upload))},
                "tables": {t.name: _rows(s, t) for t in m.Base.metadata.sorted_tables},
            }
    finally:
        engine.dispose()
    return out


def cli_levels(url: str, years: list[int], capsys: pytest.CaptureFixture[str]) -> dict[tuple[int, bool], Any]:
    out = {}
    for y in years:
        for pending in (False, True):
            capsys.readouterr()
            args = ["levels", "--year", str(y), "--json", "--database-url", url]
            assert cli_main([*args, "--include-pending"] if pending else args) == 0
            out[(y, pending)] = json.loads(capsys.readouterr().out)
    return out


def assert_same(before: dict[str, Any], after: dict[str, Any]) -> None:
    assert after["years"] == before["years"] and len(before["years"]) >= 10
    assert after["levels"] == before["levels"]
    assert after["statuses"] == before["statuses"]
    assert after["audit"] == before["audit"]
    assert after["uploads"] == before["uploads"]
    for _id, (_name, size, digest, content, _outcome) in after["uploads"].items():
        assert hashlib.sha256(content).hexdigest() == digest and len(content) == size
    for name, rows in before["tables"].items():
        assert after["tables"][name] == rows, name


def covers_every_case(before: dict[str, Any]) -> None:
    """The populated database holds what the drill is meant to cover."""
    statuses = {e["status"] for y in before["years"] for e in before["statuses"][y]}
    assert {"accepted", "pending", "returned", "none"} <= statuses, statuses
    assert {r[-2] for r in before["audit"]} >= {"ok", "denied"}  # outcome column
    assert {u[4] for u in before["uploads"].values()} >= {"accepted", "rejected"}
    assert len(before["uploads"]) >= 197 and before["tables"]["users"]
    assert before["levels"][(2567, True)] != before["levels"][(2567, False)]  # pending data shows


def still_takes_uploads(url: str, make_data: Any) -> None:
    """The restored copy is usable: a new upload gets fresh ids (sequences restored)."""
    engine = make_engine(url)
    try:
        res = store_submission(engine, make_data("RIL", 2566, n=42), filename="after.xlsx",
                               content=b"after the restore", by=OFFICER)
        assert res.changed and res.status == "pending"
    finally:
        engine.dispose()


def _mb(path: Path) -> str:
    return f"{path.stat().st_size / 2**20:.2f} MB"


# ----------------------------------------------------------------------------- PostgreSQL


def _libpq(url: str) -> str:
    """The SQLAlchemy URL as the PostgreSQL tools take it (no '+psycopg')."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def postgres_drill(sample_url: str, before: dict[str, Any], request: pytest.FixtureRequest, tmp_path: Path,
                   make_data: Any, capsys: pytest.CaptureFixture[str]) -> None:

    dump = tmp_path / "ecocity.dump"
    t0 = time.perf_counter()
    subprocess.run(["pg_dump", "--format=custom", f"--file={dump}", _libpq(sample_url)], check=True,
                   capture_output=True, text=True, timeout=120)
    dumped = time.perf_counter() - t0

    pg = request.getfixturevalue("_pg")
    target = make_url(sample_url).set(database=f"{pg.prefix}_restore")
    env = {**os.environ, **({"PGPASSWORD": target.password} if target.password else {})}
    pg.created.append(target.database)  # dropped at the end of the run, whatever happens
    t0 = time.perf_counter()
    subprocess.run(["createdb", f"--host={target.host or '127.0.0.1'}", f"--port={target.port or 5432}",
                    f"--username={target.username or 'postgres'}", target.database],
                   check=True, capture_output=True, text=True, env=env, timeout=60)
    restored_url = target.render_as_string(hide_password=False)
    done = subprocess.run(["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={_libpq(restored_url)}",
                           str(dump)], capture_output=True, text=True, timeout=120)
    restored = time.perf_counter() - t0
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # no warning either

    try:
        after = report(restored_url)
        assert_same(before, after)
        assert cli_levels(restored_url, before["years"], capsys) == cli_levels(sample_url, before["years"], capsys)
        still_takes_uploads(restored_url, make_data)
    finally:
        pg.drop(restored_url)
    with capsys.disabled():
        print(f"\nbackup drill, PostgreSQL: {len(before['uploads'])} uploads, {len(before['audit'])} audit entries; "
              f"pg_dump {dumped:.2f} s, {_mb(dump)}; createdb + pg_restore {restored:.2f} s")


# ----------------------------------------------------------------------------- SQLite


def sqlite_drill(sample_url: str, before: dict[str, Any], tmp_path: Path, make_data: Any,
                 capsys: pytest.CaptureFixture[str]) -> None:
    source = Path(make_url(sample_url).database or "")

    app = make_engine(sample_url)  # the app holds the database open, mid-use, during both backups
    lines = []
    try:
        with app.connect() as conn:
            conn.exec_driver_sql("SELECT count(*) FROM uploads")
            copies = []

            python_copy = tmp_path / "python-backup.sqlite3"
            t0 = time.perf_counter()
            src, dst = sqlite3.connect(source), sqlite3.connect(python_copy)
            try:
                src.backup(dst)
            finally:
                dst.close()
                src.close()
            lines.append(f"sqlite3.Connection.backup {time.perf_counter() - t0:.2f} s, {_mb(python_copy)}")
            copies.append(python_copy)

            if shutil.which("sqlite3"):
                cli_copy = tmp_path / "ecocity-backup.sqlite3"
                t0 = time.perf_counter()
                subprocess.run(["sqlite3", str(source), f".backup {cli_copy}"], check=True, capture_output=True,
                               timeout=120)
                lines.append(f"sqlite3 .backup {time.perf_counter() - t0:.2f} s, {_mb(cli_copy)}")
                copies.append(cli_copy)
    finally:
        app.dispose()

    for copy in copies:
        # The restore: the backup file, copied into place, is the database.
        restored = tmp_path / f"restored-{copy.name}"
        shutil.copyfile(copy, restored)
        url = f"sqlite:///{restored}"
        assert_same(before, report(url))
        assert cli_levels(url, before["years"], capsys) == cli_levels(sample_url, before["years"], capsys)
        still_takes_uploads(url, make_data)
    with capsys.disabled():
        print(f"\nbackup drill, SQLite ({_mb(source)}): " + "; ".join(lines))


# ----------------------------------------------------------------------------- the drill


def test_a_restored_backup_reports_the_same(backend, sample_url, request, tmp_path, make_data, cheap_hashing,
                                             capsys):
    populate(sample_url, make_data, cheap_hashing)
    before = report(sample_url)
    covers_every_case(before)
    if backend == "postgresql":
        postgres_drill(sample_url, before, request, tmp_path, make_data, capsys)
    else:
        sqlite_drill(sample_url, before, tmp_path, make_data, capsys)


def test_the_readme_cites_the_drill_and_its_commands():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    backups = readme[readme.index("**Backups.**"):readme.index("## The `ecocity` command")]
    assert "tests/unit/test_backup_restore.py" in backups
    for command in ("pg_dump --format=custom", "createdb", "pg_restore --no-owner --exit-on-error --dbname=",
                    '".backup '):
        assert command in backups, command

