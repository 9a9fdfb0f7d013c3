"""What checking a workbook produces: messages with a stable code and cell, rendered in Thai or
English on demand, and the result (see docs/design-notes.md)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from ecocity.core.framework import Value
from ecocity.core.submission import SubmissionData
from ecocity.i18n import norm_lang, t

Severity = Literal["error", "warning"]

# Every code the reader emits, with its severity. The catalogue has one message per code
# (workbook.msg.<code>) in each language; a test renders each with real params.
CODES: dict[str, Severity] = {
    # the file as a whole
    "unreadable": "error", "too_large": "error", "not_a_workbook": "error", "damaged_part": "error",
    "encrypted": "error",
    "zip_bomb": "error", "too_many_cells": "error", "missing_sheets": "error",
    # General sheet
    "missing_estate_code": "error", "unknown_estate": "error",
    "estate_name_mismatch": "warning", "missing_fiscal_year": "error", "not_a_year": "error",
    "year_out_of_range": "error", "ce_year_converted": "warning", "missing_factories": "error",
    "not_a_whole_number": "error", "missing_submitted_by": "error", "invalid_email": "error",
    "invalid_date": "error",
    # any cell
    "formula_without_value": "error", "cell_error": "error",
    # Indicators sheet
    "missing_header": "error", "not_a_number": "error", "percent_out_of_range": "error",
    "score_out_of_range": "error", "negative_value": "error", "number_out_of_range": "error",
    "not_yes_no": "error", "duplicate_code": "error", "unknown_indicator": "warning",
    "value_without_code": "warning", "missing_value": "warning", "indicator_absent": "warning",
    "percent_small_fraction": "warning",
    # not the file's fault: the signed-in account may not store data for its estate
    # (added by the upload page's check, ``upload_flow.check_one``; never by the reader)
    "denied": "error",
}


def _fmt_num(x: float | int) -> str:
    if isinstance(x, float) and x.is_integer() and abs(x) < 1e15:
        x = int(x)
    return f"{x:,}" if isinstance(x, int) else f"{x:g}"


def _render(v: Any, lang: str) -> str:
    if isinstance(v, Mapping) and set(v) >= {"th", "en"}:
        return str(v[lang])
    if isinstance(v, list | tuple):
        return ", ".join(_render(x, lang) for x in v) or "–"
    if isinstance(v, bool) or v is None:
        return str(v)
    if isinstance(v, int | float):
        return _fmt_num(v)
    return str(v)


@dataclass(frozen=True)
class Message:
    """One error or warning. ``ref`` is the A1 reference ("E12") within ``sheet``."""

    code: str
    sheet: str | None = None
    ref: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def severity(self) -> Severity:
        return CODES[self.code]

    @property
    def cell(self) -> str | None:
        """The cell as officers write it: ``ตัวชี้วัด (Indicators)!E12``."""
        if self.ref is None:
            return None
        return f"{self.sheet}!{self.ref}" if self.sheet else self.ref

    def message(self, lang: str | None = "th") -> str:
        """What was found and what to type instead, in ``lang``."""
        lang = norm_lang(lang)
        kw = {k: _render(v, lang) for k, v in self.params.items()}
        if "detected" in self.params:  # kept as a key ("pdf") so the data stays language-free
            kw["detected"] = t(f"workbook.detected.{self.params['detected']}", lang)
        if self.code == "unknown_indicator":
            codes = self.params.get("codes") or []
            kw["suggestions"] = (t("workbook.msg.unknown_indicator_hint", lang,
                                   codes=_render(list(codes), lang)) if codes else "")
        return t(f"workbook.msg.{self.code}", lang, **kw)

    def text(self, lang: str | None = "th") -> str:
        """The message prefixed with its cell (or sheet), for plain-text output."""
        where = self.cell or self.sheet
        return f"{where}: {self.message(lang)}" if where else self.message(lang)

    def as_dict(self, lang: str | None = "th") -> dict[str, Any]:
        return {"sheet": self.sheet, "cell": self.cell, "code": self.code,
                "message": self.message(lang)}


@dataclass(frozen=True)
class CheckResult:
    """The outcome of checking one workbook. ``submission`` is set only when accepted.

    ``estate``, ``fiscal_year`` and ``values`` hold what could be read even from a
    rejected file (an invalid value is None), so the officer sees how far the file got.
    """

    status: Literal["accepted", "rejected"]
    submission: SubmissionData | None
    errors: tuple[Message, ...] = ()
    warnings: tuple[Message, ...] = ()
    estate: str | None = None
    fiscal_year: int | None = None
    values: Mapping[str, Value] = field(default_factory=dict)
    format: str | None = None  # "xlsx", "xlsm", "xls", "ods"; None when not a workbook
    estate_cell: tuple[str, str] | None = None  # (sheet, A1 ref) the estate code was read from

    @property
    def accepted(self) -> bool:
        return self.status == "accepted"

    def messages(self) -> tuple[Message, ...]:
        return self.errors + self.warnings

    def log_messages(self) -> dict[str, list[dict[str, Any]]]:
        """Errors and warnings for the upload log: both languages and the params kept."""
        def one(m: Message) -> dict[str, Any]:
            return m.as_dict("en") | {"message_th": m.message("th"), "params": dict(m.params)}

        return {"errors": [one(m) for m in self.errors], "warnings": [one(m) for m in self.warnings]}

    def to_json(self, filename: str, lang: str | None = "th") -> dict[str, Any]:
        """The spec's object: file, status, estate, fiscal_year, values, errors, warnings."""
        return {
            "file": filename,
            "status": self.status,
            "estate": self.estate,
            "fiscal_year": self.fiscal_year,
            "values": dict(self.values),
            "errors": [m.as_dict(lang) for m in self.errors],
            "warnings": [m.as_dict(lang) for m in self.warnings],
        }
