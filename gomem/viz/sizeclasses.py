"""Pictures for lesson 04 (size classes): waste charts and where a request lands in its span.

Every function draws data computed by :mod:`gomem.sizeclasses` / :mod:`gomem.course.layout`
and returns the ``Figure``.  Explicit figure sizes, ASCII text only, fixed margins (no
``tight_layout``: widgets redraw these often).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.patches import Rectangle

from gomem.sizeclasses import PAGE_SIZE
from gomem.viz.render import clear_plotted

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
    fig, ax = plt.subplots(figsize=(10, 3.6))
    ax.plot(sizes, pct, color="tab:blue", lw=1)
    ax.fill_between(sizes, pct, color="tab:blue", alpha=0.15)
    if len(class_bounds):
        ax.vlines(class_bounds, 0, 100, color="0.85", lw=0.6, zorder=0)
    if mark is not None:
        current, y = mark
        ax.plot([current], [y], "o", color="tab:red")
        ax.annotate(f"worst: {current} B, {y:.1f}%", (current, y), xytext=(6, -4),
                    textcoords="offset points", fontsize=8, color="tab:red")
    ax.set_xlabel("requested bytes (grey lines: class sizes)")
    ax.set_ylabel("waste in the slot (%)")
    ax.set_xlim(sizes[0], sizes[-1])
    ax.set_ylim(0, max(max(pct) * 1.1, 1))
    ax.set_title(title, fontsize=10)
    fig.subplots_adjust(left=0.08, right=0.98, bottom=0.15, top=0.88)
    return fig


def plot_placement(pl, title: str = "", fig=None):
    """Top: the whole span (pages, slots, reserved bytes); bottom: the request's own slot.

    ``fig``: a figure this function drew before, drawn again in place (faster)."""
    if fig is None:
        fig, (top, bot) = plt.subplots(2, 1, figsize=(11, 3.6),
                                       gridspec_kw={"height_ratios": [1, 1]})
    else:
        top, bot = fig.axes
        clear_plotted(top, bot)
    span = pl.span_bytes
    # -- the span
    for off, length, kind in pl.segments():
        top.add_patch(Rectangle((off, 0), length, 1, facecolor=KIND_COLOURS[kind],
                                edgecolor="0.3", lw=0.6))
    if pl.nelems > 1:   # slot boundaries: one line collection (fast even for 1024 slots)
        top.vlines([i * pl.slot for i in range(1, pl.nelems)], 0, 1, color="0.55",
                   lw=0.5 if pl.nelems <= 128 else 0.25)
    top.add_patch(Rectangle((0, 0), pl.slot, 1, facecolor="tab:orange", edgecolor="0.3", lw=0.6))
    if pl.npages > 1:
        top.vlines([p * PAGE_SIZE for p in range(1, pl.npages)], -0.25, 1.25, color="k", lw=1.2)
    top.text(0, 1.15, "slot 0: this object", fontsize=8, color="tab:orange", va="bottom")
    legend = [Rectangle((0, 0), 1, 1, facecolor=KIND_COLOURS[k], edgecolor="0.3")
              for _, _, k in pl.segments()]
    top.legend(legend, [f"{k} ({n} B)" for _, n, k in pl.segments()], fontsize=7,
               loc="upper center", bbox_to_anchor=(0.5, -0.12), ncol=4, frameon=False)
    top.set_xlim(0, span)
    top.set_ylim(-0.3, 1.6)
    top.set_yticks([])
    top.set_xticks([p * PAGE_SIZE for p in range(pl.npages + 1)])
    top.set_xticklabels([f"{p * 8} KiB" for p in range(pl.npages + 1)], fontsize=7)
    what = (f"one {pl.slot} B slot (large object)" if pl.path == "large"
            else f"{pl.nelems} slots of {pl.slot} B")
    top.set_title(f"the span: {pl.npages} x 8 KiB page{'s' if pl.npages > 1 else ''}, {what}",
                  fontsize=9)
    # -- the slot
    parts = []
    if pl.header:
        parts.append((pl.header, "tab:purple", "header 8 B"))
    parts.append((pl.size, "tab:orange", f"object {pl.size} B"))
    waste = pl.slot - pl.size - pl.header
    if waste:
        parts.append((waste, "0.8", f"round-up waste {waste} B"))
    off = 0
    for length, colour, label in parts:
        bot.add_patch(Rectangle((off, 0), length, 1, facecolor=colour, edgecolor="0.3"))
        if length / pl.slot > 0.12:
            bot.text(off + length / 2, 0.5, label, ha="center", va="center", fontsize=8)
        else:   # a narrow part: label above it, kept inside the axes
            mid = (off + length / 2) / pl.slot
            ha = "left" if mid < 0.2 else "right" if mid > 0.8 else "center"
            x = off if ha == "left" else off + length if ha == "right" else off + length / 2
            bot.text(x, 1.08, label, ha=ha, va="bottom", fontsize=7)
        off += length
    bot.set_xlim(0, pl.slot)
    bot.set_ylim(-0.1, 1.5)
    bot.set_yticks([])
    bot.tick_params(labelsize=7)
    bot.set_xlabel("bytes inside the slot", fontsize=8)
    bot.set_title(f"the slot: {pl.slot} B ({pl.waste} B = {100 * pl.waste_fraction:.1f}% the "
                  "program cannot use)", fontsize=9)
    fig.suptitle(title, fontsize=10)
    fig.subplots_adjust(left=0.03, right=0.98, bottom=0.13, top=0.84, hspace=1.0)
    return fig


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
