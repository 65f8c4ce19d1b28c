"""Pictures of the whole allocator (lesson 00) and of the heap growing (lesson 03).

``plot_allocator_map`` draws the two hierarchies side by side: memory (OS -> 64 MiB arenas
-> 4 MiB chunks of 8 KiB pages -> spans -> object slots) and control (goroutine -> the P's
mcache -> mcentral -> mheap -> OS).  When given a ``Heap`` it labels the picture with that
heap's real numbers (its first arena, its spans and their classes).  Every function returns
the ``Figure``; figures use explicit sizes and ASCII text only.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Rectangle

from gomem.mheap import HEAP_ARENA_BYTES
from gomem.pagealloc import PALLOC_CHUNK_BYTES, PALLOC_CHUNK_PAGES
from gomem.sizeclasses import PAGE_SIZE

CLASS_CMAP = plt.get_cmap("tab20")


def class_colour(sizeclass: int):
    return CLASS_CMAP(sizeclass % 20)


def _bar(ax, y, h, n, label, colours=None, edge="0.3"):
    """A row of n equal cells spanning x in [0, 1]."""
    w = 1 / n
    for i in range(n):
        fc = colours[i] if colours else "white"
        ax.add_patch(Rectangle((i * w, y), w, h, facecolor=fc, edgecolor=edge, lw=0.6))
    ax.text(-0.02, y + h / 2, label, ha="right", va="center", fontsize=9)


def _zoom(ax, x0, x1, y_top, y_bottom):
    """Trapezoid lines from [x0, x1] at y_top down to the whole width at y_bottom."""
    for a, b in ((x0, 0), (x1, 1)):
        ax.plot([a, b], [y_top, y_bottom], color="0.55", lw=0.8, ls="--")


def plot_allocator_map(heap=None, title: str = "Go's allocator on one page"):
    """The memory hierarchy (left) and the control hierarchy (right)."""
    fig = plt.figure(figsize=(13, 6.2))
    ax = fig.add_axes([0.13, 0.04, 0.52, 0.86])
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 10)
    ax.axis("off")
    spans = heap.spans() if heap is not None else []
    arena0 = heap.mheap.arenas[0] if heap is not None and heap.mheap.arenas else 0xC000000000
    # row 1: address space with one arena
    _bar(ax, 9.0, 0.55, 1, "OS: virtual\naddress space", ["0.92"])
    ax.add_patch(Rectangle((0.30, 9.0), 0.12, 0.55, facecolor="tab:blue", alpha=0.35))
    ax.text(0.36, 9.27, "arena", ha="center", va="center", fontsize=8)
    ax.text(0.5, 9.75, f"sysAlloc reserves 64 MiB arenas (first at {arena0:#x})",
            ha="center", fontsize=9)
    _zoom(ax, 0.30, 0.42, 9.0, 8.05)
    # row 2: an arena = 16 chunks of 4 MiB
    n_chunks = HEAP_ARENA_BYTES // PALLOC_CHUNK_BYTES
    used = max(1, -(-heap.stats.heap_in_use // PALLOC_CHUNK_BYTES)) if heap is not None else 1
    _bar(ax, 7.5, 0.55, n_chunks, "arena: 64 MiB\n= 16 chunks",
         ["tab:green" if i < used else "white" for i in range(n_chunks)])
    ax.text(0.5, 8.2, "mheap.grow hands the page allocator 4 MiB chunks", ha="center", fontsize=9)
    _zoom(ax, 0, 1 / n_chunks, 7.5, 6.55)
    # row 3: first 32 pages of chunk 0, coloured by the span that owns them
    npg = 32
    colours, owners = [], []
    for i in range(npg):
        addr = arena0 + i * PAGE_SIZE
        s = heap.span_of(addr) if heap is not None else None
        colours.append(class_colour(s.spanclass >> 1) if s is not None else "white")
        owners.append(s)
    _bar(ax, 6.0, 0.55, npg, f"chunk: 4 MiB =\n{PALLOC_CHUNK_PAGES} pages\n(first {npg} shown)",
         colours)
    ax.text(0.5, 6.7, "spans = runs of 8 KiB pages; colour = size class", ha="center", fontsize=9)
    seen = []
    for o in owners:
        if o is not None and o not in seen:
            seen.append(o)
    if seen:
        handles = [Rectangle((0, 0), 1, 1, facecolor=class_colour(o.spanclass >> 1),
                             edgecolor="0.3") for o in seen]
        labels = [f"class {o.spanclass >> 1}: {o.elemsize} B slots" if o.spanclass >> 1
                  else f"large: {o.npages} pages" for o in seen]
        ax.legend(handles, labels, loc="center", bbox_to_anchor=(0.5, 0.515), ncol=len(seen),
                  fontsize=8, frameon=True, framealpha=1, edgecolor="white",
                  handlelength=1.2)
    # row 4: one span cut into slots
    s = next((x for x in spans if x.spanclass >> 1 and x.nelems <= 400), None)
    if s is not None:
        i0 = (s.start_addr - arena0) // PAGE_SIZE
        if 0 <= i0 < npg:
            _zoom(ax, i0 / npg, (i0 + s.npages) / npg, 6.0, 4.05)
        shown = min(s.nelems, 48)
        fill = class_colour(s.spanclass >> 1)
        cols = [fill if not s.is_free(i) else "white" for i in range(shown)]
        _bar(ax, 3.5, 0.55, shown, f"span: {s.npages} page,\nclass {s.spanclass >> 1}"
             f" ({s.elemsize} B)", cols)
        ax.text(0.5, 4.2, f"{s.nelems} slots of {s.elemsize} B (first {shown} shown; "
                f"filled = allocated, {s.alloc_count} so far)", ha="center", fontsize=9)
        for a, b in ((0, 0), (1 / shown, 0.35)):
            ax.plot([a, b], [3.5, 2.05], color="0.55", lw=0.8, ls="--")
        ax.add_patch(Rectangle((0, 1.5), 0.35, 0.55, facecolor=fill, edgecolor="0.3"))
        ax.text(0.175, 1.77, f"object: {s.elemsize} B at {s.start_addr:#x}", ha="center",
                va="center", fontsize=8)
        ax.text(-0.02, 1.77, "object slot", ha="right", va="center", fontsize=9)
    ax.text(0.5, 0.6, "memory: each level is cut out of the one above", ha="center",
            fontsize=10, style="italic")
    # right: control hierarchy
    axr = fig.add_axes([0.68, 0.04, 0.31, 0.86])
    axr.set_xlim(0, 1)
    axr.set_ylim(0, 10)
    axr.axis("off")
    nprocs = heap.gomaxprocs if heap is not None else 2
    boxes = [
        (9.0, "OS (mmap)", "0.9", "sysAlloc: 64 MiB arenas"),
        (7.2, "mheap (one, global)", "#f8d0d0", "h.lock; page allocator, grow"),
        (5.4, "mcentral x 136 span classes", "#fff2cc", "span sets, lock-free (Go 1.15+)"),
        (3.6, f"mcache per P (x{nprocs})", "#d9f2d9", "one span per span class, no lock"),
        (1.8, "goroutine: new(T), make, ...", "white", "mallocgc"),
    ]
    for y, name, fc, note in boxes:
        axr.add_patch(FancyBboxPatch((0.05, y - 0.45), 0.9, 0.9, boxstyle="round,pad=0.02",
                                     facecolor=fc, edgecolor="0.3"))
        axr.text(0.5, y + 0.12, name, ha="center", va="center", fontsize=10, weight="bold")
        axr.text(0.5, y - 0.25, note, ha="center", va="center", fontsize=8)
    arrows = ["sysAlloc", "mcentral.grow\n-> mheap.alloc", "mcache.refill\n-> cacheSpan",
              "nextFreeFast"]
    for (y_hi, *_), (y_lo, *_), label in zip(boxes, boxes[1:], arrows):
        axr.add_patch(FancyArrowPatch((0.5, y_lo + 0.47), (0.5, y_hi - 0.47),
                                      arrowstyle="-|>", mutation_scale=12, color="0.3"))
        axr.text(0.54, (y_lo + y_hi) / 2, label, fontsize=7.5, va="center")
    axr.text(0.5, 0.6, "control: ask the level above only when empty", ha="center",
             fontsize=10, style="italic")
    fig.suptitle(title, fontsize=12)
    return fig


def plot_heap_growth(samples, title: str = ""):
    """HeapSys and HeapInuse (MiB) against bytes requested: the 4 MiB staircase."""
    fig, ax = plt.subplots(figsize=(8, 4))
    req = [s.requested / 2**20 for s in samples]
    ax.step(req, [s.heap_sys / 2**20 for s in samples], where="post", color="tab:blue",
            label="HeapSys (address space the heap owns)")
    ax.plot(req, [s.heap_inuse / 2**20 for s in samples], color="tab:orange",
            label="HeapInuse (pages in spans)")
    ax.plot(req, req, color="0.6", ls=":", label="bytes requested")
    top = max(s.heap_sys for s in samples) / 2**20
    for y in range(4, int(top) + 1, 4):
        ax.axhline(y, color="0.88", lw=0.6, zorder=0)
    ax.set_xlabel("bytes requested so far (MiB)")
    ax.set_ylabel("MiB")
    ax.set_ylim(0, top + 2)
    ax.set_xlim(0, req[-1])
    ax.legend(fontsize=8, loc="upper left")
    ax.set_title(title, fontsize=10)
    fig.subplots_adjust(left=0.09, right=0.98, bottom=0.13, top=0.9)
    return fig
