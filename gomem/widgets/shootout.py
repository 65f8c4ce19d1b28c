"""Lesson 09 widget: pick a trace (shape, seed, size) and allocators -> heap plot + table.

``w = shootout_widget()``; set ``w.controls[name].value`` and read ``w.result`` (the
:class:`gomem.shootout.ReplayResult` list and the parameters), ``w.title``,
``w.figure`` and ``w.table_html`` — no browser needed.  Replays are cached, so going
back to a setting redraws without replaying; a replay that is not cached moves the
progress bar (``w.progress``) through the replay's progress hook; figures are cached
too (the last 24 settings).  ``w.timings`` holds
the last update's compute and draw seconds (for measuring; never printed in notebooks).
"""

from __future__ import annotations

import time

import ipywidgets as widgets
import matplotlib.pyplot as plt

from gomem.errors import GoMemError
from gomem.shootout.generate import SHAPES, generate
from gomem.shootout.replay import replay, table_html
from gomem.viz.shootout import plot_replay

POLICY_SETS = {"Go vs first-fit vs best-fit": ("go", "first-fit", "best-fit"),
               "Go vs first-fit": ("go", "first-fit"), "Go only": ("go",),
               "first-fit only": ("first-fit",), "best-fit only": ("best-fit",)}
OPS = (1000, 2000, 5000, 20000)
GOGC = (25, 50, 100, 200, 400)
FIGURE_CACHE = 24


class ShootoutWidget:
    """Controls, a progress bar, the figure and the table; recomputes on every change."""

    def __init__(self, seed: int = 0, shape: str = "small", ops: int = 2000,
                 policies: str = "Go vs first-fit vs best-fit", gogc: int = 100):
        self.cache: dict[tuple, object] = {}       # (shape, seed, ops, policy, gogc) -> result
        self.figures: dict[tuple, object] = {}     # control values -> Figure (newest last)
        self.traces: dict[tuple, object] = {}
        self.controls = {
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
        self.output = widgets.Output()
        self.result = self.figure = None
        self.error = None
        self.updates = 0
        self.timings = {"compute": 0.0, "draw": 0.0}
        self.replays = 0            # replays actually run (cache misses)
        for c in self.controls.values():
            c.observe(lambda _change: self.update(), names="value")
        ctl = list(self.controls.values())
        self.box = widgets.VBox([widgets.HBox(ctl[:3]), widgets.HBox(ctl[3:] + [self.progress]),
                                 self.output, self.table])
        self.update()

    def params(self) -> dict:
        return {name: c.value for name, c in self.controls.items()}

    # --- model ----------------------------------------------------------------------------
    def _trace(self, shape, seed, ops):
        key = (shape, seed, ops)
        if key not in self.traces:
            self.traces[key] = generate(shape, ops, seed)
        return self.traces[key]

    def _on_progress(self, done: int, total: int) -> None:
        self.progress.value = 100 * done // max(total, 1)

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
        return {"shape": shape, "seed": seed, "ops": ops, "policies": POLICY_SETS[policies],
                "gogc": gogc, "trace": trace, "results": results}

    def title_for(self, r: dict) -> str:
        t = r["trace"]
        n = {k: sum(1 for o in t.ops if o.kind == k) for k in "afr"}
        utils = ", ".join(f"{x.label} {100 * x.utilisation:.0f}%" for x in r["results"])
        return (f"trace '{r['shape']}' (seed {r['seed']}): {r['ops']} ops = {n['a']} malloc, "
                f"{n['f']} free, {n['r']} realloc; Go: GOGC={r['gogc']}, pointer-free objects\n"
                f"utilisation (peak payload / peak heap): {utils}")

    # --- view -----------------------------------------------------------------------------
    def update(self) -> None:
        t0 = time.perf_counter()
        try:
            result = self.compute(**self.params())
        except GoMemError as err:      # e.g. a bad value typed in: say so, keep the old plot
            self.error = str(err)
            self.table.value = f"<b>error:</b> {self.error}"
            return
        self.error = None
        t1 = time.perf_counter()
        key = tuple(self.params().values())
        fig = self.figures.pop(key, None)          # drawn before: reuse (and mark as newest)
        if fig is None:
            fig = plot_replay(result["results"], self.title_for(result))
            plt.close(fig)       # pyplot forgets it; it stays drawable for display and tests
        self.figures[key] = fig
        while len(self.figures) > FIGURE_CACHE:
            self.figures.pop(next(iter(self.figures)))
        t2 = time.perf_counter()
        self.result, self.figure = result, fig
        self.table_html = table_html(result["results"])
        self.table.value = self.table_html
        self.timings = {"compute": t1 - t0, "draw": t2 - t1}
        self.updates += 1
        self._show(fig)

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
        return "" if self.figure is None else self.figure.get_suptitle()

    def _ipython_display_(self):
        from IPython.display import display
        display(self.box)


def shootout_widget(seed: int = 0, shape: str = "small", ops: int = 2000,
                    policies: str = "Go vs first-fit vs best-fit", gogc: int = 100) -> ShootoutWidget:
    """Trace shape / seed / size, allocators and GOGC -> heap over time, breakdown, table."""
    return ShootoutWidget(seed, shape, ops, policies, gogc)
