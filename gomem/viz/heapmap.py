"""Pictures of the whole heap and of where allocations went (lesson 06).

``plot_path_counts`` draws ``EventLog.path_counts`` as bars; ``plot_heap_map`` draws a
:class:`gomem.workload.HeapView` at three zoom levels: the arena, its pages with the
spans cut from them (coloured by size class), and the object slots of a few spans.
``plot_hierarchy`` is the mcache -> mcentral -> mheap picture.  Every function returns
its ``Figure``.
"""

from __future__ import annotations

from functools import lru_cache

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.collections import PathCollection
from matplotlib.colors import to_rgb, to_rgba_array
from matplotlib.patches import FancyBboxPatch, Rectangle
from matplotlib.path import Path

from gomem.events import PATHS
from gomem.mheap import HEAP_ARENA_BYTES
from gomem.sizeclasses import CLASS_TO_SIZE, PAGE_SIZE
from gomem.viz.key import Key
from gomem.viz.render import animate, still
from gomem.viz.scale import ValueTicks, tick_labels

PATH_COLORS = {"zerobase": "#bbbbbb", "tiny block": "#8dd3c7", "nextFreeFast": "#4daf4a",
               "nextFreeIndex": "#a6d854", "mcentral.cacheSpan": "#ffd92f",
               "mheap.alloc": "#fc8d62", "mheap.grow": "#e41a1c", "large": "#7570b3"}
PATH_NOTES = {"zerobase": "size 0", "tiny block": "no slot at all", "nextFreeFast": "one ctz",
              "nextFreeIndex": "scan allocBits", "mcentral.cacheSpan": "refill from mcentral",
              "mheap.alloc": "new span from mheap", "mheap.grow": "heap grows (OS)",
              "large": "> 32760 B, own span"}
P_COLORS = ("#e41a1c", "#377eb8", "#4daf4a", "#984ea3", "#ff7f00", "#a65628", "#f781bf",
            "#999999")
EDGE_RGBA = to_rgba_array(["black", *P_COLORS])   # span outlines: row 1 + p for P p's mcache
PAGES_PER_ROW = 64
MAX_ROWS = 12
ROW_STEPS = (1, 2, 4, 8, MAX_ROWS)   # page-map heights a HeapMapPlot is built for


def class_color(spanclass: int, classes: list[int]):
    """A distinct colour per span class in use; large spans dark (scan) or mid (noscan) grey."""
    if spanclass >> 1 == 0:
        return "#7a7a7a" if spanclass & 1 else "#3c3c3c"
    small = [c for c in classes if c >> 1]
    cmap = plt.get_cmap("tab20")
    return cmap(small.index(spanclass) % 20)


def class_label(spanclass: int) -> str:
    sc = spanclass >> 1
    kind = "noscan" if spanclass & 1 else "scan"
    return f"large {kind}" if sc == 0 else f"class {sc} ({CLASS_TO_SIZE[sc]} B) {kind}"


def plot_path_counts(counts: dict, title: str = ""):
    """Horizontal bars: allocations per path, cheapest path on top, count at each bar."""
    fig, ax = plt.subplots(figsize=(9, 3.6))
    _PathBars(ax, tuple(p for p in PATHS if p in counts)).update(counts)
    ax.set_title(title, fontsize=10)
    fig.subplots_adjust(left=0.2, right=0.97, top=0.88, bottom=0.15)
    return still(fig)


def pages_per_row(view, rows: int = MAX_ROWS) -> int:
    """64 pages (512 KiB) per row, doubled until the map fits in ``rows`` rows."""
    per = PAGES_PER_ROW
    while -(-view.pages_spanned // per) > rows:
        per *= 2
    return per


def _span_cells(view, s, per: int = PAGES_PER_ROW):
    """(row, col, n) runs of page cells covered by a span, split at row ends."""
    first = view.page_index(s.base)
    out = []
    page, left = first, s.npages
    while left:
        row, col = divmod(page, per)
        n = min(left, per - col)
        out.append((row, col, n))
        page += n
        left -= n
    return out


@lru_cache(maxsize=4096)
def _outline(row: int, col: int, n: int, per: int) -> Path:
    """The closed outline of ``n`` page cells from column ``col`` of ``row`` (x: the share
    of the row's ``per`` pages); kept, as the same spans come back frame after frame."""
    x0, x1 = col / per, (col + n) / per
    return Path([(x0, row), (x1, row), (x1, row + 1), (x0, row + 1), (x0, row)], readonly=True)


def plot_heap_map(view, title: str = "", detail: int = 6, counts: dict | None = None):
    """A new :class:`HeapMapPlot` figure showing ``view`` (and ``counts`` as bars)."""
    return still(HeapMapPlot.for_view(view, detail, counts).update(view, title, counts))


class HeapMapPlot:
    """Arena -> pages -> spans -> slots, built once per layout and updated in place.

    Top: the first 64 MiB arena and how much of it the page allocator has.  Middle: one
    cell per 8 KiB page, ``per`` per row; each span is a box over its pages coloured by
    span class, filled from the bottom by the fraction of its slots in use; spans an mcache
    holds are outlined in their P's colour; pages sitting in a P's page cache are hatched.
    Bottom: the slots of up to ``detail`` spans (the emptiest of each class).  With bars,
    a panel of allocation paths (``EventLog.path_counts``) comes first.

    The layout (figure height, axes, ticks) depends only on :meth:`layout_of`: the rows of
    the page map (its pages per row follow the heap: :func:`pages_per_row`), the detail rows
    and the bars.  :meth:`update` swaps the data, which skips building axes and ticks --
    most of a new figure's cost.  What an update changes is animated (bars, numbers,
    images, outlines, captions, the page map's tick values, and the frames drawn over
    them), so the rest of the picture -- axes, tick marks, labels -- stays in the canvas's
    static layer.  The lesson's widget keeps one plot of 8 rows for every heap it makes.
    """

    def __init__(self, rows: int, ndetail: int, paths: tuple | None):
        self.layout = rows, ndetail, paths
        h_map = (0.42 if rows <= 4 else 0.3) * rows + 0.6
        h_det = 0.32 * ndetail + 0.7
        h_paths = 2.9 if paths is not None else 0.0
        self.height = height = 1.0 + h_paths + h_map + h_det + 1.2
        self.fig = fig = plt.figure(figsize=(12, height))
        left, width = self.left, self.width = 0.22, 0.56
        self.bars = None
        if paths is not None:
            self.bars = _PathBars(fig.add_axes([left, 1 - (h_paths - 0.1) / height, width,
                                                (h_paths - 1.15) / height]), paths)
        # arena strip: patches in figure coordinates (an axes with ticks costs ~20 ms to build)
        y0 = 1 - (0.95 + h_paths) / height
        sh = 0.22 / height
        self.arena = [fig.add_artist(Rectangle((left, y0), 0, sh, facecolor=color,
                                               edgecolor=edge, transform=fig.transFigure,
                                               linewidth=0.8))
                      for color, edge in (("#f4f4f4", "black"), ("#c6dbef", "black"),
                                          ("#08519c", "none"))]
        animate(*self.arena)
        for i in range(5):
            fig.text(self._frac(i << 24), y0 - 0.04 / height, f"{16 * i}", ha="center",
                     va="top", fontsize=7)
        self.arena_text = fig.text(left, y0 + sh + 0.05 / height, "", fontsize=8.5,
                                   va="bottom", animated=True)
        # page map: an image, CELL x CELL pixels per page (fast to build and to redraw)
        ax = self.map_ax = fig.add_axes([left, 1 - (1.45 + h_paths + h_map) / height, width,
                                         (h_map - 0.3) / height])
        # x: the page's column as a share of the row, the values (pages) written by update
        self.columns = ValueTicks(ax, "x", 4, fontsize=7)
        self.map_img = ax.imshow(np.full((rows * CELL, 512, 4), 255, dtype=np.uint8),
                                 extent=(0, 1, rows, 0), aspect="auto",
                                 interpolation="nearest")
        self.edges = ax.add_collection(PathCollection([], facecolors="none", zorder=2))
        ax.set_ylim(rows, 0)
        ax.set_yticks([r + 0.5 for r in range(rows)], [""] * rows)
        self.row_labels = [ax.text(0, r + 0.5, "", transform=tick_labels(ax, "y"), ha="right",
                                   va="center", fontsize=7) for r in range(rows)]
        self.map_title = ax.set_title(" ", fontsize=8.5, loc="left")
        animate(self.map_img, self.edges, *self.row_labels, self.map_title,
                *ax.spines.values())
        self.key = Key(fig, left + width + 0.015, 1 - (1.25 + h_paths) / height, slots=24)
        # slot detail: one image row per span, each stretched over the full width
        self.detail_ax = ax_d = None
        if ndetail:
            self.detail_ax = ax_d = fig.add_axes([left, 0.55 / height, width,
                                                  (h_det - 0.6) / height])
            self.detail_imgs = [ax_d.imshow(SLOT_RGBA[:1, None], extent=(0, 1, r + 0.4, r - 0.4),
                                            aspect="auto", interpolation="nearest")
                                for r in range(ndetail)]
            ax_d.set_xlim(0, 1)
            ax_d.set_ylim(ndetail - 0.5, -0.5)
            ax_d.set_yticks(range(ndetail), [""] * ndetail)
            self.detail_labels = [ax_d.text(0, r, "", transform=tick_labels(ax_d, "y"),
                                            ha="right", va="center", fontsize=7)
                                  for r in range(ndetail)]
            animate(*self.detail_imgs, *self.detail_labels, *ax_d.spines.values())
            ax_d.set_xticks([0, 1])
            ax_d.set_xticklabels(["slot 0", "last slot"], fontsize=7)
            ax_d.set_xlabel("slots of the span, left to right (blue = holds an object)",
                            fontsize=8)
            ax_d.set_title("objects: the slots of the emptiest span of each class",
                           fontsize=8.5, loc="left")
        self.suptitle = fig.suptitle("", fontsize=10, y=1 - 0.12 / height, animated=True)

    @staticmethod
    def layout_of(view, detail: int = 6, counts: dict | None = None,
                  rows: int | None = None) -> tuple:
        """What fixes the figure's shape: page-map rows, detail rows, bars.  By default the
        map's rows are what ``view`` needs at the scale of :func:`pages_per_row` (rounded
        up to a ``ROW_STEPS`` value) and the detail rows are the classes in use (at most
        ``detail``); a widget gives ``rows`` and keeps one figure with ``detail`` detail
        rows, whatever the heap: the pages per row change instead."""
        paths = None if counts is None else tuple(p for p in PATHS if p in counts)
        if rows is not None:
            return rows, detail, paths
        rows = -(-view.pages_spanned // pages_per_row(view))
        rows = min([r for r in ROW_STEPS if r >= rows], default=rows)
        return rows, len(_detail_spans(view, detail)), paths

    @classmethod
    def for_view(cls, view, detail: int = 6, counts: dict | None = None) -> HeapMapPlot:
        return cls(*cls.layout_of(view, detail, counts))

    def _frac(self, n: int) -> float:
        return self.left + self.width * min(n, HEAP_ARENA_BYTES) / HEAP_ARENA_BYTES

    def update(self, view, title: str = "", counts: dict | None = None):
        """Show ``view`` (its :meth:`layout_of` must be this plot's); returns the figure."""
        rows, ndetail, paths = self.layout
        per = pages_per_row(view, rows)
        if self.bars is not None:
            self.bars.update(counts)
        used = view.pages_spanned * PAGE_SIZE
        for rect, end in zip(self.arena, (HEAP_ARENA_BYTES, view.grown_bytes, used)):
            rect.set_width(self._frac(end) - self.left)
        self.arena_text.set_text(
            f"arena at {view.first_page:#x} (64 MiB, MiB scale; {len(view.arenas)} reserved): "
            f"light = given to the page allocator ({view.grown_bytes >> 20} MiB), "
            f"dark = pages drawn below ({used >> 10} KiB)")
        classes = sorted({s.spanclass for s in view.spans})
        self.map_img.set_data(page_map_image(view, classes, rows, per))
        self.columns.show_top(per)
        self.map_title.set_text(f"pages (8 KiB each, {per} per row): spans coloured by "
                                "class, filled by share of slots in use; striped = a P's "
                                "page cache")
        outlines, edges = [], []   # edges: row of EDGE_RGBA (0: black, thin; else a P's, thick)
        for s in view.spans:
            edge = 0 if s.cached_by is None else 1 + s.cached_by % len(P_COLORS)
            for row, col, n in _span_cells(view, s, per):
                outlines.append(_outline(row, col, n, per))
                edges.append(edge)
        edges = np.array(edges, dtype=int)
        self.edges.set_paths(outlines)
        self.edges.set_edgecolor(EDGE_RGBA[edges])
        self.edges.set_linewidth(np.where(edges, 2.2, 0.6))
        for r, label in enumerate(self.row_labels):
            label.set_text(f"{view.first_page + r * per * PAGE_SIZE:#x}")
        self.key.update([(class_label(c), {"facecolor": class_color(c, classes)})
                         for c in classes]
                        + [(f"P{p}: page cache / span in its mcache",
                            {"facecolor": "white", "edgecolor": P_COLORS[p % len(P_COLORS)],
                             "hatch": "////", "linewidth": 2})
                           for p in sorted(view.page_caches)])
        if ndetail:
            chosen = _detail_spans(view, ndetail)
            for r, (im, label) in enumerate(zip(self.detail_imgs, self.detail_labels)):
                im.set_visible(r < len(chosen))
                if r < len(chosen):
                    s = chosen[r]
                    im.set_data(SLOT_RGBA[np.array(s.in_use, dtype=int)][None])
                    label.set_text(f"{class_label(s.spanclass)}: {s.used}/{s.nelems} used")
                else:
                    label.set_text("(no other class in use)" if r == len(chosen) else "")
        self.suptitle.set_text(title)
        return self.fig


class _PathBars:
    """Horizontal bars: the share of allocations per path, cheapest path on top, the count
    at each bar.  The axis is a share (0-100 %), so it stays put while counts change."""

    def __init__(self, ax, paths: tuple):
        self.ax, self.paths = ax, paths
        y = np.arange(len(paths))[::-1]
        self.bars = ax.barh(y, [0] * len(paths), color=[PATH_COLORS[p] for p in paths],
                            edgecolor="black", linewidth=0.5)
        ax.set_yticks(y)
        ax.set_yticklabels(paths, fontsize=8.5)
        self.labels = [ax.text(0, yy, "", va="center", fontsize=8) for yy in y]
        ax.set_xlim(0, 1.45)              # room for the count and note of a 100 % bar
        ax.set_xticks(np.linspace(0, 1, 5), [f"{p}%" for p in range(0, 101, 25)])
        ax.set_xlabel("share of the allocations (deepest step each one reached)",
                      fontsize=8.5)
        ax.tick_params(axis="x", labelsize=8)
        animate(*self.bars, *self.labels, *ax.spines.values())

    def update(self, counts: dict) -> None:
        vals = [counts[p] for p in self.paths]
        total = sum(vals) or 1
        for bar, label, v, p in zip(self.bars, self.labels, vals, self.paths):
            bar.set_width(v / total)
            label.set_x(v / total + 0.012)
            label.set_text(f"{v}   ({PATH_NOTES[p]})")


CELL = 8   # pixels per page cell side in the page-map image
# a slot in the detail rows: free (light grey) / holds an object (blue), opaque RGBA bytes
SLOT_RGBA = np.array([(0xe8, 0xe8, 0xe8, 255), (0x2b, 0x5d, 0xa8, 255)], dtype=np.uint8)


def _rgb(color) -> np.ndarray:
    return np.array(to_rgb(color))


def page_map_image(view, classes: list[int], rows: int, per: int = PAGES_PER_ROW) -> np.ndarray:
    """RGBA image of the page map: white free pages, striped page-cache pages, and spans
    in their class colour (pale) filled from the bottom by the share of slots in use.
    Each page is CELL pixels high and ``max(1, 512 // per)`` wide; opaque uint8 RGBA
    (what matplotlib draws fastest: 3 ms, against 8 for RGB bytes and more for floats).

    Built page by page as two colours and a mask (cache pages: the stripes; spans: the
    filled bottom rows), then expanded to pixels in one step."""
    cw = max(1, 512 // per)
    n = rows * per
    base = np.ones((n, 3))             # colour where the mask is off
    mark = np.ones((n, 3))             # colour where it is on
    cached = np.zeros(n, dtype=bool)
    filled = np.zeros(n, dtype=int)    # spans: pixel rows filled from the bottom
    for p, pages in view.page_caches.items():
        idx = [view.page_index(a) for a in pages]
        cached[idx] = True
        mark[idx] = 0.55 + 0.45 * _rgb(P_COLORS[p % len(P_COLORS)])
    if view.spans:   # every span's pages at once: span k covers first[k] .. first[k]+npages[k]
        first = np.array([view.page_index(s.base) for s in view.spans])
        npages = np.array([s.npages for s in view.spans])
        owner = np.repeat(np.arange(len(view.spans)), npages)          # span of each page
        nth = np.arange(len(owner)) - np.repeat(np.cumsum(npages) - npages, npages)
        pages = first[owner] + nth                                      # nth page of its span
        owner, pages = owner[pages < n], pages[pages < n]
        colors = {c: _rgb(class_color(c, classes)) for c in classes}
        c = np.array([colors[s.spanclass] for s in view.spans])[owner]
        share = np.array([s.used / s.nelems if s.nelems else 1.0 for s in view.spans])
        cached[pages] = False
        base[pages] = 0.65 + 0.35 * c
        mark[pages] = c
        filled[pages] = np.round(CELL * share).astype(int)[owner]
    yy, xx = np.mgrid[0:CELL, 0:cw]
    stripes = ((xx + yy) % 4) < 2
    mask = np.where(cached[:, None, None], stripes, yy >= CELL - filled[:, None, None])
    # one uint32 per RGBA pixel: a quarter of the elements to pick and move
    base, mark = (_opaque(_bytes(rgb)).view(np.uint32) for rgb in (base, mark))   # n, 1
    img = np.where(mask, mark[:, :, None], base[:, :, None])                      # n, CELL, cw
    img = img.reshape(rows, per, CELL, cw).transpose(0, 2, 1, 3)
    return np.ascontiguousarray(img).view(np.uint8).reshape(rows * CELL, per * cw, 4)


def _bytes(rgb: np.ndarray) -> np.ndarray:
    """Colours 0..1 as uint8 0..255."""
    return np.round(rgb * 255).astype(np.uint8)


def _opaque(rgb: np.ndarray) -> np.ndarray:
    """``rgb`` (uint8, ... x 3) with an opaque alpha channel."""
    return np.concatenate([rgb, np.full((*rgb.shape[:-1], 1), 255, dtype=np.uint8)], axis=-1)


def _detail_spans(view, detail: int):
    """The emptiest span of each small class (lowest address on ties), classes with the
    most spans first: full spans all look alike, partly used ones show the slot order."""
    by_class: dict[int, list] = {}
    for s in view.spans:
        if s.sizeclass:
            by_class.setdefault(s.spanclass, []).append(s)
    order = sorted(by_class, key=lambda c: (-len(by_class[c]), c))
    return [min(by_class[c], key=lambda s: (s.used / s.nelems, s.base)) for c in order[:detail]]


def plot_hierarchy(gomaxprocs: int = 3, title: str = ""):
    """mcache per P -> mcentral per span class -> mheap -> OS, with what each level locks."""
    fig, ax = plt.subplots(figsize=(11, 4.6))
    ax.set_xlim(0, 11)
    ax.set_ylim(0, 4.6)
    ax.axis("off")

    def box(x, y, w, h, text, color, fs=8.5):
        ax.add_patch(FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0.04", facecolor=color,
                                    edgecolor="black", linewidth=0.8))
        ax.text(x + w / 2, y + h / 2, text, ha="center", va="center", fontsize=fs)

    def arrow(x0, y0, x1, y1):
        ax.annotate("", (x1, y1), (x0, y0), arrowprops=dict(arrowstyle="->", lw=1))

    n = min(gomaxprocs, 4)
    for i in range(n):
        x = 0.3 + i * 2.1
        box(x, 3.55, 1.9, 0.8, f"P{i}: mcache\nalloc[136] spans, tiny block\nno lock", "#c7e9c0")
        arrow(x + 0.95, 3.55, 4.6 + (i - n / 2) * 0.35, 2.65)
    if gomaxprocs > 4:
        ax.text(8.9, 3.95, f"... {gomaxprocs} Ps", fontsize=9)
    box(2.0, 1.85, 6.0, 0.8, "mcentral x 136 (one per span class)\npartial / full  x  swept / "
        "unswept span sets (lock-free)", "#fdd0a2")
    box(2.0, 0.85, 6.0, 0.7, "mheap: page allocator (bitmap + summary tree), heap lock\n"
        "per-P page cache (64 pages) for spans < 16 pages", "#c6dbef")
    box(2.0, 0.05, 6.0, 0.5, "OS: arenas of 64 MiB (mmap), grown 4 MiB at a time", "#eeeeee")
    arrow(5.0, 1.85, 5.0, 1.55)
    arrow(5.0, 0.85, 5.0, 0.55)
    ax.text(8.3, 2.25, "mcache.refill ->\nmcentral.cacheSpan", fontsize=8)
    ax.text(8.3, 1.1, "mcentral.grow ->\nmheap.alloc", fontsize=8)
    ax.text(8.3, 0.2, "mheap.grow -> sysAlloc", fontsize=8)
    ax.annotate("large objects\n(> 32760 B):\nmcache.allocLarge\n-> mheap.alloc",
                (2.0, 1.2), (0.05, 1.95), fontsize=8,
                arrowprops=dict(arrowstyle="->", lw=1, color="#7570b3"), color="#4b4590")
    ax.set_title(title, fontsize=10)
    fig.subplots_adjust(left=0.01, right=0.99, top=0.92, bottom=0.01)
    return fig
