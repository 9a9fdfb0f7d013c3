"""The detail pages' shared "dimensions + history" figure builder (ecocity.ui.figures),
without a running app."""

from __future__ import annotations

from types import SimpleNamespace

from ecocity.core.forecast import Point
from ecocity.core.framework import load_framework
from ecocity.pagemodels import charts
from ecocity.ui.figures import dimensions_and_history

FW = load_framework()
THIS = SimpleNamespace(dimension_scores={d.key: 3.0 for d in FW.dimensions})
LAST = SimpleNamespace(dimension_scores={d.key: 2.0 for d in FW.dimensions})
SERIES = [Point(2564, 2, 2.4), Point(2565, 2, 2.8), Point(2566, 3, 3.4)]


def _model(row=THIS, last=LAST, series=SERIES):
    return SimpleNamespace(row=row, last=last, series=series)


def test_both_figures_when_there_is_a_year_and_a_series():
    out = dimensions_and_history(FW, _model(), 2566, "th", end_labels="lean")
    assert set(out) == {"dimensions", "history"}
    assert out["dimensions"]["layout"]["legend"]["orientation"] == "h"  # legend below
    assert len(out["dimensions"]["data"]) == len(charts.dimension_compare(FW, {}, {"x": 1}, "th", 2566).data)
    # The ends lean inwards; the first label goes under the rising line (charts.label_positions).
    assert out["history"]["data"][-1]["textposition"] == ["bottom right", "top center", "top left"]


def test_estate_pages_get_room_for_the_end_labels_instead():
    out = dimensions_and_history(FW, _model(), 2566, "en", end_labels="room")
    assert out["history"]["layout"]["xaxis"]["range"] == [-0.7, 2.7]
    assert out["history"]["data"][-1].get("textposition") == charts.history(FW, SERIES, "en", lean=False).to_dict()[
        "data"][-1].get("textposition")
    assert out["history"]["data"][-1]["textposition"][0].endswith("center")


def test_absent_when_there_is_nothing_to_draw():
    assert set(dimensions_and_history(FW, _model(), None, "th", end_labels="lean")) == {"history"}
    assert set(dimensions_and_history(FW, _model(row=None), 2566, "th", end_labels="lean")) == {"history"}
    assert dimensions_and_history(FW, _model(series=[]), 2566, "th", end_labels="room").keys() == {"dimensions"}
    one = dimensions_and_history(FW, _model(series=SERIES[:1]), None, "th", end_labels="lean")
    assert one["history"]["data"][-1]["textposition"] == ["top center"]
