"""Downloads of the deck (PPTX), the report (PDF) and the charts (PNG in a ZIP) for the fiscal year
and scope a page shows, made only on request and cached, and the deck itself for Presentation mode
(see docs/design-notes.md)."""

from __future__ import annotations

import streamlit as st

from ecocity.i18n import t
from ecocity.io.export.bundle import FORMATS, bundle, file_stem
from ecocity.pagemodels.slides import Deck, Scope, build_deck
from ecocity.store.db import session_scope
from ecocity.ui import readers
from ecocity.ui.db import database_url, engine_for
from ecocity.ui.pending import is_pending

MIME = {"pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "pdf": "application/pdf", "png": "application/zip"}
SUFFIX = {"pptx": ".pptx", "pdf": ".pdf", "png": "-charts.zip"}
ASKED = "_ecocity_export_asked"  # session: the (token, year, scope, lang) the user asked files for


@st.cache_data(show_spinner=False, max_entries=32)
def deck_for(url: str, token: str, year: int, scope: str, lang: str) -> Deck:
    """The slide sequence of ``year`` within ``scope`` (``Scope.param`` text) from the
    pages' cached readers; an unknown scope is the whole country. With a token read with
    data not yet reviewed, the deck says so (``Deck.pending``: every export's footer)."""
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


@st.cache_data(show_spinner=False, max_entries=6)  # a few MB each
def files_for(url: str, token: str, year: int, scope: str, lang: str) -> dict[str, bytes]:
    return bundle(deck_for(url, token, year, scope, lang), FORMATS)


def export_buttons(year: int | None, scope: Scope | str, lang: str, *, key: str = "export") -> None:
    """A "prepare the downloads" button; once pressed, download buttons for the PPTX deck,
    the PDF report and the PNG charts of ``year`` within ``scope``."""
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
    try:
        with st.spinner(t("export.widget.preparing", lang)):
            files = files_for(url, token, year, param, lang)
    except Exception as e:  # noqa: BLE001 - no browser, ...: say so, keep the page
        st.session_state.pop(f"{ASKED}_{key}", None)
        st.error(t("export.widget.failed", lang, error=e))
        return
    stem = file_stem(deck_for(url, token, year, param, lang))
    for fmt, col in zip(FORMATS, st.columns(len(FORMATS)), strict=True):
        col.download_button(t(f"export.widget.{fmt}", lang), files[fmt], file_name=stem + SUFFIX[fmt],
                            mime=MIME[fmt], key=f"{key}_{fmt}", width="stretch")
