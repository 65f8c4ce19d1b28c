"""mheap: the global heap — arenas from the OS, pages, and spans cut from them.

Models ``type mheap`` in ``runtime/mheap.go``: ``alloc`` / ``allocSpan`` /
``initSpan`` / ``grow`` / ``freeSpan`` / ``reclaim``, and ``sysAlloc`` from
``runtime/malloc.go``.

The heap asks the OS for address space in 64 MiB *arenas* (``sysAlloc``), and hands
it to the page allocator 4 MiB *chunk* at a time (``grow``).  ``allocSpan`` finds
``npages`` free pages — from the P's page cache for spans under 16 pages, else from the
page allocator under the heap lock — and ``initSpan`` turns them into a span of one
span class: its ``nelems``, bitmaps, ``limit`` and ``sweepgen``.  There is one
``mcentral`` per span class (136).

``sweepgen`` is the heap's sweep generation; it grows by 2 each GC.  A span's own
``sweepgen`` says where it is relative to the heap's ``sg``:
``sg-2`` needs sweeping, ``sg-1`` is being swept, ``sg`` is swept and ready,
``sg+1`` was cached before this sweep began (needs sweeping), ``sg+3`` was swept and
then cached.

What the model leaves out: the heap lock and page-cache *concurrency* (it counts lock
acquisitions instead), randomized heap base addresses (``RandomizedHeapBase64``, on
by default in Go 1.27: the model's heap always starts at ``0xc000000000``), manual
spans (stacks, work buffers), huge pages, the scavenger, the memory limit.
"""

from __future__ import annotations

import bisect

from gomem.errors import OutOfMemoryError
from gomem.mcentral import MCentral
from gomem.mgcsweep import sweep, try_acquire
from gomem.mspan import MSpan, MSpanState, new_mark_bits
from gomem.pagealloc import (HEAP_ADDR_BITS, PAGE_CACHE_PAGES, PALLOC_CHUNK_PAGES, PageAlloc,
                             PageCache)
from gomem.sizeclasses import (CLASS_TO_NPAGES, CLASS_TO_SIZE, MIN_SIZE_FOR_MALLOC_HEADER,
                               PAGE_SHIFT, PAGE_SIZE)
from gomem.spanclass import NUM_SPAN_CLASSES

HEAP_ARENA_BYTES = 64 << 20                 # heapArenaBytes on linux/amd64
PAGES_PER_ARENA = HEAP_ARENA_BYTES // PAGE_SIZE
ARENA_BASE = 0x00C0 << 32                   # first arena hint: 0xc000000000
PHYS_PAGE_SIZE = 4096                       # the OS page
MAX_ALLOC = 1 << HEAP_ADDR_BITS             # maxAlloc: no request can be larger
INLINE_MARK_BITS_BYTES = 128                # sizeof(spanInlineMarkBits), Green Tea GC
HUGE_SPAN_PAGES = 128                       # spans larger than this are looked up by bisect


def uses_inline_mark_bits(elemsize: int, greenteagc: bool) -> bool:
    """``gcUsesSpanInlineMarkBits``: Green Tea keeps marks inside 16..512-byte spans."""
    return greenteagc and 16 <= elemsize <= MIN_SIZE_FOR_MALLOC_HEADER


def span_nelems(sizeclass: int, noscan: bool, greenteagc: bool = True) -> int:
    """How many objects ``initSpan`` fits in a span of this class.

    Both layouts reserve 1 bit per 8-byte word (128 B per page) at the end of pointerful
    spans of objects <= 512 B for their pointer bitmap ("heap bits").  Green Tea GC
    (Go 1.26+ default) also reserves 128 B of inline mark bits in every 16..512-byte
    span.  So ``nelems`` is often below the size-class table's "objects" column.
    """
    nbytes = CLASS_TO_NPAGES[sizeclass] * PAGE_SIZE
    elemsize = CLASS_TO_SIZE[sizeclass]
    reserve = 0
    if uses_inline_mark_bits(elemsize, greenteagc):
        reserve += INLINE_MARK_BITS_BYTES
    if elemsize <= MIN_SIZE_FOR_MALLOC_HEADER and not noscan:   # heapBitsInSpan
        reserve += nbytes // 64
    return (nbytes - reserve) // elemsize


class SpanMap:
    """``h.spans`` / ``heapArena.spans``: find the span that owns an address.

    The runtime has an entry for every page.  The model keys spans by their first
    page's address (``by_base``), keeps an entry for each *further* page of spans up to
    128 pages (``pages``), and finds bigger spans by bisecting their sorted bases — so a
    one-page span costs one dict entry and a 100 GiB object does not cost 13 million.
    """

    def __init__(self):
        self.by_base: dict[int, MSpan] = {}
        self.pages: dict[int, MSpan] = {}      # page number -> span, for pages after the first
        self.huge_bases: list[int] = []
        self.huge: list[MSpan] = []

    def add(self, s: MSpan) -> None:
        self.by_base[s.start_addr] = s
        if s.npages <= HUGE_SPAN_PAGES:
            first = s.start_addr >> PAGE_SHIFT
            for page in range(first + 1, first + s.npages):
                self.pages[page] = s
        else:
            i = bisect.bisect(self.huge_bases, s.start_addr)
            self.huge_bases.insert(i, s.start_addr)
            self.huge.insert(i, s)

    def remove(self, s: MSpan) -> None:
        del self.by_base[s.start_addr]
        if s.npages <= HUGE_SPAN_PAGES:
            first = s.start_addr >> PAGE_SHIFT
            for page in range(first + 1, first + s.npages):
                del self.pages[page]
        else:
            i = bisect.bisect_left(self.huge_bases, s.start_addr)
            del self.huge_bases[i], self.huge[i]

    def lookup(self, addr: int) -> MSpan | None:
        s = self.by_base.get(addr & ~(PAGE_SIZE - 1)) or self.pages.get(addr >> PAGE_SHIFT)
        if s is not None:
            return s
        i = bisect.bisect(self.huge_bases, addr) - 1
        if i >= 0 and addr < self.huge[i].start_addr + self.huge[i].npages * PAGE_SIZE:
            return self.huge[i]
        return None

    def in_address_order(self) -> list[MSpan]:
        return [self.by_base[b] for b in sorted(self.by_base)]


class MHeap:
    """``type mheap``: arenas, the page allocator, the span map and the mcentrals."""

    def __init__(self, stats, log, greenteagc: bool = True):
        self.greenteagc = greenteagc
        self.stats = stats                 # mstats.HeapStats
        self.log = log                     # events.EventLog
        self.pages = PageAlloc()
        self.central = [MCentral(spc, self) for spc in range(NUM_SPAN_CLASSES)]
        self.spans = SpanMap()
        self.sweepgen = 0
        self.unswept = 0                   # spans still waiting for this cycle's sweep
        self.sweep_class = 0               # where sweep_one resumes (sweep.centralIndex)
        self.arenas: list[int] = []        # bases of the arenas reserved so far
        self.arena_hint = ARENA_BASE       # where the next arena is reserved
        self.cur_arena = [0, 0]            # [base, end) of reserved space not yet grown into
        self.zeroed_base: dict[int, int] = {}   # arena index -> bytes ever handed out
        self.lock_acquisitions = 0         # times h.lock was taken (lesson 03)

    # --- getting memory from the OS --------------------------------------------------

    def sys_alloc(self, n: int) -> tuple[int, int]:
        """``mheap.sysAlloc``: reserve whole arenas for at least ``n`` bytes, at the hint."""
        size = -(-n // HEAP_ARENA_BYTES) * HEAP_ARENA_BYTES
        if self.arena_hint + size > MAX_ALLOC:
            raise OutOfMemoryError(f"runtime: out of memory: cannot allocate {n}-byte block "
                                   f"({self.stats.heap_in_use} in use)\nfatal error: out of memory")
        v = self.arena_hint
        self.arena_hint += size
        self.arenas.extend(range(v, v + size, HEAP_ARENA_BYTES))
        if self.log.on:
            self.log.emit("mheap.sysAlloc", f"{size >> 20} MiB arena at {v:#x}")
        return v, size

    def grow(self, npage: int) -> int:
        """``mheap.grow``: add at least ``npage`` pages to the page allocator, in 4 MiB chunks."""
        ask = -(-npage // PALLOC_CHUNK_PAGES) * PALLOC_CHUNK_PAGES * PAGE_SIZE
        total = 0
        base, end = self.cur_arena
        n_base = -(-(base + ask) // PHYS_PAGE_SIZE) * PHYS_PAGE_SIZE
        if n_base > end:
            av, asize = self.sys_alloc(ask)
            if av == end:
                self.cur_arena[1] = av + asize
            else:
                if end - base:   # keep what is left of the old space, as free memory
                    self._add_released(base, end - base)
                    total += end - base
                self.cur_arena = [av, av + asize]
            n_base = -(-(self.cur_arena[0] + ask) // PHYS_PAGE_SIZE) * PHYS_PAGE_SIZE
        v = self.cur_arena[0]
        self.cur_arena[0] = n_base
        self._add_released(v, n_base - v)
        total += n_base - v
        if self.log.on:
            self.log.emit("mheap.grow", f"+{total >> 20} MiB at {v:#x}")
        return total

    def _add_released(self, base: int, size: int) -> None:
        # Fresh address space counts as released (idle, not backed by RAM yet).
        self.stats.heap_released += size
        self.pages.grow(base, size)

    # --- spans ------------------------------------------------------------------------

    def sweep_done(self) -> bool:
        """``isSweepDone``: every span has been swept this cycle."""
        return self.unswept == 0

    def alloc(self, npages: int, spanclass: int, pcache: PageCache | None) -> MSpan:
        """``mheap.alloc``: reclaim swept-free pages first if a sweep is unfinished."""
        if self.log.on:
            self.log.emit("mheap.alloc", f"npages={npages}")
        if not self.sweep_done():
            self.reclaim(npages)
        return self.alloc_span(npages, spanclass, pcache)

    def alloc_span(self, npages: int, spanclass: int, pcache: PageCache | None) -> MSpan:
        """``mheap.allocSpan``: find pages (P's page cache, else page allocator, else grow)."""
        base = scav = 0
        log = self.log
        if pcache is not None and npages < PAGE_CACHE_PAGES // 4:
            if pcache.empty():
                self.lock_acquisitions += 1
                fresh = self.pages.alloc_to_cache()
                pcache.base, pcache.cache, pcache.scav = fresh.base, fresh.cache, fresh.scav
                if log.on:
                    log.emit("pageAlloc.allocToCache",
                             f"base={pcache.base:#x}" if pcache.cache else "no free pages")
            base, scav = pcache.alloc(npages)
            if base and log.on:
                log.emit("pageCache.alloc", f"{base:#x}")
        if not base:
            self.lock_acquisitions += 1
            base, scav = self.pages.alloc(npages)
            if not base:
                self.grow(npages)
                base, scav = self.pages.alloc(npages)
            if log.on:
                log.emit("pageAlloc.alloc", f"{base:#x} npages={npages}")
        s = MSpan(base, npages)
        self.init_span(s, spanclass, base, npages, scav)
        nbytes = npages * PAGE_SIZE
        self.stats.heap_released -= scav
        self.stats.heap_free -= nbytes - scav
        self.stats.heap_in_use += nbytes
        return s

    def init_span(self, s: MSpan, spanclass: int, base: int, npages: int, scav: int) -> None:
        """``mheap.initSpan``: size the span for its class and make it ready to allocate."""
        need_zero = self.alloc_needs_zero(base, npages)
        nbytes = npages * PAGE_SIZE
        s.needzero = int(scav != nbytes and need_zero)
        s.spanclass = spanclass
        sizeclass = spanclass >> 1
        if sizeclass == 0:
            s.elemsize, s.nelems = nbytes, 1
        else:
            s.elemsize = CLASS_TO_SIZE[sizeclass]
            s.nelems = span_nelems(sizeclass, bool(spanclass & 1), self.greenteagc)
        s.freeindex = 0
        s.alloc_cache = (1 << 64) - 1
        s.gcmark_bits = new_mark_bits(s.nelems)
        s.alloc_bits = new_mark_bits(s.nelems)
        if uses_inline_mark_bits(s.elemsize, self.greenteagc):
            s.inline_mark_bits = new_mark_bits(s.nelems)
        s.limit = base + s.elemsize * s.nelems
        s.sweepgen = self.sweepgen
        s.state = MSpanState.IN_USE
        self.spans.add(s)

    def alloc_needs_zero(self, base: int, npages: int) -> bool:
        """``allocNeedsZero``: memory below an arena's zeroedBase was used before."""
        need = False
        addr, end = base, base + npages * PAGE_SIZE
        while addr < end:
            ai, off = divmod(addr, HEAP_ARENA_BYTES)
            limit = min(end - ai * HEAP_ARENA_BYTES, HEAP_ARENA_BYTES)
            zeroed = self.zeroed_base.get(ai, 0)
            if off < zeroed:
                need = True
            if limit > zeroed:
                self.zeroed_base[ai] = limit
            addr = ai * HEAP_ARENA_BYTES + limit
        return need

    def free_span(self, s: MSpan) -> None:
        """``mheap.freeSpan``: give the span's pages back to the page allocator."""
        self.lock_acquisitions += 1
        if self.log.on:
            self.log.emit("mheap.freeSpan", f"{s.start_addr:#x} npages={s.npages}")
        self.pages.free(s.start_addr, s.npages)
        nbytes = s.npages * PAGE_SIZE
        self.stats.heap_in_use -= nbytes
        self.stats.heap_free += nbytes
        s.state = MSpanState.DEAD
        self.spans.remove(s)

    def reclaim(self, npages: int) -> int:
        """``mheap.reclaim``: sweep unswept spans with no marked objects until npages are free.

        The runtime finds them through per-arena page bitmaps (pageInUse &^ pageMarks);
        the model walks its in-use spans in address order.
        """
        released = 0
        sg = self.sweepgen
        for s in self.spans.in_address_order():
            if released >= npages:
                break
            if s.sweepgen == sg - 2 and not has_marks(s) and try_acquire(self, s):
                n = s.npages
                if sweep(self, s, preserve=False):
                    released += n
        if self.log.on:
            self.log.emit("mheap.reclaim", f"released {released} pages")
        return released


def has_marks(s: MSpan) -> bool:
    """Whether the GC marked any object of the span (mark bits or Green Tea inline bits)."""
    return any(s.gcmark_bits) or (s.inline_mark_bits is not None and any(s.inline_mark_bits))
