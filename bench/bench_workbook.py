"""Workbook benchmark: the full upload check against a naive read of the same sheets.

Generates 200 typical filled workbooks with ``write_submission`` (varied values, some
missing, a few notes), then in one run times:

(a) ``check_workbook`` on each: size and zip-bomb guards, sheet extents, percent formats
    and formulas from the XML, values through python-calamine, every rule of the format;
(b) the naive baseline: ``pandas.read_excel(engine="openpyxl")`` of the General and
    Indicators sheets, with no validation at all;
(c) the floor: a raw python-calamine read of the same two sheets (no checks at all).

Prints milliseconds per workbook for each and the ratios (goals: (a) at least 5x faster
than (b), at most 3x (c)): the best of five passes each, the passes alternating so that
other work on the machine weighs on all. No assertion on time: machines differ.

Then imports the same workbooks as ``ecocity import`` does (files read and checked with
``read_files``, each recorded with ``intake.record``: one transaction per file) into a
fresh SQLite database and, when ECOCITY_BENCH_DATABASE_URL or ECOCITY_TEST_DATABASE_URL
names a PostgreSQL server, into a scratch database created there and dropped afterwards.
Goal: all of them in under 20 s on each. The workbooks are for distinct
(estate, fiscal year) pairs (estate i mod 71, year i mod 9), so every one must be stored
as a new version: the count stored is asserted.

    .venv/bin/python bench/bench_workbook.py [N]
"""

from __future__ import annotations

import io
import os
import random
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from bench_store import postgres_url, sqlite_url  # bench/ is on sys.path when run as a script

if TYPE_CHECKING:
    from ecocity.core.framework import Framework

N = int(sys.argv[1]) if len(sys.argv) > 1 else 200
REPEAT = 5  # best of five passes over all workbooks, for each side
IMPORT_GOAL_S = 20.0  # all 200 imported in under 20 s, SQLite and PostgreSQL


def _workbooks(n: int) -> list[bytes]:
    from ecocity.core.framework import get_framework
    from ecocity.core.registry import estates_from_csv
    from ecocity.core.submission import SubmissionData
    from ecocity.io.workbook.template import write_submission

    fw = get_framework()
    estates = [e.code for e in estates_from_csv()]
    rnd = random.Random(2566)
    out = []
    for i in range(n):
        values: dict[str, float | bool | None] = {}
        for ind in fw.indicators:
            if rnd.random() < 0.08:
                values[ind.code] = None
            elif ind.is_yesno:
                values[ind.code] = rnd.random() < 0.6
            elif ind.kind == "percent":
                values[ind.code] = round(rnd.uniform(1, 100), rnd.choice((0, 1, 2)))
            elif ind.kind == "score":
                values[ind.code] = round(rnd.uniform(ind.min or 1, ind.max or 5), 1)
            else:
                values[ind.code] = float(rnd.randint(0, 200)) if rnd.random() < 0.7 else round(rnd.uniform(0, 50), 2)
        notes = {c: "รายงานประจำปี กนอ." for c in rnd.sample(fw.codes, rnd.randint(0, 3))}
        data = SubmissionData(estate_code=estates[i % len(estates)], fiscal_year=2560 + i % 9,
                              factories=rnd.randint(5, 300), submitted_by="เจ้าหน้าที่ สิ่งแวดล้อม",
                              values=values, email="officer@ieat.go.th", submitted_on=date(2023, 10, 1 + i % 28),
                              notes=notes)
        out.append(write_submission(fw, data))
    return out


def _time(fns: list, items: list[bytes]) -> list[float]:
    """Best total seconds of REPEAT passes for each function. The passes alternate between
    the functions, so a machine busy with other work slows both sides alike."""
    best = [float("inf")] * len(fns)
    for _ in range(REPEAT):
        for i, fn in enumerate(fns):
            t0 = time.perf_counter()
            for content in items:
                fn(content)
            best[i] = min(best[i], time.perf_counter() - t0)
    return best


def main() -> None:
    import pandas as pd

    from ecocity.core.framework import get_framework
    from ecocity.core.registry import estates_from_csv
    from ecocity.io.workbook.reader import check_workbook

    fw = get_framework()
    registry = {e.code: (e.name_th, e.name_en) for e in estates_from_csv()}
    t0 = time.perf_counter()
    books = _workbooks(N)
    made = time.perf_counter() - t0
    size = statistics.mean(len(b) for b in books)
    print(f"{N} workbooks written with write_submission in {made:.1f} s "
          f"({made / N * 1000:.1f} ms each, {size / 1024:.1f} KB each)")

    results = [check_workbook(b, "bench.xlsx", fw, registry) for b in books]  # warm-up + sanity
    accepted = sum(r.accepted for r in results)
    sheets = ["ข้อมูลทั่วไป (General)", "ตัวชี้วัด (Indicators)"]

    def naive(content: bytes) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about data validation extensions
            pd.read_excel(io.BytesIO(content), sheet_name=sheets, engine="openpyxl")

    def raw(content: bytes) -> None:
        from python_calamine import CalamineWorkbook

        book = CalamineWorkbook.from_filelike(io.BytesIO(content))
        for name in sheets:
            book.get_sheet_by_name(name).to_python()

    naive(books[0])
    raw(books[0])
    check, base, floor = _time([lambda c: check_workbook(c, "bench.xlsx", fw, registry), naive, raw], books)
    print(f"accepted by the check: {accepted}/{N}")
    print(f"(a) check_workbook                         {check / N * 1000:7.2f} ms per workbook")
    print(f"(b) pandas.read_excel(engine='openpyxl')   {base / N * 1000:7.2f} ms per workbook (no validation)")
    print(f"(c) python-calamine, the same two sheets   {floor / N * 1000:7.2f} ms per workbook (the floor: a raw read)")
    print(f"ratio (b)/(a): {base / check:.1f}x (goal: at least 5x)")
    print(f"ratio (a)/(c): {check / floor:.1f}x (goal: at most 3x)")

    pairs = {(r.estate, r.fiscal_year) for r in results}
    assert len(pairs) == N, f"{N - len(pairs)} workbooks repeat an (estate, fiscal year) pair"
    with tempfile.TemporaryDirectory() as d:
        paths = []
        for i, content in enumerate(books):
            path = Path(d) / f"bench-{i:03d}.xlsx"
            path.write_bytes(content)
            paths.append(path)
        _import("sqlite", sqlite_url, paths, fw)
        server = os.environ.get("ECOCITY_BENCH_DATABASE_URL") or os.environ.get("ECOCITY_TEST_DATABASE_URL")
        if server:
            _import("postgresql", lambda: postgres_url(server), paths, fw)
        else:
            print("import into postgresql skipped: set ECOCITY_BENCH_DATABASE_URL or ECOCITY_TEST_DATABASE_URL")


def _import(label: str, url_cm: Callable[[], AbstractContextManager[str]], paths: list[Path],
            fw: Framework) -> None:
    """``ecocity import`` of every file into a fresh database: check, then record."""
    from sqlalchemy import func, select

    from ecocity.cli.workbook import read_files
    from ecocity.core.access import system
    from ecocity.flows.intake import estates_of, record
    from ecocity.store.db import make_engine, session_scope
    from ecocity.store.models import Submission
    from ecocity.store.schema import upgrade

    with url_cm() as url:
        engine = make_engine(url)
        try:
            t0 = time.perf_counter()
            upgrade(engine, framework=fw)
            estates = estates_of(engine)
            t_upgrade = time.perf_counter() - t0
            kinds: dict[str, int] = {}
            t0 = time.perf_counter()
            for path, content, res in read_files(paths, fw, estates):
                outcome = record(engine, res, filename=path.name, content=content, by=system("bench"), fw=fw)
                kinds[outcome.kind] = kinds.get(outcome.kind, 0) + 1
            took = time.perf_counter() - t0
            with session_scope(engine) as s:
                stored = s.execute(select(func.count()).select_from(Submission)).scalar_one()
        finally:
            engine.dispose()
    n = len(paths)
    verdict = "ok" if took < IMPORT_GOAL_S else "OVER"
    print(f"import into {label:<10} {took:6.2f} s for {n} ({took / n * 1000:.1f} ms per workbook; "
          f"goal < {IMPORT_GOAL_S:.0f} s: {verdict}); stored {stored}/{n} {kinds}; "
          f"migrate + seed {t_upgrade:.2f} s not counted")
    assert kinds == {"stored": n} and stored == n, f"{label}: not every workbook was stored: {kinds}, {stored} rows"


if __name__ == "__main__":
    main()
