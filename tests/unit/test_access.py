"""ecocity.core.access: the permission table (every role and every action, an officer with and
without the estate), require, and the refusal's message in Thai and English."""

from __future__ import annotations

from typing import get_args

import pytest

from ecocity.core.access import (
    ADMIN_ACTIONS,
    ANONYMOUS,
    ESTATE_ACTIONS,
    AccessDenied,
    Action,
    Actor,
    Role,
    may_download_upload,
    may_see_uploads,
    require,
    system,
)
from ecocity.i18n import t
from ecocity.store.errors import StoreError

ACTIONS: tuple[str, ...] = get_args(Action)
OFFICER = Actor("somchai", "officer", frozenset({"MAP-TA-PHUT"}), display_name="สมชาย ใจดี")
VIEWER = Actor("vina", "viewer")
ADMIN = Actor("admin", "admin")
REVIEWER = Actor("rita", "reviewer", areas=frozenset({"EAST"}))

# What each actor may do on Map Ta Phut (its officer's estate) and on Padaeng (not theirs).
TABLE: dict[str, dict[str, tuple[bool, bool]]] = {
    "admin": dict.fromkeys(ACTIONS, (True, True)),
    "officer": {"upload": (True, True), "submit": (True, False), "restore": (True, False),
                "download_upload": (True, False), "manage_users": (False, False),
                "edit_registry": (False, False), "change_framework": (False, False),
                "manage_sample": (False, False), "view_audit": (False, False), "set_targets": (False, False),
                "review": (False, False), "set_due_dates": (False, False)},
    # A reviewer's one right: "review" says they review some area (it opens the Submissions
    # page); which estates, core.review decides by area (see tests/unit/test_review.py).
    "reviewer": dict.fromkeys(ACTIONS, (False, False)) | {"review": (True, True)},
    "viewer": dict.fromkeys(ACTIONS, (False, False)),
    "anonymous": dict.fromkeys(ACTIONS, (False, False)),
}
ACTORS = {"admin": ADMIN, "officer": OFFICER, "reviewer": REVIEWER, "viewer": VIEWER, "anonymous": ANONYMOUS}


def test_the_table_covers_every_action():
    # "review" is neither an estate nor an admin action: core.review grants it by area.
    assert set(ACTIONS) == ESTATE_ACTIONS | ADMIN_ACTIONS | {"upload", "review"}
    assert "set_due_dates" in ADMIN_ACTIONS and "review" not in ESTATE_ACTIONS | ADMIN_ACTIONS
    assert all(set(row) == set(ACTIONS) for row in TABLE.values())


@pytest.mark.parametrize("who", list(ACTORS))
@pytest.mark.parametrize("action", ACTIONS)
def test_permission_table(who, action):
    actor = ACTORS[who]
    own, other = TABLE[who][action]
    assert actor.may(action, "MAP-TA-PHUT") is own
    assert actor.may(action, "PADAENG") is other
    for estate, allowed in (("MAP-TA-PHUT", own), ("PADAENG", other)):
        if allowed:
            require(actor, action, estate)
        else:
            with pytest.raises(AccessDenied) as e:
                require(actor, action, estate)
            assert (e.value.code, e.value.action, e.value.estate, e.value.actor) == ("denied", action, estate, actor)


@pytest.mark.parametrize("action", sorted(ESTATE_ACTIONS))
def test_an_estate_action_without_an_estate_is_refused_to_an_officer(action):
    assert not OFFICER.may(action)
    assert not OFFICER.may(action, None)
    assert ADMIN.may(action)
    assert not Actor("nobody", "officer").may(action, "MAP-TA-PHUT")  # an officer with no estate


def test_system_actor_is_an_administrator_named_for_the_logs():
    op = system("somchai")
    assert (op.username, op.role, op.via, op.is_admin) == ("cli:somchai", "admin", "cli", True)
    assert system("cli:x").username == "cli:x" and system("").username == "cli"
    assert all(op.may(a, "ANY") for a in ACTIONS)


def test_require_wants_an_actor():
    with pytest.raises(TypeError):
        require("admin", "upload")  # a name is not an actor
    with pytest.raises(ValueError):
        Actor("x", "superuser")


def test_access_denied_is_a_store_error_with_code_denied():
    e = AccessDenied(VIEWER, "upload")
    assert isinstance(e, StoreError) and e.code == "denied"


@pytest.mark.parametrize("lang", ["th", "en"])
def test_denied_messages_in_both_languages(lang):
    officer = AccessDenied(OFFICER, "submit", "PADAENG").message(lang)
    assert officer == t("access.denied_estate", lang, who="สมชาย ใจดี (somchai)", estate="PADAENG",
                        role=t("access.role.officer", lang), action=t("access.action.submit", lang))
    assert "PADAENG" in officer and "สมชาย ใจดี (somchai)" in officer
    viewer = AccessDenied(VIEWER, "upload").message(lang)
    assert viewer == t("access.denied", lang, who="vina", role=t("access.role.viewer", lang),
                       action=t("access.action.upload", lang), estate="")
    anonymous = AccessDenied(ANONYMOUS, "restore", "PADAENG").message(lang)
    assert t("access.anonymous", lang) in anonymous and t("access.role.viewer", lang) in anonymous
    for text in (officer, viewer, anonymous):
        assert "{" not in text and "access." not in text  # every placeholder filled, every key found
    assert AccessDenied(OFFICER, "submit", "PADAENG").message("th") != AccessDenied(
        OFFICER, "submit", "PADAENG").message("en")


def test_every_action_and_role_has_a_name_in_both_languages():
    for lang in ("th", "en"):
        for action in ACTIONS:
            assert t(f"access.action.{action}", lang) != f"access.action.{action}"
        for role in get_args(Role):
            assert t(f"access.role.{role}", lang) != f"access.role.{role}"


# ----------------------------------------------------------------------------- upload log and downloads

PIM = Actor("pim", "officer", frozenset({"PADAENG"}))


@pytest.mark.parametrize(("actor", "expected"), [(ADMIN, True), (OFFICER, True), (PIM, True), (VIEWER, False),
                                                 (ANONYMOUS, False), (system("import"), True)])
def test_who_may_see_an_upload_log(actor, expected):
    assert may_see_uploads(actor) is expected


@pytest.mark.parametrize(("actor", "estate", "by", "expected"), [
    (ADMIN, "MAP-TA-PHUT", "somchai", True),
    (ADMIN, None, "", True),                      # a rejected file of no estate, by nobody known
    (OFFICER, "MAP-TA-PHUT", "pim", True),        # their estate, someone else's file
    (OFFICER, "MAP-TA-PHUT", None, True),         # their estate: every upload of it
    (OFFICER, "PADAENG", "pim", False),           # not their estate, not their file
    (OFFICER, "PADAENG", "somchai", True),        # not their estate, but their own file
    (OFFICER, None, "somchai", True),             # their own file of no estate
    (OFFICER, None, "pim", False),
    (PIM, "MAP-TA-PHUT", None, False),            # not every upload of another estate
    (Actor("", "officer", frozenset()), "PADAENG", "", False),  # no name: nothing is "their own"
    (VIEWER, "MAP-TA-PHUT", "vina", False),       # a viewer's own name counts for nothing
    (ANONYMOUS, "MAP-TA-PHUT", "", False),
])
def test_who_may_download_an_upload(actor, estate, by, expected):
    assert may_download_upload(actor, estate, by) is expected
