"""Heap statistics, and ``runtime.ReadMemStats`` over them.

Models ``heapStatsDelta`` / ``consistentHeapStats`` and the heap fields of
``gcController`` (``heapInUse``, ``heapFree``, ``heapReleased``), and
``readmemstats_m`` in ``runtime/mstats.go``.

Counts are credited *late*, as in the runtime: a small allocation is counted when
its span leaves the mcache (``mcache.refill`` / ``releaseAll``), a free when the
sweeper frees the slot.  So only a reader that first flushes every mcache sees exact
numbers — which ``ReadMemStats`` does (and so it also drops each P's tiny block).
Tiny sub-allocations count as one malloc *and* one free each: their memory is
accounted to the 16-byte block they share.

What the model leaves out: everything outside the heap (stacks, GC metadata, ``Sys``),
pause times, and the pacer's ``heapLive``/``NextGC``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gomem.sizeclasses import CLASS_TO_SIZE, NUM_SIZE_CLASSES


class HeapStats:
    """The runtime's allocation counters (consistent stats) and heap byte gauges."""

    __slots__ = ("small_alloc_count", "small_free_count", "large_alloc", "large_alloc_count",
                 "large_free", "large_free_count", "tiny_alloc_count",
                 "heap_in_use", "heap_free", "heap_released", "num_gc")

    def __init__(self):
        self.small_alloc_count = [0] * NUM_SIZE_CLASSES  # objects, credited on uncache
        self.small_free_count = [0] * NUM_SIZE_CLASSES   # objects, credited by sweep
        self.large_alloc = 0          # bytes
        self.large_alloc_count = 0
        self.large_free = 0           # bytes
        self.large_free_count = 0
        self.tiny_alloc_count = 0     # sub-allocations packed into tiny blocks
        self.heap_in_use = 0          # bytes in in-use spans (gcController.heapInUse)
        self.heap_free = 0            # free pages still backed by memory
        self.heap_released = 0        # free pages returned to the OS (fresh growth counts here)
        self.num_gc = 0


@dataclass(frozen=True)
class SizeStats:
    """One entry of ``MemStats.BySize``."""

    size: int
    mallocs: int
    frees: int


@dataclass(frozen=True)
class MemStats:
    """The heap part of ``runtime.MemStats`` (field names in snake_case).

    ``by_size`` has all 68 classes; Go's public ``MemStats.BySize`` stops at class 60
    (sizes up to 19072 B) for backwards compatibility.
    """

    alloc: int
    total_alloc: int
    mallocs: int
    frees: int
    heap_alloc: int
    heap_sys: int
    heap_idle: int
    heap_inuse: int
    heap_released: int
    heap_objects: int
    num_gc: int
    by_size: tuple[SizeStats, ...] = field(repr=False)

    def as_dict(self) -> dict:
        d = {k: v for k, v in self.__dict__.items() if k != "by_size"}
        d["by_size"] = {i: (s.mallocs, s.frees) for i, s in enumerate(self.by_size)
                        if s.mallocs or s.frees}
        return d


def mem_stats(s: HeapStats) -> MemStats:
    """``readmemstats_m`` after the mcaches are flushed: turn counters into MemStats."""
    total_alloc, n_malloc = s.large_alloc, s.large_alloc_count
    total_free, n_free = s.large_free, s.large_free_count
    by_size = []
    for i in range(NUM_SIZE_CLASSES):
        a, f = s.small_alloc_count[i], s.small_free_count[i]
        total_alloc += a * CLASS_TO_SIZE[i]
        total_free += f * CLASS_TO_SIZE[i]
        n_malloc += a
        n_free += f
        by_size.append(SizeStats(CLASS_TO_SIZE[i], a, f))
    n_malloc += s.tiny_alloc_count
    n_free += s.tiny_alloc_count
    heap_sys = s.heap_in_use + s.heap_free + s.heap_released
    return MemStats(alloc=total_alloc - total_free, total_alloc=total_alloc, mallocs=n_malloc,
                    frees=n_free, heap_alloc=total_alloc - total_free, heap_sys=heap_sys,
                    heap_idle=s.heap_free + s.heap_released, heap_inuse=s.heap_in_use,
                    heap_released=s.heap_released, heap_objects=n_malloc - n_free,
                    num_gc=s.num_gc, by_size=tuple(by_size))
