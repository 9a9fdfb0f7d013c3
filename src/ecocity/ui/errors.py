"""What a user sees when something fails: one translated sentence, never a traceback.
The details go to the server log for the administrator."""

from __future__ import annotations

import logging

import streamlit as st

from ecocity.i18n import t

log = logging.getLogger("ecocity.ui")


def show_error(exc: BaseException, lang: str) -> None:
    from ecocity.store.errors import is_outage

    log.error("page failed", exc_info=exc)
    key = "app.error.database" if is_outage(exc) else "app.error.unexpected"
    st.error(t(key, lang), icon=":material/error:")
