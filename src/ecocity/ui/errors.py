"""What a user sees when something fails: one translated sentence, never a traceback.
The details go to the server log for the administrator."""

from __future__ import annotations

import logging

import streamlit as st

from ecocity.i18n import t

log = logging.getLogger("ecocity.ui")


def show_error(exc: BaseException, lang: str) -> None:
    from sqlalchemy.exc import DBAPIError, OperationalError

    log.error("page failed", exc_info=exc)
    key = "app.error.database" if isinstance(exc, (OperationalError, DBAPIError)) else "app.error.unexpected"
    st.error(t(key, lang), icon=":material/error:")
