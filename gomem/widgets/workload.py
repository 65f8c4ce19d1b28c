"""Lesson 06 widget: run a seeded workload, see the allocation paths and the heap map.

Controls: the size mix, the number of allocations, and GOMAXPROCS.  The figure shows
``EventLog.path_counts()`` as bars above a heap map (arena -> pages -> spans -> slots).
"""

from __future__ import annotations

import functools

import ipywidgets as widgets

from gomem.viz import heapmap as viz
from gomem.widgets.base import PlotWidget
from gomem.workload import SIZE_MIXES, IncrementalWorkload, heap_view


def workload_widget(seed: int = 0, count: int = 1000, mix: str = "typical",
                    gomaxprocs: int = 2) -> PlotWidget:
    """Size mix / allocations / GOMAXPROCS -> path counts and heap map."""

    runners: dict = {}   # (mix, gomaxprocs) -> IncrementalWorkload: more allocations extend it

    @functools.lru_cache(maxsize=32)
    def run(mix, count, gomaxprocs):
        key = (mix, gomaxprocs)
        if key not in runners:
            runners[key] = IncrementalWorkload(seed, mix, gomaxprocs)
        w = runners[key].advance(count)
        return w, heap_view(w.heap)

    def compute(mix, count, gomaxprocs):
        w, view = run(mix, count, gomaxprocs)
        return {"mix": mix, "count": count, "gomaxprocs": gomaxprocs, "run": w, "view": view,
                "path_counts": w.path_counts, "spans": len(view.spans),
                "heap_in_use": w.heap.stats.heap_in_use, "locks": w.lock_acquisitions}

    # HeapMapPlot.layout_of(...) -> plot: 8 rows (of 64 pages at first, the 4 MiB the heap
    # grows by; more when the heap outgrows them) and 6 detail rows, so one plot serves all
    plots: dict = {}

    def draw(r):
        fast = r["path_counts"]["nextFreeFast"] + r["path_counts"]["tiny block"]
        title = (f"mix '{r['mix']}', {r['count']} allocations, GOMAXPROCS={r['gomaxprocs']} "
                 f"(seed {seed})\n{100 * fast / r['count']:.0f}% lock-free fast path, "
                 f"{r['spans']} spans, {r['heap_in_use'] >> 10} KiB in use, "
                 f"{r['locks']} heap-lock takes")
        layout = viz.HeapMapPlot.layout_of(r["view"], counts=r["path_counts"], rows=8)
        if layout not in plots:
            plots[layout] = viz.HeapMapPlot(*layout)
        return plots[layout].update(r["view"], title, r["path_counts"])

    controls = {
        "mix": widgets.Dropdown(options=list(SIZE_MIXES), value=mix, description="size mix"),
        "count": widgets.IntSlider(count, min=100, max=4000, step=100, description="allocations",
                                   continuous_update=False),
        "gomaxprocs": widgets.IntSlider(gomaxprocs, min=1, max=8, description="GOMAXPROCS",
                                        continuous_update=False),
    }
    return PlotWidget(controls, compute, draw)
