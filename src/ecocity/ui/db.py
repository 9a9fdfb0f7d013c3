"""The database as pages see it: one engine per process and URL, migrated once, and a
data token that keys every st.cache_data reader (so each replica drops stale caches
as soon as any replica writes)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import streamlit as st

from ecocity.config import settings

if TYPE_CHECKING:
    from ecocity.store.db import Engine


@st.cache_resource(show_spinner=False)
def engine_for(url: str) -> Engine:
    from ecocity.store.db import make_engine
    from ecocity.store.schema import upgrade

    engine = make_engine(url)
    upgrade(engine)  # migrations + registry seed; idempotent, so every replica may run it
    return engine


def database_url() -> str:
    return settings().database_url


def data_token() -> str:
    """Changes whenever stored data changes (and differs between databases); pass it to
    cached readers as an argument so it keys their cache."""
    from ecocity.store.db import data_token as _data_token

    return _data_token(engine_for(database_url()))
