"""The layout of the submission workbook (sheet names, fields, columns), defined once for the
template writer and the reader, with lenient label matching (see docs/design-notes.md)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from ecocity.i18n import t

# ----------------------------------------------------------------------------- sheets

# (Thai, English); the template names each sheet "Thai (English)" (spec), or the other way
# round when English comes first.
SHEET_INSTRUCTIONS = ("คำแนะนำ", "Instructions")
SHEET_GENERAL = ("ข้อมูลทั่วไป", "General")
SHEET_INDICATORS = ("ตัวชี้วัด", "Indicators")

# Extra names officers use, already normalised (see norm_key).
_SHEET_ALIASES: dict[str, tuple[str, ...]] = {
    "general": ("ข้อมูลทั่วไป", "general", "generalinformation", "generalinfo", "ข้อมูลนิคม"),
    "indicators": ("ตัวชี้วัด", "indicators", "indicator", "kpi", "kpis"),
    "instructions": ("คำแนะนำ", "instructions", "คำอธิบาย", "วิธีกรอก"),
}


def bilingual(th: str, en: str, lang_first: str = "th") -> str:
    """``"ไทย (English)"`` or ``"English (ไทย)"``."""
    return f"{th} ({en})" if lang_first == "th" else f"{en} ({th})"


def sheet_title(pair: tuple[str, str], lang_first: str = "th") -> str:
    return bilingual(pair[0], pair[1], lang_first)


# ----------------------------------------------------------------------------- matching

_PAREN = re.compile(r"[(\[（]([^)\]）]*)[)\]）]")
_SPACES = re.compile(r"\s+")


def norm_key(text: str) -> str:
    """Lower case, no spaces, no ``*``/``:`` markers: the form labels are compared in."""
    return _SPACES.sub("", text).lower().strip("*:：.")


def label_keys(text: object) -> frozenset[str]:
    """Every key a label cell may be recognised by: the whole label without its
    parenthesised part, the parenthesised part, and each slash-separated piece of both."""
    if not isinstance(text, str) or not text.strip():
        return frozenset()
    return _label_keys(text)


@lru_cache(maxsize=4096)  # the same labels come back in every workbook of a template
def _label_keys(text: str) -> frozenset[str]:
    s = text.replace("*", " ")
    inner = _PAREN.findall(s)
    outer = _PAREN.sub(" ", s)
    keys: set[str] = set()
    for part in (outer, *inner):
        for piece in (part, *part.split("/")):
            k = norm_key(piece)
            if k:
                keys.add(k)
    return frozenset(keys)


def match_sheets(names: Iterable[str]) -> dict[str, str]:
    """Map "general"/"indicators"/"instructions" to the workbook's own sheet name.

    A sheet matches when its name, ignoring case, spaces and the parenthesised part (or
    that part alone), is one of the known names. The first matching sheet wins.
    """
    found: dict[str, str] = {}
    for name in names:
        keys = label_keys(name)
        for role, aliases in _SHEET_ALIASES.items():
            if role not in found and keys & set(aliases):
                found[role] = name
                break
    return found


# ----------------------------------------------------------------------------- General

@dataclass(frozen=True)
class Field:
    key: str
    required: bool
    extra_aliases: tuple[str, ...] = ()


GENERAL_FIELDS: tuple[Field, ...] = (
    Field("estate_code", True, ("รหัสนิคมอุตสาหกรรม", "estate", "estateid", "รหัส", "code")),
    Field("estate_name", False, ("ชื่อนิคมอุตสาหกรรม", "นิคมอุตสาหกรรม", "name", "ชื่อ")),
    Field("fiscal_year", True, ("ปีงบ", "ปีงบฯ", "fy", "year", "ปี", "ปีงบประมาณพ.ศ.")),
    Field("factories", True, ("factories", "โรงงาน", "จำนวนโรงงานในนิคม", "numberoffactory",
                              "factorycount")),
    Field("submitted_by", True, ("ผู้กรอก", "ผู้รายงาน", "ผู้ให้ข้อมูล", "reportedby", "filledby",
                                 "officer", "name of officer")),
    Field("email", False, ("e-mail", "อีเมล์", "อีเมล", "mail")),
    Field("date", False, ("วันที่", "วันที่กรอกข้อมูล", "datefilled", "submitted on")),
)


def field_label(key: str, lang: str) -> str:
    return t(f"workbook.field.{key}", lang)


@lru_cache(maxsize=1)
def _general_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for f in GENERAL_FIELDS:
        for alias in (field_label(f.key, "th"), field_label(f.key, "en"), *f.extra_aliases):
            index.setdefault(norm_key(alias), f.key)
    return index


def general_field_of(cell: object) -> str | None:
    """The General-sheet field a label cell names, or None."""
    index = _general_index()
    keys = label_keys(cell)
    # The whole label first, so "ชื่อนิคม / Estate name" is not taken for a shorter alias.
    for k in sorted(keys, key=len, reverse=True):
        if k in index:
            return index[k]
    return None


# ----------------------------------------------------------------------------- Indicators

# Columns in template order; value must stay column E (spec examples name E cells).
INDICATOR_COLUMNS: tuple[str, ...] = ("code", "dimension", "name", "unit", "value", "notes",
                                      "accepted")
REQUIRED_COLUMNS: tuple[str, ...] = ("code", "value")

_COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "code": ("รหัส", "code", "รหัสตัวชี้วัด", "indicatorcode", "kpicode"),
    "dimension": ("มิติ", "dimension", "ด้าน"),
    "name": ("ตัวชี้วัด", "indicator", "ชื่อตัวชี้วัด", "indicatorname", "kpi"),
    "unit": ("หน่วย", "unit", "หน่วยนับ", "units"),
    "value": ("ค่า", "value", "ผลการดำเนินงาน", "ค่าที่ได้", "ผลลัพธ์", "result", "ข้อมูล"),
    "notes": ("หลักฐาน", "หมายเหตุ", "evidence", "notes", "note", "หลักฐาน/หมายเหตุ",
              "evidence/notes", "remarks"),
    "accepted": ("ค่าที่กรอกได้", "acceptedinput", "accepted"),
}


def column_label(key: str, lang: str) -> str:
    return t(f"workbook.column.{key}", lang)


@lru_cache(maxsize=1)
def _column_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for key, aliases in _COLUMN_ALIASES.items():
        for alias in (column_label(key, "th"), column_label(key, "en"), *aliases):
            for k in label_keys(alias) | {norm_key(alias)}:
                index.setdefault(k, key)
    return index


def column_of(cell: object) -> str | None:
    """The Indicator-sheet column a header cell names, or None."""
    index = _column_index()
    keys = set(label_keys(cell))
    if isinstance(cell, str):
        keys.add(norm_key(_PAREN.sub(" ", cell)))
    for k in sorted(keys, key=len, reverse=True):
        if k in index:
            return index[k]
    return None


HEADER_SEARCH_ROWS = 15  # spec: the header row may be anywhere in the first 15 rows
GENERAL_SEARCH_ROWS = 60
GENERAL_SEARCH_COLS = 12


def col_letter(index: int) -> str:
    """0-based column index to letters: 0 -> A, 26 -> AA."""
    s = ""
    n = index + 1
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def cell_ref(row: int, col: int) -> str:
    """0-based (row, col) to an A1 reference."""
    return f"{col_letter(col)}{row + 1}"
