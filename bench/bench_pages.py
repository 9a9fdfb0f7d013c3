"""Page benchmark: server-side run time of each dashboard page, and what it sends.

For two data sets (bench/bigdata.py): the shipped sample (21 estates, ~190 submissions)
and one ten times larger (200 estates x 10 fiscal years, ~2,000 submissions), on SQLite
(and on PostgreSQL too when ECOCITY_BENCH_DATABASE_URL is set), each page is run in
process with Streamlit's AppTest, Thai interface, opened the way a link opens it
(``/area?area=...``: one script run of that page, no detour through the overview):

  empty  a trivial Streamlit script (a title and a line of text), measured in the same
         run, before and after the pages: the floor every page pays (script runner,
         session, message handling). Cold and start runs are compared with its first run
         in a new session, warm runs with its rerun (they cost about the same, 2-5 ms).
  cold   a new session right after the data version changed (the benchmark bumps it, as
         every upload does): the data token in every cache key is new, so every cached
         reader (st.cache_data or st.cache_resource) runs again; the engine stays.
  warm   the same session run again (a click, a rerun): cached readers hit.
  start  a new session with every Streamlit cache cleared, the database engine too: the
         first view after the server starts (migration check and registry seed included).
         Module imports are excluded (every page is opened once before timing).

Times are medians (cold: 5 runs, warm: 15, start: 3) in ms, with the ratio to the empty
page. Goals: warm within 3x of the empty page; cold under 1.5 s at 10x.
"sql" counts the statements a run sends to the database. "sent" is the size of the
messages the run produces (serialised ForwardMsgs: what the server writes to the
websocket), and the largest element in it.

Then, when Debian's Chromium is installed, a real `streamlit run app.py` per data set is
loaded in Chromium through Playwright and the websocket frames it receives are summed per
page ("ws"), with the map figure's JSON alone. Without Chromium that part is skipped.

    .venv/bin/python bench/bench_pages.py [--quick] [--sizes sample,big] [--pages overview,area]
                                          [--no-browser] [--profile PAGE] [--size big]
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import functools
import io
import logging
import os
import pstats
import shutil
import statistics
import sys
import tempfile
import time
import warnings
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))  # helpers.devserver
import bigdata  # noqa: E402

APP = ROOT / "app.py"
EMPTY_SCRIPT = 'import streamlit as st\nst.title("Empty page")\nst.write("Nothing else.")\n'
# The app's own frame around a page that draws nothing: router, language switch, data token,
# sidebar filters, title (what app.py and every page do before their content). A reference
# for what any page of this app costs at least; built from the app's modules, so it follows
# them (and is left out, with a note, if their names change).
SHELL_SCRIPT = """
import streamlit as st
from ecocity.i18n import t
from ecocity.ui import readers, filters
from ecocity.ui.db import data_token, database_url
from ecocity.ui.lang import language_switch, resolve_lang

lang = resolve_lang()
st.set_page_config(page_title=t("app.title", lang), layout="wide")
language_switch(lang)


def shell():
    url, token = database_url(), data_token()
    reg = readers.registry_overview(url, token)
    filters.sidebar(lang, readers.fiscal_years(url, token), reg.regions, readers.framework())
    st.title(t("app.nav.overview", lang))


st.navigation([st.Page(shell, title="shell", url_path="shell", default=True)]).run()
"""
GOAL_WARM_RATIO = 3.0
GOAL_COLD_BIG_S = 1.5
LANG = "th"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@dataclass(frozen=True)
class Page:
    name: str
    file: str
    goal: bool  # one of the pages the issue sets goals for
    params: Callable[[bigdata.DataSet], dict[str, str]] = lambda ds: {}


PAGES = (
    Page("overview", "views/overview.py", True),
    Page("area", "views/area.py", True, lambda ds: {"area": ds.area}),
    Page("estate", "views/estate.py", True, lambda ds: {"estate": ds.estate}),
    Page("indicators", "views/indicators.py", False),
    Page("upload", "views/upload.py", False),
    Page("method", "views/method.py", False),
)


class Timing(NamedTuple):
    wall: float  # seconds, AppTest.run() from call to return
    cpu: float   # seconds of CPU used by Streamlit's script thread during the run


@dataclass
class Runs:
    cold: list[Timing] = field(default_factory=list)
    warm: list[Timing] = field(default_factory=list)
    start: list[Timing] = field(default_factory=list)
    sql_cold: int = 0
    sql_warm: int = 0
    sent: int = 0          # bytes of the cold run's messages
    largest: str = ""
    problems: list[str] = field(default_factory=list)


# ----------------------------------------------------------------------------- instruments


class Counter:
    """SQL statements sent by any engine in this process (a SQLAlchemy event listener)."""

    def __init__(self) -> None:
        from sqlalchemy import event
        from sqlalchemy.engine import Engine

        self.n = 0
        event.listen(Engine, "before_cursor_execute", self._count)

    def _count(self, *_: object) -> None:
        self.n += 1


class ScriptCPU:
    """CPU time of the script thread per run (time.thread_time around ScriptRunner._run_script).
    Unlike wall time it hardly moves when other processes compete for the CPUs; SQLite's
    work counts (it runs in the thread), a PostgreSQL server's does not."""

    last = 0.0

    @classmethod
    def install(cls) -> None:
        from streamlit.runtime.scriptrunner.script_runner import ScriptRunner

        original = ScriptRunner._run_script
        if getattr(original, "_bench_cpu", False):
            return

        def run_script(self, rerun_data):  # type: ignore[no-untyped-def]
            t0 = time.thread_time()
            try:
                return original(self, rerun_data)
            finally:
                cls.last = time.thread_time() - t0

        run_script._bench_cpu = True  # type: ignore[attr-defined]
        ScriptRunner._run_script = run_script


class Messages:
    """The ForwardMsgs of the last AppTest run (wraps the tree parser AppTest calls)."""

    def __init__(self) -> None:
        from streamlit.testing.v1 import local_script_runner as lsr

        self.last: list = []
        original = lsr.parse_tree_from_messages

        def spy(messages):  # type: ignore[no-untyped-def]
            self.last = list(messages)
            return original(messages)

        lsr.parse_tree_from_messages = spy

    def size(self) -> tuple[int, str]:
        """(total bytes, description of the largest element)."""
        total, big, what = 0, 0, ""
        for msg in self.last:
            n = msg.ByteSize()
            total += n
            if msg.WhichOneof("type") == "delta" and msg.delta.WhichOneof("type") == "new_element" and n > big:
                big, what = n, msg.delta.new_element.WhichOneof("type") or "?"
        return total, f"{what} {big / 1024:.0f} kB" if what else ""


# ----------------------------------------------------------------------------- AppTest runs


def _clear(resources: bool) -> None:
    import streamlit as st

    st.cache_data.clear()
    if resources:
        st.cache_resource.clear()


@functools.cache
def _components():  # type: ignore[no-untyped-def]
    """One registry of custom components for every AppTest, as one server has."""
    from streamlit.components.v2.component_manager import BidiComponentManager

    manager = BidiComponentManager()
    manager.discover_and_register_components(start_file_watching=False)
    return manager


def _new(file: str | None, params: dict[str, str]):
    """A new session (AppTest) on ``file`` (None: the empty page) with ``params`` in its URL.

    AppTest discovers custom components once per instance (~60-100 ms); a server does that
    once at startup, so every instance here shares the first one's registry: the first run
    of a new session then costs what it costs on a server."""
    from streamlit.testing.v1 import AppTest

    if file is None:
        at = AppTest.from_string(EMPTY_SCRIPT, default_timeout=120)
    elif file == "<shell>":
        at = AppTest.from_string(SHELL_SCRIPT, default_timeout=120)
    else:
        at = AppTest.from_file(str(APP), default_timeout=120)
        at.switch_page(file)  # url_path equals the file name, so this works before the first run
    at.query_params.update({"lang": LANG, **params})
    at._bidi_component_manager = _components()
    return at


def _timed(at) -> Timing:  # type: ignore[no-untyped-def]
    ScriptCPU.last = 0.0
    t0 = time.perf_counter()
    at.run()
    return Timing(time.perf_counter() - t0, ScriptCPU.last)


def _problems(at) -> list[str]:  # type: ignore[no-untyped-def]
    return [f"exception: {e.value}"[:300] for e in at.exception] + [f"error: {e.value}"[:300] for e in at.error]


def measure_empty(n: int, file: str | None = None) -> tuple[list[Timing], list[Timing]]:
    """(first runs of new sessions, reruns of one session) of the empty page (or the shell)."""
    first = [_timed(_new(file, {})) for _ in range(n)]
    at = _new(file, {})
    at.run()
    if _problems(at):
        raise RuntimeError("; ".join(_problems(at)))
    return first, [_timed(at) for _ in range(n)]


def measure_page(page: Page, ds: bigdata.DataSet, counter: Counter, msgs: Messages, *,
                 cold_n: int, warm_n: int, start_n: int) -> Runs:
    params = page.params(ds)
    r = Runs()
    for _ in range(start_n):
        _clear(resources=True)
        r.start.append(_timed(_new(page.file, params)))
    at = None
    for _ in range(cold_n):
        new_data_version(ds)
        at = _new(page.file, params)
        before = counter.n
        r.cold.append(_timed(at))
        r.sql_cold = counter.n - before
    assert at is not None
    r.problems = _problems(at)
    r.sent, r.largest = msgs.size()
    for _ in range(warm_n):
        before = counter.n
        r.warm.append(_timed(at))
        r.sql_warm = counter.n - before
    r.problems += [p for p in _problems(at) if p not in r.problems]
    return r


def new_data_version(ds: bigdata.DataSet) -> None:
    """What an upload does to every cache: bump the data version, so the data token (part of
    every cache key, st.cache_data and st.cache_resource alike) is new and every cached
    reader misses; the engine stays. The data itself is unchanged."""
    from ecocity.store.db import bump_data_version, make_engine, write_session

    engine = _engines.get(ds.url)
    if engine is None:
        engine = _engines[ds.url] = make_engine(ds.url)
    with write_session(engine) as (s, _):
        bump_data_version(s)


_engines: dict = {}


@contextlib.contextmanager
def using(ds: bigdata.DataSet) -> Iterator[None]:
    """Point the app (settings()) at a data set for the duration."""
    old = {k: os.environ.get(k) for k in ds.env()}
    os.environ.update(ds.env())
    try:
        yield
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def check_untouched(ds: bigdata.DataSet) -> None:
    """The app's startup (migrate + seed from ECOCITY_DATA_DIR) must change nothing: a
    re-seed would recompute areas and time something else than the data set."""
    from ecocity.store.db import data_version, make_engine
    from ecocity.store.schema import upgrade

    engine = make_engine(ds.url)
    try:
        before = data_version(engine)
        after = upgrade(engine)
    finally:
        engine.dispose()
    if after != before:
        raise SystemExit(f"{ds.name}: opening the app changed the data (version {before} -> {after}); "
                         f"is ECOCITY_DATA_DIR the data set's folder?")


# ----------------------------------------------------------------------------- browser


@contextlib.contextmanager
def server(ds: bigdata.DataSet, log_dir: Path) -> Iterator[str]:
    from helpers.devserver import serve

    with serve(ds.env(), log_dir / f"streamlit-{ds.name.replace('/', '-')}.log") as url:
        yield url


@dataclass
class Sent:
    ws: int        # websocket payload bytes received by the browser
    deflated: int  # the same frames compressed one by one (what permessage-deflate would send)
    load_ms: float  # navigation until the script finished (wall time, browser side)


def browse(ds: bigdata.DataSet, pages: list[Page], log_dir: Path) -> dict[str, Sent]:
    from playwright.sync_api import sync_playwright

    out: dict[str, Sent] = {}
    with server(ds, log_dir) as base, sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS,
                                     headless=True)
        try:
            ctx = browser.new_context(viewport={"width": 1366, "height": 900}, locale="th-TH")
            for rnd in range(2):  # the first round warms the server (engine, caches, imports)
                for page in pages:
                    frames: list[int] = []
                    packed: list[int] = []
                    tab = ctx.new_page()

                    def on_ws(ws, frames=frames, packed=packed):  # type: ignore[no-untyped-def]
                        def got(payload):  # type: ignore[no-untyped-def]
                            b = payload if isinstance(payload, bytes) else payload.encode()
                            frames.append(len(b))
                            c = zlib.compressobj(wbits=-15)
                            packed.append(len(c.compress(b) + c.flush(zlib.Z_SYNC_FLUSH)))
                        ws.on("framereceived", got)

                    tab.on("websocket", on_ws)
                    q = "&".join(f"{k}={v}" for k, v in {**page.params(ds), "lang": LANG}.items())
                    t0 = time.perf_counter()
                    # The Overview is the default page, at "/" ("/overview" is not a route).
                    tab.goto(f"{base}/{'' if page.name == 'overview' else page.name}?{q}")
                    tab.wait_for_selector("[data-testid='stApp'][data-test-connection-state='CONNECTED']",
                                          timeout=60_000)
                    tab.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']",
                                          timeout=60_000)
                    load = (time.perf_counter() - t0) * 1000
                    tab.wait_for_timeout(300)  # frames still in flight after the state flips
                    if rnd == 1:
                        out[page.name] = Sent(sum(frames), sum(packed), load)
                    tab.close()
            ctx.close()
        finally:
            browser.close()
    return out


def map_json_size(ds: bigdata.DataSet) -> tuple[int, int] | None:
    """(bytes, deflated bytes) of the overview's map figure as plotly JSON, built the way
    charts.thailand_map draws it for the data set's latest fiscal year (province coloured by
    the best area level there, a marker per area and per estate)."""
    from ecocity.config import settings
    from ecocity.core.framework import get_framework
    from ecocity.core.geo import load_provinces
    from ecocity.pagemodels import charts
    from ecocity.store import queries
    from ecocity.store.db import make_engine, session_scope

    if not hasattr(charts, "thailand_map"):
        return None
    with using(ds):
        fw = get_framework(settings().framework_path)
        provinces = load_provinces(str(Path(ds.data_dir) / "th_adm1.geojson"))
        engine = make_engine(ds.url)
        try:
            with session_scope(engine) as s:
                year = max(queries.fiscal_years(s))
                reg = queries.registry_overview(s)
                areas = {r.code: r.level for r in queries.assessments_for_year(s, year, "area")}
                estates = {r.code: r.level for r in queries.assessments_for_year(s, year, "estate")}
        finally:
            engine.dispose()
        prov: dict[str, int] = {}
        markers = []
        for a in reg.areas:
            lv = areas.get(a.code)
            if lv is not None:
                prov[a.province_pcode] = max(prov.get(a.province_pcode, 0), lv)
            pts = [(e.lon, e.lat) for e in a.estates if e.lon is not None]
            if pts:
                markers.append(charts.Marker("area", a.code, a.name(LANG), sum(p[0] for p in pts) / len(pts),
                                             sum(p[1] for p in pts) / len(pts), lv))
            markers += [charts.Marker("estate", e.code, e.name(LANG), e.lon, e.lat, estates.get(e.code))
                        for e in a.estates if e.lon is not None]
        fig = charts.thailand_map(fw, provinces, prov, markers, LANG)
        js = fig.to_json().encode()
        return len(js), len(zlib.compress(js, 6))


# ----------------------------------------------------------------------------- report


def _ms(xs: list[Timing], what: str = "wall") -> float:
    return statistics.median(getattr(x, what) for x in xs) * 1000 if xs else float("nan")


def _kb(n: int | None) -> str:
    return "-" if n is None else f"{n / 1024:.0f}"


def datasets(sizes: list[str]) -> list[bigdata.DataSet]:
    out = []
    for name in sizes:
        t0 = time.perf_counter()
        ds = bigdata.sqlite(name)
        how = "cached" if ds.reused else f"built in {time.perf_counter() - t0:.1f} s"
        print(f"data set {name}: {ds.estates} estates in {ds.areas} areas, {ds.submissions} submissions "
              f"({how}; storing them took {ds.load_seconds:.1f} s); opens area {ds.area}, estate {ds.estate}")
        out.append(ds)
        pg = bigdata.postgres(name)
        if pg is not None:
            pg.name = f"{name}/pg"
            print(f"  and on PostgreSQL ({'cached' if pg.reused else 'built'})")
            out.append(pg)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="sample,big")
    ap.add_argument("--pages", default=",".join(p.name for p in PAGES))
    ap.add_argument("--quick", action="store_true", help="fewer repetitions (cold 2, warm 5, start 1)")
    ap.add_argument("--no-browser", action="store_true")
    ap.add_argument("--profile", metavar="PAGE", help="profile one page (cold and warm) and stop")
    ap.add_argument("--size", default="big", help="data set for --profile")
    args = ap.parse_args()
    from streamlit import logger
    from streamlit.testing.v1 import AppTest  # noqa: F401 - its loggers exist before they are quietened

    logger.set_log_level("ERROR")
    logging.disable(logging.WARNING)  # "missing ScriptRunContext" when clearing caches between runs
    warnings.filterwarnings("ignore")
    cold_n, warm_n, start_n, empty_n = (2, 5, 1, 10) if args.quick else (5, 15, 3, 20)
    pages = [p for p in PAGES if p.name in args.pages.split(",")]
    tmp = Path(tempfile.mkdtemp(prefix="bench-pages-"))
    if args.profile:
        return profile(next(p for p in PAGES if p.name == args.profile), args.size, tmp)

    counter, msgs = Counter(), Messages()
    ScriptCPU.install()
    sets = [bigdata.working_copy(ds, tmp) if ds.url.startswith("sqlite") else ds
            for ds in datasets(args.sizes.split(","))]
    results: dict[tuple[str, str], Runs] = {}
    empties: dict[str, tuple[list[Timing], list[Timing]]] = {}
    shells: dict[str, tuple[list[Timing], list[Timing]]] = {}
    for ds in sets:
        with using(ds):
            check_untouched(ds)
            for page in pages:  # imports and first-time work out of the way
                _clear(resources=True)
                _new(page.file, page.params(ds)).run()
            first, rerun = measure_empty(empty_n)
            for page in pages:
                results[(ds.name, page.name)] = measure_page(page, ds, counter, msgs, cold_n=cold_n,
                                                             warm_n=warm_n, start_n=start_n)
                print(f"  measured {ds.name} {page.name}", file=sys.stderr, flush=True)
            more = measure_empty(empty_n)  # before and after the pages: the same conditions
            empties[ds.name] = (first + more[0], rerun + more[1])
            try:
                shells[ds.name] = measure_empty(empty_n, "<shell>")
            except Exception as e:  # noqa: BLE001 - a reference row, not a result
                print(f"  app shell not measured: {type(e).__name__}: {e}", file=sys.stderr)
            _clear(resources=True)

    sent: dict[tuple[str, str], Sent] = {}
    maps: dict[str, tuple[int, int] | None] = {}
    if args.no_browser:
        browser_note = "browser part skipped (--no-browser)"
    elif shutil.which("chromium") is None:
        browser_note = "Chromium not installed (Debian: apt-get install chromium): browser part skipped"
    else:
        browser_note = ""
        for ds in sets:
            try:
                for name, s in browse(ds, pages, tmp).items():
                    sent[(ds.name, name)] = s
            except Exception as e:  # noqa: BLE001 - a benchmark reports, it does not fail
                browser_note += f"{ds.name}: browser part failed: {type(e).__name__}: {e}\n"
            if not ds.name.endswith("/pg"):  # the same data on either database
                maps[ds.name] = map_json_size(ds)

    report(sets, pages, results, empties, shells, sent, maps, browser_note, cold_n, warm_n, start_n)
    shutil.rmtree(tmp, ignore_errors=True)


def report(sets, pages, results, empties, shells, sent, maps, browser_note, cold_n, warm_n, start_n) -> None:  # type: ignore[no-untyped-def]
    print()
    print(f"Server-side run time of each page (AppTest, lang={LANG}): medians of cold {cold_n}, warm {warm_n}, "
          f"start {start_n} runs.")
    print("ms = wall time, cpu = CPU time of the script thread; x = ratio to the empty page (cold and start "
          "to its first run in a new session, warm to its rerun).")
    head = (f"{'data':<11}{'page':<11}{'cold ms':>8}{'x':>6}{'cpu':>6}{'x':>6}{'warm ms':>8}{'x':>6}{'cpu':>6}"
            f"{'x':>6}{'start ms':>9}{'sql c/w':>8}{'sent kB':>8}{'ws kB':>6}{'defl':>5}{'load ms':>8}  largest")
    print(head)
    print("-" * len(head))
    verdicts = []
    for ds in sets:
        first, rerun = empties[ds.name]
        ef, er = _ms(first), _ms(rerun)
        efc, erc = _ms(first, "cpu"), _ms(rerun, "cpu")
        print(f"{ds.name:<11}{'(empty)':<11}{ef:>8.1f}{1:>6.1f}{efc:>6.1f}{1:>6.1f}{er:>8.1f}{1:>6.1f}{erc:>6.1f}"
              f"{1:>6.1f}{ef:>9.1f}")
        if ds.name in shells:
            sf, sr = shells[ds.name]
            print(f"{ds.name:<11}{'(shell)':<11}{_ms(sf):>8.1f}{_ms(sf) / ef:>6.1f}{_ms(sf, 'cpu'):>6.1f}"
                  f"{_ms(sf, 'cpu') / efc:>6.1f}{_ms(sr):>8.1f}{_ms(sr) / er:>6.1f}{_ms(sr, 'cpu'):>6.1f}"
                  f"{_ms(sr, 'cpu') / erc:>6.1f}")
        for page in pages:
            r = results[(ds.name, page.name)]
            cold, warm, start = _ms(r.cold), _ms(r.warm), _ms(r.start)
            cold_c, warm_c = _ms(r.cold, "cpu"), _ms(r.warm, "cpu")
            s = sent.get((ds.name, page.name))
            print(f"{ds.name:<11}{page.name:<11}{cold:>8.0f}{cold / ef:>6.0f}{cold_c:>6.0f}{cold_c / efc:>6.0f}"
                  f"{warm:>8.1f}{warm / er:>6.1f}{warm_c:>6.1f}{warm_c / erc:>6.1f}{start:>9.0f}"
                  f"{f'{r.sql_cold}/{r.sql_warm}':>8}{_kb(r.sent):>8}"
                  f"{_kb(s.ws if s else None):>6}{_kb(s.deflated if s else None):>5}"
                  f"{(f'{s.load_ms:.0f}' if s else '-'):>8}  {r.largest}")
            for p in r.problems:
                print(f"{'':<22}!! {p}")
            if page.goal:
                ok = warm / er <= GOAL_WARM_RATIO
                ok_c = warm_c / erc <= GOAL_WARM_RATIO
                verdicts.append(f"{ds.name:<11}{page.name:<11}warm {warm / er:5.1f}x the empty page "
                                f"(cpu {warm_c / erc:5.1f}x), goal <= {GOAL_WARM_RATIO:g}x: "
                                f"{'ok' if ok else 'OVER'}{'' if ok == ok_c else ' (cpu: ' + ('ok' if ok_c else 'OVER') + ')'}")
                if ds.name.startswith("big"):
                    ok = cold / 1000 < GOAL_COLD_BIG_S
                    verdicts.append(f"{ds.name:<11}{page.name:<11}cold {cold / 1000:5.2f} s (cpu {cold_c / 1000:.2f} s), "
                                    f"goal < {GOAL_COLD_BIG_S:g} s at 10x: {'ok' if ok else 'OVER'}")
    print()
    print("Goals")
    for v in verdicts:
        print("  " + v)
    print()
    for ds in sets:
        m = maps.get(ds.name)
        if m:
            print(f"map figure ({ds.name}, charts.thailand_map, every area and estate): "
                  f"{m[0] / 1024:.0f} kB JSON, {m[1] / 1024:.0f} kB deflated")
    if browser_note:
        print(browser_note.rstrip())
    print("(shell) = the app's frame around a page that draws nothing (router, language switch, data "
          "token, sidebar filters, title): what any page of this app costs at least.")
    print("sent = serialised messages of the cold run (AppTest); ws = websocket payload received by "
          "Chromium from a real server (second visit); defl = ws compressed frame by frame "
          "(server.enableWebsocketCompression); load = browser navigation until the script finished.")


def profile(page: Page, size: str, tmp: Path) -> None:
    """cProfile of one cold and one warm run of the page's script (it runs in Streamlit's
    script thread, so the profiler is switched on there), top functions by cumulative and
    by own time."""
    from streamlit.runtime.scriptrunner.script_runner import ScriptRunner

    ds = bigdata.working_copy(bigdata.sqlite(size), tmp)
    counter = Counter()
    prof: list[cProfile.Profile] = []
    original = ScriptRunner._run_script

    def run_script(self, rerun_data):  # type: ignore[no-untyped-def]
        if not prof:
            return original(self, rerun_data)
        prof[0].enable()
        try:
            return original(self, rerun_data)
        finally:
            prof[0].disable()

    ScriptRunner._run_script = run_script
    with using(ds):
        check_untouched(ds)
        _new(page.file, page.params(ds)).run()
        at = None
        for label in ("cold", "warm"):
            if label == "cold":
                new_data_version(ds)
                at = _new(page.file, page.params(ds))
            assert at is not None
            before = counter.n
            prof[:] = [cProfile.Profile()]
            t = _timed(at)
            out = io.StringIO()
            stats = pstats.Stats(prof[0], stream=out)
            stats.sort_stats("cumulative").print_stats(40)
            stats.sort_stats("tottime").print_stats(25)
            print(f"== {page.name} {label} on {size}: {t.wall * 1000:.0f} ms, {counter.n - before} SQL statements")
            print("\n".join(line for line in out.getvalue().splitlines() if line.strip()))
    ScriptRunner._run_script = original
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
