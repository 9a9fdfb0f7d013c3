"""Shared drawing helpers for pages: level badge, the path from Eco-Champion to Happiness, KPI
cards, the gap read aloud, the forecast, "no data yet". Text is built by pure functions, the
``show_*`` functions only draw it; colours come from the framework."""

from __future__ import annotations

import functools
import html
import math
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import streamlit as st

from ecocity.core.forecast import Forecast
from ecocity.core.framework import Framework
from ecocity.core.gap import GapLine
from ecocity.core.text import describe_gap_item
from ecocity.core.textsafe import md_escape, neutralise_table
from ecocity.i18n import fmt_number, t
from ecocity.pagemodels.charts import INK, MUTED, _text_on
from ecocity.ui.routes import script

PATH_FROM = 2  # the headline path starts at Eco-Champion
PALE = "#F1F4F2"


def text_on(colour: str) -> str:
    """Black or white text, whichever reads better on ``colour``."""
    return _text_on(colour)


def badge_html(fw: Framework, level: int | None, lang: str, *, big: bool = False) -> str:
    """A pill in the level's colour naming the level ("ไม่มีข้อมูล" when None)."""
    if level is None:
        colour, text = PALE, t("common.no_data", lang)
    else:
        colour, text = fw.level(level).colour, fw.level(level).name(lang)
    size = "1.15rem" if big else "0.9rem"
    return (f'<span class="eco-badge" style="background:{colour};color:{_text_on(colour)};'
            f'padding:0.2em 0.75em;border-radius:1em;font-weight:600;font-size:{size};'
            f'white-space:nowrap;border:1px solid rgba(0,0,0,0.12)">{html.escape(text)}</span>')


def path_html(fw: Framework, level: int | None, lang: str) -> str:
    """The path Eco-Champion -> Happiness as steps: reached steps filled in their colour,
    the current one outlined and marked "you are here", the rest pale."""
    steps = []
    for lv in fw.levels:
        if lv.number < PATH_FROM:
            continue
        reached = level is not None and level >= lv.number
        current = level == lv.number
        bg = lv.colour if reached else PALE
        fg = _text_on(bg) if reached else MUTED
        border = f"3px solid {INK}" if current else "3px solid transparent"
        if current:
            state = "● " + t("widgets.you_are_here", lang)
        elif reached:
            state = "✓ " + t("widgets.passed", lang)
        elif level is not None and lv.number == level + 1:
            state = "→ " + t("widgets.next_step", lang)
        else:
            state = "&nbsp;"
        steps.append(
            f'<div style="flex:1;min-width:0;padding:0.55rem 0.75rem;border-radius:12px;background:{bg};'
            f'color:{fg};border:{border}">'
            f'<div style="font-size:0.8rem;opacity:0.9">{html.escape(t("widgets.level_n", lang, n=lv.number))}</div>'
            f'<div style="font-weight:700;font-size:1.05rem;line-height:1.3">{html.escape(lv.name(lang))}</div>'
            f'<div style="font-size:0.85rem">{state}</div></div>')
    arrow = f'<div style="align-self:center;color:{MUTED};font-size:1.4rem">›</div>'
    before = ""
    if level is not None and level < PATH_FROM:
        before = (f'<div style="margin-bottom:0.4rem;color:{MUTED}">'
                  f'{html.escape(t("widgets.before_path", lang, level=fw.level(level).name(lang)))}</div>')
    return (f'{before}<div class="eco-path" style="display:flex;gap:6px;align-items:stretch;'
            f'margin:0.25rem 0 0.75rem 0">{arrow.join(steps)}</div>')


def show_path(fw: Framework, level: int | None, lang: str) -> None:
    st.markdown(path_html(fw, level, lang), unsafe_allow_html=True)


@dataclass(frozen=True)
class Card:
    label: str
    value: str
    delta: str | None = None
    help: str | None = None
    delta_color: str = "normal"


# st.metric cuts a label longer than its card with an ellipsis ("ระดับ Eco-Champion ขึ้…"):
# labels wrap instead, every card of a row stretches to the tallest and its value sits at the
# bottom, so the values of a row stay level whether a label takes one line or two.
CARDS_CSS = """<style>
.st-key-{key} [data-testid="stMetricLabel"] [data-testid="stMarkdownContainer"],
.st-key-{key} [data-testid="stMetricLabel"] p {{white-space: normal; overflow: visible; text-overflow: clip;}}
.st-key-{key} [data-testid="stMetric"] > div {{height: 100%; display: flex; flex-direction: column;}}
.st-key-{key} [data-testid="stMetricLabel"] {{margin-bottom: auto;}}
</style>"""


def show_cards(cards: Sequence[Card], *, key: str = "kpis") -> None:
    """A row of KPI cards (bordered st.metric), of equal height, labels never cut."""
    st.html(CARDS_CSS.format(key=key))  # style only: Streamlit adds it without taking room
    box = st.container(key=key)
    cols = box.columns(len(cards))
    for col, c in zip(cols, cards, strict=True):
        col.metric(c.label, c.value, delta=c.delta, help=c.help, border=True, height="stretch",
                   delta_color=c.delta_color)  # type: ignore[arg-type]


def gap_markdown(fw: Framework, lines: Sequence[GapLine], lang: str) -> str:
    """The gap as bullet sentences an executive reads aloud, each with the estates that pull
    the indicator down."""
    out = []
    for line in lines:
        sentence = describe_gap_item(fw, line.item, lang)
        parts = [f"- **{sentence}**"]
        if line.estates:
            unit = fw.indicator(line.item.code).unit(lang) if fw.has_indicator(line.item.code) else "-"
            unit = "" if unit == "-" else f" {unit}"
            who = ", ".join(f"{md_escape(e.name(lang))} ({fmt_number(e.value, lang)}{unit})" for e in line.estates)
            parts.append(f"  \n  {t('widgets.pulled_down_by', lang, estates=who)}")
        if line.not_reported:
            who = ", ".join(md_escape(e.name(lang)) for e in line.not_reported)
            parts.append(f"  \n  {t('widgets.not_reported', lang, estates=who)}")
        out.append("".join(parts))
    return "\n".join(out)


def forecast_text(fc: Forecast, fw: Framework, lang: str) -> str:
    """One sentence, always labelled an estimate (or saying why there is none)."""
    top = fw.level(fc.target_level).name(lang)
    if fc.status == "reached":
        return t("widgets.forecast.reached", lang, level=top, year=fc.year)
    if fc.status == "estimate":
        return t("widgets.forecast.estimate", lang, level=top, year=fc.year,
                 slope=fmt_number(fc.slope, lang, digits=2), n=len(fc.years_used))
    return t(f"widgets.forecast.{fc.status}", lang, level=top, n=len(fc.years_used))


def show_empty_state(lang: str) -> None:
    """No data yet: where to upload, and how to load the sample data."""
    box = st.container(border=True, key="empty_state")
    box.markdown(f"### {t('widgets.empty.title', lang)}")
    box.markdown(t("widgets.empty.body", lang))
    box.page_link(script("upload"), label=t("widgets.empty.upload", lang), icon=":material/upload_file:",
                  query_params={"lang": lang})
    box.caption(t("widgets.empty.sample", lang))


XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def table_downloads(key: str, csv: tuple[str, str, Callable[[], bytes | str]],
                    xlsx: tuple[str, str, Callable[[], bytes]]) -> None:
    """A CSV and an Excel download side by side, each ``(label, file name, builder)``; the
    files are built only when clicked, not on every rerun. ``key``: a widget key with
    ``{ext}`` in it ("audit_{ext}")."""
    with st.container(horizontal=True):
        for ext, (label, name, build), mime in (("csv", csv, "text/csv"), ("xlsx", xlsx, XLSX_MIME)):
            st.download_button(label, build, file_name=name, mime=mime, icon=":material/download:",
                               key=key.format(ext=ext), on_click="ignore")


@functools.lru_cache(maxsize=2)
def _advances(weight: int) -> tuple[dict[int, int], int]:
    """The app's font's advance widths by code point (font units) at ``weight``, and its em."""
    from fontTools.ttLib import TTFont
    from fontTools.varLib import instancer

    from ecocity.io.fonts import font_path

    font = TTFont(str(font_path()))
    if weight != 400 and "fvar" in font:
        font = instancer.instantiateVariableFont(font, {"wght": weight})
    hmtx = font["hmtx"].metrics
    return {cp: hmtx[glyph][0] for cp, glyph in font.getBestCmap().items()}, font["head"].unitsPerEm


def text_width(text: str, px: float = 14, *, weight: int = 400) -> float:
    """How wide ``text`` is laid out in the app's font (the web font Noto Sans Thai, Thai and
    Latin) at ``px``: Thai vowels above/below and tone marks take no room; a character the
    font lacks (≥, →) is drawn in a fallback font, counted a full em."""
    widths, em = _advances(weight)
    return px * sum(widths.get(ord(c), em) for c in text) / em


def column_width(header: str, values: Iterable[object], *, weight: int = 400) -> int:
    """The width (px) of an st.dataframe column that shows its header and every value whole:
    Streamlit sizes a column by its first rows only and cuts the rest at the column's edge,
    without an ellipsis. 14 px type, 8 px padding each side, a few px to spare."""
    widest = max([text_width(header), *(text_width(str(v), weight=weight) for v in values)])
    return math.ceil(widest) + 2 * 8 + 6


def select_width(label: str, choices: Iterable[str]) -> int:
    """The width (px) of an st.selectbox that shows its label and any of ``choices`` whole
    (14 px type; the box's padding and its arrow take about 50 px)."""
    return math.ceil(max([text_width(label), *(text_width(c) for c in choices)])) + 56


def table(data: object, *, where: object = None, **kwargs: object) -> object:
    """``st.dataframe`` (or ``where.dataframe``, e.g. a keyed container) for every table a
    page shows: its toolbar exports CSV, so text a spreadsheet would run as a formula gets
    the apostrophe of ``textsafe.neutralise_formula`` here, once for all pages."""
    return (where or st).dataframe(neutralise_table(data), **kwargs)  # type: ignore[attr-defined]


# ----------------------------------------------------------------------------- file uploader
# st.file_uploader writes its own English ("Upload", "10MB per file", "Drag and drop files
# here", "Error: File must be ...") and Streamlit has no translation for them. The helper
# below hides those texts with CSS scoped to one uploader (its key's class) and writes the
# catalogue's text in their place, with the limit the widget really enforces.
_UPLOADER = '[data-testid="stFileUploaderDropzone"]'


def upload_limit_mb(limit_bytes: int) -> int:
    """The per-file limit an uploader enforces and states, in whole MB: ``limit_bytes``
    rounded down (the checker behind it then never refuses a file the widget let through
    for its size), and never above the server's own limit (``server.maxUploadSize``), which
    refuses a larger body before the app sees it."""
    server = int(st.get_option("server.maxUploadSize") or 200)
    return max(1, min(limit_bytes // 2**20, server))


def _css_string(text: str) -> str:
    """``text`` as a quoted CSS string that cannot close its rule or the <style> element."""
    out = []
    for ch in text:
        out.append(f"\\{ord(ch):06x}" if ch in '"\\<>&' or ord(ch) < 0x20 else ch)
    return '"' + "".join(out) + '"'


def uploader_texts(lang: str, limit_mb: int, types: Sequence[str] = (), multiple: bool = False) -> dict[str, str]:
    """What the uploader says in ``lang``: its button, its instructions, the text shown while
    a file is dragged over it, and the line shown under a file it refused."""
    kinds = ", ".join(f".{x.lstrip('.').lower()}" for x in types)
    rule = (t("widgets.uploader.limit_types", lang, types=kinds, mb=limit_mb) if kinds
            else t("widgets.uploader.limit", lang, mb=limit_mb))
    return {"button": t(f"widgets.uploader.button_{'many' if multiple else 'one'}", lang),
            "instructions": t("widgets.uploader.instructions", lang, rule=rule),
            "drop": t(f"widgets.uploader.drop_{'many' if multiple else 'one'}", lang),
            "refused": t("widgets.uploader.refused", lang, rule=rule)}


def uploader_css(key: str, texts: dict[str, str]) -> str:
    """The <style> that replaces the English texts of the uploader keyed ``key`` by
    ``texts`` (:func:`uploader_texts`): each English text is set to font-size 0 and the
    catalogue's text is written after it (``::after``) in the theme's small size. A refused
    file's chip also shows the rule under its size (Streamlit shows why only on hover)."""
    scope = ".st-key-" + re.sub(r"[^a-zA-Z0-9_-]", "-", key.strip()) + " " + _UPLOADER
    replaced = {
        # the button: its label is a Markdown paragraph
        f'{scope} button[data-testid="stBaseButton-secondary"] [data-testid="stMarkdownContainer"] p':
            texts["button"],
        f'{scope} [data-testid="stFileUploaderDropzoneInstructions"] span': texts["instructions"],
        # while a file is dragged over: an overlay div (no test id) holding one span
        f"{scope} > div:not([data-testid]) > span:only-child": texts["drop"],
        # a refused file's reason for screen readers ("Error: File must be 1.0MB or smaller.")
        f'{scope} [data-testid="stFileChip"] [role="alert"]': texts["refused"],
    }
    css = [f"{sel} {{font-size: 0 !important; white-space: normal;}}\n"
           f"{sel}::after {{content: {_css_string(text)}; font-size: 0.875rem;}}" for sel, text in replaced.items()]
    size = f'{scope} [data-testid="stFileChip"][aria-invalid="true"] [data-testid="stFileChipName"] + div'
    css.append(f"{size}::after {{content: {_css_string(' · ' + texts['refused'])}; white-space: normal;}}")
    return "<style>\n" + "\n".join(css) + "\n</style>"


def file_uploader(label: str, *, key: str, lang: str, limit_bytes: int, types: Sequence[str] | None = None,
                  multiple: bool = False, help: str | None = None) -> Any:
    """``st.file_uploader`` that speaks ``lang`` and states the per-file limit it enforces
    (:func:`upload_limit_mb` of ``limit_bytes``). Returns what st.file_uploader returns."""
    mb = upload_limit_mb(limit_bytes)
    st.html(uploader_css(key, uploader_texts(lang, mb, types or (), multiple)))
    return st.file_uploader(label, type=list(types) if types else None, accept_multiple_files=multiple,
                            key=key, help=help, max_upload_size=mb)
