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
import matplotlib.pyplot as plt

from gomem.errors import GoMemError
from gomem.realgo import lesson
from gomem.realgo.cli import workload_table
from gomem.viz import realgo as viz


def workload_title(wl, src: lesson.Source) -> str:
    kind = "LIVE" if src.live else "RECORDED"
    return (f"{wl.describe()}, {lesson.MODE_NAMES[wl.mode]}: gomem vs {kind} "
            f"{src.go_version(wl.mode)} - {'agree' if wl.ok else 'DISAGREE'}")


class RealGoWidget:
    """Controls + status line + plot + table; reruns the check on every control change."""

    def __init__(self, src: lesson.Source, size: int = 24, count: int = 2000,
                 pointers: bool = True, mode: str = "greentea"):
        self.src = src
        self.controls = {
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
        self.status = ""
        self.result = self.figure = self.error = None
        self.table = ""
        self.updates = 0
        self._status = widgets.HTML()
        self._out = widgets.Output()
        self._table = widgets.HTML()
        for c in self.controls.values():
            c.observe(lambda _change: self.update(), names="value")
        self.box = widgets.VBox([widgets.HBox([self.controls["size"], self.controls["count"]]),
                                 widgets.HBox([self.controls["pointers"], self.controls["mode"]]),
                                 self._status, self._out, self._table])
        self.update()

    def params(self) -> dict:
        return {name: c.value for name, c in self.controls.items()}

    def update(self) -> None:
        p = self.params()
        size, noscan = p["size"], not p["pointers"]
        notes = []
        if not noscan and size % 8:
            size = max(8, size - size % 8)
            notes.append(f"pointerful sizes are multiples of 8: using {size} B")
        try:
            wl = lesson.check_workload(self.src, p["mode"], size, p["count"], noscan)
        except (GoMemError, ValueError) as err:   # bad value, or the probe failed: say so
            self.error = str(err)
            self._status.value = f"<b>error:</b> <pre>{html.escape(self.error)}</pre>"
            return
        self.error = None
        if wl.note:
            notes.append(wl.note)
        version = self.src.go_version(p["mode"])
        src = (f"LIVE: {version} measured now ({self.src.toolchain.go})" if self.src.live
               else f"RECORDED: {version} results shipped with gomem ({self._why()}; "
                    "pip install -e \".[go]\" to measure live)")
        self.status = src + "".join(f"\nnote: {n}" for n in notes)
        fig = viz.plot_workload(wl, workload_title(wl, self.src))
        if self.figure is not None:
            plt.close(self.figure)
        self.result, self.figure = wl, fig
        self.table = "\n".join(workload_table(wl))
        self.updates += 1
        self._status.value = "<br>".join(html.escape(s) for s in self.status.split("\n"))
        self._table.value = f"<pre style='font-size:11px'>{html.escape(self.table)}</pre>"
        self._show(fig)
        plt.close(fig)

    def _why(self) -> str:
        return ("no Go toolchain found" if self.src.reason.startswith("no Go toolchain")
                else self.src.reason)

    def _show(self, fig) -> None:
        try:
            from IPython import get_ipython
            from IPython.display import clear_output, display
        except ImportError:  # pragma: no cover
            return
        if get_ipython() is None:
            return
        with self._out:
            clear_output(wait=True)
            display(fig)

    @property
    def title(self) -> str:
        return self.figure.get_suptitle() if self.figure is not None else ""

    def _ipython_display_(self):
        from IPython.display import display
        display(self.box)


def workload_widget(src: lesson.Source | None = None, **defaults) -> RealGoWidget:
    """The lesson's widget; ``src`` defaults to a new :class:`lesson.Source` (live if Go is
    found, else recorded)."""
    return RealGoWidget(src or lesson.Source(), **defaults)
