"""Storage: SQLAlchemy models, migrations, the upload lifecycle, queries and the data version.

Typical use::

    engine = make_engine()          # settings().database_url
    upgrade(engine)                 # migrations + registry seed; idempotent
    result = store_submission(engine, data, filename=..., content=..., by=actor)
    with session_scope(engine) as s:
        rows = queries.assessments_for_year(s, 2566, "area")
    data_version(engine)            # cache key for pages

Names are imported lazily, so ``ecocity`` commands that never touch the database do not
pay for importing SQLAlchemy.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "ecocity.store.db": ("bump_data_version", "data_token", "data_version", "make_engine", "migrate", "safe_url",
                         "schema_revision", "session_scope", "upgrade", "write_session"),
    "ecocity.store.derived": ("recompute_all",),
    "ecocity.store.errors": ("StoreError",),
    "ecocity.store.uploads": ("RemoveResult", "StoreResult", "UploadInfo", "ValueChange", "VersionInfo",
                              "compare_versions", "list_uploads", "list_versions", "log_denied", "log_rejected",
                              "log_upload", "read_original", "remove_sample", "restore_version",
                              "store_submission", "upload_content"),
}
_WHERE = {name: mod for mod, names in _EXPORTS.items() for name in names}
__all__ = sorted([*_WHERE, "queries"])

if TYPE_CHECKING:
    from ecocity.store import queries
    from ecocity.store.db import (
        bump_data_version,
        data_token,
        data_version,
        make_engine,
        migrate,
        safe_url,
        schema_revision,
        session_scope,
        upgrade,
        write_session,
    )
    from ecocity.store.derived import recompute_all
    from ecocity.store.errors import StoreError
    from ecocity.store.uploads import (
        RemoveResult,
        StoreResult,
        UploadInfo,
        ValueChange,
        VersionInfo,
        compare_versions,
        list_uploads,
        list_versions,
        log_denied,
        log_rejected,
        log_upload,
        read_original,
        remove_sample,
        restore_version,
        store_submission,
        upload_content,
    )


def __getattr__(name: str) -> Any:
    if name == "queries":
        return importlib.import_module("ecocity.store.queries")
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'ecocity.store' has no attribute {name!r}")
