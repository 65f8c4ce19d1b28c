"""Lesson 05 widget: step allocations through one span and watch its bitmaps.

Built on :class:`gomem.widgets.base.PlotWidget`: tests set ``w.controls[name].value`` and
assert on ``w.result`` / ``w.figure`` / ``w.title`` without a browser.  The figure title
states the current parameters and seed.
"""

from __future__ import annotations

import functools
import random

import ipywidgets as widgets
import matplotlib.pyplot as plt

from gomem.mheap import span_nelems
from gomem.mspan import bitmap_words
from gomem.sizeclasses import size_to_class
from gomem.viz import spans as viz
from gomem.widgets.base import PlotWidget
from gomem.workload import step_span


SPAN_SIZES = {"16 B": 16, "48 B": 48, "128 B": 128, "512 B": 512}


def span_step_widget(seed: int = 0, size: int = 48, survival: float = 0.4) -> PlotWidget:
    """Fill a span, GC it with survivors, then step allocations through it.

    Controls: object size, survival fraction, pointer-free or not, and the step (how
    many allocations since the GC).  The "step +1" button moves the step slider.
    """
    # 64-slot words -> SpanBitsPlot, one per span shape of the sizes, built now (~15 ms each)
    # so that the first move to another size only draws it; a step only recolours cells
    plots = {words: viz.SpanBitsPlot(words) for words in {
        bitmap_words(span_nelems(size_to_class(size, noscan), noscan))
        for size in SPAN_SIZES.values() for noscan in (False, True)}}
    for plot in plots.values():
        plt.close(plot.fig)   # pyplot forgets them (it would show them at the cell's end)

    @functools.lru_cache(maxsize=32)
    def run_of(size, survival, noscan):
        """The span stepped to the end (a step only picks one of its snapshots)."""
        return step_span(random.Random(seed), size, survival, 10**6, noscan=noscan)

    def compute(size, survival, noscan, step):
        run = run_of(size, round(survival, 4), noscan)
        k = min(step, len(run.steps) - 1)
        controls["step"].max = len(run.steps) - 1   # may clamp the value: one nested update
        return {"run": run, "k": k, "step": run.steps[k], "size": size, "survival": survival,
                "noscan": noscan}

    def draw(r):
        run, st = r["run"], r["step"]
        what = (f"step {r['k']}: slot {st.slot} via {st.path}" if st.slot is not None
                else "step 0: just swept")
        title = (f"{r['size']} B {'noscan' if r['noscan'] else 'scan'}, survival "
                 f"{r['survival']:.2f} (seed {seed}): {run.survivors} of {run.nelems} survived; "
                 f"{what}")
        return plots[bitmap_words(run.nelems)].update(run, r["k"], title)

    controls = {
        "size": widgets.Dropdown(options=list(SPAN_SIZES.items()), value=size,
                                 description="object size"),
        "survival": widgets.FloatSlider(survival, min=0.0, max=0.9, step=0.05,
                                        description="survival"),
        "noscan": widgets.Checkbox(False, description="noscan"),
        "step": widgets.IntSlider(0, min=0, max=1000, description="step"),
    }
    button = widgets.Button(description="step +1")

    def click(_):
        s = controls["step"]
        s.value = min(s.max, s.value + 1)

    button.on_click(click)
    w = PlotWidget(controls, compute, draw, extra=[button])
    w.step_button = button
    return w
