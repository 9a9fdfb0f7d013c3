"""Read-only queries of the Estate and Indicators pages (kept apart from ``queries`` so the
two can grow independently). Plain dicts and tuples; cache them keyed on the data token."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ecocity.framework import Value
from ecocity.store import models as m
from ecocity.store.derived import values_of


def version_values(session: Session, estate_code: str, fiscal_year: int) -> dict[int, dict[str, Value]]:
    """version -> {code: value} for every stored version of an estate's data for a year
    (yes/no as bool, numbers as float; a value left blank is absent or None)."""
    ids = dict(session.execute(select(m.Submission.version, m.Submission.id).where(
        m.Submission.estate_code == estate_code, m.Submission.fiscal_year == fiscal_year)).all())
    vals = values_of(session, ids.values())
    return {version: vals[sid] for version, sid in sorted(ids.items())}


def submission_years(session: Session, estate_code: str) -> dict[int, int]:
    """fiscal year -> number of stored versions, for an estate (years with any submission)."""
    rows = session.execute(select(m.Submission.fiscal_year, m.Submission.version)
                           .where(m.Submission.estate_code == estate_code)).all()
    out: dict[int, int] = {}
    for year, _ in rows:
        out[year] = out.get(year, 0) + 1
    return dict(sorted(out.items()))
