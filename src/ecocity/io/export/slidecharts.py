"""Each slide's chart as the PPTX and the PDF draw it: bars and lines as chart data (a native
chart, vectors), the map as a picture, rendered once per deck in one browser session that
runs while the rest of the file is written (see docs/design-notes.md)."""

from __future__ import annotations

from collections.abc import Mapping

from ecocity.io.export.chartdata import ChartData, chart_data
from ecocity.io.export.png import Rendering, Shot, render, slide_shot
from ecocity.pagemodels.slides import Deck

PICTURE_KINDS = frozenset({"map"})  # slides whose chart is a picture: a map is no chart of bars or lines


def picture_shots(deck: Deck) -> list[tuple[int, Shot]]:
    """(slide index, what to render) of the slides whose chart is a picture."""
    out = []
    for i, s in enumerate(deck.slides):
        shot = slide_shot(s) if s.kind in PICTURE_KINDS else None
        if shot is not None:
            out.append((i, shot))
    return out


class Pictures:
    """The pictures of a deck's charts that are pictures (the map), rendering in a browser
    session of their own from the moment this is made; ``result()`` waits for them (slide
    index -> PNG). Made once, they serve a PPTX and a PDF of the same deck."""

    def __init__(self, deck: Deck):
        shots = picture_shots(deck)
        self._order = [i for i, _ in shots]
        self._rendering: Rendering | None = Rendering([s for _, s in shots])
        self._pngs: dict[int, bytes] = {}

    def result(self) -> dict[int, bytes]:
        if self._rendering is not None:
            self._pngs = dict(zip(self._order, self._rendering.result(), strict=True))
            self._rendering = None
        return self._pngs

    @property
    def pending(self) -> bool:
        return self._rendering is not None and self._rendering.running


class DeckCharts:
    """The charts of one deck for one export: ``native(i)`` converts a slide's figure to
    chart data when asked; ``picture(i)`` waits for its picture. The pictures come from
    ``images`` (slide index -> PNG, or ``Pictures`` being rendered), else start rendering
    in the background at once."""

    def __init__(self, deck: Deck, images: Mapping[int, bytes] | Pictures | None = None):
        self.deck = deck
        self._pictures = images if isinstance(images, Pictures) else Pictures(deck) if images is None else None
        self._given: dict[int, bytes] = dict(images) if isinstance(images, Mapping) else {}
        self._extra: dict[int, bytes] = {}

    @property
    def pictures_pending(self) -> bool:
        return self._pictures is not None and self._pictures.pending

    def is_picture(self, i: int) -> bool:
        s = self.deck.slides[i]
        return s.chart is not None and s.kind in PICTURE_KINDS

    def native(self, i: int) -> ChartData | None:
        """Slide ``i``'s chart as chart data; None when it has none or it is a picture."""
        s = self.deck.slides[i]
        if s.chart is None or s.kind in PICTURE_KINDS:
            return None
        fig = s.figure(present=True)
        return chart_data(fig) if fig is not None else None

    def picture(self, i: int) -> bytes | None:
        """Slide ``i``'s chart as a PNG (waits for the rendering); None without a chart."""
        if self.deck.slides[i].chart is None:
            return None
        found = (self._pictures.result() if self._pictures is not None else {}).get(i) or self._given.get(i)
        if found:
            return found
        if i not in self._extra:  # a chart no chart data holds and no picture was made for: on its own
            shot = slide_shot(self.deck.slides[i])
            self._extra[i] = render([shot])[0] if shot is not None else b""
        return self._extra[i] or None
