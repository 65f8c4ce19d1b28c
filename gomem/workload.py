"""Seeded allocation workloads, and plain-data views of the heap they leave behind.

Lessons 05-06 and their widgets need the same few things: a reproducible mix of
allocation sizes, a heap that ran it with the event log on, how many allocations took
each path (``EventLog.path_counts``), and a picture-ready description of the heap:
arenas -> pages -> spans -> object slots.  Everything here is a pure function of its
arguments and the ``random.Random`` passed in (never the global RNG), and returns plain
data; drawing lives in :mod:`gomem.viz`.

What a workload leaves out: frees between allocations (there is no ``free`` in Go;
memory comes back only through a GC, see :mod:`gomem.timeline`) and goroutine
scheduling (allocation ``i`` runs on P ``i % gomaxprocs``, or a random P).
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass

from gomem.bulk import alloc_bit_array
from gomem.events import PATHS, classify
from gomem.heap import Heap
from gomem.mheap import HEAP_ARENA_BYTES
from gomem.mspan import MSpan
from gomem.sizeclasses import MAX_SMALL_ALLOC, PAGE_SIZE

# name -> ((size, noscan, weight), ...).  Sizes are request sizes, as a Go program asks.
SIZE_MIXES: dict[str, tuple[tuple[int, bool, int], ...]] = {
    # structs, small slices and strings: most Go allocations are under 256 B
    "typical": ((8, True, 6), (16, False, 10), (24, False, 10), (32, False, 8), (48, False, 6),
                (64, False, 6), (96, True, 4), (128, False, 4), (256, True, 3), (512, False, 2),
                (1024, False, 2), (4096, True, 1)),
    # pointer-free values under 16 B: the tiny allocator packs them into 16-B blocks
    "tiny": ((1, True, 2), (2, True, 2), (4, True, 3), (8, True, 4), (12, True, 2),
             (24, False, 1)),
    # one class only: every allocation takes the same path through one mcentral
    "one class (48 B)": ((48, False, 1),),
    # some requests above 32760 B: each gets its own span straight from mheap
    "with large": ((32, False, 8), (256, False, 4), (2048, True, 2), (40000, True, 1),
                   (100000, False, 1)),
}


def random_sizes(rng: random.Random, mix: str, count: int) -> list[tuple[int, bool]]:
    """``count`` (size, noscan) requests drawn from ``SIZE_MIXES[mix]`` with ``rng``."""
    table = SIZE_MIXES[mix]
    population = [(size, noscan) for size, noscan, _ in table]
    weights = [w for _, _, w in table]
    return rng.choices(population, weights, k=count)


@dataclass
class WorkloadRun:
    """A heap after a workload, with what it took to get there."""

    heap: Heap
    requests: list[tuple[int, bool, int]]   # (size, noscan, P) in order
    addrs: list[int]
    path_counts: dict[str, int]             # every path of ``PATHS``, in that order

    @property
    def lock_acquisitions(self) -> int:
        """Times the heap lock was taken (page allocator, page-cache refills, frees)."""
        return self.heap.mheap.lock_acquisitions


def run_workload(rng: random.Random, count: int, mix: str = "typical", gomaxprocs: int = 1,
                 greenteagc: bool = True, random_p: bool = False) -> WorkloadRun:
    """Allocate ``count`` objects from ``mix`` on a fresh heap with the event log on.

    Allocation ``i`` runs on P ``i % gomaxprocs`` (or a random P if ``random_p``).
    """
    sizes = random_sizes(rng, mix, count)
    h = Heap(gomaxprocs=gomaxprocs, greenteagc=greenteagc, record_events=True)
    requests, addrs = [], []
    for i, (size, noscan) in enumerate(sizes):
        p = rng.randrange(gomaxprocs) if random_p else i % gomaxprocs
        requests.append((size, noscan, p))
        addrs.append(h.malloc(size, noscan, p))
    counts = h.events.path_counts()
    return WorkloadRun(h, requests, addrs, {path: counts.get(path, 0) for path in PATHS})


class IncrementalWorkload:
    """``run_workload`` that can be extended: ``advance(count)`` allocates only the missing
    requests, so a widget moving a count slider up pays for the new allocations alone.

    Request ``i`` is the same as in ``run_workload(random.Random(seed), n, ...)`` for every
    ``n > i`` (weighted ``rng.choices`` draws one number per request, in order), so the heap
    after ``advance(n)`` equals the heap of ``run_workload`` with ``count=n``, and so do the
    path counts.

    Its heap logs only the allocations that leave ``Heap.malloc``'s inlined fast path
    (``record_events="slow"``), at half the cost of logging all.  An allocation that logged
    nothing took one of the fast path's two paths: it fitted the tiny block if the P's
    ``tiny_allocs`` count went up, else it hit ``nextFreeFast`` (a new tiny block or a slot
    of its class).
    """

    def __init__(self, seed: int, mix: str = "typical", gomaxprocs: int = 1,
                 greenteagc: bool = True):
        self.seed, self.mix, self.gomaxprocs, self.greenteagc = seed, mix, gomaxprocs, greenteagc
        self._restart()

    def _restart(self) -> None:
        self.rng = random.Random(self.seed)
        self.heap = Heap(gomaxprocs=self.gomaxprocs, greenteagc=self.greenteagc,
                         record_events="slow")
        self.requests: list[tuple[int, bool, int]] = []
        self.addrs: list[int] = []
        self.counts: Counter = Counter()   # path_counts of the allocations made so far

    def advance(self, count: int) -> WorkloadRun:
        """The heap after ``count`` allocations (restarting if it is already past them)."""
        if count < len(self.requests):
            self._restart()
        h, events = self.heap, self.heap.events.events
        start = len(events)
        for size, noscan in random_sizes(self.rng, self.mix, count - len(self.requests)):
            p = len(self.requests) % self.gomaxprocs
            self.requests.append((size, noscan, p))
            logged, c = len(events), h.mcaches[p]
            fits = c.tiny_allocs
            self.addrs.append(h.malloc(size, noscan, p))
            if len(events) == logged:     # served by Heap.malloc's inlined fast path
                self.counts["tiny block" if c.tiny_allocs != fits else "nextFreeFast"] += 1
        self.counts += h.events.path_counts(start)     # the new slow-path allocations
        return WorkloadRun(h, list(self.requests), list(self.addrs),
                           {path: self.counts.get(path, 0) for path in PATHS})


def path_of(size: int, noscan: bool) -> str:
    """Which ``mallocgc`` path a request takes (before any cache decides the cost)."""
    if size == 0:
        return "zerobase"
    if size > MAX_SMALL_ALLOC:
        return "large"
    if noscan:
        return "tiny" if size < 16 else "small noscan"
    return "small scan" if size <= 512 else "small scan + header"


# --- the heap as plain data, for maps -------------------------------------------------

@dataclass(frozen=True)
class SpanView:
    """One in-use span as a heap map draws it."""

    base: int
    npages: int
    spanclass: int
    elemsize: int
    nelems: int
    in_use: tuple[bool, ...]   # per slot: holds an object (i < freeindex or alloc bit)
    cached_by: int | None      # P whose mcache holds the span, or None
    sweepgen: int

    @property
    def sizeclass(self) -> int:
        return self.spanclass >> 1

    @property
    def noscan(self) -> bool:
        return bool(self.spanclass & 1)

    @property
    def used(self) -> int:
        return sum(self.in_use)


@dataclass(frozen=True)
class HeapView:
    """Arenas, mapped chunks, spans and per-P page caches of a heap."""

    arenas: tuple[int, ...]                 # arena base addresses (64 MiB each)
    grown_bytes: int                        # address space handed to the page allocator
    first_page: int                         # address of the lowest page in the map
    spans: tuple[SpanView, ...]             # in address order
    page_caches: dict[int, tuple[int, ...]]  # P -> free page addresses in its page cache
    sweepgen: int

    def page_index(self, addr: int) -> int:
        return (addr - self.first_page) // PAGE_SIZE

    @property
    def pages_spanned(self) -> int:
        """Pages from the first page to the end of the last span or cached page."""
        ends = [s.base + s.npages * PAGE_SIZE for s in self.spans]
        ends += [a + PAGE_SIZE for pages in self.page_caches.values() for a in pages]
        return self.page_index(max(ends)) if ends else 0


def heap_view(h: Heap) -> HeapView:
    """Plain-data snapshot of ``h`` for drawing (arena -> pages -> spans -> slots)."""
    cached = {id(s): c.pid for c in h.mcaches for _, s in c.cached_spans()}
    spans = []
    for s in h.spans():
        in_use = tuple(h.is_live(s, i) for i in range(s.nelems))
        spans.append(SpanView(s.start_addr, s.npages, s.spanclass, s.elemsize, s.nelems, in_use,
                              cached.get(id(s)), s.sweepgen))
    arenas = tuple(h.mheap.arenas)
    return HeapView(arenas, h.stats.heap_in_use + h.stats.heap_free + h.stats.heap_released,
                    arenas[0] if arenas else 0, tuple(spans),
                    {c.pid: tuple(c.pcache.pages()) for c in h.mcaches}, h.mheap.sweepgen)


def span_classes_in_use(view: HeapView) -> list[int]:
    """Distinct span classes of the view's spans, sorted."""
    return sorted({s.spanclass for s in view.spans})


def arena_fraction(view: HeapView) -> float:
    """Fraction of the first arena that the page allocator has been given (grown into)."""
    if not view.arenas:
        return 0.0
    return min(1.0, view.grown_bytes / HEAP_ARENA_BYTES)


def span_summary(s: MSpan) -> dict:
    """The fields lesson 05 prints for a span, as plain ints and strings."""
    return {"start_addr": hex(s.start_addr), "npages": s.npages, "nelems": s.nelems,
            "freeindex": s.freeindex, "allocCache": f"{s.alloc_cache:#018x}",
            "allocBits": s.alloc_bits.hex(), "gcmarkBits": s.gcmark_bits.hex(),
            "allocCount": s.alloc_count, "spanclass": s.spanclass,
            "sizeclass": s.sizeclass, "noscan": s.noscan, "elemsize": s.elemsize,
            "limit": hex(s.limit), "sweepgen": s.sweepgen, "state": s.state.value,
            "needzero": s.needzero}


# --- one span, stepped slot by slot (lesson 05) ---------------------------------------

@dataclass(frozen=True)
class SpanStep:
    """A span's allocation state after one more ``malloc`` (step 0: right after the GC)."""

    step: int
    slot: int | None            # slot handed out by this step (None for step 0)
    path: str                   # events.classify of this malloc ("" for step 0)
    freeindex: int
    alloc_cache: int            # 64 bits; bit 0 is slot freeindex
    alloc_bits: tuple[bool, ...]
    in_use: tuple[bool, ...]    # not isFree: i < freeindex or alloc bit set
    alloc_count: int


@dataclass(frozen=True)
class SpanSteps:
    """A span filled, collected with some survivors, then allocated from step by step."""

    size: int
    noscan: bool
    survival: float
    nelems: int
    elemsize: int
    survivors: int
    steps: tuple[SpanStep, ...]

    @property
    def free_after_gc(self) -> int:
        return self.nelems - self.survivors


def _span_step(s: MSpan, step: int, slot, path: str) -> SpanStep:
    """A snapshot of ``s``."""
    bits = alloc_bit_array(s).astype(bool)
    in_use = bits.copy()
    in_use[:s.freeindex] = True          # isFree is false below freeindex
    return SpanStep(step, slot, path, s.freeindex, s.alloc_cache, tuple(bits.tolist()),
                    tuple(in_use.tolist()), s.alloc_count)


def step_span(rng: random.Random, size: int = 48, survival: float = 0.4, steps: int = 0,
              noscan: bool = False, greenteagc: bool = True) -> SpanSteps:
    """Fill one span of ``size``-byte objects, GC keeping each with probability ``survival``,
    then make ``steps`` more allocations (capped at the free slots) from that span.

    Every step records freeindex, alloc_cache, alloc_bits and which path ``mallocgc`` took,
    so a lesson can show ``nextFreeFast`` hits and its bail-out at each 64-slot boundary.
    """
    h = Heap(greenteagc=greenteagc)
    first = h.malloc(size, noscan)
    s = h.span_of(first)
    addrs = [first] + [h.malloc(size, noscan) for _ in range(s.nelems - 1)]
    live = [a for a in addrs if rng.random() < survival]
    h.gc(live)
    out = [_span_step(s, 0, None, "")]
    for k in range(1, min(steps, s.nelems - len(live)) + 1):
        addr, events = h.trace_malloc(size, noscan)
        out.append(_span_step(s, k, s.object_index(addr), classify(events)))
    return SpanSteps(size, noscan, survival, s.nelems, s.elemsize, len(live), tuple(out))


# --- what fills a span's bytes (lesson 05) -----------------------------------------------

@dataclass(frozen=True)
class SpanLayout:
    """Byte budget of one span of a size class, in memory order."""

    sizeclass: int
    noscan: bool
    greenteagc: bool
    span_bytes: int
    elemsize: int
    nelems: int
    table_objects: int     # the size-class table's "objects" column (span_bytes // size)
    tail: int              # bytes after the last slot that nothing uses
    heap_bits: int         # pointer/scalar bitmap at the end (pointerful, <= 512 B)
    inline_marks: int      # Green Tea mark bits in the last 128 B of the page

    @property
    def objects_bytes(self) -> int:
        return self.nelems * self.elemsize


def span_layout(sizeclass: int, noscan: bool, greenteagc: bool = True) -> SpanLayout:
    """How ``initSpan`` spends a span of ``sizeclass``: slots, tail, heap bits, inline marks."""
    from gomem.mheap import span_nelems, uses_inline_mark_bits
    from gomem.sizeclasses import CLASS_TO_NPAGES, CLASS_TO_SIZE, MIN_SIZE_FOR_MALLOC_HEADER

    nbytes = CLASS_TO_NPAGES[sizeclass] * PAGE_SIZE
    elemsize = CLASS_TO_SIZE[sizeclass]
    nelems = span_nelems(sizeclass, noscan, greenteagc)
    marks = 128 if uses_inline_mark_bits(elemsize, greenteagc) else 0
    hbits = nbytes // 64 if (elemsize <= MIN_SIZE_FOR_MALLOC_HEADER and not noscan) else 0
    tail = nbytes - nelems * elemsize - marks - hbits
    return SpanLayout(sizeclass, noscan, greenteagc, nbytes, elemsize, nelems,
                      nbytes // elemsize, tail, hbits, marks)
