"""Text that came from users, made safe for where it goes, one place for every rule: Markdown
escaping, spreadsheet formulas kept as text, download file names (see docs/design-notes.md)."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from ecocity.i18n import t

# Characters that mean something anywhere in a line of Streamlit Markdown: emphasis, code,
# links and images, HTML and entities, LaTeX ($), tables (|), strikethrough (~), headings
# (#) and escapes. A colon starts Streamlit's ":red[...]", ":material/icon:" and emoji
# shortcodes only when text follows it, so "Happiness: 3 areas" keeps its colon as is.
_MD_ALWAYS = frozenset("\\`*_{}[]<>#|$~&")
_COLON = re.compile(r":(?=\S)")
# Characters that only mean something at the start of a line (lists, quotes, rules).
_MD_START = frozenset("-+=.!")
_ORDERED = re.compile(r"^(\d+)([.)])")
# Streamlit links bare addresses in Markdown text whatever the escapes ("https://x.org",
# "www.x.org", "a@b.org"); an invisible word joiner inside the pattern stops that.
_WJ = "\u2060"
_LINKISH = re.compile(r"(?<=:)(?=//)|(?<=[wW]{3})(?=\\?\.)|(?<=@)")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def md_escape(text: Any) -> str:
    """Text safe to put in Streamlit Markdown (see the module docstring): every character
    that could format is preceded by a backslash; line breaks become spaces, so the text
    cannot start a new block; a bare address ("https://", "www.", "@") gets an invisible
    word joiner, so it is not made a link."""
    s = str(text).replace("\r\n", " ").replace("\r", " ").replace("\n", " ")
    s = _LINKISH.sub(_WJ, s)
    out = _COLON.sub(r"\\:", "".join("\\" + ch if ch in _MD_ALWAYS else ch for ch in s))
    lead = len(out) - len(out.lstrip(" "))
    rest = out[lead:]
    if m := _ORDERED.match(rest):  # "1. x" or "1) x" would start an ordered list
        rest = f"{m[1]}\\{m[2]}{rest[m.end():]}"
    elif rest[:1] in _MD_START:
        rest = "\\" + rest
    return out[:lead] + rest


def t_md(key: str, lang: str | None, **params: Any) -> str:
    """A catalogue message for Markdown whose text parameters (names, labels, notes) are
    escaped with :func:`md_escape`; numbers stay as they are, and so does the catalogue's
    own formatting (its bold, its line breaks)."""
    return t(key, lang, **{k: md_escape(v) if isinstance(v, str) else v for k, v in params.items()})


def looks_like_formula(value: Any) -> bool:
    """Text a spreadsheet would take for a formula (leading spaces ignored)."""
    return isinstance(value, str) and value.lstrip(" ").startswith(FORMULA_START)


def neutralise_formula(value: Any) -> Any:
    """A cell value safe to write to CSV (see the module docstring): formula-looking text
    gets a leading apostrophe; numbers and other text are returned unchanged."""
    return "'" + value if looks_like_formula(value) else value


def neutralise_table(data: Any) -> Any:
    """A table for ``st.dataframe``, whose toolbar exports CSV, with every text cell passed
    through :func:`neutralise_formula`: a pandas DataFrame (a copy), a list of row dicts (a
    new list), or a pandas Styler (its data replaced; the styling is applied when drawn).
    Anything else is returned as it is."""
    if hasattr(data, "data") and hasattr(data, "apply") and hasattr(data, "set_properties"):  # a Styler
        data.data = neutralise_table(data.data)
        return data
    if hasattr(data, "columns") and hasattr(data, "map"):  # a DataFrame
        return data.map(neutralise_formula)
    if isinstance(data, list):
        return [{k: neutralise_formula(v) for k, v in r.items()} if isinstance(r, dict) else r for r in data]
    return data


_UNSAFE_NAME = re.compile(r'[\x00-\x1f\x7f<>:"/\\|?*]')
_WINDOWS_DEVICES = frozenset({"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$",
                              *(f"COM{i}" for i in range(10)), *(f"LPT{i}" for i in range(10))})
MAX_NAME = 120  # characters, extension included (every file system allows 255 bytes)


def safe_filename(name: Any, default: str = "file") -> str:
    """A safe base name for a download (see the module docstring):
    ``../../etc/passwd.xlsx`` -> ``passwd.xlsx``, ``con.xlsx`` -> ``_con.xlsx``,
    a NUL or newline dropped, an empty result -> ``default``."""
    s = unicodedata.normalize("NFC", str(name))
    s = re.split(r"[/\\]", s)[-1]  # the base name, whatever the sender's separator
    s = _UNSAFE_NAME.sub("", s).strip(" .")
    stem, dot, ext = s.rpartition(".")
    if not dot:
        stem, ext = s, ""
    if stem.split(".")[0].upper() in _WINDOWS_DEVICES:
        s = "_" + s
        stem = "_" + stem
    if len(s) > MAX_NAME:
        ext = ext[:16]
        s = stem[: MAX_NAME - len(ext) - 1].rstrip(" .") + ("." + ext if ext else "")
    return s or default
