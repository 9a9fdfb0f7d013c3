"""The pages of the app (one route table, ``ROUTES``) and how a click on a chart or a link reaches
one; pure, so the drill-down rules are unit-tested without a browser (see docs/design-notes.md)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlencode

from ecocity.core.access import Action


@dataclass(frozen=True)
class Route:
    """One page: ``views/<key>.py`` served at ``/<key>``."""

    key: str
    title: str  # catalogue key
    icon: str
    section: Literal["main", "admin"] = "main"
    needs: Action | None = None  # listed only for who may; the page refuses by itself too
    listed: bool = True  # False: reached by a link only (the sign-in page)
    default: bool = False

    @property
    def script(self) -> str:
        return script(self.key)


ROUTES: tuple[Route, ...] = (
    Route("overview", "app.nav.overview", ":material/map:", default=True),
    Route("area", "app.nav.area", ":material/location_city:"),
    Route("estate", "app.nav.estate", ":material/factory:"),
    Route("indicators", "app.nav.indicators", ":material/monitoring:"),
    Route("upload", "app.nav.upload", ":material/upload_file:", needs="upload"),
    Route("submissions", "submissions.title", ":material/fact_check:", needs="review"),
    Route("method", "app.nav.method", ":material/menu_book:"),
    Route("present", "present.page.title", ":material/slideshow:"),
    Route("sign_in", "auth.page.title", ":material/login:", listed=False),
    Route("admin_users", "admin.nav.users", ":material/group:", "admin", "manage_users"),
    Route("admin_registry", "admin.nav.registry", ":material/domain:", "admin", "edit_registry"),
    Route("admin_framework", "admin.nav.framework", ":material/tune:", "admin", "change_framework"),
    Route("admin_audit", "admin.nav.audit", ":material/history:", "admin", "view_audit"),
)
PAGE_KEYS = frozenset(r.key for r in ROUTES)


def script(key: str) -> str:
    """The file of the page at ``/<key>`` (what st.switch_page and st.page_link take)."""
    return f"views/{key}.py"

KINDS = ("area", "estate", "indicator", "level")
# The page showing each kind of chart mark (a key of ROUTES).
PAGE_OF = {"area": "area", "estate": "estate", "indicator": "indicators", "level": "overview"}


@dataclass(frozen=True)
class Target:
    kind: str  # "area" | "estate" | "indicator" | "level"
    code: str
    params: Mapping[str, str] = field(default_factory=dict)


def _points(event: Any) -> list[Mapping[str, Any]]:
    if event is None:
        return []
    sel = event.get("selection") if isinstance(event, Mapping) else getattr(event, "selection", None)
    if sel is None:
        return []
    pts = sel.get("points") if isinstance(sel, Mapping) else getattr(sel, "points", None)
    return [p for p in (pts or []) if isinstance(p, Mapping)]


def target_from_selection(event: Any) -> Target | None:
    """The first clicked mark that names an area, estate, indicator or level, if any."""
    for p in _points(event):
        cd = p.get("customdata")
        # Heatmap cells nest their customdata one level deeper.
        if isinstance(cd, list) and cd and isinstance(cd[0], list):
            cd = cd[0]
        if isinstance(cd, list) and len(cd) >= 2 and cd[0] in KINDS and isinstance(cd[1], str) and cd[1]:
            return Target(cd[0], cd[1])
    return None


def target_from_row(kind: str, codes: list[str], event: Any) -> Target | None:
    """A selected row of a dataframe (``st.dataframe(on_select=...)``) as a target."""
    sel = event.get("selection") if isinstance(event, Mapping) else getattr(event, "selection", None)
    rows = (sel.get("rows") if isinstance(sel, Mapping) else getattr(sel, "rows", None)) if sel else None
    if rows:
        i = rows[0]
        if 0 <= i < len(codes):
            return Target(kind, codes[i])
    return None


def query_for(target: Target, *, year: int | None = None, lang: str | None = None) -> dict[str, str]:
    """Query parameters of the page showing ``target``: ``{"area": "X", "year": "2566", "lang": "th"}``."""
    q: dict[str, str] = {target.kind: target.code, **target.params}
    if year is not None:
        q["year"] = str(year)
    if lang is not None:
        q["lang"] = lang
    return q


def url_for(target: Target, *, year: int | None = None, lang: str | None = None) -> str:
    """A shareable relative link, e.g. ``/area?area=RAYONG-MAP-TA-PHUT&year=2566&lang=th``."""
    return f"/{PAGE_OF[target.kind]}?" + urlencode(query_for(target, year=year, lang=lang))


def next_page(raw: str | None) -> str:
    """The page the sign-in page sends the visitor back to, from its ``?next=``: the url
    path of one of the router's pages (ASCII letters, digits, "_"), never a full address
    (the link cannot lead off the site) and never the sign-in page; "" (the overview)
    for anything else."""
    page = raw or ""
    ok = page.isascii() and page.replace("_", "").isalnum() and page != "sign_in"
    return page if ok else ""


def return_query(params: Mapping[str, str], lang: str) -> dict[str, str]:
    """The query to go back with: the page's own filters (estate, year, ...) without
    ``next``, and the language."""
    return {k: v for k, v in params.items() if k != "next"} | {"lang": lang}
