"""Storage benchmark: store 200 submissions (one transaction each, as uploads are), then
read a year's assessments the way a page does. SQLite always; PostgreSQL too when
ECOCITY_TEST_DATABASE_URL is set (a scratch database is created there and dropped).

    .venv/bin/python bench/bench_store.py
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine

from ecocity.core.access import system
from ecocity.core.framework import load_framework
from ecocity.core.registry import load_registry
from ecocity.core.submission import SubmissionData
from ecocity.store import queries
from ecocity.store.db import make_engine, normalise_url, session_scope
from ecocity.store.schema import upgrade
from ecocity.store.versions import store_submission

N = 200
READS = 50


def submissions(n: int) -> list[SubmissionData]:
    """``n`` submissions spread over every estate and a few fiscal years."""
    fw = load_framework()
    estates = [e.code for e in load_registry().estates]
    out = []
    for k in range(n):
        values: dict[str, float | bool | None] = {}
        for i, ind in enumerate(fw.indicators):
            if ind.is_yesno:
                values[ind.code] = (k + i) % 3 != 0
            elif ind.kind == "percent":
                values[ind.code] = float((31 * k + 17 * i) % 101)
            elif ind.kind == "score":
                values[ind.code] = float(1 + (k + i) % 5)
            else:
                values[ind.code] = float((11 * k + 5 * i) % 80)
        out.append(SubmissionData(estate_code=estates[k % len(estates)], fiscal_year=2564 + (k // len(estates)) % 4,
                                  factories=10 + k % 90, submitted_by="bench", values=values))
    return out


@contextmanager
def sqlite_url() -> Iterator[str]:
    with tempfile.TemporaryDirectory() as d:
        yield f"sqlite:///{Path(d) / 'bench.sqlite3'}"


@contextmanager
def postgres_url(server: str) -> Iterator[str]:
    base = normalise_url(server)
    name = f"ecocity_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def run(label: str, url_cm: Callable[[], object]) -> None:
    data = submissions(N)
    with url_cm() as url:  # type: ignore[attr-defined]
        engine = make_engine(url)
        t0 = time.perf_counter()
        upgrade(engine)
        t_upgrade = time.perf_counter() - t0
        t0 = time.perf_counter()
        for k, d in enumerate(data):
            store_submission(engine, d, filename=f"{k}.xlsx", content=f"bench {k}".encode(), by=system("bench"))
        t_store = time.perf_counter() - t0
        reads = {}
        for kind in ("estate", "area"):
            times = []
            for _ in range(READS):
                t0 = time.perf_counter()
                with session_scope(engine) as s:
                    rows = queries.assessments_for_year(s, 2565, kind)  # type: ignore[arg-type]
                times.append(time.perf_counter() - t0)
            reads[kind] = (statistics.median(times), len(rows))
        engine.dispose()
    print(f"{label:<10} upgrade (migrate + seed) {t_upgrade * 1000:7.1f} ms")
    print(f"{label:<10} store {N} submissions     {t_store:7.2f} s  ({t_store / N * 1000:.1f} ms each)")
    for kind, (t, n) in reads.items():
        print(f"{label:<10} assessments_for_year({kind}) {t * 1000:6.2f} ms median of {READS} ({n} rows)")


def main() -> None:
    run("sqlite", sqlite_url)
    server = os.environ.get("ECOCITY_TEST_DATABASE_URL")
    if server:
        run("postgresql", lambda: postgres_url(server))
    else:
        print("postgresql skipped: set ECOCITY_TEST_DATABASE_URL to include it")


if __name__ == "__main__":
    main()
