"""Time to generate each export for the whole country: the slide sequence, the PNG charts,
the PPTX deck and the PDF report, at the sample size and at the ten-times data set
(``bench/bigdata.py``), Thai, fiscal year 2566 (else the latest with data).

Each export starts its own Chromium (kaleido), as the command and a download button do:
the figures include that start. The chart rendering is printed apart (cold = the first
export of the process; per figure when batched).

    .venv/bin/python bench/bench_export.py [--sizes sample,big] [--year 2566] [--lang th|en] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))
if str(ROOT / "src") not in sys.path:
    sys.path.insert(0, str(ROOT / "src"))

import bigdata  # noqa: E402

GOAL_SECONDS = 60  # a download button a presenter waits for: a minute at most at the larger size


def _timed(fn, *args, **kw):
    t0 = time.perf_counter()
    out = fn(*args, **kw)
    return out, time.perf_counter() - t0


def bench(size: str, lang: str, keep: Path | None, want_year: int) -> None:
    ds = bigdata.sqlite(size)
    with tempfile.TemporaryDirectory(prefix="ecocity-bench-export-") as tmp:
        ds = bigdata.working_copy(ds, Path(tmp))
        os.environ.update(ds.env())
        from ecocity.core.framework import load_framework
        from ecocity.flows.deck import load_deck
        from ecocity.io.export.pdf import deck_pdf
        from ecocity.io.export.png import deck_charts
        from ecocity.io.export.pptx import deck_pptx
        from ecocity.store import make_engine

        engine = make_engine(ds.url)
        fw = load_framework(Path(ds.data_dir) / "frameworks" / "eit-default.toml")
        year = want_year if want_year in ds.years else max(ds.years)
        deck, t_deck = _timed(load_deck, engine, year, "country", lang, fw=fw)
        charts = sum(1 for s in deck.slides if s.chart is not None)
        print(f"-- {size}: {ds.areas} areas, {ds.estates} estates, {ds.submissions} submissions; "
              f"FY {year}, whole country: {len(deck.slides)} slides, {charts} charts")
        print(f"   {'export':<8} {'seconds':>8} {'per chart':>10} {'size':>10}  goal")
        print(f"   {'deck':<8} {t_deck:8.2f} {'':>10} {'':>10}  (read + slide sequence)")
        rows = []
        files, t_png = _timed(deck_charts, deck)
        rows.append(("png", t_png, sum(len(f.png) for f in files)))
        pptx, t_pptx = _timed(deck_pptx, deck)
        rows.append(("pptx", t_pptx, len(pptx)))
        pdf, t_pdf = _timed(deck_pdf, deck)
        rows.append(("pdf", t_pdf, len(pdf)))
        for name, secs, nbytes in rows:
            total = secs + t_deck
            ok = "ok" if total <= GOAL_SECONDS else "OVER"
            print(f"   {name:<8} {total:8.2f} {secs / max(charts, 1):10.2f} {nbytes / 1e6:8.1f} MB  {ok} "
                  f"(<= {GOAL_SECONDS} s)")
        if keep:
            keep.mkdir(parents=True, exist_ok=True)
            (keep / f"{size}-{year}-{lang}.pptx").write_bytes(pptx)
            (keep / f"{size}-{year}-{lang}.pdf").write_bytes(pdf)
        engine.dispose()


def main(argv: list[str]) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", default="sample,big")
    p.add_argument("--lang", default="th", choices=("th", "en"))
    p.add_argument("--keep", type=Path, help="write the PPTX and PDF into this folder")
    p.add_argument("--year", type=int, default=2566, help="fiscal year (default 2566, else the latest)")
    args = p.parse_args(argv)
    from ecocity.io.export.png import ExportError, chromium_path

    try:
        print(f"chromium: {chromium_path()}")
    except ExportError as e:
        print(f"skipped: {e}")
        return
    for size in args.sizes.split(","):
        bench(size.strip(), args.lang, args.keep, args.year)


if __name__ == "__main__":
    main(sys.argv[1:])
