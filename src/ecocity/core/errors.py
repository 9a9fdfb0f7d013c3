"""The one error for problems a user can act on: refused, nothing changed, a message in
Thai or English from the catalogue."""

from __future__ import annotations

from typing import Any

from ecocity.i18n import t


class ActionError(Exception):
    """An action that cannot be done (a store, a restore, a download, a permission).
    Nothing was changed.

    ``key`` is a catalogue key (see locales/*/store.toml) and doubles as a stable
    machine-readable code; ``message(lang)`` is the text for the user."""

    def __init__(self, key: str, **kw: Any):
        self.key = key
        self.kw = kw
        super().__init__(self.message("en"))

    @property
    def code(self) -> str:
        return self.key.rsplit(".", 1)[-1]

    def message(self, lang: str | None = "th") -> str:
        return t(self.key, lang, **self.kw)
