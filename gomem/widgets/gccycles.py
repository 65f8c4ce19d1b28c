"""Lesson 07 widget: alloc/GC cycles -> heap in use over time, by span sweep state.

Controls: survival fraction, objects per cycle, full vs lazy sweeping, and (lazy only)
how many spans a stand-in background sweeper sweeps at each sample point.
"""

from __future__ import annotations

import functools
import random

import ipywidgets as widgets

from gomem.timeline import gc_cycles
from gomem.viz import timeline as viz
from gomem.widgets.base import PlotWidget


def gc_cycles_widget(seed: int = 0, cycles: int = 6) -> PlotWidget:
    """Survival / objects per cycle / sweep mode / background sweep -> heap-in-use timeline."""

    @functools.lru_cache(maxsize=64)
    def run(survival, objects, sweep, bg_sweep):
        return gc_cycles(random.Random(seed), cycles, objects, survival, sweep, bg_sweep)

    def compute(survival, objects, sweep, bg_sweep):
        bg_sweep = bg_sweep if sweep == "lazy" else 0   # no background sweeper after a full sweep
        tl = run(round(survival, 4), objects, sweep, bg_sweep)
        return {"timeline": tl, "survival": survival, "objects": objects, "sweep": sweep,
                "bg_sweep": bg_sweep,
                "peak_kib": tl.peak_in_use >> 10, "final_kib": tl.final.heap_in_use >> 10,
                "final_live_kib": tl.final.live_bytes >> 10}

    plot = viz.TimelinePlot()   # one figure: a new timeline swaps its artists

    def draw(r):
        bg = f", background sweeper {r['bg_sweep']} spans/sample" if r["sweep"] == "lazy" else ""
        title = (f"{cycles} cycles of {r['objects']} objects, survival {r['survival']:.2f}, "
                 f"{r['sweep']} sweep{bg} (seed {seed})\npeak {r['peak_kib']} KiB, "
                 f"after last GC {r['final_kib']} KiB in use for {r['final_live_kib']} KiB live")
        return plot.update(r["timeline"], title)

    controls = {
        "survival": widgets.FloatSlider(0.3, min=0.0, max=0.9, step=0.05, description="survival",
                                        continuous_update=False),
        "objects": widgets.IntSlider(400, min=100, max=1000, step=100,
                                     description="objects/cycle", continuous_update=False,
                                     style={"description_width": "initial"}),
        "sweep": widgets.ToggleButtons(options=["full", "lazy"], value="full",
                                       description="sweep"),
        "bg_sweep": widgets.IntSlider(0, min=0, max=8, description="bg sweep",
                                      continuous_update=False),
    }
    return PlotWidget(controls, compute, draw)
