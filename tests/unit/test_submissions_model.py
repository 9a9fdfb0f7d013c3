"""The Submissions page in words: the per-area counts, the estate rows and who to remind."""

from __future__ import annotations

from datetime import datetime

import pytest

from ecocity.i18n import t
from ecocity.pagemodels.review import counts_by_area, submission_rows, to_chase
from ecocity.store.review import EstateSubmission

AREAS = {"A": "ชลบุรี", "B": "Bangkok Area"}


def sub(code: str, area: str | None, status: str, late: bool = False, version: int | None = 1) -> EstateSubmission:
    sent = datetime(2023, 11, 2, 3, 4) if status != "none" else None
    return EstateSubmission(estate=code, name_th=f"นิคม {code}", name_en=f"{code} IE", area=area, region="East",
                            status=status, version=None if status == "none" else version,  # type: ignore[arg-type]
                            submitted_at=sent, submitted_by="somchai" if sent else None,
                            reviewed_at=None, reviewed_by=None, due=None, late=late)


ROWS = [sub("x", "A", "accepted"), sub("y", "A", "pending"), sub("z", "A", "none", late=True),
        sub("w", "B", "returned", late=True), sub("u", None, "none"), sub("v", None, "none")]


@pytest.mark.parametrize("lang", ["th", "en"])
def test_counts_per_area_with_estates_outside_every_area_last(lang: str):
    table = counts_by_area(ROWS, AREAS, lang)
    area = t("submissions.col.area", lang)
    # Thai names sort after Latin ones, and "not in an area" still comes last in both languages.
    assert [r[area] for r in table] == ["Bangkok Area", "ชลบุรี", t("submissions.no_area", lang)]
    counts = [list(r.values())[1:] for r in table]
    assert counts == [[0, 0, 1, 0, 1], [1, 1, 0, 1, 1], [2, 0, 0, 0, 0]]  # none, pending, returned, accepted, late
    assert all(sum(r[:4]) == n for r, n in zip(counts, (1, 3, 2), strict=True))


def test_count_headers_are_the_summary_words_and_short():
    en = list(counts_by_area(ROWS, AREAS, "en")[0])
    assert en == ["Area", "○ not sent", "◔ waiting", "↩ returned", "✓ accepted", "late"]
    th = list(counts_by_area(ROWS, AREAS, "th")[0])
    for header, word in zip(th[1:], ("ยังไม่ส่ง", "รอตรวจ", "ส่งกลับ", "ผ่านการตรวจรับ", "ล่าช้า"), strict=True):
        assert header.endswith(word) and word in t("submissions.summary", "th")


def test_estate_rows_by_area_then_name_and_late_in_the_status():
    rows = submission_rows(ROWS, AREAS, "en")
    assert [r["Estate"] for r in rows] == ["w IE", "x IE", "y IE", "z IE", "u IE", "v IE"]
    by = {r["Estate"]: r for r in rows}
    assert by["z IE"]["Status"] == "○ no submission · late" and by["z IE"]["Version"] == "–"
    assert by["u IE"]["Area"] == "–"


def test_to_chase_is_missing_or_returned():
    assert [r.estate for r in to_chase(ROWS)] == ["z", "w", "u", "v"]
