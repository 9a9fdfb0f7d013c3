"""The audit log as a table for people and as CSV / Excel files (no Streamlit): actions in words,
details as "name: value", Thai time with B.E. years, the periods the log page filters by; every
text cell through ``textsafe.neutralise_formula`` so it stays text."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import pandas as pd

from ecocity.i18n import (
    THAI_TIME,
    be_year,
    catalogue,
    fiscal_year_bounds,
    fiscal_year_of,
    fmt_date,
    fmt_datetime,
    fy_label,
    norm_lang,
    t,
)
from ecocity.io import tablefile
from ecocity.store.audit import AuditInfo

COLUMNS = ("at", "actor", "role", "action", "target", "outcome", "details")


def be_timestamp(at: datetime) -> str:
    local = at.astimezone(THAI_TIME)
    return f"{be_year(local.year)}{local.strftime('-%m-%d %H:%M:%S')}"


def day_bounds(since: date | None, until: date | None) -> tuple[datetime | None, datetime | None]:
    """[start of ``since``, start of the day after ``until``) in Thai time, as aware datetimes."""
    start = datetime.combine(since, time(0), THAI_TIME) if since else None
    end = datetime.combine(until + timedelta(days=1), time(0), THAI_TIME) if until else None
    return start, end


def bad_range(since: date | None, until: date | None) -> bool:
    """Both days given and the first after the last."""
    return since is not None and until is not None and since > until


def range_text(since: date | None, until: date | None, lang: str) -> str:
    """The chosen days as the app writes dates (B.E. in Thai), "…" for an open end; ""
    when neither is chosen. The date widget's calendar is Gregorian: this repeats it."""
    if not since and not until:
        return ""
    return " – ".join(fmt_date(d, lang) if d else "…" for d in (since, until))


def query(who: str | None, action: str, outcome: str, since: date | None, until: date | None) -> dict[str, Any]:
    """The filters as the log page offers them, as keyword arguments of
    :func:`ecocity.store.audit.list_entries`: ``who`` None is anyone (``""`` is the
    anonymous actor, a real choice); ``action`` and ``outcome`` "" are any; the days are
    whole days in Thai time (see :func:`day_bounds`)."""
    start, end = day_bounds(since, until)
    return {"actor": who, "action": action or None, "outcome": outcome or None, "since": start, "until": end}


def filename(ext: str, now: datetime | None = None) -> str:
    """``audit-YYYYMMDD-HHMM.<ext>``, Thai time of ``now`` (default: the current time)."""
    return f"audit-{(now or datetime.now(THAI_TIME)).astimezone(THAI_TIME).strftime('%Y%m%d-%H%M')}.{ext}"


# ----------------------------------------------------------------------------- periods


@dataclass(frozen=True)
class Period:
    """A choice of the log page's period filter: ``key`` "any", "today", "7d", "30d",
    "fy2569" (a fiscal year, B.E.), "m2026-12" (a month), or "custom" (days picked by hand);
    ``since`` and ``until`` are whole days (None: open)."""

    key: str
    since: date | None = None
    until: date | None = None


def periods(today: date, first: date | None) -> list[Period]:
    """The periods offered: any time, today, the last 7 and 30 days, each fiscal year and
    each month from the oldest entry (``first``; None: this month only) to ``today``,
    newest first, then days picked by hand."""
    first = min(first or today, today)
    out = [Period("any"), Period("today", today, today), Period("7d", today - timedelta(days=6), today),
           Period("30d", today - timedelta(days=29), today)]
    for fy in range(fiscal_year_of(today), fiscal_year_of(first) - 1, -1):
        start, end = fiscal_year_bounds(fy)
        out.append(Period(f"fy{fy}", start, end))
    y, mo = today.year, today.month
    while (y, mo) >= (first.year, first.month):
        nxt = date(y + (mo == 12), mo % 12 + 1, 1)
        out.append(Period(f"m{y:04d}-{mo:02d}", date(y, mo, 1), nxt - timedelta(days=1)))
        y, mo = (y - 1, 12) if mo == 1 else (y, mo - 1)
    out.append(Period("custom"))
    return out


def period_label(p: Period, lang: str) -> str:
    """"ปีงบประมาณ 2569", "ธ.ค. 2569" (B.E. in Thai; "Dec 2026" in English, as the app writes
    dates), "วันนี้", "7 วันล่าสุด", ..."""
    if p.key.startswith("fy"):
        return fy_label(int(p.key[2:]), lang)
    if p.key.startswith("m") and p.since is not None:
        month = fmt_date(p.since, lang).split(" ", 1)[1]  # "1 ธ.ค. 2569" -> "ธ.ค. 2569"
        return t("admin.audit.period.month", lang, month=month)
    return t(f"admin.audit.period.{p.key}", lang)


# ----------------------------------------------------------------------------- the table


def _label(kind: str, key: str, lang: str) -> str | None:
    return catalogue(norm_lang(lang)).get(f"{kind}.{key}")


def action_text(action: str, lang: str) -> str:
    """An action in words ("auth.sign_in" -> "ลงชื่อเข้าใช้"); an action the catalogue does
    not know yet as its code."""
    return _label("admin.audit.act", action, lang) or action


_SHA = ("sha256", "from_sha256", "to_sha256")
_TIMES = ("until", "was_locked_until")
_WORDS = {"role": "access.role", "refused": "access.action", "via": "admin.audit.via",
          "reason": "admin.audit.reason", "throttled_by": "admin.audit.throttle"}  # values named in words


def _value(key: str, v: Any, lang: str, pair: bool) -> str:
    if v is None or v == "":
        return "–"
    if isinstance(v, bool):
        return t("common.yes" if v else "common.no", lang)
    if pair and isinstance(v, list) and len(v) == 2:  # a change: [old, new]
        return f"{_value(key, v[0], lang, False)} → {_value(key, v[1], lang, False)}"
    if isinstance(v, list):
        return ", ".join(_value(key, x, lang, False) for x in v) or "–"
    if isinstance(v, Mapping):
        return "(" + _pairs(v, lang, pair=False) + ")"
    if key in _SHA and isinstance(v, str):
        return v[:12]
    if key in _TIMES and isinstance(v, str):
        try:
            return fmt_datetime(datetime.fromisoformat(v), lang)
        except ValueError:
            return v
    if key in _WORDS and isinstance(v, str):
        return _label(_WORDS[key], v, lang) or v
    return str(v)


# Shown first when present (the column is narrow): what a reader looks for; then as stored.
_FIRST = ("filename", "reason", "throttled_by", "refused", "version", "from_version", "role", "estates", "via")


def _pairs(details: Mapping[str, Any], lang: str, *, pair: bool) -> str:
    keys = sorted(details, key=lambda k: _FIRST.index(k) if k in _FIRST else len(_FIRST))
    return " · ".join(f"{_label('admin.audit.detail', str(k), lang) or k}: {_value(str(k), details[k], lang, pair)}"
                      for k in keys if details[k] is not None and details[k] != "")


def details_text(details: Any, lang: str, action: str = "") -> str:
    """An entry's details as text a person reads: "ไฟล์: a.xlsx · ฉบับที่: 2 · ..." with the
    names from the catalogue (an unknown name as stored), yes/no, roles and permissions in
    words, a SHA-256 shortened to 12 characters, times in Thai time; for 'user.updated'
    each change as "old → new"."""
    if details in (None, {}, []):
        return ""
    if not isinstance(details, Mapping):
        return _value("", details, lang, False)
    return _pairs(details, lang, pair=action == "user.updated")


def frame(entries: Sequence[AuditInfo], lang: str) -> pd.DataFrame:
    """One row per entry, headed in ``lang``."""
    rows = [{
        "at": be_timestamp(e.at),
        "actor": e.actor or t("access.anonymous", lang),
        "role": t(f"access.role.{e.role}", lang),
        "action": action_text(e.action, lang),
        "target": e.target,
        "outcome": t(f"admin.audit.outcomes.{e.outcome}", lang),
        "details": details_text(e.details, lang, e.action),
    } for e in entries]
    df = pd.DataFrame(rows, columns=list(COLUMNS))
    return df.rename(columns={c: t(f"admin.audit.col_{c}", lang) for c in COLUMNS})


def _rows(df: pd.DataFrame) -> list[list[Any]]:
    return [[None if pd.isna(v) else v for v in row] for row in df.itertuples(index=False)]


def to_csv(df: pd.DataFrame) -> bytes:
    return tablefile.csv_bytes([str(c) for c in df.columns], _rows(df))


def to_xlsx(df: pd.DataFrame) -> bytes:
    return tablefile.xlsx_bytes("audit", [str(c) for c in df.columns], _rows(df), (20, 24, 14, 20, 30, 12, 60))
