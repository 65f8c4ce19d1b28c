"""The collector, as far as the allocator sees it: mark what is live, then sweep.

Models the allocator-facing steps of a GC cycle in ``runtime/mgc.go``
(``gcStart`` -> ``finishsweep_m``, marking, ``gcSweep``) and ``runtime.GC()``.

One cycle here:

1. finish the previous cycle's sweep (``finishsweep_m``);
2. mark: set the mark bit of every object the program still reaches.  The model is
   *told* the live set (``live`` addresses) instead of tracing pointers; an interior
   pointer keeps its whole object alive, as in Go (so one live sub-object keeps a
   16-byte tiny block alive).  Green Tea GC puts marks of 16..512-byte objects into the
   span's inline mark bits; the sweeper merges them;
3. ``gcSweep``: ``sweepgen += 2`` (every swept span set becomes unswept at once), then
   each P's mcache is flushed (``prepareForSweep``) — its cached spans are stale and get
   swept on the spot;
4. sweep the rest: all of it now (``runtime.GC()`` does), or lazily — then spans are
   swept when ``mcentral.cacheSpan`` or ``mheap.reclaim`` meets them, or by
   :func:`gomem.mgcsweep.sweep_one`.

What the model leaves out: tracing, write barriers, allocate-black during a concurrent
mark, assists, pacing and GC triggers (a collection runs only when asked for).
"""

from __future__ import annotations

from gomem.mgcsweep import sweep_one
from gomem.mheap import MHeap
from gomem.mspan import MSpan


def mark(s: MSpan, index: int) -> None:
    """Set the mark bit of slot ``index`` (inline bits for Green Tea small spans)."""
    bits = s.inline_mark_bits if s.inline_mark_bits is not None else s.gcmark_bits
    bits[index >> 3] |= 1 << (index & 7)


def finish_sweep(h: MHeap) -> None:
    """``finishsweep_m``: sweep every span the last cycle left unswept.

    The unswept sets may still hold entries for spans someone else already swept
    (``mheap.reclaim`` sweeps spans in place); they are dropped.
    """
    while sweep_one(h):
        pass
    sg = h.sweepgen
    for c in h.central:
        c.partial_unswept(sg).clear()
        c.full_unswept(sg).clear()


def gc_sweep(h: MHeap, mcaches, full: bool) -> None:
    """``gcSweep``: start a new sweep generation and flush every P's mcache."""
    sg = h.sweepgen
    h.unswept = sum(len(c.partial_swept(sg)) + len(c.full_swept(sg)) for c in h.central)
    h.sweepgen += 2
    h.sweep_class = 0
    h.stats.num_gc += 1
    if h.log.on:
        h.log.emit("gcSweep", f"sweepgen {sg} -> {h.sweepgen}")
    for c in mcaches:
        c.prepare_for_sweep()   # its spans are stale (sweepgen == sg+1): swept on uncache
    if full:
        finish_sweep(h)


def collect(h: MHeap, mcaches, targets: list[tuple[MSpan, int]], full: bool) -> None:
    """One GC cycle over already validated (span, slot) targets."""
    if h.log.on:
        h.log.emit("gcStart", f"{len(targets)} live objects")
    finish_sweep(h)
    for s, index in targets:
        mark(s, index)
    gc_sweep(h, mcaches, full)
