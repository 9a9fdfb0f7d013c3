"""One entity's stored assessment for one fiscal year: what every page and export reads."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ecocity.i18n import Named


@dataclass(frozen=True)
class EntityRow(Named):
    """One entity's stored assessment for one fiscal year, with its registry facts."""

    kind: str  # "area" | "estate"
    code: str
    name_th: str
    name_en: str
    fiscal_year: int
    level: int
    overall_score: float
    completeness: float
    region: str = ""
    province_pcode: str | None = None
    area_code: str | None = None  # estates: the area they belong to
    dimension_scores: Mapping[str, float] = field(default_factory=dict)
    gap: Sequence[Mapping[str, Any]] = ()
    values: Mapping[str, Any] = field(default_factory=dict)


