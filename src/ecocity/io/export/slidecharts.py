"""Each slide's chart as the PPTX and the PDF draw it: bars and lines as chart data (a native
chart, vectors), the map as a picture, rendered once per deck in one browser session that
runs while the rest of the file is written (see docs/design-notes.md)."""

from __future__ import annotations

from collections.abc import Mapping

from ecocity.io.export.chartdata import ChartData, chart_data
from ecocity.io.export.png import Done, Rendering, Shot, render, slide_shot
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


class DeckCharts:
    """The charts of one deck for one export. Pictures start rendering at once, in the
    background (unless ``images`` gives them: slide index -> PNG); ``native(i)`` converts a
    slide's figure to chart data when asked; ``picture(i)`` waits for its picture."""

    def __init__(self, deck: Deck, images: Mapping[int, bytes] | None = None, done: Done | None = None):
        self.deck = deck
        self._pictures: dict[int, bytes] = {}
        self._rendering: Rendering | None = None
        self._order: list[int] = []
        self._given = dict(images or {})
        if images is not None:
            self._pictures = {i: png for i, png in images.items() if deck.slides[i].kind in PICTURE_KINDS}
        else:
            shots = picture_shots(deck)
            self._order = [i for i, _ in shots]
            self._rendering = Rendering([s for _, s in shots], done)

    @property
    def pictures_pending(self) -> bool:
        return self._rendering is not None

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
        if self._rendering is not None:
            self._pictures.update(zip(self._order, self._rendering.result(), strict=True))
            self._rendering = None
        if i in self._pictures:
            return self._pictures[i]
        if self.deck.slides[i].chart is None:
            return None
        if i in self._given:  # a chart no chart data can hold, given as a picture
            return self._given[i]
        shot = slide_shot(self.deck.slides[i])  # such a chart was not foreseen: rendered on its own
        self._pictures[i] = render([shot])[0] if shot is not None else b""
        return self._pictures[i] or None
