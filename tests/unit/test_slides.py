"""The slide sequence (ecocity.pagemodels.slides) from rows built here: order, scope, numbers, language."""

from __future__ import annotations

import pickle
from datetime import date

import pytest

from ecocity.core.framework import load_framework
from ecocity.core.geo import Province
from ecocity.core.registry import AreaInfo, EstateInfo, RegistryOverview
from ecocity.core.rows import EntityRow
from ecocity.pagemodels.slides import Scope, build_deck, scope_label

FW = load_framework()
SQUARE = ((100.0, 13.0), (101.0, 13.0), (101.0, 14.0), (100.0, 14.0))
PROVINCES = (Province("TH21", "Rayong", "ระยอง", (SQUARE,), (100.5, 13.5)),
             Province("TH51", "Lamphun", "ลำพูน", (SQUARE,), (99.0, 18.5)))


def estate_info(code, area, region="East", pcode="TH21"):
    return EstateInfo(code, f"นิคม {code}", f"Estate {code}", pcode, "ระยอง", "Rayong", region, 12.8, 101.1, True, area)


REGISTRY = RegistryOverview(areas=(
    AreaInfo("A", "ระยอง - มาบตาพุด", "Rayong - Map Ta Phut", "TH21", "ระยอง", "Rayong", "East",
             (estate_info("x", "A"), estate_info("y", "A"))),
    AreaInfo("B", "ลำพูน", "Lamphun", "TH51", "ลำพูน", "Lamphun", "North", (estate_info("z", "B", "North", "TH51"),)),
    AreaInfo("C", "สงขลา", "Songkhla", "TH51", "ลำพูน", "Lamphun", "North", ()),
), unassigned=())

GAP = ({"code": "ENV-01", "dimension": "environment", "current": 26.0, "target": 25.0, "direction": "lower",
        "reason": "dimension"},
       {"code": "MGT-01", "dimension": "management", "current": False, "target": True, "direction": "yes",
        "reason": "required"})
DIMS = {"physical": 3.2, "economic": 4.1, "environment": 2.9, "social": 3.5, "management": 3.0}


def row(kind, code, year, level, score=None, region="East", area=None, gap=(), dims=None, pcode="TH21", values=None):
    names = {"A": ("ระยอง - มาบตาพุด", "Rayong - Map Ta Phut"), "B": ("ลำพูน", "Lamphun")}
    th, en = names.get(code, (f"นิคม {code}", f"Estate {code}"))
    return EntityRow(kind=kind, code=code, name_th=th, name_en=en, fiscal_year=year, level=level,
                     overall_score=float(level) + 0.3 if score is None else score, completeness=0.9,
                     region=region, province_pcode=pcode, area_code=area, gap=gap,
                     dimension_scores=dims or DIMS, values=values or {})


AREAS = [row("area", "A", 2565, 2, 2.4), row("area", "A", 2566, 3, 3.3, gap=GAP),
         row("area", "B", 2565, 4, region="North", pcode="TH51"),
         row("area", "B", 2566, 3, region="North", pcode="TH51")]
ESTATES = [row("estate", "x", 2565, 2, area="A"), row("estate", "x", 2566, 3, area="A", values={"ENV-01": 20}),
           row("estate", "y", 2566, 2, area="A", values={"ENV-01": 6, "MGT-01": False}), row("estate", "z", 2566, 3, area="B", region="North")]


def deck(scope=None, lang="th", year=2566):
    return build_deck(FW, AREAS, ESTATES, REGISTRY, PROVINCES, year, scope or Scope(), lang, data_date=date(2026, 11, 21))


def test_the_sequence_is_title_ladder_map_movers_one_close_up_per_area_then_summary():
    d = deck()
    assert [s.key for s in d.slides] == ["title", "ladder", "map", "movers", "area:A", "area:B", "summary"]
    assert [s.kind for s in d.slides][-1] == "summary"
    # area C has no data this fiscal year: no close-up, but the summary names it
    assert any("สงขลา" in b for b in d.slides[-1].bullets)


def test_every_slide_has_a_title_and_notes_and_the_charts_build():
    d = deck()
    for s in d.slides:
        assert s.title and s.notes, s.key
    assert d.slides[0].figure() is None  # the title slide is text only
    for s in d.slides[1:]:
        fig = s.figure(present=True)
        assert fig is not None and fig.data, s.key
        assert fig.layout.template.layout.font.size == 22  # the projector theme
    assert d.slides[1].figure(present=False).layout.template.layout.font.size == 15


def test_facts_state_year_scope_date_and_the_default_set_in_each_language():
    th, en = deck().facts, deck(lang="en").facts
    assert th == ("ปีงบประมาณ 2566", "ทั้งประเทศ", "ข้อมูล ณ 21 พ.ย. 2569", "ชุดตัวชี้วัดเริ่มต้น")
    assert en == ("FY 2566 (B.E.)", "Whole country", "Data as of 21 Nov 2026", "Default indicator set")
    assert deck().framework_version == "eit-default@1"  # kept for files, never shown
    assert deck().framework == "กรอบการประเมิน: ชุดตัวชี้วัดเริ่มต้น ฉบับที่ 1"
    assert deck(lang="en").framework == "Framework: Default indicator set, version 1"


@pytest.mark.parametrize("lang", ["th", "en"])
def test_the_title_slide_says_year_and_scope_once_and_the_framework_by_name(lang):
    d = deck(lang=lang)
    s = d.slides[0]
    assert s.subtitle == f"{d.scope_label} · {d.facts[0]}"
    assert s.bullets == (d.facts[2], d.framework)  # the data date, the framework: no year or scope again
    text = " ".join((s.title, s.subtitle, *s.bullets))
    assert text.count(d.facts[0]) == 1 and text.count(d.scope_label) == 1
    for hidden in ("eit-default", "ผู้ดูแลระบบ", "administrator"):
        assert hidden not in text


def test_a_framework_named_otherwise_still_says_it_is_the_default_set():
    from dataclasses import replace

    from ecocity.pagemodels.slides import framework_text

    fw = replace(FW, name_en="EcoCity set", name_th="ชุดอีโคซิตี")
    assert framework_text(fw, "en") == "Framework: EcoCity set, version 1 · Default indicator set"
    assert framework_text(replace(fw, default_set=False), "th") == "กรอบการประเมิน: ชุดอีโคซิตี ฉบับที่ 1"


def test_ladder_counts_areas_and_estates_per_level_top_first():
    s = deck(lang="en").slides[1]
    assert s.bullets[0] == "2 of 2 areas at Eco-Champion or above"
    assert s.bullets[1:] == ("Eco-Excellence: 2 areas · 2 estates", "Eco-Champion: 0 areas · 1 estate")
    assert "Happiness 0, Eco-World Class 0, Eco-Excellence 2, Eco-Champion 0" in s.notes[0]


def test_english_counts_read_naturally_in_the_singular():
    d = deck(Scope("area", "A"), lang="en")
    assert d.slides[1].bullets[0] == "1 of 1 area at Eco-Champion or above"
    assert d.slides[2].bullets == ("East: 1 area, highest level Eco-Excellence",)
    assert d.slides[0].notes[0] == "Assessed 1 of 1 area; 2 of 2 estates submitted"
    assert d.slides[-1].bullets[0].startswith("Assessed: 1 of 1 area · ")
    assert d.slides[4].bullets[3] == "To reach Eco-World Class (2 items):"
    th = deck(Scope("area", "A")).slides[2].bullets
    assert th == ("ภาคตะวันออก: 1 พื้นที่ ระดับสูงสุด Eco-Excellence",)


def test_an_unchanged_score_is_said_in_words_and_changes_carry_their_sign():
    same = [row("area", "A", 2565, 2, 3.3), row("area", "A", 2566, 3, 3.3, gap=GAP)]
    for lang, words in (("th", "คะแนนรวม 3.3 (เท่าเดิม)"), ("en", "Overall score 3.3 (unchanged since last year)")):
        d = build_deck(FW, same, ESTATES, REGISTRY, PROVINCES, 2566, Scope("area", "A"), lang)
        close = d.slides[d.index_of("area:A")]
        assert close.bullets[1] == words
        assert not any("(0 " in b or "(0)" in n for b in close.bullets for n in d.slides[3].notes)
        mover = next(n for n in d.slides[3].notes if "3.3 → 3.3" in n)
        assert mover.endswith("(เท่าเดิม)" if lang == "th" else "(unchanged)")
    down = [row("area", "A", 2565, 4, 3.5), row("area", "A", 2566, 3, 3.3, gap=GAP)]
    d = build_deck(FW, down, ESTATES, REGISTRY, PROVINCES, 2566, Scope("area", "A"), "en")
    assert d.slides[d.index_of("area:A")].bullets[1] == "Overall score 3.3 (−0.2 since last year)"


def test_movers_name_who_went_up_and_down_with_the_scores_in_the_notes():
    s = deck(lang="en").slides[3]
    text = "\n".join(s.bullets)
    assert "Moved up: 2" in text and "Moved down: 1" in text
    assert "Rayong - Map Ta Phut (area): Eco-Champion → Eco-Excellence" in text
    assert "Lamphun (area): Eco-World Class → Eco-Excellence" in text
    assert any("overall score 2.4 → 3.3 (+0.9)" in n for n in s.notes)
    names = list(s.figure().data[0].y)
    assert "▼ Lamphun" in names and "▲ Rayong - Map Ta Phut" in names


def test_no_mover_and_no_last_year_say_so():
    first = deck(lang="en", year=2565).slides[3]
    assert first.bullets == ("No data for the previous fiscal year to compare with",) and first.chart is None


def test_area_close_up_gives_level_scores_and_the_gap_in_sentences():
    s = deck().slides[4]
    assert s.title == "ระยอง - มาบตาพุด: Eco-Excellence"
    assert s.bullets[0] == "ระดับ Eco-Excellence (ปีที่แล้ว Eco-Champion)"
    assert s.bullets[1] == "คะแนนรวม 3.3 (+0.9 จากปีที่แล้ว)"
    assert s.bullets[2] == "นิคมที่ส่งข้อมูล 2 จาก 2 แห่ง"
    assert s.bullets[3].startswith("สิ่งที่ต้องทำเพื่อขึ้นสู่ระดับ Eco-World Class (2 รายการ)")
    assert "ไม่เกิน 25" in s.bullets[4] and "ต้องเป็น" in s.bullets[5]
    assert "มิติกายภาพ: 3.2 (ปีที่แล้ว 3.2)" in s.notes
    # who pulls it down: the largest complaint counts first; the estate answering "no"
    gaps = [n for n in s.notes if n.startswith("ต้องแก้")]
    assert gaps[0].endswith("นิคมที่ฉุดค่าลง: นิคม x, นิคม y") and gaps[1].endswith("นิคมที่ฉุดค่าลง: นิคม y")


def test_region_scope_keeps_that_region_only():
    d = deck(Scope("region", "North"), lang="en")
    assert [s.key for s in d.slides] == ["title", "ladder", "map", "movers", "area:B", "summary"]
    assert d.scope_label == "North" and d.facts[1] == "North"


def test_area_scope_has_its_own_close_up_and_estates():
    d = deck(Scope("area", "A"))
    assert [s.key for s in d.slides] == ["title", "ladder", "map", "movers", "area:A", "summary"]
    assert d.scope_label == "พื้นที่ ระยอง - มาบตาพุด"
    assert d.slides[1].bullets[0] == "1 จาก 1 พื้นที่อยู่ระดับ Eco-Champion ขึ้นไป"
    movers = "\n".join(d.slides[3].bullets)
    assert "นิคม x" in movers and "ลำพูน" not in movers


def test_area_scope_without_data_that_year_still_has_a_slide():
    d = build_deck(FW, AREAS, ESTATES, REGISTRY, PROVINCES, 2566, Scope("area", "C"), "en")
    close = d.slides[d.index_of("area:C")]
    assert close.bullets == ("No data in this fiscal year",) and close.chart is None
    assert d.data_date is None and "No data yet" in d.facts


@pytest.mark.parametrize(("raw", "expected"), [
    ("country", Scope()), (None, Scope()), ("region:east", Scope("region", "East")),
    ("region:Nowhere", Scope()), ("area:a", Scope("area", "A")), ("area:ZZ", Scope()), ("estate:x", Scope()),
])
def test_scope_parses_from_a_link_against_what_exists(raw, expected):
    assert Scope.parse(raw, ["East", "North"], ["A", "B"]) == expected
    assert Scope.parse(expected.param, ["East", "North"], ["A", "B"]) == expected


def test_scope_labels():
    assert scope_label(Scope("region", "East"), REGISTRY, "th") == "ภาคตะวันออก"
    assert scope_label(Scope("area", "B"), REGISTRY, "en") == "Area Lamphun"


def test_a_deck_pickles_for_caching():
    d = deck()
    again = pickle.loads(pickle.dumps(d))
    assert again == d and again.slides[1].figure() is not None


@pytest.mark.parametrize(("raw", "n"), [("3", 3), (None, 1), ("x", 1), ("0", 1), ("99", 7), (" 2 ", 2)])
def test_slide_number_from_a_link_stays_in_the_deck(raw, n):
    from ecocity.pagemodels.slides import slide_number

    assert slide_number(raw, 7) == n


def test_step_stops_at_the_ends_or_wraps_for_auto_advance():
    from ecocity.pagemodels.slides import step

    assert step(1, 7, -1) == 1 and step(7, 7, 1) == 7 and step(3, 7, 1) == 4
    assert step(7, 7, 1, wrap=True) == 1 and step(1, 7, -1, wrap=True) == 7
    assert step(1, 0, 1) == 1


@pytest.mark.parametrize("lang", ["th", "en"])
def test_an_area_with_a_target_gets_a_slide_of_its_status_and_shortest_path(lang):
    from ecocity.core.targets import Target
    from ecocity.i18n import t

    d = build_deck(FW, AREAS, ESTATES, REGISTRY, PROVINCES, 2566, Scope(), lang, data_date=date(2026, 11, 21),
                   targets={"A": Target("A", 5, 2570)}, this_year=2566)
    keys = [s.key for s in d.slides]
    assert keys.index("target:A") == keys.index("area:A") + 1 and "target:B" not in keys
    slide = d.slides[keys.index("target:A")]
    assert "2570" in slide.title and FW.level(5).name(lang) in slide.title
    statuses = [t(f"targets.status.{s}", lang) for s in ("on_track", "at_risk", "off_track")]
    assert any(slide.bullets[0].startswith(s) for s in statuses)
    # Area A holds level 3 with no values stored: the plan to Happiness is the shortest path's.
    from ecocity.core.plan import shortest_path

    n = len(shortest_path(FW, {}, 5).changes)
    assert 0 < n < len(FW.indicators)  # the pass share, not every indicator
    assert slide.bullets[1] == t("present.target.plan", lang, level=FW.level(5).name(lang), n=n)
    assert len(slide.notes) == n and slide.chart is None
    assert "target:A" not in [s.key for s in deck(lang=lang).slides]  # no target, no slide
