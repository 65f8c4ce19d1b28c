"""mcache: each P's private span per span class — allocation without locks.

Models ``type mcache`` in ``runtime/mcache.go`` (``refill``, ``allocLarge``,
``releaseAll``, ``prepareForSweep``) and ``mcache.nextFree`` from ``runtime/malloc.go``.

Every P (a logical processor, ``GOMAXPROCS`` of them) owns one mcache.  It holds one
span for each of the 136 span classes in ``alloc``; a goroutine running on the P takes
slots from those spans with no lock at all, because nothing else touches them.  When a
span is full, ``refill`` hands it back to its ``mcentral`` and takes another one.  The
mcache also holds the P's *tiny block* (``tiny``/``tinyoffset``) where pointer-free
requests under 16 B are packed together.

Allocation statistics are credited when a span *leaves* the mcache: ``refill`` and
``releaseAll`` add ``alloc_count - alloc_count_before_cache`` to the class's count.

Simplification: the model has no separate ``p`` struct, so the P's page cache
(``p.pcache``) lives here as ``pcache``.
"""

from __future__ import annotations

from gomem.errors import HeapCorruptionError
from gomem.mspan import MSpan
from gomem.pagealloc import PageCache
from gomem.sizeclasses import PAGE_SIZE
from gomem.spanclass import NUM_SPAN_CLASSES, TINY_SPAN_CLASS, make_span_class

# ``emptymspan``: the placeholder an mcache holds for a class it has no span of.
# It has no slots, so every allocation from it falls through to refill.
EMPTY_MSPAN = MSpan(0, 0)


class MCache:
    """``type mcache`` of one P."""

    def __init__(self, pid: int, mheap):
        self.pid = pid
        self.mheap = mheap
        self.alloc: list[MSpan] = [EMPTY_MSPAN] * NUM_SPAN_CLASSES
        self.tiny = 0            # address of the current tiny block, 0 if none
        self.tinyoffset = 0      # bytes of it already used
        self.tiny_allocs = 0     # tiny sub-allocations not yet added to the stats
        self.pcache = PageCache()
        self.flush_gen = mheap.sweepgen

    def next_free(self, spc: int) -> tuple[int, MSpan, bool]:
        """``mcache.nextFree``: a slot from the cached span, refilling it if it is full.

        Returns (address, span, whether a span was fetched — the runtime then checks
        whether to start a GC).
        """
        log = self.mheap.log
        s = self.alloc[spc]
        refilled = False
        free_index = s.next_free_index()
        if log.on:
            log.emit("mspan.nextFreeIndex", f"-> {free_index} of {s.nelems}")
        if free_index == s.nelems:
            if s.alloc_count != s.nelems:
                raise HeapCorruptionError(
                    "fatal error: s.allocCount != s.nelems && freeIndex == s.nelems")
            self.refill(spc)
            refilled = True
            s = self.alloc[spc]
            free_index = s.next_free_index()
        if free_index >= s.nelems:
            raise HeapCorruptionError("fatal error: freeIndex is not valid")
        s.alloc_count += 1
        return s.start_addr + free_index * s.elemsize, s, refilled

    def refill(self, spc: int) -> None:
        """``mcache.refill``: return the full span to mcentral, cache one with free slots."""
        h = self.mheap
        s = self.alloc[spc]
        if h.log.on:
            h.log.emit("mcache.refill", f"spanclass={spc}")
        if s.alloc_count != s.nelems:
            raise HeapCorruptionError("fatal error: refill of span with free space remaining")
        if s is not EMPTY_MSPAN:
            if s.sweepgen != h.sweepgen + 3:
                raise HeapCorruptionError("fatal error: bad sweepgen in refill")
            h.central[spc].uncache_span(s)
            h.stats.small_alloc_count[spc >> 1] += s.alloc_count - s.alloc_count_before_cache
            if spc == TINY_SPAN_CLASS:
                h.stats.tiny_alloc_count += self.tiny_allocs
                self.tiny_allocs = 0
            s.alloc_count_before_cache = 0
        s = h.central[spc].cache_span(self.pcache)
        if s.alloc_count == s.nelems:
            raise HeapCorruptionError("fatal error: span has no free space")
        s.sweepgen = h.sweepgen + 3   # cached: the sweeper must leave it alone
        s.alloc_count_before_cache = s.alloc_count
        self.alloc[spc] = s

    def alloc_large(self, size: int, noscan: bool) -> MSpan:
        """``mcache.allocLarge``: a span of whole pages for one large object."""
        h = self.mheap
        npages = -(-size // PAGE_SIZE)
        if h.log.on:
            h.log.emit("mcache.allocLarge", f"npages={npages}")
        spc = make_span_class(0, noscan)
        s = h.alloc(npages, spc, self.pcache)
        h.stats.large_alloc += npages * PAGE_SIZE
        h.stats.large_alloc_count += 1
        c = h.central[spc]
        c.push(c.full_swept(h.sweepgen), s)   # visible to the sweeper
        s.limit = s.start_addr + size
        return s

    def release_all(self) -> None:
        """``mcache.releaseAll``: give every cached span back and drop the tiny block."""
        h = self.mheap
        for spc, s in enumerate(self.alloc):
            if s is not EMPTY_MSPAN:
                h.stats.small_alloc_count[spc >> 1] += s.alloc_count - s.alloc_count_before_cache
                s.alloc_count_before_cache = 0
                h.central[spc].uncache_span(s)
                self.alloc[spc] = EMPTY_MSPAN
        self.tiny = 0
        self.tinyoffset = 0
        h.stats.tiny_alloc_count += self.tiny_allocs
        self.tiny_allocs = 0

    def prepare_for_sweep(self) -> None:
        """``mcache.prepareForSweep``: flush once per sweep generation."""
        sg = self.mheap.sweepgen
        if self.flush_gen == sg:
            return
        if self.flush_gen != sg - 2:
            raise HeapCorruptionError(f"fatal error: bad flushGen {self.flush_gen} in "
                                      f"prepareForSweep; sweepgen {sg}")
        self.release_all()
        self.flush_gen = sg

    def cached_spans(self) -> list[tuple[int, MSpan]]:
        """(span class, span) for every class this mcache holds a real span of."""
        return [(spc, s) for spc, s in enumerate(self.alloc) if s is not EMPTY_MSPAN]
