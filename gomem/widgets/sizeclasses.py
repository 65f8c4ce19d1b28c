"""Lesson 04's widgets: a request's class, slot, waste and span; the waste sawtooth.

Built on :class:`gomem.widgets.base.PlotWidget`: set ``w.controls[...].value`` and read
``w.result`` / ``w.title`` / ``w.figure`` in tests.  All logic lives in
:mod:`gomem.course.layout`; the waste curves are computed once when the widget is built.
"""

from __future__ import annotations

import ipywidgets as widgets

from gomem.course.layout import MAX_DEMO_SIZE, corners, place, waste_curve
from gomem.sizeclasses import CLASS_TO_SIZE, MAX_SMALL_ALLOC
from gomem.viz.sizeclasses import PlacementPlot, WastePlot
from gomem.widgets.base import PlotWidget

WIDE = {"description_width": "initial"}   # labels in full, not "GOMAXPR..."


def placement_widget(size: int = 100, pointers: bool = False) -> PlotWidget:
    """Object size (+ pointers or not, Green Tea or classic GC) -> class, slot, waste, span."""

    def compute(size, pointers, greenteagc):
        return place(size, noscan=not pointers, greenteagc=greenteagc)

    plot = PlacementPlot()   # the one figure, updated in place for each request

    def draw(pl):
        gc = "Green Tea" if pl.greenteagc else "classic GC"
        return plot.update(pl, f"[{gc}] {pl.describe()}")

    controls = {
        "size": widgets.BoundedIntText(size, min=1, max=MAX_DEMO_SIZE, description="size (B)",
                                       style=WIDE),
        "pointers": widgets.Checkbox(pointers, description="has pointers"),
        "greenteagc": widgets.Checkbox(True, description="Green Tea GC"),
    }
    return PlotWidget(controls, compute, draw)


RANGES = {"1 B - 256 B": (1, 256), "256 B - 2 KiB": (256, 2048),
          "2 KiB - 32 KiB": (2048, MAX_SMALL_ALLOC), "1 B - 32 KiB": (1, MAX_SMALL_ALLOC)}


def waste_widget() -> PlotWidget:
    """Waste (% of the slot) for every request size in a range; with or without pointers."""
    curves = {(name, p): waste_curve(lo, hi, noscan=not p)
              for name, (lo, hi) in RANGES.items() for p in (False, True)}
    drawn = {k: corners(*v) for k, v in curves.items()}   # same picture, ~100x fewer points

    def compute(sizes, pointers):
        xs, pct = curves[(sizes, pointers)]
        worst = max(range(len(pct)), key=pct.__getitem__)
        mean = sum(pct) / len(pct)
        lo, hi = xs[0], xs[-1]
        return {"sizes": sizes, "pointers": pointers, "x": xs, "pct": pct,
                "drawn": drawn[(sizes, pointers)], "worst_size": xs[worst],
                "worst_pct": pct[worst], "mean_pct": mean,
                "bounds": [s for s in CLASS_TO_SIZE if lo <= s <= hi]}

    plot = WastePlot()   # the one figure, updated in place for each range

    def draw(r):
        kind = "with pointers (header > 512 B)" if r["pointers"] else "no pointers (tiny < 16 B)"
        title = (f"{r['sizes']}, {kind}: mean waste {r['mean_pct']:.1f}%, worst "
                 f"{r['worst_pct']:.1f}% at {r['worst_size']} B")
        bounds = r["bounds"] if len(r["bounds"]) <= 80 else []
        return plot.update(*r["drawn"], bounds, (r["worst_size"], r["worst_pct"]), title)

    controls = {
        "sizes": widgets.Dropdown(options=list(RANGES), value="256 B - 2 KiB",
                                  description="sizes"),
        "pointers": widgets.Checkbox(False, description="has pointers"),
    }
    return PlotWidget(controls, compute, draw)
