"""Presentation mode on the sample data: the slide sequence of a fiscal year and scope,
previous/next, the counter, links to a slide (?year=&scope=&slide=), full screen, the
auto-advance step, in Thai and English."""

from __future__ import annotations

import pytest
from helpers.apphelp import problems
from helpers.sampledb import _sample_template, page_at, sample_url  # noqa: F401 (fixtures)

from ecocity.i18n import t

PAGE = "views/present.py"


def header(at) -> str:
    return at.header[0].value


def counter(at) -> str:
    return next(h.proto.body for h in at.get("html") if "ecocity-slide-count" in h.proto.body)


def test_steps_through_the_slides_with_next_and_previous(page_at, sample_url):
    at = page_at(sample_url, PAGE, year="2566")
    assert problems(at) == []
    assert header(at) == "ความก้าวหน้าเมืองอุตสาหกรรมเชิงนิเวศ"
    assert "สไลด์ 1 / 13" in counter(at)
    assert at.button(key="present_prev").disabled
    titles = [header(at)]
    for n in range(2, 14):
        at.button(key="present_next").click().run()
        assert problems(at) == []
        assert f"สไลด์ {n} / 13" in counter(at)
        assert at.query_params["slide"] in (str(n), [str(n)])
        titles.append(header(at))
    assert titles[1] == t("present.title.ladder", "th") and titles[2] == t("present.title.map", "th")
    assert titles[3] == t("present.title.movers", "th") and titles[-1] == "สรุป"
    assert "ระยอง - มาบตาพุด: Eco-Excellence" in titles
    assert at.button(key="present_next").disabled
    at.button(key="present_prev").click().run()
    assert "สไลด์ 12 / 13" in counter(at)


def test_a_link_opens_that_slide_of_that_scope(page_at, sample_url):
    at = page_at(sample_url, PAGE, "en", year="2566", scope="area:RAYONG-MAP-TA-PHUT", slide="5")
    assert problems(at) == []
    assert header(at) == "Rayong - Map Ta Phut: Eco-Excellence"
    assert "Slide 5 / 6" in counter(at)
    assert len(at.get("plotly_chart")) == 1  # the dimension scores, large type
    text = "\n".join(h.proto.body for h in at.get("html"))
    assert "FY 2566 (B.E.) · Area Rayong - Map Ta Phut" in text and "Default indicator set" in text
    assert "slide=5" in text and "present=1" in text  # the shareable link


def test_full_screen_hides_the_controls_and_the_sidebar(page_at, sample_url):
    at = page_at(sample_url, PAGE, year="2566", present="1", slide="2")
    assert problems(at) == []
    assert len(at.selectbox) == 0 and len(at.title) == 0
    css = "\n".join(h.proto.body for h in at.get("html"))
    assert '[data-testid="stSidebar"]' in css and "display: none" in css
    assert header(at) == t("present.title.ladder", "th")


def test_choosing_a_year_or_scope_starts_again_from_the_title(page_at, sample_url):
    at = page_at(sample_url, PAGE, year="2566", slide="3")
    at.selectbox(key="present_scope").set_value("region:East").run()
    assert problems(at) == []
    assert at.query_params["scope"] in ("region:East", ["region:East"]) and "สไลด์ 1 / " in counter(at)
    at.selectbox(key="present_year").set_value(2567).run()
    assert at.query_params["year"] in ("2567", ["2567"]) and "สไลด์ 1 / " in counter(at)


@pytest.mark.parametrize("lang", ["th", "en"])
def test_auto_advance_moves_on_when_its_interval_has_passed(page_at, sample_url, lang):
    at = page_at(sample_url, PAGE, lang, year="2566", auto="10", slide="13")
    assert problems(at) == []
    assert at.selectbox(key="present_auto").value == 10
    at.session_state["_ecocity_present"]["at"] -= 11  # as if 11 s had passed
    at.run()
    assert t("present.page.counter", lang, n=1, total=13) in counter(at)  # wraps to the title
    at.run()  # a rerun within the interval stays
    assert t("present.page.counter", lang, n=1, total=13) in counter(at)
