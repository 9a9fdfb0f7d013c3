"""The one i18n catalogue: ``t(key, lang, **kw)`` over Thai (the default) and English, B.E. years,
Thai numbers; messages live in ``locales/<lang>/*.toml`` (see docs/design-notes.md)."""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta, timezone
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

LANGS: tuple[str, ...] = ("th", "en")
DEFAULT_LANG = "th"
_LOCALES = Path(__file__).with_name("locales")
BE_OFFSET = 543


T = TypeVar("T")


def _flatten(prefix: str, d: Mapping[str, Any], out: dict[str, str]) -> None:
    for k, v in d.items():
        key = f"{prefix}.{k}" if prefix else k
        if isinstance(v, Mapping):
            _flatten(key, v, out)
        else:
            out[key] = str(v)


@cache
def catalogue(lang: str) -> dict[str, str]:
    """All messages of one language, flattened to dotted keys."""
    out: dict[str, str] = {}
    for f in sorted((_LOCALES / lang).glob("*.toml")):
        _flatten("", tomllib.loads(f.read_text("utf-8")), out)
    return out


def norm_lang(lang: str | None) -> str:
    return lang if lang in LANGS else DEFAULT_LANG


# A plural in a message: "{n} {n|area|areas}" gives "1 area", "4 areas" (Thai needs none).
_PLURAL = re.compile(r"\{(\w+)\|([^|{}]*)\|([^|{}]*)\}")


def _plural(msg: str, kw: Mapping[str, Any]) -> str:
    def pick(m: re.Match[str]) -> str:
        try:  # a count may come signed ("+1") or as text
            one = abs(float(str(kw.get(m[1])).replace("\u2212", "-"))) == 1
        except ValueError:
            one = False
        return m[2] if one else m[3]

    return _PLURAL.sub(pick, msg)


def t(key: str, lang: str | None = DEFAULT_LANG, /, **kw: Any) -> str:
    """The message ``key`` in ``lang``, formatted with ``kw`` (with plurals written as
    ``{n|one|other}``). A missing key shows the key itself (visible in review and caught by
    the catalogue test) rather than crashing."""
    msg = catalogue(norm_lang(lang)).get(key) or catalogue("en").get(key) or key
    if not kw:
        return msg
    if "|" in msg:
        msg = _plural(msg, kw)
    return msg.format(**kw)


def be_year(ce_year: int) -> int:
    """Buddhist Era year of a Common Era year (B.E. = C.E. + 543)."""
    return ce_year + BE_OFFSET


def ce_year(be: int) -> int:
    return be - BE_OFFSET


def fiscal_year_of(d: date) -> int:
    """Thai fiscal year (B.E.) containing ``d``: FY 2566 = 1 Oct 2022 - 30 Sep 2023."""
    return be_year(d.year + 1 if d.month >= 10 else d.year)


def fiscal_year_bounds(fy_be: int) -> tuple[date, date]:
    """First and last day of fiscal year ``fy_be`` (B.E.)."""
    y = ce_year(fy_be)
    return date(y - 1, 10, 1), date(y, 9, 30)


def fy_label(fy_be: int, lang: str | None = DEFAULT_LANG) -> str:
    """"ปีงบประมาณ 2566" / "FY 2566 (B.E.)"."""
    return t("common.fy_label", lang, year=fy_be)


def fmt_number(x: float | int | None, lang: str | None = DEFAULT_LANG, digits: int = 1) -> str:
    """A number with thousands separators and at most ``digits`` decimals (no trailing
    zeros: 4.2, not 4.20); missing as a dash."""
    if x is None:
        return "–"
    if isinstance(x, bool):
        return t("common.yes" if x else "common.no", lang)
    if float(x).is_integer():
        return f"{int(x):,}"
    return f"{x:,.{digits}f}".rstrip("0").rstrip(".")


# Thailand's clock: UTC+7 all year (no daylight saving). Stored times are UTC.
THAI_TIME = timezone(timedelta(hours=7), "ICT")


def thai_local(at: datetime) -> datetime:
    """A stored time (UTC; naive means UTC) on Thailand's clock."""
    return (at if at.tzinfo else at.replace(tzinfo=UTC)).astimezone(THAI_TIME)


def fmt_datetime(at: datetime | None, lang: str | None = DEFAULT_LANG, none: str = "–") -> str:
    """A stored time in Thai time, the date as :func:`fmt_date`: ``21 พ.ย. 2569 14:05`` /
    ``21 Nov 2026 14:05``; ``none`` for None."""
    if at is None:
        return none
    local = thai_local(at)
    return f"{fmt_date(local.date(), lang)} {local:%H:%M}"


def fmt_date(d: date, lang: str | None = DEFAULT_LANG) -> str:
    """``21 พ.ย. 2569`` in Thai (B.E.), ``21 Nov 2026`` in English."""
    if norm_lang(lang) == "th":
        months = catalogue("th")["common.months_short"].split(",")
        return f"{d.day} {months[d.month - 1]} {be_year(d.year)}"
    return d.strftime("%-d %b %Y")


def region_label(region: str | None, lang: str | None) -> str:
    """A region stored in English, in ``lang``: "East" -> "ภาคตะวันออก"; "Central (BMR)" ->
    key central_bmr; an unknown or mixed region ("North/Central") is shown as stored
    rather than guessed."""
    if not region:
        return "–"
    key = "app.region." + re.sub(r"[^a-z]+", "_", region.lower()).strip("_")
    return catalogue(norm_lang(lang)).get(key, region)


def bilingual(lang: str | None, th: T, en: T) -> T:
    """The Thai or the English one of a pair stored in both languages (``lang`` "th"
    gives Thai; anything else English, as every page and export passes a normalised
    language)."""
    return th if lang == "th" else en


class Named:
    """A record with ``name_th`` and ``name_en``: ``name(lang)`` is the one shown."""

    name_th: str
    name_en: str

    def name(self, lang: str | None = "th") -> str:
        return bilingual(lang, self.name_th, self.name_en)
