"""Replaying a malloc/free trace on Go's allocator: how frees map onto a GC'd heap.

Go has no ``free``.  A trace written for C (``a``/``f``/``r`` lines) is replayed on a
:class:`gomem.Heap` like this:

``a id size``  ``make([]byte, size)`` (or a pointerful object, ``noscan=False``):
               ``mallocgc(size)``; the slice's capacity is ``size``.
``f id``       the program drops its last reference: the object becomes *unreachable*
               but stays in its slot — it is **garbage** until the next GC sweeps it.
``r id size``  ``append``: if ``size`` fits the capacity, nothing is allocated (the
               length changes); otherwise ``growslice``: the new capacity is
               ``nextslicecap(size, cap)`` (double below 256, then ~1.25x) rounded up by
               ``roundupsize`` to the slot it will fill, a new object of that size is
               allocated and the old one becomes garbage.  (``growth="exact"`` allocates
               exactly ``size`` instead, like ``make`` + ``copy``.)

**When a GC runs** (the pacer, simplified): after a cycle marks ``marked`` bytes, the
next one starts when the allocated heap reaches the goal
``max(marked * (1 + GOGC/100), heap_minimum * GOGC/100)``, i.e. when the heap has grown
by GOGC % since the last one.  The runtime's ``heapMinimum`` is 4 MiB; our traces are
far smaller than real programs, so the default floor here is 64 KiB (pass
``min_heap=4 << 20`` for the real one: then a small trace never collects at all).  The
GC is told the live set (the ids not freed) and sweeps fully (``runtime.GC()``); the
real one marks concurrently and starts a little before the goal so that it ends there.

**Accounting** (all O(1) per operation, recomputed exactly from the spans after each
GC).  ``heap_inuse`` (bytes in in-use spans) splits into:

``payload``   bytes the trace asked for, for live ids;
``internal``  the rest of the live objects' slots: class round-up, the 8-byte malloc
              header, unused bytes of a tiny block, slack capacity from ``append``;
``garbage``   slots of freed ids the GC has not collected yet (the price of GOGC);
``free``      free slots in in-use spans: external fragmentation inside spans — they
              only fit objects of that span's class;
``overhead``  each span's tail after its last slot and the bytes reserved for heap bits
              and Green Tea's inline mark bits.

Free pages outside spans (``heap_idle`` not yet released) are reported as ``idle``.
"""

from __future__ import annotations

from gomem.errors import ConfigError
from gomem.heap import Heap
from gomem.sizeclasses import (CLASS_TO_SIZE, MALLOC_HEADER_SIZE, MAX_SMALL_ALLOC, MAX_TINY_SIZE,
                               MIN_SIZE_FOR_MALLOC_HEADER, NOSCAN_SPANCLASS, PAGE_SIZE,
                               SCAN_SPANCLASS, roundupsize)

HEAP_MINIMUM = 4 << 20          # runtime: defaultHeapMinimum
DEFAULT_MIN_HEAP = 64 << 10     # this course's scaled-down floor (see the module docstring)
TINY_BLOCK = 16


def nextslicecap(new_len: int, old_cap: int) -> int:
    """``runtime.nextslicecap`` (Go 1.20+): double small slices, ~1.25x big ones."""
    newcap = old_cap
    doublecap = newcap + newcap
    if new_len > doublecap:
        return new_len
    threshold = 256
    if old_cap < threshold:
        return doublecap
    while True:
        newcap += (newcap + 3 * threshold) >> 2
        if newcap >= new_len:
            return newcap


class GoAllocator:
    """A trace's ids on a :class:`gomem.Heap`, with a GOGC pacer and slot accounting."""

    def __init__(self, gogc: int = 100, min_heap: int = DEFAULT_MIN_HEAP, noscan: bool = True,
                 greenteagc: bool = True, growth: str = "append"):
        if isinstance(gogc, bool) or not isinstance(gogc, int) or gogc < 1:
            raise ConfigError(f"gogc must be an int >= 1 (GOGC=off is not modelled), got {gogc!r}")
        if isinstance(min_heap, bool) or not isinstance(min_heap, int) or min_heap < 0:
            raise ConfigError(f"min_heap must be an int >= 0, got {min_heap!r}")
        if growth not in ("append", "exact"):
            raise ConfigError(f"growth must be 'append' or 'exact', not {growth!r}")
        self.gogc, self.min_heap, self.noscan, self.growth = gogc, min_heap, bool(noscan), growth
        self.h = Heap(gomaxprocs=1, greenteagc=greenteagc)
        self.stats = self.h.stats
        self.addr: dict[int, int] = {}      # id -> object address
        self.cap: dict[int, int] = {}       # id -> slice capacity
        self.slot: dict[int, tuple[int, int]] = {}   # id -> (slot address, slot bytes)
        self.refs: dict[int, int] = {}      # slot address -> live ids in it (tiny: several)
        self.live_slot = 0                  # bytes of slots holding a live id
        self.alloc_slot = 0                 # bytes of allocated slots, garbage included
        self.overhead = 0                   # span tails + reserved GC bits of in-use spans
        self.gcs = 0
        self.goal = self._goal(0)

    @property
    def name(self) -> str:
        return f"Go GOGC={self.gogc}"

    def _goal(self, marked: int) -> int:
        return max(marked + marked * self.gogc // 100, self.min_heap * self.gogc // 100)

    # --- the trace's three operations ----------------------------------------------------
    def _malloc(self, i: int, size: int) -> None:
        h, noscan = self.h, self.noscan
        before = self.stats.heap_in_use
        addr = h.malloc(size, noscan)
        if noscan and size < MAX_TINY_SIZE:              # tiny: a share of a 16-byte block
            key, nbytes, new = addr & ~(TINY_BLOCK - 1), TINY_BLOCK, not addr & (TINY_BLOCK - 1)
        elif size <= MAX_SMALL_ALLOC:
            spc = (NOSCAN_SPANCLASS if noscan else SCAN_SPANCLASS)[size]
            header = 0 if noscan or size <= MIN_SIZE_FOR_MALLOC_HEADER else MALLOC_HEADER_SIZE
            key, nbytes, new = addr - header, CLASS_TO_SIZE[spc >> 1], True
        else:                                            # large: whole pages of its own
            key, nbytes, new = addr, -(-size // PAGE_SIZE) * PAGE_SIZE, True
        if self.stats.heap_in_use != before:             # this malloc took a new span
            s = h.span_of(addr)
            self.overhead += s.npages * PAGE_SIZE - s.nelems * s.elemsize
        if new:
            self.alloc_slot += nbytes
        n = self.refs.get(key, 0)
        if n == 0:
            self.live_slot += nbytes
        self.refs[key] = n + 1
        self.addr[i], self.slot[i] = addr, (key, nbytes)

    def _drop(self, i: int) -> None:
        del self.addr[i]
        key, nbytes = self.slot.pop(i)
        n = self.refs[key] - 1
        if n:
            self.refs[key] = n
        else:
            del self.refs[key]
            self.live_slot -= nbytes

    def alloc(self, i: int, size: int) -> None:
        self._malloc(i, size)
        self.cap[i] = size

    def free(self, i: int) -> None:
        self._drop(i)
        del self.cap[i]

    def realloc(self, i: int, size: int) -> None:
        cap = self.cap[i]
        if size <= cap:                                  # append within capacity
            return
        if self.growth == "append":
            cap = roundupsize(nextslicecap(size, cap), self.noscan)
        else:
            cap = size
        self._drop(i)             # the old array is garbage once the slice points elsewhere
        self._malloc(i, cap)
        self.cap[i] = cap

    # --- the pacer -----------------------------------------------------------------------
    def maybe_collect(self) -> bool:
        """Run a GC if the allocated heap reached the goal; True if one ran."""
        if self.alloc_slot < self.goal:
            return False
        self.collect()
        return True

    def collect(self) -> None:
        self.h.gc(live=self.addr.values())
        self.gcs += 1
        self.recount()
        self.goal = self._goal(self.alloc_slot)

    def recount(self) -> None:
        """Recompute allocated slot bytes and span overhead from the spans themselves."""
        alloc = over = 0
        for s in self.h.mheap.spans.by_base.values():
            alloc += s.alloc_count * s.elemsize
            over += s.npages * PAGE_SIZE - s.nelems * s.elemsize
        self.alloc_slot, self.overhead = alloc, over

    # --- gauges ----------------------------------------------------------------------------
    def heap_size(self) -> int:
        return self.stats.heap_in_use

    def footprint(self) -> int:
        """Pages in spans plus free pages not returned to the OS (heap_sys - heap_released)."""
        return self.stats.heap_in_use + self.stats.heap_free

    def breakdown(self, payload: int) -> dict[str, int]:
        heap = self.stats.heap_in_use
        return {"payload": payload, "internal": self.live_slot - payload,
                "garbage": self.alloc_slot - self.live_slot,
                "free": heap - self.alloc_slot - self.overhead, "overhead": self.overhead,
                "idle": self.stats.heap_free}
