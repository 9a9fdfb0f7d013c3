"""Engine, migrations, registry seed, the partial unique index and the data version."""

from __future__ import annotations

import csv
import shutil
import sqlite3
import threading

import pytest
from sqlalchemy import func, inspect, select
from sqlalchemy.exc import IntegrityError

from ecocity.cli import main as cli_main
from ecocity.config import ROOT
from ecocity.core.access import system
from ecocity.store import models as m
from ecocity.store import queries
from ecocity.store.db import data_token, data_version, make_engine, normalise_url, safe_url, session_scope
from ecocity.store.schema import migrate, schema_revision, upgrade
from ecocity.store.versions import store_submission

T = system("t")  # the command-line operator: may store accepted at once (accept=True)

pytestmark = pytest.mark.storage

TABLES = {"provinces", "areas", "estates", "framework_versions", "uploads", "submissions",
          "indicator_values", "assessments", "meta", "alembic_version", "users", "user_estates", "audit_log", "area_targets", "sign_in_throttle",
          "review_notes", "user_areas", "reporting_due", "evidence", "assessments_latest"}


def _count(engine, model) -> int:
    with session_scope(engine) as s:
        return s.scalar(select(func.count()).select_from(model))


def test_migrations_build_the_schema_on_an_empty_database(empty_engine):
    assert schema_revision(empty_engine) is None
    assert inspect(empty_engine).get_table_names() == []
    migrate(empty_engine)
    assert schema_revision(empty_engine) == "0006"
    assert set(inspect(empty_engine).get_table_names()) == TABLES
    assert data_version(empty_engine) == 0  # schema only: no data yet
    assert _count(empty_engine, m.Estate) == 0


def test_upgrade_seeds_the_registry_and_is_idempotent(empty_engine, fw):
    v1 = upgrade(empty_engine)
    assert v1 == 1
    counts = [_count(empty_engine, t) for t in (m.Province, m.Estate, m.Area, m.FrameworkVersion)]
    assert counts == [77, 71, 8, 1]
    assert upgrade(empty_engine) == v1  # second run: no change, same data version
    assert [_count(empty_engine, t) for t in (m.Province, m.Estate, m.Area, m.FrameworkVersion)] == counts
    with session_scope(empty_engine) as s:
        row = s.get(m.FrameworkVersion, fw.version_id)
        assert (row.framework_id, row.version, row.sha256) == (fw.id, fw.version, fw.sha256)


def test_models_and_migrations_agree(engine):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), m.Base.metadata)
    assert diffs == []


def test_registry_rows_match_the_data_files(engine):
    with session_scope(engine) as s:
        mtp = s.get(m.Estate, "MAP-TA-PHUT")
        assert (mtp.province_pcode, mtp.region, mtp.area_code, mtp.source_checked) == (
            "TH21", "East", "RAYONG-MAP-TA-PHUT", True)
        assert mtp.lat == pytest.approx(12.7, abs=0.1)
        unknown = s.get(m.Estate, "PINTHONG-PROJECT-6")  # province not given by the source
        assert (unknown.province_pcode, unknown.lat, unknown.lon, unknown.area_code) == (None, None, None, None)
        assert s.get(m.Province, "TH21").name_th == "ระยอง"
        members = s.scalars(select(m.Estate.code).where(m.Estate.area_code == "RAYONG-PLUAK-DAENG")
                            .order_by(m.Estate.code)).all()
        assert members == ["AMATA-CITY-RAYONG", "EASTERN-SEABOARD-RAYONG"]


def test_registry_change_is_synced_and_bumps_the_data_version(engine, tmp_path, make_data):
    # accepted at once: a pending version would count in no area's assessment
    store_submission(engine, make_data("MAP-TA-PHUT", n=1), filename="a.xlsx", content=b"a", by=T, accept=True)
    store_submission(engine, make_data("PADAENG", n=2), filename="b.xlsx", content=b"b", by=T, accept=True)
    before = data_version(engine)
    data = tmp_path / "data"
    shutil.copytree(ROOT / "data", data)
    rows = list(csv.DictReader((data / "areas.csv").read_text("utf-8").splitlines()))
    for r in rows:  # move PADAENG out of Map Ta Phut into Pluak Daeng
        members = r["estates"].split(";")
        if r["code"] == "RAYONG-MAP-TA-PHUT":
            members.remove("PADAENG")
        if r["code"] == "RAYONG-PLUAK-DAENG":
            members.append("PADAENG")
        r["estates"] = ";".join(members)
    with (data / "areas.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    assert upgrade(engine, data_dir=data) == before + 1
    with session_scope(engine) as s:
        assert s.get(m.Estate, "PADAENG").area_code == "RAYONG-PLUAK-DAENG"
        mtp = s.get(m.Assessment, ("area", "RAYONG-MAP-TA-PHUT", 2566))
        pd = s.get(m.Assessment, ("area", "RAYONG-PLUAK-DAENG", 2566))
        assert mtp.estates == ["MAP-TA-PHUT"]
        assert pd.estates == ["PADAENG"]
    assert upgrade(engine, data_dir=data) == before + 1  # and again: nothing to do


def test_partial_unique_index_allows_one_current_version(engine, fw):
    def sub(version: int, current: bool, year: int = 2566) -> m.Submission:
        return m.Submission(estate_code="MAP-TA-PHUT", fiscal_year=year, version=version, is_current=current,
                            factories=1, submitted_by="x", framework_version=fw.version_id, created_by="x")

    with session_scope(engine) as s:  # many non-current versions, one current, per year
        s.add_all([sub(1, False), sub(2, False), sub(3, True), sub(1, True, year=2567)])
    with pytest.raises(IntegrityError), session_scope(engine) as s:
        s.add(sub(4, True))
    with session_scope(engine) as s:
        assert s.scalar(select(func.count()).select_from(m.Submission).where(m.Submission.is_current)) == 2
        assert s.scalar(select(func.max(m.Submission.version))) == 3


def test_foreign_keys_are_enforced(engine, fw):
    with pytest.raises(IntegrityError), session_scope(engine) as s:
        s.add(m.Submission(estate_code="NO-SUCH-ESTATE", fiscal_year=2566, version=1, is_current=True,
                           factories=1, submitted_by="x", framework_version=fw.version_id, created_by="x"))


def test_two_engines_on_one_database_see_the_same_data_version(db_url, make_data):
    """Replicas: a change through one engine is visible to another at once."""
    a, b = make_engine(db_url), make_engine(db_url)
    try:
        start = data_version(b)
        store_submission(a, make_data(), filename="x.xlsx", content=b"x", by=T)
        assert data_version(b) == start + 1
    finally:
        a.dispose()
        b.dispose()


def test_concurrent_uploads_get_distinct_versions_and_a_complete_area(db_url, make_data):
    """Writers from several threads and engines (like replicas) are serialised: versions
    1..n with one current, and the area aggregates every estate's latest data. Stored
    accepted at once (``accept=True``, the operator), so that each becomes current."""
    engines = [make_engine(db_url) for _ in range(3)]
    jobs = [("MAP-TA-PHUT", n) for n in range(4)] + [("PADAENG", 10), ("RIL", 11)]
    barrier = threading.Barrier(len(jobs))
    errors: list[BaseException] = []

    def run(i: int, estate: str, n: int) -> None:
        try:
            barrier.wait()
            store_submission(engines[i % 3], make_data(estate, n=n), filename=f"{n}.xlsx",
                             content=f"{estate}{n}".encode(), by=T, accept=True)
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=run, args=(i, e, n)) for i, (e, n) in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    try:
        assert errors == []
        with session_scope(engines[0]) as s:
            versions = s.execute(select(m.Submission.version, m.Submission.is_current)
                                 .where(m.Submission.estate_code == "MAP-TA-PHUT")
                                 .order_by(m.Submission.version)).all()
            assert [v for v, _ in versions] == [1, 2, 3, 4]
            assert [c for _, c in versions] == [False, False, False, True]
            area = s.get(m.Assessment, ("area", "RAYONG-MAP-TA-PHUT", 2566))
            assert area.estates == ["MAP-TA-PHUT", "PADAENG", "RIL"]
        assert data_version(engines[0]) == 1 + len(jobs)
    finally:
        for e in engines:
            e.dispose()


# ----------------------------------------------------------------------------- engines


def test_sqlite_engine_settings(tmp_path):
    path = tmp_path / "new" / "folder" / "db.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 10_000
        assert path.parent.is_dir()
    finally:
        engine.dispose()


def test_sqlite_write_transactions_take_the_write_lock_at_begin(tmp_path):
    """A write session holds SQLite's write lock from its first statement, so a reader
    that later writes never hits 'database is locked' mid-transaction."""
    path = tmp_path / "db.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    try:
        migrate(engine)
        other = sqlite3.connect(path, timeout=0, isolation_level=None)
        with session_scope(engine, write=True) as s:
            s.execute(select(1))
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
        other.execute("BEGIN IMMEDIATE")  # released at commit
        other.execute("ROLLBACK")
        other.close()
    finally:
        engine.dispose()


def test_urls_are_normalised_and_passwords_hidden():
    assert normalise_url("postgresql://u:secret@h:5432/db").drivername == "postgresql+psycopg"
    assert normalise_url("postgres://u@h/db").drivername == "postgresql+psycopg"
    assert normalise_url("sqlite:///x.db").drivername == "sqlite"
    shown = safe_url("postgresql+psycopg://u:secret@h:5432/db")
    assert "secret" not in shown and "u:***@h:5432/db" in shown


def test_default_url_is_a_sqlite_file_under_var(monkeypatch):
    monkeypatch.delenv("ECOCITY_DATABASE_URL", raising=False)
    from ecocity.config import settings

    assert normalise_url(settings().database_url).database == str(ROOT / "var" / "ecocity.sqlite3")


# ----------------------------------------------------------------------------- queries


def test_registry_overview_and_estate_names(engine):
    with session_scope(engine) as s:
        ov = queries.registry_overview(s)
        names = queries.estate_names(s)
    areas = {a.code: a for a in ov.areas}
    assert len(areas) == 8
    with (ROOT / "data" / "areas.csv").open(encoding="utf-8") as f:
        for row in csv.DictReader(f):
            assert sorted(e.code for e in areas[row["code"]].estates) == sorted(row["estates"].split(";"))
    mtp = areas["RAYONG-MAP-TA-PHUT"]
    assert (mtp.province_th, mtp.province_en, mtp.region) == ("ระยอง", "Rayong", "East")
    assert mtp.estates[0].province_en == "Rayong"
    assert len(ov.unassigned) == 71 - 21 and all(e.area_code is None for e in ov.unassigned)
    assert len(ov.estates) == 71 and "East" in ov.regions
    assert len(names) == 71
    assert names["MAP-TA-PHUT"] == ("นิคมอุตสาหกรรมมาบตาพุด", "Map Ta Phut IE")


# ----------------------------------------------------------------------------- CLI


def test_cli_db_upgrade_and_version(db_url, capsys):
    assert cli_main(["db", "--database-url", db_url, "upgrade"]) == 0
    out = capsys.readouterr().out
    assert "schema 0006, data version 1" in out
    assert cli_main(["db", "--database-url", db_url, "version"]) == 0
    assert "data version 1" in capsys.readouterr().out


def test_cli_db_upgrade_hides_the_password(tmp_path, capsys, monkeypatch):
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    monkeypatch.setenv("ECOCITY_DATABASE_URL", url)
    assert cli_main(["db", "upgrade"]) == 0
    assert f"database {url}: schema 0006, data version 1" in capsys.readouterr().out
    assert cli_main(["db", "--database-url", "postgresql://u:hunter2@127.0.0.1:1/x", "version"]) == 2
    err = capsys.readouterr().err
    assert "hunter2" not in err and "u:***@" in err


def test_cli_db_version_of_a_missing_database(tmp_path, capsys):
    path = tmp_path / "none.sqlite3"
    assert cli_main(["db", "--database-url", f"sqlite:///{path}", "version"]) == 2
    assert "does not exist" in capsys.readouterr().err
    assert not path.exists()



@pytest.mark.storage
def test_the_data_token_tells_databases_and_data_apart(db_url, tmp_path, make_data):
    """Caches key on the token: it changes with the data and differs between two databases
    even when both are at the same data version (a re-created database restarts at 0)."""
    from ecocity.store import store_submission

    other = make_engine(f"sqlite:///{tmp_path / 'other.sqlite3'}")
    upgrade(other)
    engine = make_engine(db_url)
    try:
        before = data_token(engine)
        db_id, version = before.split(":")
        assert len(db_id) == 32 and int(version) == data_version(engine)
        assert data_token(other).split(":")[0] != db_id
        store_submission(engine, make_data(), filename="a.xlsx", content=b"a", by=T)
        assert data_token(engine) == f"{db_id}:{int(version) + 1}"
    finally:
        other.dispose()
        engine.dispose()


def test_bump_data_version_is_one_atomic_increment(engine):
    """The writer lock is taken once, by write_session: the bump itself is a single
    increment (an UPDATE first, no read-then-write that locks the row again)."""
    from sqlalchemy import event

    from ecocity.store.db import bump_data_version, write_session

    start = data_version(engine)
    seen: list[str] = []

    def statement(conn, cursor, sql, *args):
        seen.append(" ".join(sql.split()).upper())

    with write_session(engine) as (s, current):
        assert current == start
        event.listen(engine, "before_cursor_execute", statement)
        try:
            assert bump_data_version(s) == start + 1
            assert bump_data_version(s) == start + 2
        finally:
            event.remove(engine, "before_cursor_execute", statement)
    assert data_version(engine) == start + 2
    assert seen and all("FOR UPDATE" not in x for x in seen)
    assert seen[0].startswith("UPDATE META SET")
    with session_scope(engine, write=True) as s:  # also safe without write_session's lock
        assert bump_data_version(s) == start + 3
