"""Lesson 03's widget: GOMAXPROCS and allocation mix -> locks taken per 1000 allocations.

Built on :class:`gomem.widgets.base.PlotWidget` (controls + output; ``result``, ``figure``,
``title`` readable by tests).  Every run is simulated once when the widget is built
(:func:`gomem.contention.sweep_gomaxprocs`, one seeded ``random.Random`` per run), so moving a
control only looks results up and redraws.
"""

from __future__ import annotations

import ipywidgets as widgets

from gomem.contention import MIXES, sweep_gomaxprocs
from gomem.viz.locks import LocksPlot
from gomem.widgets.base import PlotWidget

WIDE = {"description_width": "initial"}   # labels in full, not "GOMAXPR..."

PROCS = (1, 2, 4, 8, 16)


def lock_widget(seed: int = 0, n_allocs: int = 2000, procs=PROCS) -> PlotWidget:
    """Bars per allocator level at the chosen GOMAXPROCS, and each level vs GOMAXPROCS."""
    runs = {mix: sweep_gomaxprocs(list(procs), mix, n_allocs, seed) for mix in MIXES}

    def compute(gomaxprocs, mix):
        now = next(r for r in runs[mix] if r.gomaxprocs == gomaxprocs)
        return {"gomaxprocs": gomaxprocs, "mix": mix, "runs": runs[mix], "now": now,
                "per_1000": now.per_1000()}

    plots: dict = {}   # mix -> LocksPlot: a GOMAXPROCS move only moves the marker

    def draw(r):
        k = r["per_1000"]
        title = (f"{r['mix']}, GOMAXPROCS={r['gomaxprocs']}, {n_allocs} allocs (seed {seed}): "
                 f"global lock {k['one global lock']:.0f} vs mheap {k['mheap lock']:.0f} + "
                 f"mcentral {k['mcentral span-set ops']:.0f} per 1000")
        if r["mix"] not in plots:
            plots[r["mix"]] = LocksPlot(r["runs"])
        return plots[r["mix"]].update(r["gomaxprocs"], title)

    controls = {
        "gomaxprocs": widgets.SelectionSlider(options=list(procs),
                                              value=procs[min(2, len(procs) - 1)],
                                              description="GOMAXPROCS", style=WIDE),
        "mix": widgets.Dropdown(options=list(MIXES), value="small structs", description="mix"),
    }
    return PlotWidget(controls, compute, draw)
