"""A parsed submission: what one estate reports for one fiscal year.

The reader produces it from a workbook, the sample generator builds it directly, and the
store saves it. Values are already normalised: numbers as float (percent as 0-100),
yes/no as bool, missing as None; codes are the framework's canonical codes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from ecocity.framework import Value


@dataclass(frozen=True)
class SubmissionData:
    estate_code: str
    fiscal_year: int  # Buddhist Era, e.g. 2566
    factories: int
    submitted_by: str
    values: Mapping[str, Value]
    estate_name: str = ""
    email: str = ""
    submitted_on: date | None = None
    notes: Mapping[str, str] = field(default_factory=dict)  # code -> evidence/notes text
