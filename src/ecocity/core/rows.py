"""One entity's stored assessment for one fiscal year: what every page and export reads."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ecocity.i18n import Named

# After the name of an entity whose figures include data not yet reviewed (shown only with
# the "not yet reviewed" switch on; the banner's legend explains it). A plain asterisk: every
# export's Thai font has it.
PENDING_MARK = "*"


def pending_name(name: str) -> str:
    """``name`` with the "not yet reviewed" mark: "Map Ta Phut *"."""
    return f"{name} {PENDING_MARK}"


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
    # Read with data not yet reviewed, and these figures include a version waiting for review:
    # the name carries PENDING_MARK wherever it is shown (tables, rankings, charts, exports).
    pending: bool = False

    def name(self, lang: str | None = "th") -> str:
        shown = super().name(lang)
        return pending_name(shown) if self.pending else shown


