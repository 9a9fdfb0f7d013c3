"""Cached readers and figures of the Estate and Indicators pages, and the Estate page's one write
path (restore). Every reader is keyed on the database URL and data token, so a new upload or a
restore shows at once on every replica; figures are cached as in ``ecocity.ui.figures``."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import plotly.graph_objects as go
import streamlit as st

from ecocity.core.access import ANONYMOUS, Actor, may_see_uploads
from ecocity.core.framework import Framework, Value
from ecocity.core.review import Decision
from ecocity.core.scoring import assess
from ecocity.i18n import t
from ecocity.pagemodels import charts, indicators
from ecocity.pagemodels.estate import EstateModel, estate_model, find_estate
from ecocity.pagemodels.rows import filter_rows
from ecocity.store import queries
from ecocity.store import review as store_review
from ecocity.store.db import Engine, session_scope
from ecocity.store.review import EstateSubmission, ReviewNote, ReviewResult, notes_of, review_submission
from ecocity.store.uploads import UploadInfo, list_uploads, read_original
from ecocity.store.versions import (
    StoreResult,
    ValueChange,
    VersionInfo,
    compare_versions,
    list_versions,
    restore_version,
)
from ecocity.ui import readers
from ecocity.ui.db import database_url, engine_for
from ecocity.ui.figures import as_figure, dimensions_and_history
from ecocity.ui.targets import this_fiscal_year

# ----------------------------------------------------------------------------- estate


@st.cache_data(show_spinner=False, max_entries=64)
def estate(url: str, token: str, code: str, year: int | None, lang: str, this_year: int) -> EstateModel | None:
    """One estate's page for fiscal year ``year``, seen in fiscal year ``this_year`` (its
    forecast names no year already gone); None when the registry has no such estate."""
    reg = readers.registry_overview(url, token)
    info, area = find_estate(reg.areas, reg.unassigned, code)
    if info is None:
        return None
    return estate_model(readers.framework(url, token), info, area, readers.entity_rows(url, token, "estate"),
                        readers.entity_rows(url, token, "area"), year, lang, this_year)


@st.cache_resource(show_spinner=False, max_entries=64)
def estate_figures(url: str, token: str, code: str, year: int | None, lang: str) -> dict[str, go.Figure]:
    """dimensions (this year against last) and history figures; absent when there is nothing to draw."""
    m = estate(url, token, code, year, lang, this_fiscal_year())
    if m is None:
        return {}
    figs = dimensions_and_history(readers.framework(url, token), m, year, lang, end_labels="room")
    return {name: as_figure(fig) for name, fig in figs.items()}


@st.cache_data(show_spinner=False, max_entries=64)
def versions(url: str, token: str, code: str, year: int) -> tuple[VersionInfo, ...]:
    """Every version of the estate's data for the year, newest first."""
    with session_scope(engine_for(url)) as s:
        return tuple(list_versions(s, code, year))


@st.cache_data(show_spinner=False, max_entries=64)
def version_levels(url: str, token: str, code: str, year: int) -> dict[int, int]:
    """version -> the level its values give under the framework in force."""
    fw = readers.framework(url, token)
    with session_scope(engine_for(url)) as s:
        return {v: assess(fw, vals).level for v, vals in queries.version_values(s, code, year).items()}


@st.cache_data(show_spinner=False, max_entries=64)
def version_values(url: str, token: str, code: str, year: int) -> dict[int, dict[str, Value]]:
    """version -> its values (for the review screen; the page shows them only to who may)."""
    with session_scope(engine_for(url)) as s:
        return queries.version_values(s, code, year)


@st.cache_data(show_spinner=False, max_entries=64)
def review_notes(url: str, token: str, code: str, year: int) -> dict[int, ReviewNote]:
    """version -> the reviewer's decision and comments (the page shows them only to who may)."""
    with session_scope(engine_for(url)) as s:
        return notes_of(s, code, year)


@st.cache_data(show_spinner=False, max_entries=32)
def submission_statuses(url: str, token: str, year: int, area: str | None,
                        region: str | None) -> tuple[EstateSubmission, ...]:
    """Every registry estate's status for ``year`` (the Submissions page)."""
    with session_scope(engine_for(url)) as s:
        return tuple(store_review.submission_statuses(s, year, area=area, region=region))


@st.cache_data(show_spinner=False, max_entries=32)
def returned_for(url: str, token: str, estates: tuple[str, ...]) -> list[tuple[str, int, ReviewNote]]:
    """Where the newest version of one of ``estates`` was returned, with the comments."""
    with session_scope(engine_for(url)) as s:
        return store_review.returned_for(s, estates)


@st.cache_data(show_spinner=False, max_entries=8)
def due_dates(url: str, token: str) -> dict[int, date]:
    with session_scope(engine_for(url)) as s:
        return store_review.due_dates(s)


def set_due(url: str, by: Actor, year: int, due: date | None) -> None:
    store_review.set_due_date(engine_for(url), by, year, due)


def review(url: str, code: str, year: int, decision: Decision, by: Actor, **kw: Any) -> ReviewResult:
    """Accept or return the newest version (the write path of the review screen): the store
    checks who may and that ``version`` in ``kw`` is still the newest."""
    return review_submission(engine_for(url), code, year, decision, by=by, **kw)


@st.cache_data(show_spinner=False, max_entries=64)
def compare(url: str, token: str, code: str, year: int, old: int, new: int) -> tuple[ValueChange, ...]:
    """The values that differ between two versions, as (code, old, new)."""
    with session_scope(engine_for(url)) as s:
        return tuple(compare_versions(s, code, year, old, new, readers.framework(url, token)))


def uploads(url: str, token: str, code: str, year: int, actor: Actor) -> tuple[UploadInfo, ...]:
    """The upload log of the estate and year (accepted, duplicate and rejected), newest
    first, as far as ``actor`` may see it (``list_uploads(visible_to=...)``: all for an
    administrator, an officer's estates' and own uploads, nothing for anyone else)."""
    if not may_see_uploads(actor):
        return ()
    return _uploads(url, token, code, year, actor.username, actor.role, tuple(sorted(actor.estates)))


@st.cache_data(show_spinner=False, max_entries=64)
def _uploads(url: str, token: str, code: str, year: int, username: str, role: str,
             estates: tuple[str, ...]) -> tuple[UploadInfo, ...]:
    # Keyed by who reads (user name, role, estates): one reader's log is never served to another.
    reader = Actor(username=username, role=role, estates=frozenset(estates))  # type: ignore[arg-type]
    with session_scope(engine_for(url)) as s:
        return tuple(list_uploads(s, estate_code=code, fiscal_year=year, limit=200, visible_to=reader))


def actor_at_click(drawn: Actor) -> Callable[[], Actor]:
    """A no-argument callable giving the actor of this browser session as the database has
    it when it is called, for download callables: they run when the user clicks, maybe long
    after the page was drawn, on a thread without Streamlit's session (so
    ``auth.current_actor`` cannot run there). The rules are ``auth.actor_of_sign_in``'s: a
    sign-in past ``ECOCITY_SESSION_HOURS``, or an account disabled, removed or with its
    password changed since, gives the anonymous visitor. Without a sign-in record
    (anonymous, or an actor set directly by a test), ``drawn``. A lapsed sign-in acts as a
    viewer who keeps the account's name, so a refused download is audited under it."""
    from ecocity.config import settings
    from ecocity.ui import auth

    signed = st.session_state.get(auth.SESSION_KEY)
    if not isinstance(signed, dict) or "user_id" not in signed:
        return lambda: drawn
    engine, record, hours = engine_for(database_url()), dict(signed), settings().session_hours
    lapsed = Actor(username=drawn.username, role="viewer", via="anonymous") if drawn.username else ANONYMOUS
    return lambda: auth.actor_of_sign_in(engine, record, hours) or lapsed


def file_reader(engine: Engine, upload_id: int, by: Callable[[], Actor]):
    """A no-argument callable returning an upload's original bytes, for st.download_button
    (it runs only when the user clicks, on another thread: no Streamlit calls inside).
    ``by`` gives the actor at that moment (see :func:`actor_at_click`); the store refuses
    (AccessDenied, audited as 'download.denied') an actor who may not download that upload."""
    return lambda: read_original(engine, upload_id, by())[1]


def restore(url: str, code: str, year: int, version: int, by: Actor) -> StoreResult:
    """Restore ``version`` as a new current version (the write path of the Estate page),
    as ``by`` (the store checks that ``by`` may restore the estate's data). The data token
    changes, so every cached reader reads fresh data on the next run."""
    return restore_version(engine_for(url), code, year, version, by=by)  # the framework in force there


# ----------------------------------------------------------------------------- indicators


@st.cache_data(show_spinner=False, max_entries=64)
def indicator_ranking(url: str, token: str, kind: queries.Kind, subject: str, year: int, region: str | None,
                      lang: str) -> indicators.RankingModel:
    """``subject``: an indicator code or a dimension key (see ``indicators.subject_of``)."""
    fw = readers.framework(url, token)
    return indicators.ranking(fw, _subject(fw, subject), readers.entity_rows(url, token, kind), year, lang,
                          region=region)


def _subject(fw: Framework, raw: str) -> indicators.Subject:
    s = indicators.subject_of(fw, raw)
    if s is None:
        raise ValueError(f"not an indicator code or dimension key: {raw!r}")
    return s


def _unit(fw: Framework, subject: indicators.Subject, lang: str) -> str:
    if subject.kind == "dimension":
        return t("charts.score", lang)
    unit = fw.indicator(subject.key).unit(lang)
    return "" if unit in ("", "-") else unit


@st.cache_resource(show_spinner=False, max_entries=64)
def ranking_figure(url: str, token: str, kind: queries.Kind, key: str, year: int, region: str | None,
                   lang: str) -> go.Figure | None:
    """The entities of the year ranked by the indicator's value (or dimension score); None
    when no entity has a value (or for a yes/no indicator, shown as lists instead)."""
    fw = readers.framework(url, token)
    subject = _subject(fw, key)
    model = indicator_ranking(url, token, kind, key, year, region, lang)
    if not model.ranked:
        return None
    label = indicators.subject_label(fw, subject, lang)
    # charts.* return figure objects, validated once as they are built: cached as they are.
    return charts.ranking(
        fw, model.ranked, lang, title=t("indicators.ranking_title", lang, subject=label, year=year),
        value_label=_unit(fw, subject, lang) or label, lower_is_better=model.lower_is_better)


@st.cache_resource(show_spinner=False, max_entries=64)
def trend_figure(url: str, token: str, kind: queries.Kind, key: str, region: str | None, codes: tuple[str, ...],
                 lang: str) -> go.Figure | None:
    """The value over the fiscal years of each entity in ``codes``, highlighted over the
    region's others, with the level thresholds (see ``indicators.trend_figure``)."""
    fw = readers.framework(url, token)
    rows = filter_rows(readers.entity_rows(url, token, kind), region=region)
    return indicators.trend_figure(fw, _subject(fw, key), rows, codes, kind, lang)


@st.cache_resource(show_spinner=False, max_entries=64)
def heatmap_figure(url: str, token: str, year: int, region: str | None, lang: str) -> go.Figure | None:
    """Dimension scores of the areas with data in the year (and region); None when there are none."""
    rows = indicators.heatmap_rows(readers.entity_rows(url, token, "area"), year, lang, region=region)
    return charts.heatmap(readers.framework(url, token), rows, lang) if rows else None
