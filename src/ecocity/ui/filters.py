"""The shared filters (fiscal year, region, levels): drawn in the sidebar, kept in the URL so a
link opens exactly that view, and in the session so they survive page changes
(see docs/design-notes.md)."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any, NoReturn

import streamlit as st

from ecocity.core.framework import Framework
from ecocity.i18n import fy_label, region_label, t
from ecocity.ui import pending
from ecocity.ui.lang import current_lang
from ecocity.ui.routes import PAGE_OF, Target, query_for, script

YEAR, REGION, LEVEL = "year", "region", "level"  # query parameters
PARAMS = (YEAR, REGION, LEVEL)
STATE = "_ecocity_filters"  # the canonical Filters in the session (not a widget key)
REMEMBERED = "_ecocity_param_"  # + name: the last ?area= / ?estate= seen
# Widget keys (test ids .st-key-filter_year, ...). Widget state is dropped on pages that do
# not draw the widget, so the canonical value lives under STATE and is copied in each run.
W_YEAR, W_REGION, W_LEVEL = "filter_year", "filter_region", "filter_level"
ALL = ""  # the "every region" option



@dataclass(frozen=True)
class Filters:
    year: int | None  # None only when no fiscal year has data
    region: str | None = None  # None: every region
    levels: tuple[int, ...] = ()  # (): every level

    def query(self) -> dict[str, str]:
        """The filters as query parameters (defaults left out except the year)."""
        q: dict[str, str] = {}
        if self.year is not None:
            q[YEAR] = str(self.year)
        if self.region:
            q[REGION] = self.region
        if self.levels:
            q[LEVEL] = ",".join(str(n) for n in self.levels)
        return q


# ----------------------------------------------------------------------------- pure parsing


def parse_year(raw: Any, years: Collection[int]) -> int | None:
    """``"2566"`` -> 2566 when that fiscal year has data, else None."""
    try:
        y = int(str(raw).strip())
    except (TypeError, ValueError):
        return None
    return y if y in years else None


def parse_region(raw: Any, regions: Collection[str]) -> str | None:
    """A region as stored in the registry (``"East"``), matched case-insensitively; else None."""
    if not isinstance(raw, str) or not raw.strip():
        return None
    by_lower = {r.lower(): r for r in regions}
    return by_lower.get(raw.strip().lower())


def parse_levels(raw: Any, valid: Collection[int]) -> tuple[int, ...] | None:
    """``"2,3"`` -> (2, 3) (sorted, unique, only known levels); None when nothing usable."""
    if isinstance(raw, (list, tuple)):
        parts: Iterable[Any] = raw
    elif isinstance(raw, str):
        parts = raw.split(",")
    else:
        return None
    out = set()
    for p in parts:
        try:
            n = int(str(p).strip())
        except ValueError:
            continue
        if n in valid:
            out.add(n)
    return tuple(sorted(out)) or None


def resolve_filters(url: dict[str, str], saved: Filters | None, years: Sequence[int],
                    regions: Collection[str], levels: Collection[int]) -> Filters:
    """This run's filters: each from the URL when valid, else the session's, else the default
    (the latest fiscal year with data, every region, every level)."""
    ys = set(years)
    default_year = max(years) if years else None
    year = parse_year(url.get(YEAR), ys)
    if year is None:
        year = saved.year if saved and saved.year in ys else default_year
    if REGION in url:
        region = parse_region(url.get(REGION), regions)
    else:
        region = saved.region if saved and saved.region in regions else None
    if LEVEL in url:
        lv = parse_levels(url.get(LEVEL), levels) or ()
    else:
        lv = tuple(n for n in saved.levels if n in levels) if saved else ()
    return Filters(year, region, lv)


# ----------------------------------------------------------------------------- Streamlit glue


def _url() -> dict[str, str]:
    return {k: st.query_params[k] for k in PARAMS if k in st.query_params}


def _write_url(f: Filters) -> None:
    want = f.query()
    for k in PARAMS:
        if k in want:
            if st.query_params.get(k) != want[k]:
                st.query_params[k] = want[k]
        elif k in st.query_params:
            del st.query_params[k]


def current() -> Filters | None:
    """The filters last resolved in this session (None before any page drew them)."""
    f = st.session_state.get(STATE)
    return f if isinstance(f, Filters) else None


def _save(f: Filters) -> None:
    st.session_state[STATE] = f
    _write_url(f)


def _on_year() -> None:
    f = current() or Filters(None)
    _save(replace(f, year=st.session_state.get(W_YEAR)))


def _on_region() -> None:
    f = current() or Filters(None)
    _save(replace(f, region=st.session_state.get(W_REGION) or None))


def _on_level() -> None:
    f = current() or Filters(None)
    _save(replace(f, levels=tuple(sorted(st.session_state.get(W_LEVEL) or ()))))


def resolve(years: Sequence[int], regions: Collection[str], levels: Collection[int]) -> Filters:
    """Resolve the filters from the URL and the session, save them to both, return them."""
    f = resolve_filters(_url(), current(), years, regions, levels)
    _save(f)
    return f


def sidebar(lang: str, years: Sequence[int], regions: Sequence[str], fw: Framework, *,
            show: Collection[str] = PARAMS) -> Filters:
    """Resolve the filters and draw those named in ``show`` in the sidebar. ``years``: the
    fiscal years with data; ``regions``: as stored in the registry."""
    level_numbers = [lv.number for lv in fw.levels]
    f = resolve(years, regions, level_numbers)
    box = st.sidebar.container(key="filters")
    box.markdown(f"**{t('filters.heading', lang)}**")
    if YEAR in show:
        if f.year is None:
            box.caption(t("filters.no_years", lang))
        else:
            st.session_state[W_YEAR] = f.year
            box.selectbox(t("filters.year", lang), sorted(years, reverse=True), key=W_YEAR,
                          format_func=lambda y: fy_label(y, lang), on_change=_on_year)
    if REGION in show and regions:
        st.session_state[W_REGION] = f.region or ALL
        box.selectbox(t("filters.region", lang), [ALL, *regions], key=W_REGION,
                      format_func=lambda r: t("filters.all_regions", lang) if r == ALL else region_label(r, lang),
                      on_change=_on_region)
    if LEVEL in show:
        st.session_state[W_LEVEL] = list(f.levels)
        box.multiselect(t("filters.levels", lang), level_numbers, key=W_LEVEL,
                        format_func=lambda n: f"{n} · {fw.level(n).name(lang)}",
                        placeholder=t("filters.all_levels", lang), on_change=_on_level)
    return f


def page_param(name: str, valid: Collection[str]) -> str | None:
    """A page's own parameter (``?area=RAYONG-MAP-TA-PHUT``): the URL's when valid, else the
    one last seen in this session (page changes drop it from the URL); written back to the
    URL. None when neither names a valid value."""
    raw = st.query_params.get(name)
    value = raw if raw in valid else None
    if value is None:
        saved = st.session_state.get(REMEMBERED + name)
        value = saved if saved in valid else None
    if value is None:
        return None
    remember(name, value)
    return value


def remember(name: str, value: str) -> None:
    """Set a page's own parameter (e.g. after a selectbox changed it) in the session and URL."""
    st.session_state[REMEMBERED + name] = value
    if st.query_params.get(name) != value:
        st.query_params[name] = value


def query(target: Target, *, lang: str | None = None) -> dict[str, str]:
    """Query parameters opening ``target`` with this session's filters, the "not yet
    reviewed" switch (``ui.pending``) and language."""
    f = current()
    return {**(f.query() if f else {}), **pending.query(), **query_for(target, lang=lang or current_lang())}


def go(target: Target, *, lang: str | None = None) -> NoReturn:
    """Open the page of ``target`` (area, estate, indicator) keeping the fiscal year, the
    other filters and the language. A level target (a ladder bar) filters the current page
    by that level instead."""
    if target.kind == "level":
        _save(replace(current() or Filters(None), levels=(int(target.code),)))
        st.rerun()
    st.session_state[REMEMBERED + target.kind] = target.code
    st.switch_page(script(PAGE_OF[target.kind]), query_params=query(target, lang=lang))


def link(target: Target, label: str, *, icon: str | None = None, container: Any = None) -> None:
    """A link (st.page_link) to ``target``'s page keeping the filters and the language."""
    where = container if container is not None else st
    where.page_link(script(PAGE_OF[target.kind]), label=label, icon=icon, query_params=query(target))
