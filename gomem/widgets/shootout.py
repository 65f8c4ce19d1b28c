"""Lesson 09 widget: pick a trace (shape, seed, size) and allocators -> heap plot + table.

``w = shootout_widget()``; set ``w.controls[name].value`` and read ``w.result`` (the
:class:`gomem.shootout.ReplayResult` list and the parameters), ``w.title``,
``w.figure`` and ``w.table_html`` — no browser needed.  Replays are cached, so going
back to a setting redraws without replaying; a replay that is not cached moves the
progress bar (``w.progress``) through the replay's progress hook; ``w.long_update`` says
the last update replayed a trace of at least :data:`LONG_OPS` operations.  The figure is one
:class:`gomem.viz.shootout.ReplayPlot`, updated in place (its panels and title are
animated, so a frame redraws only them).  ``w.timings`` holds
the last update's compute and draw seconds (for measuring; never printed in notebooks).
"""

from __future__ import annotations

from collections import Counter

import ipywidgets as widgets

from gomem.shootout.generate import SHAPES, generate
from gomem.shootout.replay import replay, table_html
from gomem.viz.shootout import ReplayPlot
from gomem.widgets.base import PlotWidget

POLICY_SETS = {"Go vs first-fit vs best-fit": ("go", "first-fit", "best-fit"),
               "Go vs first-fit": ("go", "first-fit"), "Go only": ("go",),
               "first-fit only": ("first-fit",), "best-fit only": ("best-fit",)}
OPS = (1000, 2000, 5000, 20000)
LONG_OPS = 5000   # replaying a trace this long is a long update: the progress bar shows it
GOGC = (25, 50, 100, 200, 400)


class ShootoutWidget(PlotWidget):
    """A :class:`PlotWidget` with a progress bar, a results table and a cache of replays."""

    def __init__(self, seed: int = 0, shape: str = "small", ops: int = 2000,
                 policies: str = "Go vs first-fit vs best-fit", gogc: int = 100):
        self.cache: dict[tuple, object] = {}       # (shape, seed, ops, policy, gogc) -> result
        self.plot: ReplayPlot | None = None
        self.traces: dict[tuple, object] = {}
        controls = {
            "shape": widgets.Dropdown(options=list(SHAPES), value=shape, description="trace"),
            "seed": widgets.BoundedIntText(seed, min=0, max=9999, description="seed",
                                           layout=widgets.Layout(width="150px")),
            "ops": widgets.Dropdown(options=list(OPS), value=ops, description="ops",
                                    layout=widgets.Layout(width="160px")),
            "policies": widgets.Dropdown(options=list(POLICY_SETS), value=policies,
                                         description="allocators"),
            "gogc": widgets.Dropdown(options=list(GOGC), value=gogc, description="GOGC",
                                     layout=widgets.Layout(width="160px")),
        }
        self.progress = widgets.IntProgress(0, min=0, max=100, description="replay",
                                            layout=widgets.Layout(width="300px"))
        self.table = widgets.HTML()
        self.table_html = ""
        self.replays = 0            # replays actually run (cache misses)
        self.long_update = False    # the last update replayed a trace of >= LONG_OPS ops
        ctl = list(controls.values())
        super().__init__(controls, rows=[ctl[:3], ctl[3:] + [self.progress]],
                         below=[self.table])

    # --- model ----------------------------------------------------------------------------
    def _trace(self, shape, seed, ops):
        key = (shape, seed, ops)
        if key not in self.traces:
            self.traces[key] = generate(shape, ops, seed)
        return self.traces[key]

    def _on_progress(self, done: int, total: int) -> None:
        """Move the bar in steps of 5%: each step is a message to the browser (~0.1 ms
        here, more over a network), and a replay reports progress 100 times (setting the
        bar, even to its value, costs ~25 us: only a new step is set)."""
        pct = 100 * done // max(total, 1)
        if pct - pct % 5 != self.progress.value:
            self.progress.value = pct - pct % 5

    def compute(self, shape, seed, ops, policies, gogc) -> dict:
        trace = self._trace(shape, seed, ops)
        todo = [p for p in POLICY_SETS[policies]
                if (shape, seed, ops, p, gogc if p == "go" else None) not in self.cache]
        done_ops, total = 0, len(todo) * ops
        results = []
        for p in POLICY_SETS[policies]:
            key = (shape, seed, ops, p, gogc if p == "go" else None)
            if key not in self.cache:
                def hook(d, _n, base=done_ops):
                    self._on_progress(base + d, total)
                self.cache[key] = replay(trace, p, progress=hook,
                                         **({"gogc": gogc} if p == "go" else {}))
                self.replays += 1
                done_ops += ops
            results.append(self.cache[key])
        if not todo:
            self.progress.value = 100
        self.long_update = bool(todo) and ops >= LONG_OPS
        return {"shape": shape, "seed": seed, "ops": ops, "policies": POLICY_SETS[policies],
                "gogc": gogc, "trace": trace, "results": results}

    def title_for(self, r: dict) -> str:
        n = Counter(o.kind for o in r["trace"].ops)
        utils = ", ".join(f"{x.label} {100 * x.utilisation:.0f}%" for x in r["results"])
        return (f"trace '{r['shape']}' (seed {r['seed']}): {r['ops']} ops = {n['a']} malloc, "
                f"{n['f']} free, {n['r']} realloc; Go: GOGC={r['gogc']}, pointer-free objects\n"
                f"utilisation (peak payload / peak heap): {utils}")

    # --- view -----------------------------------------------------------------------------
    def draw(self, result: dict):
        if self.plot is None:              # made for the first picture, then updated in place
            self.plot = ReplayPlot()
        return self.plot.update(result["results"], self.title_for(result))

    def after_update(self, result: dict) -> None:
        self.table_html = table_html(result["results"])
        self.table.value = self.table_html

    def show_error(self, message: str) -> None:   # the table says it; the plot stays
        self.table.value = f"<b>error:</b> {message}"


def shootout_widget(seed: int = 0, shape: str = "small", ops: int = 2000,
                    policies: str = "Go vs first-fit vs best-fit", gogc: int = 100) -> ShootoutWidget:
    """Trace shape / seed / size, allocators and GOGC -> heap over time, breakdown, table."""
    return ShootoutWidget(seed, shape, ops, policies, gogc)
