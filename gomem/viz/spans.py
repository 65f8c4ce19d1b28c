"""Pictures of one mspan: how its bytes are spent, and its bitmaps as bit strips (lesson 05).

Every function returns the matplotlib ``Figure`` it drew (explicit figsize, ASCII text
only) and draws data computed by :mod:`gomem.workload`; nothing here changes a heap.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib import rcParams
from matplotlib.artist import Artist
from matplotlib.collections import LineCollection, QuadMesh
from matplotlib.colors import ListedColormap, Normalize
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.text import Text
from matplotlib.transforms import ScaledTranslation

from gomem.mspan import bitmap_words
from gomem.viz.render import still
from gomem.viz.scale import label_below, tick_labels, tick_marks

# slot categories in the "in use" strip
FREE, SURVIVOR, NEW, NOSLOT = 0, 1, 2, 3
SLOT_COLORS = ("#f4f4f4", "#2b5da8", "#f28e2b", "#b8b8b8")
SLOT_LABELS = ("free", "alloc bit set (survived the GC)", "below freeindex (allocated since)",
               "not a slot (>= nelems)")
BIT_COLORS = ("#ffffff", "#2b5da8", "#b8b8b8")          # 0, 1, not a slot
CACHE_COLORS = ("#dddddd", "#3a9d5d", "#b8b8b8")        # 0 = taken, 1 = free, past nelems
LAYOUT_COLORS = {"objects": "#9ecae1", "tail": "#d9d9d9", "heap bits": "#74c476",
                 "inline marks": "#9e6ebd"}


def _cells(ax, ys, colors):
    """Rows of 64 cells between the y edges ``ys``, coloured by category (0 ..
    len(colors) - 1; set with ``set_array``): a ``QuadMesh`` draws in 2 ms where an image
    scaled to the same ~900 x 500 pixels takes 20 (made directly: ``pcolormesh`` takes 1 ms
    more to check its arguments and the data limits)."""
    corners = np.dstack(np.meshgrid(np.arange(-0.5, 64), ys))
    return ax.add_collection(QuadMesh(corners, array=np.zeros((len(ys) - 1, 64)),
                                      cmap=ListedColormap(colors),
                                      norm=Normalize(0, len(colors) - 1), antialiased=False,
                                      edgecolors="none"), autolim=False)


def _grid(ax, ys, words: int = 0):
    """Borders of the cells between the y edges ``ys``, a thick line between two 64-slot
    words (``words``: two rows each) and the frame around them, as one collection (minor
    ticks would cost ~3 ms each, ``vlines`` and ``axhline`` ~1)."""
    top, bottom = ys[0], ys[-1]
    cells = ([[(x, top), (x, bottom)] for x in np.arange(-0.5, 64)]
             + [[(-0.5, y), (63.5, y)] for y in ys])
    between = [[(-0.5, 2 * w - 0.5), (63.5, 2 * w - 0.5)] for w in range(1, words)]
    frame = [[(-0.5, top), (63.5, top), (63.5, bottom), (-0.5, bottom), (-0.5, top)]]
    return ax.add_collection(LineCollection(
        cells + between + frame,
        colors=["#c8c8c8"] * len(cells) + ["black"] * len(between) + [rcParams["axes.edgecolor"]],
        linewidths=[0.6] * len(cells) + [1.5] * len(between) + [rcParams["axes.linewidth"]],
        clip_on=False), autolim=False)   # unclipped, as spines: the frame is on the edges


def _ticks(ax, side: str, at, labels, fontsize: float = 8) -> None:
    """Tick marks and labels on the ``side`` ("left", "top" or "bottom") of ``ax``, where
    matplotlib would draw them, as one line of markers and a text per label: matplotlib's
    own ticks cost ~1 ms each to make and again to lay out at every full draw (a plot of 8
    words has 33)."""
    axis = "y" if side == "left" else "x"
    if side == "left":
        ax.set_yticks([])
        align = {"ha": "right", "va": "center_baseline"}
    else:
        ax.set_xticks([])
        align = {"ha": "center", "va": "bottom" if side == "top" else "top"}
    # the figure's artists, placed by the Axes' transforms: an Axes would also make each
    # its clip path and data limits (~0.1 ms a text, 0.5 a line)
    fig = ax.get_figure(root=True)
    marks = fig.add_artist(tick_marks(ax, side, at))
    moved = tick_labels(ax, axis, top=side == "top")
    for (x, y), label in zip(marks.get_xydata(), labels):
        fig.text(x, y, label, transform=moved, fontsize=fontsize, **align)


class _KeyRow(Artist):
    """A one-row key centred under the point ``(x, y)`` of ``ax`` (data coordinates), as
    ``ax.legend(loc="upper center", bbox_to_anchor=(x, y), ncol=len(entries),
    frameon=False)`` draws it, without a ``Legend``'s boxes to lay out at every draw
    (~7 ms here; this ~1).  ``entries``: (label, colour of a swatch or a marker drawn in
    black).

    In ems of ``fontsize`` from the anchor, as a ``Legend``: 2 em handles, 0.8 em before a
    label, 2 em between entries, the baseline 1.67 em below (padding and the ascent); the
    labels are measured at each draw, as their widths depend on the dpi."""

    def __init__(self, ax, x: float, y: float, entries, fontsize: float = 7.5):
        super().__init__()
        fig = ax.get_figure(root=True)
        self.em = em = fontsize / 72   # inches
        at = fig.dpi_scale_trans + ScaledTranslation(x, y, ax.transData)   # inches from x, y
        base = -1.67 * em
        self.entries = [
            (Rectangle((0, base), 2 * em, 0.7 * em, color=look, transform=at)
             if look.startswith("#") else
             Line2D([0], [base + 0.35 * em], marker=look, color="black", transform=at),
             Text(0, base, label, fontsize=fontsize, transform=at, va="baseline"))
            for label, look in entries]
        for part in self.get_children():
            part.set_figure(fig)
        ax.add_artist(self)

    def get_children(self):
        return [part for entry in self.entries for part in entry]

    def draw(self, renderer):
        if not self.get_visible():
            return
        inch = renderer.points_to_pixels(72)
        widths = [renderer.get_text_width_height_descent(label.get_text(),
                                                         label.get_fontproperties(),
                                                         ismath=False)[0] / inch
                  for _, label in self.entries]
        em = self.em
        left = -(sum(widths) + len(widths) * 4.8 * em - 2 * em) / 2
        for (handle, label), width in zip(self.entries, widths):
            if isinstance(handle, Rectangle):
                handle.set_x(left)
            else:
                handle.set_xdata([left + em])
            label.set_x(left + 2.8 * em)
            handle.draw(renderer)
            label.draw(renderer)
            left += 4.8 * em + width


def slot_categories(step, nelems: int) -> np.ndarray:
    """Per 64-slot word (rows) x bit (columns): FREE / SURVIVOR / NEW / NOSLOT."""
    words = bitmap_words(nelems)
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
    cell colours and texts, so stepping costs milliseconds, not a new figure: everything a
    step changes (and the grid lines and frames drawn over it) is animated, so a
    :class:`gomem.viz.render.WidgetCanvas` redraws only those over the saved tick labels
    and key.  The first draw of a new plot is cheap too: one Axes holds both strips (an
    Axes costs ~7 ms to make), and ticks and key are plain texts and markers.
    """

    ROW = 0.31                     # inches per strip row: one y unit
    GAP, CACHE = 0.95 / ROW, 0.3 / ROW   # below the words (key, caption); the cache strip

    def __init__(self, words: int):
        """``words``: the span's 64-slot words, ``ceil(nelems / 64)`` -- the figure's shape
        (spans with as many words, such as 62 and 15 slots, share one plot)."""
        self.words = words
        rows = 2 * words
        cache_top = rows - 0.5 + self.GAP
        self.cache_y = cache_top + self.CACHE / 2
        # layout in inches so that any number of words keeps the same spacing
        span_h = self.ROW * (rows + self.GAP + self.CACHE)
        height = 0.8 + span_h + 0.5
        self.fig = fig = plt.figure(figsize=(11, height))
        ax = self.ax = fig.add_axes([0.13, 0.5 / height, 0.85, span_h / height])
        ax.set_frame_on(False)     # the frames are drawn over the strips, by _grid
        words_y, cache_ys = np.arange(-0.5, rows), [cache_top, cache_top + self.CACHE]
        self.cells = _cells(ax, words_y, SLOT_COLORS)
        self.cache_cells = _cells(ax, cache_ys, CACHE_COLORS)
        moving = [self.cells, self.cache_cells, _grid(ax, words_y, words), _grid(ax, cache_ys)]
        ax.set_xlim(-0.5, 63.5)
        ax.set_ylim(cache_ys[1], -0.5)
        _ticks(ax, "left", [*range(rows), self.cache_y],
               [f"{'allocBits' if r % 2 == 0 else 'in use'}  [{64 * (r // 2)}..]"
                for r in range(rows)] + ["allocCache"])
        _ticks(ax, "top", range(0, 64, 8), [str(b) for b in range(0, 64, 8)])
        _ticks(ax, "bottom", range(0, 64, 8), [str(b) for b in range(0, 64, 8)])
        # above the top tick labels; with y given, matplotlib does not look at each draw
        # for what the title must clear
        self.fi_label = ax.set_title(" ", fontsize=8.5, y=1, pad=21)
        self.fi_box = Rectangle((0, 0), 1, 1, fill=False, edgecolor="red", linewidth=2)
        ax.add_patch(self.fi_box)
        (self.fi_line,) = ax.plot([], [], color="red", linewidth=2.5)
        (self.star,) = ax.plot([], [], marker="*", color="black", markersize=8, linestyle="")
        _KeyRow(ax, 31.5, rows - 0.5 + 0.02 * rows,   # 0.02 of the words' height under them
                [*zip(SLOT_LABELS, SLOT_COLORS), ("slot of this step", "*")])
        # where an Axes title of the cache strip would be (a title's pad above it)
        self.cache_title = ax.text(-0.5, cache_top, " ", fontsize=8.5, transform=ax.transData
                                   + ScaledTranslation(0, rcParams["axes.titlepad"] / 72,
                                                       fig.dpi_scale_trans))
        label_below(ax, "bit b of allocCache   (light grey: 0 = slot taken;  dark grey: "
                    "beyond freeindex's 64-slot word or past nelems, ignored)", 8, 8)
        (self.ctz_mark,) = ax.plot([], [], marker="v", color="black", markersize=7,
                                   linestyle="")
        self.suptitle = fig.suptitle("", fontsize=10, y=1 - 0.12 / height)
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
        self.cells.set_array(rows)
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
        self.cache_cells.set_array(
            np.array([[(c >> b) & 1 if b < limit else 2 for b in range(64)]]))
        ctz = (c & -c).bit_length() - 1 if c else 64
        self.cache_title.set_text(
            f"allocCache = {c:#018x}: bit b = slot freeindex+b, 1 = free (green); "
            f"ctz64 = {ctz}" + (f" -> next slot {fi + ctz}" if ctz < limit else
                                " (no free slot in the cache)"))
        self.ctz_mark.set_data(([ctz], [self.cache_y]) if ctz < limit else ([], []))
        self.suptitle.set_text(title)
        return self.fig


def plot_span_bits(run, k: int, title: str = ""):
    """A new :class:`SpanBitsPlot` figure showing ``run.steps[k]``."""
    return still(SpanBitsPlot(bitmap_words(run.nelems)).update(run, k, title))


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
