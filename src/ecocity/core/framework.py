"""Load and validate a framework file (``data/frameworks/*.toml``: levels, dimensions, indicators)
into frozen objects; the only reader of such files, refusing a malformed one with every problem
listed (docs/maturity-model.md, "The framework is data")."""

from __future__ import annotations

import hashlib
import math
import re
import sys
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, cast

from ecocity.config import ROOT
from ecocity.i18n import Named, bilingual

Kind = Literal["number", "percent", "score", "yesno"]
Direction = Literal["higher", "lower"]
Aggregation = Literal["sum", "mean", "factory_weighted_mean", "all", "any", "min", "max"]
Value = float | bool | None

KINDS: tuple[str, ...] = ("number", "percent", "score", "yesno")
DIRECTIONS: tuple[str, ...] = ("higher", "lower")
NUMERIC_AGGREGATIONS: tuple[str, ...] = ("sum", "mean", "factory_weighted_mean", "min", "max")
YESNO_AGGREGATIONS: tuple[str, ...] = ("all", "any")

# The highest level number a file may define: the model has 0..5; a damaged or mistyped
# number (1000000) must not make the checker list a million missing levels.
MAX_LEVEL = 20
SHOWN_CHARS = 120  # a value quoted in a problem is cut to this many characters

DATA_DIR = ROOT / "data"
DEFAULT_FRAMEWORK_PATH = DATA_DIR / "frameworks" / "eit-default.toml"


class FrameworkError(ValueError):
    """A framework file that cannot be used. ``problems`` holds (entry, problem) pairs in
    English; ``coded`` the same problems as (entry, key, values) where the rules found
    them, for any language: ``i18n.t(f"framework_rule.{key}", lang, **values)``."""

    def __init__(self, path: str | Path, problems: list[tuple[str, str]],
                 coded: list[tuple[str, str, dict[str, Any]]] | None = None):
        self.path = str(path)
        self.problems = problems
        self.coded = coded or []
        lines = [f"{self.path}: {entry}: {problem}" for entry, problem in problems]
        super().__init__("invalid framework file\n" + "\n".join(lines))


@dataclass(frozen=True)
class Level(Named):
    number: int
    key: str
    name_en: str
    name_th: str
    colour: str
    ieat_en: str = ""
    diw_step: str = ""


@dataclass(frozen=True)
class Dimension(Named):
    key: str
    name_en: str
    name_th: str
    weight: float = 1.0


@dataclass(frozen=True)
class Indicator(Named):
    code: str
    dimension: str
    name_en: str
    name_th: str
    kind: Kind
    aggregation: Aggregation
    unit_en: str = ""
    unit_th: str = ""
    direction: Direction = "higher"
    # thresholds[L-1] is the threshold of level L; empty for yes/no indicators.
    thresholds: tuple[float, ...] = ()
    weight: float = 1.0
    required_from: int | None = None
    # Valid input range (inclusive); None means unbounded on that side.
    min: float | None = None
    max: float | None = None


    def unit(self, lang: str = "th") -> str:
        return bilingual(lang, self.unit_th, self.unit_en)

    @property
    def is_yesno(self) -> bool:
        return self.kind == "yesno"

    def threshold(self, level: int) -> float | None:
        """Threshold of ``level`` (1-based); None for yes/no indicators."""
        return self.thresholds[level - 1] if self.thresholds else None

    def meets(self, value: Value, level: int) -> bool:
        """Whether ``value`` meets ``level``. Missing values meet nothing."""
        if value is None or level <= 0:
            return value is not None and level <= 0
        if self.is_yesno:
            return value is True
        t = self.thresholds[level - 1]
        v = float(value)
        return v >= t if self.direction == "higher" else v <= t


@dataclass(frozen=True)
class Framework(Named):
    id: str
    version: int
    name_en: str
    name_th: str
    pass_share: float
    levels: tuple[Level, ...]
    dimensions: tuple[Dimension, ...]
    indicators: tuple[Indicator, ...]
    default_set: bool = False
    source: str = ""
    sha256: str = ""
    # The file's text exactly as read (what framework_versions.source keeps); "" when the
    # framework was built from parsed TOML only.
    text: str = field(default="", repr=False, compare=False)
    _by_code: Mapping[str, Indicator] = field(default_factory=dict, repr=False, compare=False)

    @property
    def version_id(self) -> str:
        """Stable id stored with every assessment, e.g. ``eit-default@1``."""
        return f"{self.id}@{self.version}"

    @property
    def top_level(self) -> int:
        return self.levels[-1].number


    def level(self, number: int) -> Level:
        return self.levels[number]

    def indicator(self, code: str) -> Indicator:
        return self._by_code[code]

    def has_indicator(self, code: str) -> bool:
        return code in self._by_code

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(i.code for i in self.indicators)

    def dimension(self, key: str) -> Dimension:
        return next(d for d in self.dimensions if d.key == key)

    def indicators_of(self, dimension_key: str) -> tuple[Indicator, ...]:
        return tuple(i for i in self.indicators if i.dimension == dimension_key)


# --------------------------------------------------------------------------- loading


_HUMAN_TEXT = ("name_", "unit_", "ieat_", "diw_")
_MARKUP = re.compile(r"[<>\[\]`*$|\\_~]")
_TOP_KEYS = {"id", "version", "name_en", "name_th", "pass_share", "default_set", "levels",
             "dimensions", "indicators"}
_LEVEL_KEYS = {"number", "key", "name_en", "name_th", "colour", "ieat_en", "diw_step"}
_DIMENSION_KEYS = {"key", "name_en", "name_th", "weight"}
_INDICATOR_KEYS = {"code", "dimension", "name_en", "name_th", "kind", "unit_en", "unit_th",
                   "direction", "thresholds", "weight", "required_from", "aggregation",
                   "min", "max", "scale"}


def _is_number(x: Any) -> bool:
    """A finite int or float that a float can hold (TOML integers have no size limit)."""
    if not isinstance(x, int | float) or isinstance(x, bool):
        return False
    try:
        return math.isfinite(x)
    except OverflowError:  # an int beyond 1.8e308
        return False


def _shown(text: str) -> str:
    """A value as a problem quotes it: a damaged file can hold a 4,000-digit number."""
    return text if len(text) <= SHOWN_CHARS else f"{text[:SHOWN_CHARS - 1]}… ({len(text):,} characters)"


class _Checker:
    """Collects problems while building objects, so that all are reported at once."""

    def __init__(self) -> None:
        self.problems: list[tuple[str, str]] = []
        self.coded: list[tuple[str, str, dict[str, Any]]] = []

    def bad(self, entry: str, key: str, /, **kw: Any) -> None:
        """Record a problem: its message is ``framework_rule.<key>`` of the i18n catalogue
        (English in ``problems``; ``coded`` keeps key and values for other languages)."""
        from ecocity.i18n import t

        kw = {k: v if isinstance(v, int | float) and not isinstance(v, bool) else _shown(str(v))
              for k, v in kw.items()}
        self.problems.append((entry, t(f"framework_rule.{key}", "en", **kw)))
        self.coded.append((entry, key, kw))

    def text(self, d: Mapping[str, Any], key: str, entry: str, required: bool = True) -> str:
        v = d.get(key)
        if v is None:
            if required:
                self.bad(entry, "missing_key", key=key)
            return ""
        if not isinstance(v, str) or (required and not v.strip()):
            self.bad(entry, "not_text", key=key, found=repr(v))
            return ""
        if key.startswith(_HUMAN_TEXT) and (found := sorted(set(_MARKUP.findall(v)))):
            # Names and units are shown on every page, in Markdown and in exports: text
            # that formats (links, HTML, bold, maths) has no place in them.
            self.bad(entry, "markup", key=key, chars=" ".join(found))
            return ""
        return v

    def unknown_keys(self, d: Mapping[str, Any], allowed: set[str], entry: str) -> None:
        for k in sorted(set(d) - allowed):
            self.bad(entry, "unknown_setting", key=k, allowed=", ".join(sorted(allowed)))

    def positive(self, d: Mapping[str, Any], key: str, entry: str, default: float) -> float:
        v = d.get(key, default)
        if not _is_number(v) or v <= 0:
            self.bad(entry, "not_positive", key=key, found=repr(v))
            return default
        return float(v)


def _table_list(raw: Mapping[str, Any], key: str, c: _Checker) -> list[Mapping[str, Any]]:
    items = raw.get(key)
    if items is None:
        c.bad(key, "missing_section", key=key)
        return []
    if not isinstance(items, list) or not all(isinstance(x, dict) for x in items):
        c.bad(key, "not_table_list", key=key)
        return []
    return items


def _load_levels(raw: Mapping[str, Any], c: _Checker) -> tuple[Level, ...]:
    levels: list[Level] = []
    for n, d in enumerate(_table_list(raw, "levels", c), 1):
        entry = f"levels #{n}" + (f" ({d['key']})" if isinstance(d.get("key"), str) else "")
        c.unknown_keys(d, _LEVEL_KEYS, entry)
        number = d.get("number")
        if not isinstance(number, int) or isinstance(number, bool) or not 0 <= number <= MAX_LEVEL:
            c.bad(entry, "level_number", found=repr(number), max=MAX_LEVEL)
            continue
        colour = c.text(d, "colour", entry)
        if colour and not (len(colour) == 7 and colour.startswith("#")
                           and all(ch in "0123456789abcdefABCDEF" for ch in colour[1:])):
            c.bad(entry, "colour", found=repr(colour))
        levels.append(Level(number=number, key=c.text(d, "key", entry),
                            name_en=c.text(d, "name_en", entry), name_th=c.text(d, "name_th", entry),
                            colour=colour, ieat_en=c.text(d, "ieat_en", entry, required=False),
                            diw_step=c.text(d, "diw_step", entry, required=False)))
    levels.sort(key=lambda lv: lv.number)
    numbers = [lv.number for lv in levels]
    for dup in sorted({x for x in numbers if numbers.count(x) > 1}):
        c.bad(f"level {dup}", "level_duplicate")
    keys = [lv.key for lv in levels]
    for dup_key in sorted({k for k in keys if k and keys.count(k) > 1}):
        c.bad(f"level '{dup_key}'", "level_key_duplicate")
    if levels:
        top = max(numbers)
        for missing in sorted(set(range(top + 1)) - set(numbers)):
            c.bad(f"level {missing}", "level_missing", top=top)
        if top < 1:
            c.bad("levels", "levels_too_few")
    return tuple(levels)


def _load_dimensions(raw: Mapping[str, Any], c: _Checker) -> tuple[Dimension, ...]:
    dims: list[Dimension] = []
    for n, d in enumerate(_table_list(raw, "dimensions", c), 1):
        entry = f"dimension '{d['key']}'" if isinstance(d.get("key"), str) else f"dimensions #{n}"
        c.unknown_keys(d, _DIMENSION_KEYS, entry)
        dims.append(Dimension(key=c.text(d, "key", entry), name_en=c.text(d, "name_en", entry),
                              name_th=c.text(d, "name_th", entry),
                              weight=c.positive(d, "weight", entry, 1.0)))
    keys = [d.key for d in dims]
    for dup in sorted({k for k in keys if k and keys.count(k) > 1}):
        c.bad(f"dimension '{dup}'", "dimension_duplicate")
    return tuple(dims)


def _load_indicator(d: Mapping[str, Any], n: int, top: int, dim_keys: set[str],
                    c: _Checker) -> Indicator | None:
    code = d.get("code")
    entry = f"indicator '{code}'" if isinstance(code, str) else f"indicators #{n}"
    c.unknown_keys(d, _INDICATOR_KEYS, entry)
    code = c.text(d, "code", entry)
    before = len(c.problems)
    dimension = c.text(d, "dimension", entry)
    if dimension and dimension not in dim_keys:
        c.bad(entry, "unknown_dimension", dimension=dimension, known=", ".join(sorted(dim_keys)))
    kind = d.get("kind")
    if kind not in KINDS:
        c.bad(entry, "kind", kinds=", ".join(KINDS), found=repr(kind))
        return None
    aggregation = d.get("aggregation")
    allowed_agg = YESNO_AGGREGATIONS if kind == "yesno" else NUMERIC_AGGREGATIONS
    if aggregation not in allowed_agg:
        c.bad(entry, "aggregation", kind=kind, allowed=", ".join(allowed_agg), found=repr(aggregation))
    required_from = d.get("required_from")
    if required_from is not None and (not isinstance(required_from, int)
                                      or isinstance(required_from, bool)
                                      or not 1 <= required_from <= top):
        c.bad(entry, "required_from", top=top, found=repr(required_from))

    direction = d.get("direction", "higher")
    thresholds: tuple[float, ...] = ()
    lo: float | None = None
    hi: float | None = None
    if kind == "yesno":
        for k in ("thresholds", "direction", "scale", "min", "max"):
            if k in d:
                c.bad(entry, "yesno_setting", key=k)
    else:
        direction_ok = direction in DIRECTIONS
        if not direction_ok:
            c.bad(entry, "direction", found=repr(direction))
            direction = "higher"
        raw_t = d.get("thresholds")
        if not isinstance(raw_t, list) or not all(_is_number(t) for t in raw_t):
            c.bad(entry, "thresholds_list", top=top, found=repr(raw_t))
        elif len(raw_t) != top:
            c.bad(entry, "thresholds_count", top=top, found=len(raw_t))
        else:
            thresholds = tuple(float(t) for t in raw_t)
            pairs = list(zip(thresholds, thresholds[1:], strict=False))
            ok = all(a <= b for a, b in pairs) if direction == "higher" else all(a >= b for a, b in pairs)
            if direction_ok and not ok:  # with an unknown direction, monotone means nothing
                sign = "<=" if direction == "higher" else ">="
                c.bad(entry, "thresholds_monotone", values=list(raw_t), direction=direction, sign=sign)
        if kind == "percent":
            lo, hi = 0.0, 100.0
        elif kind == "score":
            scale = d.get("scale")
            if (not isinstance(scale, list) or len(scale) != 2 or not all(_is_number(s) for s in scale)
                    or scale[0] >= scale[1]):
                c.bad(entry, "scale", found=repr(scale))
            else:
                lo, hi = float(scale[0]), float(scale[1])
        for k in ("min", "max"):
            if k in d:
                if kind != "number":
                    c.bad(entry, "min_max_number_only", key=k)
                elif not _is_number(d[k]):
                    c.bad(entry, "min_max_not_number", key=k, found=repr(d[k]))
        if kind == "number":
            lo = float(d["min"]) if _is_number(d.get("min")) else None
            hi = float(d["max"]) if _is_number(d.get("max")) else None
        if thresholds and ((lo is not None and min(thresholds) < lo)
                           or (hi is not None and max(thresholds) > hi)):
            c.bad(entry, "thresholds_range", values=list(thresholds), lo=lo if lo is not None else "-inf",
                  hi=hi if hi is not None else "inf")
    weight = c.positive(d, "weight", entry, 1.0)
    if len(c.problems) > before:
        return None
    return Indicator(code=code, dimension=dimension, name_en=c.text(d, "name_en", entry),
                     name_th=c.text(d, "name_th", entry), kind=kind, aggregation=cast(Aggregation, aggregation),
                     unit_en=c.text(d, "unit_en", entry, required=False),
                     unit_th=c.text(d, "unit_th", entry, required=False),
                     direction=direction, thresholds=thresholds, weight=weight,
                     required_from=required_from, min=lo, max=hi)


def parse_framework(raw: Mapping[str, Any], source: str = "<framework>", sha256: str = "") -> Framework:
    """Build a Framework from parsed TOML, or raise FrameworkError listing every problem."""
    c = _Checker()
    c.unknown_keys(raw, _TOP_KEYS, "framework")
    fid = c.text(raw, "id", "framework")
    version = raw.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        c.bad("framework", "version", found=repr(version))
        version = 0
    pass_share = raw.get("pass_share", 0.75)
    if not _is_number(pass_share) or not 0 < pass_share <= 1:
        c.bad("framework", "pass_share", found=repr(pass_share))
        pass_share = 0.75
    default_set = raw.get("default_set", False)
    if not isinstance(default_set, bool):
        c.bad("framework", "default_set", found=repr(default_set))
        default_set = False

    levels = _load_levels(raw, c)
    dims = _load_dimensions(raw, c)
    top = max((lv.number for lv in levels), default=5)
    dim_keys = {d.key for d in dims if d.key}
    indicators: list[Indicator] = []
    seen: dict[str, int] = {}
    entries = _table_list(raw, "indicators", c)
    for n, d in enumerate(entries, 1):
        code = d.get("code")
        if isinstance(code, str):
            if code in seen:
                c.bad(f"indicator '{code}'", "duplicate_code", first=seen[code], second=n)
                continue
            seen[code] = n
        ind = _load_indicator(d, n, top, dim_keys, c)
        if ind is not None:
            indicators.append(ind)
    for dim in dims:
        if dim.key and not any(i.dimension == dim.key for i in indicators) and not any(
                d.get("dimension") == dim.key for d in entries):
            c.bad(f"dimension '{dim.key}'", "dimension_empty")
    name_en = c.text(raw, "name_en", "framework", False)
    name_th = c.text(raw, "name_th", "framework", False)
    if c.problems:
        raise FrameworkError(source, c.problems, c.coded)
    return Framework(id=fid, version=version, name_en=name_en or fid, name_th=name_th or fid,
                     pass_share=float(pass_share), levels=levels, dimensions=dims,
                     indicators=tuple(indicators), default_set=default_set, source=source,
                     sha256=sha256, _by_code={i.code: i for i in indicators})


# File-level problems beyond what tomllib reports (store.frameworks gives them their
# catalogue keys, framework_admin.problem.too_deep and .too_many_digits).
TOO_DEEP = "has lists or tables nested too deeply to read"
TOO_MANY_DIGITS = f"has a number with more than {sys.get_int_max_str_digits():,} digits"


def framework_from_bytes(data: bytes, source: str | Path = "<framework>") -> Framework:
    """Decode, parse and validate the bytes of a framework file (UTF-8 TOML, a leading
    byte-order mark allowed); raise FrameworkError listing every problem. The result's
    ``sha256`` is that of ``data`` and its ``text`` is ``data`` decoded."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise FrameworkError(source, [("file", "is not UTF-8 text")]) from None
    try:
        raw = tomllib.loads(text.removeprefix("\ufeff"))
    except tomllib.TOMLDecodeError as e:
        raise FrameworkError(source, [("file", f"is not valid TOML: {e}")]) from None
    except RecursionError:  # tomllib reads nested lists and tables recursively
        raise FrameworkError(source, [("file", TOO_DEEP)]) from None
    except ValueError:  # int() refuses more digits than sys.get_int_max_str_digits()
        raise FrameworkError(source, [("file", TOO_MANY_DIGITS)]) from None
    fw = parse_framework(raw, source=str(source), sha256=hashlib.sha256(data).hexdigest())
    return replace(fw, text=text)


def load_framework(path: str | Path | None = None) -> Framework:
    """Read and validate a framework file; the default framework when ``path`` is None."""
    p = Path(path) if path is not None else DEFAULT_FRAMEWORK_PATH
    try:
        data = p.read_bytes()
    except OSError as e:
        raise FrameworkError(p, [("file", f"cannot be read ({e.strerror or e})")]) from None
    return framework_from_bytes(data, p)


_STORED: dict[str, Framework] = {}
_STORED_MAX = 16


def stored_framework_cached(sha256: str) -> Framework | None:
    """The framework :func:`stored_framework` parsed for ``sha256``, if it is still cached."""
    return _STORED.get(sha256)


def stored_framework(text: str, sha256: str, source: str) -> Framework:
    """The framework of a file text kept in the database (framework_versions.source),
    parsed once per SHA-256 and process. Raises FrameworkError when the text does not
    match ``sha256`` or is not a valid framework."""
    fw = _STORED.get(sha256)
    if fw is not None:
        return fw
    data = text.encode("utf-8")
    if hashlib.sha256(data).hexdigest() != sha256:
        raise FrameworkError(source, [("file", f"stored text does not match its SHA-256 {sha256}")])
    fw = framework_from_bytes(data, source)
    if len(_STORED) >= _STORED_MAX:
        _STORED.pop(next(iter(_STORED)))
    _STORED[sha256] = fw
    return fw


@lru_cache(maxsize=8)
def _cached(path: str, mtime_ns: int) -> Framework:
    return load_framework(path)


def get_framework(path: str | Path | None = None) -> Framework:
    """The framework in force (``ECOCITY_FRAMEWORK``, else the default file) or the file
    at ``path``; cached per file and modification time."""
    if path is None:
        from ecocity.config import settings

        path = settings().framework_path
    p = Path(path)
    try:
        mtime = p.stat().st_mtime_ns
    except OSError:
        return load_framework(p)  # raises a FrameworkError naming the file
    return _cached(str(p), mtime)
