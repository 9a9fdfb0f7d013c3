"""Review before publication (docs/design-notes.md, "Review"): the statuses of a stored
version, who may accept or return it, and when an estate is late. Pure rules; the store
applies them under a row lock and audits every decision and refusal."""

from __future__ import annotations

from datetime import date
from typing import Literal

from ecocity.core.access import ALL_AREAS, AccessDenied, Actor

Status = Literal["pending", "returned", "accepted", "superseded"]
STATUSES: tuple[Status, ...] = ("pending", "returned", "accepted", "superseded")
# An estate's status for a year: that of its newest version, or "none" without one.
EstateStatus = Literal["none", "pending", "returned", "accepted"]
ESTATE_STATUSES: tuple[EstateStatus, ...] = ("none", "pending", "returned", "accepted")
Decision = Literal["accept", "return"]
DECISIONS: tuple[Decision, ...] = ("accept", "return")
Refusal = Literal["not_reviewer", "other_area", "own_upload"]


class ReviewDenied(AccessDenied):
    """``actor`` may not review this submission (``reason``: not a reviewer, another area,
    their own upload). Nothing was changed."""

    def __init__(self, actor: Actor, reason: Refusal, estate: str | None = None):
        self.reason = reason  # before super().__init__, which formats the message
        super().__init__(actor, "review", estate)

    def message(self, lang: str | None = "th") -> str:
        from ecocity.i18n import t

        return t(f"review.denied.{self.reason}", lang, who=self.actor.label or t("access.anonymous", lang),
                 estate=self.estate or "")


def reviews_area(actor: Actor, area_code: str | None) -> bool:
    """Whether ``actor`` reviews the submissions of ``area_code``: an administrator every
    area; a reviewer the areas assigned (or every one); nobody else any."""
    if actor.is_admin:
        return True
    return actor.role == "reviewer" and (ALL_AREAS in actor.areas or (area_code is not None and area_code in actor.areas))


def refusal(actor: Actor, area_code: str | None, stored_by: str) -> Refusal | None:
    """Why ``actor`` may not review a version stored by ``stored_by`` for an estate of
    ``area_code``, or None when they may. Nobody reviews their own upload, administrators
    included: the four-eyes rule. ``ecocity import --as NAME`` stores as 'cli:NAME': that
    is NAME's upload too, whatever the case NAME was typed in (accounts are lower case)."""
    if not (actor.is_admin or actor.role == "reviewer"):
        return "not_reviewer"
    if not reviews_area(actor, area_code):
        return "other_area"
    if actor.username and stored_by.lower() in (actor.username.lower(), f"cli:{actor.username.lower()}"):
        return "own_upload"
    return None


def require_review(actor: Actor, area_code: str | None, stored_by: str, estate: str) -> None:
    """Raise :class:`ReviewDenied` unless ``actor`` may review that version."""
    reason = refusal(actor, area_code, stored_by)
    if reason is not None:
        raise ReviewDenied(actor, reason, estate)


def sets_targets(actor: Actor, area_code: str | None) -> bool:
    """Whether ``actor`` may set or clear ``area_code``'s target: administrators, and the
    reviewers of that area (the assessors who follow it)."""
    return actor.is_admin or (actor.role == "reviewer" and reviews_area(actor, area_code))


def may_accept_on_import(actor: Actor, area_code: str | None) -> bool:
    """Whether ``actor`` may store and accept in one step (``ecocity import --accept``, the
    sample loader): administrators and the area's reviewers, on purpose and audited."""
    return reviews_area(actor, area_code) and (actor.is_admin or actor.role == "reviewer")


def sees_pending(actor: Actor, estate_code: str | None = None) -> bool:
    """Whether ``actor`` may see data not yet reviewed: reviewers, administrators, and the
    estate's own officers (for their estates only)."""
    if actor.is_admin or actor.role == "reviewer":
        return True
    return actor.role == "officer" and (estate_code is None or estate_code in actor.estates)


def sees_every_pending(actor: Actor) -> bool:
    """Whether ``actor`` may include data not yet reviewed on the dashboards (the switch):
    reviewers and administrators. An officer sees their own estates' pending versions on the
    Estate and Upload pages only, never others' figures through the dashboards."""
    return sees_pending(actor) and (actor.is_admin or actor.role == "reviewer")


def estate_status(newest: Status | None) -> EstateStatus:
    """An estate's status for a year from its newest version's."""
    if newest is None:
        return "none"
    return "pending" if newest == "superseded" else newest


def is_late(due: date | None, status: EstateStatus, first_sent: date | None, today: date) -> bool:
    """Late: the due date has passed and nothing acceptable is in (no submission, or only a
    returned one), or the first version arrived after the due date."""
    if due is None:
        return False
    if first_sent is not None and first_sent > due:
        return True
    return today > due and status in ("none", "returned")
