"""The audit log as a table for people and as CSV / Excel files (no Streamlit): Thai time with
B.E. years, and every text cell through ``textsafe.neutralise_formula`` so it stays text."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

import pandas as pd

from ecocity.i18n import THAI_TIME, be_year, fmt_date, t
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


def _details(details: Any) -> str:
    if details in (None, {}, []):
        return ""
    return json.dumps(details, ensure_ascii=False, sort_keys=True)


def frame(entries: Sequence[AuditInfo], lang: str) -> pd.DataFrame:
    """One row per entry, headed in ``lang``."""
    rows = [{
        "at": be_timestamp(e.at),
        "actor": e.actor or t("access.anonymous", lang),
        "role": t(f"access.role.{e.role}", lang),
        "action": e.action,
        "target": e.target,
        "outcome": t(f"admin.audit.outcomes.{e.outcome}", lang),
        "details": _details(e.details),
    } for e in entries]
    df = pd.DataFrame(rows, columns=list(COLUMNS))
    return df.rename(columns={c: t(f"admin.audit.col_{c}", lang) for c in COLUMNS})


def _rows(df: pd.DataFrame) -> list[list[Any]]:
    return [[None if pd.isna(v) else v for v in row] for row in df.itertuples(index=False)]


def to_csv(df: pd.DataFrame) -> bytes:
    return tablefile.csv_bytes([str(c) for c in df.columns], _rows(df))


def to_xlsx(df: pd.DataFrame) -> bytes:
    return tablefile.xlsx_bytes("audit", [str(c) for c in df.columns], _rows(df), (20, 24, 14, 20, 30, 12, 60))
