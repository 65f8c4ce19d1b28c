"""Pictures for lesson 03: lock acquisitions per 1000 allocations, level by level.

Draws :class:`gomem.contention.LockCounts`.  Returns the ``Figure``; explicit sizes, fixed
margins, ASCII text only.  One axes only: each matplotlib axes costs ~25 ms to build.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.ticker import FixedLocator, NullLocator

from gomem.contention import LEVELS
from gomem.viz.render import animate, still

LEVEL_COLOURS = {"one global lock": "tab:red", "mheap lock": "tab:orange",
                 "mcentral span-set ops": "tab:olive", "mcache": "tab:green"}
FLOOR = 0.3   # log axis: zero is drawn here, labelled "0"


def plot_locks(runs, current: int, title: str = ""):
    """Each level's count per 1000 allocations against GOMAXPROCS (log y); values at ``current``."""
    return still(LocksPlot(runs).update(current, title))


class LocksPlot:
    """The lock-count figure of one set of runs, built once; :meth:`update` moves the
    GOMAXPROCS marker.  The curves and axes are static; the marker line, the value labels,
    the legend (it lists the values) and the title are animated, so moving GOMAXPROCS
    redraws only those over the saved picture."""

    def __init__(self, runs):
        self.runs = runs
        self.fig, self.ax = fig, ax = plt.subplots(figsize=(10.5, 4.2))
        procs = [r.gomaxprocs for r in runs]
        self.lines = {}
        for k in LEVELS:
            ys = [max(r.per_1000()[k], FLOOR) for r in runs]
            (self.lines[k],) = ax.plot(procs, ys, marker="o", color=LEVEL_COLOURS[k],
                                       ls=":" if k == "mcache" else "-")
        self.values = {k: ax.annotate("", (procs[0], FLOOR), xytext=(7, 4),
                                      textcoords="offset points", fontsize=9,
                                      color=LEVEL_COLOURS[k], weight="bold", animated=True)
                       for k in LEVELS}
        self.marker = ax.axvline(procs[0], color="0.6", ls="--", lw=1, animated=True)
        ax.set_yscale("log")
        ax.set_ylim(FLOOR * 0.7, 8000)
        # plain numbers, not mathtext 10^k: easier to read and ~4x faster to render
        ax.yaxis.set_major_locator(FixedLocator([FLOOR, 1, 10, 100, 1000]))
        ax.yaxis.set_minor_locator(NullLocator())
        ax.set_yticklabels(["0", "1", "10", "100", "1000"])
        ax.set_xticks(procs)
        ax.set_xlim(procs[0] - 0.5, procs[-1] + max(1.0, 0.08 * procs[-1]))
        ax.set_xlabel("GOMAXPROCS (Ps allocating)")
        ax.set_ylabel("per 1000 allocations (log scale)")
        self.legend = ax.legend(list(self.lines.values()), [f"{k}: 0000 (no lock)" for k in LEVELS],
                                fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5),
                                title="per 1000 allocations\nat GOMAXPROCS=0",
                                title_fontsize=8)
        animate(self.legend)   # it lists the values: redrawn with them
        self.suptitle = self.fig.suptitle("", fontsize=9, x=0.5, animated=True)
        self.fig.subplots_adjust(left=0.08, right=0.74, bottom=0.13, top=0.9)

    def update(self, current: int, title: str = ""):
        """Mark ``current`` GOMAXPROCS; returns the figure."""
        now = next(r for r in self.runs if r.gomaxprocs == current).per_1000()
        for (k, label), entry in zip(self.values.items(), self.legend.get_texts()):
            label.set_text(f"{now[k]:.0f}")
            label.xy = (current, max(now[k], FLOOR))
            entry.set_text(f"{k}: {now[k]:.0f}" + (" (no lock)" if k == "mcache" else ""))
        self.legend.get_title().set_text(f"per 1000 allocations\nat GOMAXPROCS={current}")
        self.marker.set_xdata([current, current])
        self.suptitle.set_text(title)
        return self.fig
