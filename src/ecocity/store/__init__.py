"""Storage: SQLAlchemy models, migrations, the upload lifecycle, queries and the data version;
names are imported lazily so commands without a database skip SQLAlchemy
(see docs/design-notes.md)."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "ecocity.store.db": ("bump_data_version", "data_token", "data_version", "make_engine", "safe_url",
                         "session_scope", "write_session"),
    "ecocity.store.schema": ("migrate", "schema_revision", "upgrade"),
    "ecocity.store.derived": ("recompute_all",),
    "ecocity.store.errors": ("StoreError",),
    "ecocity.store.uploads": ("UploadInfo", "list_uploads", "log_denied", "log_rejected", "log_upload", "read_original",
                              "upload_content"),
    "ecocity.store.versions": ("RemoveResult", "StoreResult", "ValueChange", "VersionInfo", "compare_versions",
                               "list_versions", "remove_sample", "restore_version", "store_submission"),
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
        safe_url,
        session_scope,
        write_session,
    )
    from ecocity.store.derived import recompute_all
    from ecocity.store.errors import StoreError
    from ecocity.store.schema import migrate, schema_revision, upgrade
    from ecocity.store.uploads import (
        UploadInfo,
        list_uploads,
        log_denied,
        log_rejected,
        log_upload,
        read_original,
        upload_content,
    )
    from ecocity.store.versions import (
        RemoveResult,
        StoreResult,
        ValueChange,
        VersionInfo,
        compare_versions,
        list_versions,
        remove_sample,
        restore_version,
        store_submission,
    )


def __getattr__(name: str) -> Any:
    if name == "queries":
        return importlib.import_module("ecocity.store.queries")
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module 'ecocity.store' has no attribute {name!r}")
