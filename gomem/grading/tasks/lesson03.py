"""Lesson 03, Go's memory model: how the heap grows, and what a span class is.

``03.heap_growth`` is checked against a fresh :class:`gomem.Heap` that allocates one
large object of ``n`` pages per request (``n >= 16``, so every span comes straight from
the page allocator, not from a P's page cache): after each request, the chunks the
page allocator has (``mheap.grow``, 4 MiB each) and the arenas ``sysAlloc`` reserved
(64 MiB each).  The span-class tasks are checked against :mod:`gomem.spanclass`.
"""

from __future__ import annotations

from gomem.grading.tasks import Task
from gomem.sizeclasses import NUM_SIZE_CLASSES, PAGE_SIZE

LESSON = "03"
CHUNK_PAGES = 512                   # pallocChunkPages: 4 MiB / 8 KiB
ARENA_CHUNKS = 16                   # heapArenaBytes / pallocChunkBytes: 64 MiB / 4 MiB


# --- 03.heap_growth ---------------------------------------------------------------------

def _ref_growth(requests):
    from gomem import Heap
    h = Heap()
    out = []
    for n in requests:
        h.malloc(n * PAGE_SIZE, noscan=True)
        out.append([len(h.mheap.pages.chunks), len(h.mheap.arenas)])
    return out


def _growth_variant(requests, shortfall=False, reuse_tail=True, per_ask=True):
    """``mheap.grow`` by hand, one rule switched off: tells which rule an answer misses."""
    chunks = arenas = free = 0
    out = []
    for n in requests:
        if not reuse_tail:
            free = 0
        if free < n:
            ask = -(-(n - free if shortfall else n) // CHUNK_PAGES)
            if per_ask:
                if chunks + ask > arenas * ARENA_CHUNKS:
                    arenas += -(-ask // ARENA_CHUNKS)
            else:
                arenas = -(-(chunks + ask) // ARENA_CHUNKS)
            chunks += ask
            free += ask * CHUNK_PAGES
        free -= n
        out.append([chunks, arenas])
    return out


def _describe_growth(args):
    (requests,) = args
    return f"heap_growth({requests})"


def _compare_growth(args, expected, got):
    (requests,) = args
    e, g = expected["return"], got["return"]
    if not (isinstance(g, list) and all(
            isinstance(p, list) and len(p) == 2 and all(isinstance(v, int) for v in p)
            for p in g)):
        return "return one [chunks, arenas] pair per request, e.g. [[1, 1], [1, 1]]"
    if len(g) != len(e):
        return f"one [chunks, arenas] pair per request: expected {len(e)}, got {len(g)}"
    i = next(i for i in range(len(e)) if e[i] != g[i])
    where = f"after request {i + 1} ({requests[i]} pages)"
    if g == _growth_variant(requests, shortfall=True):
        return (f"{where}: mheap.grow asks for the whole request rounded up to chunks, "
                "not just the pages missing at the end of the heap")
    if g == _growth_variant(requests, reuse_tail=False):
        return (f"{where}: free pages left at the end of the last chunk are used first; the "
                "heap grows only when they are too few")
    if g == _growth_variant(requests, per_ask=False):
        return (f"{where}: sysAlloc reserves whole arenas for the ask (ceil(ask / 64 MiB)) "
                "when the current arena is too small - not just enough for the total")
    if all(p[0] == q[0] for p, q in zip(e, g)):
        return f"{where}: right chunks, wrong arenas: expected {e[i][1]}, got {g[i][1]}"
    if all(p[1] == q[1] for p, q in zip(e, g)):
        return f"{where}: right arenas, wrong chunks: expected {e[i][0]}, got {g[i][0]}"
    return f"{where}: expected [chunks, arenas] = {e[i]}, got {g[i]} (totals so far)"


_PUBLIC_GROWTH = [[[16]], [[512]], [[513]], [[100, 200, 300]], [[112, 600]], [[8192]], [[8193]],
                  [[8000, 300]], [[7000, 7000]], [[7680, 8704]], [[16] * 40],
                  [[600, 20000, 16]]]


def _hidden_growth(rng):
    out = []
    for _ in range(25):
        big = rng.random() < 0.3
        out.append([[rng.randrange(16, 20000 if big else 3000)
                     for _ in range(rng.randrange(1, 12))]])
    return out


# --- 03.span_class / 03.span_class_parts -------------------------------------------------

def _ref_span_class(sizeclass, noscan):
    from gomem.spanclass import make_span_class
    return make_span_class(sizeclass, noscan)


def _compare_span_class(args, expected, got):
    sizeclass, noscan = args
    e, g = expected["return"], got["return"]
    if not isinstance(g, int) or isinstance(g, bool):
        return f"return the span class as an int, not {g!r}"
    if g == sizeclass << 1 | (not noscan):
        return "the low bit is 1 for noscan (no pointers), 0 for objects with pointers"
    if g == sizeclass | int(noscan) or g == sizeclass + int(noscan):
        return "shift the size class left by one first: sizeclass << 1 | noscan"
    if g == sizeclass << 1:
        return "add the noscan bit: sizeclass << 1 | noscan"
    return f"expected {e} = {sizeclass} << 1 | {int(noscan)}, got {g}"


def _ref_parts(spc):
    from gomem.spanclass import noscan_of, sizeclass_of
    return sizeclass_of(spc), noscan_of(spc)


def _compare_parts(args, expected, got):
    (spc,) = args
    (es, en), g = expected["return"], got["return"]
    if not (isinstance(g, list) and len(g) == 2):
        return f"return (sizeclass, noscan), not {g!r}"
    gs, gn = g
    if gs == es and gn in (0, 1) and bool(gn) == en:
        return None                                   # noscan as 0/1 is fine too
    if gs == spc // 2 and gs != es:
        return f"right class, wrong noscan: the low bit of {spc} is {spc & 1}"
    if gs == spc and gn == en:
        return "the size class is the span class without its low bit: spc >> 1"
    if gs == es:
        return f"right size class; noscan is spc & 1 = {spc & 1} -> {en}"
    if bool(gn) == en:
        return f"right noscan; the size class is spc >> 1 = {es}"
    return f"expected ({es}, {en}), got {g!r}"


_PUBLIC_SC = [[0, False], [0, True], [1, False], [1, True], [2, True], [3, False], [5, True],
              [32, False], [67, False], [67, True]]


TASKS = [
    Task(id="03.heap_growth", points=4, names=("heap_growth",),
         title="chunks (4 MiB) and arenas (64 MiB) the heap has after each large request",
         reference=_ref_growth, public=lambda: _PUBLIC_GROWTH, hidden=_hidden_growth,
         compare=_compare_growth, describe=_describe_growth, adapter="copy",
         forbidden=("gomem.Heap", "gomem.heap.Heap", "gomem.mheap.MHeap",
                    "gomem.mheap.MHeap.grow", "gomem.mheap.MHeap.sys_alloc",
                    "gomem.course.growth.heap_growth")),
    Task(id="03.span_class", points=3, names=("span_class",),
         title="makeSpanClass: (sizeclass, noscan) -> span class",
         reference=_ref_span_class, public=lambda: _PUBLIC_SC,
         hidden=lambda rng: [[rng.randrange(NUM_SIZE_CLASSES), rng.random() < 0.5]
                             for _ in range(40)],
         compare=_compare_span_class,
         describe=lambda args: f"span_class({args[0]}, noscan={args[1]})",
         forbidden=("gomem.spanclass.make_span_class",)),
    Task(id="03.span_class_parts", points=3, names=("span_class_parts",),
         title="a span class -> (sizeclass, noscan)",
         reference=_ref_parts,
         public=lambda: [[s] for s in (0, 1, 2, 5, 6, 7, 64, 65, 134, 135)],
         hidden=lambda rng: [[rng.randrange(2 * NUM_SIZE_CLASSES)] for _ in range(40)],
         compare=_compare_parts, describe=lambda args: f"span_class_parts({args[0]})",
         forbidden=("gomem.spanclass.sizeclass_of", "gomem.spanclass.noscan_of",
                    "gomem.spanclass.describe")),
]
