"""The review screen and the Submissions page in words: each indicator of a version waiting
for review beside the published value, its evidence and the reviewer's comment; each
registry estate's status for a year, counted per area (pure: no Streamlit, no database)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ecocity.core.framework import Framework, Value
from ecocity.core.text import value_text
from ecocity.core.textsafe import neutralise_formula
from ecocity.i18n import bilingual, fmt_datetime, t

STATUS_ICON = {"none": "○", "pending": "◔", "returned": "↩", "accepted": "✓"}


@dataclass(frozen=True)
class ReviewRow:
    code: str
    name: str
    value: str       # the version under review
    published: str  # the published version's, "–" without one
    changed: bool
    evidence: int   # files attached to this indicator


def review_rows(fw: Framework, values: Mapping[str, Value], published: Mapping[str, Value] | None,
                evidence: Mapping[str, int], lang: str) -> list[ReviewRow]:
    """Every indicator of the framework, in its order, for the reviewer."""
    out = []
    for ind in fw.indicators:
        v = values.get(ind.code)
        p = published.get(ind.code) if published is not None else None
        out.append(ReviewRow(ind.code, ind.name(lang), value_text(ind, v, lang),
                             value_text(ind, p, lang) if published is not None else "–",
                             published is not None and p != v, evidence.get(ind.code, 0)))
    return out


def note_lines(fw: Framework, indicators: Mapping[str, str], lang: str) -> list[tuple[str, str]]:
    """(indicator in words, comment) for a reviewer's comments on indicators, in framework order."""
    order = {c: i for i, c in enumerate(fw.codes)}
    return [(f"{code} · {fw.indicator(code).name(lang)}" if fw.has_indicator(code) else code, text)
            for code, text in sorted(indicators.items(), key=lambda kv: (order.get(kv[0], len(order)), kv[0]))]


def status_label(status: str, lang: str, *, late: bool = False) -> str:
    text = f"{STATUS_ICON.get(status, '')} {t(f'review.status.{status}', lang)}".strip()
    return f"{text} · {t('review.status.late', lang)}" if late else text


def submission_rows(rows: Sequence[Any], area_names: Mapping[str, str], lang: str, *,
                    with_contacts: bool = False) -> list[dict[str, Any]]:
    """``store.review.EstateSubmission`` rows as table rows (text from users neutralised:
    the table's toolbar and the download export CSV)."""
    c = {k: t(f"submissions.col.{k}", lang) for k in
         ("estate", "area", "status", "version", "submitted", "reviewed", "by", "contacts")}
    out = []
    # By area (estates outside every area last), then by name, as officers know them.
    for r in sorted(rows, key=lambda r: (area_names.get(r.area or "", "\uffff"), bilingual(lang, r.name_th, r.name_en))):
        row: dict[str, Any] = {
            c["estate"]: neutralise_formula(bilingual(lang, r.name_th, r.name_en)),
            c["area"]: neutralise_formula(area_names.get(r.area, r.area or "–")),
            c["status"]: status_label(r.status, lang, late=r.late),
            c["version"]: "–" if r.version is None else str(r.version),
            c["submitted"]: fmt_datetime(r.submitted_at, lang),
            c["reviewed"]: fmt_datetime(r.reviewed_at, lang),
            c["by"]: neutralise_formula(r.reviewed_by or "–"),
        }
        if with_contacts:
            row[c["contacts"]] = neutralise_formula("; ".join(r.officers) or "–")
        out.append(row)
    return out


def counts_by_area(rows: Sequence[Any], area_names: Mapping[str, str], lang: str) -> list[dict[str, Any]]:
    """Per area, by name, estates outside any area last: how many estates in each status,
    and how many late. The headers are the summary line's short words, so the table fits a
    projector's width in English too."""
    statuses = ("none", "pending", "returned", "accepted")
    per: dict[str, dict[str, int]] = {}
    for r in rows:
        key = r.area or ""
        d = per.setdefault(key, dict.fromkeys((*statuses, "late"), 0))
        d[r.status] += 1
        d["late"] += int(r.late)
    area_col = t("submissions.col.area", lang)
    return [{area_col: area_names.get(k, k) if k else t("submissions.no_area", lang),
             **{f"{STATUS_ICON[s]} {t(f'submissions.count.{s}', lang)}": d[s] for s in statuses},
             t("submissions.count.late", lang): d["late"]}
            for k, d in sorted(per.items(), key=lambda kv: (kv[0] == "", area_names.get(kv[0], kv[0])))]


def to_chase(rows: Sequence[Any]) -> list[Any]:
    """The estates to remind: no submission or returned for correction."""
    return [r for r in rows if r.status in ("none", "returned")]
