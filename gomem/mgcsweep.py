"""Sweeping: after marking, every span learns which of its objects survived.

Models ``mspan.sweep``, ``sweepLocker.tryAcquire``, ``sweepone`` and
``mheap.nextSpanForSweep`` in ``runtime/mgcsweep.go``.

Sweeping a span is cheap because the mark phase already did the work: the span's
``gcmark_bits`` (merged with Green Tea's inline marks) *become* its ``alloc_bits``;
``alloc_count`` becomes the number of marks; ``freeindex`` restarts at 0 and
``alloc_cache`` is reloaded from slot 0.  The difference is what got freed:

* a small span with no survivors goes back to the page allocator (``freeSpan``);
* one with survivors goes to its mcentral's *full* or *partial* swept set;
* a dead large object's span is freed; a live one stays in the full swept set.

What the model leaves out: finalizers and other specials, zombie detection (the model
refuses to mark free objects instead), and the background sweeper goroutine.
"""

from __future__ import annotations

from gomem.errors import HeapCorruptionError
from gomem.mspan import MSpan, MSpanState, new_mark_bits


def try_acquire(h, s: MSpan) -> bool:
    """``sweepLocker.tryAcquire``: claim an unswept span (``sweepgen`` sg-2 -> sg-1)."""
    if s.state is not MSpanState.IN_USE or s.sweepgen != h.sweepgen - 2:
        return False
    s.sweepgen = h.sweepgen - 1
    h.unswept -= 1
    return True


def move_inline_marks(s: MSpan) -> None:
    """``mspan.moveInlineMarks``: OR Green Tea's inline mark bits into gcmark_bits."""
    bits = s.gcmark_bits
    for i, b in enumerate(s.inline_mark_bits):
        bits[i] |= b
    s.inline_mark_bits = new_mark_bits(s.nelems)


def sweep(h, s: MSpan, preserve: bool) -> bool:
    """``sweepLocked.sweep``: free the span's unmarked objects; True if the span was freed.

    With ``preserve`` (used by ``mcentral.cacheSpan``) the span is left for the caller
    instead of being queued or freed.
    """
    sg = h.sweepgen
    if s.state is not MSpanState.IN_USE or s.sweepgen != sg - 1:
        raise HeapCorruptionError(f"fatal error: mspan.sweep: bad span state "
                                  f"(state={s.state.value} sweepgen={s.sweepgen} mheap.sweepgen={sg})")
    if s.inline_mark_bits is not None:
        move_inline_marks(s)
    nalloc = s.count_alloc()
    nfreed = s.alloc_count - nalloc
    if nalloc > s.alloc_count:
        raise HeapCorruptionError("fatal error: sweep increased allocation count")
    s.alloc_count = nalloc
    s.freeindex = 0
    s.alloc_bits = s.gcmark_bits
    s.gcmark_bits = new_mark_bits(s.nelems)
    s.refill_alloc_cache(0)
    s.sweepgen = sg
    stats, c = h.stats, h.central[s.spanclass]
    if h.log.on:
        h.log.emit("mspan.sweep", f"{s.start_addr:#x} freed {nfreed}, {nalloc} live")
    sizeclass = s.spanclass >> 1
    if sizeclass != 0:
        if nfreed > 0:
            s.needzero = 1
            stats.small_free_count[sizeclass] += nfreed
        if not preserve:
            if nalloc == 0:
                h.free_span(s)
                return True
            c.push(c.full_swept(sg) if nalloc == s.nelems else c.partial_swept(sg), s)
    elif not preserve:
        if nfreed != 0:
            stats.large_free_count += 1
            stats.large_free += s.elemsize
            h.free_span(s)
            return True
        c.push(c.full_swept(sg), s)
    return False


def sweep_one(h) -> bool:
    """``sweepone``: sweep the next unswept span; False when none is left.

    Like ``mheap.nextSpanForSweep`` it walks the span classes in order, each class's
    partial set before its full set, resuming where the last call stopped
    (``h.sweep_class``, reset by every GC).
    """
    sg = h.sweepgen
    while h.unswept and h.sweep_class < 2 * len(h.central):
        c = h.central[h.sweep_class >> 1]
        span_set = c.full_unswept(sg) if h.sweep_class & 1 else c.partial_unswept(sg)
        while span_set:
            s = c.pop(span_set)
            if try_acquire(h, s):
                sweep(h, s, preserve=False)
                return True
        h.sweep_class += 1
    return False
