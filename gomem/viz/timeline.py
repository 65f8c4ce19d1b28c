"""Heap in use over alloc/GC cycles, split by span sweep state (lesson 07).

Draws a :class:`gomem.timeline.Timeline`; returns the ``Figure``.
"""

from __future__ import annotations

import matplotlib.pyplot as plt

from gomem.timeline import SWEEP_STATE_NAMES
from gomem.viz.render import legend_for, still

STATE_COLORS = {"h-2": "#e6550d", "h-1": "#fdae6b", "h": "#31a354", "h+1": "#9e9ac8",
                "h+3": "#3182bd"}
# stacking order: cached spans at the bottom, unswept on top (what sweeping removes)
STACK = ("h+3", "h+1", "h", "h-1", "h-2")


class TimelinePlot:
    """The timeline figure, built once and redrawn in place for each new timeline.

    Top: heap in use (KiB) stacked by sweep state, live bytes dashed, GCs dotted.
    Bottom: number of spans in each state.  :meth:`update` swaps the stacks and lines (the
    legend only when other states show up) but keeps the axes and their ticks (creating those is most of a new figure's
    cost); the title is animated, so a title-only change redraws just the title."""

    def __init__(self):
        self.fig, (self.ax, self.ax2) = plt.subplots(
            2, 1, figsize=(11, 5.6), sharex=True, gridspec_kw={"height_ratios": [2.2, 1]})
        self.ax.set_ylabel("heap in use (KiB)")
        self.ax2.set_ylabel("spans")
        self.ax2.set_xlabel("allocations so far (dotted lines: a GC ran)")
        self.title = self.ax.set_title(" ", fontsize=10, animated=True)
        self.fig.subplots_adjust(left=0.08, right=0.98, top=0.9, bottom=0.1, hspace=0.08)
        self.drawn: list = []       # artists of the current timeline
        self.timeline = None

    def update(self, tl, title: str = ""):
        """Show ``tl``; returns the figure."""
        self.title.set_text(title)
        if tl is self.timeline:
            return self.fig
        for artist in self.drawn:
            artist.remove()
        ax, ax2 = self.ax, self.ax2
        xs = [s.allocs for s in tl.samples]
        used = [st for st in STACK if any(s.spans[st] for s in tl.samples)]
        colors = [STATE_COLORS[st] for st in used]
        self.drawn = ax.stackplot(xs, [[s.span_bytes[st] / 1024 for s in tl.samples]
                                       for st in used], colors=colors, alpha=0.85,
                                  labels=[f"{st}: {SWEEP_STATE_NAMES[st]}" for st in used])
        self.drawn += ax.plot(xs, [s.live_bytes / 1024 for s in tl.samples], color="black",
                              linestyle="--", linewidth=1.2, label="live objects (slot bytes)")
        self.drawn += ax2.stackplot(xs, [[s.spans[st] for s in tl.samples] for st in used],
                                    colors=colors, alpha=0.85)
        self.drawn += [a.vlines(tl.gc_at, 0, 1, transform=a.get_xaxis_transform(),
                                color="grey", linestyle=":", linewidth=1) for a in (ax, ax2)]
        for a in (ax, ax2):
            a.relim()
            a.autoscale()
            a.set_ylim(bottom=0)
        legend_for(ax, ax.get_legend_handles_labels()[0], loc="upper left", fontsize=8, ncol=2,
                   framealpha=0.9)
        self.timeline = tl
        return self.fig


def plot_timeline(tl, title: str = ""):
    """A new :class:`TimelinePlot` figure showing ``tl``."""
    return still(TimelinePlot().update(tl, title))
