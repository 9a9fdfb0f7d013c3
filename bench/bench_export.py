"""Time to make each export, at the sample size and at the ten-times data set (``bench/bigdata.py``),
Thai, fiscal year 2566 (else the latest with data): the whole country's PNG charts, PPTX deck and
PDF report, and one area's PPTX; beside the PPTX, its floor.

The floor is what python-pptx alone needs for a deck of the same slides (title, bullets,
footer, notes: the same text, plain) with the same native charts (the export's own chart
writer, so the charts in the file are the same), built from ready data: the chart data
already read from the figures, the map's picture already rendered, no text fitting. The
goals compare the export with it. A bare floor (python-pptx's default charts, unstyled) is
printed beside it.

Each export is timed as a download button makes it in a running server: from the deck (read
once, timed apart) to the file's bytes, the map's picture rendered by the browser the server
keeps open between exports (kaleido and the system Chromium; the PNG export, first, starts
it), the PNG charts in one browser session. The process is warmed first (imports, the font's
metrics). Times under 10 s are the best of three runs (a shared 2-CPU machine is noisy). The
same PPTX with the browser closed first (as ``ecocity export``, a new process, has it) is
printed too. ``--cli`` also times ``ecocity export`` end to end (a new process each: Python's
start, the imports and the data read included) at the sample size.

Goals (printed, never asserted): the whole country's PPTX at 10x within 2x its floor and
under 5 s; the whole country's PDF at 10x under 10 s; one area's PPTX under 1 s.

    .venv/bin/python bench/bench_export.py [--sizes sample,big] [--year 2566] [--lang th|en] [--keep DIR] [--cli]
"""

from __future__ import annotations

import argparse
import io
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
if str(ROOT / "src") not in sys.path:
    sys.path.insert(0, str(ROOT / "src"))

import bigdata  # noqa: E402

FLOOR_RATIO = 2.0  # the whole country's PPTX at 10x: at most this times its floor
PPTX_SECONDS = 5.0  # ... and under this
PDF_SECONDS = 10.0  # the whole country's PDF at 10x
AREA_PPTX_SECONDS = 1.0  # one area's PPTX, any size


def _timed(fn, *args, **kw):
    t0 = time.perf_counter()
    out = fn(*args, **kw)
    return out, time.perf_counter() - t0


def _best(fn, *args, runs: int = 3, **kw):
    """(result, best time of ``runs``): one run when it takes 10 s or more."""
    out, best = _timed(fn, *args, **kw)
    for _ in range(runs - 1):
        if best >= 10:
            break
        out, secs = _timed(fn, *args, **kw)
        best = min(best, secs)
    return out, best


def _cold(fn, *args, **kw):
    """``fn`` timed with the browser kept between exports closed first."""
    from ecocity.io.export.png import close_browser

    close_browser()
    return _timed(fn, *args, **kw)


def ready_data(deck):
    """(slide index -> chart data, slide index -> the map's PNG): what the floor starts from."""
    from ecocity.io.export.slidecharts import DeckCharts, Pictures

    pictures = Pictures(deck).result()
    charts = DeckCharts(deck, pictures)
    data = {i: d for i in range(len(deck.slides)) if (d := charts.native(i)) is not None}
    return data, pictures


def floor_pptx(deck, data, pictures, *, bare: bool = False) -> bytes:
    """A python-pptx deck of the same slides with the same native charts, from ready data
    (``bare``: python-pptx's default charts of the same data)."""
    from pptx import Presentation
    from pptx.chart.data import CategoryChartData
    from pptx.util import Inches

    from ecocity.io.export.pptx import set_fonts
    from ecocity.io.export.pptxchart import CHART_TYPE, add_chart

    prs = Presentation()
    prs.slide_width, prs.slide_height = Inches(13.333), Inches(7.5)
    for i, s in enumerate(deck.slides):
        slide = prs.slides.add_slide(prs.slide_layouts[5])
        slide.shapes.title.text = s.title
        tf = slide.shapes.add_textbox(Inches(0.6), Inches(1.5), Inches(5.4), Inches(5.3)).text_frame
        for k, line in enumerate(s.bullets):
            (tf.paragraphs[0] if k == 0 else tf.add_paragraph()).text = line.strip()
        slide.shapes.add_textbox(Inches(0.6), Inches(6.95), Inches(11), Inches(0.4)).text_frame.text = deck.footer
        slide.notes_slide.notes_text_frame.text = "\n".join([*s.notes, *deck.facts])
        if i in data and not bare:
            add_chart(slide.shapes, data[i], Inches(6.3), Inches(1.5), Inches(6.4), Inches(5.3),
                      fonts=lambda rpr: set_fonts(rpr, deck.lang))
        elif i in data:
            d = data[i]
            cd = CategoryChartData()
            cd.categories = d.categories
            for ser in d.series:
                cd.add_series(ser.name or "-", ser.values)
            slide.shapes.add_chart(CHART_TYPE[(d.kind, d.stacked)], Inches(6.3), Inches(1.5), Inches(6.4),
                                   Inches(5.3), cd)
        elif i in pictures:
            slide.shapes.add_picture(io.BytesIO(pictures[i]), Inches(8), Inches(1.5), height=Inches(5.3))
    buf = io.BytesIO()
    prs.save(buf)
    return buf.getvalue()


def _goal(ok: bool, text: str) -> str:
    return f"{'ok' if ok else 'OVER'} ({text})"


def _cli(fmt: str, env: dict[str, str], year: int, lang: str, out: Path) -> float:
    cmd = [str(Path(sys.executable).parent / "ecocity"), "export", fmt, "--year", str(year), "--lang", lang,
           "--out", str(out / (f"{fmt}/" if fmt == "png" else f"deck.{fmt}"))]
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, env={**os.environ, **env}, capture_output=True, timeout=600)
    return time.perf_counter() - t0


def bench(size: str, lang: str, keep: Path | None, want_year: int, cli: bool) -> None:
    ds = bigdata.sqlite(size)
    with tempfile.TemporaryDirectory(prefix="ecocity-bench-export-") as tmp:
        ds = bigdata.working_copy(ds, Path(tmp))
        os.environ.update(ds.env())
        from ecocity.core.framework import load_framework
        from ecocity.flows.deck import load_deck
        from ecocity.io.export.bundle import build
        from ecocity.io.export.pdf import deck_pdf
        from ecocity.io.export.pptx import deck_pptx
        from ecocity.store import make_engine

        engine = make_engine(ds.url)
        fw = load_framework(Path(ds.data_dir) / "frameworks" / "eit-default.toml")
        year = want_year if want_year in ds.years else max(ds.years)
        deck, t_deck = _timed(load_deck, engine, year, "country", lang, fw=fw)
        area, t_area_deck = _timed(load_deck, engine, year, f"area:{ds.area}", lang, fw=fw)
        charts = sum(1 for s in deck.slides if s.chart is not None)
        print(f"-- {size}: {ds.areas} areas, {ds.estates} estates, {ds.submissions} submissions; "
              f"FY {year}, whole country: {len(deck.slides)} slides, {charts} charts")
        data, pictures = ready_data(deck)  # (the map's picture rendered once here, for the floor)
        area_pictures = ready_data(area)[1]
        _, t_cold = _timed(deck_pptx, area, images=area_pictures)  # imports, the font's metrics
        _, t_warm = _timed(deck_pdf, area, images=area_pictures)
        print(f"   warm-up (first exports of the process, map ready): PPTX {t_cold:.2f} s, PDF {t_warm:.2f} s")
        floor, t_floor = _best(floor_pptx, deck, data, pictures)
        _, t_bare = _best(floor_pptx, deck, data, pictures, bare=True)
        png, t_png = _cold(build, deck, "png")  # the first export: the browser starts
        pptx, t_pptx = _best(deck_pptx, deck)
        _, t_pptx_ready = _best(deck_pptx, deck, images=pictures)
        pdf, t_pdf = _best(deck_pdf, deck)
        area_pptx, t_area = _best(deck_pptx, area)
        area_ready, t_area_ready = _best(deck_pptx, area, images=area_pictures)
        _, t_pptx_cold = _cold(deck_pptx, deck)
        _, t_area_cold = _cold(deck_pptx, area)
        big = size == "big"
        print(f"   {'export':<28} {'seconds':>8} {'x floor':>8} {'size':>9}  goal")
        print(f"   {'deck (read, slides)':<28} {t_deck:8.2f} {'':>8} {'':>9}  (one area's: {t_area_deck:.2f} s)")
        print(f"   {'png, whole country':<28} {t_png:8.2f} {'':>8} {len(png) / 1e6:7.1f} MB  "
              f"({charts} charts, one browser session, its start included)")
        ratio = t_pptx / t_floor
        goal = (_goal(ratio <= FLOOR_RATIO and t_pptx < PPTX_SECONDS,
                      f"<= {FLOOR_RATIO:g}x floor and < {PPTX_SECONDS:g} s at 10x") if big else "(goal at 10x)")
        print(f"   {'pptx, whole country':<28} {t_pptx:8.2f} {ratio:7.1f}x {len(pptx) / 1e6:7.1f} MB  {goal}")
        print(f"   {'  floor (python-pptx)':<28} {t_floor:8.2f} {1:7.1f}x {len(floor) / 1e6:7.1f} MB  "
              "(same slides and native charts, ready data)")
        print(f"   {'  bare floor':<28} {t_bare:8.2f} {t_bare / t_floor:7.1f}x {'':>9}  "
              "(python-pptx's default charts: no colours, no Thai typeface)")
        print(f"   {'  browser not started':<28} {t_pptx_cold:8.2f} {t_pptx_cold / t_floor:7.1f}x {'':>9}  "
              "(as a new process: the map waits for Chromium's start)")
        print(f"   {'  map picture kept':<28} {t_pptx_ready:8.2f} {t_pptx_ready / t_floor:7.1f}x {'':>9}  "
              "(the same data again, as the floor has it)")
        goal = _goal(t_pdf < PDF_SECONDS, f"< {PDF_SECONDS:g} s at 10x") if big else "(goal at 10x)"
        print(f"   {'pdf, whole country':<28} {t_pdf:8.2f} {'':>8} {len(pdf) / 1e6:7.1f} MB  {goal}")
        print(f"   {'pptx, one area':<28} {t_area:8.2f} {'':>8} {len(area_pptx) / 1e6:7.1f} MB  "
              f"{_goal(t_area < AREA_PPTX_SECONDS, f'< {AREA_PPTX_SECONDS:g} s')}")
        print(f"   {'  browser not started':<28} {t_area_cold:8.2f} {'':>8} {'':>9}  (as a new process)")
        print(f"   {'  map picture kept':<28} {t_area_ready:8.2f} {'':>8} {len(area_ready) / 1e6:7.1f} MB  "
              "(the same data again: the download panel keeps the picture)")
        if cli and size == "sample":
            with tempfile.TemporaryDirectory(prefix="ecocity-bench-cli-") as out:
                env = {**ds.env(), "ECOCITY_DATABASE_URL": ds.url}
                times = {fmt: _cli(fmt, env, year, lang, Path(out)) for fmt in ("png", "pptx", "pdf")}
            print("   ecocity export (new process each): "
                  + ", ".join(f"{fmt.upper()} {secs:.1f} s" for fmt, secs in times.items()))
        if keep:
            keep.mkdir(parents=True, exist_ok=True)
            (keep / f"{size}-{year}-{lang}.pptx").write_bytes(pptx)
            (keep / f"{size}-{year}-{lang}.pdf").write_bytes(pdf)
            (keep / f"{size}-{year}-{lang}-floor.pptx").write_bytes(floor)
        engine.dispose()


def main(argv: list[str]) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", default="sample,big")
    p.add_argument("--lang", default="th", choices=("th", "en"))
    p.add_argument("--keep", type=Path, help="write the PPTX, its floor and the PDF into this folder")
    p.add_argument("--year", type=int, default=2566, help="fiscal year (default 2566, else the latest)")
    p.add_argument("--cli", action="store_true", help="also time `ecocity export` end to end at the sample size")
    args = p.parse_args(argv)
    from ecocity.io.export.png import ExportError, chromium_path

    try:
        print(f"chromium: {chromium_path()}")
    except ExportError as e:
        print(f"skipped: {e}")
        return
    for size in args.sizes.split(","):
        bench(size.strip(), args.lang, args.keep, args.year, args.cli)


if __name__ == "__main__":
    main(sys.argv[1:])
