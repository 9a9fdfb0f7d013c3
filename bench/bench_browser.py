"""Browser benchmark: what a user waits for in Chromium on each dashboard page, against a floor.

For the sample data and the 10x data set (bench/bigdata.py), a real ``streamlit run app.py``
(tests/helpers/devserver.py, SQLite) is loaded in Chromium through Playwright, Thai
interface. Overview, Area, Estate, Indicators, Method and Present are timed:

  first   a new tab opening the page by its address right after the data version changed
          (the benchmark bumps it, as every upload does): every cached reader runs again.
  warm    the same with the caches filled (a new tab: a new Streamlit session).
  change  on Overview (fiscal year, region) and Area (fiscal year): choosing another value
          in the sidebar's select box, from the click on the option (caches filled).

Each time runs until the app is idle and every chart is drawn: Streamlit's script finished
(its ``script_finished`` message), ``stApp`` is CONNECTED and ``notRunning``, no element is
stale or still a skeleton, and every chart the run sent is an ``stPlotlyChart`` that has
drawn its ``.main-svg`` (each is scrolled into view, as Plotly draws lazily), then one
animation frame (painted).

The floor: what each page draws, replayed by a bare Streamlit script with no logic and no
database. The elements are taken from the websocket messages the real page sent (decoded
ForwardMsgs): every Plotly figure (its JSON spec and config, and the selection mode when
clicks select), every table (the Arrow data of st.dataframe / st.table, with its column
configuration), the text (markdown, captions, headings, alerts, metrics, st.html) and the
containers they sit in (columns, bordered boxes, expanders, tabs) in the same order, the
sidebar's text included. Left out: widgets (select boxes, buttons, links, downloads,
navigation) and the cell colours of styled tables. The script (generated in a temporary
folder, with the app's .streamlit/config.toml and static font, page layout wide) builds
the figures and frames once per "generation" (st.cache_resource) and draws them on every
run: its first visit of a new generation is the floor of "first", its later visits the
floor of "warm". For a filter change it has the same select box (same options) in the
sidebar, and choosing the other value draws what the app drew for that value (captured
from the app at that value's address).

Printed: times in seconds (medians), page / floor ratios, the websocket payload each page
sends on a visit (``ws kB``, Playwright ``framereceived``) and the same frames deflated one by
one (the server compresses them: server.enableWebsocketCompression), the floor's payload,
and the goals with ok / OVER: warm at 10x within 1.3x the floor, first visit within 2x,
a filter change within 1.3x. Never asserted: machines differ.

    .venv/bin/python bench/bench_browser.py [--quick] [--sizes sample,big] [--pages overview,area]

Exit status 1 when a page failed (an exception or error box, a time not measured) or the
floor drew something else than the page; without Debian's Chromium it prints a note and
exits 0.
"""

from __future__ import annotations

import argparse
import base64
import dataclasses
import json
import shutil
import signal
import statistics
import sys
import tempfile
import time
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
sys.path.insert(0, str(ROOT / "tests"))  # helpers.devserver
import bigdata  # noqa: E402
from bench_pages import CHROMIUM_ARGS, LANG, check_untouched, new_data_version, using  # noqa: E402

GOAL_WARM = 1.3    # warm visit at 10x, page / floor
GOAL_FIRST = 2.0   # first visit at 10x, page / floor
GOAL_CHANGE = 1.3  # filter change at 10x, page / floor
TIMEOUT_S = 60.0
VIEWPORT = {"width": 1366, "height": 900}


@dataclass(frozen=True)
class Filter:
    name: str    # "year" | "region"
    widget: str  # the sidebar select box's key (ecocity.ui.filters)


YEAR, REGION = Filter("year", "filter_year"), Filter("region", "filter_region")


@dataclass(frozen=True)
class Page:
    name: str
    path: str  # address below the server ("" = the default page: the Overview)
    params: Callable[[bigdata.DataSet], dict[str, str]] = lambda ds: {}
    filters: tuple[Filter, ...] = ()


PAGES = (
    Page("overview", "", filters=(YEAR, REGION)),
    Page("area", "area", lambda ds: {"area": ds.area}, (YEAR,)),
    Page("estate", "estate", lambda ds: {"estate": ds.estate}),
    Page("indicators", "indicators"),
    Page("method", "method"),
    Page("present", "present", lambda ds: {"slide": "3"}),  # the map slide
)


# ----------------------------------------------------------------------------- the floor app

FLOOR_SCRIPT = r'''
"""The floor: replays what a dashboard page drew (captured by bench/bench_browser.py)."""
import base64
import json
from pathlib import Path

import streamlit as st

st.set_page_config(page_title="floor", layout="wide")
HERE = Path(__file__).resolve().parent


@st.cache_resource(show_spinner=False, max_entries=256)
def load(page, gen):
    import plotly.graph_objects as go
    import pyarrow as pa

    cap = json.loads((HERE / f"{page}.json").read_text("utf-8"))

    def build(node):
        if node["k"] == "plotly":
            node["fig"] = go.Figure(json.loads(node["spec"]))
        elif node["k"] in ("dataframe", "table"):
            node["df"] = pa.ipc.open_stream(base64.b64decode(node["arrow"])).read_pandas()
        for child in node.get("c", ()):
            build(child)

    for variant in cap["variants"].values():
        for node in variant["main"] + variant["side"]:
            build(node)
    return cap


def draw(nodes, where, n):
    for node in nodes:
        k, kids = node["k"], node.get("c", [])
        n[0] += 1
        key = f"e{n[0]}"
        if k == "box" and kids and all(c["k"] == "column" for c in kids):
            for col, c in zip(where.columns([c["w"] or 1 for c in kids]), kids):
                draw(c["c"], col.container(border=True) if c["border"] else col, n)
        elif k == "box":
            draw(kids, where.container(border=node["border"], horizontal=node["horizontal"]), n)
        elif k == "expander":
            draw(kids, where.expander(node["label"] or " ", expanded=node["open"]), n)
        elif k == "tabs":
            for tab, c in zip(where.tabs([c.get("label") or " " for c in kids]), kids):
                draw(c["c"], tab, n)
        elif k == "popover":
            draw(kids, where.popover(node["label"] or " "), n)
        elif k in ("pass", "column", "tab"):
            draw(kids, where, n)
        elif k == "plotly":
            kw = {"on_select": "rerun", "selection_mode": node["select"]} if node["select"] else {}
            if node["stretch"]:
                kw["height"] = "stretch"
            where.plotly_chart(node["fig"], theme=None, config=json.loads(node["config"] or "{}"), key=key, **kw)
        elif k == "dataframe":
            kw = {"on_select": "rerun", "selection_mode": node["select"]} if node["select"] else {}
            if node["height"]:
                kw["height"] = node["height"]
            where.dataframe(node["df"], column_config=json.loads(node["columns"] or "{}") or None, key=key, **kw)
        elif k == "table":
            where.table(node["df"])
        elif k == "markdown":
            if node["type"] == "CAPTION":
                where.caption(node["body"], unsafe_allow_html=node["html"])
            elif node["type"] == "DIVIDER":
                where.divider()
            else:
                where.markdown(node["body"], unsafe_allow_html=node["html"])
        elif k == "heading":
            {"h1": where.title, "h2": where.header}.get(node["tag"], where.subheader)(node["body"])
        elif k == "alert":
            getattr(where, node["fmt"])(node["body"], icon=node["icon"] or None)
        elif k == "html":
            where.html(node["body"])
        elif k == "metric":
            where.metric(node["label"], node["body"], delta=node["delta"] or None, border=node["border"])


page = st.query_params.get("p")
if not page:
    st.write("floor")
    st.stop()
cap = load(page, st.query_params.get("g", ""))
variant = ""
for name, sel in cap["filters"].items():
    value = st.sidebar.selectbox(sel["label"], sel["options"], index=sel["index"], key=f"filter_{name}")
    if value == sel["other"]:
        variant = name
shown = cap["variants"][variant]
n = [0]
draw(shown["side"], st.sidebar, n)
draw(shown["main"], st, n)
'''


# ----------------------------------------------------------------------------- capture


def _pixels(cfg: Any) -> int | None:
    return cfg.pixel_height if cfg.WhichOneof("height_spec") == "pixel_height" else None


def _element(e: Any) -> dict | None:
    """The floor's record of one element (None: a widget or anything else it leaves out)."""
    from streamlit.proto.Alert_pb2 import Alert
    from streamlit.proto.Dataframe_pb2 import Dataframe
    from streamlit.proto.Markdown_pb2 import Markdown
    from streamlit.proto.PlotlyChart_pb2 import PlotlyChart

    k = e.WhichOneof("type")
    if k == "plotly_chart":
        p = e.plotly_chart
        return {"k": "plotly", "spec": p.spec, "config": p.config,
                "select": [PlotlyChart.SelectionMode.Name(s).lower() for s in p.selection_mode],
                "stretch": e.height_config.use_stretch}
    if k == "dataframe":
        d = e.dataframe
        data = d.arrow_data.data or d.lazy_data.initial_chunk.data
        modes = [Dataframe.SelectionMode.Name(s).lower().replace("_", "-") for s in d.selection_mode]
        return {"k": "dataframe", "arrow": base64.b64encode(data).decode(), "columns": d.columns,
                "select": modes[0] if modes else None, "height": _pixels(e.height_config)}
    if k == "table":
        return {"k": "table", "arrow": base64.b64encode(e.table.arrow_data.data).decode()}
    if k == "markdown":
        m = e.markdown
        return {"k": "markdown", "body": m.body, "html": m.allow_html, "type": Markdown.Type.Name(m.element_type)}
    if k == "heading":
        return {"k": "heading", "tag": e.heading.tag, "body": e.heading.body}
    if k == "alert":
        return {"k": "alert", "fmt": Alert.Format.Name(e.alert.format).lower(), "body": e.alert.body,
                "icon": e.alert.icon}
    if k == "html":
        return {"k": "html", "body": e.html.body}
    if k == "metric":
        return {"k": "metric", "label": e.metric.label, "body": e.metric.body, "delta": e.metric.delta,
                "border": e.metric.show_border}
    if k == "exception":
        return {"k": "exception", "body": f"{e.exception.type}: {e.exception.message}"}
    return None


def _block(b: Any) -> dict | None:
    from streamlit.proto.Block_pb2 import Block

    k = b.WhichOneof("type")
    if k == "column":
        return {"k": "column", "w": b.column.weight, "border": b.column.show_border}
    if k == "expandable":
        return {"k": "expander", "label": b.expandable.label, "open": b.expandable.expanded}
    if k == "tab_container":
        return {"k": "tabs"}
    if k == "tab":
        return {"k": "tab", "label": b.tab.label}
    if k == "popover":
        return {"k": "popover", "label": b.popover.label}
    if k == "dialog":
        return None  # closed when the page arrives
    if k == "flex_container":
        fc = b.flex_container
        return {"k": "box", "border": fc.border, "horizontal": fc.direction == Block.FlexContainer.HORIZONTAL}
    if k == "vertical":
        return {"k": "box", "border": b.vertical.border, "horizontal": False}
    if k == "horizontal":
        return {"k": "box", "border": False, "horizontal": True}
    return {"k": "pass"}  # form, transparent, grid, chat message: their content as it is


CONTENT = ("plotly", "dataframe", "table", "markdown", "heading", "alert", "html", "metric")


@dataclass
class Capture:
    main: list[dict]
    side: list[dict]
    problems: list[str]

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}

        def walk(nodes: list[dict]) -> None:
            for n in nodes:
                out[n["k"]] = out.get(n["k"], 0) + 1
                walk(n.get("c", []))

        walk(self.main + self.side)
        return out

    def content(self) -> dict[str, int]:
        """The drawn elements by kind (containers left out)."""
        return {k: n for k, n in sorted(self.counts().items()) if k in CONTENT}


def capture(frames: list[bytes]) -> Capture:
    """What one page run drew, from its ForwardMsgs: a tree per root (main, sidebar)."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    nodes: dict[tuple[int, ...], dict | None] = {}
    problems: list[str] = []
    for b in frames:
        msg = ForwardMsg()
        try:
            msg.ParseFromString(b)
        except Exception:  # noqa: BLE001 - not a ForwardMsg: nothing to draw
            continue
        if msg.WhichOneof("type") != "delta":
            continue
        path, d = tuple(msg.metadata.delta_path), msg.delta
        kind = d.WhichOneof("type")
        if kind == "add_block":
            nodes[path] = _block(d.add_block)
        elif kind == "new_element":
            node = _element(d.new_element)
            if node and node["k"] == "exception":
                problems.append(node["body"][:300])
                node = None
            elif node and node["k"] == "alert" and node["fmt"] == "error":
                problems.append(f"error box: {node['body'][:300]}")
            nodes[path] = node

    def tree(prefix: tuple[int, ...]) -> list[dict]:
        kids = sorted((p for p in nodes if len(p) == len(prefix) + 1 and p[:-1] == prefix), key=lambda p: p[-1])
        out = []
        for p in kids:
            node = nodes[p]
            if node is None:
                continue
            if node["k"] in ("box", "column", "expander", "tabs", "tab", "popover", "pass"):
                node = {**node, "c": tree(p)}
            out.append(node)
        return out

    # Root 2 holds what draws nothing in place (st.html of styles only): replayed with the main.
    events = [n for n in tree((2,)) if n["k"] == "html"]
    return Capture(tree((0,)) + events, tree((1,)), problems)


# ----------------------------------------------------------------------------- the browser side

# Idle and drawn: null while not; else the number of charts. A chart arrives as a skeleton
# (stSkeleton) while Plotly's code loads, so the charts the run sent (``expected``) must all be
# there; the first one not yet drawn is scrolled into view (Plotly draws once on screen).
DRAWN_JS = """(expected) => {
  const app = document.querySelector("[data-testid='stApp']");
  if (!app || app.dataset.testScriptState !== 'notRunning' || app.dataset.testConnectionState !== 'CONNECTED')
    return null;
  if (document.querySelector("[data-stale='true'], [data-testid='stSkeleton']")) return null;
  const charts = document.querySelectorAll("[data-testid='stPlotlyChart']");
  if (charts.length < expected) return null;
  for (const c of charts) {
    if (!c.querySelector('.main-svg')) { c.scrollIntoView({block: 'center'}); return null; }
  }
  return charts.length;
}"""
PAINTED_JS = "() => new Promise(r => requestAnimationFrame(() => setTimeout(() => r(true), 0)))"


class Watch:
    """The websocket frames one tab receives: their bytes, the finished script runs."""

    def __init__(self, tab: Any, keep: bool) -> None:
        self.keep = keep
        self.frames: list[bytes] = []
        self.bytes = 0
        self.finished = 0
        tab.on("websocket", lambda ws: ws.on("framereceived", self._frame))

    def _frame(self, payload: bytes | str) -> None:
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        b = payload if isinstance(payload, bytes) else payload.encode()
        self.bytes += len(b)
        if self.keep:
            self.frames.append(b)
        if len(b) < 512:  # script_finished is a few bytes: parse the small frames only
            msg = ForwardMsg()
            try:
                msg.ParseFromString(b)
            except Exception:  # noqa: BLE001
                return
            if msg.WhichOneof("type") == "script_finished" and msg.script_finished in (
                    ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY):
                self.finished += 1


def wait_drawn(tab: Any, watch: Watch, before: int, expected: int | None) -> int:
    """Wait until a script run finished after ``before`` and the page is idle, with its
    ``expected`` charts all drawn (None: as many as the frames received so far hold)."""
    deadline = time.perf_counter() + TIMEOUT_S
    while True:
        if watch.finished > before:
            if expected is None:
                expected = capture(watch.frames).counts().get("plotly", 0)
            n = tab.evaluate(DRAWN_JS, expected)
            if n is not None:
                tab.evaluate(PAINTED_JS)
                return int(n)
        if time.perf_counter() > deadline:
            raise TimeoutError(f"not idle and drawn within {TIMEOUT_S:.0f} s: {tab.url}")
        tab.wait_for_timeout(10)


@dataclass
class Visit:
    seconds: float
    ws: int
    charts: int
    frames: list[bytes] = field(default_factory=list)


def visit(ctx: Any, url: str, expected: int | None, *, keep: bool = False) -> Visit:
    """A new tab (a new Streamlit session) opening ``url``, timed until idle with its
    ``expected`` charts drawn (None: as many as it sent; the frames are kept then, or
    with ``keep``)."""
    tab = ctx.new_page()
    try:
        watch = Watch(tab, keep or expected is None)
        t0 = time.perf_counter()
        tab.goto(url, wait_until="commit", timeout=TIMEOUT_S * 1000)
        charts = wait_drawn(tab, watch, 0, expected)
        return Visit(time.perf_counter() - t0, watch.bytes, charts, watch.frames)
    finally:
        tab.close()


def changes(ctx: Any, url: str, widget: str, labels: tuple[str, str], charts: tuple[int, int],
            n: int) -> list[float]:
    """Open ``url``, then choose ``labels[1]``, ``labels[0]``, ... in the select box keyed
    ``widget``: twice untimed (the caches of both values filled in this session), then ``n``
    times, each timed from the click on the option until idle and drawn (``charts``: the
    charts drawn at each value)."""
    tab = ctx.new_page()
    try:
        watch = Watch(tab, False)
        tab.goto(url, wait_until="commit", timeout=TIMEOUT_S * 1000)
        wait_drawn(tab, watch, 0, charts[0])
        out = []
        for i in range(n + 2):
            tab.evaluate("window.scrollTo(0, 0)")
            tab.locator(f".st-key-{widget} [role='combobox']").click(timeout=TIMEOUT_S * 1000)
            option = tab.get_by_role("option", name=labels[(i + 1) % 2], exact=True)
            option.wait_for(timeout=TIMEOUT_S * 1000)
            before = watch.finished
            t0 = time.perf_counter()
            option.click(timeout=TIMEOUT_S * 1000)
            wait_drawn(tab, watch, before, charts[(i + 1) % 2])
            out.append(time.perf_counter() - t0)
        return out[2:]
    finally:
        tab.close()


def deflated(frames: list[bytes]) -> int:
    """The frames compressed one by one (about what permessage-deflate sends)."""
    total = 0
    for b in frames:
        c = zlib.compressobj(wbits=-15)
        total += len(c.compress(b) + c.flush(zlib.Z_SYNC_FLUSH))
    return total


def query(params: dict[str, str]) -> str:
    from urllib.parse import urlencode

    return "?" + urlencode(params)


# ----------------------------------------------------------------------------- one data set


@dataclass
class Result:
    first: list[float] = field(default_factory=list)
    warm: list[float] = field(default_factory=list)
    floor_first: list[float] = field(default_factory=list)
    floor_warm: list[float] = field(default_factory=list)
    change: dict[str, list[float]] = field(default_factory=dict)
    floor_change: dict[str, list[float]] = field(default_factory=dict)
    ws: int = 0
    defl: int = 0
    floor_ws: int = 0
    expected: dict[str, int] = field(default_factory=dict)  # charts drawn, by variant ("": as opened)
    drawn: dict[str, int] = field(default_factory=dict)  # what the floor holds, by kind
    problems: list[str] = field(default_factory=list)


@dataclass
class Options:
    first_n: int
    warm_n: int
    change_n: int


@dataclass(frozen=True)
class Choice:
    """A filter's select box: its options as the app labels them, the default's label, and
    the other value chosen (its query parameter and label)."""

    options: list[str]
    default: str
    value: str
    other: str


def choices(ds: bigdata.DataSet) -> dict[str, Choice]:
    """Year: the latest fiscal year (the default) and the one before; region: every region
    (the default) and the region of the area the benchmark opens."""
    from ecocity.i18n import fy_label, region_label, t
    from ecocity.store import queries
    from ecocity.store.db import make_engine, session_scope

    engine = make_engine(ds.url)
    try:
        with session_scope(engine) as s:
            years = sorted(queries.fiscal_years(s))
            reg = queries.registry_overview(s)
    finally:
        engine.dispose()
    region = next(a.region for a in reg.areas if a.code == ds.area)
    return {"year": Choice([fy_label(y, LANG) for y in reversed(years)], fy_label(years[-1], LANG),
                           str(years[-2]), fy_label(years[-2], LANG)),
            "region": Choice([t("filters.all_regions", LANG), *(region_label(r, LANG) for r in reg.regions)],
                             t("filters.all_regions", LANG), region, region_label(region, LANG))}


@contextmanager
def floor_server(folder: Path, log: Path) -> Iterator[str]:
    from helpers.devserver import start_servers

    with start_servers([{}], [log], script=folder / "floor.py") as (server,):
        yield server.url


def measure(ds: bigdata.DataSet, pages: list[Page], browser: Any, tmp: Path, opt: Options) -> dict[str, Result]:
    from helpers.devserver import serve

    out = {p.name: Result() for p in pages}
    cap_content: dict[str, dict[str, int]] = {}
    values = choices(ds)
    folder = tmp / f"floor-{ds.name}"
    folder.mkdir()
    (folder / "floor.py").write_text(FLOOR_SCRIPT, "utf-8")
    (folder / "static").symlink_to(ROOT / "static")  # the app's web font, served the same way
    with serve(ds.env(), tmp / f"app-{ds.name}.log") as app:
        ctx = browser.new_context(viewport=VIEWPORT, locale="th-TH")
        try:
            # Capture each page (this also warms the server: imports, caches), and each
            # filter's other value at its address.
            for page in pages:
                r = out[page.name]
                base = {**page.params(ds), "lang": LANG}
                v = visit(ctx, f"{app}/{page.path}{query(base)}", None)
                cap = capture(v.frames)
                r.problems += cap.problems
                r.defl = deflated(v.frames)
                r.drawn = cap.counts()
                cap_content[page.name] = cap.content()
                r.expected[""] = r.drawn.get("plotly", 0)
                variants = {"": {"main": cap.main, "side": cap.side}}
                filters = {}
                for flt in page.filters:
                    c = values[flt.name]
                    other = capture(visit(ctx, f"{app}/{page.path}{query({**base, flt.name: c.value})}", None).frames)
                    r.problems += other.problems
                    r.expected[flt.name] = other.counts().get("plotly", 0)
                    variants[flt.name] = {"main": other.main, "side": other.side}
                    filters[flt.name] = {"label": flt.name, "options": c.options,
                                         "index": c.options.index(c.default), "other": c.other}
                (folder / f"{page.name}.json").write_text(json.dumps({"variants": variants, "filters": filters}),
                                                          "utf-8")
            with floor_server(folder, tmp / f"floor-{ds.name}.log") as floor:
                fctx = browser.new_context(viewport=VIEWPORT, locale="th-TH")
                try:
                    visit(fctx, f"{floor}/", 0)  # its imports (Plotly, pyarrow)
                    for page in pages:
                        measure_page(page, ds, out[page.name], ctx, fctx, app, floor, values, opt,
                                     cap_content[page.name])
                        print(f"  measured {ds.name} {page.name}", file=sys.stderr, flush=True)
                finally:
                    fctx.close()
        finally:
            ctx.close()
    return out


def measure_page(page: Page, ds: bigdata.DataSet, r: Result, ctx: Any, fctx: Any, app: str, floor: str,
                 values: dict[str, Choice], opt: Options, content: dict[str, int]) -> None:
    """First and warm visits, then filter changes, of the page and of its floor, one after
    the other (the same conditions for both on a busy machine). The floor's first visit of
    generation 0 also checks that it drew what the page drew (``content``); its later visits
    are its warm ones."""
    url = f"{app}/{page.path}{query({**page.params(ds), 'lang': LANG})}"
    fbase = f"{floor}/{query({'p': page.name, 'g': 'first-0'})}"
    n = r.expected[""]

    def attempt(what: str, run: Callable[[], None]) -> None:
        try:
            run()
        except Exception as e:  # noqa: BLE001 - reported with the results, the others still run
            r.problems.append(f"{what} not measured: {type(e).__name__}: {str(e).splitlines()[0][:200]}")

    def first(i: int) -> None:
        new_data_version(ds)
        r.first.append(visit(ctx, url, n).seconds)
        f = visit(fctx, f"{floor}/{query({'p': page.name, 'g': f'first-{i}'})}", n, keep=i == 0)
        r.floor_first.append(f.seconds)
        if i == 0:
            shown = capture(f.frames)
            r.problems += [f"floor: {p}" for p in shown.problems]
            if shown.content() != content:
                r.problems.append(f"the floor drew {shown.content()}, the page {content}")

    def warm() -> None:
        v = visit(ctx, url, n)
        r.warm.append(v.seconds)
        r.ws = v.ws
        f = visit(fctx, fbase, n)
        r.floor_warm.append(f.seconds)
        r.floor_ws = f.ws

    def change(flt: Filter) -> None:
        labels = (values[flt.name].default, values[flt.name].other)
        charts = (n, r.expected[flt.name])
        r.change[flt.name] = changes(ctx, url, flt.widget, labels, charts, opt.change_n)
        r.floor_change[flt.name] = changes(fctx, fbase, f"filter_{flt.name}", labels, charts, opt.change_n)

    for i in range(opt.first_n):
        attempt("first visit", lambda i=i: first(i))
    for _ in range(opt.warm_n):
        attempt("warm visit", warm)
    for flt in page.filters:
        attempt(f"{flt.name} change", lambda flt=flt: change(flt))


# ----------------------------------------------------------------------------- report


def _s(xs: list[float]) -> float:
    return statistics.median(xs) if xs else float("nan")


def _ok(ratio: float, goal: float) -> str:
    return "ok" if ratio <= goal else "OVER"


def report(results: dict[tuple[str, str], Result], sets: list[bigdata.DataSet], pages: list[Page],
           opt: Options) -> list[str]:
    print()
    print(f"Chromium, lang={LANG}: seconds from navigation (a new tab) until idle and every chart drawn; "
          f"medians of first {opt.first_n}, warm {opt.warm_n}. x = page / floor.")
    head = (f"{'data':<8}{'page':<12}{'first':>7}{'warm':>7}{'floor f':>8}{'floor w':>8}{'first x':>8}"
            f"{'warm x':>7}{'ws kB':>7}{'defl':>6}{'floor kB':>9}  floor holds")
    print(head)
    print("-" * len(head))
    verdicts, problems = [], []
    for ds in sets:
        for page in pages:
            r = results[(ds.name, page.name)]
            fx, wx = _s(r.first) / _s(r.floor_first), _s(r.warm) / _s(r.floor_warm)
            c = r.drawn
            holds = (f"{c.get('plotly', 0)} charts, {c.get('dataframe', 0) + c.get('table', 0)} tables, "
                     f"{sum(c.get(k, 0) for k in ('markdown', 'heading', 'alert', 'html', 'metric'))} texts")
            print(f"{ds.name:<8}{page.name:<12}{_s(r.first):>7.2f}{_s(r.warm):>7.2f}{_s(r.floor_first):>8.2f}"
                  f"{_s(r.floor_warm):>8.2f}{fx:>8.1f}{wx:>7.1f}{r.ws / 1024:>7.0f}{r.defl / 1024:>6.0f}"
                  f"{r.floor_ws / 1024:>9.0f}  {holds}")
            for p in dict.fromkeys(r.problems):
                print(f"{'':<20}!! {p}")
                problems.append(f"{ds.name} {page.name}: {p}")
            if ds.name == "big":
                verdicts.append(f"{ds.name:<8}{page.name:<12}warm  {wx:4.2f}x its floor, goal <= {GOAL_WARM:g}x: "
                                f"{_ok(wx, GOAL_WARM)}")
                verdicts.append(f"{ds.name:<8}{page.name:<12}first {fx:4.2f}x its floor, goal <= {GOAL_FIRST:g}x: "
                                f"{_ok(fx, GOAL_FIRST)}")
    print()
    print(f"Filter change in the sidebar (caches filled): seconds from the click on the option until idle and "
          f"drawn, median of {opt.change_n} (alternating between the two values).")
    head = f"{'data':<8}{'page':<12}{'filter':<8}{'change':>7}{'floor':>7}{'x':>6}"
    print(head)
    print("-" * len(head))
    for ds in sets:
        for page in pages:
            r = results[(ds.name, page.name)]
            for name, xs in r.change.items():
                fl = _s(r.floor_change.get(name, []))
                x = _s(xs) / fl
                print(f"{ds.name:<8}{page.name:<12}{name:<8}{_s(xs):>7.2f}{fl:>7.2f}{x:>6.1f}")
                if ds.name == "big":
                    verdicts.append(f"{ds.name:<8}{page.name:<12}{name} change {x:4.2f}x its floor, goal <= "
                                    f"{GOAL_CHANGE:g}x: {_ok(x, GOAL_CHANGE)}")
    print()
    print("Goals (10x data)")
    for v in verdicts:
        print("  " + v)
    print()
    print("first = a new tab right after the data version changed (every cached reader runs again); "
          "warm = a new tab, caches filled. floor = the page's figures, tables and text replayed by a bare "
          "Streamlit script (no logic, no database; figures built once per generation). ws kB = websocket "
          "payload of a warm visit (Playwright framereceived); defl = the same frames deflated one by one.")
    return problems


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="sample,big")
    ap.add_argument("--pages", default=",".join(p.name for p in PAGES))
    ap.add_argument("--quick", action="store_true", help="fewer repetitions (first 1, warm 2, change 2)")
    args = ap.parse_args()
    # Stopped (SIGTERM): leave through the context managers, which stop the servers.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    chromium = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    if chromium is None:
        print("Chromium not installed (Debian: apt-get install chromium): browser benchmark skipped")
        return 0
    from playwright.sync_api import sync_playwright

    from ecocity.io.fonts import publish_static_font

    publish_static_font()  # the app's web font in static/, as `make run` does
    opt = Options(1, 2, 2) if args.quick else Options(2, 3, 3)
    pages = [p for p in PAGES if p.name in args.pages.split(",")]
    tmp = Path(tempfile.mkdtemp(prefix="bench-browser-"))
    sets = []
    for name in args.sizes.split(","):
        t0 = time.perf_counter()
        ds = bigdata.sqlite(name)
        how = "cached" if ds.reused else f"built in {time.perf_counter() - t0:.0f} s"
        print(f"data set {name}: {ds.estates} estates in {ds.areas} areas, {ds.submissions} submissions ({how}); "
              f"opens area {ds.area}, estate {ds.estate}")
        data = tmp / f"{name}-data"  # a copy: another build of the data set may replace the cached one
        shutil.copytree(ds.data_dir, data)
        sets.append(dataclasses.replace(bigdata.working_copy(ds, tmp), data_dir=str(data)))
    results: dict[tuple[str, str], Result] = {}
    t0 = time.perf_counter()
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True)
            try:
                for ds in sets:
                    with using(ds):  # the data set's folder: the check seeds from it
                        check_untouched(ds)
                        for page, r in measure(ds, pages, browser, tmp, opt).items():
                            results[(ds.name, page)] = r
            finally:
                browser.close()
        problems = report(results, sets, pages, opt)
        print(f"({time.perf_counter() - t0:.0f} s in all)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
