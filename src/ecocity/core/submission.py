"""A parsed submission: what one estate reports for one fiscal year, values already normalised
(numbers as float, percent as 0-100, yes/no as bool, missing as None; canonical codes). The
reader and the sample generator make it, the store saves it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from ecocity.core.framework import Value


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


FACTORIES = "factories"  # compare_versions' pseudo-indicator code for the factory count
