"""``ecocity sample``: write the sample workbooks, load them through the upload path (idempotent),
remove them (see docs/design-notes.md)."""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ecocity.core.framework import Framework
from ecocity.i18n import t

if TYPE_CHECKING:
    from ecocity.core.access import Actor

UPLOADED_BY = "ecocity sample"
# 2566_MAP-TA-PHUT.xlsx, 2566_MAP-TA-PHUT_v2.xlsx: what --write makes and --load reads.
_NAME = re.compile(r"^(?P<year>\d{4})_(?P<estate>[A-Z0-9-]+?)(?:_v(?P<version>\d+))?\.xlsx$")

Progress = Callable[[int, int, str, str], None]  # (done, total, file name, outcome text)


def default_dir() -> Path:
    from ecocity.config import settings

    return settings().data_dir / "sample"


def _order(path: Path) -> tuple[int, int, str]:
    """Load order: every first version before any correction, each by year then estate."""
    m = _NAME.match(path.name)
    if m is None:
        return (10**6, 0, path.name)
    return (int(m["version"] or 1), int(m["year"]), m["estate"])


def sample_paths(directory: Path) -> list[Path]:
    """The sample workbooks in ``directory`` in load order."""
    return sorted((p for p in directory.glob("*.xlsx") if _NAME.match(p.name)), key=_order)


# ----------------------------------------------------------------------------- write


def write_sample(fw: Framework, directory: Path) -> list[Path]:
    """Write one workbook per sample file (official template, filled in) to ``directory``,
    replacing any sample workbooks left from an earlier set."""
    from ecocity.io.sample import sample_files
    from ecocity.io.workbook.template import write_submission

    directory.mkdir(parents=True, exist_ok=True)
    files = sample_files(fw)
    wanted = {name for name, _ in files}
    for old in sample_paths(directory):
        if old.name not in wanted:
            old.unlink()
    out = []
    for name, data in files:
        path = directory / name
        content = write_submission(fw, data)
        if not path.exists() or path.read_bytes() != content:  # keep unchanged files untouched
            path.write_bytes(content)
        out.append(path)
    return out


# ----------------------------------------------------------------------------- load


@dataclass
class LoadReport:
    total: int = 0
    stored: int = 0
    duplicates: int = 0
    rejected: list[tuple[str, list[str]]] = field(default_factory=list)  # (file, messages)
    skipped_not_empty: bool = False
    refused_real_data: bool = False  # the database holds real submissions: nothing loaded


def load_sample(engine: Any, directory: Path, fw: Framework, *, by: Actor, if_empty: bool = False,
                progress: Progress | None = None, lang: str | None = "th") -> LoadReport:
    """Import the sample workbooks of ``directory`` through the upload path: each file is
    checked like ``ecocity check`` (``read_files``) and recorded by ``intake.record``, the
    same step as a confirmed upload and ``ecocity import``, flagged as sample data.

    With ``if_empty``, nothing is loaded when the database already holds any submission.
    Otherwise, nothing is loaded either when it holds real (not sample) submissions
    (``refused_real_data``): sample data must never replace real data (the store refuses
    a sample version over a real one too; this refuses the whole set up front).
    A file the checker rejects is logged as a rejected upload, as an officer's would be.

    ``by`` is who loads (it must be allowed to "manage_sample"): ``ecocity sample --load``
    passes the command-line actor ``access.system("ecocity sample")``."""
    from ecocity.cli.workbook import read_files
    from ecocity.flows.intake import estates_of, record
    from ecocity.store import queries, session_scope

    report = LoadReport()
    with session_scope(engine) as s:
        if if_empty and queries.has_data(s):
            report.skipped_not_empty = True
            return report
        if queries.has_data(s, include_sample=False):
            report.refused_real_data = True
            return report
    paths = sample_paths(directory)
    report.total = len(paths)
    for done, (path, content, result) in enumerate(read_files(paths, fw, estates_of(engine)), 1):
        loaded = _loaded_before(engine, result, content)
        if loaded is not None:
            report.duplicates += 1
            if progress is not None:
                progress(done, report.total, path.name, t("sample.already_loaded", lang, version=loaded))
            continue
        outcome = record(engine, result, filename=path.name, content=content, by=by,
                         fw=fw, is_sample=True, accept=True)  # sample data has no reviewer
        if outcome.kind == "stored":
            report.stored += 1
        elif outcome.kind == "duplicate":
            report.duplicates += 1
        else:
            texts = [m.text(lang) for m in result.errors] or [outcome.message(lang)]
            report.rejected.append((path.name, texts))
        if progress is not None:
            progress(done, report.total, path.name, outcome.message(lang))
    return report


def _loaded_before(engine: Any, result: Any, content: bytes) -> int | None:
    """The sample version already stored from these bytes, if the file was loaded before."""
    from ecocity.store import session_scope
    from ecocity.store.uploads import sha256_of
    from ecocity.store.versions import stored_version_of

    data = result.submission
    if not result.accepted or data is None:
        return None
    with session_scope(engine) as s:
        return stored_version_of(s, data.estate_code, data.fiscal_year, sha256_of(content), is_sample=True)


# ----------------------------------------------------------------------------- command


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sample", help="write, load or remove the sample data (clearly labelled, not real)",
                       description="The sample data: one workbook per estate and fiscal year in the "
                                   "official template, loaded through the same path as an upload.")
    what = p.add_mutually_exclusive_group(required=True)
    what.add_argument("--write", nargs="?", const="", metavar="DIR",
                      help="write the sample workbooks (default: data/sample)")
    what.add_argument("--load", nargs="?", const="", metavar="DIR",
                      help="import the sample workbooks as uploads (default: data/sample); refused "
                           "when the database holds real (not sample) data")
    what.add_argument("--load-if-empty", nargs="?", const="", metavar="DIR",
                      help="like --load --if-empty")
    what.add_argument("--remove", action="store_true", help="remove all sample data from the database")
    p.add_argument("--if-empty", action="store_true",
                   help="with --load: do nothing when the database already holds data")
    p.add_argument("--database-url", metavar="URL",
                   help="SQLAlchemy URL (default: ECOCITY_DATABASE_URL, else var/ecocity.sqlite3)")
    p.add_argument("--framework", help="framework file (default: the framework in force)")
    p.add_argument("--lang", choices=("th", "en"), help="language of the messages (default: ECOCITY_LANG)")
    p.set_defaults(func=cmd_sample)


def _framework(args: argparse.Namespace) -> Framework:
    from ecocity.config import settings
    from ecocity.core.framework import get_framework

    return get_framework(args.framework or settings().framework_path)


def _size(paths: list[Path]) -> str:
    total = sum(p.stat().st_size for p in paths)
    return f"{total / 2**20:.1f} MB" if total >= 2**20 else f"{total / 2**10:.0f} KB"


def cmd_sample(args: argparse.Namespace) -> int:
    from ecocity.cli.common import UsageError
    from ecocity.config import settings

    lang = args.lang or settings().default_lang
    if args.write is not None:
        directory = Path(args.write) if args.write else default_dir()
        from ecocity.cli.workbook import framework_for_check

        # Without --framework: the framework in force in the database, read only (nothing is
        # written there, no schema migrated), else the file.
        fw = framework_for_check(args.framework, args.database_url)
        try:
            paths = write_sample(fw, directory)
        except ImportError as e:
            raise UsageError(t("sample.no_writer", lang, detail=str(e))) from None
        print(t("sample.written", lang, count=len(paths), size=_size(paths), dir=directory))
        return 0
    if args.if_empty and args.load is None:
        raise UsageError("--if-empty goes with --load")
    from ecocity.cli.common import with_engine

    return with_engine(args.database_url, lambda engine: _run(args, engine, lang))


def _run(args: argparse.Namespace, engine: Any, lang: str) -> int:
    from ecocity.cli.common import UsageError
    from ecocity.core.access import system
    from ecocity.store import remove_sample, schema_revision
    from ecocity.store.db import safe_url

    if schema_revision(engine) is None:
        raise UsageError(f"database {safe_url(engine)} has no schema yet; run `ecocity db upgrade`")
    if args.framework:
        fw = _framework(args)
    else:  # the framework in force there: an administrator may have activated another one
        from ecocity.store.inforce import framework_in_force

        fw = framework_in_force(engine)
    if args.remove:
        removed = remove_sample(engine, system(UPLOADED_BY), fw)
        print(t("sample.removed", lang, submissions=removed.submissions, uploads=removed.uploads)
              if removed.submissions or removed.uploads else t("sample.nothing_removed", lang))
        return 0
    raw = args.load if args.load is not None else args.load_if_empty
    directory = Path(raw) if raw else default_dir()
    if not sample_paths(directory):
        raise UsageError(t("sample.no_files", lang, dir=directory))
    def show(done: int, total: int, name: str, outcome: str) -> None:
        if done == 1:  # not before: --if-empty may decide to load nothing
            print(t("sample.loading", lang, total=total, dir=directory, db=safe_url(engine)))
        print(f"[{done:>{len(str(total))}}/{total}] {name}: {outcome}", flush=True)

    report = load_sample(engine, directory, fw, by=system(UPLOADED_BY),
                         if_empty=args.if_empty or args.load_if_empty is not None, progress=show, lang=lang)
    if report.skipped_not_empty:
        print(t("sample.not_empty", lang))
        return 0
    if report.refused_real_data:
        raise UsageError(t("sample.real_data", lang))  # exit status 2
    print(t("sample.loaded", lang, stored=report.stored, duplicates=report.duplicates,
            rejected=len(report.rejected)))
    return 1 if report.rejected else 0
