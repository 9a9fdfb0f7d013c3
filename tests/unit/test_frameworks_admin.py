"""Framework file administration (ecocity.store.frameworks): checking an uploaded file,
the preview of level changes, activation for every replica (recorded, recomputed,
audited, kept over the file on restart), rolling back, and refusals; SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import func, select

from ecocity.core.access import ANONYMOUS, AccessDenied, Actor, system
from ecocity.core.framework import DEFAULT_FRAMEWORK_PATH, FrameworkError, framework_from_bytes
from ecocity.i18n import t
from ecocity.store import audit
from ecocity.store import models as m
from ecocity.store.db import data_version, session_scope
from ecocity.store.derived import compute_all
from ecocity.store.errors import StoreError
from ecocity.store.frameworks import (
    activate,
    activate_version,
    check_framework_file,
    compare,
    count_moves,
    in_force,
    preview,
    recorded_versions,
    version_conflict,
)
from ecocity.store.inforce import framework_in_force
from ecocity.store.schema import upgrade
from ecocity.store.seed import seed
from ecocity.store.versions import store_submission

ADMIN = Actor(username="admin1", role="admin", display_name="Admin One")
OFFICER = Actor(username="off1", role="officer", estates=frozenset({"MAP-TA-PHUT"}))
VIEWER = Actor(username="view1", role="viewer")
DEFAULT_TEXT = DEFAULT_FRAMEWORK_PATH.read_text("utf-8")


def v2_text(**extra: str) -> str:
    """The default file as version 2 with an easier pass share and a harder PHY-01."""
    text = (DEFAULT_TEXT.replace("version = 1", "version = 2", 1)
            .replace("pass_share = 0.75", "pass_share = 0.25", 1)
            .replace("thresholds = [5, 10, 12, 15, 20]", "thresholds = [5, 10, 30, 40, 50]", 1))
    for old, new in extra.items():
        text = text.replace(old, new, 1)
    return text


def put(engine, make_data, estate: str, year: int, n: int, fw=None):
    """Store as the operator, accepted at once (``accept=True``): a version pending review
    would have no assessment for the framework to move."""
    fw = fw or framework_in_force(engine)
    data = make_data(estate, year, n=n)
    return store_submission(engine, data, filename=f"{estate}-{year}.xlsx", content=f"{estate}{year}{n}".encode(),
                            by=system("test"), messages={"errors": [], "warnings": []}, fw=fw, accept=True)


def stored(engine) -> dict[tuple[str, str, int], tuple[int, float, str]]:
    with session_scope(engine) as s:
        return {(r.entity_kind, r.entity_code, r.fiscal_year): (r.level, r.overall_score, r.framework_version)
                for r in s.scalars(select(m.Assessment))}


def snapshot(engine) -> dict[str, list[tuple]]:
    """Every row of every table but the audit log, to prove nothing changed."""
    out = {}
    with session_scope(engine) as s:
        for table in m.Base.metadata.sorted_tables:
            if table.name == "audit_log":
                continue
            out[table.name] = sorted(tuple(str(v) for v in r) for r in s.execute(select(table)))
    return out


@pytest.fixture
def loaded(engine, make_data):
    """Three estates of two areas over two fiscal years, stored under the default file."""
    for i, (estate, year) in enumerate([("MAP-TA-PHUT", 2565), ("MAP-TA-PHUT", 2566), ("PADAENG", 2566),
                                        ("NONG-KHAE", 2565), ("NONG-KHAE", 2566)]):
        put(engine, make_data, estate, year, i + 1)
    return engine


# ----------------------------------------------------------------------------- checking


def test_a_valid_file_is_checked_without_storing_anything(engine):
    before = snapshot(engine)
    check = check_framework_file(v2_text().encode(), "eit-v2.toml")
    assert check.ok and check.problems == ()
    fw = check.framework
    assert (fw.version_id, fw.pass_share, len(fw.indicators)) == ("eit-default@2", 0.25, 23)
    assert fw.text == v2_text() and fw.sha256 == check.sha256
    assert snapshot(engine) == before


def test_a_broken_file_lists_every_problem_with_its_entry():
    text = (DEFAULT_TEXT.replace('direction = "higher"', 'direction = "upwards"', 1)
            .replace('dimension = "economic"', 'dimension = "economy"', 1)
            .replace("thresholds = [60, 70, 80, 90, 95]", "thresholds = [60, 90, 80, 90, 95]", 1)
            .replace("pass_share = 0.75", "pass_share = 1.5", 1))
    check = check_framework_file(text.encode(), "broken.toml")
    assert check.framework is None and not check.ok
    by_entry = {p.entry: p.text("en") for p in check.problems}
    assert len(check.problems) >= 4
    assert "pass_share" in by_entry["framework"]
    assert "'direction' must be 'higher' or 'lower'" in by_entry["indicator 'PHY-01'"]
    assert "unknown dimension 'economy'" in by_entry["indicator 'ECO-01'"]
    assert "not monotone" in by_entry["indicator 'PHY-03'"]
    # in Thai too, every problem, each the same problem as its English text
    for p in check.problems:
        assert p.key.startswith("framework_rule.") and p.text("en") == p.problem
        assert p.text("th") != p.problem and "{" not in p.text("th")
    th = {p.entry: p.text("th") for p in check.problems}
    assert "ไม่รู้จักมิติ 'economy'" in th["indicator 'ECO-01'"]


@pytest.mark.parametrize(("content", "name", "key"), [
    (b"\xff\xfe not utf-8", "x.toml", "framework_admin.problem.not_utf8"),
    (b"id = [unclosed", "x.toml", "framework_admin.problem.not_toml"),
    (b"", "x.toml", "framework_admin.problem.empty"),
    (b"id = 'x'", "x.xlsx", "framework_admin.problem.not_toml_name"),
    (b"#" * (1024 * 1024 + 1), "x.toml", "framework_admin.problem.too_large"),
])
def test_file_level_problems_are_named_in_thai_and_english(content, name, key):
    check = check_framework_file(content, name)
    assert check.framework is None and len(check.problems) == 1
    p = check.problems[0]
    assert p.key == key and p.entry == "file"
    assert p.text("th") != p.text("en") and "{" not in p.text("th") and "{" not in p.text("en")
    assert p.entry_text("th") == t("framework_admin.entry.file", "th")


def test_a_byte_order_mark_is_accepted_and_kept_in_the_text():
    content = "\ufeff".encode() + v2_text().encode()
    check = check_framework_file(content, "bom.toml")
    assert check.ok and check.framework.text.encode() == content


def test_compare_lists_added_removed_and_changed_indicators(fw):
    text = v2_text()
    start = text.index("[[indicators]]\ncode = \"SOC-04\"")
    end = text.index("[[indicators]]", start + 5)
    text = text[:start] + text[end:]  # SOC-04 removed
    text += ('\n[[indicators]]\ncode = "NEW-01"\ndimension = "social"\nname_en = "New"\nname_th = "ใหม่"\n'
             'kind = "yesno"\naggregation = "all"\n')
    new = framework_from_bytes(text.encode(), "new.toml")
    d = compare(fw, new)
    assert d.added == ("NEW-01",) and d.removed == ("SOC-04",)
    assert [(c.code, c.old, c.new) for c in d.thresholds] == [("PHY-01", (5, 10, 12, 15, 20), (5, 10, 30, 40, 50))]
    assert [(c.code, c.setting, c.old, c.new) for c in d.settings] == [("", "pass_share", 0.75, 0.25)]
    assert compare(fw, fw).empty


# ----------------------------------------------------------------------------- preview and activation


def test_preview_matches_what_activation_stores(loaded, fw):
    engine = loaded
    new = check_framework_file(v2_text().encode(), "eit-v2.toml").framework
    before, dv = stored(engine), data_version(engine)
    with session_scope(engine) as s:
        changes = preview(s, new)
    assert stored(engine) == before and data_version(engine) == dv  # the preview writes nothing
    assert {(c.kind, c.code, c.fiscal_year) for c in changes} == set(before)
    for c in changes:
        assert (c.old_level, c.old_score) == before[(c.kind, c.code, c.fiscal_year)][:2]
    moved = [c for c in changes if c.old_level != c.new_level]
    assert moved, "the easier pass share must move some level"
    assert any(c.name_th and c.name_en and c.name_th != c.code for c in changes)

    res = activate(engine, new, ADMIN, filename="eit-v2.toml")
    assert (res.from_version, res.to_version, res.changed) == ("eit-default@1", "eit-default@2", True)
    assert res.data_version == dv + 1 == data_version(engine)
    assert res.levels_changed == len(moved) and res.moves == count_moves(changes)
    after = stored(engine)
    assert set(after) == set(before)
    for c in changes:
        level, score, version = after[(c.kind, c.code, c.fiscal_year)]
        assert (level, version) == (c.new_level, "eit-default@2")
        assert score == pytest.approx(c.new_score)
    with session_scope(engine) as s:
        assert s.get(m.Meta, m.ACTIVE_FRAMEWORK_KEY).value == "eit-default@2"
        row = s.get(m.FrameworkVersion, "eit-default@2")
        assert row.source == v2_text() and row.sha256 == new.sha256
        assert {r["level"] for r in compute_all(s, new)} == {lv for lv, _, _ in after.values()}
        entries = audit.list_entries(s, action="framework.activated")
        assert len(entries) == 1
        e = entries[0]
        assert (e.actor, e.role, e.outcome, e.target) == ("admin1", "admin", "ok", "eit-default@2")
        assert e.details["from"] == "eit-default@1" and e.details["to"] == "eit-default@2"
        assert e.details["levels_changed"] == len(moved) and e.details["filename"] == "eit-v2.toml"
        info = in_force(s)
        assert info.from_database and info.activated_by == "admin1" and info.activated_at is not None
        assert info.framework.version_id == "eit-default@2"
    assert framework_in_force(engine).sha256 == new.sha256
    assert framework_in_force().version_id == fw.version_id  # without a database: the file


def test_activation_survives_a_restart_and_writers_use_it(loaded, fw, make_data):
    engine = loaded
    activate(engine, v2_text(), ADMIN, filename="eit-v2.toml")
    levels, dv = stored(engine), data_version(engine)
    # the next start: the file of ECOCITY_FRAMEWORK (version 1) must not replace it
    assert seed(engine) is False
    assert upgrade(engine, framework=fw) == dv
    assert stored(engine) == levels and framework_in_force(engine).version_id == "eit-default@2"
    # a writer with the framework in force stores under it
    r = put(engine, make_data, "PADAENG", 2565, 9)
    assert r.data_version == dv + 1
    assert stored(engine)[("estate", "PADAENG", 2565)][2] == "eit-default@2"
    # a writer still holding the file's framework is refused: it would mix rule sets
    with pytest.raises(StoreError) as err:
        put(engine, make_data, "PADAENG", 2564, 9, fw=fw)
    assert err.value.code == "not_in_force" and "eit-default@2" in err.value.message("en")
    assert ("estate", "PADAENG", 2564) not in stored(engine)


def test_rolling_back_restores_the_old_levels(loaded, fw):
    engine = loaded
    original = stored(engine)
    activate(engine, v2_text(), ADMIN, filename="eit-v2.toml")
    assert stored(engine) != original
    with session_scope(engine) as s:
        listed = {v.version_id: v for v in recorded_versions(s)}
    assert set(listed) == {"eit-default@1", "eit-default@2"}
    assert listed["eit-default@2"].in_force and not listed["eit-default@1"].in_force
    assert listed["eit-default@1"].activatable and listed["eit-default@1"].name_en == fw.name_en
    dv = data_version(engine)
    res = activate_version(engine, "eit-default@1", ADMIN)
    assert (res.from_version, res.to_version, res.data_version) == ("eit-default@2", "eit-default@1", dv + 1)
    back = stored(engine)
    assert set(back) == set(original)
    for key, (level, score, version) in original.items():
        assert back[key][0] == level and back[key][1] == pytest.approx(score) and back[key][2] == version
    assert framework_in_force(engine).sha256 == fw.sha256
    with session_scope(engine) as s:
        e = audit.list_entries(s, action="framework.activated")[0]
        assert e.details["rollback"] is True and e.details["from"] == "eit-default@2"
    # activating what is in force changes nothing
    again = activate_version(engine, "eit-default@1", ADMIN)
    assert again.changed is False and data_version(engine) == dv + 1


@pytest.mark.parametrize("who", [VIEWER, OFFICER, ANONYMOUS], ids=["viewer", "officer", "anonymous"])
def test_only_an_administrator_may_activate(loaded, who):
    engine = loaded
    before, dv = snapshot(engine), data_version(engine)
    with pytest.raises(AccessDenied):
        activate(engine, v2_text(), who, filename="eit-v2.toml")
    with pytest.raises(AccessDenied):
        activate_version(engine, "eit-default@1", who)
    assert snapshot(engine) == before and data_version(engine) == dv
    with session_scope(engine) as s:
        entries = audit.list_entries(s, action="framework.activated")
    assert [(e.outcome, e.actor, e.role) for e in entries] == [("denied", who.username, who.role)] * 2


def test_a_recorded_version_id_with_other_rules_is_refused(loaded):
    engine = loaded
    edited = DEFAULT_TEXT.replace("pass_share = 0.75", "pass_share = 0.5", 1)  # still version 1
    new = check_framework_file(edited.encode(), "edited.toml").framework
    with session_scope(engine) as s:
        problem = version_conflict(s, new)
    assert problem is not None and "eit-default@1" in problem.text("th")
    before = snapshot(engine)
    with pytest.raises(StoreError) as err:
        activate(engine, edited, ADMIN, filename="edited.toml")
    assert err.value.code == "version_taken"
    assert snapshot(engine) == before


def test_an_invalid_text_cannot_be_activated(loaded):
    before = snapshot(loaded)
    with pytest.raises(FrameworkError) as err:
        activate(loaded, "id = 'x'\nversion = 0\n", ADMIN, filename="bad.toml")
    assert any(entry == "framework" for entry, _ in err.value.problems)
    assert snapshot(loaded) == before


def test_a_row_of_an_older_release_gets_its_file_text(engine, fw):
    """Older releases kept the file's path in framework_versions.source: the next start
    keeps the text instead (so that version can be put back in force), without a recompute."""
    with session_scope(engine, write=True) as s:
        s.get(m.FrameworkVersion, fw.version_id).source = str(DEFAULT_FRAMEWORK_PATH)
    dv = data_version(engine)
    assert seed(engine) is False and data_version(engine) == dv
    with session_scope(engine) as s:
        assert s.get(m.FrameworkVersion, fw.version_id).source == DEFAULT_TEXT
        assert recorded_versions(s)[0].activatable


def test_activation_with_no_data_records_the_framework(engine):
    res = activate(engine, v2_text().encode(), ADMIN, filename="eit-v2.toml")
    assert res.changed and res.levels_changed == 0
    with session_scope(engine) as s:
        assert s.scalar(select(func.count()).select_from(m.Assessment)) == 0
        assert s.get(m.Meta, m.ASSESSED_WITH_KEY).value.startswith("eit-default@2 ")


# ----------------------------------------------------------------------------- what the page decides


def test_upload_problems_add_a_taken_version_to_the_files_own(loaded, fw):
    from ecocity.store.frameworks import same_file, upload_problems

    edited = DEFAULT_TEXT.replace("pass_share = 0.75", "pass_share = 0.5", 1)  # still version 1
    taken = check_framework_file(edited.encode(), "edited.toml")
    broken = check_framework_file(b"not = [toml", "broken.toml")
    good = check_framework_file(v2_text().encode(), "eit-v2.toml")
    with session_scope(loaded) as s:
        assert [p.key for p in upload_problems(s, taken)] == ["framework_admin.problem.version_taken"]
        assert upload_problems(s, broken) == list(broken.problems) and broken.problems
        assert upload_problems(s, good) == []
        again = check_framework_file(DEFAULT_TEXT.encode(), "same.toml")
        assert upload_problems(s, again) == []  # the recorded file itself: no conflict ...
    assert same_file(again.framework, fw)  # ... but nothing to activate
    assert not same_file(good.framework, fw) and not same_file(taken.framework, fw)


def test_only_moving_rows_are_shown_unless_all_are_asked_for(loaded):
    from ecocity.store.frameworks import shown_changes

    new = check_framework_file(v2_text().encode(), "eit-v2.toml").framework
    with session_scope(loaded) as s:
        changes = preview(s, new)
    moving = shown_changes(changes)
    assert moving and all(c.old_level != c.new_level for c in moving)
    assert len(moving) == sum(n["up"] + n["down"] for n in count_moves(changes).values())
    assert shown_changes(changes, show_all=True) == changes


def test_only_a_kept_version_not_in_force_can_be_put_back(loaded):
    from ecocity.store.frameworks import can_put_back

    activate(loaded, v2_text(), ADMIN, filename="eit-v2.toml")
    with session_scope(loaded) as s:
        versions = recorded_versions(s)
    assert can_put_back(versions, "eit-default@1")
    assert not can_put_back(versions, "eit-default@2")  # in force
    assert not can_put_back(versions, "eit-default@9") and not can_put_back(versions, None)
    assert not can_put_back([replace(v, activatable=False) for v in versions], "eit-default@1")
