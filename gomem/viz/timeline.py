"""Heap in use over alloc/GC cycles, split by span sweep state (lesson 07).

Draws a :class:`gomem.timeline.Timeline`; returns the ``Figure``.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.ticker import MaxNLocator

from gomem.timeline import SWEEP_STATE_NAMES
from gomem.viz.render import animate, legend_for, still
from gomem.viz.scale import ValueTicks

STATE_COLORS = {"h-2": "#e6550d", "h-1": "#fdae6b", "h": "#31a354", "h+1": "#9e9ac8",
                "h+3": "#3182bd"}
# stacking order: cached spans at the bottom, unswept on top (what sweeping removes)
STACK = ("h+3", "h+1", "h", "h-1", "h-2")
# The states a sample of gc_cycles shows (nobody is mid-sweep, and each GC flushes the
# mcaches at once): the key always lists them, so full and lazy sweep share one (static) key.
KEY_STATES = ("h+3", "h", "h-2")


class TimelinePlot:
    """The timeline figure, built once and updated in place for each new timeline.

    Top: heap in use (KiB) stacked by sweep state, live bytes dashed, GCs dotted.
    Bottom: number of spans in each state.  x counts cycles (allocations / objects per
    cycle), so the x axis stays put; each panel's y axis is a
    :class:`gomem.viz.scale.ValueTicks` (0..1, the data divided by a round top whose tick
    values are animated texts); the key sits below the panels.  So an update only sets data and texts of
    animated artists (stacks, lines, tick values, the spines drawn over the stacks, title):
    axes, ticks, labels and key are the canvas's saved static layer and are not drawn
    again (see :class:`gomem.viz.render.WidgetCanvas`)."""

    def __init__(self):
        self.fig, (self.ax, self.ax2) = plt.subplots(
            2, 1, figsize=(11, 5.6), sharex=True, gridspec_kw={"height_ratios": [2.2, 1]})
        self.fig.subplots_adjust(left=0.08, right=0.98, top=0.9, bottom=0.145, hspace=0.08)
        self.ax2.set_xlabel("cycles so far (allocations / objects per cycle; dotted lines: "
                            "a GC ran)")
        self.ax2.xaxis.set_major_locator(MaxNLocator(integer=True))
        self.title = self.ax.set_title(" ", fontsize=10, animated=True)
        self.cycles = None                          # the x range shown
        self.bands, self.gcs, self.values = {}, {}, {}
        for ax, label, intervals in ((self.ax, "heap in use (KiB)", 4), (self.ax2, "spans", 3)):
            self.values[ax] = ValueTicks(ax, "y", intervals, label)
            self.bands[ax] = {st: ax.fill_between([0, 0], 0, 0, facecolor=STATE_COLORS[st],
                                                  alpha=0.85, label=f"{st}: {SWEEP_STATE_NAMES[st]}")
                              for st in STACK}
            self.gcs[ax] = ax.vlines([], 0, 1, transform=ax.get_xaxis_transform(),
                                     color="grey", linestyle=":", linewidth=1)
            animate(*self.bands[ax].values(), self.gcs[ax], *ax.spines.values())
        (self.live,) = self.ax.plot([], [], color="black", linestyle="--", linewidth=1.2,
                                    label="live objects (slot bytes)")
        animate(self.live, self.title)
        self.timeline = None

    def update(self, tl, title: str = ""):
        """Show ``tl``; returns the figure."""
        self.title.set_text(title)
        if tl is self.timeline:
            return self.fig
        if tl.cycles != self.cycles:      # a new x range: the next frame is drawn in full
            self.cycles = tl.cycles
            self.ax2.set_xlim(0, tl.cycles)
        ax, ax2 = self.ax, self.ax2
        xs = np.array([s.allocs for s in tl.samples]) / tl.objects_per_cycle
        gcs = np.array(tl.gc_at) / tl.objects_per_cycle
        kib = np.array([[s.span_bytes[st] for s in tl.samples] for st in STACK]) / 1024
        spans = np.array([[s.spans[st] for s in tl.samples] for st in STACK])
        tops = {}
        for a, data in ((ax, kib), (ax2, spans)):
            tops[a] = self.values[a].show(data.sum(axis=0).max())
            edges = np.vstack([np.zeros(len(xs)), data.cumsum(axis=0)]) / tops[a]
            for st, below, above in zip(STACK, edges, edges[1:]):
                self.bands[a][st].set_data(xs, below, above)
            self.gcs[a].set_segments([[(x, 0), (x, 1)] for x in gcs])
        self.live.set_data(xs, np.array([s.live_bytes for s in tl.samples]) / 1024 / tops[ax])
        key = [st for i, st in enumerate(STACK) if st in KEY_STATES or kib[i].any()]
        legend_for(self.fig, [self.bands[ax][st] for st in key] + [self.live], loc="lower center",
                   fontsize=8, ncol=len(key) + 1, frameon=False, bbox_to_anchor=(0.5, 0))
        self.timeline = tl
        return self.fig


def plot_timeline(tl, title: str = ""):
    """A new :class:`TimelinePlot` figure showing ``tl``."""
    return still(TimelinePlot().update(tl, title))
