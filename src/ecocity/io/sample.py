"""The sample data the product ships, a realistic and clearly labelled story, not real figures
(docs/default-framework.md, "Sample data"), generated deterministically from the framework
(see docs/design-notes.md)."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

from ecocity.core.aggregation import AreaAssessment, EstateValues, assess_area
from ecocity.core.framework import Framework, Indicator, Value
from ecocity.core.registry import AREAS_FILE, ESTATES_FILE, Area, areas_from_csv, estates_from_csv
from ecocity.core.scoring import indicator_level
from ecocity.core.submission import SubmissionData

FIRST_YEAR = 2560
LAST_YEAR = 2568
# Map Ta Phut also reports the year before the programme so the public baseline (126
# complaints in 2559) shows on the dashboard.
MAP_TA_PHUT_AREA = "RAYONG-MAP-TA-PHUT"
MAP_TA_PHUT_BASE_YEAR = 2559

SAMPLE_SUBMITTER = "เจ้าหน้าที่ตัวอย่าง (sample)"
SAMPLE_NOTE = "ข้อมูลตัวอย่างเพื่อการสาธิต ไม่ใช่ข้อมูลจริง (sample data for demonstration, not real figures)"
SAMPLE_EMAIL_DOMAIN = "example.org"  # reserved for examples (RFC 2606): never a real inbox

# The complaints indicator and the Eco Factory indicator of the default framework: the
# Map Ta Phut story is told through them (skipped when a framework lacks them).
COMPLAINTS = "ENV-01"
ECO_FACTORY = "ENV-02"
GHG = "ENV-04"


@dataclass(frozen=True)
class _Plan:
    """An estate's planned story: factory counts and the level aimed at, year by year."""

    factories: tuple[int, int]  # first and last year's count; grows linearly in between
    levels: Mapping[int, int]  # fiscal year -> planned level; absent year = no submission


def _years(first: int, levels: Sequence[int | None]) -> dict[int, int]:
    return {first + i: lv for i, lv in enumerate(levels) if lv is not None}


_SKIP = None  # no submission that year

# Planned levels 2560..2568 (Map Ta Phut estates from 2559). The comments give the story.
_PLANS: dict[str, _Plan] = {
    # Rayong - Map Ta Phut: 76 factories in all, steady climb from Engagement to World Class.
    "MAP-TA-PHUT": _Plan((30, 30), _years(2559, [1, 1, 1, 2, 2, 2, 3, 3, 3, 4])),
    "PADAENG": _Plan((5, 5), _years(2559, [1, 1, 2, 2, 2, 3, 3, 3, 3, 4])),
    "ASIA-MAP-TA-PHUT": _Plan((12, 12), _years(2559, [1, 1, 1, 2, 2, 2, 3, 3, 4, 4])),
    "WHA-EASTERN-MAP-TA-PHUT": _Plan((14, 14), _years(2559, [1, 2, 2, 2, 3, 3, 3, 4, 4, 4])),
    "RIL": _Plan((8, 8), _years(2559, [1, 1, 1, 2, 2, 2, 2, 3, 3, 3])),
    "MAP-TA-PHUT-INDUSTRIAL-PORT": _Plan((7, 7), _years(2559, [1, 1, 1, 1, 2, 2, 2, 3, 3, 4])),
    # Rayong - Pluak Daeng: two large, well-run estates; World Class from 2565.
    "EASTERN-SEABOARD-RAYONG": _Plan((142, 176), _years(2560, [2, 2, 3, 3, 3, 4, 4, 4, 4])),
    "AMATA-CITY-RAYONG": _Plan((181, 232), _years(2560, [2, 2, 2, 3, 3, 3, 4, 4, 4])),
    # Chon Buri - Laem Chabang: reaches Eco-Excellence and holds it.
    "LAEM-CHABANG": _Plan((78, 84), _years(2560, [1, 2, 2, 2, 3, 3, 3, 3, 3])),
    "PINTHONG": _Plan((112, 131), _years(2560, [1, 1, 2, 2, 2, 3, 3, 3, 3])),
    "WHA-CHONBURI-1": _Plan((61, 75), _years(2560, [2, 2, 2, 3, 3, 3, 3, 3, 4])),
    # Chachoengsao: Gateway City has no action plan in 2560 (the whole area shows level 0);
    # TFD 1 joins the programme in 2563.
    "WELLGROW": _Plan((71, 86), _years(2560, [1, 1, 2, 2, 2, 2, 2, 3, 3])),
    "GATEWAY-CITY": _Plan((54, 63), _years(2560, [0, 1, 1, 1, 2, 2, 2, 2, 3])),
    "TFD-1": _Plan((18, 44), _years(2560, [_SKIP, _SKIP, _SKIP, 1, 1, 2, 2, 2, 3])),
    # Samut Prakan: Bang Poo falls back from Eco-Excellence in 2566 (complaints rise,
    # wastewater samples fail); Bang Phli climbs slowly.
    "BANG-POO": _Plan((402, 418), _years(2560, [2, 2, 3, 3, 3, 3, 2, 2, 2])),
    "BANG-PHLI": _Plan((128, 139), _years(2560, [1, 1, 2, 2, 2, 2, 2, 2, 3])),
    # Phra Nakhon Si Ayutthaya: Nakhon Luang sends no file for 2563.
    "BANGPA-IN": _Plan((88, 94), _years(2560, [1, 2, 2, 2, 2, 3, 3, 3, 3])),
    "NAKHON-LUANG": _Plan((43, 47), _years(2560, [1, 1, 1, _SKIP, 2, 2, 2, 2, 3])),
    "BAN-WA-HI-TECH": _Plan((139, 146), _years(2560, [1, 2, 2, 2, 2, 2, 3, 3, 3])),
    # Lamphun: a small area with one estate that rises all the way to Happiness (2567).
    "NORTHERN-REGION": _Plan((61, 68), _years(2560, [2, 2, 3, 3, 3, 4, 4, 5, 5])),
    # Songkhla: stalls at Eco-Champion from 2562 on.
    "SOUTHERN-REGION-SONGKHLA": _Plan((31, 34), _years(2560, [1, 1, 2, 2, 2, 2, 2, 2, 2])),
}

# Environmental complaints per area and year (a sum over its estates), split among the
# estates that report. Map Ta Phut follows the public figures: 126 (2559) -> 26 (2566).
_AREA_COMPLAINTS: dict[str, dict[int, int]] = {
    MAP_TA_PHUT_AREA: _years(2559, [126, 104, 88, 71, 55, 41, 33, 26, 21, 18]),
    "RAYONG-PLUAK-DAENG": _years(2560, [64, 55, 47, 40, 33, 28, 23, 21, 19]),
    "CHONBURI-LAEM-CHABANG": _years(2560, [92, 80, 71, 62, 55, 47, 44, 41, 38]),
    "CHACHOENGSAO": _years(2560, [118, 102, 93, 84, 75, 66, 58, 49, 44]),
    "SAMUT-PRAKAN": _years(2560, [96, 88, 74, 61, 52, 49, 67, 72, 70]),
    "AYUTTHAYA": _years(2560, [105, 93, 81, 63, 66, 52, 47, 43, 39]),
    "LAMPHUN": _years(2560, [34, 29, 24, 19, 17, 14, 12, 8, 6]),
    "SONGKHLA": _years(2560, [72, 65, 58, 61, 55, 59, 57, 54, 56]),
}

# All Map Ta Phut member factories hold Eco Factory certification from this year on.
_ALL_ECO_FACTORY_FROM: dict[str, int] = {MAP_TA_PHUT_AREA: 2562}

# Stocks rather than flows: green area, green buildings, certified factories do not vanish
# when an estate falls back, so they keep the best level the estate has reached; the fall
# shows in complaints, monitoring results, satisfaction and the like.
_STOCKS = ("PHY-01", "PHY-02", "ENV-02", "ENV-03", "MGT-02")

# Before this year estates had not set a GHG base year, so a weak GHG figure is left blank.
_GHG_BASELINE_FROM = 2562
# Indicators an officer sometimes leaves blank when the figure is weak (hard to collect).
_OFTEN_BLANK = ("SOC-03", "ENV-05", "PHY-03")


@dataclass(frozen=True)
class _Correction:
    """A file re-sent for the same estate and year: the generated value is the corrected
    one; the original file was off by ``error``."""

    estate_code: str
    fiscal_year: int
    code: str
    error: float  # original = corrected + error
    reason: str  # the corrected file's note on that indicator
    submitted_on: date


# Map Ta Phut's 2566 file first counted two complaints twice; the correction brings the
# area total to the public figure of 26.
_CORRECTIONS: tuple[_Correction, ...] = (
    _Correction("MAP-TA-PHUT", 2566, COMPLAINTS, 2,
                "แก้ไข: ฉบับแรกนับเรื่องร้องเรียนซ้ำ 2 เรื่อง (corrected: 2 complaints were counted twice)",
                date(2024, 2, 12)),
)


# ----------------------------------------------------------------------------- registry


def _data_dir(data_dir: Path | None) -> Path:
    if data_dir is not None:
        return Path(data_dir)
    from ecocity.config import settings

    return settings().data_dir


@lru_cache(maxsize=4)
def _areas(path: str) -> tuple[Area, ...]:
    return tuple(areas_from_csv(path))


def load_areas(data_dir: Path | None = None) -> tuple[Area, ...]:
    """The areas of ``areas.csv`` with their estate codes (the registry's reader)."""
    return _areas(str(_data_dir(data_dir) / AREAS_FILE))


@lru_cache(maxsize=4)
def _estate_names(path: str) -> dict[str, str]:
    return {e.code: e.name_th for e in estates_from_csv(path)}


def estate_names(data_dir: Path | None = None) -> dict[str, str]:
    """Estate code -> Thai registry name (the name officers type in the workbook)."""
    return _estate_names(str(_data_dir(data_dir) / ESTATES_FILE))


def area_of_estate(data_dir: Path | None = None) -> dict[str, str]:
    return {e: a.code for a in load_areas(data_dir) for e in a.estates}


# ----------------------------------------------------------------------------- randomness


def _u(*key: object) -> float:
    """A uniform number in [0, 1) fixed by ``key``: deterministic and order-independent."""
    h = hashlib.sha256("|".join(map(str, key)).encode()).digest()
    return int.from_bytes(h[:8], "big") / 2**64


def _habit(purpose: str, estate: str, code: str, year: int) -> float:
    """Mostly fixed per estate and indicator, a little per year."""
    return 0.85 * _u(purpose, estate, code) + 0.15 * _u(purpose, estate, code, year)


# ----------------------------------------------------------------------------- values


def _is_count(ind: Indicator) -> bool:
    """Counts (complaints, buildings, meetings) are whole numbers: summed numbers whose
    thresholds are all whole."""
    return ind.kind == "number" and ind.aggregation == "sum" and all(
        float(t).is_integer() for t in ind.thresholds)


def _is_share_of_factories(ind: Indicator) -> bool:
    return ind.kind == "percent" and "factor" in ind.unit_en.lower()


def _grid(ind: Indicator, factories: int) -> list[float]:
    """Every value an officer could plausibly type, in increasing order."""
    grid = _raw_grid(ind, factories)
    if ind.kind == "percent":
        # The upload checker asks whether 0.6 meant 60 %: sample files should not need that.
        grid = [v for v in grid if not 0 < v < 1]
    return grid


def _raw_grid(ind: Indicator, factories: int) -> list[float]:
    lo = ind.min if ind.min is not None else 0.0
    if ind.kind == "percent" and _is_share_of_factories(ind) and factories > 0:
        # A share of factories is certified/total, so only k/n values exist.
        return sorted({round(100 * k / factories, 1) for k in range(factories + 1)})
    if _is_count(ind):
        hi = ind.max if ind.max is not None else max(ind.thresholds) * 1.5 + 5
        return [float(k) for k in range(int(math.ceil(lo)), int(hi) + 1)]
    step = {"percent": 0.1, "score": 0.01}.get(ind.kind, 0.01)
    hi = ind.max if ind.max is not None else max(ind.thresholds) * 1.5 + 1
    n = int(round((hi - lo) / step))
    return [round(lo + k * step, 2) for k in range(n + 1)]


@lru_cache(maxsize=4096)
def _grid_levels(ind: Indicator, factories: int, top: int) -> tuple[tuple[float, int], ...]:
    """The grid with each value's indicator level (cached: the same few grids recur)."""
    return tuple((v, indicator_level(ind, v, top)) for v in _grid(ind, factories))


def _value_at(ind: Indicator, level: int, pos: float, factories: int, top: int) -> float:
    """A value of indicator level ``level`` (or the nearest possible), at relative position
    ``pos`` inside its band; ``pos`` near 1 is the better end."""
    graded = _grid_levels(ind, factories if _is_share_of_factories(ind) else 0, top)
    band = [v for v, lv in graded if lv == level]
    if not band:  # e.g. no k/n share falls in a narrow band: take the closest better value
        better = [v for v, lv in graded if lv > level]
        if ind.direction == "lower":
            better = better[::-1]
        band = better[:1] or [graded[-1][0] if ind.direction == "higher" else graded[0][0]]
    if level == 0 and len(ind.thresholds) >= 2:
        # Below level 1, stay within one step of it: a near miss, not an absurd figure.
        t1, t2 = ind.thresholds[0], ind.thresholds[1]
        reach = t1 - (t2 - t1) if ind.direction == "higher" else t1 + (t1 - t2)
        band = [v for v in band if (v >= reach if ind.direction == "higher" else v <= reach)] or band
    if level == top and ind.direction == "higher" and len(ind.thresholds) >= 2:
        # The top band runs to the end of the scale: keep to a plausible stretch above it.
        t_top, t_below = ind.thresholds[-1], ind.thresholds[-2]
        band = [v for v in band if v <= t_top + 2 * (t_top - t_below)] or band[:1]
    if ind.direction == "lower":
        band = band[::-1]  # the better end of a "lower" band is its smallest value
    return band[min(int(pos * len(band)), len(band) - 1)]


def _position(code: str, estate: str, year: int, first_year: int) -> float:
    """Where in its band a value sits: an estate's habit plus a slow yearly improvement."""
    base = 0.15 + 0.6 * _u("pos", estate, code)
    drift = 0.03 * (year - first_year)
    jitter = 0.12 * (_u("jit", estate, code, year) - 0.5)
    return min(max(base + drift + jitter, 0.0), 0.97)


def _factories(plan: _Plan, year: int) -> int:
    years = sorted(plan.levels)
    first, last = plan.factories
    if len(years) < 2 or first == last:
        return first
    return round(first + (last - first) * (year - years[0]) / (years[-1] - years[0]))


def _split(total: int, weights: Mapping[str, float]) -> dict[str, int]:
    """``total`` split in proportion to ``weights`` as whole numbers (largest remainder)."""
    s = sum(weights.values())
    raw = {k: total * w / s for k, w in weights.items()}
    out = {k: int(math.floor(v)) for k, v in raw.items()}
    for k in sorted(raw, key=lambda k: (out[k] - raw[k], k))[: total - sum(out.values())]:
        out[k] += 1
    return out


def _complaints(fw: Framework, year: int) -> dict[str, int]:
    """Each reporting estate's share of its area's complaints in ``year``."""
    out: dict[str, int] = {}
    if not fw.has_indicator(COMPLAINTS):
        return out
    for area in load_areas():
        total = _AREA_COMPLAINTS.get(area.code, {}).get(year)
        reporting = [e for e in area.estates if e in _PLANS and year in _PLANS[e].levels]
        if total is None or not reporting:
            continue
        # Heavier industry draws more complaints than its factory count alone suggests.
        weights = {e: _factories(_PLANS[e], year) * (0.6 + 0.8 * _u("complaints", e))
                   for e in reporting}
        out |= _split(total, weights)
    return out


def _yes(ind: Indicator, level: int, estate: str, year: int) -> bool:
    """A yes/no answer for an estate at ``level``: yes once the level needs it, and
    sometimes a year early (a surveillance network started before it is required)."""
    need = ind.required_from or 1
    if level >= need:
        return True
    return level == need - 1 and level > 0 and _u("early-yes", estate, ind.code, year) < 0.4


def _estate_values(fw: Framework, estate: str, area: str, year: int, level: int,
                   factories: int, complaints: int | None) -> dict[str, Value]:
    top = fw.top_level
    plan = _PLANS[estate]
    first = min(plan.levels)
    best = max(lv for y, lv in plan.levels.items() if y <= year)
    values: dict[str, Value] = {}
    # Values fixed by the story first; the slack each dimension has left depends on them.
    for ind in fw.indicators:
        if ind.is_yesno:
            values[ind.code] = _yes(ind, level, estate, year)
    if complaints is not None:
        values[COMPLAINTS] = float(complaints)
    eco_from = _ALL_ECO_FACTORY_FROM.get(area)
    if fw.has_indicator(ECO_FACTORY) and eco_from is not None:
        ind = fw.indicator(ECO_FACTORY)
        if year >= eco_from:
            values[ECO_FACTORY] = 100.0
        else:  # below 100 before the year all are certified, climbing towards it
            lv = max(min(level + 1, top - 1), 1)
            values[ECO_FACTORY] = _value_at(ind, lv, _position(ECO_FACTORY, estate, year, first),
                                            factories, top)

    for dim in fw.dimensions:
        inds = fw.indicators_of(dim.key)
        slack = sum(i.weight for i in inds) * (1 - fw.pass_share) + 1e-9
        slack -= sum(i.weight for i in inds if i.code in values
                     and indicator_level(i, values[i.code], top) < level)
        # Strengths and weaknesses are mostly an estate's habit, so that trends stay smooth;
        # a small yearly component lets them shift now and then.
        free = sorted((i for i in inds if i.code not in values),
                      key=lambda i: _habit("weak", estate, i.code, year))
        for ind in free:
            required = ind.required_from is not None and ind.required_from <= level
            pos = _position(ind.code, estate, year, first)
            lv = level
            if ind.code in _STOCKS and best > level:
                lv = best  # fallen back: the stock keeps what was reached
            elif level == 0:
                lv = 1 if _u("l0", estate, year, ind.code) < 0.5 else 0
            elif (not required and ind.weight <= slack and _habit("weak", estate, ind.code, year) < 0.45):
                slack -= ind.weight
                if _blank_when_weak(ind, estate, year):
                    values[ind.code] = None
                    continue
                lv = level - 1
                pos = 0.5 + 0.5 * pos  # a weak value is a near miss of the level
            elif _habit("strong", estate, ind.code, year) < 0.25:
                lv = min(level + 1, top)
            values[ind.code] = _value_at(ind, lv, pos, factories, top)
    return {i.code: values.get(i.code) for i in fw.indicators}


def _blank_when_weak(ind: Indicator, estate: str, year: int) -> bool:
    if ind.code == GHG and year < _GHG_BASELINE_FROM:
        return True
    return ind.code in _OFTEN_BLANK and _u("blank", estate, year, ind.code) < 0.35


# ----------------------------------------------------------------------------- notes


_EVIDENCE: dict[str, str] = {
    "PHY-01": "ผังพื้นที่สีเขียวและแนวกันชน ปรับปรุงล่าสุด",
    "ENV-08": "รายงานผลการตรวจวัดคุณภาพน้ำทิ้งและอากาศ รายไตรมาส",
    "ENV-06": "บันทึกปริมาณน้ำจากระบบรีไซเคิลของโรงบำบัดน้ำเสียส่วนกลาง",
    "SOC-01": "ผลสำรวจความพึงพอใจของชุมชนรอบพื้นที่ (แบบสอบถาม)",
    "MGT-03": "รายงานการประชุมคณะกรรมการไตรภาคี",
    "ECO-02": "ข้อมูลรายได้จากกลุ่มวิสาหกิจชุมชน",
}


# What an officer would write next to the figures that carry the story.
_STORY_NOTES: dict[tuple[str, int, str], str] = {
    ("GATEWAY-CITY", 2560, "MGT-01"): "อยู่ระหว่างจัดทำแผนปฏิบัติการร่วมกับชุมชน คาดว่าจะเสร็จในปีงบประมาณ 2561",
    ("BANG-POO", 2566, "ENV-01"): "เรื่องร้องเรียนด้านกลิ่นเพิ่มขึ้นจากโรงงานกลุ่มเคมีภัณฑ์ อยู่ระหว่างแก้ไข",
    ("BANG-POO", 2566, "ENV-08"): "ผลตรวจน้ำทิ้งบางจุดเกินมาตรฐานในไตรมาส 2 ได้สั่งการให้ปรับปรุงระบบบำบัดแล้ว",
    ("TFD-1", 2563, "MGT-01"): "ปีแรกที่เข้าร่วมโครงการเมืองอุตสาหกรรมเชิงนิเวศ",
    ("NORTHERN-REGION", 2567, "SOC-01"): "ผลสำรวจความพึงพอใจของชุมชน 12 ชุมชนรอบนิคม (n = 1,200)",
    ("MAP-TA-PHUT", 2559, "ENV-01"): "ปีฐาน: ทั้งพื้นที่มาบตาพุดมีเรื่องร้องเรียน 126 เรื่อง",
}


def _notes(fw: Framework, estate: str, year: int, values: Mapping[str, Value]) -> dict[str, str]:
    notes = {fw.indicators[0].code: SAMPLE_NOTE}
    for (e, y, code), text in _STORY_NOTES.items():
        if (e, y) == (estate, year) and fw.has_indicator(code):
            notes.setdefault(code, text)
    for code, text in _EVIDENCE.items():
        if fw.has_indicator(code) and values.get(code) is not None and _u("note", estate, year, code) < 0.3:
            notes.setdefault(code, f"{text} ปีงบประมาณ {year}")
    for code, v in values.items():
        if v is None and _u("blank-note", estate, year, code) < 0.5:
            notes.setdefault(code, "ยังไม่มีข้อมูล อยู่ระหว่างรวบรวม (not yet collected)")
    return notes


def _submitted_on(estate: str, year: int) -> date:
    """Files arrive in the first quarter after the fiscal year ends (30 September)."""
    end = date(year - 543, 9, 30)
    return end + timedelta(days=15 + int(75 * _u("date", estate, year)))


# ----------------------------------------------------------------------------- public API


def _originals(fw: Framework) -> list[SubmissionData]:
    names = estate_names()
    years = range(min(MAP_TA_PHUT_BASE_YEAR, FIRST_YEAR), LAST_YEAR + 1)
    out: list[SubmissionData] = []
    for year in years:
        complaints = _complaints(fw, year)
        for area in load_areas():
            for estate in area.estates:
                plan = _PLANS.get(estate)  # an estate added to areas.csv later has no story
                if plan is None or year not in plan.levels:
                    continue
                factories = _factories(plan, year)
                values = _estate_values(fw, estate, area.code, year, plan.levels[year], factories,
                                        complaints.get(estate))
                for c in _CORRECTIONS:
                    if (c.estate_code, c.fiscal_year) == (estate, year) and values.get(c.code) is not None:
                        values[c.code] = float(values[c.code]) + c.error  # type: ignore[arg-type]
                out.append(SubmissionData(
                    estate_code=estate, fiscal_year=year, factories=factories,
                    submitted_by=SAMPLE_SUBMITTER, values=values,
                    estate_name=names.get(estate, ""),
                    email=f"sample-{estate.lower()}@{SAMPLE_EMAIL_DOMAIN}",
                    submitted_on=_submitted_on(estate, year),
                    notes=_notes(fw, estate, year, values)))
    return out


def sample_submissions(fw: Framework) -> list[SubmissionData]:
    """Every sample file as first submitted: one per estate and fiscal year, in load order
    (by year, then area). Load ``sample_resubmissions`` after these."""
    return _originals(fw)


def sample_resubmissions(fw: Framework) -> list[SubmissionData]:
    """Corrected files re-sent for an estate and year already in ``sample_submissions``;
    loading one after its original makes it version 2."""
    originals = {(s.estate_code, s.fiscal_year): s for s in _originals(fw)}
    out = []
    for c in _CORRECTIONS:
        orig = originals.get((c.estate_code, c.fiscal_year))
        if orig is None or orig.values.get(c.code) is None:
            continue
        values = dict(orig.values)
        values[c.code] = float(values[c.code]) - c.error  # type: ignore[arg-type]
        notes = dict(orig.notes) | {c.code: c.reason}
        out.append(replace(orig, values=values, notes=notes, submitted_on=c.submitted_on))
    return out


def current_submissions(fw: Framework) -> list[SubmissionData]:
    """The current version for each estate and year: originals with corrections applied."""
    current = {(s.estate_code, s.fiscal_year): s for s in sample_submissions(fw)}
    for s in sample_resubmissions(fw):
        current[(s.estate_code, s.fiscal_year)] = s
    return list(current.values())


def sample_filename(data: SubmissionData, version: int = 1) -> str:
    """``2566_MAP-TA-PHUT.xlsx``; a correction is ``2566_MAP-TA-PHUT_v2.xlsx``."""
    suffix = f"_v{version}" if version > 1 else ""
    return f"{data.fiscal_year}_{data.estate_code}{suffix}.xlsx"


def sample_files(fw: Framework) -> list[tuple[str, SubmissionData]]:
    """(file name, submission) in the order to load them: originals, then corrections."""
    files = [(sample_filename(s), s) for s in sample_submissions(fw)]
    seen: dict[tuple[str, int], int] = {}
    for s in sample_resubmissions(fw):
        key = (s.estate_code, s.fiscal_year)
        seen[key] = seen.get(key, 1) + 1
        files.append((sample_filename(s, seen[key]), s))
    return files


def assess_areas(fw: Framework, submissions: Iterable[SubmissionData],
                 areas: Sequence[Area] | None = None) -> dict[tuple[str, int], AreaAssessment]:
    """(area code, fiscal year) -> the area's assessment from these (current) submissions.
    Areas without a submission in a year are absent ("no data")."""
    by_year: dict[int, dict[str, SubmissionData]] = {}
    for s in submissions:
        by_year.setdefault(s.fiscal_year, {})[s.estate_code] = s
    out: dict[tuple[str, int], AreaAssessment] = {}
    for year, subs in sorted(by_year.items()):
        for area in areas if areas is not None else load_areas():
            estates = [EstateValues(subs[e].estate_code, subs[e].factories, subs[e].values)
                       for e in area.estates if e in subs]
            result = assess_area(fw, estates)
            if result is not None:
                out[(area.code, year)] = result
    return out
