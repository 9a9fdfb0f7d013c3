"""Where the map's markers go and where they are drawn (pure): positions from the registry, a
country panel and an enlarged panel where markers crowd, each marker moved clear of the others
(see docs/design-notes.md)."""

from __future__ import annotations

import bisect
import math
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ecocity.core.geo import Province
from ecocity.core.registry import AreaInfo, EstateInfo


@dataclass(frozen=True)
class Marker:
    kind: str  # "area" | "estate"
    code: str
    name: str
    lon: float
    lat: float
    level: int | None  # None: no data


def area_position(area: AreaInfo, centroids: Mapping[str, tuple[float, float]]) -> tuple[float, float] | None:
    """(lon, lat) of an area's marker; None when neither its estates nor its province place it."""
    pts = [(e.lon, e.lat) for e in area.estates if e.lat is not None and e.lon is not None]
    if pts:
        return sum(p[0] for p in pts) / len(pts), sum(p[1] for p in pts) / len(pts)
    return centroids.get(area.province_pcode)


def markers(areas: Sequence[AreaInfo], provinces: Sequence[Province], area_levels: Mapping[str, int],
            estate_levels: Mapping[str, int], lang: str, *,
            extra_estates: Sequence[EstateInfo] = ()) -> list[Marker]:
    """Area markers (coloured by ``area_levels``, None = no data) and markers for the areas'
    estates plus ``extra_estates`` (e.g. estates outside any area that have data)."""
    centroids = {p.pcode: p.centroid for p in provinces}
    out: list[Marker] = []
    seen: set[str] = set()
    for a in areas:
        for e in a.estates:
            if e.lat is not None and e.lon is not None and e.code not in seen:
                seen.add(e.code)
                out.append(Marker("estate", e.code, e.name(lang), e.lon, e.lat, estate_levels.get(e.code)))
    for e in extra_estates:
        if e.lat is not None and e.lon is not None and e.code not in seen:
            seen.add(e.code)
            out.append(Marker("estate", e.code, e.name(lang), e.lon, e.lat, estate_levels.get(e.code)))
    for a in areas:
        pos = area_position(a, centroids)
        if pos is not None:
            out.append(Marker("area", a.code, a.name(lang), pos[0], pos[1], area_levels.get(a.code)))
    return out


# ----------------------------------------------------------------------------- drawn layout


@dataclass(frozen=True)
class MapStyle:
    """Pixel sizes of the drawn map (CSS px)."""

    width: int  # the smallest size the figure is drawn at
    height: int
    margin: tuple[int, int, int, int]  # left, right, top (the title), bottom
    area: float  # marker diameters
    estate: float
    gap: float  # free space kept between two markers
    font: int  # legend and label text
    panel_gap: float = 16  # between the country and the enlarged panel

    def size(self, kind: str) -> float:
        return self.area if kind == "area" else self.estate

    @property
    def plot(self) -> tuple[float, float]:
        left, right, top, bottom = self.margin
        return self.width - left - right, self.height - top - bottom


# The Overview draws the map across the page: about 820 px wide at a 1280 px window.
PAGE = MapStyle(800, 560, (10, 10, 40, 10), area=26, estate=20, gap=4, font=14)
# The Present page's chart column (544 x 563 at a 1280 x 720 window), the exported slide
# (640 x 700) and PNG (1100 x 1200).
PRESENT = MapStyle(440, 500, (10, 10, 50, 10), area=30, estate=22, gap=4, font=16)

MIN_ZOOM = 1.8  # an enlarged panel that magnifies less than this is not worth its room
MAX_ZOOM = 12.0  # beyond this the simplified province outlines are too coarse to show
CROWD = 3  # markers that crowd one spot of the country map before it gets an enlarged panel
# The largest drawing against the style's size that names are kept clear for: the PNG export
# (1100 x 1200) of the projector's map (440 x 500).
MAX_SCALE = 2.5


@dataclass(frozen=True)
class Panel:
    """One map panel: a box in the figure (px from its top-left corner, y down) showing
    ``lon0``.. eastwards and ``lat1``.. southwards at ``kx`` px per degree of longitude."""

    x0: float
    y0: float
    w: float
    h: float
    lon0: float
    lat1: float
    kx: float
    ratio: float  # px per degree of latitude / px per degree of longitude

    @property
    def ky(self) -> float:
        return self.kx * self.ratio

    @property
    def lon_range(self) -> tuple[float, float]:
        return self.lon0, self.lon0 + self.w / self.kx

    @property
    def lat_range(self) -> tuple[float, float]:
        return self.lat1 - self.h / self.ky, self.lat1

    def px(self, lon: float, lat: float) -> tuple[float, float]:
        return self.x0 + (lon - self.lon0) * self.kx, self.y0 + (self.lat1 - lat) * self.ky

    def lonlat(self, x: float, y: float) -> tuple[float, float]:
        return self.lon0 + (x - self.x0) / self.kx, self.lat1 - (y - self.y0) / self.ky

    def contains(self, lon: float, lat: float) -> bool:
        (a, b), (c, d) = self.lon_range, self.lat_range
        return a <= lon <= b and c <= lat <= d


@dataclass(frozen=True)
class Placed:
    marker: Marker
    panel: int  # index into MapLayout.panels
    lon: float  # where it is drawn
    lat: float
    size: float  # diameter, px
    moved: bool  # drawn away from its true place (a line leads back to it)


@dataclass(frozen=True)
class Label:
    """An area's name near its marker: ``lines`` centred ``dx``, ``dy`` px from the marker's
    centre (lon, lat), a thin line leading to the marker when it is not beside it."""

    panel: int
    code: str
    lines: tuple[str, ...]
    lon: float
    lat: float
    dx: float
    dy: float
    radius: float  # the marker's, where the leading line stops
    box: tuple[float, float, float, float]  # x0, y0, x1, y1 px as estimated


@dataclass(frozen=True)
class MapLayout:
    style: MapStyle
    panels: tuple[Panel, ...]  # the country first, then the enlarged panel if any
    placed: tuple[Placed, ...]
    legend_top: float  # px from the figure's top where the legend starts
    labels: tuple[Label, ...] = ()
    legend: str = "below"  # "below": a strip under the panels; "left": a column under the country

    @property
    def zoom(self) -> Panel | None:
        return self.panels[1] if len(self.panels) > 1 else None


def bounds(provinces: Sequence[Province]) -> tuple[float, float, float, float]:
    """(west, south, east, north) of the provinces, with a small margin."""
    xs = [x for p in provinces for ring in p.rings for x, _ in ring]
    ys = [y for p in provinces for ring in p.rings for _, y in ring]
    if not xs:
        return 97.3, 5.6, 105.7, 20.5  # Thailand
    return min(xs) - 0.1, min(ys) - 0.1, max(xs) + 0.1, max(ys) + 0.1


def text_px(text: str, font: float) -> float:
    """Rough drawn width of ``text``: Thai vowel and tone marks above or below take no room."""
    w = 0.0
    for ch in text:
        if unicodedata.combining(ch) or unicodedata.category(ch) == "Mn":
            continue
        w += 0.3 if ch == " " else 0.62 if ch.isupper() else 0.56
    return w * font


def legend_height(labels: Sequence[str], style: MapStyle) -> float:
    """Height of a horizontal legend of ``labels`` across the plot (Plotly wraps its items)."""
    if not labels:
        return 0.0
    width, rows, used = style.plot[0] - 20, 1, 0.0
    for label in labels:
        item = 46 + text_px(label, style.font)  # symbol, padding, text
        if used and used + item > width:
            rows, used = rows + 1, 0.0
        used += item
    return rows * (style.font * 1.4 + 6) + 8


def _links(points: Sequence[tuple[float, float]], reach: float) -> list[list[int]]:
    """Groups of points chained by distances under ``reach`` (single linkage)."""
    n, group = len(points), list(range(len(points)))

    def root(i: int) -> int:
        while group[i] != i:
            group[i] = group[group[i]]
            i = group[i]
        return i

    for i in range(n):
        for j in range(i + 1, n):
            if math.dist(points[i], points[j]) < reach:
                group[root(i)] = root(j)
    out: dict[int, list[int]] = {}
    for i in range(n):
        out.setdefault(root(i), []).append(i)
    return sorted(out.values(), key=lambda g: (-len(g), g[0]))


def _fit(x0: float, y0: float, w: float, h: float, west: float, south: float, east: float, north: float,
         pad: float) -> Panel:
    """The panel of box (x0, y0, w, h) showing at least west..east, south..north, centred,
    with ``pad`` px kept free round them, at the largest scale that fits (equirectangular,
    the aspect corrected at the middle latitude)."""
    ratio = 1 / math.cos(math.radians((south + north) / 2))
    span_x, span_y = max(east - west, 0.02), max(north - south, 0.02)
    kx = min((w - 2 * pad) / span_x, (h - 2 * pad) / (span_y * ratio))
    cx, cy = (west + east) / 2, (south + north) / 2
    return Panel(x0, y0, w, h, cx - w / 2 / kx, cy + h / 2 / (kx * ratio), kx, ratio)


def _free(x: float, y: float, r: float, box: tuple[float, float, float, float],
          done: Sequence[tuple[float, float, float]], keep_out: Sequence[tuple[float, float, float, float]],
          gap: float) -> bool:
    """Whether a marker of radius ``r`` at (x, y) keeps ``gap`` to every placed marker and
    ``keep_out`` box, its centre inside ``box`` (x0, y0, x1, y1)."""
    if not (box[0] <= x <= box[2] and box[1] <= y <= box[3]):
        return False
    for qx, qy, qr in done:
        need = r + qr + gap
        if abs(x - qx) < need and abs(y - qy) < need and (x - qx) ** 2 + (y - qy) ** 2 < need * need:
            return False
    return not any(math.hypot(x - min(max(x, a), c), y - min(max(y, b), d)) < r + gap for a, b, c, d in keep_out)


def _ring_full(cx: float, cy: float, rho: float, r: float, box: tuple[float, float, float, float],
               near: Sequence[tuple[float, float, float, float, float]], gap: float) -> bool:
    """Whether no point of the circle of radius ``rho`` round (cx, cy) can hold a marker of
    radius ``r``: every angle is outside ``box`` or too close to a placed marker of ``near``
    ((distance from the centre, angle, x, y, radius) ...). Arcs are narrowed a little, so a
    ring said full is full; one that is not is searched point by point (the ``keep_out``
    boxes are left to that search)."""
    two_pi, eps = 2 * math.pi, 1e-6
    arcs: list[tuple[float, float]] = []
    # (middle angle, half width) of each arc ruled out: left of the box where
    # cos(angle) < (x0 - cx) / rho, an arc round pi of half width acos((cx - x0) / rho);
    # the other three sides alike (y grows downwards); then each marker the ring comes near.
    blocked = [(mid, math.acos(max(edge, 0.0) / rho))
               for edge, mid in ((cx - box[0], math.pi), (box[2] - cx, 0.0), (cy - box[1], 1.5 * math.pi),
                                 (box[3] - cy, 0.5 * math.pi)) if edge < rho]
    for d, phi, _, _, qr in near:
        need = r + qr + gap
        if d < 1e-9:
            if rho < need:
                return True
            continue
        k = (rho * rho + d * d - need * need) / (2 * rho * d)
        if k < -1 - 1e-9:  # every point of the ring within reach of this marker
            return True
        if k < 1:
            blocked.append((phi, math.acos(k)))
    for mid, half in blocked:
        half -= eps
        if half <= 0:
            continue
        a = (mid - half) % two_pi
        b = a + 2 * half
        if b <= two_pi:
            arcs.append((a, b))
        else:
            arcs += [(a, two_pi), (0.0, b - two_pi)]
    if not arcs:
        return False
    arcs.sort()
    reach = 0.0
    for a, b in arcs:
        if a > reach:
            return False
        if b > reach:
            reach = b
    return reach >= two_pi


def _box_covered(box: tuple[float, float, float, float], done: Sequence[tuple[float, float, float]], r: float,
                 gap: float, cell: float = 8.0, finest: float = 0.5) -> bool:
    """Whether the discs round the placed markers that a marker of radius ``r`` must keep out
    of cover all of ``box``: then no spot in it is free, for this marker or any larger one
    placed later. Proved cell by cell: a cell whose four corners lie inside one disc lies
    inside it (a disc is convex); a cell no disc holds whole is split in four, down to
    ``finest`` px, where one still unheld leaves the cover unproved."""
    if not done:
        return False
    reach = r + max(q[2] for q in done) + gap
    grid: dict[tuple[int, int], list[tuple[float, float, float]]] = {}
    for qx, qy, qr in done:
        grid.setdefault((int(qx // reach), int(qy // reach)), []).append((qx, qy, (r + qr + gap) ** 2 - 1e-6))

    def held(x0: float, y0: float, x1: float, y1: float) -> bool:
        gx, gy = int((x0 + x1) / 2 // reach), int((y0 + y1) / 2 // reach)
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                for qx, qy, n2 in grid.get((gx + dx, gy + dy), ()):
                    if ((x0 - qx) ** 2 + (y0 - qy) ** 2 < n2 and (x1 - qx) ** 2 + (y0 - qy) ** 2 < n2
                            and (x0 - qx) ** 2 + (y1 - qy) ** 2 < n2 and (x1 - qx) ** 2 + (y1 - qy) ** 2 < n2):
                        return True
        if x1 - x0 <= finest and y1 - y0 <= finest:
            return False
        xm, ym = (x0 + x1) / 2, (y0 + y1) / 2
        return held(x0, y0, xm, ym) and held(xm, y0, x1, ym) and held(x0, ym, xm, y1) and held(xm, ym, x1, y1)

    nx, ny = max(1, math.ceil((box[2] - box[0]) / cell)), max(1, math.ceil((box[3] - box[1]) / cell))
    xs = [box[0] + (box[2] - box[0]) * k / nx for k in range(nx + 1)]
    ys = [box[1] + (box[3] - box[1]) * k / ny for k in range(ny + 1)]
    return all(held(x0, y0, x1, y1) for y0, y1 in zip(ys, ys[1:], strict=False)
               for x0, x1 in zip(xs, xs[1:], strict=False))


def _place(items: Sequence[tuple[int, Marker]], panel: Panel, style: MapStyle,
           keep_out: Sequence[tuple[float, float, float, float]] = ()) -> list[tuple[int, float, float, bool]]:
    """(index, x, y, moved) for each item: its true place if free, else the nearest free spot
    (searched on rings round it, first in the direction away from what covers it), inside the
    panel and out of the ``keep_out`` boxes (x0, y0, x1, y1). A ring no marker can sit on
    (the panel's edge and the markers round it cover it whole) is passed over at once, and
    once the placed markers are proved to cover the whole panel the markers after them are
    drawn at their places without a search: a crowded panel (hundreds of estates) is placed
    in a fraction of a second, each marker where the full search would have put it."""
    done: list[tuple[float, float, float]] = []  # x, y, radius
    out = []
    step = 2.0
    full_from = math.inf  # the smallest radius no spot of the panel is free for (proved)
    proved_at = -8  # how many were placed when that was last tried
    for i, m in items:
        r = style.size(m.kind) / 2
        box = (panel.x0 + r + 1, panel.y0 + r + 1, panel.x0 + panel.w - r - 1, panel.y0 + panel.h - r - 1)
        tx, ty = panel.px(m.lon, m.lat)
        cx, cy = min(max(tx, box[0]), box[2]), min(max(ty, box[1]), box[3])
        best = (cx, cy) if _free(cx, cy, r, box, done, keep_out, style.gap) else None
        if best is None and r < full_from:
            near = min(done, key=lambda q: math.hypot(cx - q[0], cy - q[1]), default=None)
            away = math.atan2(cy - near[1], cx - near[0]) if near and math.hypot(cx - near[0], cy - near[1]) > 0.5 \
                else -math.pi / 4  # up and to the right
            # No ring wider than the farthest corner of the box reaches into it.
            rho = step
            limit = min(math.hypot(panel.w, panel.h),
                        max(math.hypot(x - cx, y - cy) for x in (box[0], box[2]) for y in (box[1], box[3])) + step)
            # The placed markers by their distance from this one: those a ring can touch are a window.
            by_d = sorted((math.hypot(qx - cx, qy - cy), math.atan2(qy - cy, qx - cx), qx, qy, qr)
                          for qx, qy, qr in done)
            dists = [q[0] for q in by_d]
            reach = r + max((q[4] for q in by_d), default=0.0) + style.gap
            while best is None and rho < limit:
                window = by_d[bisect.bisect_left(dists, rho - reach):bisect.bisect_right(dists, rho + reach)]
                if not _ring_full(cx, cy, rho, r, box, window, style.gap):
                    others = [(qx, qy, qr) for _, _, qx, qy, qr in window]
                    n = max(8, math.ceil(2 * math.pi * rho / step))
                    for k in range(n):
                        turn = (k + 1) // 2 * (1 if k % 2 else -1) * 2 * math.pi / n  # 0, +d, -d, +2d, ...
                        x, y = cx + rho * math.cos(away + turn), cy + rho * math.sin(away + turn)
                        if _free(x, y, r, box, others, keep_out, style.gap):
                            best = (x, y)
                            break
                rho += step
            if best is None and len(done) - proved_at >= 8:  # a full panel? then the next ones need no search
                proved_at = len(done)
                if _box_covered(box, done, r, style.gap):
                    full_from = r
        x, y = best if best is not None else (cx, cy)  # a full panel: drawn at its place
        done.append((x, y, r))
        out.append((i, x, y, math.hypot(x - tx, y - ty) > 1.0))
    return out


def _split(name: str) -> list[tuple[str, ...]]:
    """A name on one line, else on two at its " - " (or its middle space)."""
    out: list[tuple[str, ...]] = [(name,)]
    if " - " in name:
        head, _, tail = name.partition(" - ")
        out.append((head, tail))
    elif " " in name:
        words = name.split(" ")
        cut = min(range(1, len(words)), key=lambda k: abs(len(" ".join(words[:k])) - len(name) / 2))
        out.append((" ".join(words[:cut]), " ".join(words[cut:])))
    return out


def _clear(d: tuple[float, float], c: tuple[float, float], half_w: float, half_h: float) -> bool:
    """Whether the point s*d + c stays out of the box |x| < half_w, |y| < half_h for every
    s in 1..MAX_SCALE: a name keeps its offset in pixels from its marker while a larger
    drawing moves everything else away from that marker in proportion."""
    lo, hi = 1.0, MAX_SCALE
    for dk, ck, hk in ((d[0], c[0], half_w), (d[1], c[1], half_h)):
        if abs(dk) < 1e-9:
            if abs(ck) >= hk:
                return True
            continue
        a, b = sorted(((-hk - ck) / dk, (hk - ck) / dk))
        lo, hi = max(lo, a), min(hi, b)
    return lo >= hi


def _labels(placed: Sequence[Placed], panels: Sequence[Panel], style: MapStyle,
            keep_out: Mapping[int, Sequence[tuple[float, float, float, float]]]) -> list[Label]:
    """Names of the areas near their markers, where one fits (on one or two lines, beside
    the marker or a little further with a line to it) clear of every marker, every other
    name, the caption and the panel's edge, at this size and any larger one; the hover
    names the rest."""
    font = style.font - 1
    line_h = font * 1.3
    out: list[Label] = []
    for pl in placed:
        if pl.marker.kind != "area":
            continue
        panel = panels[pl.panel]
        x, y = panel.px(pl.lon, pl.lat)
        r = pl.size / 2
        others = [(panel.px(q.lon, q.lat), q.size / 2) for q in placed if q.panel == pl.panel and q is not pl]
        names = [lb for lb in out if lb.panel == pl.panel]
        found = None
        for extra in (0, 8, 16, 24, 36, 48, 64, 80):
            for lines in _split(pl.marker.name):
                w, h = max(text_px(line, font) for line in lines) + 4, line_h * len(lines) + 2
                # right, left, above, below, then the corners (the centre of the name's box)
                sx, sy = r + 3 + extra + w / 2, r + 3 + extra + h / 2
                for dx, dy in ((sx, 0), (-sx, 0), (0, -sy), (0, sy), (sx, -sy), (-sx, -sy), (sx, sy), (-sx, sy)):
                    box = (x + dx - w / 2, y + dy - h / 2, x + dx + w / 2, y + dy + h / 2)
                    if not (panel.x0 <= box[0] and box[2] <= panel.x0 + panel.w and panel.y0 <= box[1]
                            and box[3] <= panel.y0 + panel.h):
                        continue
                    if all(_clear((qx - x, qy - y), (-dx, -dy), w / 2 + qr + 2, h / 2 + qr + 2)
                           for (qx, qy), qr in others) \
                            and all(_clear((lb_x - x, lb_y - y), (lb.dx - dx, lb.dy - dy),
                                           (w + lb.box[2] - lb.box[0]) / 2 + 2, (h + lb.box[3] - lb.box[1]) / 2)
                                    for lb in names for lb_x, lb_y in [panels[lb.panel].px(lb.lon, lb.lat)]) \
                            and all(_clear((x - panel.x0, y - panel.y0), (dx - (a + c) / 2 + panel.x0,
                                                                          dy - (b + d) / 2 + panel.y0),
                                           (w + c - a) / 2, (h + d - b) / 2)
                                    for a, b, c, d in keep_out.get(pl.panel, ())):
                        found = (lines, dx, dy, box)
                        break
                if found:
                    break
            if found:
                break
        if found:
            lines, dx, dy, box = found
            out.append(Label(pl.panel, pl.marker.code, lines, pl.lon, pl.lat, dx, dy, r, box))
    return out


def _zoom(marks: Sequence[Marker], crowd: Sequence[int], country: Panel, box: tuple[float, float, float, float],
          style: MapStyle, zoom_label: tuple[float, float]) -> Panel | None:
    """The enlarged panel in ``box`` (x0, y0, w, h) round the markers ``crowd``; None when
    it would not magnify the country's scale enough to be worth its room."""
    zx, zy, zw, zh = box
    if zw < 4 * style.area or zh < 4 * style.area:
        return None
    xs, ys = [marks[i].lon for i in crowd], [marks[i].lat for i in crowd]
    pad = style.area + style.gap + 2
    z = _fit(zx, zy, zw, zh, min(xs), min(ys), max(xs), max(ys), pad)
    if zoom_label[1]:  # room for the caption: no marker's true place under it
        z = _fit(zx, zy, zw, zh, min(xs), min(ys), max(xs), max(ys) + zoom_label[1] / z.ky, pad)
    if z.kx > country.kx * MAX_ZOOM:  # a tight crowd: show some country round it
        half_x, half_y = zw / 2 / (country.kx * MAX_ZOOM), zh / 2 / (country.kx * MAX_ZOOM * z.ratio)
        cx, cy = (z.lon_range[0] + z.lon_range[1]) / 2, (z.lat_range[0] + z.lat_range[1]) / 2
        z = _fit(zx, zy, zw, zh, cx - half_x, cy - half_y, cx + half_x, cy + half_y, 0)
    return z if z.kx >= country.kx * MIN_ZOOM else None


def legend_size(labels: Sequence[str], style: MapStyle) -> tuple[float, float]:
    """(width, height) of a vertical legend of ``labels``."""
    if not labels:
        return 0.0, 0.0
    return max(46 + text_px(label, style.font) for label in labels), len(labels) * (style.font * 1.5 + 4) + 10


def layout(marks: Sequence[Marker], country: tuple[float, float, float, float], style: MapStyle, *,
           legend: Sequence[str] = (), zoom_label: tuple[float, float] = (0.0, 0.0)) -> MapLayout:
    """Panels and drawn places of ``marks`` on a map of ``country`` (west, south, east, north)
    drawn at ``style``'s size with a legend of ``legend`` either in a strip below the panels
    or, when that leaves the enlarged panel more room (a tall drawing), in a column under the
    country. ``zoom_label`` is the (width, height) of the enlarged panel's caption, kept free
    in its top left corner."""
    pw, ph = style.plot
    left, _, top, _ = style.margin
    west, south, east, north = country
    strip = legend_height(legend, style)
    full = _fit(left, top, pw, ph - strip, west, south, east, north, 0)
    crowd = next(iter(_links([full.px(m.lon, m.lat) for m in marks], style.area + style.gap)), [])
    best: tuple[Panel, Panel | None, str, float] | None = None
    if len(crowd) >= CROWD:
        # Legend below: the country at full height, unless the enlarged panel would get under
        # ~45% of the width. Legend under the country: the country narrower, the enlarged
        # panel the whole height.
        col_w, col_h = legend_size(legend, style)
        for spot, height, width in (
                ("below", ph - strip, min((east - west) * full.kx, pw * 0.55)),
                ("left", ph, max(col_w, min((east - west) * (ph - col_h) / (north - south) / full.ratio, pw * 0.4)))):
            if spot == "left" and (not legend or col_h > ph * 0.5):
                continue
            main = _fit(left, top, width, height - (col_h if spot == "left" else 0), west, south, east, north, 0)
            z = _zoom(marks, crowd, main, (left + width + style.panel_gap, top, pw - width - style.panel_gap, height),
                      style, zoom_label)
            if z is not None and (best is None or best[1] is None or z.kx > best[1].kx * 1.05):
                best = (main, z, spot, top + (height if spot == "below" else ph - col_h))
    if best is None:  # the country alone, centred
        w = (east - west) * full.kx
        best = (_fit(left + (pw - w) / 2, top, w, ph - strip, west, south, east, north, 0), None, "below",
                top + ph - strip)
    main, zoom, where_legend, legend_top = best
    panels = [main] if zoom is None else [main, zoom]
    where = [1 if zoom is not None and zoom.contains(m.lon, m.lat) else 0 for m in marks]
    # Areas first, so each stays on its place and its estates ring it; then by code.
    order = sorted(range(len(marks)), key=lambda i: (marks[i].kind != "area", marks[i].code))
    placed: dict[int, Placed] = {}
    keep_out = {1: [(zoom.x0, zoom.y0, zoom.x0 + zoom_label[0], zoom.y0 + zoom_label[1])]} \
        if zoom is not None and zoom_label[0] else {}
    for p, panel in enumerate(panels):
        for i, x, y, moved in _place([(i, marks[i]) for i in order if where[i] == p], panel, style,
                                     keep_out.get(p, [])):
            lon, lat = panel.lonlat(x, y)
            placed[i] = Placed(marks[i], p, lon, lat, style.size(marks[i].kind), moved)
    drawn = tuple(placed[i] for i in order)
    return MapLayout(style, tuple(panels), drawn, legend_top, tuple(_labels(drawn, panels, style, keep_out)),
                     where_legend)
