"""Plan ahead on the Area page: a what-if where one changed value moves the level (kept in the
URL, labelled a scenario, never stored), the shortest path filled in on a click, and the
area's target with its status, set by an administrator."""

from __future__ import annotations

import pytest
from helpers.apphelp import act_as, problems
from helpers.drillhelp import sample_app  # noqa: F401  (fixture)
from helpers.sampledb import _sample_template, sample_url  # noqa: F401  (fixtures)

from ecocity.core.access import Actor, system
from ecocity.core.framework import get_framework
from ecocity.i18n import t
from ecocity.store import make_engine, queries, session_scope
from ecocity.store.db import data_token
from ecocity.store.targets import set_target

PAGE = "views/area.py"
AREA = "RAYONG-MAP-TA-PHUT"


def _texts(at) -> str:
    return "\n".join([m.value for m in at.markdown] + [w.value for w in at.warning] + [i.value for i in at.info])


@pytest.mark.parametrize("lang", ["th", "en"])
def test_one_changed_value_moves_the_level_and_stays_a_scenario(sample_app, sample_url, lang):
    engine = make_engine(sample_url)
    before = data_token(engine)
    # Chachoengsao 2567 is Eco-Champion; local employment 48.8% -> 50% is its whole gap.
    at = sample_app(PAGE, lang=lang, area="CHACHOENGSAO", year="2567", whatif="ECO-03:50")
    assert problems(at) == []
    fw = get_framework()
    assert t("whatif.label", lang, n=1) in _texts(at)
    badges = [m.value for m in at.markdown if m.value.startswith(f"**{t('whatif.scenario', lang)}**")]
    assert len(badges) == 1 and fw.level(3).name(lang) in badges[0]  # the scenario's level: one up
    real = [m.value for m in at.markdown if m.value.startswith(f"**{t('whatif.real', lang)}**")]
    assert fw.level(2).name(lang) in real[0]
    assert at.query_params["whatif"] in ("ECO-03:50", ["ECO-03:50"])
    assert data_token(engine) == before  # nothing stored
    engine.dispose()


def test_the_shortest_path_is_filled_in_and_put_in_the_url(sample_app):
    at = sample_app(PAGE, lang="en", area=AREA, year="2566")
    assert "whatif" not in at.query_params
    assert not at.expander(key="area_whatif_box").children  # closed: built only when opened
    at.session_state["area_whatif_box"] = True  # the reader opens it
    at.run()
    at.selectbox(key="area_whatif_target").set_value(5)
    at.button(key="area_whatif_plan").click().run()
    assert problems(at) == []
    scenario = at.query_params["whatif"]
    scenario = scenario[0] if isinstance(scenario, list) else scenario
    assert scenario and all(":" in part for part in scenario.split(","))
    assert get_framework().level(5).name("en") in _texts(at)


def test_a_target_shows_its_status_and_reason(sample_app, sample_url):
    engine = make_engine(sample_url)
    set_target(engine, system("test"), get_framework(), AREA, 5, 2570)
    engine.dispose()
    at = sample_app(PAGE, lang="en", area=AREA, year="2566")
    assert problems(at) == []
    text = _texts(at)
    assert "Happiness by FY 2570" in text
    said = [t(f"targets.status.{s}", "en") for s in ("on_track", "at_risk", "off_track")]
    assert sum(label in text for label in said) == 1  # one status, as a badge


def test_only_an_administrator_gets_the_target_form(sample_app):
    at = sample_app(PAGE, lang="en", area=AREA, year="2566")
    assert not at.get("popover")
    act_as(at, Actor("boss", "admin"))
    at.run()
    assert problems(at) == [] and at.get("popover")


def test_an_administrator_sets_a_target_from_the_page(sample_app, sample_url):
    at = sample_app(PAGE, lang="en", area=AREA, year="2566")
    act_as(at, Actor("boss", "admin"))
    at.run()
    form_boxes = [s for s in at.selectbox if s.label == t("targets.level", "en")]
    form_boxes[0].set_value(4)
    [y] = [n for n in at.number_input if n.label == t("targets.year", "en")]
    y.set_value(2569)
    next(b for b in at.button if b.label == t("targets.save", "en")).click().run()
    assert problems(at) == []
    engine = make_engine(sample_url)
    with session_scope(engine) as s:
        from ecocity.store.targets import targets

        assert (targets(s)[AREA].level, targets(s)[AREA].fiscal_year) == (4, 2569)
        assert queries.has_data(s)
    engine.dispose()
