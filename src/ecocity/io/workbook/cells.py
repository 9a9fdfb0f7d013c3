"""Parse one cell value the way officers really type it: ``normalise`` evens out what the readers
give, and parsers never raise, they return a ``Parsed`` (see docs/design-notes.md)."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Any

from ecocity.core.framework import Indicator
from ecocity.i18n import BE_OFFSET

Raw = None | bool | float | str | date | datetime | time | timedelta

# Valid fiscal years (spec): B.E. 2550-2650, or C.E. 2007-2107 converted to B.E.
BE_MIN, BE_MAX = 2550, 2650
CE_MIN, CE_MAX = BE_MIN - BE_OFFSET, BE_MAX - BE_OFFSET

# Excel keeps 15 significant digits; the template writer rounds to the same.
SIGNIFICANT_DIGITS = 15


@dataclass(frozen=True)
class Parsed:
    """A parsed cell: ``value`` (None when missing or on error), or ``error`` with
    ``params``; ``warning`` (with the same ``params``) may accompany a value."""

    value: Any = None
    error: str | None = None
    warning: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)
    missing: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None


MISSING = Parsed(missing=True)


def _err(code: str, **params: Any) -> Parsed:
    return Parsed(error=code, params=params)


# ----------------------------------------------------------------------------- raw values

# Non-breaking, zero-width and other invisible spaces that copy-paste from the web brings.
_INVISIBLE_CHARS = "\u200b\u200c\u200d\u2060\ufeff"
_INVISIBLE = dict.fromkeys(map(ord, _INVISIBLE_CHARS), None)
_SPACE_LIKE = str.maketrans({c: " " for c in "\u00a0\u2007\u202f\u3000\t\r\n"})
# What may surround text: every character str.strip() removes (none is above U+3000)
# and the invisible ones.
_EDGES = "".join(c for c in map(chr, range(0x3001)) if c.isspace()) + _INVISIBLE_CHARS
THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")


def clean_text(s: str, *, keep_inner: bool = False) -> str:
    """Invisible characters removed, odd spaces made plain, ends stripped.

    ``keep_inner``: only the ends are cleaned (spaces and invisible characters there
    removed); free text keeps everything between them as typed."""
    if keep_inner:
        return s.strip(_EDGES)
    return s.translate(_INVISIBLE).translate(_SPACE_LIKE).strip()


def normalise(raw: object) -> Raw:
    """One cell from any reader to None | bool | float | str | date | datetime | time.

    Empty and blank text become None, numbers become float (bool stays bool), text is
    stripped, a datetime at midnight becomes a date.
    """
    if raw is None:
        return None
    if isinstance(raw, bool):
        return raw
    if isinstance(raw, int | float):
        f = float(raw)
        return None if math.isnan(f) else f
    if isinstance(raw, str):
        s = clean_text(raw)
        return s or None
    if isinstance(raw, datetime):
        return raw.date() if raw.time() == time(0) and raw.tzinfo is None else raw
    if isinstance(raw, date | time | timedelta):
        return raw
    s = clean_text(str(raw))
    return s or None


def show(raw: object) -> str:
    """How a raw value looked, for messages: 12 not 12.0, text quoted, dates ISO."""
    v = normalise(raw)
    if v is None:
        return "(ว่าง / empty)"
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, float):
        return fmt_float(v)
    if isinstance(v, date | datetime | time):
        return v.isoformat()
    if isinstance(v, timedelta):
        return str(v)
    v = v.replace("\x00", "")  # messages are logged; PostgreSQL JSON cannot hold NUL
    text = v if len(v) <= 60 else v[:57] + "..."
    return f"“{text}”"


def fmt_float(v: float) -> str:
    if v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    return repr(v)


def round_sig(x: float, digits: int = SIGNIFICANT_DIGITS) -> float:
    """``x`` to ``digits`` significant digits: what Excel can keep of a number."""
    if x == 0 or not math.isfinite(x):
        return x
    return float(f"{x:.{digits}g}")


# ----------------------------------------------------------------------------- missing

_MISSING_MARKERS = {"-", "–", "—", "--", "n/a", "na", "n.a.", "ไม่มีข้อมูล"}
# What a spreadsheet shows for a failed formula (Excel, and LibreOffice's Err:nnn). Files
# that keep the error as text (.ods, some writers) are caught here; .xlsx/.xls error
# cells are caught from the file structure.
_ERROR_TEXT = re.compile(r"^(#(DIV/0!|VALUE!|REF!|NAME\?|NUM!|N/A|NULL!|SPILL!|CALC!|FIELD!)|Err:\d{3})$",
                         re.I)


def error_text(raw: object) -> str | None:
    """The error a cell shows ("#DIV/0!"), when its text is a spreadsheet error."""
    if isinstance(raw, str) and _ERROR_TEXT.match(raw.strip()):
        return raw.strip()
    return None


def is_missing(raw: object) -> bool:
    """Empty, or a marker officers use for "no data": "-", "N/A", "ไม่มีข้อมูล"."""
    v = normalise(raw)
    if v is None:
        return True
    return isinstance(v, str) and _SPACES.sub("", v).lower() in _MISSING_MARKERS


_SPACES = re.compile(r"\s+")

# ----------------------------------------------------------------------------- numbers

_NUMBER = re.compile(r"^[+-]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?$|^[+-]?\.\d+$")
_MINUS = str.maketrans({"\u2212": "-", "\u2013": "-", "\uff0d": "-"})


def number_text(s: str) -> float | None:
    """A number typed as text: Thai digits, thousands separators, a leading sign; None when
    the text is not exactly a number ("ประมาณ 20", "1,23", "20 กลุ่ม")."""
    s = clean_text(s).translate(THAI_DIGITS).translate(_MINUS).replace(" ", "")
    if not _NUMBER.match(s):
        return None
    try:
        f = float(s.replace(",", ""))
    except ValueError:  # pragma: no cover - the pattern admits only valid floats
        return None
    return f if math.isfinite(f) else None


def times_100(x: float) -> float:
    """``x * 100`` on the decimal digits shown, so 0.85 gives 85 and not 85.00000000000001."""
    try:
        return float(Decimal(repr(x)) * 100)
    except InvalidOperation:  # pragma: no cover - repr of a finite float is valid
        return x * 100


def parse_number(raw: object, *, percent: bool = False, percent_format: bool = False) -> Parsed:
    """A number. With ``percent`` a trailing "%" is allowed; with ``percent_format`` (the
    cell is formatted as percent in Excel) a numeric 0.85 means 85."""
    v = normalise(raw)
    if is_missing(v):
        return MISSING
    if isinstance(v, bool) or not isinstance(v, float | str):
        return _err("not_a_number", found=show(raw))
    if isinstance(v, float):
        if not math.isfinite(v):
            return _err("not_a_number", found=show(raw))
        return Parsed(value=times_100(v) if percent and percent_format else v)
    text = v
    if percent and text.endswith(("%", "％")):
        text = text[:-1]
    f = number_text(text)
    if f is None:
        return _err("not_a_number", found=show(raw))
    # Text in a percent-formatted cell is shown as typed, so it is not scaled.
    return Parsed(value=f)


# ----------------------------------------------------------------------------- yes/no

YES_WORDS = frozenset({"ใช่", "มี", "yes", "y", "true", "1", "✓", "✔", "☑", "✅", "ได้", "ผ่าน"})
NO_WORDS = frozenset({"ไม่ใช่", "ไม่มี", "no", "n", "false", "0", "✗", "✘", "✕", "☒", "❌",
                      "ไม่ได้", "ไม่ผ่าน"})
_PAREN = re.compile(r"\([^)]*\)")


def parse_yesno(raw: object) -> Parsed:
    """Yes/no: ใช่/ไม่ใช่, มี/ไม่มี, yes/no, y/n, true/false, 1/0, ✓/✗ (and the template's
    own "ใช่ (Yes)"); a TRUE/FALSE cell; the numbers 1 and 0."""
    v = normalise(raw)
    if is_missing(v):
        return MISSING
    if isinstance(v, bool):
        return Parsed(value=v)
    if isinstance(v, float):
        if v == 1:
            return Parsed(value=True)
        if v == 0:
            return Parsed(value=False)
        return _err("not_yes_no", found=show(raw))
    if isinstance(v, str):
        words = {_SPACES.sub("", v).lower().translate(THAI_DIGITS)}
        stripped = _SPACES.sub("", _PAREN.sub("", v)).lower().translate(THAI_DIGITS)
        if stripped:
            words.add(stripped)
        if words & YES_WORDS and not words & NO_WORDS:
            return Parsed(value=True)
        if words & NO_WORDS and not words & YES_WORDS:
            return Parsed(value=False)
    return _err("not_yes_no", found=show(raw))


# ----------------------------------------------------------------------------- indicators


def parse_indicator(raw: object, ind: Indicator, *, percent_format: bool = False) -> Parsed:
    """The value of one indicator cell, checked against the indicator's kind and range.

    Errors: not_a_number, not_yes_no, percent_out_of_range, score_out_of_range,
    negative_value, number_out_of_range. Warning: percent_small_fraction (a percent
    between 0 and 1 that may have been meant as a fraction of 1).
    """
    if ind.is_yesno:
        return parse_yesno(raw)
    p = parse_number(raw, percent=ind.kind == "percent", percent_format=percent_format)
    if not p.ok or p.missing:
        return p
    x: float = p.value
    if x == 0:
        x = 0.0  # no negative zero in stored data
    lo, hi = ind.min, ind.max
    if (lo is not None and x < lo) or (hi is not None and x > hi):
        found = show(raw) if not percent_format else fmt_float(x) + "%"
        if ind.kind == "percent":
            return _err("percent_out_of_range", found=found, value=x)
        if ind.kind == "score":
            return _err("score_out_of_range", found=found, value=x, min=lo, max=hi)
        if lo == 0 and x < 0:
            return _err("negative_value", found=found, value=x)
        return _err("number_out_of_range", found=found, value=x, min=lo, max=hi)
    if ind.kind == "percent" and 0 < x < 1 and not percent_format and not (
            isinstance(normalise(raw), str) and "%" in str(raw)):
        return Parsed(value=x, warning="percent_small_fraction", params={"value": x})
    return Parsed(value=x)


# ----------------------------------------------------------------------------- general fields


def parse_text(raw: object) -> Parsed:
    """Free text, as typed apart from spaces and invisible characters at both ends; a
    number is shown without a trailing ".0"."""
    if isinstance(raw, str):  # NUL (possible in .xls text) is dropped: PostgreSQL text cannot hold it
        s = clean_text(raw.replace("\x00", ""), keep_inner=True)
        return Parsed(value=s) if s else MISSING
    v = normalise(raw)
    if v is None:
        return MISSING
    if isinstance(v, float):
        return Parsed(value=fmt_float(v))
    if isinstance(v, bool):
        return Parsed(value="TRUE" if v else "FALSE")
    if isinstance(v, date | datetime | time):
        return Parsed(value=v.isoformat())
    return Parsed(value=str(v))


def parse_whole_number(raw: object) -> Parsed:
    """A whole number >= 0 (number of factories). Errors: not_a_whole_number, negative_value."""
    p = parse_number(raw)
    if p.missing or not p.ok:
        return p if p.missing else _err("not_a_whole_number", found=show(raw))
    x: float = p.value
    if not x.is_integer():
        return _err("not_a_whole_number", found=show(raw))
    if x < 0:
        return _err("negative_value", found=show(raw), value=x)
    return Parsed(value=int(x))


_YEAR_PREFIX = re.compile(
    r"^(?:ปีงบประมาณ|ปีงบฯ?|ปี|fy|fiscalyear|พ\.?ศ\.?|ค\.?ศ\.?|b\.?e\.?|c\.?e\.?)*", re.I)
_YEAR_SUFFIX = re.compile(r"(?:\(?(?:พ\.?ศ\.?|ค\.?ศ\.?|b\.?e\.?|c\.?e\.?|ad|a\.d\.)\)?)*$", re.I)
_CE_MARK = re.compile(r"ค\.?ศ|c\.?e\.?|a\.?d\.?", re.I)


def parse_fiscal_year(raw: object) -> Parsed:
    """A fiscal year in B.E. (2550-2650), or in C.E. (2007-2107, converted with the warning
    ce_year_converted). Errors: not_a_year, year_out_of_range."""
    v = normalise(raw)
    if v is None:
        return MISSING
    if isinstance(v, bool) or not isinstance(v, float | str):
        return _err("not_a_year", found=show(raw))
    explicit_ce = False
    if isinstance(v, str):
        s = _SPACES.sub("", v.translate(THAI_DIGITS))
        explicit_ce = bool(_CE_MARK.search(s))
        core = _YEAR_SUFFIX.sub("", _YEAR_PREFIX.sub("", s))
        f = number_text(core)
        if f is None:
            return _err("not_a_year", found=show(raw))
    else:
        f = v
    if not f.is_integer():
        return _err("not_a_year", found=show(raw))
    y = int(f)
    if BE_MIN <= y <= BE_MAX and not explicit_ce:
        return Parsed(value=y)
    if CE_MIN <= y <= CE_MAX:
        return Parsed(value=y + BE_OFFSET, warning="ce_year_converted",
                      params={"found": show(raw), "year": str(y + BE_OFFSET)})
    return _err("year_out_of_range", found=show(raw))


_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def parse_email(raw: object) -> Parsed:
    p = parse_text(raw)
    if p.missing:
        return p
    if not _EMAIL.match(p.value):
        return _err("invalid_email", found=show(raw))
    return p


# ----------------------------------------------------------------------------- dates

_EXCEL_EPOCH = date(1899, 12, 30)
THAI_MONTHS: tuple[tuple[str, ...], ...] = (
    ("มกราคม", "มค", "ม.ค."), ("กุมภาพันธ์", "กพ", "ก.พ."), ("มีนาคม", "มีค", "มี.ค."),
    ("เมษายน", "เมย", "เม.ย."), ("พฤษภาคม", "พค", "พ.ค."), ("มิถุนายน", "มิย", "มิ.ย."),
    ("กรกฎาคม", "กค", "ก.ค."), ("สิงหาคม", "สค", "ส.ค."), ("กันยายน", "กย", "ก.ย."),
    ("ตุลาคม", "ตค", "ต.ค."), ("พฤศจิกายน", "พย", "พ.ย."), ("ธันวาคม", "ธค", "ธ.ค."),
)
EN_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august",
             "september", "october", "november", "december")


def _month_index() -> dict[str, int]:
    out: dict[str, int] = {}
    for n, names in enumerate(THAI_MONTHS, 1):
        for name in names:
            out[name.replace(".", "")] = n
    for n, name in enumerate(EN_MONTHS, 1):
        out[name] = n
        out[name[:3]] = n
    out["sept"] = 9
    return out


_MONTHS = _month_index()
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ].*)?$")
_DMY = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$")
_TEXT_DATE = re.compile(r"^(\d{1,2})\s*([^\d\s]+)\s*(?:พ\.?ศ\.?|ค\.?ศ\.?)?\s*(\d{4})$")


def _ymd(y: int, m: int, d: int) -> date | None:
    if y > 2400:  # a Buddhist Era year
        y -= BE_OFFSET
    try:
        return date(y, m, d)
    except ValueError:
        return None


def parse_date(raw: object) -> Parsed:
    """A date: an Excel date cell, an Excel serial number, ISO text (2026-11-21), Thai
    day/month/year (21/11/2569, B.E. or C.E.) or a Thai or English month name
    ("21 พ.ย. 2569", "21 พฤศจิกายน 2569", "21 Nov 2026"). Error: invalid_date."""
    v = normalise(raw)
    if v is None:
        return MISSING
    if isinstance(v, datetime):
        return Parsed(value=v.date())
    if isinstance(v, date):
        return Parsed(value=v)
    if isinstance(v, float) and not isinstance(v, bool):
        # A serial number from a cell whose date format the reader did not recognise
        # (e.g. a Thai B.E. format); 1 = 1900-01-01, up to 9999-12-31.
        if 1 <= v < 2958466:
            return Parsed(value=_EXCEL_EPOCH + timedelta(days=int(v)))
        return _err("invalid_date", found=show(raw))
    if isinstance(v, str):
        s = clean_text(v).translate(THAI_DIGITS)
        d: date | None = None
        if m := _ISO.match(s):
            d = _ymd(int(m[1]), int(m[2]), int(m[3]))
        elif m := _DMY.match(s):
            d = _ymd(int(m[3]), int(m[2]), int(m[1]))
        elif m := _TEXT_DATE.match(s):
            month = _MONTHS.get(m[2].lower().replace(".", "").replace(",", ""))
            d = _ymd(int(m[3]), month, int(m[1])) if month else None
        if d is not None:
            return Parsed(value=d)
    return _err("invalid_date", found=show(raw))


# ----------------------------------------------------------------------------- codes

_DASHES = str.maketrans({"\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-",
                         "\u2014": "-", "\u2212": "-", "_": "-"})
_AROUND_DASH = re.compile(r"\s*-\s*")


@lru_cache(maxsize=4096)  # a few hundred codes recur in every workbook
def norm_code(raw: object) -> str:
    """An indicator or estate code in canonical form: "env-01 " -> "ENV-01",
    "nong khae" -> "NONG-KHAE"."""
    v = normalise(raw)
    if v is None:
        return ""
    s = fmt_float(v) if isinstance(v, float) else str(v)
    s = clean_text(s).translate(_DASHES).upper()
    s = _AROUND_DASH.sub("-", s)
    return _SPACES.sub("-", s)
