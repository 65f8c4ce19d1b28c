"""Pictures of one mspan: how its bytes are spent, and its bitmaps as bit strips (lesson 05).

Every function returns the matplotlib ``Figure`` it drew (explicit figsize, ASCII text
only) and draws data computed by :mod:`gomem.workload`; nothing here changes a heap.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import ListedColormap
from matplotlib.patches import Patch, Rectangle

from gomem.viz.render import still

# slot categories in the "in use" strip
FREE, SURVIVOR, NEW, NOSLOT = 0, 1, 2, 3
SLOT_COLORS = ("#f4f4f4", "#2b5da8", "#f28e2b", "#b8b8b8")
SLOT_LABELS = ("free", "alloc bit set (survived the GC)", "below freeindex (allocated since)",
               "not a slot (>= nelems)")
BIT_COLORS = ("#ffffff", "#2b5da8", "#b8b8b8")          # 0, 1, not a slot
CACHE_COLORS = ("#dddddd", "#3a9d5d", "#b8b8b8")        # 0 = taken, 1 = free, past nelems
LAYOUT_COLORS = {"objects": "#9ecae1", "tail": "#d9d9d9", "heap bits": "#74c476",
                 "inline marks": "#9e6ebd"}


def _grid(ax, ncols: int, nrows: int) -> list:
    """Cell borders as two line collections (minor ticks would cost ~3 ms each)."""
    return [ax.vlines(np.arange(-0.5, ncols, 1), -0.5, nrows - 0.5, color="#c8c8c8",
                      linewidth=0.6),
            ax.hlines(np.arange(-0.5, nrows, 1), -0.5, ncols - 0.5, color="#c8c8c8",
                      linewidth=0.6)]


def slot_categories(step, nelems: int) -> np.ndarray:
    """Per 64-slot word (rows) x bit (columns): FREE / SURVIVOR / NEW / NOSLOT."""
    words = (nelems + 63) // 64
    cat = np.full(words * 64, NOSLOT, dtype=int)
    for i in range(nelems):
        if step.alloc_bits[i]:
            cat[i] = SURVIVOR
        elif step.in_use[i]:
            cat[i] = NEW
        else:
            cat[i] = FREE
    return cat.reshape(words, 64)


class SpanBitsPlot:
    """The bit-strip figure of one span, built once and updated in place per step.

    Top: for each 64-slot word, the ``allocBits`` strip (written only by the sweeper)
    above the "in use" strip (``i < freeindex or allocBits[i]``), with ``freeindex``
    marked red and this step's slot starred.  Bottom: the 64 bits of ``allocCache``,
    bit 0 = slot ``freeindex``, with the ``ctz64`` result marked.  Updating only swaps
    image data and texts, so stepping costs milliseconds, not a new figure: everything a
    step changes (and the grid lines and frame drawn over it) is animated, so a
    :class:`gomem.viz.render.WidgetCanvas` redraws only those over the saved axes, ticks
    and legend.
    """

    def __init__(self, words: int):
        """``words``: the span's 64-slot words, ``ceil(nelems / 64)`` -- the figure's shape
        (spans with as many words, such as 62 and 15 slots, share one plot)."""
        self.words = words
        # layout in inches so that any number of words keeps the same spacing
        grid_h = 0.31 * 2 * words
        height = 0.8 + grid_h + 0.6 + 0.35 + 0.3 + 0.5
        self.fig = fig = plt.figure(figsize=(11, height))
        top = self.top = fig.add_axes([0.13, (height - 0.8 - grid_h) / height, 0.85,
                                       grid_h / height])
        self.img = top.imshow(np.zeros((2 * words, 64), dtype=int),
                              cmap=ListedColormap(SLOT_COLORS), vmin=0, vmax=3, aspect="auto",
                              interpolation="nearest")
        moving = [self.img, *_grid(top, 64, 2 * words)]
        moving += [top.axhline(2 * w - 0.5, color="black", linewidth=1.5)
                   for w in range(1, words)]
        top.set_xlim(-0.5, 63.5)
        top.set_ylim(2 * words - 0.5, -0.5)
        top.set_yticks(range(2 * words))
        top.set_yticklabels([f"{'allocBits' if r % 2 == 0 else 'in use'}  [{64 * (r // 2)}..]"
                             for r in range(2 * words)], fontsize=8)
        top.set_xticks(range(0, 64, 8))
        top.set_xticklabels([str(b) for b in range(0, 64, 8)], fontsize=8)
        top.xaxis.set_ticks_position("top")
        top.xaxis.set_label_position("top")
        # above the top tick labels, placed once: matplotlib would otherwise measure every
        # tick label to place it at each full draw (~40% of the first draw)
        self.fi_label = top.set_title(" ", fontsize=8.5, y=1, pad=21)
        self.fi_box = Rectangle((0, 0), 1, 1, fill=False, edgecolor="red", linewidth=2)
        top.add_patch(self.fi_box)
        (self.fi_line,) = top.plot([], [], color="red", linewidth=2.5)
        (self.star,) = top.plot([], [], marker="*", color="black", markersize=8, linestyle="")
        top.legend(handles=[Patch(color=c, label=lab) for c, lab in zip(SLOT_COLORS, SLOT_LABELS)]
                   + [plt.Line2D([], [], marker="*", color="black", linestyle="",
                                 label="slot of this step")],
                   loc="upper center", bbox_to_anchor=(0.5, -0.02), ncol=5, fontsize=7.5,
                   frameon=False)
        bot = self.bot = fig.add_axes([0.13, 0.5 / height, 0.85, 0.3 / height])
        self.cache_img = bot.imshow(np.zeros((1, 64), dtype=int),
                                    cmap=ListedColormap(CACHE_COLORS), vmin=0, vmax=2,
                                    aspect="auto", interpolation="nearest")
        moving += [self.cache_img, *_grid(bot, 64, 1)]
        self.cache_title = bot.set_title(" ", fontsize=8.5, loc="left")
        bot.set_xlim(-0.5, 63.5)
        bot.set_yticks([0])
        bot.set_yticklabels(["allocCache"], fontsize=8)
        bot.set_xticks(range(0, 64, 8))
        bot.set_xticklabels([f"{b}" for b in range(0, 64, 8)], fontsize=8)
        bot.set_xlabel("bit b of allocCache   (light grey: 0 = slot taken;  dark grey: beyond "
                       "freeindex's 64-slot word or past nelems, ignored)", fontsize=8)
        (self.ctz_mark,) = bot.plot([], [], marker="v", color="black", markersize=7,
                                    linestyle="")
        self.suptitle = fig.suptitle("", fontsize=10, y=1 - 0.12 / height)
        moving += [*top.spines.values(), *bot.spines.values()]   # drawn over the strips
        for artist in moving + [self.fi_box, self.fi_line, self.star, self.ctz_mark,
                                self.suptitle, self.fi_label, self.cache_title]:
            artist.set_animated(True)

    def update(self, run, k: int, title: str = ""):
        """Show ``run.steps[k]`` (``run`` must have this plot's number of words); returns
        the figure."""
        step, nelems, words = run.steps[k], run.nelems, self.words
        cat = slot_categories(step, nelems)
        bits = np.full(words * 64, NOSLOT, dtype=int)
        bits[:nelems] = np.where(np.array(step.alloc_bits, dtype=bool), SURVIVOR, FREE)
        rows = np.empty((2 * words, 64), dtype=int)
        rows[0::2] = bits.reshape(words, 64)
        rows[1::2] = cat
        self.img.set_data(rows)
        fi = step.freeindex
        if fi < nelems:
            row, col = 2 * (fi // 64) + 1, fi % 64
            self.fi_box.set_xy((col - 0.5, row - 0.5))
            self.fi_box.set_visible(True)
            self.fi_line.set_data([col - 0.5, col - 0.5], [row - 1.5, row + 0.5])
        else:
            self.fi_box.set_visible(False)
            self.fi_line.set_data([], [])
        if step.slot is not None:
            self.star.set_data([step.slot % 64], [2 * (step.slot // 64) + 1])
        else:
            self.star.set_data([], [])
        self.fi_label.set_text(f"slot within its 64-slot word.   red line: freeindex = {fi};  "
                               f"allocCount = {step.alloc_count} of nelems = {nelems}")
        limit = min(64 - fi % 64, nelems - fi) if fi < nelems else 0   # rest of fi's word
        c = step.alloc_cache
        self.cache_img.set_data(np.array([[(c >> b) & 1 if b < limit else 2 for b in range(64)]]))
        ctz = (c & -c).bit_length() - 1 if c else 64
        self.cache_title.set_text(
            f"allocCache = {c:#018x}: bit b = slot freeindex+b, 1 = free (green); "
            f"ctz64 = {ctz}" + (f" -> next slot {fi + ctz}" if ctz < limit else
                                " (no free slot in the cache)"))
        self.ctz_mark.set_data(([ctz], [0]) if ctz < limit else ([], []))
        self.suptitle.set_text(title)
        return self.fig


def plot_span_bits(run, k: int, title: str = ""):
    """A new :class:`SpanBitsPlot` figure showing ``run.steps[k]``."""
    return still(SpanBitsPlot((run.nelems + 63) // 64).update(run, k, title))


def plot_span_layout(layouts, title: str = ""):
    """One bar per :class:`gomem.workload.SpanLayout`: slots, tail, heap bits, inline marks.

    Bars are drawn to byte scale; slot boundaries are thin lines, so a 16-byte class
    looks like a dense comb and a 512-byte class shows each slot.
    """
    n = len(layouts)
    fig, ax = plt.subplots(figsize=(11, 0.75 * n + 1.3))
    for row, lay in enumerate(layouts):
        y = n - 1 - row
        x = 0
        segs = [("objects", lay.objects_bytes), ("tail", lay.tail),
                ("heap bits", lay.heap_bits), ("inline marks", lay.inline_marks)]
        for name, width in segs:
            if width:
                ax.add_patch(Rectangle((x, y - 0.35), width, 0.7, facecolor=LAYOUT_COLORS[name],
                                       edgecolor="black", linewidth=0.6))
            x += width
        step = lay.elemsize
        if lay.nelems <= 600:
            xs = np.arange(step, lay.objects_bytes, step)
            ax.vlines(xs, y - 0.35, y + 0.35, color="#3b6f96", linewidth=0.35)
        mode = "Green Tea" if lay.greenteagc else "classic"
        kind = "noscan" if lay.noscan else "scan"
        ax.text(lay.span_bytes * 1.01, y, f"nelems {lay.nelems} (table: {lay.table_objects})",
                va="center", fontsize=8.5)
        ax.text(-lay.span_bytes * 0.01, y, f"{lay.elemsize} B {kind}, {mode}", va="center",
                ha="right", fontsize=8.5)
    span = max(lay.span_bytes for lay in layouts)
    ax.set_xlim(0, span)
    ax.set_ylim(-0.6, n - 0.4)
    ax.set_yticks([])
    ticks = list(range(0, span + 1, 1024))
    ax.set_xticks(ticks)
    ax.set_xticklabels([str(t) for t in ticks], fontsize=8)
    ax.set_xlabel("byte offset in the span")
    height = 0.75 * n + 1.3
    fig.legend(handles=[Patch(facecolor=c, edgecolor="black", label=k)
                        for k, c in LAYOUT_COLORS.items()],
               loc="lower center", bbox_to_anchor=(0.5, 0.0), ncol=4, fontsize=8, frameon=False)
    ax.set_title(title, fontsize=10)
    fig.subplots_adjust(left=0.2, right=0.82, top=1 - 0.45 / height, bottom=0.85 / height)
    return fig


def plot_span_zoom(lay, first: int = 4, title: str = ""):
    """The end of one span at byte scale: the last slots, the tail and the reserved bytes."""
    fig, ax = plt.subplots(figsize=(11, 1.9))
    start = max(0, lay.objects_bytes - first * lay.elemsize)
    x = start
    for i in range(lay.nelems - first, lay.nelems):
        ax.add_patch(Rectangle((x, 0), lay.elemsize, 1, facecolor=LAYOUT_COLORS["objects"],
                               edgecolor="black", linewidth=0.6))
        ax.text(x + lay.elemsize / 2, 0.5, f"slot {i}", ha="center", va="center", fontsize=8)
        x += lay.elemsize
    for name, width in (("tail", lay.tail), ("heap bits", lay.heap_bits),
                        ("inline marks", lay.inline_marks)):
        if width:
            ax.add_patch(Rectangle((x, 0), width, 1, facecolor=LAYOUT_COLORS[name],
                                   edgecolor="black", linewidth=0.6))
            ax.text(x + width / 2, 0.5, f"{name}\n{width} B", ha="center", va="center",
                    fontsize=8)
            x += width
    ax.set_xlim(start, lay.span_bytes)
    ax.set_ylim(0, 1)
    ax.set_yticks([])
    ax.set_xlabel("byte offset in the span")
    ax.set_title(title, fontsize=10)
    fig.subplots_adjust(left=0.03, right=0.97, top=0.82, bottom=0.3)
    return fig
