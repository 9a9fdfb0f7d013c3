"""Who may do what: the roles (viewer, officer, reviewer, admin), the :class:`Actor` and the one permission
check, called by every storage function that writes (see docs/design-notes.md)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ecocity.core.errors import ActionError

Role = Literal["viewer", "officer", "reviewer", "admin"]
ROLES: tuple[Role, ...] = ("viewer", "officer", "reviewer", "admin")
ALL_AREAS = "*"  # a reviewer's areas: every area
Via = Literal["password", "oidc", "cli", "anonymous"]

Action = Literal[
    "upload",            # send files: they are checked and logged (officer, admin)
    "submit",            # store data for an estate (its officer, admin)
    "restore",           # restore an earlier version of an estate's data (its officer, admin)
    "download_upload",   # download an original uploaded file (its estate's officer, admin)
    "manage_users",      # users, roles, assigned estates
    "edit_registry",     # estates and areas
    "change_framework",  # upload and activate a framework file
    "manage_sample",     # load or remove the sample data
    "view_audit",        # read and export the audit log
    "set_targets",       # set or clear an area's target level and year
    "review",            # accept or return a submission (a reviewer of its area, admin; see core.review)
    "set_due_dates",     # the reporting calendar
]
ESTATE_ACTIONS: frozenset[str] = frozenset({"submit", "restore", "download_upload"})
ADMIN_ACTIONS: frozenset[str] = frozenset(
    {"manage_users", "edit_registry", "change_framework", "manage_sample", "view_audit", "set_targets",
     "set_due_dates"})


@dataclass(frozen=True)
class Actor:
    """Whoever is acting. ``username`` is what logs record ('' for an anonymous viewer);
    ``estates`` are the estate codes an officer is responsible for; ``areas`` the area
    codes a reviewer reviews (``ALL_AREAS``: every one)."""

    username: str
    role: Role
    estates: frozenset[str] = frozenset()
    display_name: str = ""
    via: Via = "password"
    areas: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"role must be one of {ROLES}, found {self.role!r}")

    @property
    def label(self) -> str:
        """For people: "Somchai Jaidee (somchai)", or the user name alone."""
        if self.display_name and self.display_name != self.username:
            return f"{self.display_name} ({self.username})"
        return self.username

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"

    @property
    def signed_in(self) -> bool:
        return self.via != "anonymous"

    def may(self, action: Action, estate: str | None = None) -> bool:
        """True when this actor may do ``action`` (on ``estate``, for estate actions)."""
        if self.role == "admin":
            return True
        if self.role == "reviewer":  # reviews some areas (the Submissions page); which, core.review decides
            return action == "review"
        if self.role != "officer":
            return False
        if action == "upload":
            return True
        if action in ESTATE_ACTIONS:
            return estate is not None and estate in self.estates
        return False


ANONYMOUS = Actor(username="", role="viewer", via="anonymous")


def system(who: str) -> Actor:
    """The operator of a command-line tool (``ecocity import``, ``ecocity sample``)."""
    name = f"cli:{who}" if who and not who.startswith("cli:") else (who or "cli")
    return Actor(username=name[:200], role="admin", display_name=who or "cli", via="cli")


class AccessDenied(ActionError):
    """``actor`` may not do ``action``. Nothing was changed. ``code`` is 'denied'."""

    def __init__(self, actor: Actor, action: Action, estate: str | None = None):
        self.actor = actor
        self.action = action
        self.estate = estate
        key = "access.denied_estate" if action in ESTATE_ACTIONS and actor.role == "officer" else "access.denied"
        super().__init__(key, who=actor.label or "anonymous", role=actor.role,
                         action=action, estate=estate or "")

    @property
    def code(self) -> str:
        return "denied"

    def message(self, lang: str | None = "th") -> str:
        from ecocity.i18n import t

        who = self.actor.label or t("access.anonymous", lang)
        return t(self.key, lang, who=who, role=t(f"access.role.{self.actor.role}", lang),
                 action=t(f"access.action.{self.action}", lang), estate=self.estate or "")


def may_see_uploads(actor: Actor) -> bool:
    """Whether ``actor`` may see any upload log at all: administrators (every upload) and
    officers (see :func:`may_download_upload`); viewers and anonymous visitors none."""
    return actor.is_admin or actor.role == "officer"


def may_download_upload(actor: Actor, estate_code: str | None, uploaded_by: str | None) -> bool:
    """Whether ``actor`` may see an upload (of ``estate_code``, sent by ``uploaded_by``) in
    the log and download its original file: an administrator any; an officer those of
    their estates and their own; anyone else none. The rule of the store's upload log and
    download (``store.uploads``); ``uploaded_by=None``: may they see every upload of the
    estate, whoever sent it."""
    if actor.is_admin:
        return True
    if actor.role != "officer":
        return False
    own = bool(actor.username) and uploaded_by == actor.username
    return own or actor.may("download_upload", estate_code)


def require(actor: Actor, action: Action, estate: str | None = None) -> None:
    """Raise :class:`AccessDenied` unless ``actor`` may do ``action`` (on ``estate``)."""
    if not isinstance(actor, Actor):
        raise TypeError(f"an Actor is required, found {type(actor).__name__}")
    if not actor.may(action, estate):
        raise AccessDenied(actor, action, estate)
