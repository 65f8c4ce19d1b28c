"""Time every lesson widget's update, in-process (no browser, no kernel).

Finds each ``*_widget`` builder in ``gomem.widgets.*`` that can be called with its
defaults, builds it, then moves each of its controls one step at a time (next option,
next value, toggle) and times the synchronous recompute + redraw that follows.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import statistics
import time

import matplotlib

matplotlib.use("Agg")


def _builders():
    import gomem.widgets as pkg
    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda m: m.name):
        mod = importlib.import_module(f"gomem.widgets.{info.name}")
        for name, fn in inspect.getmembers(mod, inspect.isfunction):
            if name.endswith("_widget") and fn.__module__ == mod.__name__ and all(
                    p.default is not p.empty or p.kind in (p.VAR_KEYWORD, p.VAR_POSITIONAL)
                    for p in inspect.signature(fn).parameters.values()):
                yield f"{info.name}.{name}", fn


def _next_value(control):
    """A different valid value for a control, or None if it cannot be moved."""
    if hasattr(control, "options") and len(control.options) > 1:
        values = [o[1] if isinstance(o, tuple) else o for o in control.options]
        return values[(values.index(control.value) + 1) % len(values)] \
            if control.value in values else values[0]
    if isinstance(control.value, bool):
        return not control.value
    if hasattr(control, "max") and hasattr(control, "step") and not isinstance(control.value, tuple):
        step = control.step or 1
        up = control.value + step
        return up if up <= control.max else control.value - step
    return None


def time_widgets(moves: int = 6) -> list[dict]:
    """Median and worst milliseconds per update (recompute + redraw + PNG) per widget.

    Updates a widget flags as long (``w.long_update``: the shoot-out replaying a trace of
    thousands of operations, with its progress bar moving) get a row of their own."""
    rows = []
    for name, build in _builders():
        w = build()
        w.png   # the first picture: in a kernel it is drawn when the cell runs, not on a move
        times, long_times = [], []
        for control in getattr(w, "controls", {}).values():
            for _ in range(moves // max(1, len(w.controls)) + 1):
                value = _next_value(control)
                if value is None:
                    break
                t = time.perf_counter()
                control.value = value
                w.png   # in a kernel the update renders this PNG for the output area
                (long_times if getattr(w, "long_update", False) else times).append(
                    (time.perf_counter() - t) * 1e3)
        for label, ts in ((name, times), (f"{name} (long, progress bar)", long_times)):
            if ts:
                rows.append({"widget": label, "updates": len(ts),
                             "median_ms": round(statistics.median(ts), 1),
                             "max_ms": round(max(ts), 1)})
        import matplotlib.pyplot as plt
        plt.close("all")
    return rows
