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
- uploaders: officers in simulated browsers on the same protocol (uploader u on replica
  u mod 2), each with an account made for the run (``load-officer-<u>``, responsible for
  the estates of its workbooks). Before the load each signs in through the sign-in page's
  form (the widget ids are learnt from the page run's elements; one rerun carries the
  user name, the password and the submit button's click) and lands on the Upload page; the
  sign-in lives in that websocket session, which the uploader keeps. An upload is what the
  frontend does: a ``file_urls_request`` BackMsg for the upload URL, a multipart PUT of
  the workbook to ``/_stcore/upload_file/<session>/<file id>`` (XSRF cookie echoed in the
  X-Xsrftoken header), a rerun with the file uploader's state (the page checks the file
  and offers its confirm button), a rerun with the confirm button's click (the page
  stores the file, then shows the outcome and the version). Its time is from asking for
  the upload URL to that last run's ``script_finished``. Then "new batch" empties the
  uploader for the next file. The workbooks are real (variants of data/sample files with
  changed values, each checked to be accepted and distinct before the run). All
  uploaders start their first upload at the same moment, the same estate and year
  (MAP-TA-PHUT 2566), then spread the rest over the run. The servers do the checks and
  the stores, so the uploaders no longer need a process of their own (that kept checks
  and stores run here out of the viewers' interpreter): they are asyncio tasks in the
  viewers' event loop, the client side of an upload being as light as a page open.

Afterwards every upload is verified in the database (found by its file name: one upload
row, accepted, by its officer, and the version the page reported created from it;
versions of each estate and year numbered 1..n with one current), and the replicas' logs
are searched for tracebacks.

Printed: requests, errors, uploads stored, upload times, page times p50/p95/max per page
under load, and the same pages on the idle replicas before the load (cold: right after
the data version changed, as after any upload; warm: the same session again).

    .venv/bin/python bench/load_test.py [--viewers 20] [--uploaders 5] [--duration 60]
                                        [--uploads-each 4] [--database-url URL]

The server is ECOCITY_BENCH_DATABASE_URL, else ECOCITY_TEST_DATABASE_URL, else
postgresql+psycopg://postgres@127.0.0.1:5432/test; it must be on this machine. The
replicas run the app.py of the checkout the ``ecocity`` package is imported from
(``tests/helpers/devserver.py``): from another checkout (a git worktree) set PYTHONPATH=src.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import contextlib
import dataclasses
import math
import os
import re
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Coroutine, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # helpers.devserver
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
LANG = "th"  # the uploaders' pages (the replicas' language too)
OFFICER_PASSWORD = "load-test-" + uuid.uuid4().hex  # every officer account's, for this run only
XSRF_COOKIE = "_streamlit_xsrf"  # streamlit.web.server.starlette.starlette_server_config.XSRF_COOKIE_NAME
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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
    from ecocity.cli.sample import UPLOADED_BY, load_sample
    from ecocity.core.access import system
    from ecocity.core.framework import load_framework
    from ecocity.store.db import make_engine
    from ecocity.store.schema import upgrade

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
    from helpers.devserver import APP, serve_many

    if APP.resolve() != (ROOT / "app.py").resolve():  # e.g. a git worktree without PYTHONPATH=src
        print(f"note: the replicas run {APP}, not {ROOT / 'app.py'}", file=sys.stderr, flush=True)
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


@dataclass
class ScriptRun:
    """What the browser saw of one script run (and the runs an ``st.rerun`` or
    ``st.switch_page`` chained to it): the widgets and alerts are the last run's."""

    seconds: float
    problem: str | None
    elements: int
    widgets: dict[str, Any] = field(default_factory=dict)  # element id -> the widget's proto
    alerts: list[tuple[int, str]] = field(default_factory=list)  # (Alert.format, body)
    page_script_hash: str = ""
    query_string: str | None = None  # set when the run changed the page's address
    session_id: str = ""

    def widget(self, key: str) -> str | None:
        """The id of the widget with the user key ``key``: Streamlit makes an element id
        '$$ID-<hash>-<key>', and the id is what the browser sends back."""
        return next((i for i in self.widgets if i.endswith(f"-{key}")), None)

    def texts(self, fmt: int) -> list[str]:
        return [body for f, body in self.alerts if f == fmt]


async def run_script(ws: Any, back_msg: bytes, timeout: float = PAGE_TIMEOUT) -> ScriptRun:
    """Send ``back_msg`` (a rerun) and read ForwardMsgs until the run has finished."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    t0 = time.perf_counter()
    await ws.send(back_msg)
    run = ScriptRun(0.0, None, 0)
    async with asyncio.timeout(timeout):
        while True:
            msg = ForwardMsg.FromString(await ws.recv())
            run.problem = run.problem or _problem_in(msg)
            kind = msg.WhichOneof("type")
            if kind == "new_session":  # sent when each run starts
                run.session_id = msg.new_session.initialize.session_id or run.session_id
                run.widgets, run.alerts = {}, []
            elif kind == "navigation":  # st.navigation: the page this run shows
                run.page_script_hash = msg.navigation.page_script_hash
            elif kind == "page_info_changed":
                run.query_string = msg.page_info_changed.query_string
            elif kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                run.elements += 1
                el = msg.delta.new_element
                what = el.WhichOneof("type")
                if what == "alert":
                    run.alerts.append((el.alert.format, el.alert.body))
                elif what is not None:
                    proto = getattr(el, what)
                    if "id" in proto.DESCRIPTOR.fields_by_name and proto.id:
                        run.widgets[proto.id] = proto
            elif kind == "script_finished":
                status = msg.script_finished
                if status == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                    run.problem = run.problem or "compile error"
                    break
                if status == ForwardMsg.FINISHED_SUCCESSFULLY:
                    break
                # FINISHED_EARLY_FOR_RERUN (st.rerun, st.switch_page): its next run follows.
    run.seconds = time.perf_counter() - t0
    if run.problem is None and run.elements < 3:
        run.problem = f"the page drew {run.elements} elements"
    return run


async def open_page(ws: Any, page: Page, timeout: float = PAGE_TIMEOUT) -> tuple[float, str | None, int]:
    """Run ``page`` in the session of ``ws``: (seconds until script_finished, problem or
    None, elements drawn)."""
    run = await run_script(ws, _rerun(page), timeout)
    return run.seconds, run.problem, run.elements


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
    # What the page said: 'stored', 'duplicate', 'failed' (intake.Outcome.kind, from the
    # confirm run), 'rejected' (the check refused the file: no confirm button), or
    # 'error' (the browser side failed: sign-in, connection, timeout, no outcome shown).
    kind: str
    version: int | None  # the version the page reported storing
    seconds: float  # from asking for the upload URL to the confirm run's script_finished
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
    from ecocity.core.framework import load_framework
    from ecocity.flows.intake import check_file
    from ecocity.io.workbook.template import write_submission

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


def officer(u: int) -> str:
    """Uploader ``u``'s account (and the created_by of what it stores)."""
    return f"load-officer-{u}"


def create_officers(db_url: str, jobs: Sequence[UploadJob]) -> None:
    """One officer account per uploader, responsible for the estates of its jobs."""
    from ecocity.core.access import system
    from ecocity.store.db import make_engine
    from ecocity.store.users import create_user

    estates: dict[int, set[str]] = {}
    for job in jobs:
        estates.setdefault(job.uploader, set()).add(job.estate)
    engine = make_engine(db_url)
    try:
        for u, codes in sorted(estates.items()):
            create_user(engine, system("load-test"), officer(u), role="officer", estates=sorted(codes),
                        password=OFFICER_PASSWORD)
    finally:
        engine.dispose()


def _widgets_rerun(page_script_hash: str, query: str, states: Sequence[Any]) -> bytes:
    """A rerun as the frontend sends it after a widget changed: the current page (by its
    script hash), its query string, and the widgets' values."""
    from streamlit.proto.BackMsg_pb2 import BackMsg

    msg = BackMsg()
    cs = msg.rerun_script
    cs.query_string = query
    cs.page_script_hash = page_script_hash
    cs.page_name = ""
    cs.context_info.timezone = "Asia/Bangkok"
    cs.context_info.timezone_offset = -420
    cs.context_info.locale = "th-TH"
    cs.widget_states.widgets.extend(states)
    return msg.SerializeToString()


def _text_state(widget_id: str, value: str) -> Any:
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    return WidgetState(id=widget_id, string_value=value)


def _click(widget_id: str) -> Any:
    from streamlit.proto.WidgetStates_pb2 import WidgetState

    return WidgetState(id=widget_id, trigger_value=True)


def _stored_version(texts: Sequence[str], estate: str) -> int | None:
    """The version number in the page's 'stored as version N of ESTATE, year' message
    (the page shows it Markdown-escaped)."""
    from ecocity.core.textsafe import md_escape
    from ecocity.i18n import t

    before, _, after = md_escape(t("store.stored", LANG, version="\x00", estate=estate, year=YEAR)).partition("\x00")
    pattern = re.compile(re.escape(before) + r"(\d+)" + re.escape(after))
    for text in texts:
        if m := pattern.search(text):
            return int(m[1])
    return None


class UploaderBrowser:
    """One officer's browser on one replica: signs in through the sign-in form, then
    sends workbooks through the Upload page's file uploader and confirms them, all in one
    websocket session (a password sign-in lives in that session's state).

    Widget ids are learnt from the page runs' elements, as the frontend knows them."""

    def __init__(self, base: str, username: str, password: str):
        self.base, self.username, self.password = base, username, password
        self.ws: Any = None
        self.http: Any = None
        self.session_id = ""
        self.page_hash = ""
        self.query = ""
        self.uploader_id: str | None = None
        self.clear_id: str | None = None  # "new batch": a fresh, empty uploader

    async def _run(self, states: Sequence[Any]) -> ScriptRun:
        run = await run_script(self.ws, _widgets_rerun(self.page_hash, self.query, states))
        self._follow(run)
        return run

    def _follow(self, run: ScriptRun) -> None:
        """Keep what the frontend keeps between runs: session, page, address, widget ids."""
        self.session_id = run.session_id or self.session_id
        self.page_hash = run.page_script_hash or self.page_hash
        if run.query_string is not None:
            self.query = run.query_string
        self.uploader_id = next((i for i in run.widgets if re.search(r"-upload_files_\d+$", i)), None)
        self.clear_id = run.widget("upload_clear")

    async def sign_in(self) -> None:
        """Open the sign-in page (next: the Upload page), fill in the form and submit it;
        fails unless the Upload page then offers its file uploader."""
        import requests

        await self.close()
        # The XSRF cookie comes with the app's HTTP responses; the upload PUT must echo it.
        self.http = requests.Session()
        (await asyncio.to_thread(self.http.get, f"{self.base}/_stcore/health", timeout=30)).raise_for_status()
        self.ws = await _connect(self.base)
        run = await run_script(self.ws, _rerun(Page("sign_in", "sign_in", f"next=upload&lang={LANG}")))
        self.query = f"next=upload&lang={LANG}"
        self._follow(run)
        if run.problem:
            raise RuntimeError(f"sign-in page: {run.problem}")
        user, password = run.widget("sign_in_username"), run.widget("sign_in_password")
        # st.form_submit_button has no key: the form's submit button.
        submit = next((i for i, w in run.widgets.items() if getattr(w, "is_form_submitter", False)), None)
        if user is None or password is None or submit is None:
            raise RuntimeError(f"sign-in form not found (widgets: {sorted(run.widgets)})")
        # A form sends its widgets' values together with the submit button's click.
        run = await self._run([_text_state(user, self.username), _text_state(password, self.password),
                               _click(submit)])
        if run.problem:
            raise RuntimeError(f"signing in: {run.problem}")
        if self.uploader_id is None:
            raise RuntimeError(f"no file uploader after signing in (page {self.query!r}, alerts {run.alerts})")

    async def _request_url(self, filename: str) -> Any:
        """BackMsg file_urls_request -> ForwardMsg file_urls_response: where to PUT the file."""
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        msg = BackMsg()
        msg.file_urls_request.request_id = uuid.uuid4().hex
        msg.file_urls_request.file_names.append(filename)
        msg.file_urls_request.session_id = self.session_id
        await self.ws.send(msg.SerializeToString())
        async with asyncio.timeout(PAGE_TIMEOUT):
            while True:
                fwd = ForwardMsg.FromString(await self.ws.recv())
                if (fwd.WhichOneof("type") == "file_urls_response"
                        and fwd.file_urls_response.response_id == msg.file_urls_request.request_id):
                    resp = fwd.file_urls_response
                    if resp.error_msg or len(resp.file_urls) != 1:
                        raise RuntimeError(f"file_urls_response: {resp.error_msg or resp}")
                    return resp.file_urls[0]

    def _put(self, upload_url: str, job: UploadJob) -> None:
        """The frontend's upload: a multipart PUT (field 'file'), the XSRF cookie echoed in
        the X-Xsrftoken header (Streamlit checks that both carry the same token)."""
        token = self.http.cookies.get(XSRF_COOKIE, "")
        r = self.http.put(f"{self.base}{upload_url}", files={"file": (job.filename, job.content, XLSX_MIME)},
                          headers={"X-Xsrftoken": token} if token else {}, timeout=PAGE_TIMEOUT)
        if r.status_code != 204:
            raise RuntimeError(f"upload PUT {upload_url}: HTTP {r.status_code} {r.text[:200]}")

    async def upload(self, job: UploadJob) -> UploadDone:
        """Send ``job``'s workbook, wait for its check, confirm, and read the outcome."""
        from streamlit.proto.Alert_pb2 import Alert
        from streamlit.proto.Common_pb2 import UploadedFileInfo
        from streamlit.proto.WidgetStates_pb2 import WidgetState

        from ecocity.i18n import t

        def done(kind: str, seconds: float, error: str | None = None, version: int | None = None) -> UploadDone:
            return UploadDone(job.uploader, job.estate, job.filename, kind, version, seconds, error)

        if self.clear_id is not None:  # the previous file's batch is still shown: start a new one
            run = await self._run([_click(self.clear_id)])
            if run.problem:
                return done("error", 0.0, f"new batch: {run.problem}")
        if self.uploader_id is None:
            return done("error", 0.0, "no file uploader on the page")
        t0 = time.perf_counter()
        urls = await self._request_url(job.filename)
        await asyncio.to_thread(self._put, urls.upload_url, job)
        # The uploader's value: the file the browser has just sent (id, name, size, URLs).
        state = WidgetState(id=self.uploader_id)
        state.file_uploader_state_value.uploaded_file_info.append(
            UploadedFileInfo(file_id=urls.file_id, name=job.filename, size=len(job.content), file_urls=urls))
        run = await self._run([state])  # the page checks the file
        confirm = run.widget("upload_confirm")
        if run.problem or confirm is None:
            return done("rejected", time.perf_counter() - t0,
                        run.problem or "; ".join(run.texts(Alert.ERROR)) or "no confirm button")
        run = await self._run([state, _click(confirm)])  # the page stores it, then reruns
        seconds = time.perf_counter() - t0
        success = run.texts(Alert.SUCCESS)
        errors = "; ".join(run.texts(Alert.ERROR)) or run.problem
        for kind, counts in (("stored", (1, 0, 0)), ("duplicate", (0, 1, 0)), ("failed", (0, 0, 1))):
            summary = t("upload.confirm.done", LANG, stored=counts[0], duplicates=counts[1], failed=counts[2])
            if any(summary in s for s in success):
                version = _stored_version(success, job.estate) if kind == "stored" else None
                if kind == "stored" and (errors or version is None):
                    return done("error", seconds, errors or f"no version in {success}")
                return done(kind, seconds, errors if kind != "stored" else None, version)
        return done("error", seconds, errors or f"no outcome on the page (alerts: {run.alerts})")

    async def close(self) -> None:
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await self.ws.close()
        if self.http is not None:
            self.http.close()
        self.ws = self.http = None
        self.uploader_id = self.clear_id = None


async def _uploader(browser: UploaderBrowser, mine: Sequence[UploadJob], t0: float, out: list[UploadDone]) -> None:
    """Uploader: its jobs at their times after ``t0``; after a failure the browser signs in
    again (a reload: a new session) for the next one."""
    try:
        for job in sorted(mine, key=lambda j: j.at):
            await asyncio.sleep(max(0.0, t0 + job.at - time.monotonic()))
            s0 = time.perf_counter()
            try:
                if browser.ws is None:
                    await browser.sign_in()
                result = await browser.upload(job)
            except Exception as e:  # noqa: BLE001 - counted as an error
                result = UploadDone(job.uploader, job.estate, job.filename, "error", None,
                                    time.perf_counter() - s0, f"{type(e).__name__}: {e}")
            out.append(result)
            if result.kind == "error":
                await browser.close()
    finally:
        await browser.close()


async def _load(bases: Sequence[str], jobs: Sequence[UploadJob], viewers: int, pages: Sequence[Page], *,
                opens: int | None, duration: float | None
                ) -> tuple[list[PageRun], list[UploadDone], list[str], float]:
    """Uploaders sign in first (before the load: their first uploads must start at one
    moment), then viewers and uploaders run together: (page runs, uploads, sign-in
    failures, seconds)."""
    by_uploader: dict[int, list[UploadJob]] = {}
    for job in jobs:
        by_uploader.setdefault(job.uploader, []).append(job)
    browsers = {u: UploaderBrowser(bases[u % len(bases)], officer(u), OFFICER_PASSWORD) for u in by_uploader}
    signed = await asyncio.gather(*(b.sign_in() for b in browsers.values()), return_exceptions=True)
    problems = []
    for b, outcome in zip(browsers.values(), signed, strict=True):
        if isinstance(outcome, BaseException):  # an error; _uploader tries again at its first job
            problems.append(f"sign-in of {b.username} on {b.base}: {type(outcome).__name__}: {outcome}")
            await b.close()
    done: list[UploadDone] = []
    t0 = time.monotonic()
    runs, *_ = await asyncio.gather(
        _viewers(viewers, bases, pages, opens=opens, duration=duration),
        *(_uploader(browsers[u], mine, t0, done) for u, mine in sorted(by_uploader.items())))
    return runs, done, problems, time.monotonic() - t0


@dataclass
class StoredCheck:
    stored_rows: int  # files sent whose upload row is 'accepted' and made a version
    problems: list[str] = field(default_factory=list)


def verify_uploads(db_url: str, done: Sequence[UploadDone]) -> StoredCheck:
    """Count in the database what the uploaders sent (the page never shows an upload's id:
    found by file name, unique per job), check it against what the page reported, and
    check the versions of every estate and year they touched."""
    from sqlalchemy import select

    from ecocity.store import models as m
    from ecocity.store.db import make_engine, session_scope

    names = [d.filename for d in done]
    engine = make_engine(db_url)
    problems: list[str] = []
    try:
        with session_scope(engine) as s:
            rows = s.execute(select(m.Upload.id, m.Upload.filename, m.Upload.uploaded_by, m.Upload.outcome,
                                    m.Submission.version, m.Submission.created_by)
                             .outerjoin(m.Submission, m.Submission.upload_id == m.Upload.id)
                             .where(m.Upload.filename.in_(names))).all() if names else []
            by_name: dict[str, list[Any]] = {}
            for r in rows:
                by_name.setdefault(r.filename, []).append(r)
            stored = [r for r in rows if r.outcome == "accepted" and r.version is not None]
            for d in done:
                mine = by_name.get(d.filename, [])
                if len(mine) > 1:
                    problems.append(f"{d.filename}: {len(mine)} upload rows (sent once)")
                if d.kind == "stored":
                    r = mine[0] if len(mine) == 1 else None
                    if r is None or r.outcome != "accepted" or r.version != d.version:
                        problems.append(f"{d.filename}: reported as version {d.version}, not so in the database "
                                        f"({[tuple(x) for x in mine]})")
                    elif r.uploaded_by != officer(d.uploader) or r.created_by != officer(d.uploader):
                        problems.append(f"{d.filename}: stored by {r.uploaded_by}/{r.created_by}, "
                                        f"not {officer(d.uploader)}")
                elif any(r.version is not None for r in mine):
                    problems.append(f"{d.filename}: reported as {d.kind}, yet stored in the database")
            for estate in sorted({d.estate for d in done}):
                vs = s.execute(select(m.Submission.version, m.Submission.is_current, m.Submission.status)
                               .where(m.Submission.estate_code == estate, m.Submission.fiscal_year == YEAR)
                               .order_by(m.Submission.version)).all()
                # Uploads wait for review: at most one published version, the newest pending.
                if [v.version for v in vs] != list(range(1, len(vs) + 1)) or sum(v.is_current for v in vs) > 1:
                    problems.append(f"{estate} {YEAR}: versions {[tuple(v) for v in vs]}")
                if vs and vs[-1].status != "pending":
                    problems.append(f"{estate} {YEAR}: the newest version is {vs[-1].status}, not pending")
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
            out.append(f"upload (send + check + confirm + store) ms: p50 {statistics.median(up_s):.0f}, "
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
    create_officers(db_url, jobs)
    runs, done, sign_in_problems, seconds = _in_own_loop(
        lambda: _load(bases, jobs, viewers, pages, opens=opens, duration=duration))
    check = verify_uploads(db_url, done)
    check.problems += sign_in_problems
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
