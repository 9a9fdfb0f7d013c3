"""Charts as PNG through Plotly's own exporter (kaleido) and the system Chromium, offline, with the
shipped Thai font; one browser, kept open a while between exports (see docs/design-notes.md)."""

from __future__ import annotations

import asyncio
import atexit
import os
import shutil
import tempfile
import threading
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import plotly.graph_objects as go

from ecocity.pagemodels import charts
from ecocity.pagemodels.slides import Deck, Slide

SCALE = 2  # device pixels per CSS pixel: 1600 x 900 CSS px -> 3200 x 1800 PNG (projector and print)
CHART_SIZE = (1600, 900)  # a chart on its own (PNG export), CSS px
# Charts on a slide or a report page (no title of their own), CSS px, and device pixels per
# CSS px: 960 x 700 becomes 2400 x 1750 px (projector resolution; ~350 dpi at 174 mm on A4).
SLIDE_CHART, SLIDE_MAP, SLIDE_SCALE = (960, 700), (640, 700), 2.5
_FC_LOCK = threading.Lock()


class ExportError(RuntimeError):
    """An export that cannot be made here (no browser, ...): a message for a person."""


@dataclass(frozen=True)
class Shot:
    """One figure to render at ``width`` x ``height`` CSS pixels times ``scale``."""

    figure: go.Figure
    width: int
    height: int
    scale: float = SCALE


def chromium_path() -> str:
    """The browser kaleido drives: ``$BROWSER_PATH`` or a Chromium on the PATH."""
    env = os.environ.get("BROWSER_PATH")
    if env and Path(env).is_file():
        return env
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    raise ExportError("Chromium was not found: install Debian's chromium package (apt-get install chromium) "
                      "or set BROWSER_PATH to a Chromium or Chrome executable")


def _font_dir() -> Path | None:
    try:
        from ecocity.io.fonts import font_path

        return font_path().parent
    except Exception:  # noqa: BLE001 - no font package: Chromium uses the system's Thai fonts
        return None


def use_shipped_font() -> None:
    """Point Chromium's fontconfig at the system fonts plus the shipped Noto Sans Thai
    (unless FONTCONFIG_FILE is already set by the environment)."""
    with _FC_LOCK:
        if os.environ.get("FONTCONFIG_FILE"):
            return
        folder = _font_dir()
        if folder is None:
            return
        home = Path(tempfile.gettempdir()) / f"ecocity-fontconfig-{os.getuid()}"
        home.mkdir(parents=True, exist_ok=True)
        conf = home / "fonts.conf"
        text = ('<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n'
                '  <include ignore_missing="yes">/etc/fonts/fonts.conf</include>\n'
                f"  <dir>{folder}</dir>\n  <cachedir>{home / 'cache'}</cachedir>\n</fontconfig>\n")
        if not conf.is_file() or conf.read_text("utf-8") != text:
            tmp = home / f"fonts.conf.{os.getpid()}"
            tmp.write_text(text, "utf-8")
            tmp.replace(conf)
        os.environ["FONTCONFIG_FILE"] = str(conf)


def _sized(fig: go.Figure, width: int, height: int) -> go.Figure:
    """The figure at the image's size, with a margin: on a page or a slide nothing may touch
    the edge (the theme's title sits at the very left of the paper)."""
    out = go.Figure(fig)
    m = out.layout.margin
    out.update_layout(width=width, height=height, title_pad=dict(l=24),
                      margin=dict(l=max(m.l or 0, 24), r=max(m.r or 0, 24), b=max(m.b or 0, 16)))
    return out


Done = Callable[[int, int], None]  # (figures rendered, of how many)


IDLE_SECONDS = 120.0  # a browser left unused this long is closed (a server's next export starts another)


class _Browser:
    """One Chromium (through kaleido) kept open between the exports of a process and closed
    after IDLE_SECONDS unused, and when the process ends: a server's exports after the first
    skip the browser's start, the slowest part of a small export (seconds on a busy
    machine). One export at a time uses it; one that fails closes it, and is tried once more
    on a new one (a browser that died while idle)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._kaleido: Any = None
        self._timer: threading.Timer | None = None
        self.starts = 0  # browsers started (tests)

    def _run(self, coro: Any, timeout: float) -> Any:
        assert self._loop is not None
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(timeout)

    def _start(self) -> None:
        import kaleido

        path = chromium_path()
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="ecocity-kaleido", daemon=True)
        self._thread.start()
        self._kaleido = kaleido.Kaleido(path=path, mathjax=False, n=1)
        try:
            self._run(self._kaleido.open(), 120)
        except BaseException:
            self._stop()
            raise
        self.starts += 1

    def _stop(self) -> None:
        loop, thread, browser = self._loop, self._thread, self._kaleido
        self._loop = self._thread = self._kaleido = None
        if loop is None:
            return
        if browser is not None:
            try:
                asyncio.run_coroutine_threadsafe(browser.close(), loop).result(30)
            except Exception:  # noqa: BLE001 - closing what may be dead already
                pass
        loop.call_soon_threadsafe(loop.stop)
        if thread is not None:
            thread.join(10)
        if not loop.is_running():
            loop.close()

    def render(self, shots: Sequence[Shot], out: list[bytes]) -> None:
        """Appends the PNG of each shot to ``out`` (read by another thread as it grows)."""
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            for attempt in (1, 2):
                if self._loop is None:
                    self._start()
                try:
                    for s in shots[len(out):]:
                        opts: dict[str, Any] = {"format": "png", "width": s.width, "height": s.height,
                                                "scale": s.scale}
                        out.append(self._run(self._kaleido.calc_fig(_sized(s.figure, s.width, s.height), opts=opts),
                                             300))
                    break
                except Exception:
                    self._stop()
                    if attempt == 2:
                        raise
            self._timer = threading.Timer(IDLE_SECONDS, self.close)
            self._timer.daemon = True
            self._timer.start()

    def close(self) -> None:
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
            self._stop()


_BROWSER = _Browser()
atexit.register(_BROWSER.close)


def close_browser() -> None:
    """Close the browser kept for the next export now (tests; a process that is done)."""
    _BROWSER.close()


class Rendering:
    """PNG bytes of shots being rendered in a thread of its own (one browser session), while
    the caller goes on; ``result()`` waits for them (and raises what the rendering raised)."""

    def __init__(self, shots: Sequence[Shot]):
        self.total = len(shots)
        self._png: list[bytes] = []
        self._error: BaseException | None = None
        self._worker: threading.Thread | None = None
        if not shots:
            return
        use_shipped_font()
        chromium_path()  # a clear message before kaleido's own

        def run() -> None:
            try:
                _BROWSER.render(shots, self._png)
            except BaseException as e:  # noqa: BLE001 - handed to the caller's thread
                self._error = e

        self._worker = threading.Thread(target=run, name="ecocity-render", daemon=True)
        self._worker.start()

    @property
    def running(self) -> bool:
        return self._worker is not None and self._worker.is_alive()

    def result(self, done: Done | None = None) -> list[bytes]:
        """Every PNG, in order, once rendered. ``done`` hears of each figure rendered, in the
        caller's thread (a page's progress bar may only be moved from there)."""
        told = 0
        while self._worker is not None and self._worker.is_alive():
            self._worker.join(0.1)
            if done is not None and len(self._png) != told:
                told = len(self._png)
                done(told, self.total)
        if self._error is not None:
            raise self._error
        if done is not None and told != len(self._png):
            done(len(self._png), self.total)
        return self._png


def render(shots: Sequence[Shot], done: Done | None = None) -> list[bytes]:
    """PNG bytes of every shot, in order, from one browser session (the one kept open, if
    any). Runs in threads of its own, so it works under a running event loop (Streamlit,
    pytest-asyncio) too; ``done`` hears of each figure rendered, in the caller's thread."""
    return Rendering(shots).result(done)


# ----------------------------------------------------------------------------- chart export


def with_caption(fig: go.Figure, caption: str) -> go.Figure:
    """The figure with ``caption`` (fiscal year, scope, data date...) under its title."""
    out = go.Figure(fig)
    title = out.layout.title.text or ""
    out.update_layout(title=dict(text=title, subtitle=dict(text=charts.plain(caption), font=dict(size=16, color="#6B7B72"))),
                      margin=dict(t=110))
    return out


@dataclass(frozen=True)
class ChartFile:
    name: str  # file name: "02-ladder.png"
    png: bytes


def deck_charts(deck: Deck, *, size: tuple[int, int] = CHART_SIZE, scale: float = SCALE,
                done: Done | None = None) -> list[ChartFile]:
    """Every chart of the deck as a PNG at presentation resolution, each with its title and
    the deck's facts (fiscal year, scope, data date, default set) as a caption; ``done``
    hears of each chart rendered."""
    named = chart_shots(deck, size=size, scale=scale)
    pngs = render([s for _, s in named], done)
    return [ChartFile(name, png) for (name, _), png in zip(named, pngs, strict=True)]


def chart_shots(deck: Deck, *, size: tuple[int, int] = CHART_SIZE, scale: float = SCALE) -> list[tuple[str, Shot]]:
    """(file name, what to render) for every chart of the deck, captioned."""
    named = []
    for n, slide in enumerate(deck.slides, start=1):
        fig = slide.figure(present=True)
        if fig is None:
            continue
        if not fig.layout.title.text:
            fig.update_layout(title=charts.plain(slide.title))
        # The map is laid out for its drawn size (markers kept clear at that size): draw it
        # at the slide's size and give the picture its pixels through the scale instead.
        w, h, k = (*SLIDE_MAP, scale * 1.75) if slide.kind == "map" else (*size, scale)
        named.append((f"{n:02d}-{slide.key.replace(':', '-').lower()}.png",
                      Shot(with_caption(fig, deck.footer), w, h, k)))
    return named


def slide_shot(slide: Slide, chart_css: tuple[int, int] = SLIDE_CHART, map_css: tuple[int, int] = SLIDE_MAP,
               scale: float = SLIDE_SCALE) -> Shot | None:
    """What to render of a slide's chart, without its own title (the slide's or the
    section's title stands above it); None for a slide without a chart."""
    fig = slide.figure(present=True)
    if fig is None:
        return None
    fig.update_layout(title=None, margin=dict(t=20))
    w, h = map_css if slide.kind == "map" else chart_css
    return Shot(fig, w, h, scale)


def slide_shots(deck: Deck, chart_css: tuple[int, int] = SLIDE_CHART, map_css: tuple[int, int] = SLIDE_MAP,
                scale: float = SLIDE_SCALE, *, kinds: Collection[str] | None = None) -> list[tuple[int, Shot]]:
    """(slide index, what to render) for every slide with a chart (of ``kinds``: all)."""
    out = []
    for i, s in enumerate(deck.slides):
        if kinds is not None and s.kind not in kinds:
            continue
        shot = slide_shot(s, chart_css, map_css, scale)
        if shot is not None:
            out.append((i, shot))
    return out


def render_slides(deck: Deck, kinds: Collection[str] | None = None) -> dict[int, bytes]:
    """slide index -> PNG of its chart (of ``kinds``: all), in one browser session."""
    shots = slide_shots(deck, kinds=kinds)
    return dict(zip((i for i, _ in shots), render([s for _, s in shots]), strict=True))


def chart_png(fig: go.Figure, caption: str, *, size: tuple[int, int] = CHART_SIZE, scale: float = SCALE) -> bytes:
    """One chart (any figure from ``charts``) as a PNG with ``caption`` under its title."""
    return render([Shot(with_caption(fig, caption), size[0], size[1], scale)])[0]
