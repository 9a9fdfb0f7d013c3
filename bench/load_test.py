"""Load test: many viewers and several uploaders at once on two replicas of the dashboard.

Two `streamlit run app.py` replicas on one PostgreSQL database holding the sample data
(a scratch database created on the server and dropped afterwards), loopback only:

- viewers: simulated browsers speaking Streamlit's own websocket protocol to
  ``ws://127.0.0.1:PORT/_stcore/stream`` (viewer i on replica i mod 2). Each keeps one
  session and opens pages one after the other as in-app navigation does: a ``BackMsg``
  ``rerun_script`` naming the page (``page_name`` = its url path) and its query string,
  then reads ``ForwardMsg``s until ``script_finished``. A page time is from sending the
  rerun to its ``script_finished``: what the browser waits for, server side plus the
  socket. An error is a failed connection, a timeout, an exception element, an error
  box (``st.error``), a page not found, a compile error, or a page that drew nothing.
- uploaders: real workbooks (variants of data/sample files with changed values, each
  checked to be accepted and distinct before the run) checked and stored by
  ``intake.check_file`` + ``intake.record`` with officer actors, in a separate process
  (one thread per uploader), against the same database, while the viewers run. All
  uploaders start their first upload at the same moment, the same estate and year
  (MAP-TA-PHUT 2566), then spread the rest over the run. This is the storage path a
  confirmed upload takes (the page calls the same two functions); the browser's file
  upload itself is not driven here.

Afterwards every upload is verified in the database (its upload row accepted and a
version created from it; versions of each estate and year numbered 1..n with one
current), and the replicas' logs are searched for tracebacks.

Printed: requests, errors, uploads stored, page times p50/p95/max per page under load,
and the same pages on the idle replicas before the load (cold: right after the data
version changed, as after any upload; warm: the same session again).

    .venv/bin/python bench/load_test.py [--viewers 20] [--uploaders 5] [--duration 60]
                                        [--uploads-each 4] [--database-url URL]

The server is ECOCITY_BENCH_DATABASE_URL, else ECOCITY_TEST_DATABASE_URL, else
postgresql+psycopg://postgres@127.0.0.1:5432/test; it must be on this machine.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import contextlib
import dataclasses
import math
import multiprocessing
import os
import re
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Coroutine, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parents[1]
T = TypeVar("T")
SAMPLE_DIR = ROOT / "data" / "sample"
DEFAULT_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
SERVER_START_TIMEOUT = 120.0
PAGE_TIMEOUT = 90.0
YEAR = 2566
SHARED_ESTATE = "MAP-TA-PHUT"  # every uploader's first upload: one estate and year at once
# The same cookie secret on every replica, as a deployment behind a proxy needs (st.login).
COOKIE_SECRET = "ecocity-load-test-" + uuid.uuid4().hex


@dataclass(frozen=True)
class Page:
    name: str
    path: str  # url path of the page ('' for the default page, the Overview)
    query: str


PAGES: tuple[Page, ...] = (
    Page("overview", "", f"year={YEAR}"),
    Page("area", "area", f"area=RAYONG-MAP-TA-PHUT&year={YEAR}"),
    Page("estate", "estate", f"estate={SHARED_ESTATE}&year={YEAR}"),
    Page("indicators", "indicators", f"year={YEAR}"),
)


# ----------------------------------------------------------------------------- database


def _is_loopback(url: Any) -> bool:
    return (url.host or "localhost") in LOOPBACK


@contextlib.contextmanager
def scratch_database(server_url: str) -> Iterator[str]:
    """A new database on the server of ``server_url``, migrated and holding the sample
    data; dropped afterwards (connections closed by force)."""
    from sqlalchemy import create_engine

    from ecocity.store.db import normalise_url

    base = normalise_url(server_url)
    if base.get_backend_name() != "postgresql" or not _is_loopback(base):
        raise SystemExit(f"the load test needs a PostgreSQL server on this machine, not {base!r}")
    admin = create_engine(base, isolation_level="AUTOCOMMIT", pool_size=1)
    name = f"ecocity_load_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    url = base.set(database=name).render_as_string(hide_password=False)
    try:
        prepare_database(url)
        yield url
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def server_reachable(server_url: str) -> bool:
    from sqlalchemy import create_engine
    from sqlalchemy.exc import SQLAlchemyError

    from ecocity.store.db import normalise_url

    engine = create_engine(normalise_url(server_url), pool_size=1, connect_args={"connect_timeout": 5})
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
        return True
    except SQLAlchemyError:
        return False
    finally:
        engine.dispose()


def prepare_database(url: str) -> None:
    """Migrate the empty database at ``url`` and load the sample data into it."""
    from ecocity.access import system
    from ecocity.framework import load_framework
    from ecocity.sample_cli import UPLOADED_BY, load_sample
    from ecocity.store.db import make_engine, upgrade

    engine = make_engine(url)
    try:
        upgrade(engine)
        report = load_sample(engine, SAMPLE_DIR, load_framework(), by=system(UPLOADED_BY))
        if report.rejected or report.stored != report.total:
            raise RuntimeError(f"the sample did not load: {report}")
    finally:
        engine.dispose()


def bump_data_version(db_url: str) -> None:
    """What every upload does to the caches (a new data token), without storing anything."""
    from ecocity.store.db import bump_data_version as bump
    from ecocity.store.db import make_engine, write_session

    engine = make_engine(db_url)
    try:
        with write_session(engine) as (s, _):
            bump(s)
    finally:
        engine.dispose()


# ----------------------------------------------------------------------------- replicas


@contextlib.contextmanager
def replicas(db_url: str, count: int, workdir: Path) -> Iterator[list[tuple[str, Path]]]:
    """``count`` `streamlit run app.py` processes on 127.0.0.1 against ``db_url``, sharing
    one cookie secret: yields [(base URL, log file)] once all are healthy."""
    from ecocity.devserver import serve_many

    env = {"ECOCITY_DATABASE_URL": db_url, "ECOCITY_LANG": "th", "ECOCITY_ANONYMOUS_VIEW": "1",
           "STREAMLIT_SERVER_COOKIE_SECRET": COOKIE_SECRET}
    logs = [workdir / f"replica-{i}.log" for i in range(count)]
    with serve_many([env] * count, logs, timeout=SERVER_START_TIMEOUT) as urls:
        yield list(zip(urls, logs, strict=True))


def log_problems(log_path: Path) -> list[str]:
    """Tracebacks and error lines a replica wrote to its log."""
    text = log_path.read_text(errors="replace")
    return [line for line in text.splitlines() if re.search(r"Traceback|\bERROR\b|Exception", line)]


# ----------------------------------------------------------------------------- viewers


@dataclass(frozen=True)
class PageRun:
    page: str
    replica: int
    seconds: float
    error: str | None = None
    elements: int = 0


def _ws_url(base: str) -> str:
    return base.replace("http://", "ws://", 1) + "/_stcore/stream"


async def _connect(base: str) -> Any:
    from websockets.asyncio.client import connect
    from websockets.typing import Subprotocol

    return await connect(_ws_url(base), subprotocols=[Subprotocol("streamlit")], max_size=None,
                         proxy=None, open_timeout=30, ping_interval=None)


def _rerun(page: Page) -> bytes:
    from streamlit.proto.BackMsg_pb2 import BackMsg

    msg = BackMsg()
    cs = msg.rerun_script
    cs.query_string = page.query
    cs.page_name = page.path
    cs.page_script_hash = ""
    cs.context_info.timezone = "Asia/Bangkok"
    cs.context_info.timezone_offset = -420
    cs.context_info.locale = "th-TH"
    return msg.SerializeToString()


def _problem_in(msg: Any) -> str | None:
    """What is wrong in one ForwardMsg, if anything."""
    kind = msg.WhichOneof("type")
    if kind == "page_not_found":
        return "page not found"
    if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
        el = msg.delta.new_element
        what = el.WhichOneof("type")
        if what == "exception":
            return f"exception on the page: {el.exception.type}: {el.exception.message[:200]}"
        if what == "alert" and el.alert.format == el.alert.ERROR:
            return f"error box on the page: {el.alert.body[:200]}"
    return None


async def open_page(ws: Any, page: Page, timeout: float = PAGE_TIMEOUT) -> tuple[float, str | None, int]:
    """Run ``page`` in the session of ``ws``: (seconds until script_finished, problem or
    None, elements drawn)."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    t0 = time.perf_counter()
    await ws.send(_rerun(page))
    problem: str | None = None
    elements = 0
    async with asyncio.timeout(timeout):
        while True:
            msg = ForwardMsg.FromString(await ws.recv())
            problem = problem or _problem_in(msg)
            if msg.WhichOneof("type") == "delta" and msg.delta.WhichOneof("type") == "new_element":
                elements += 1
            if msg.WhichOneof("type") == "script_finished":
                status = msg.script_finished
                if status == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                    problem = problem or "compile error"
                    break
                if status == ForwardMsg.FINISHED_SUCCESSFULLY:
                    break
                # FINISHED_EARLY_FOR_RERUN (the page called st.rerun): its next run follows.
    seconds = time.perf_counter() - t0
    if problem is None and elements < 3:
        problem = f"the page drew {elements} elements"
    return seconds, problem, elements


async def _viewer(i: int, bases: Sequence[str], pages: Sequence[Page], *, opens: int | None,
                  deadline: float | None, out: list[PageRun]) -> None:
    """One simulated browser: opens pages in turn until ``opens`` are done or ``deadline``."""
    replica = i % len(bases)
    ws = None
    k = 0
    try:
        while (opens is None or k < opens) and (deadline is None or time.monotonic() < deadline):
            page = pages[(i + k) % len(pages)]
            k += 1
            t0 = time.perf_counter()
            try:
                if ws is None:
                    ws = await _connect(bases[replica])
                seconds, problem, n = await open_page(ws, page)
                out.append(PageRun(page.name, replica, seconds, problem, n))
            except Exception as e:  # noqa: BLE001 - every failure is counted, then a new session
                out.append(PageRun(page.name, replica, time.perf_counter() - t0, f"{type(e).__name__}: {e}"))
                if ws is not None:
                    with contextlib.suppress(Exception):
                        await ws.close()
                ws = None
    finally:
        if ws is not None:
            with contextlib.suppress(Exception):
                await ws.close()


async def _viewers(n: int, bases: Sequence[str], pages: Sequence[Page], *, opens: int | None,
                   duration: float | None) -> list[PageRun]:
    out: list[PageRun] = []
    deadline = time.monotonic() + duration if duration is not None else None
    await asyncio.gather(*(_viewer(i, bases, pages, opens=opens, deadline=deadline, out=out) for i in range(n)))
    return out


def _in_own_loop(make: Callable[[], Coroutine[Any, Any, T]]) -> T:
    """Run a coroutine in a new event loop on a thread of its own: the caller's thread may
    already run a loop (Playwright's sync API in the same pytest session does)."""
    with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="viewers") as pool:
        return pool.submit(lambda: asyncio.run(make())).result()


def run_viewers(n: int, bases: Sequence[str], pages: Sequence[Page] = PAGES, *, opens: int | None = None,
                duration: float | None = None) -> list[PageRun]:
    return _in_own_loop(lambda: _viewers(n, bases, pages, opens=opens, duration=duration))


# ----------------------------------------------------------------------------- uploaders


@dataclass(frozen=True)
class UploadJob:
    uploader: int
    estate: str
    filename: str
    content: bytes
    at: float  # seconds after the start


@dataclass(frozen=True)
class UploadDone:
    uploader: int
    estate: str
    filename: str
    kind: str  # intake.Outcome.kind
    upload_id: int | None
    version: int | None
    seconds: float
    error: str | None = None


def _vary(fw: Any, data: Any, uploader: int, k: int) -> Any:
    """``data`` with changed values: percentages moved by a few points (within 0-100)
    and one yes/no answer flipped, different for each (uploader, k)."""
    values = dict(data.values)
    flipped = False
    for n, ind in enumerate(fw.indicators):
        v = values.get(ind.code)
        if v is None:
            continue
        if ind.kind == "percent" and not isinstance(v, bool):
            step = ((uploader * 7 + k * 3 + n) % 9) - 4 or 5
            lo, hi = ind.min if ind.min is not None else 0.0, ind.max if ind.max is not None else 100.0
            values[ind.code] = float(min(hi, max(lo, round(float(v) + step, 1))))
        elif ind.is_yesno and not flipped and (n + uploader + k) % 3 == 0:
            values[ind.code] = not v
            flipped = True
    return dataclasses.replace(data, values=values, submitted_by=f"Load test officer {uploader}",
                               email=f"officer{uploader}@example.org")


def upload_jobs(uploaders: int, uploads_each: int, duration: float) -> list[UploadJob]:
    """Workbooks to upload: uploader u's first is a variant of MAP-TA-PHUT 2566 (all at
    t=0, the same estate and year), the others variants of other estates' 2566 files,
    spread over ``duration``. Each is checked to be accepted, and all differ."""
    from ecocity.framework import load_framework
    from ecocity.intake import check_file
    from ecocity.workbook.template import write_submission

    fw = load_framework()
    estates_reg = _estate_registry()
    others = sorted(p for p in SAMPLE_DIR.glob(f"{YEAR}_*.xlsx") if "_v" not in p.stem
                    and p.stem != f"{YEAR}_{SHARED_ESTATE}")
    jobs: list[UploadJob] = []
    seen: set[bytes] = set()
    for u in range(uploaders):
        for k in range(uploads_each):
            path = SAMPLE_DIR / f"{YEAR}_{SHARED_ESTATE}.xlsx" if k == 0 else others[(u * uploads_each + k) % len(others)]
            base = check_file(path.read_bytes(), path.name, fw, estates_reg)
            assert base.accepted and base.submission is not None, path
            data = _vary(fw, base.submission, u, k)
            content = write_submission(fw, data)
            name = f"load-u{u}-k{k}_{path.name}"
            check = check_file(content, name, fw, estates_reg)
            if not check.accepted:
                raise RuntimeError(f"variant {name} is rejected: {[m.text('en') for m in check.errors]}")
            if content in seen:
                raise RuntimeError(f"variant {name} repeats another one")
            seen.add(content)
            at = 0.0 if k == 0 else duration * k / uploads_each
            jobs.append(UploadJob(u, data.estate_code, name, content, at))
    return jobs


def _estate_registry() -> dict[str, tuple[str, str]]:
    """code -> (name_th, name_en) from the registry file, for checking without a database."""
    import csv

    with (ROOT / "data" / "ieat-estates.csv").open(encoding="utf-8") as f:
        return {r["code"]: (r["name_th"], r["name_en"]) for r in csv.DictReader(f)}


def _upload_worker(db_url: str, jobs: Sequence[UploadJob], start: Any, results: Any) -> None:
    """Child process: one thread per uploader, all released together at ``start``."""
    from ecocity.access import Actor
    from ecocity.framework import load_framework
    from ecocity.intake import check_file, estates_of, record
    from ecocity.store.db import make_engine

    fw = load_framework()
    by_uploader: dict[int, list[UploadJob]] = {}
    for job in jobs:
        by_uploader.setdefault(job.uploader, []).append(job)
    barrier = threading.Barrier(len(by_uploader) + 1)
    done: list[UploadDone] = []

    def uploader(u: int, mine: list[UploadJob]) -> None:
        engine = make_engine(db_url)
        actor = Actor(username=f"load-officer-{u}", role="officer",
                      estates=frozenset(j.estate for j in mine))
        try:
            estates = estates_of(engine)
            barrier.wait()
            t0 = time.monotonic()
            for job in sorted(mine, key=lambda j: j.at):
                time.sleep(max(0.0, t0 + job.at - time.monotonic()))
                s0 = time.perf_counter()
                try:
                    result = check_file(job.content, job.filename, fw, estates)
                    out = record(engine, result, filename=job.filename, content=job.content, by=actor, fw=fw)
                    version = out.store.version if out.store is not None else None
                    err = None if out.kind == "stored" else out.message("en")
                    done.append(UploadDone(u, job.estate, job.filename, out.kind, out.upload_id, version,
                                           time.perf_counter() - s0, err))
                except Exception as e:  # noqa: BLE001 - counted as an error
                    done.append(UploadDone(u, job.estate, job.filename, "error", None, None,
                                           time.perf_counter() - s0, f"{type(e).__name__}: {e}"))
        finally:
            engine.dispose()

    threads = [threading.Thread(target=uploader, args=(u, mine)) for u, mine in sorted(by_uploader.items())]
    for t in threads:
        t.start()
    start.wait()  # the viewers are running
    barrier.wait()
    for t in threads:
        t.join()
    results.put([dataclasses.asdict(d) for d in done])


class Uploaders:
    """The uploaders in a process of their own (their checks and stores must not share the
    viewers' interpreter, whose page times would then include them)."""

    def __init__(self, db_url: str, jobs: Sequence[UploadJob]):
        ctx = multiprocessing.get_context("spawn")
        self._start = ctx.Event()
        self._results = ctx.Queue()
        self._proc = ctx.Process(target=_upload_worker, args=(db_url, list(jobs), self._start, self._results),
                                 daemon=True)
        self._proc.start()

    def go(self) -> None:
        self._start.set()

    def results(self, timeout: float) -> list[UploadDone]:
        try:
            raw = self._results.get(timeout=timeout)
        finally:
            self._proc.join(timeout=10)
            if self._proc.is_alive():
                self._proc.kill()
        return [UploadDone(**r) for r in raw]


@dataclass
class StoredCheck:
    stored_rows: int  # uploads whose row is 'accepted' and that created a version
    problems: list[str] = field(default_factory=list)


def verify_uploads(db_url: str, done: Sequence[UploadDone]) -> StoredCheck:
    """Count in the database what the uploaders were told was stored, and check the
    versions of every estate and year they touched."""
    from sqlalchemy import func, select

    from ecocity.store import models as m
    from ecocity.store.db import make_engine, session_scope

    ids = [d.upload_id for d in done if d.kind == "stored" and d.upload_id is not None]
    engine = make_engine(db_url)
    problems: list[str] = []
    try:
        with session_scope(engine) as s:
            rows = s.execute(select(m.Upload.id, m.Upload.outcome, m.Submission.version, m.Submission.estate_code)
                             .join(m.Submission, m.Submission.upload_id == m.Upload.id)
                             .where(m.Upload.id.in_(ids))).all() if ids else []
            stored = [r for r in rows if r.outcome == "accepted"]
            by_id = {r.id: r for r in stored}
            for d in done:
                if d.kind == "stored" and (d.upload_id not in by_id or by_id[d.upload_id].version != d.version):
                    problems.append(f"{d.filename}: reported as version {d.version}, not so in the database")
            for estate in sorted({d.estate for d in done}):
                vs = s.execute(select(m.Submission.version, m.Submission.is_current)
                               .where(m.Submission.estate_code == estate, m.Submission.fiscal_year == YEAR)
                               .order_by(m.Submission.version)).all()
                if [v for v, _ in vs] != list(range(1, len(vs) + 1)) or sum(c for _, c in vs) != 1:
                    problems.append(f"{estate} {YEAR}: versions {[tuple(v) for v in vs]}")
                if vs and not vs[-1].is_current:
                    problems.append(f"{estate} {YEAR}: the newest version is not the current one")
            n_logged = s.scalar(select(func.count()).select_from(m.Upload).where(m.Upload.id.in_(ids))) if ids else 0
            if n_logged != len(ids):
                problems.append(f"{len(ids)} uploads reported stored, {n_logged} in the upload log")
    finally:
        engine.dispose()
    return StoredCheck(len(stored), problems)


# ----------------------------------------------------------------------------- figures


def pct(xs: Sequence[float], q: float) -> float:
    """The q-th percentile (nearest rank) of ``xs``."""
    s = sorted(xs)
    return s[max(0, math.ceil(q / 100 * len(s)) - 1)]


def table(runs: Sequence[PageRun], pages: Sequence[Page] = PAGES) -> list[str]:
    lines = [f"  {'page':<12}{'n':>6}{'p50 ms':>10}{'p95 ms':>10}{'max ms':>10}"]
    for p in pages:
        xs = [r.seconds * 1000 for r in runs if r.page == p.name and r.error is None]
        if xs:
            lines.append(f"  {p.name:<12}{len(xs):>6}{statistics.median(xs):>10.0f}{pct(xs, 95):>10.0f}"
                         f"{max(xs):>10.0f}")
        else:
            lines.append(f"  {p.name:<12}{0:>6}{'-':>10}{'-':>10}{'-':>10}")
    return lines


@dataclass
class Report:
    viewers: int
    uploaders: int
    seconds: float
    runs: list[PageRun]
    uploads: list[UploadDone]
    check: StoredCheck
    log_problems: list[str]
    pages: Sequence[Page] = PAGES
    idle_cold: list[PageRun] = field(default_factory=list)
    idle_warm: list[PageRun] = field(default_factory=list)

    @property
    def errors(self) -> list[str]:
        out = [f"{r.page} (replica {r.replica}): {r.error}" for r in self.runs if r.error]
        out += [f"upload {d.filename}: {d.kind} {d.error or ''}" for d in self.uploads if d.kind != "stored"]
        return out + self.check.problems + [f"server log: {line}" for line in self.log_problems]

    def lines(self) -> list[str]:
        up_s = [d.seconds * 1000 for d in self.uploads if d.kind == "stored"]
        out = [f"load: {self.viewers} viewers on 2 replicas, {self.uploaders} uploaders, {self.seconds:.0f} s",
               f"requests (page opens): {len(self.runs)}, {len(self.runs) / self.seconds:.1f}/s",
               f"errors: {len(self.errors)}",
               f"uploads: {len(self.uploads)} sent, {sum(d.kind == 'stored' for d in self.uploads)} reported "
               f"stored, {self.check.stored_rows} stored in the database"]
        if up_s:
            out.append(f"upload (check + store) ms: p50 {statistics.median(up_s):.0f}, "
                       f"p95 {pct(up_s, 95):.0f}, max {max(up_s):.0f}")
        out.append("page times under load:")
        out += table(self.runs, self.pages)
        if self.idle_cold or self.idle_warm:
            out.append("the same pages, one viewer, idle replicas, cold (right after a data change):")
            out += table(self.idle_cold, self.pages)
            out.append("idle, warm (the same session again):")
            out += table(self.idle_warm, self.pages)
        for e in self.errors[:20]:
            out.append(f"  ERROR {e}")
        return out


def idle_times(db_url: str, bases: Sequence[str], cold: int, warm: int,
               pages: Sequence[Page] = PAGES) -> tuple[list[PageRun], list[PageRun]]:
    """Each page alone on an idle replica: ``cold`` runs each right after a data-version
    change, then ``warm`` reruns in the same session."""

    async def go() -> tuple[list[PageRun], list[PageRun]]:
        c: list[PageRun] = []
        w: list[PageRun] = []
        ws = await _connect(bases[0])
        try:
            for page in pages:
                for _ in range(cold):
                    await asyncio.to_thread(bump_data_version, db_url)
                    s, err, n = await open_page(ws, page)
                    c.append(PageRun(page.name, 0, s, err, n))
                for _ in range(warm):
                    s, err, n = await open_page(ws, page)
                    w.append(PageRun(page.name, 0, s, err, n))
        finally:
            await ws.close()
        return c, w

    return _in_own_loop(go)


def load(db_url: str, bases: Sequence[str], logs: Sequence[Path], *, viewers: int, uploaders: int,
         uploads_each: int, duration: float | None, opens: int | None,
         pages: Sequence[Page] = PAGES) -> Report:
    """The load itself on running replicas: viewers and uploaders at once."""
    spread = duration if duration is not None else 0.0
    jobs = upload_jobs(uploaders, uploads_each, spread * 0.8)
    ups = Uploaders(db_url, jobs)
    t0 = time.monotonic()
    ups.go()
    runs = run_viewers(viewers, bases, pages, opens=opens, duration=duration)
    done = ups.results(timeout=PAGE_TIMEOUT + spread + 60)
    seconds = time.monotonic() - t0
    check = verify_uploads(db_url, done)
    problems = [f"{p.name}: {line}" for p in logs for line in log_problems(p)]
    if len(done) != len(jobs):
        check.problems.append(f"{len(jobs)} uploads planned, {len(done)} done")
    return Report(viewers, uploaders, seconds, runs, done, check, problems, pages)


def warm_up(running: Sequence[tuple[str, Path]], pages: Sequence[Page] = PAGES) -> None:
    """Open every page once on every replica (module imports, the engine, first caches)."""
    for base, log_path in running:
        errs = [r for r in run_viewers(1, [base], pages, opens=len(pages)) if r.error]
        if errs:
            raise RuntimeError(f"warm-up failed on {base}: {errs}\nits log:\n{log_path.read_text()[-6000:]}")


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--viewers", type=int, default=20)
    ap.add_argument("--uploaders", type=int, default=5)
    ap.add_argument("--uploads-each", type=int, default=4, help="uploads per uploader (default 4)")
    ap.add_argument("--duration", type=float, default=60.0, help="seconds of load (default 60)")
    ap.add_argument("--replicas", type=int, default=2)
    ap.add_argument("--pages", default=",".join(p.name for p in PAGES),
                    help=f"pages to open (default all: {','.join(p.name for p in PAGES)})")
    ap.add_argument("--database-url", default=os.environ.get("ECOCITY_BENCH_DATABASE_URL")
                    or os.environ.get("ECOCITY_TEST_DATABASE_URL") or DEFAULT_SERVER,
                    help="PostgreSQL server (on this machine) to create the scratch database on")
    args = ap.parse_args(argv)
    if not 1 <= args.duration <= 300:
        ap.error("--duration must be between 1 and 300 seconds")
    wanted = args.pages.split(",")
    pages = [p for p in PAGES if p.name in wanted]
    if len(pages) != len(wanted):
        ap.error(f"--pages: choose from {', '.join(p.name for p in PAGES)}")

    if not server_reachable(args.database_url):
        print(f"load test skipped: no PostgreSQL server at {args.database_url} "
              "(set ECOCITY_BENCH_DATABASE_URL or ECOCITY_TEST_DATABASE_URL)")
        return 0
    t = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="ecocity-load-") as tmp, \
            scratch_database(args.database_url) as db_url:
        print(f"scratch database with the sample data: {time.perf_counter() - t:.1f} s", flush=True)
        with replicas(db_url, args.replicas, Path(tmp)) as running:
            bases = [u for u, _ in running]
            print(f"replicas: {', '.join(bases)}", flush=True)
            warm_up(running, pages)
            cold, warm = idle_times(db_url, bases, cold=3, warm=5, pages=pages)
            report = load(db_url, bases, [p for _, p in running], viewers=args.viewers,
                          uploaders=args.uploaders, uploads_each=args.uploads_each,
                          duration=args.duration, opens=None, pages=pages)
            report.idle_cold, report.idle_warm = cold, warm
    for line in report.lines():
        print(line)
    return 1 if report.errors else 0


if __name__ == "__main__":
    sys.exit(main())
