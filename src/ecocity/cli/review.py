"""``ecocity submissions``, ``review``, ``levels`` and ``due``: the review before publication
from the command line (who sent what, accept or return as an account, the levels published
or with pending data, the reporting calendar; see docs/cli.md)."""

from __future__ import annotations

import argparse
import json
import re
import sys
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from datetime import date
from typing import TYPE_CHECKING, Any, TypeVar

from ecocity.i18n import t

if TYPE_CHECKING:
    from ecocity.core.access import Actor
    from ecocity.core.framework import Framework

T = TypeVar("T")
LANGS = ("th", "en")
_INDICATOR = re.compile(r"^\s*([^=\s][^=]*?)\s*=(.*)$", re.S)


def register(sub: argparse._SubParsersAction) -> None:
    db_help = "SQLAlchemy URL (default: ECOCITY_DATABASE_URL, else var/ecocity.sqlite3)"
    lang_help = "language of labels and messages (default: ECOCITY_LANG, else th)"

    s = sub.add_parser("submissions", help="each registry estate's submission status for a fiscal year",
                       description="One line (or, with --json, one JSON object per line) per registry estate: "
                                   "the status of its newest version for the year (none, pending, returned, "
                                   "accepted), who sent and reviewed it, the due date and whether it is late. "
                                   "Read only. Exit status: 0, or 2 on usage errors.")
    s.add_argument("--year", type=int, required=True, metavar="YEAR", help="fiscal year (B.E.), e.g. 2566")
    scope = s.add_mutually_exclusive_group()
    scope.add_argument("--area", metavar="CODE", help="the estates of one area")
    scope.add_argument("--region", metavar="REGION", help='the estates of one region as stored, e.g. "East"')
    s.add_argument("--json", action="store_true", help="one JSON object per estate, one per line")
    s.add_argument("--lang", choices=LANGS, help=lang_help)
    s.add_argument("--database-url", metavar="URL", help=db_help + "; read only")
    s.set_defaults(func=cmd_submissions)

    r = sub.add_parser("review", help="accept or return the newest version of an estate's data for a year",
                       description="Accept (publish) or return (with comments) the newest version of ESTATE's "
                                   "data for fiscal year YEAR, as the account USER (its role and areas). Exit "
                                   "status: 0 done; 1 the store refused it (nothing pending, a return without "
                                   "comment, an unknown indicator); 2 usage error, an unknown or disabled "
                                   "account, or USER may not review it. Nothing is changed unless 0.")
    r.add_argument("estate", metavar="ESTATE", help="estate code")
    r.add_argument("year", type=int, metavar="YEAR", help="fiscal year (B.E.)")
    r.add_argument("decision", choices=("accept", "return"))
    r.add_argument("--as", dest="user", required=True, metavar="USER",
                   help="the active account that reviews (a reviewer of the estate's area, or an administrator)")
    r.add_argument("--comment", default="", metavar="TEXT", help="a comment on the whole submission")
    r.add_argument("--indicator", action="append", default=[], metavar="CODE=TEXT",
                   help="a comment on one indicator (repeat for several)")
    r.add_argument("--version", type=int, metavar="N",
                   help="the version reviewed: refused if a newer one has arrived meanwhile")
    r.add_argument("--json", action="store_true", help="print the result as one JSON object")
    r.add_argument("--lang", choices=LANGS, help=lang_help)
    r.add_argument("--database-url", metavar="URL", help=db_help + "; migrated first")
    r.set_defaults(func=cmd_review)

    lv = sub.add_parser("levels", help="the levels of a fiscal year, as published or with pending data",
                        description="The levels of every area and estate with data for the year: as published "
                                    "(accepted data only), or with --include-pending as they would be once the "
                                    "pending versions are accepted (as the dashboards' switch shows them). Read only. "
                                    "Exit status: 0, or 2 on usage errors.")
    lv.add_argument("--year", type=int, required=True, metavar="YEAR", help="fiscal year (B.E.), e.g. 2566")
    lv.add_argument("--include-pending", action="store_true",
                    help="count each estate's version waiting for review instead of its published one")
    lv.add_argument("--json", action="store_true", help="one JSON document")
    lv.add_argument("--lang", choices=LANGS, help=lang_help)
    lv.add_argument("--database-url", metavar="URL", help=db_help + "; read only")
    lv.set_defaults(func=cmd_levels)

    d = sub.add_parser("due", help="set or clear the date a fiscal year's reports are due",
                       description="Set (or clear) the reporting due date of a fiscal year, as the operator "
                                   "(an administrator, audited as cli:<login name>). Exit status: 0, or 2.")
    d.add_argument("--year", type=int, required=True, metavar="YEAR", help="fiscal year (B.E.), e.g. 2566")
    when = d.add_mutually_exclusive_group(required=True)
    when.add_argument("--date", metavar="YYYY-MM-DD", help="the due date (a year above 2400 is read as B.E.)")
    when.add_argument("--clear", action="store_true", help="no due date for that year")
    d.add_argument("--lang", choices=LANGS, help=lang_help)
    d.add_argument("--database-url", metavar="URL", help=db_help + "; migrated first")
    d.set_defaults(func=cmd_due)


# ----------------------------------------------------------------------------- helpers


def _lang(arg: str | None) -> str:
    from ecocity.config import settings

    return arg or settings().default_lang


def _fiscal_year(year: int, lang: str) -> int:
    from ecocity.cli.common import UsageError

    if not 2400 <= year <= 2800:
        raise UsageError(t("review.cli.bad_year", lang, year=year))
    return year


def _read(database_url: str | None, lang: str, read: Callable[[Any], T]) -> T:
    """``read(session)`` through a read-only connection (nothing created, never migrated),
    or UsageError saying why the database cannot be read."""
    from ecocity.cli.common import UsageError
    from ecocity.store.schema import read_only

    result, why = read_only(database_url, read)
    if result is None:
        raise UsageError(t("review.cli.cannot_read", lang, why=why or "?"))
    return result


def _level_text(fw: Framework, level: int | None, lang: str) -> str:
    if level is None:
        return t("review.cli.no_level", lang)
    return f"{level} {fw.level(level).name(lang)}"


def _width(text: str) -> int:
    """Columns ``text`` takes in a terminal: Thai vowel and tone marks take none."""
    return sum(unicodedata.category(ch) not in ("Mn", "Me", "Cf") for ch in text)


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """Left-aligned columns, two spaces apart."""
    widths = [max(_width(c) for c in col) for col in zip(header, *rows, strict=True)]
    return ["  ".join(c + " " * (w - _width(c)) for c, w in zip(row, widths, strict=True)).rstrip()
            for row in (header, *rows)]


def account_actor(session: Any, name: str) -> Actor | None:
    """The Actor of the active account ``name`` acting from the command line (its role,
    estates and reviewer areas as stored), or None when unknown or disabled."""
    from ecocity.store.users import actor_for

    return actor_for(session, name, via="cli")


def indicator_comments(items: Sequence[str], lang: str) -> dict[str, str]:
    """``--indicator CODE=TEXT`` options as {code: text}; UsageError for a malformed or
    repeated one."""
    from ecocity.cli.common import UsageError

    out: dict[str, str] = {}
    for item in items:
        match = _INDICATOR.match(item)
        if match is None:
            raise UsageError(t("review.cli.bad_indicator", lang, value=item))
        code, text = match[1].strip(), match[2].strip()
        if code in out:
            raise UsageError(t("review.cli.indicator_twice", lang, code=code))
        out[code] = text
    return out


def parse_due(text: str, lang: str) -> date:
    """``YYYY-MM-DD`` (a year above 2400 is B.E. and converted), or UsageError."""
    from ecocity.cli.common import UsageError
    from ecocity.i18n import BE_OFFSET

    m = re.fullmatch(r"\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*", text)
    try:
        if m is None:
            raise ValueError(text)
        year = int(m[1])
        return date(year - BE_OFFSET if year > 2400 else year, int(m[2]), int(m[3]))
    except ValueError:
        raise UsageError(t("review.cli.bad_date", lang, value=text)) from None


# ----------------------------------------------------------------------------- submissions


def _scope(session: Any, area: str | None, region: str | None, lang: str) -> tuple[str | None, str | None]:
    """``--area`` / ``--region`` as stored (matched in any case), or UsageError."""
    from ecocity.cli.common import UsageError
    from ecocity.store import queries

    if area is None and region is None:
        return None, None
    registry = queries.registry_overview(session)
    if area is not None:
        codes = {a.code.lower(): a.code for a in registry.areas}
        if area.strip().lower() not in codes:
            raise UsageError(t("export.no_area", lang, code=area))
        return codes[area.strip().lower()], None
    regions = {r.lower(): r for r in registry.regions}
    if (region or "").strip().lower() not in regions:
        raise UsageError(t("export.no_region", lang, region=region, regions=", ".join(registry.regions)))
    return None, regions[(region or "").strip().lower()]


def cmd_submissions(args: argparse.Namespace) -> int:
    from ecocity.core.review import ESTATE_STATUSES
    from ecocity.i18n import fmt_date, fmt_datetime, fy_label
    from ecocity.store.review import submission_statuses

    lang = _lang(args.lang)
    year = _fiscal_year(args.year, lang)

    def read(s: Any) -> Any:
        area, region = _scope(s, args.area, args.region, lang)
        return submission_statuses(s, year, area=area, region=region)

    rows = _read(args.database_url, lang, read)
    if args.json:
        for r in rows:
            print(json.dumps(r.as_json(), ensure_ascii=False))
        return 0
    due = rows[0].due if rows else None
    print(t("review.cli.submissions_title", lang, year=fy_label(year, lang),
            due=t("review.cli.due_on", lang, date=fmt_date(due, lang)) if due else t("review.cli.no_due", lang)))
    header = [t(f"review.cli.col.{c}", lang) for c in
              ("estate", "area", "status", "version", "submitted", "reviewed", "late")]
    table = [[r.estate, r.area or "–", t(f"review.status.{r.status}", lang),
              "–" if r.version is None else str(r.version),
              fmt_datetime(r.submitted_at, lang) + (f" {r.submitted_by}" if r.submitted_by else ""),
              fmt_datetime(r.reviewed_at, lang) + (f" {r.reviewed_by}" if r.reviewed_by else ""),
              t("review.status.late", lang) if r.late else ""] for r in rows]
    print("\n".join(_table(header, table)))
    counts = {s: sum(r.status == s for r in rows) for s in ESTATE_STATUSES}
    parts = [f"{t(f'review.status.{s}', lang)} {counts[s]}" for s in ("pending", "returned", "accepted", "none")]
    parts.append(f"{t('review.status.late', lang)} {sum(r.late for r in rows)}")
    print(t("review.cli.counts", lang, n=len(rows), counts=" · ".join(parts)))
    return 0


# ----------------------------------------------------------------------------- levels


def cmd_levels(args: argparse.Namespace) -> int:
    from ecocity.i18n import fy_label
    from ecocity.store.inforce import framework_in_force
    from ecocity.store.review import levels

    lang = _lang(args.lang)
    year = _fiscal_year(args.year, lang)

    def read(s: Any) -> tuple[Framework, dict[str, Any]]:
        fw = framework_in_force(s)
        return fw, levels(s, year, include_pending=args.include_pending, fw=fw)

    fw, result = _read(args.database_url, lang, read)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
        return 0
    print(t("review.cli.levels_title", lang, year=fy_label(year, lang),
            what=t(f"review.cli.{'with_pending' if args.include_pending else 'published'}", lang)))
    if not result["areas"] and not result["estates"]:
        print(t("review.cli.no_levels", lang))
        return 0
    col = lambda k: t(f"review.cli.col.{k}", lang)  # noqa: E731
    if result["areas"]:
        print(f"\n{col('areas')}")
        print("\n".join(_table([col("area"), col("level"), col("score"), col("estates_reporting")],
                               [[a["code"], _level_text(fw, a["level"], lang), f"{a['overall_score']:.2f}",
                                 str(a["estates_reporting"])] for a in result["areas"]])))
    if result["estates"]:
        print(f"\n{col('estates')}")
        print("\n".join(_table([col("estate"), col("level"), col("score"), col("status")],
                               [[e["code"], _level_text(fw, e["level"], lang), f"{e['overall_score']:.2f}",
                                 t(f"review.status.{e['status']}", lang)] for e in result["estates"]])))
    return 0


# ----------------------------------------------------------------------------- review


def _published(engine: Any, year: int, estate: str, area: str | None) -> tuple[int | None, int | None]:
    """The published levels of ``estate`` and ``area`` for ``year`` (None: none)."""
    from ecocity.store.db import session_scope
    from ecocity.store.review import levels

    with session_scope(engine) as s:
        now = levels(s, year)
    by_estate: Mapping[str, int] = {e["code"]: e["level"] for e in now["estates"]}
    by_area: Mapping[str, int] = {a["code"]: a["level"] for a in now["areas"]}
    return by_estate.get(estate), by_area.get(area) if area else None


def cmd_review(args: argparse.Namespace) -> int:
    from ecocity.cli.common import UsageError, with_engine
    from ecocity.core.access import AccessDenied
    from ecocity.core.review import ReviewDenied
    from ecocity.i18n import fy_label
    from ecocity.store.db import session_scope
    from ecocity.store.errors import StoreError
    from ecocity.store.inforce import framework_in_force
    from ecocity.store.review import review_submission

    lang = _lang(args.lang)
    year = _fiscal_year(args.year, lang)
    notes = indicator_comments(args.indicator, lang)
    estate = args.estate.strip()

    def run(engine: Any) -> int:
        with session_scope(engine) as s:
            actor = account_actor(s, args.user)
        if actor is None:
            raise UsageError(t("review.cli.no_account", lang, name=args.user))
        fw = framework_in_force(engine)
        try:
            res = review_submission(engine, estate, year, args.decision, by=actor, comment=args.comment,
                                    indicator_comments=notes, version=args.version, fw=fw)
        except (ReviewDenied, AccessDenied) as e:
            raise UsageError(e.message(lang)) from None
        except StoreError as e:
            print(f"ecocity: {e.message(lang)}", file=sys.stderr)
            return 1
        level, area_level = res.level, res.area_level
        if res.status != "accepted":  # nothing published changed: say what stays published
            level, area_level = _published(engine, year, res.estate_code, res.area_code)
        if args.json:
            print(json.dumps({"estate": res.estate_code, "fiscal_year": res.fiscal_year, "version": res.version,
                              "status": res.status, "reviewed_by": actor.username, "level": level,
                              "area": res.area_code, "area_level": area_level,
                              "data_version": res.data_version}, ensure_ascii=False))
            return 0
        print(t("review.cli.done", lang, estate=res.estate_code, year=fy_label(year, lang), version=res.version,
                status=t(f"review.status.{res.status}", lang), who=actor.label))
        print(t("review.cli.estate_level", lang, estate=res.estate_code, level=_level_text(fw, level, lang)))
        if res.area_code:
            print(t("review.cli.area_level", lang, area=res.area_code, level=_level_text(fw, area_level, lang)))
        return 0

    return int(with_engine(args.database_url, run, migrate=True))


# ----------------------------------------------------------------------------- due


def cmd_due(args: argparse.Namespace) -> int:
    import getpass

    from ecocity.cli.common import with_engine
    from ecocity.core.access import system
    from ecocity.i18n import fmt_date, fy_label
    from ecocity.store.review import set_due_date

    lang = _lang(args.lang)
    year = _fiscal_year(args.year, lang)
    due = None if args.clear else parse_due(args.date, lang)
    try:
        login = getpass.getuser()
    except (KeyError, OSError):  # no login name in some containers
        login = ""

    def run(engine: Any) -> None:
        set_due_date(engine, system(login), year, due)

    with_engine(args.database_url, run, migrate=True)
    if due is None:
        print(t("review.cli.due_cleared", lang, year=fy_label(year, lang)))
    else:
        print(t("review.cli.due_set", lang, year=fy_label(year, lang), date=fmt_date(due, lang)))
    return 0
