"""Area targets in the database, on SQLite and PostgreSQL: administrators and the area's
reviewers set them, every change and refusal is audited, bad targets change nothing."""

from __future__ import annotations

import pytest

from ecocity.core.access import AccessDenied, Actor, system
from ecocity.core.framework import get_framework
from ecocity.core.targets import Target
from ecocity.store import session_scope
from ecocity.store.audit import list_entries
from ecocity.store.db import data_version
from ecocity.store.errors import StoreError
from ecocity.store.targets import clear_target, set_target, targets

pytestmark = pytest.mark.storage
FW = get_framework()
AREA = "RAYONG-MAP-TA-PHUT"


def _targets(engine) -> dict[str, Target]:
    with session_scope(engine) as s:
        return targets(s)


def _audit(engine) -> list[tuple[str, str, str]]:
    with session_scope(engine) as s:
        return [(e.action, e.outcome, e.actor) for e in list_entries(s) if e.action.startswith("target.")]


def test_an_administrator_sets_changes_and_clears_a_target(engine):
    admin = system("planner")
    dv = data_version(engine)
    assert set_target(engine, admin, FW, AREA, 5, 2570) == Target(AREA, 5, 2570)
    assert data_version(engine) == dv + 1  # pages read it afresh
    set_target(engine, admin, FW, AREA, 4, 2569)
    assert _targets(engine) == {AREA: Target(AREA, 4, 2569)}
    assert clear_target(engine, admin, AREA) and not clear_target(engine, admin, AREA)
    assert _targets(engine) == {}
    assert _audit(engine).count(("target.set", "ok", "cli:planner")) == 2
    assert ("target.cleared", "ok", "cli:planner") in _audit(engine)


def test_an_officer_or_viewer_is_refused_and_audited(engine):
    for actor in (Actor("pim", "officer", frozenset({"MAP-TA-PHUT"})), Actor("view", "viewer")):
        with pytest.raises(AccessDenied):
            set_target(engine, actor, FW, AREA, 5, 2570)
    assert _targets(engine) == {}
    assert [(a, o) for a, o, _ in _audit(engine)] == [("target.set", "denied")] * 2


def test_the_areas_reviewer_sets_a_target_and_another_areas_is_refused(engine):
    ours = Actor("ratree", "reviewer", areas=frozenset({AREA}))
    theirs = Actor("udom", "reviewer", areas=frozenset({"CHONBURI-LAEM-CHABANG"}))
    assert set_target(engine, ours, FW, AREA, 5, 2570) == Target(AREA, 5, 2570)
    with pytest.raises(AccessDenied):
        clear_target(engine, theirs, AREA)
    assert _targets(engine) == {AREA: Target(AREA, 5, 2570)}
    assert sorted(_audit(engine)) == [("target.cleared", "denied", "udom"), ("target.set", "ok", "ratree")]


@pytest.mark.parametrize(("area", "level", "year", "code"), [
    (AREA, 6, 2570, "level"), (AREA, 0, 2570, "level"), (AREA, 5, 2013, "year"), ("NOWHERE", 5, 2570, "area")])
def test_a_bad_target_changes_nothing(engine, area, level, year, code):
    dv = data_version(engine)
    with pytest.raises(StoreError) as e:
        set_target(engine, system("planner"), FW, area, level, year)
    assert e.value.code == code and e.value.message("th") and e.value.message("en")
    assert _targets(engine) == {} and data_version(engine) == dv
