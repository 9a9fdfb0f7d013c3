"""Page benchmark: how long each page takes to run (Streamlit AppTest, in-process, no
browser), in Thai and English, with no submission and with the sample data (about 200
submissions). "first" is opening the page (two script runs) right after the data changed:
cache misses, and on the very first open also the engine and the migration check.
"rerun" is the median of later runs (cached readers): what a user waits for on a click.

    .venv/bin/python bench/bench_pages.py
"""

from __future__ import annotations

import logging
import os
import statistics
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APP = ROOT / "app.py"
PAGES = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "views").glob("*.py"))
RERUNS = 15


def _open(page: str, lang: str):
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(APP), default_timeout=120)
    at.query_params["lang"] = lang
    at.run()
    at.switch_page(page)
    return at


def _time_page(page: str, lang: str) -> tuple[float, float, float]:
    t0 = time.perf_counter()
    at = _open(page, lang).run()
    first = time.perf_counter() - t0
    if at.exception or at.error:
        raise SystemExit(f"{page} ({lang}) failed: {[e.value for e in (*at.exception, *at.error)]}")
    times = []
    for _ in range(RERUNS):
        t0 = time.perf_counter()
        at.run()
        times.append(time.perf_counter() - t0)
    times.sort()
    return first, statistics.median(times), times[int(0.9 * (len(times) - 1))]


def _load_sample(url: str) -> int:
    from ecocity.framework import load_framework
    from ecocity.sample import sample_filename, sample_submissions
    from ecocity.store.db import make_engine
    from ecocity.store.uploads import store_submission

    fw = load_framework()
    engine = make_engine(url)
    subs = sample_submissions(fw)
    try:
        for data in subs:
            store_submission(engine, data, filename=sample_filename(data), content=repr(data).encode(),
                             uploaded_by="bench", is_sample=True, fw=fw)
    finally:
        engine.dispose()
    return len(subs)


def main() -> None:
    logging.getLogger("streamlit").setLevel(logging.ERROR)
    tmp = Path(tempfile.mkdtemp(prefix="bench-pages-"))
    url = f"sqlite:///{tmp / 'bench.sqlite3'}"
    os.environ["ECOCITY_DATABASE_URL"] = url
    print(f"pages: {', '.join(PAGES)}; SQLite in {tmp}; {RERUNS} reruns each")
    print(f"{'data':<16}{'page':<24}{'lang':<6}{'first s':>9}{'rerun ms':>10}{'p90 ms':>9}")
    for label in ("no submissions", None):
        if label is None:
            t0 = time.perf_counter()
            n = _load_sample(url)
            label = f"sample ({n})"
            print(f"  (stored {n} sample submissions in {time.perf_counter() - t0:.1f} s)")
        for page in PAGES:
            for lang in ("th", "en"):
                first, median, p90 = _time_page(page, lang)
                print(f"{label:<16}{page:<24}{lang:<6}{first:>9.2f}{median * 1000:>10.1f}{p90 * 1000:>9.1f}")


if __name__ == "__main__":
    main()
