"""``ecocity template``, ``ecocity check`` (stores nothing) and ``ecocity import`` (checks, then
stores through ``ecocity.flows.intake.record``) (see docs/design-notes.md)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from ecocity.i18n import t
from ecocity.store.schema import read_only

if TYPE_CHECKING:
    from ecocity.core.framework import Framework
    from ecocity.io.workbook.result import CheckResult

Estates = Mapping[str, tuple[str, str]]
T = TypeVar("T")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("template", help="write the official submission workbook (.xlsx)",
                       description="Write the empty official workbook for the framework in force.")
    p.add_argument("--out", metavar="FILE",
                   help="file to write (default: ecocity-template-<framework>-v<version>.xlsx here)")
    p.add_argument("--framework", metavar="PATH",
                   help="framework file (default: the framework in force: the one an administrator activated "
                        "in the database, read only, else the framework file)")
    p.add_argument("--database-url", metavar="URL",
                   help="database to read the framework in force from, read only (default: ECOCITY_DATABASE_URL, "
                        "else var/ecocity.sqlite3)")
    p.add_argument("--lang-first", choices=("th", "en"), default="th",
                   help="language first in bilingual labels (default: th)")
    p.set_defaults(func=cmd_template)

    c = sub.add_parser("check", help="check submission workbooks without storing anything",
                       description="Check each file as an upload would be checked and print the "
                                   "outcome, the values read and every error and warning with its cell. "
                                   "Exit status: 0 all accepted, 1 any rejected, 2 usage error.")
    c.add_argument("files", nargs="+", metavar="FILE", help=".xlsx, .xlsm, .xls or .ods files")
    c.add_argument("--json", action="store_true", help="one JSON object per file, one per line")
    c.add_argument("--lang", choices=("th", "en"), help="language of messages (default: ECOCITY_LANG, else th)")
    c.add_argument("--framework", metavar="PATH",
                   help="framework file (default: the framework in force: the one an administrator activated "
                        "in the database, read only, else the framework file)")
    c.add_argument("--database-url", metavar="URL",
                   help="estate registry and framework in force from this database, read only (default: ECOCITY_DATABASE_URL, "
                        "else var/ecocity.sqlite3; data/ieat-estates.csv when the database does not "
                        "exist, cannot be used or is not at this version's schema)")
    c.set_defaults(func=cmd_check)

    i = sub.add_parser("import", help="check submission workbooks and store the accepted ones",
                       description="Check each file as `ecocity check` does, then store each accepted file "
                                   "exactly as a confirmed upload is stored (one transaction per file; a "
                                   "byte-identical file creates no new version). Rejected files are logged "
                                   "with their bytes and change no data. Exit status: 0 all accepted, "
                                   "1 any rejected, 2 usage error.")
    i.add_argument("files", nargs="+", metavar="FILE", help=".xlsx, .xlsm, .xls or .ods files")
    i.add_argument("--as", dest="uploaded_by", metavar="NAME",
                   help="who is importing, for the upload and audit logs, recorded as 'cli:NAME' "
                        "(default: the login name); the operator of the command acts as an administrator")
    i.add_argument("--accept", action="store_true",
                   help="store and accept in one step (published at once); without it each new version "
                        "waits for a reviewer, as an upload does")
    i.add_argument("--json", action="store_true", help="one JSON object per file, one per line")
    i.add_argument("--lang", choices=("th", "en"), help="language of messages (default: ECOCITY_LANG, else th)")
    i.add_argument("--framework", metavar="PATH", help="framework file (default: the framework in force)")
    i.add_argument("--database-url", metavar="URL",
                   help="database to store into (default: ECOCITY_DATABASE_URL, else var/ecocity.sqlite3)")
    i.set_defaults(func=cmd_import)


# ----------------------------------------------------------------------------- shared


def _framework(path: str | None) -> Framework:
    from ecocity.config import settings
    from ecocity.core.framework import get_framework

    return get_framework(path or settings().framework_path)


def framework_for_check(path: str | None, database_url: str | None) -> Framework:
    """``--framework PATH`` when given; else the framework in force in the database (the one
    an administrator activated there), read through a read-only connection as the estates
    are (nothing written, never migrated); else, when the database cannot be read that way,
    the framework file, as for a server without a database."""
    if path:
        return _framework(path)
    from ecocity.store.inforce import framework_in_force

    fw, _why = read_only(database_url, framework_in_force)
    return fw if fw is not None else _framework(None)


def _lang(arg: str | None) -> str:
    from ecocity.config import settings

    return arg or settings().default_lang


def estates_from_registry_csv() -> dict[str, tuple[str, str]]:
    """code -> (name_th, name_en) from data/ieat-estates.csv."""
    from ecocity.core.registry import estates_from_csv

    return {e.code: (e.name_th, e.name_en) for e in estates_from_csv()}


def known_estates(database_url: str | None = None,
                  warn: Callable[[str], None] | None = None) -> dict[str, tuple[str, str]]:
    """The estate registry the reader checks codes against: the database, read only, else
    data/ieat-estates.csv when the database cannot be used (``warn`` is told why).

    Nothing is written: no file is created, the schema is never migrated and the registry
    never synced (that is ``ecocity import``'s or ``ecocity db upgrade``'s job). A database
    without the schema this version expects is not read at all."""
    from ecocity.cli.common import UsageError
    from ecocity.core.registry import RegistryError

    names, reason = _estates_read_only(database_url)
    if names:
        return names
    if warn is not None:
        warn(f"estate registry read from data/ieat-estates.csv ({reason})")
    try:
        return estates_from_registry_csv()
    except RegistryError as e:
        raise UsageError(str(e)) from None


def _estates_read_only(database_url: str | None) -> tuple[dict[str, tuple[str, str]], str]:
    """(code -> names, "") from the database through a read-only connection, or ({}, why
    not) (see ``store.schema.read_only``)."""
    try:
        from ecocity.store.queries import estate_names
    except ImportError as e:  # storage not installed: the registry file is the source
        return {}, str(e)
    names, reason = read_only(database_url, estate_names)
    if names is None:
        return {}, reason
    return (names, "") if names else ({}, "no estates in the database")


def existing_files(names: Sequence[str], lang: str = "en") -> list[Path]:
    """The given paths, or UsageError naming every one that is missing or not a file."""
    from ecocity.cli.common import UsageError

    problems: list[str] = []
    paths = [Path(n) for n in names]
    for n, p in zip(names, paths, strict=True):
        if not p.exists():
            problems.append(t("workbook.cli.no_file", lang, path=n))
        elif not p.is_file():
            problems.append(t("workbook.cli.not_a_file", lang, path=n))
    if problems:
        raise UsageError("; ".join(problems))
    return paths


def read_upload(path: Path, max_bytes: int) -> bytes:
    """The file's bytes, at most ``max_bytes + 1`` of them (enough to know it is too large).
    OSError when the file cannot be read."""
    with path.open("rb") as f:
        return f.read(max_bytes + 1)


def read_files(paths: Sequence[Path], fw: Framework, estates: Estates,
               max_bytes: int | None = None) -> Iterator[tuple[Path, bytes, CheckResult]]:
    """Check each file in turn: (path, content, result). One bad file never stops the rest:
    a file over the limit is not read (its content is empty, its result says too_large), a
    file that cannot be read (gone, no permission, a read error) is rejected as unreadable."""
    from ecocity.config import settings
    from ecocity.io.workbook.reader import check_workbook, too_large, unreadable

    limit = settings().max_upload_bytes if max_bytes is None else max_bytes
    for path in paths:
        try:
            size = path.stat().st_size
            if size > limit:  # never read a mistaken multi-gigabyte argument into memory
                yield path, b"", too_large(size, limit, fw, estates)
                continue
            content = read_upload(path, limit)
        except OSError as e:
            yield path, b"", unreadable(e.strerror or type(e).__name__, fw, estates)
            continue
        yield path, content, check_workbook(content, path.name, fw, estates, max_bytes=limit)


# ----------------------------------------------------------------------------- template


def cmd_template(args: argparse.Namespace) -> int:
    from ecocity.cli.common import UsageError
    from ecocity.core.textsafe import safe_filename
    from ecocity.io.workbook.template import build_template, template_filename

    fw = framework_for_check(args.framework, args.database_url)
    # The framework's id may come from a file uploaded through the browser: a base name only.
    out = Path(args.out) if args.out else Path(safe_filename(template_filename(fw), default="ecocity-template.xlsx"))
    data = build_template(fw, lang_first=args.lang_first)
    try:
        out.write_bytes(data)
    except OSError as e:
        raise UsageError(f"cannot write {out}: {e.strerror or e}") from None
    print(t("workbook.cli.template_written", _lang(None), path=out, indicators=len(fw.indicators),
            framework=fw.version_id))
    return 0


# ----------------------------------------------------------------------------- check


def format_result(display_name: str, res: CheckResult, fw: Framework, lang: str) -> str:
    """The human report of one file: outcome, values, errors and warnings with cells."""
    from ecocity.core.scoring import assess
    from ecocity.core.text import value_text

    status = t(f"workbook.cli.{res.status}", lang)
    head = [f"{display_name}: {status}"]
    if res.estate:
        head.append(f"{t('workbook.cli.estate', lang)} {res.estate}")
    if res.fiscal_year:
        head.append(f"{t('workbook.cli.fiscal_year', lang)} {res.fiscal_year}")
    if res.accepted and res.submission is not None:
        lv = fw.level(assess(fw, res.submission.values).level)
        head.append(f"{t('workbook.cli.level', lang)} {lv.number} {lv.name(lang)}")
    lines = [" · ".join(head)]
    if res.values:
        lines.append(f"  {t('workbook.cli.values', lang)}:")
        width = max(len(c) for c in res.values)
        for code, v in res.values.items():
            lines.append(f"    {code:<{width}}  {value_text(fw.indicator(code), v, lang, exact=True)}")
    for key, msgs in (("errors", res.errors), ("warnings", res.warnings)):
        if msgs:
            lines.append(f"  {t(f'workbook.cli.{key}', lang)} ({len(msgs)}):")
            lines.extend(f"    [{m.code}] {m.text(lang)}" for m in msgs)
    return "\n".join(lines)


def cmd_check(args: argparse.Namespace) -> int:
    lang = _lang(args.lang)
    paths = existing_files(args.files, lang)  # every missing file named at once, before any work
    fw = framework_for_check(args.framework, args.database_url)
    estates = known_estates(args.database_url, warn=lambda msg: print(f"ecocity: {msg}", file=sys.stderr))
    total = len(paths)
    accepted = 0
    for done, (path, _content, res) in enumerate(read_files(paths, fw, estates), 1):
        accepted += res.accepted
        if args.json:
            print(json.dumps(res.to_json(str(path), lang), ensure_ascii=False), flush=True)
        else:
            print(format_result(str(path), res, fw, lang) + ("\n" if done < total else ""), flush=True)
        if total > 1:
            print(t("workbook.cli.progress", lang, done=done, total=total), file=sys.stderr, flush=True)
    if total > 1 and not args.json:
        print(t("workbook.cli.summary", lang, accepted=accepted, total=total))
    return 0 if accepted == total else 1


# ----------------------------------------------------------------------------- import


def _uploader(name: str | None) -> str:
    """``--as NAME``, else the login name ('' when there is none); ``access.system`` makes
    it the command-line actor 'cli:NAME'."""
    import getpass

    if name and name.strip():
        return name.strip()
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no login name in some containers
        return ""


def _size(path: Path) -> int | None:
    """A file's size on disk (an oversize file is never read, so its bytes cannot tell)."""
    try:
        return path.stat().st_size
    except OSError:
        return None


def cmd_import(args: argparse.Namespace) -> int:
    from ecocity.cli.common import UsageError
    from ecocity.core.access import system
    from ecocity.flows.intake import estates_of, record
    from ecocity.store.db import make_engine, safe_url
    from ecocity.store.errors import DatabaseError
    from ecocity.store.schema import upgrade

    lang = _lang(args.lang)
    paths = existing_files(args.files, lang)
    fw = _framework(args.framework)
    who = system(_uploader(args.uploaded_by))
    engine = make_engine(args.database_url)
    try:
        try:
            upgrade(engine, framework=fw)
            if not args.framework:  # an administrator may have activated another one
                from ecocity.store.inforce import framework_in_force

                fw = framework_in_force(engine)
            estates = estates_of(engine)
        except DatabaseError as e:
            raise UsageError(f"database {safe_url(engine)}: {str(e).strip().splitlines()[0]}") from None
        total, ok = len(paths), 0
        for done, (path, content, res) in enumerate(read_files(paths, fw, estates), 1):
            outcome = record(engine, res, filename=path.name, content=content, by=who, fw=fw,
                             size=len(content) if content else _size(path), accept=args.accept)
            ok += outcome.kind in ("stored", "duplicate")
            if args.json:
                obj = res.to_json(str(path), lang) | {
                    "outcome": outcome.kind, "upload_id": outcome.upload_id,
                    "version": outcome.store.version if outcome.store else None,
                    "review": outcome.store.status if outcome.store else None}
                if outcome.error is not None:  # accepted by the check, refused by the store
                    obj["status"] = "rejected"
                    obj["errors"] = [*obj["errors"], {"sheet": None, "cell": None, "code": outcome.error.code,
                                                      "message": outcome.error.message(lang)}]
                print(json.dumps(obj, ensure_ascii=False), flush=True)
            else:
                print(format_result(str(path), res, fw, lang), flush=True)
                print(f"  → {outcome.message(lang)}" + ("\n" if done < total else ""), flush=True)
            if total > 1:
                print(t("workbook.cli.progress", lang, done=done, total=total), file=sys.stderr, flush=True)
        if total > 1 and not args.json:
            print(t("workbook.cli.summary", lang, accepted=ok, total=total))
        return 0 if ok == total else 1
    finally:
        engine.dispose()
