"""``Heap.check()``: every invariant the allocator relies on, verified from scratch.

The runtime ``throw``s when it trips over a broken invariant; these checks look for
all of them at once, so tests (and curious learners who poke at a span) find out
right away.  Checked:

* each span: ``0 <= freeindex <= nelems``; ``alloc_count`` = slots in use (below
  ``freeindex`` or with an alloc bit); ``nelems`` as ``initSpan`` computes it; ``limit``;
  ``alloc_cache`` agrees with ``alloc_bits`` at ``freeindex``; spans do not overlap;
* pages: every page the page allocator marks in use belongs to exactly one span or one
  P's page cache, and every span's pages are marked in use; summaries match bitmaps;
* placement: every span is either cached by exactly one P (at most one span per span
  class per P, ``sweepgen`` sg+3 or sg+1) or sits in exactly one set of its mcentral
  (swept sets hold ``sweepgen == sg`` spans; unswept ones ``sg-2``);
* the tiny block, if any, is an in-use 16-byte noscan slot;
* stats: heap_inuse = bytes of in-use spans; heap_sys = all grown memory; objects
  counted by the stats (including those not yet flushed from mcaches) = objects in spans.
"""

from __future__ import annotations

from collections import Counter

from gomem.errors import HeapCorruptionError
from gomem.mcache import EMPTY_MSPAN
from gomem.mheap import span_nelems
from gomem.mspan import MASK64, MSpanState
from gomem.pagealloc import summarize
from gomem.sizeclasses import PAGE_SHIFT, PAGE_SIZE
from gomem.spanclass import TINY_SPAN_CLASS


def _fail(msg: str) -> None:
    raise HeapCorruptionError(f"fatal error: {msg}")


def check_span(s, greenteagc: bool) -> None:
    """The invariants of one in-use span."""
    where = f"span {s.start_addr:#x}"
    if not 0 <= s.freeindex <= s.nelems:
        _fail(f"{where}: s.freeindex > s.nelems ({s.freeindex} > {s.nelems})")
    sizeclass = s.spanclass >> 1
    if sizeclass:
        want = span_nelems(sizeclass, s.noscan, greenteagc)
        if s.nelems != want:
            _fail(f"{where}: nelems {s.nelems}, initSpan gives {want}")
    elif (s.nelems, s.elemsize) != (1, s.npages * PAGE_SIZE):
        _fail(f"{where}: large span must hold one object of npages*8192 bytes")
    in_use = sum(1 for i in range(s.nelems) if not s.is_free(i))
    if s.alloc_count != in_use:
        _fail(f"{where}: s.allocCount={s.alloc_count} but {in_use} slots are in use")
    if sizeclass and s.limit != s.start_addr + s.nelems * s.elemsize:
        _fail(f"{where}: limit {s.limit:#x} != base + nelems*elemsize")
    if sizeclass and s.freeindex < s.nelems:
        word = int.from_bytes(s.alloc_bits[(s.freeindex & ~63) // 8:][:8], "little")
        if s.alloc_cache != (~word & MASK64) >> (s.freeindex % 64):
            _fail(f"{where}: allocCache does not mirror allocBits at freeindex {s.freeindex}")


def check_heap(heap) -> None:
    h, sg = heap.mheap, heap.mheap.sweepgen
    spans = h.spans.in_address_order()
    # Spans and pages.
    owned: dict[int, object] = {}
    prev_end = 0
    for s in spans:
        if s.state is not MSpanState.IN_USE:
            _fail(f"span {s.start_addr:#x} in the span map is {s.state.value}")
        if s.start_addr < prev_end:
            _fail(f"span {s.start_addr:#x} overlaps the span before it")
        prev_end = s.start_addr + s.npages * PAGE_SIZE
        check_span(s, heap.greenteagc)
        first = s.start_addr >> PAGE_SHIFT
        for page in range(first, first + s.npages):
            owned[page] = s
    for c in heap.mcaches:
        for addr in c.pcache.pages():
            if addr >> PAGE_SHIFT in owned:
                _fail(f"page {addr:#x} is both in P {c.pid}'s page cache and in a span")
            owned[addr >> PAGE_SHIFT] = c.pcache
    in_use = h.pages.in_use_pages()
    if set(owned) != in_use:
        extra = sorted(in_use - set(owned))[:3]
        missing = sorted(set(owned) - in_use)[:3]
        _fail(f"page ownership broken: in use but unowned {[p << PAGE_SHIFT for p in extra]}, "
              f"owned but free {[p << PAGE_SHIFT for p in missing]}")
    for ci, chunk in h.pages.chunks.items():
        if summarize(chunk.pages) != h.pages.summary[-1].get(ci, (0, 0, 0)):
            _fail(f"bad summary data for chunk {ci}")
    # Placement: cached by one P, or in one mcentral set.
    where = Counter()
    for c in heap.mcaches:
        for spc, s in enumerate(c.alloc):
            if s is EMPTY_MSPAN:
                continue
            if s.spanclass != spc:
                _fail(f"P {c.pid} caches span {s.start_addr:#x} of class {s.spanclass} at {spc}")
            if s.sweepgen not in (sg + 1, sg + 3):
                _fail(f"cached span {s.start_addr:#x} has sweepgen {s.sweepgen} (heap {sg})")
            where[id(s)] += 1
    for cen in h.central:
        for sets, want in ((cen.partial, None), (cen.full, None)):
            for i, span_set in enumerate(sets):
                swept = i == sg // 2 % 2
                for s in span_set:
                    if s.state is not MSpanState.IN_USE or s.sweepgen not in (sg, sg - 2) \
                            or (not swept and s.sweepgen != sg - 2):
                        continue   # already swept elsewhere: a stale entry, skipped on pop
                    if swept and s.sweepgen != sg:
                        _fail(f"span {s.start_addr:#x} in a swept set has sweepgen {s.sweepgen}")
                    if s.spanclass != cen.spanclass:
                        _fail(f"span {s.start_addr:#x} is in the mcentral of another class")
                    where[id(s)] += 1
    for s in spans:
        if where[id(s)] != 1:
            _fail(f"span {s.start_addr:#x} is cached/queued {where[id(s)]} times, not once")
    # The tiny blocks.
    for c in heap.mcaches:
        if c.tiny:
            s = heap.span_of(c.tiny)
            if s is None or s.spanclass != TINY_SPAN_CLASS or s.is_free(s.object_index(c.tiny)):
                _fail(f"P {c.pid}'s tiny block {c.tiny:#x} is not an in-use 16-byte noscan slot")
            if not 0 < c.tinyoffset <= 16:
                _fail(f"P {c.pid}'s tinyoffset {c.tinyoffset} is out of range")
    _check_stats(heap, spans)


def _check_stats(heap, spans) -> None:
    st = heap.stats
    inuse = sum(s.npages for s in spans) * PAGE_SIZE
    if st.heap_in_use != inuse:
        _fail(f"heapInUse={st.heap_in_use} but in-use spans hold {inuse} bytes")
    if st.heap_in_use + st.heap_free + st.heap_released != heap.mheap.pages.mapped_bytes():
        _fail("heapInUse + heapFree + heapReleased != memory grown into the heap")
    pending = Counter()
    for c in heap.mcaches:
        for spc, s in c.cached_spans():
            pending[spc >> 1] += s.alloc_count - s.alloc_count_before_cache
    for sizeclass in range(1, len(st.small_alloc_count)):
        counted = st.small_alloc_count[sizeclass] + pending[sizeclass] - st.small_free_count[sizeclass]
        actual = sum(s.alloc_count for s in spans if s.spanclass >> 1 == sizeclass)
        if counted != actual:
            _fail(f"class {sizeclass}: stats count {counted} objects, spans hold {actual}")
    large = sum(1 for s in spans if s.spanclass >> 1 == 0)
    if st.large_alloc_count - st.large_free_count != large:
        _fail(f"stats count {st.large_alloc_count - st.large_free_count} large objects, "
              f"spans hold {large}")
