"""What the registry administration page shows of a registry row: each value as text in the
chosen language (regions named, yes/no, a dash for nothing), the columns headed in it.
Pure: the rows come from ``store.registry.rows``; the page draws them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from ecocity.i18n import region_label, t


def region_text(region: str | None, lang: str) -> str:
    """A stored (English) region in ``lang``; a mixed one ("Central/East") part by part."""
    if not region:
        return t("registry_admin.value.empty", lang)
    return "/".join(region_label(part.strip(), lang) for part in region.split("/"))


def value_text(field: str, value: Any, lang: str) -> str:
    """One registry value as the page shows it: nothing as a dash (never "None"), a region
    in words, ``source_checked`` ("yes"/"no" in the file, or a bool) as yes/no in ``lang``,
    a list of codes joined."""
    if value is None or value == "" or value == () or value == []:
        return t("registry_admin.value.empty", lang)
    if field == "region":
        return region_text(str(value), lang)
    if isinstance(value, bool) or (field == "source_checked" and str(value).lower() in ("yes", "no")):
        yes = value if isinstance(value, bool) else str(value).lower() == "yes"
        return t(f"registry_admin.value.{'yes' if yes else 'no'}", lang)
    if isinstance(value, (tuple, list)):
        return "; ".join(str(x) for x in value)
    if field == "estates" and isinstance(value, str):
        return "; ".join(x for x in value.split(";") if x)
    return str(value)


def table_rows(columns: Sequence[str], rows: Iterable[Mapping[str, Any]], lang: str) -> list[dict[str, str]]:
    """The rows of the page's table: one text cell per column, headed in ``lang``."""
    head = {c: t(f"registry_admin.field.{c}", lang) for c in columns}
    return [{head[c]: value_text(c, r.get(c), lang) for c in columns} for r in rows]
