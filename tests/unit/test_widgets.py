"""Text of the shared page pieces: the path, the badge, the gap and the forecast sentences."""

from __future__ import annotations

from ecocity.core.forecast import Forecast
from ecocity.core.framework import load_framework
from ecocity.core.gap import Contributor, GapLine
from ecocity.core.scoring import GapItem
from ecocity.ui.widgets import badge_html, forecast_text, gap_markdown, path_html

FW = load_framework()


def test_the_path_marks_where_the_area_stands():
    html = path_html(FW, 3, "en")
    assert html.count("✓ reached") == 1 and "● you are here" in html and "→ next step" in html
    assert html.index("Eco-Champion") < html.index("Eco-Excellence") < html.index("Happiness")


def test_below_eco_champion_the_path_says_where_it_starts():
    assert "the path to Happiness starts at Eco-Champion" in path_html(FW, 1, "en")


def test_badge_names_the_level_or_no_data():
    assert "Eco-Excellence" in badge_html(FW, 3, "en") and "#31A354" in badge_html(FW, 3, "en")
    assert "ยังไม่มีข้อมูล" in badge_html(FW, None, "th")


def test_gap_sentence_with_the_estates_behind_it():
    line = GapLine(GapItem("ENV-01", "environment", 26.0, 25.0, "lower", "dimension", 4),
                   (Contributor("MAP-TA-PHUT", "มาบตาพุด", "Map Ta Phut IE", 12.0),))
    text = gap_markdown(FW, [line], "th")
    assert "จำนวนเรื่องร้องเรียนด้านสิ่งแวดล้อม 26 → ไม่เกิน 25 เรื่อง/ปี" in text
    assert "มาบตาพุด (12 เรื่อง/ปี)" in text


def test_forecast_sentences_say_estimate_or_why_not():
    est = Forecast("estimate", 5, 4.75, year=2570, slope=0.2, years_used=(2562, 2563, 2564, 2565, 2566))
    assert forecast_text(est, FW, "en").startswith("Estimate:") and "2570" in forecast_text(est, FW, "en")
    assert "Not enough data" in forecast_text(Forecast("not_enough_data", 5, 4.75, years_used=(2566,)), FW, "en")
    assert "2567" in forecast_text(Forecast("reached", 5, 4.75, year=2567), FW, "en")
