"""mcentral: the spans of one span class that no P holds right now.

Models ``type mcentral`` in ``runtime/mcentral.go`` (``cacheSpan``, ``uncacheSpan``,
``grow``) and the FIFO ``spanSet`` of ``runtime/mspanset.go``.

An mcentral keeps four span sets: *partial* (has a free slot) and *full*, each split
into *swept* and *unswept* for the current GC cycle.  Which of the two physical sets
is "swept" flips each cycle: ``partial[sweepgen//2 % 2]`` is swept, the other one
unswept — so when a GC adds 2 to ``sweepgen``, every swept set becomes unswept at once,
without touching a span.

The seed describes mcentral with a lock and linked lists of spans (``nonempty`` /
``empty``); that was the design until Go 1.15.  Today the sets are lock-free, so
``mcentral`` itself takes no lock; the model counts span-set operations instead.

What the model leaves out: concurrency (the sets are ``deque``s), and proportional
sweeping (``deductSweepCredit``).
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

from gomem.errors import HeapCorruptionError
from gomem.mgcsweep import sweep, try_acquire
from gomem.sizeclasses import CLASS_TO_NPAGES

if TYPE_CHECKING:
    from gomem.mspan import MSpan
    from gomem.pagealloc import PageCache

SPAN_BUDGET = 100   # cacheSpan sweeps at most this many unswept spans before growing


class MCentral:
    """``type mcentral`` for one span class."""

    def __init__(self, spanclass: int, mheap):
        self.spanclass = spanclass
        self.mheap = mheap
        self.partial = (deque(), deque())   # spans with free slots, [swept/unswept by sweepgen]
        self.full = (deque(), deque())      # spans with none
        self.span_set_ops = 0               # push/pop count (was a lock per class before 1.15)

    def partial_swept(self, sg: int) -> deque:
        return self.partial[sg // 2 % 2]

    def partial_unswept(self, sg: int) -> deque:
        return self.partial[1 - sg // 2 % 2]

    def full_swept(self, sg: int) -> deque:
        return self.full[sg // 2 % 2]

    def full_unswept(self, sg: int) -> deque:
        return self.full[1 - sg // 2 % 2]

    def push(self, span_set: deque, s: MSpan) -> None:
        self.span_set_ops += 1
        span_set.append(s)

    def pop(self, span_set: deque) -> MSpan | None:
        self.span_set_ops += 1
        return span_set.popleft() if span_set else None

    def cache_span(self, pcache: PageCache | None) -> MSpan:
        """``mcentral.cacheSpan``: a span with at least one free slot, for an mcache.

        In order: a partial swept span; else sweep partial unswept spans; else sweep full
        unswept spans hoping one frees a slot (these two share a budget of 100 spans);
        else ``grow`` a new span from the heap.
        """
        h = self.mheap
        log = h.log
        sg = h.sweepgen
        source = "partialSwept"
        s = self.pop(self.partial_swept(sg))
        if s is None and not h.sweep_done():
            budget = SPAN_BUDGET
            while budget >= 0 and s is None:
                cand = self.pop(self.partial_unswept(sg))
                if cand is None:
                    break
                if try_acquire(h, cand):
                    sweep(h, cand, preserve=True)
                    s, source = cand, "partialUnswept (swept it)"
                budget -= 1
            while budget >= 0 and s is None:
                cand = self.pop(self.full_unswept(sg))
                if cand is None:
                    break
                if try_acquire(h, cand):
                    sweep(h, cand, preserve=True)
                    free_index = cand.next_free_index()
                    if free_index != cand.nelems:
                        cand.freeindex = free_index
                        s, source = cand, "fullUnswept (sweeping freed a slot)"
                    else:
                        self.push(self.full_swept(sg), cand)
                budget -= 1
        if s is None:
            source = "grow"
            s = self.grow(pcache)
        if log.on:
            log.emit("mcentral.cacheSpan", f"{source}: {s.start_addr:#x}")
        if s.nelems - s.alloc_count == 0 or s.freeindex == s.nelems:
            raise HeapCorruptionError("fatal error: span has no free objects")
        # Point alloc_cache at freeindex: load its 64-slot word, shift off the used part.
        s.refill_alloc_cache((s.freeindex & ~63) // 8)
        s.alloc_cache >>= s.freeindex % 64
        return s

    def uncache_span(self, s: MSpan) -> None:
        """``mcentral.uncacheSpan``: an mcache gives a span back.

        A span cached before the current sweep began (``sweepgen == sg+1``) is stale:
        it is swept right here.  Otherwise it goes to the partial or full swept set.
        """
        h = self.mheap
        if s.alloc_count == 0:
            raise HeapCorruptionError("fatal error: uncaching span but s.allocCount == 0")
        sg = h.sweepgen
        if h.log.on:
            h.log.emit("mcentral.uncacheSpan", f"{s.start_addr:#x}")
        if s.sweepgen == sg + 1:
            s.sweepgen = sg - 1
            sweep(h, s, preserve=False)
        else:
            s.sweepgen = sg
            target = self.partial_swept(sg) if s.nelems - s.alloc_count > 0 else self.full_swept(sg)
            self.push(target, s)

    def grow(self, pcache: PageCache | None) -> MSpan:
        """``mcentral.grow``: a fresh span of this class from the heap."""
        h = self.mheap
        if h.log.on:
            h.log.emit("mcentral.grow", f"spanclass={self.spanclass}")
        return h.alloc(CLASS_TO_NPAGES[self.spanclass >> 1], self.spanclass, pcache)
