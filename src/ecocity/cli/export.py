"""``ecocity export pptx|pdf|png``: the deck of one fiscal year and scope as slides, a report or
one PNG per chart (docs/cli.md), with a progress bar naming each step when stderr is a
terminal, and nothing when it is not (a script, a log)."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TextIO

from ecocity.i18n import t


class ProgressBar:
    """``[#######.......]  45% Writing the slides (6/13)`` on one line of ``stream``, redrawn
    in place (at most ten times a second) and cleared at the end; silent unless ``stream`` is
    a terminal."""

    def __init__(self, stream: TextIO | None = None, width: int = 24):
        self.stream = stream if stream is not None else sys.stderr
        self.width = width
        self.on = bool(getattr(self.stream, "isatty", lambda: False)())
        self._last = 0.0
        self._shown = False

    def __call__(self, share: float, step: str) -> None:
        if not self.on:
            return
        now = time.monotonic()
        if share < 1.0 and now - self._last < 0.1:
            return
        self._last = now
        share = min(max(share, 0.0), 1.0)
        filled = round(share * self.width)
        self.stream.write(f"\r[{'#' * filled}{'.' * (self.width - filled)}] {share:4.0%} {step}\x1b[K")
        self.stream.flush()
        self._shown = True

    def close(self) -> None:
        if self._shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._shown = False


def _scope_param(args: argparse.Namespace, registry) -> str:
    from ecocity.cli.common import UsageError

    if args.area:
        codes = {a.code.lower(): a.code for a in registry.areas}
        if args.area.lower() not in codes:
            raise UsageError(t("export.no_area", args.lang, code=args.area))
        return f"area:{codes[args.area.lower()]}"
    if args.region:
        regions = {r.lower(): r for r in registry.regions}
        if args.region.lower() not in regions:
            raise UsageError(t("export.no_region", args.lang, region=args.region, regions=", ".join(registry.regions)))
        return f"region:{regions[args.region.lower()]}"
    return "country"


def png_targets(out: Path, names: list[str]) -> list[Path]:
    """Where each chart's PNG goes (see the module's docstring)."""
    if out.is_dir() or str(out).endswith(("/", "\\")) or not out.suffix:
        return [out / n for n in names]
    if len(names) == 1:
        return [out]
    return [out.with_name(f"{out.stem}-{n}") for n in names]


def cmd_export(args: argparse.Namespace) -> int:
    from ecocity.cli.common import UsageError
    from ecocity.flows.deck import load_deck
    from ecocity.io.export.png import ExportError
    from ecocity.io.export.progress import Steps, part
    from ecocity.store import make_engine, queries, session_scope

    engine = make_engine(args.database) if args.database else make_engine()
    bar = ProgressBar()
    progress = bar if bar.on else None
    try:
        Steps(progress, args.lang)(0.0, "reading")
        with session_scope(engine) as s:
            registry = queries.registry_overview(s)
            years = queries.fiscal_years(s, pending=args.include_pending)
        if args.year not in years:
            raise UsageError(t("export.no_year", args.lang, year=args.year,
                               years=", ".join(map(str, years)) or "–"))
        deck = load_deck(engine, args.year, _scope_param(args, registry), args.lang, pending=args.include_pending)
        out = Path(args.out)
        building = part(progress, 0.1, 1.0)  # reading the data: the first tenth
        step = Steps(building, args.lang)
        try:
            if args.format == "png":
                from ecocity.io.export.png import deck_charts

                step(0.0, "charts")
                files = deck_charts(deck, done=lambda n, total: step(n / total, "charts", n, total))
                bar.close()
                targets = png_targets(out, [f.name for f in files])
                for f, path in zip(files, targets, strict=True):
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_bytes(f.png)
                print(t("export.written_many", args.lang, n=len(targets), path=targets[0].parent if targets else out))
                return 0
            if args.format == "pptx":
                from ecocity.io.export.pptx import deck_pptx

                data = deck_pptx(deck, progress=building)
            else:
                from ecocity.io.export.pdf import deck_pdf

                data = deck_pdf(deck, progress=building)
        except ExportError as e:
            raise UsageError(str(e)) from None
        finally:
            bar.close()
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(data)
        print(t("export.written", args.lang, path=out))
        return 0
    finally:
        bar.close()
        engine.dispose()


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("export", help="the seminar deck (PPTX), the executive report (PDF) or the charts (PNG)",
                       description="Slides, report or charts of one fiscal year, from the data in the database.")
    p.add_argument("format", choices=("pptx", "pdf", "png"))
    p.add_argument("--year", type=int, required=True, help="fiscal year (B.E.), e.g. 2566")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--area", metavar="CODE", help="one area (default: the whole country)")
    where.add_argument("--region", metavar="REGION", help='one region as stored, e.g. "East"')
    p.add_argument("--lang", choices=("th", "en"), default="th", help="language (default th)")
    p.add_argument("--out", required=True, help="file to write (png: a folder, or a file name stem)")
    p.add_argument("--include-pending", action="store_true",
                   help="count each estate's newest version waiting for review (marked *, and said in the footer)")
    p.add_argument("--database", help="database URL (default: ECOCITY_DATABASE_URL)")
    p.set_defaults(func=cmd_export)


if __name__ == "__main__":  # pragma: no cover
    from ecocity.cli import main

    sys.exit(main(["export", *sys.argv[1:]]))
