"""Lesson 05 widget: step allocations through one span and watch its bitmaps.

Also home of :class:`LessonWidget`, the small controls -> compute -> draw loop the
lesson 05-07 widgets share.  A widget keeps its last ``result`` (plain data from the
model layer) and ``figure``, so tests set ``w.controls[name].value`` and assert on
them without a browser.  Every figure title states the current parameters and seed.
"""

from __future__ import annotations

import random
import time

import ipywidgets as widgets
import matplotlib.pyplot as plt

from gomem.viz import spans as viz
from gomem.workload import step_span


class LessonWidget:
    """Controls + output area; recomputes and redraws on every control change.

    ``compute(**values)`` returns plain data; ``draw(result)`` returns a Figure.
    ``timings`` holds the last update's compute and draw seconds (for measuring, never
    printed in notebooks).
    """

    def __init__(self, controls: dict, compute, draw, extra=()):
        self.controls, self.compute, self.draw = controls, compute, draw
        self.output = widgets.Output()
        self.result = self.figure = None
        self.updates = 0
        self.timings = {"compute": 0.0, "draw": 0.0}
        for c in controls.values():
            c.observe(lambda _change: self.update(), names="value")
        self.box = widgets.VBox([widgets.HBox(list(controls.values()) + list(extra)),
                                 self.output])
        self.update()

    def params(self) -> dict:
        return {name: c.value for name, c in self.controls.items()}

    def update(self) -> None:
        t0 = time.perf_counter()
        result = self.compute(**self.params())
        t1 = time.perf_counter()
        fig = self.draw(result)
        t2 = time.perf_counter()
        if self.figure is not None and self.figure is not fig:
            plt.close(self.figure)
        self.result, self.figure = result, fig
        self.timings = {"compute": t1 - t0, "draw": t2 - t1}
        self.updates += 1
        self._show(fig)
        plt.close(fig)   # shown once in the output area; still readable by tests

    def _show(self, fig) -> None:
        try:
            from IPython import get_ipython
            from IPython.display import clear_output, display
        except ImportError:  # pragma: no cover
            return
        if get_ipython() is None:
            return
        with self.output:
            clear_output(wait=True)
            display(fig)

    @property
    def title(self) -> str:
        fig = self.figure
        if fig is None:
            return ""
        return fig.get_suptitle() or fig.axes[0].get_title()

    def _ipython_display_(self):
        from IPython.display import display
        display(self.box)


SPAN_SIZES = {"16 B": 16, "48 B": 48, "128 B": 128, "512 B": 512}


def span_step_widget(seed: int = 0, size: int = 48, survival: float = 0.4) -> LessonWidget:
    """Fill a span, GC it with survivors, then step allocations through it.

    Controls: object size, survival fraction, pointer-free or not, and the step (how
    many allocations since the GC).  The "step +1" button moves the step slider.
    """
    cache: dict = {}   # (size, survival, noscan) -> SpanSteps stepped to the end
    plots: dict = {}   # nelems -> SpanBitsPlot, reused: a step only swaps image data

    def compute(size, survival, noscan, step):
        key = (size, round(survival, 4), noscan)
        if key not in cache:
            cache.clear()
            cache[key] = step_span(random.Random(seed), size, survival, 10**6, noscan=noscan)
        run = cache[key]
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
        if run.nelems not in plots:
            plots[run.nelems] = viz.SpanBitsPlot(run.nelems)
        return plots[run.nelems].update(run, r["k"], title)

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
    w = LessonWidget(controls, compute, draw, extra=[button])
    w.step_button = button
    return w
