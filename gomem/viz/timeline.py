"""Heap in use over alloc/GC cycles, split by span sweep state (lesson 07).

Draws a :class:`gomem.timeline.Timeline`; returns the ``Figure``.
"""

from __future__ import annotations

import matplotlib.pyplot as plt

from gomem.timeline import SWEEP_STATE_NAMES

STATE_COLORS = {"h-2": "#e6550d", "h-1": "#fdae6b", "h": "#31a354", "h+1": "#9e9ac8",
                "h+3": "#3182bd"}
# stacking order: cached spans at the bottom, unswept on top (what sweeping removes)
STACK = ("h+3", "h+1", "h", "h-1", "h-2")


def plot_timeline(tl, title: str = ""):
    """Top: heap in use (KiB) stacked by sweep state, live bytes dashed, GCs dotted.
    Bottom: number of spans in each state."""
    fig, (ax, ax2) = plt.subplots(2, 1, figsize=(11, 5.6), sharex=True,
                                  gridspec_kw={"height_ratios": [2.2, 1]})
    xs = [s.allocs for s in tl.samples]
    used = [st for st in STACK if any(s.spans[st] for s in tl.samples)]
    labels = [f"{st}: {SWEEP_STATE_NAMES[st]}" for st in used]
    ax.stackplot(xs, [[s.span_bytes[st] / 1024 for s in tl.samples] for st in used],
                 colors=[STATE_COLORS[st] for st in used], labels=labels, alpha=0.85,
                 step=None)
    ax.plot(xs, [s.live_bytes / 1024 for s in tl.samples], color="black", linestyle="--",
            linewidth=1.2, label="live objects (slot bytes)")
    ax2.stackplot(xs, [[s.spans[st] for s in tl.samples] for st in used],
                  colors=[STATE_COLORS[st] for st in used], alpha=0.85)
    for g in tl.gc_at:
        for a in (ax, ax2):
            a.axvline(g, color="grey", linestyle=":", linewidth=1)
    ax.set_ylabel("heap in use (KiB)")
    ax.set_ylim(bottom=0)
    ax.legend(loc="upper left", fontsize=8, ncol=2, framealpha=0.9)
    ax2.set_ylabel("spans")
    ax2.set_xlabel("allocations so far (dotted lines: a GC ran)")
    ax2.set_ylim(bottom=0)
    ax.set_title(title, fontsize=10)
    fig.subplots_adjust(left=0.08, right=0.98, top=0.9, bottom=0.1, hspace=0.08)
    return fig
