"""The one error the storage layer raises for problems a user can act on."""

from __future__ import annotations

from typing import Any

from ecocity.i18n import t


class StoreError(Exception):
    """A submission, restore or download that cannot be done. Nothing was changed.

    ``key`` is a catalogue key under ``store.`` (see locales/*/store.toml) and doubles as
    a stable machine-readable code; ``message(lang)`` is the text for the user."""

    def __init__(self, key: str, **kw: Any):
        self.key = key
        self.kw = kw
        super().__init__(self.message("en"))

    @property
    def code(self) -> str:
        return self.key.rsplit(".", 1)[-1]

    def message(self, lang: str | None = "th") -> str:
        return t(self.key, lang, **self.kw)
