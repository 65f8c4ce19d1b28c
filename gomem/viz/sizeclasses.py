"""Pictures for lesson 04 (size classes): waste charts and where a request lands in its span.

Every function draws data computed by :mod:`gomem.sizeclasses` / :mod:`gomem.course.layout`
and returns the ``Figure``.  Explicit figure sizes, ASCII text only, fixed margins (no
``tight_layout``: widgets redraw these often).  The widgets' figures, :class:`WastePlot` and
:class:`PlacementPlot`, are built once and updated in place.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.collections import LineCollection
from matplotlib.patches import Rectangle

from gomem.sizeclasses import PAGE_SIZE
from gomem.viz.render import animate, still
from gomem.viz.scale import MovingTicks, ValueTicks

KIND_COLOURS = {"slots": "white", "tail": "0.75", "heap bits": "tab:purple",
                "inline mark bits": "tab:green"}


def plot_max_waste(classes, current: int | None = None, title: str = ""):
    """Max waste (%) per size class, split into round-up and tail waste; 12.5 % rule line.

    ``classes`` is :data:`gomem.sizeclasses.CLASSES`; ``current`` highlights one class.
    """
    rows = [c for c in classes if c.size]
    x = [c.sizeclass for c in rows]
    total = [100 * c.max_waste for c in rows]
    tail = [100 * c.tail_waste / c.span_bytes for c in rows]
    fig, ax = plt.subplots(figsize=(11, 4))
    ax.bar(x, total, color="tab:blue", label="worst case: round-up + tail")
    ax.bar(x, tail, color="0.45", label="tail waste (span bytes after the last slot)")
    if current:
        ax.bar([current], [total[current - 1]], color="tab:red", label=f"class {current}")
    ax.axhline(12.5, color="tab:red", ls="--", lw=1)
    ax.text(68.3, 12.5, "12.5%\ntail rule", color="tab:red", fontsize=8, va="center")
    for c, t in zip(rows, total):
        if c.sizeclass in (1, 2, 5, 19, 27, 52, 67):
            ax.text(c.sizeclass, t + 1.5, f"{c.size} B", ha="center", fontsize=7, rotation=90)
    ax.set_xlabel("size class (1 = 8 B ... 67 = 32 KiB)")
    ax.set_ylabel("% of the span wasted")
    ax.set_xlim(0.3, 72.5)
    ax.set_ylim(0, 100)
    ax.legend(fontsize=8, loc="upper right")
    ax.set_title(title, fontsize=10)
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.13, top=0.9)
    return fig


def plot_waste_curve(sizes, pct, class_bounds=(), mark: tuple | None = None, title: str = ""):
    """Internal waste (% of the slot) against request size: the sawtooth of rounding up.

    ``mark`` = (size, percent) puts a labelled dot on the curve.
    """
    return still(WastePlot().update(sizes, pct, class_bounds, mark, title))


class WastePlot:
    """The waste sawtooth, built once; :meth:`update` draws another range of sizes.

    Both axes are fixed at 0..1: x runs from the first to the last size (:class:`MovingTicks`
    writes the sizes), y from 0 to a round top above the worst waste
    (:class:`gomem.viz.scale.ValueTicks`).  Curve, fill, class lines, worst-case dot, tick
    values, title and the frame over them are animated, so a new range or a pointer switch
    redraws only those over the saved picture."""

    def __init__(self):
        self.fig, ax = plt.subplots(figsize=(10, 3.6))
        self.ax = ax
        self.x = MovingTicks(ax, 12, "requested bytes (grey lines: class sizes)")
        self.y = ValueTicks(ax, "y", 5, "waste in the slot (%)", width=3)
        self.bounds = ax.add_collection(LineCollection([], colors="0.85", lw=0.6, zorder=0),
                                        autolim=False)
        self.fill = ax.fill_between([0, 1], [0, 0], color="tab:blue", alpha=0.15)
        (self.curve,) = ax.plot([], [], color="tab:blue", lw=1)
        (self.dot,) = ax.plot([], [], "o", color="tab:red")
        self.label = ax.annotate("", (0, 0), xytext=(6, -4), textcoords="offset points",
                                 fontsize=8, color="tab:red")
        ax.set_title(" ", fontsize=10)
        self.fig.subplots_adjust(left=0.08, right=0.98, bottom=0.15, top=0.88)
        animate(self.bounds, self.fill, self.curve, self.dot, self.label, ax.title,
                *ax.spines.values())

    def update(self, sizes, pct, class_bounds=(), mark: tuple | None = None, title: str = ""):
        """Draw waste ``pct`` against ``sizes`` (ascending); grey lines at ``class_bounds``,
        a dot at ``mark`` = (size, percent); returns the figure."""
        lo, span = sizes[0], max(sizes[-1] - sizes[0], 1)
        top = self.y.show(max(max(pct), 1))
        xs = (np.asarray(sizes) - lo) / span
        ys = np.asarray(pct) / top
        self.x.show_range(lo, sizes[-1], str)
        self.curve.set_data(xs, ys)
        self.fill.set_data(xs, ys, 0)
        self.bounds.set_segments([[((b - lo) / span, 0), ((b - lo) / span, 1)]
                                  for b in class_bounds])
        self.dot.set_visible(mark is not None)
        self.label.set_visible(mark is not None)
        if mark is not None:
            size, y = mark
            self.dot.set_data([(size - lo) / span], [y / top])
            self.label.xy = ((size - lo) / span, y / top)
            self.label.set_text(f"worst: {size} B, {y:.1f}%")
        self.ax.title.set_text(title)
        return self.fig


def plot_placement(pl, title: str = ""):
    """Top: the whole span (pages, slots, reserved bytes); bottom: the request's own slot."""
    return still(PlacementPlot().update(pl, title))


class PlacementPlot:
    """One request's span (top) and slot (bottom), built once; :meth:`update` draws another
    request in place.

    Each panel's x axis is fixed at 0..1 (the span, the slot) and :class:`MovingTicks` writes
    its bytes; the span's runs, slot and page lines, the slot's parts, their labels, the
    legend (it lists the bytes of each kind), the titles and the frames over them are
    animated, so a new request redraws only those over the saved picture."""

    PARTS = {"header": "tab:purple", "object": "tab:orange", "waste": "0.8"}

    def __init__(self):
        self.fig, (top, bot) = plt.subplots(2, 1, figsize=(11, 3.6),
                                            gridspec_kw={"height_ratios": [1, 1]})
        self.top, self.bot = top, bot
        # -- the span: one run per kind, slot lines, slot 0, page lines
        self.runs = {k: top.add_patch(Rectangle((0, 0), 0, 1, facecolor=c, edgecolor="0.3",
                                                lw=0.6))
                     for k, c in KIND_COLOURS.items()}
        self.slot_lines = top.add_collection(LineCollection([], colors="0.55"), autolim=False)
        self.slot0 = top.add_patch(Rectangle((0, 0), 0, 1, facecolor="tab:orange",
                                             edgecolor="0.3", lw=0.6))
        self.page_lines = top.add_collection(LineCollection([], colors="k", lw=1.2),
                                             autolim=False)
        top.text(0, 1.15, "slot 0: this object", fontsize=8, color="tab:orange", va="bottom")
        self.legend = top.legend([Rectangle((0, 0), 1, 1, facecolor=c, edgecolor="0.3")
                                  for c in KIND_COLOURS.values()], list(KIND_COLOURS),
                                 fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.12),
                                 ncol=4, frameon=False)
        self.pages = MovingTicks(top, 17, fontsize=7)
        top.set_ylim(-0.3, 1.6)
        top.set_yticks([])
        top.set_title(" ", fontsize=9)
        # -- the slot: header, object, round-up waste
        self.parts = {k: bot.add_patch(Rectangle((0, 0), 0, 1, facecolor=c, edgecolor="0.3"))
                      for k, c in self.PARTS.items()}
        self.part_labels = {k: bot.text(0, 0, "") for k in self.PARTS}
        self.bytes = MovingTicks(bot, 12, "bytes inside the slot", fontsize=7, labelsize=8)
        bot.set_ylim(-0.1, 1.5)
        bot.set_yticks([])
        bot.set_title(" ", fontsize=9)
        self.suptitle = self.fig.suptitle(" ", fontsize=10)
        self.fig.subplots_adjust(left=0.03, right=0.98, bottom=0.13, top=0.84, hspace=1.0)
        animate(*top.patches, *top.collections, *top.texts, self.legend, top.title,
                *top.spines.values(), *bot.patches, *bot.texts, bot.title,
                *bot.spines.values(), self.suptitle)

    def update(self, pl, title: str = ""):
        """Draw placement ``pl`` (:class:`gomem.course.layout.Placement`); returns the figure."""
        span = pl.span_bytes
        # -- the span
        segments = {kind: (off, length) for off, length, kind in pl.segments()}
        for kind, run in self.runs.items():
            off, length = segments.get(kind, (0, 0))
            run.set_bounds(off / span, 0, length / span, 1)
            run.set_visible(length > 0)
        self.slot_lines.set_segments([[(i * pl.slot / span, 0), (i * pl.slot / span, 1)]
                                      for i in range(1, pl.nelems)])
        self.slot_lines.set_linewidth(0.5 if pl.nelems <= 128 else 0.25)
        self.slot0.set_width(pl.slot / span)
        self.page_lines.set_segments([[(p / pl.npages, -0.25), (p / pl.npages, 1.25)]
                                      for p in range(1, pl.npages)])
        for entry, kind in zip(self.legend.get_texts(), KIND_COLOURS):
            entry.set_text(f"{kind} ({segments.get(kind, (0, 0))[1]} B)")
        every = 1   # pages between labels: at most 16 intervals
        while pl.npages / every > 16:
            every *= 2
        labelled = range(0, pl.npages + 1, every)
        self.pages.show([p / pl.npages for p in labelled],
                        [f"{p * PAGE_SIZE // 1024} KiB" for p in labelled])
        what = (f"one {pl.slot} B slot (large object)" if pl.path == "large"
                else f"{pl.nelems} slots of {pl.slot} B")
        self.top.title.set_text(f"the span: {pl.npages} x 8 KiB page"
                                f"{'s' if pl.npages > 1 else ''}, {what}")
        # -- the slot
        waste = pl.slot - pl.size - pl.header
        parts = {"header": (pl.header, "header 8 B"), "object": (pl.size, f"object {pl.size} B"),
                 "waste": (waste, f"round-up waste {waste} B")}
        off = 0
        for kind, (length, label) in parts.items():
            bar, text = self.parts[kind], self.part_labels[kind]
            bar.set_bounds(off / pl.slot, 0, length / pl.slot, 1)
            bar.set_visible(length > 0)
            text.set_visible(length > 0)
            text.set_text(label)
            left, mid, right = off / pl.slot, (off + length / 2) / pl.slot, \
                (off + length) / pl.slot
            if length / pl.slot > 0.12:
                text.set(x=mid, y=0.5, ha="center", va="center", fontsize=8)
            else:   # a narrow part: label above it, kept inside the axes
                ha = "left" if mid < 0.2 else "right" if mid > 0.8 else "center"
                x = left if ha == "left" else right if ha == "right" else mid
                text.set(x=x, y=1.08, ha=ha, va="bottom", fontsize=7)
            off += length
        unit, suffix = (1024, " KiB") if pl.slot >= 16384 else (1, "")
        self.bytes.show_range(0, pl.slot / unit, lambda v: f"{v}{suffix}")
        self.bot.title.set_text(f"the slot: {pl.slot} B ({pl.waste} B = "
                                f"{100 * pl.waste_fraction:.1f}% the program cannot use)")
        self.suptitle.set_text(title)
        return self.fig


def plot_tail_rule(size: int, tries, title: str = ""):
    """For one candidate size: tail waste % for 1, 2, ... pages until it is <= 12.5 %."""
    fig, ax = plt.subplots(figsize=(6, 3))
    pages = [p for p, _ in tries]
    pct = [100 * t / (p * PAGE_SIZE) for p, t in tries]
    ax.bar(pages, pct, color=["tab:red" if v > 12.5 else "tab:green" for v in pct])
    ax.axhline(12.5, color="k", ls="--", lw=1)
    for p, v in zip(pages, pct):
        ax.text(p, v + 2.5, f"{v:.1f}%", ha="center", fontsize=8)
    ax.set_xticks(pages)
    ax.set_xlabel("pages per span")
    ax.set_ylabel("tail waste (% of span)")
    ax.set_ylim(0, max(pct) * 1.2 + 5)
    ax.set_title(title or f"{size} B objects: tail waste by span size", fontsize=10)
    fig.subplots_adjust(left=0.13, right=0.97, bottom=0.17, top=0.88)
    return fig
