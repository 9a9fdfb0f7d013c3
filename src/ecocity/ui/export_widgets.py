"""Downloads of the deck (PPTX), the report (PDF) and the charts (PNG ZIP) of the year and scope a
page shows: made on request with a progress bar naming its steps, built once per data version
and scope for every session; and the deck for Presentation mode (docs/design-notes.md)."""

from __future__ import annotations

import streamlit as st

from ecocity.i18n import t
from ecocity.io.export.bundle import FORMATS, build, file_stem
from ecocity.io.export.cache import BuildCache
from ecocity.io.export.slidecharts import Pictures
from ecocity.pagemodels.slides import Deck, Scope, build_deck
from ecocity.store.db import session_scope
from ecocity.ui import readers
from ecocity.ui.db import database_url, engine_for
from ecocity.ui.pending import is_pending

MIME = {"pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "pdf": "application/pdf", "png": "application/zip"}
SUFFIX = {"pptx": ".pptx", "pdf": ".pdf", "png": "-charts.zip"}
ASKED = "_ecocity_export_asked"  # session: the (token, year, scope, lang) the user asked files for


@st.cache_resource(show_spinner=False, max_entries=32)
def deck_for(url: str, token: str, year: int, scope: str, lang: str) -> Deck:
    """The slide sequence of ``year`` within ``scope`` (``Scope.param`` text) from the
    pages' cached readers; an unknown scope is the whole country. With a token read with
    data not yet reviewed, the deck says so (``Deck.pending``: every export's footer).
    Shared, not copied per run (a frozen deck: at 10x data a copy cost 17 ms a call)."""
    from ecocity.store.queries import data_date
    from ecocity.store.targets import targets
    from ecocity.ui.targets import this_fiscal_year

    registry = readers.registry_overview(url, token)
    sc = Scope.parse(scope, registry.regions, [a.code for a in registry.areas])
    with session_scope(engine_for(url)) as s:
        when = data_date(s, year, pending=is_pending(token))
        tg = targets(s)
    return build_deck(readers.framework(url, token), readers.entity_rows(url, token, "area"), readers.entity_rows(url, token, "estate"),
                      registry, readers.provinces(), year, sc, lang, data_date=when, targets=tg,
                      this_year=this_fiscal_year(), pending=is_pending(token))


@st.cache_resource(show_spinner=False)
def exports() -> BuildCache:
    """The files made on this server, by (database, data token, year, scope, language,
    format), and the map's picture under the format "map" (one for the PPTX and the PDF)."""
    return BuildCache()


def _file(deck: Deck, ask: tuple, fmt: str, progress) -> bytes:
    cache = exports()
    pictures = None
    if fmt in ("pptx", "pdf"):  # the map's picture starts rendering now, for both
        pictures = cache.build((*ask, "map"), lambda: Pictures(deck))
    try:
        return cache.build((*ask, fmt), lambda: build(deck, fmt, pictures=pictures, progress=progress))
    except Exception:
        cache.drop((*ask, "map"))  # a failed rendering is not kept: the next request tries again
        raise


def export_buttons(year: int | None, scope: Scope | str, lang: str, *, key: str = "export") -> None:
    """A "prepare the downloads" button; once pressed, the PPTX deck, the PDF report and the
    PNG charts of ``year`` within ``scope``, each built with a progress bar (unless already
    made for this data), then offered as a download button."""
    if year is None:
        return
    param = scope.param if isinstance(scope, Scope) else scope
    url, token = database_url(), readers.view_token()  # the page's data, with or without pending
    ask = (token, year, param, lang)
    st.markdown(f"**{t('export.widget.heading', lang)}**")
    if st.session_state.get(f"{ASKED}_{key}") != ask:
        if not st.button(t("export.widget.prepare", lang), key=f"{key}_prepare", help=t("export.widget.help", lang),
                         icon=":material/download:"):
            return
        st.session_state[f"{ASKED}_{key}"] = ask
    deck = deck_for(url, token, year, param, lang)
    stem = file_stem(deck)
    cache = exports()
    failed = False
    for fmt, col in zip(FORMATS, st.columns(len(FORMATS)), strict=True):
        label = t(f"export.widget.{fmt}", lang)
        with col:
            data = cache.get((url, *ask, fmt))
            if data is None:
                bar = st.progress(0.0, text=f"{label}: {t('export.step.reading', lang)}")

                def report(share: float, step: str, bar=bar, label=label) -> None:
                    bar.progress(min(max(share, 0.0), 1.0), text=f"{label}: {step}")

                try:
                    data = _file(deck, (url, *ask), fmt, report)
                except Exception as e:  # noqa: BLE001 - no browser, ...: say so, keep the page
                    bar.empty()
                    st.error(t("export.widget.failed", lang, error=e))
                    failed = True  # the button comes back to try again (what was made is kept)
                    continue
                bar.empty()
            st.download_button(label, data, file_name=stem + SUFFIX[fmt], mime=MIME[fmt], key=f"{key}_{fmt}",
                               width="stretch", on_click="ignore")
    if failed:
        st.session_state.pop(f"{ASKED}_{key}", None)
