"""``Heap``: one Go program's heap — the public face of the model.

A ``Heap`` is what the runtime's globals are in Go: ``mheap_``, the Ps with their
mcaches (``GOMAXPROCS`` of them), ``memstats``.  Lessons, widgets, exercises and
benchmarks use only this class::

    h = Heap(gomaxprocs=1, greenteagc=True)
    a = h.malloc(24)                 # pointerful 24-byte object on P 0 -> address
    b = h.malloc(100, noscan=True)   # pointer-free
    h.gc(live=[a])                   # b is garbage now; runtime.GC() semantics
    h.read_mem_stats().heap_alloc    # runtime.ReadMemStats (flushes the mcaches)
    h.span_of(a); h.check()          # inspect; verify every invariant

Every method validates its input before touching any state: a ``GoMemError`` leaves
the heap exactly as it was.
"""

from __future__ import annotations

from typing import Iterable, Iterator, NamedTuple

from gomem import bulk
from gomem import check as _check
from gomem.errors import (BadPError, BadPointerError, ConfigError, GoMemError, OutOfMemoryError,
                          check_size)
from gomem.events import Event, EventLog
from gomem.malloc import mallocgc
from gomem.mcache import MCache
from gomem.mgc import collect
from gomem.mgcsweep import sweep_one
from gomem.mheap import MAX_ALLOC, MHeap
from gomem.mspan import MSpan, MSpanState
from gomem.mstats import HeapStats, MemStats, mem_stats
from gomem.sizeclasses import (MALLOC_HEADER_SIZE, MAX_SMALL_ALLOC, MAX_TINY_SIZE,
                               MIN_SIZE_FOR_MALLOC_HEADER, NOSCAN_SPANCLASS, SCAN_SPANCLASS)
from gomem.spanclass import TINY_SPAN_CLASS


class HeapObject(NamedTuple):
    """A slot that holds an object: its address, size class slot size and span."""

    addr: int
    elemsize: int
    span: MSpan


class Heap:
    """A simulated Go heap with ``gomaxprocs`` Ps.

    ``greenteagc`` selects the span layout of Go 1.26+'s default Green Tea collector
    (True) or the classic one (``GOEXPERIMENT=nogreenteagc``); it changes ``nelems``.
    ``record_events=True`` logs every runtime function each allocation (and GC) goes through
    in ``events``; ``"slow"`` logs the same except the allocations that :meth:`malloc`'s
    inlined fast path serves (a ``nextFreeFast`` hit or a tiny-block fit): those log nothing
    and cost what they cost with the log off.
    """

    def __init__(self, gomaxprocs: int = 1, greenteagc: bool = True,
                 record_events: bool | str = False):
        check_size(gomaxprocs, "gomaxprocs")
        if gomaxprocs < 1:
            raise BadPError("gomaxprocs must be >= 1")
        if record_events not in (False, True, "slow"):
            raise ConfigError(f"record_events must be False, True or 'slow', not {record_events!r}")
        self.greenteagc = greenteagc
        self.stats = HeapStats()
        self.events = EventLog()
        self.events.on = bool(record_events)
        # "slow": log mallocgc and below, but let malloc's inlined fast path run (unlogged)
        self.fast_path_unlogged = record_events == "slow"
        self.mheap = MHeap(self.stats, self.events, greenteagc)
        self.mcaches = [MCache(p, self.mheap) for p in range(gomaxprocs)]
        self._nprocs = gomaxprocs

    @property
    def gomaxprocs(self) -> int:
        return len(self.mcaches)

    def __repr__(self) -> str:
        mode = "greenteagc" if self.greenteagc else "nogreenteagc"
        return (f"<Heap gomaxprocs={self.gomaxprocs} {mode} spans={len(self.mheap.spans.by_base)} "
                f"heap_inuse={self.stats.heap_in_use} sweepgen={self.mheap.sweepgen}>")

    # --- allocation ------------------------------------------------------------------

    def malloc(self, size: int, noscan: bool = False, p: int = 0) -> int:
        """``mallocgc(size, typ)``: allocate on P ``p``; returns the object's address.

        ``noscan=True`` means the type holds no pointers (``[]byte``, ``[N]int``).

        A small request whose span has a free slot in its ``alloc_cache`` (or a tiny one
        that fits the current tiny block, or needs a new 16-byte block that ``nextFreeFast``
        finds) is served right here by an inlined copy of ``nextFreeFast`` and
        ``mallocgcTiny``'s two cases (the common case, kept fast); everything else — and
        everything while all events are recorded — goes through the readable paths in
        :mod:`gomem.malloc`.  The tests check that both give the same heap, step for step.
        """
        if type(size) is int and 0 < size <= MAX_SMALL_ALLOC and type(p) is int \
                and 0 <= p < self._nprocs and (not self.events.on or self.fast_path_unlogged):
            c = self.mcaches[p]
            tiny, header = False, 0
            if noscan:
                if size < MAX_TINY_SIZE:    # mallocgcTiny's "fits in the current block" case
                    off = c.tinyoffset
                    if not size & 7:
                        off = (off + 7) & ~7
                    elif not size & 3:
                        off = (off + 3) & ~3
                    elif not size & 1:
                        off = (off + 1) & ~1
                    if off + size <= MAX_TINY_SIZE and c.tiny:
                        c.tinyoffset = off + size
                        c.tiny_allocs += 1
                        return c.tiny + off
                    s, tiny = c.alloc[TINY_SPAN_CLASS], True     # else a new 16-byte block
                else:
                    s = c.alloc[NOSCAN_SPANCLASS[size]]
            else:
                s = c.alloc[SCAN_SPANCLASS[size]]
                if size > MIN_SIZE_FOR_MALLOC_HEADER:
                    header = MALLOC_HEADER_SIZE
            cache = s.alloc_cache
            if cache:                       # nextFreeFast
                bit = (cache & -cache).bit_length() - 1
                result = s.freeindex + bit
                freeidx = result + 1
                if result < s.nelems and (freeidx & 63 or freeidx == s.nelems):
                    s.alloc_cache = cache >> (bit + 1)
                    s.freeindex = freeidx
                    s.alloc_count += 1
                    x = result * s.elemsize + s.start_addr + header
                    if tiny and (size < c.tinyoffset or not c.tiny):   # the roomier block stays
                        c.tiny, c.tinyoffset = x, size
                    return x
        check_size(size)
        if size > MAX_ALLOC:
            raise OutOfMemoryError(f"runtime: out of memory: cannot allocate {size}-byte block "
                                   f"({self.stats.heap_in_use} in use)\nfatal error: out of memory")
        return mallocgc(self._mcache(p), size, bool(noscan))

    def malloc_many(self, size: int, count: int, noscan: bool = False, p: int = 0):
        """``count`` same-size allocations at once (numpy array of addresses); see :mod:`gomem.bulk`."""
        return bulk.malloc_many(self, size, count, noscan, p)

    def replay(self, trace, p: int = 0):
        """Allocate a trace of ``(size, noscan)`` requests; same result as ``malloc`` each."""
        return bulk.replay(self, trace, p)

    def trace_malloc(self, size: int, noscan: bool = False, p: int = 0) -> tuple[int, list[Event]]:
        """``malloc`` that also returns the runtime functions this allocation went through."""
        was_on, unlogged, start = self.events.on, self.fast_path_unlogged, len(self.events.events)
        self.events.on, self.fast_path_unlogged = True, False
        try:
            addr = self.malloc(size, noscan, p)
        finally:
            self.events.on, self.fast_path_unlogged = was_on, unlogged
        trace = self.events.events[start:]
        if not was_on:
            del self.events.events[start:]
        return addr, trace

    def _mcache(self, p: int) -> MCache:
        if isinstance(p, bool) or not isinstance(p, int) or not 0 <= p < len(self.mcaches):
            raise BadPError(f"no P {p!r}: GOMAXPROCS={len(self.mcaches)} (Ps 0..{len(self.mcaches) - 1})")
        return self.mcaches[p]

    # --- collection ------------------------------------------------------------------

    def gc(self, live: Iterable[int] = (), sweep: str = "full") -> None:
        """One GC cycle: everything not reachable from ``live`` addresses is garbage.

        ``sweep="full"`` sweeps every span before returning, like ``runtime.GC()``;
        ``sweep="lazy"`` leaves spans unswept until allocation needs them (or
        :meth:`sweep_one`), as after a background GC.
        """
        if sweep not in ("full", "lazy"):
            raise GoMemError(f"sweep must be 'full' or 'lazy', not {sweep!r}")
        targets = [self.find_object(addr) for addr in live]
        collect(self.mheap, self.mcaches, [(o.span, o.span.object_index(o.addr)) for o in targets],
                full=sweep == "full")

    def sweep_one(self) -> bool:
        """Sweep one more span of a lazy sweep; False when all are swept."""
        return sweep_one(self.mheap)

    # --- inspection ------------------------------------------------------------------

    def span_of(self, addr: int) -> MSpan | None:
        """The in-use span whose pages contain ``addr`` (``spanOf``), or None."""
        return self.mheap.spans.lookup(addr)

    def find_object(self, addr: int) -> HeapObject:
        """``findObject``: the live object containing ``addr`` (interior pointers allowed).

        Raises :class:`BadPointerError` for an address outside the heap, in a free slot,
        past a span's ``limit``, or in an object the last GC found dead but has not
        swept yet.
        """
        if isinstance(addr, bool) or not isinstance(addr, int):
            raise BadPointerError(f"not an address: {addr!r}")
        s = self.span_of(addr)
        if s is None or s.state is not MSpanState.IN_USE:
            raise BadPointerError(f"runtime: pointer {addr:#x} is not in the Go heap")
        if addr >= s.limit:
            raise BadPointerError(f"runtime: pointer {addr:#x} is past the end of span "
                                  f"{s.start_addr:#x} (limit {s.limit:#x})")
        index = s.object_index(addr)
        if not self.is_live(s, index):
            raise BadPointerError(f"runtime: pointer {addr:#x} to unallocated span slot "
                                  f"{index} of span {s.start_addr:#x} (found pointer to free object)")
        return HeapObject(s.start_addr + index * s.elemsize, s.elemsize, s)

    def is_live(self, s: MSpan, index: int) -> bool:
        """Whether slot ``index`` holds an object the program may still use."""
        if s.sweepgen == self.mheap.sweepgen - 2:   # unswept: only marked objects survive
            return s.is_marked(index) or (s.inline_mark_bits is not None
                                          and bool(s.inline_mark_bits[index >> 3] >> (index & 7) & 1))
        return not s.is_free(index)

    def spans(self) -> list[MSpan]:
        """Every in-use span, in address order."""
        return self.mheap.spans.in_address_order()

    def objects(self) -> Iterator[HeapObject]:
        """Every live object (slot), in address order."""
        for s in self.spans():
            for i in range(s.nelems):
                if self.is_live(s, i):
                    yield HeapObject(s.start_addr + i * s.elemsize, s.elemsize, s)

    def read_mem_stats(self) -> MemStats:
        """``runtime.ReadMemStats``: flush every mcache (dropping tiny blocks), then read."""
        for c in self.mcaches:
            c.release_all()
        return mem_stats(self.stats)

    def check(self) -> None:
        """Raise :class:`gomem.errors.HeapCorruptionError` if any invariant is broken."""
        _check.check_heap(self)
