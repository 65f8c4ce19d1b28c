"""The widget of lesson 08: pick a workload, run it on the real Go runtime, see both answers.

:func:`workload_widget` returns a :class:`RealGoWidget`: controls for the object size, the
count, pointers or not and the GC mode; every change runs the workload through gomem and
through Go (live if a toolchain was found, else the nearest recorded go1.27.3 workload, and
the status line says which) and shows a bar plot and the text table of ``gomem realgo``.
The widget keeps the last ``result`` (a :class:`gomem.realgo.lesson.WorkloadCheck`),
``figure``, ``table`` and ``status``, so tests set ``w.controls["size"].value = 112`` and
check them without a browser.  The figure title states the current parameters and source.
"""

from __future__ import annotations

import html

import ipywidgets as widgets

from gomem.errors import GoMemError
from gomem.realgo import lesson
from gomem.realgo.cli import workload_table
from gomem.viz import realgo as viz
from gomem.widgets.base import PlotWidget


def workload_title(wl, src: lesson.Source) -> str:
    kind = "LIVE" if src.live else "RECORDED"
    return (f"{wl.describe()}, {lesson.MODE_NAMES[wl.mode]}: gomem vs {kind} "
            f"{src.go_version(wl.mode)} - {'agree' if wl.ok else 'DISAGREE'}")


class RealGoWidget(PlotWidget):
    """A :class:`PlotWidget` with a status line (where Go's answer came from) above the plot
    and the text table below it; reruns the check on every control change.

    Checks are memoised per setting (mode, size, count, pointers): going back to a setting
    redraws without running the probe again.  A live probe run takes ~20 ms once the probe
    for that GC mode is built; building one takes ~0.5 s, so the widget has its source
    build both modes' probes in the background as it starts (the shown mode's first), and
    a switch of GC mode finds its probe ready.  The figure is one
    :class:`gomem.viz.realgo.WorkloadPlot`, updated in place.
    """

    errors = (GoMemError, ValueError)   # a bad value, or the probe failed: say so

    def __init__(self, src: lesson.Source, size: int = 24, count: int = 2000,
                 pointers: bool = True, mode: str = "greentea"):
        self.src = src
        self.status = ""
        self.table = ""
        self._checks: dict[tuple, object] = {}
        self.plot: viz.WorkloadPlot | None = None
        self._status = widgets.HTML()
        self._table = widgets.HTML()
        c = {
            "size": widgets.BoundedIntText(size, min=1, max=1_000_000, description="size (B)",
                                           continuous_update=False),
            "count": widgets.BoundedIntText(count, min=1, max=lesson.MAX_COUNT,
                                            description="count", continuous_update=False),
            "pointers": widgets.ToggleButtons(options=[("pointerful", True),
                                                       ("pointer-free", False)],
                                              value=pointers, description="objects"),
            "mode": widgets.ToggleButtons(options=[("Green Tea", "greentea"),
                                                   ("classic", "classic")],
                                          value=mode, description="GC"),
        }
        src.prepare(sorted(lesson.MODES, key=lambda m: m != mode))
        super().__init__(c, rows=[[c["size"], c["count"]], [c["pointers"], c["mode"]]],
                         above=[self._status], below=[self._table])

    def compute(self, size, count, pointers, mode):
        noscan = not pointers
        notes = []
        if not noscan and size % 8:
            size = max(8, size - size % 8)
            notes.append(f"pointerful sizes are multiples of 8: using {size} B")
        key = (mode, size, count, noscan)
        if key not in self._checks:
            self._checks[key] = lesson.check_workload(self.src, mode, size, count, noscan)
        wl = self._checks[key]
        if wl.note:
            notes.append(wl.note)
        version = self.src.go_version(mode)
        src = (f"LIVE: {version} measured now ({self.src.toolchain.go})" if self.src.live
               else f"RECORDED: {version} results shipped with gomem ({self._why()}; "
                    "pip install -e \".[go]\" to measure live)")
        self.status = src + "".join(f"\nnote: {n}" for n in notes)
        return wl

    def draw(self, wl):
        if self.plot is None:              # made for the first picture, then updated in place
            self.plot = viz.WorkloadPlot()
        return self.plot.update(wl, workload_title(wl, self.src))

    def after_update(self, wl) -> None:
        self.table = "\n".join(workload_table(wl))
        self._status.value = "<br>".join(html.escape(s) for s in self.status.split("\n"))
        self._table.value = f"<pre style='font-size:11px'>{html.escape(self.table)}</pre>"

    def show_error(self, message: str) -> None:
        self._status.value = f"<b>error:</b> <pre>{html.escape(message)}</pre>"

    def _why(self) -> str:
        return ("no Go toolchain found" if self.src.reason.startswith("no Go toolchain")
                else self.src.reason)


def workload_widget(src: lesson.Source | None = None, **defaults) -> RealGoWidget:
    """The lesson's widget; ``src`` defaults to a new :class:`lesson.Source` (live if Go is
    found, else recorded)."""
    return RealGoWidget(src or lesson.Source(), **defaults)
