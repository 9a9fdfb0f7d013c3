"""The "Include data not yet reviewed" switch: absent for a viewer and an officer (their
?pending=1 is dropped), present for a reviewer and an administrator; on, every data page
opens with the banner, the Overview counts the version waiting for review and marks the
names it comes into, the switch stays in the URL and across pages, and the deck says so."""

from __future__ import annotations

import pytest
from helpers.apphelp import APP, TIMEOUT, act_as, crashes, on_database
from streamlit.testing.v1 import AppTest

from ecocity.core.access import ANONYMOUS, Actor
from ecocity.core.rows import pending_name
from ecocity.i18n import t
from ecocity.store import models as m
from ecocity.store.db import session_scope
from ecocity.store.versions import store_submission

AREA = "RAYONG-MAP-TA-PHUT"
ADMIN = Actor("boss", "admin")
SOMCHAI = Actor("somchai", "officer", frozenset({"MAP-TA-PHUT"}))
RATREE = Actor("ratree", "reviewer", areas=frozenset({AREA}))
KEY = "filter_pending"
AREA_EN = "Rayong - Map Ta Phut"


@pytest.fixture
def pending_db(app_env, make_data) -> dict[str, float]:
    """Map Ta Phut and Padaeng published for 2566, then Map Ta Phut's version 2 waiting for
    review; returns the area's score published and with the pending version."""
    def fill(engine):
        store_submission(engine, make_data("MAP-TA-PHUT", n=1), filename="v1.xlsx", content=b"1", by=ADMIN,
                         accept=True)
        store_submission(engine, make_data("PADAENG", n=3), filename="p.xlsx", content=b"p", by=ADMIN, accept=True)
        store_submission(engine, make_data("MAP-TA-PHUT", n=2), filename="v2.xlsx", content=b"2", by=SOMCHAI)
        with session_scope(engine) as s:
            return {"published": s.get(m.Assessment, ("area", AREA, 2566)).overall_score,
                    "latest": s.get(m.AssessmentLatest, ("area", AREA, 2566)).overall_score}

    scores = on_database(app_env, fill)
    assert round(scores["published"], 2) != round(scores["latest"], 2)
    return scores


def _open(actor: Actor, *, pending: str | None = None, page: str | None = None) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.query_params["lang"] = "en"
    if pending is not None:
        at.query_params["pending"] = pending
    act_as(at, actor)
    at.run()
    if page:
        at.switch_page(page).run()
    assert crashes(at) == []
    return at


def _switch(at: AppTest):
    return next((x for x in at.toggle if x.key == KEY), None)


def _banner(at: AppTest) -> bool:
    return any(w.value == t("pending.banner", "en", mark="\\*") for w in at.warning)


def _area_row(at: AppTest):
    table = at.dataframe(key="ranking").value
    return table.set_index(t("overview.ranking.area", "en")), table


@pytest.mark.parametrize("actor", [ANONYMOUS, Actor("vic", "viewer"), SOMCHAI], ids=["anonymous", "viewer", "officer"])
def test_no_switch_and_no_pending_data_for_viewers_and_officers(pending_db, actor):
    at = _open(actor, pending="1")  # asked for in the URL: ignored and dropped
    assert _switch(at) is None and not _banner(at)
    assert "pending" not in at.query_params
    rows, _ = _area_row(at)
    assert AREA_EN in rows.index and pending_name(AREA_EN) not in rows.index
    assert rows.loc[AREA_EN, t("overview.ranking.score", "en")] == round(pending_db["published"], 2)


def test_a_reviewer_switches_pending_data_on_and_off(pending_db):
    at = _open(RATREE)
    switch = _switch(at)
    assert switch is not None and switch.value is False and switch.label == t("pending.switch", "en")
    assert not _banner(at)
    rows, _ = _area_row(at)
    assert rows.loc[AREA_EN, t("overview.ranking.score", "en")] == round(pending_db["published"], 2)

    _switch(at).set_value(True).run()
    assert crashes(at) == [] and _banner(at)
    assert at.query_params["pending"] == "1"
    rows, _ = _area_row(at)
    marked = pending_name(AREA_EN)
    assert marked in rows.index and AREA_EN not in rows.index
    assert rows.loc[marked, t("overview.ranking.score", "en")] == round(pending_db["latest"], 2)

    at.switch_page("views/area.py").run()  # the switch and its banner follow to the next page
    assert crashes(at) == [] and _banner(at) and _switch(at).value is True

    at.switch_page("views/overview.py").run()
    _switch(at).set_value(False).run()
    assert not _banner(at) and "pending" not in at.query_params
    rows, _ = _area_row(at)
    assert rows.loc[AREA_EN, t("overview.ranking.score", "en")] == round(pending_db["published"], 2)


def test_an_administrator_opens_a_link_with_the_switch_on(pending_db):
    at = _open(ADMIN, pending="1")
    assert _switch(at).value is True and _banner(at)
    rows, _ = _area_row(at)
    assert pending_name(AREA_EN) in rows.index


def test_the_deck_built_with_pending_data_says_so(pending_db):
    at = _open(RATREE, pending="1", page="views/present.py")
    assert _banner(at)
    shown = "\n".join(h.proto.body for h in at.get("html"))
    assert shown.count(t("pending.export", "en")) == 2  # on the title slide and in the footer
