"""The page allocator: which 8 KiB pages of the heap are free, found fast.

Models ``type pageAlloc`` in ``runtime/mpagealloc.go`` (with ``mpallocbits.go``) and the
per-P ``pageCache`` of ``runtime/mpagecache.go``.

The heap's address space is cut into *chunks* of 512 pages (4 MiB).  Each chunk has
one entry per page saying "in use" or "free", and one saying "scavenged" (returned to
the OS).  To find ``n`` free pages without scanning every chunk, the runtime keeps a
radix tree of *summaries*: for every chunk, and for every group of 8 children one level
up, the triple ``(start, max, end)`` = free pages at the start, the longest free run, and
free pages at the end.  Five levels cover a 48-bit address space: level 0 has 2^14
entries, each further level multiplies by 8, and the leaves are the chunks.  A search
walks down from level 0 and returns the **lowest address** with ``n`` free pages in a
row (address-ordered first fit); ``search_addr`` remembers an address below which
every page is in use, so most searches start near where the last one stopped.

A ``PageCache`` is a P's private stash of up to 64 free pages from one aligned 64-page
block; spans of fewer than 16 pages come from it without taking the heap lock.

What the model simplifies: the per-chunk bitmaps are ``bytearray``s with one *byte* per
page (so Python's ``bytes.find`` can scan them); summary levels are dicts holding only
the entries that are not all-zero; there is no scavenger index, no background
scavenging and no huge-page tracking; addresses are plain (no ``arenaBaseOffset``).
"""

from __future__ import annotations

from gomem.errors import HeapCorruptionError
from gomem.mspan import ctz64
from gomem.sizeclasses import PAGE_SHIFT, PAGE_SIZE

LOG_PALLOC_CHUNK_PAGES = 9
PALLOC_CHUNK_PAGES = 1 << LOG_PALLOC_CHUNK_PAGES           # 512 pages
LOG_PALLOC_CHUNK_BYTES = LOG_PALLOC_CHUNK_PAGES + PAGE_SHIFT  # 22: 4 MiB chunks
PALLOC_CHUNK_BYTES = 1 << LOG_PALLOC_CHUNK_BYTES
HEAP_ADDR_BITS = 48
SUMMARY_LEVEL_BITS = 3
SUMMARY_LEVELS = 5
SUMMARY_L0_BITS = HEAP_ADDR_BITS - LOG_PALLOC_CHUNK_BYTES - (SUMMARY_LEVELS - 1) * SUMMARY_LEVEL_BITS
LEVEL_BITS = (SUMMARY_L0_BITS,) + (SUMMARY_LEVEL_BITS,) * (SUMMARY_LEVELS - 1)   # 14,3,3,3,3
LEVEL_SHIFT = tuple(HEAP_ADDR_BITS - sum(LEVEL_BITS[:l + 1]) for l in range(SUMMARY_LEVELS))
LEVEL_LOG_PAGES = tuple(s - PAGE_SHIFT for s in LEVEL_SHIFT)                       # 21..9
PAGE_CACHE_PAGES = 64
MAX_SEARCH_ADDR = 1 << HEAP_ADDR_BITS
FREE, IN_USE = 0, 1

ZERO_SUM = (0, 0, 0)


def chunk_index(addr: int) -> int:
    return addr >> LOG_PALLOC_CHUNK_BYTES


def chunk_base(ci: int) -> int:
    return ci << LOG_PALLOC_CHUNK_BYTES


def chunk_page_index(addr: int) -> int:
    return (addr >> PAGE_SHIFT) & (PALLOC_CHUNK_PAGES - 1)


def summarize(pages: bytes) -> tuple[int, int, int]:
    """``pallocBits.summarize``: (free pages at start, longest free run, free at end)."""
    first = pages.find(IN_USE)
    if first < 0:
        return (PALLOC_CHUNK_PAGES,) * 3
    end = len(pages) - 1 - pages.rfind(IN_USE)
    longest = max(map(len, pages.split(b"\x01")))
    return (first, longest, end)


def merge_summaries(sums: list[tuple[int, int, int]], log_max_pages: int) -> tuple[int, int, int]:
    """``mergeSummaries``: combine consecutive children that each cover 2^log_max_pages pages."""
    full = 1 << log_max_pages
    start = most = end = 0
    for i, (s, m, e) in enumerate(sums):
        if start == i * full:      # every child so far is entirely free
            start += s
        most = max(most, m, end + s)
        end = end + full if e == full else e
    return (start, most, end)


class Chunk:
    """``pallocData``: the in-use and scavenged state of one chunk's 512 pages."""

    __slots__ = ("pages", "scavenged")

    def __init__(self):
        self.pages = bytearray(PALLOC_CHUNK_PAGES)                    # all free
        self.scavenged = bytearray(b"\x01" * PALLOC_CHUNK_PAGES)      # fresh = released


class PageCache:
    """``pageCache`` (mpagecache.go): up to 64 free pages of one aligned block, per P.

    ``cache`` has bit i set when page ``base + i*8192`` is free in the cache; ``scav``
    when it is also scavenged.  The pages are marked in-use in the page allocator while
    they sit here, so only this P can hand them out.
    """

    __slots__ = ("base", "cache", "scav")

    def __init__(self, base: int = 0, cache: int = 0, scav: int = 0):
        self.base, self.cache, self.scav = base, cache, scav

    def empty(self) -> bool:
        return self.cache == 0

    def alloc(self, npages: int) -> tuple[int, int]:
        """``pageCache.alloc``: lowest run of ``npages`` cached pages -> (base, scav bytes)."""
        if self.cache == 0:
            return 0, 0
        if npages == 1:
            i = ctz64(self.cache)
        else:
            i = find_bit_range64(self.cache, npages)
            if i >= 64:
                return 0, 0
        mask = ((1 << npages) - 1) << i
        scav = (self.scav & mask).bit_count()
        self.cache &= ~mask
        self.scav &= ~mask
        return self.base + i * PAGE_SIZE, scav * PAGE_SIZE

    def pages(self) -> list[int]:
        """Addresses of the pages still in the cache."""
        return [self.base + i * PAGE_SIZE for i in range(64) if self.cache >> i & 1]


def find_bit_range64(c: int, n: int) -> int:
    """``findBitRange64``: lowest i with bits i..i+n-1 all set in c, or 64."""
    mask = (1 << n) - 1
    for i in range(65 - n):
        if (c >> i) & mask == mask:
            return i
    return 64


class PageAlloc:
    """``pageAlloc``: chunks, their summaries, and ``search_addr``."""

    def __init__(self):
        self.chunks: dict[int, Chunk] = {}
        self.summary: list[dict[int, tuple[int, int, int]]] = [{} for _ in range(SUMMARY_LEVELS)]
        self.search_addr = MAX_SEARCH_ADDR   # nothing mapped yet
        self.start = self.end = 0            # chunk-index range ever mapped [start, end)

    # --- growing -----------------------------------------------------------------

    def grow(self, base: int, size: int) -> None:
        """``pageAlloc.grow``: map [base, base+size) as free, scavenged pages."""
        first, last = chunk_index(base), chunk_index(base + size - 1)
        for ci in range(first, last + 1):
            self.chunks[ci] = Chunk()
        self.start = first if not self.end else min(self.start, first)
        self.end = max(self.end, last + 1)
        self.search_addr = min(self.search_addr, base)
        self.update(base, size // PAGE_SIZE)

    def update(self, base: int, npages: int) -> None:
        """``pageAlloc.update``: recompute the summaries covering [base, base+npages)."""
        first, last = chunk_index(base), chunk_index(base + npages * PAGE_SIZE - 1)
        leaves = self.summary[-1]
        for ci in range(first, last + 1):
            s = summarize(self.chunks[ci].pages)
            if s == ZERO_SUM:
                leaves.pop(ci, None)
            else:
                leaves[ci] = s
        for level in range(SUMMARY_LEVELS - 2, -1, -1):
            shift = LEVEL_BITS[level + 1]
            first >>= shift
            last >>= shift
            children, parents = self.summary[level + 1], self.summary[level]
            for i in range(first, last + 1):
                kids = [children.get((i << shift) + j, ZERO_SUM) for j in range(1 << shift)]
                s = merge_summaries(kids, LEVEL_LOG_PAGES[level + 1])
                if s == ZERO_SUM:
                    parents.pop(i, None)
                else:
                    parents[i] = s

    # --- finding and allocating --------------------------------------------------

    def find(self, npages: int) -> int:
        """``pageAlloc.find``: lowest address of ``npages`` free pages, or 0.

        Walks the summary tree from level 0: in each block of entries it keeps the length
        of the free run that ends at the current entry; a run long enough across entries
        is an answer at this level, an entry whose ``max`` is long enough is descended into.
        """
        i = 0
        for level in range(SUMMARY_LEVELS):
            log_pages = LEVEL_LOG_PAGES[level]
            i <<= LEVEL_BITS[level]
            level_sums = self.summary[level]
            if level == 0:   # sparse: only entries that exist, in address order
                js = sorted(j for j in level_sums if j >= self.search_addr >> LEVEL_SHIFT[0])
            else:
                js = range(i, i + (1 << LEVEL_BITS[level]))
            base = size = 0
            prev = None
            descended = False
            for j in js:
                s = level_sums.get(j, ZERO_SUM)
                if s == ZERO_SUM or (prev is not None and j != prev + 1):
                    size = 0
                    if s == ZERO_SUM:
                        prev = j
                        continue
                prev = j
                start, most, end = s
                if size + start >= npages:
                    if size == 0:
                        base = j << log_pages
                    size += start
                    break
                if most >= npages:
                    i = j
                    descended = True
                    break
                if size == 0 or start < 1 << log_pages:
                    size = end
                    base = ((j + 1) << log_pages) - size
                    continue
                size += 1 << log_pages
            if descended:
                continue
            if size >= npages:
                return base << PAGE_SHIFT
            if level == 0:
                return 0
            raise HeapCorruptionError("fatal error: bad summary data")
        j = self.chunks[i].pages.find(bytes(npages))
        if j < 0:
            raise HeapCorruptionError("fatal error: bad summary data")
        return chunk_base(i) + j * PAGE_SIZE

    def alloc(self, npages: int) -> tuple[int, int]:
        """``pageAlloc.alloc``: allocate ``npages`` -> (address, scavenged bytes), (0, 0) if none."""
        if chunk_index(self.search_addr) >= self.end:
            return 0, 0
        ci = chunk_index(self.search_addr)
        addr = 0
        if PALLOC_CHUNK_PAGES - chunk_page_index(self.search_addr) >= npages and \
                self.summary[-1].get(ci, ZERO_SUM)[1] >= npages:
            j = self.chunks[ci].pages.find(bytes(npages), chunk_page_index(self.search_addr))
            if j >= 0:
                addr = chunk_base(ci) + j * PAGE_SIZE
        if not addr:
            addr = self.find(npages)
            if not addr:
                return 0, 0
        scav = self.alloc_range(addr, npages)
        self.search_addr = max(self.search_addr, self.first_free(self.search_addr))
        return addr, scav

    def first_free(self, addr: int) -> int:
        """Lowest free page at or after ``addr`` (or MAX_SEARCH_ADDR)."""
        ci = chunk_index(addr)
        start = chunk_page_index(addr)
        for c in sorted(k for k in self.summary[-1] if k >= ci):
            j = self.chunks[c].pages.find(FREE, start if c == ci else 0)
            if j >= 0:
                return chunk_base(c) + j * PAGE_SIZE
        return MAX_SEARCH_ADDR

    def _set_range(self, addr: int, npages: int, value: int) -> int:
        """Mark pages in-use or free; return how many were scavenged (and clear that on use)."""
        scav = 0
        page, last = addr >> PAGE_SHIFT, (addr >> PAGE_SHIFT) + npages
        while page < last:
            ci = page >> LOG_PALLOC_CHUNK_PAGES
            lo = page & (PALLOC_CHUNK_PAGES - 1)
            hi = min(PALLOC_CHUNK_PAGES, lo + last - page)
            chunk = self.chunks[ci]
            chunk.pages[lo:hi] = bytes([value]) * (hi - lo)
            if value == IN_USE:
                scav += chunk.scavenged.count(1, lo, hi)
                chunk.scavenged[lo:hi] = bytes(hi - lo)
            page += hi - lo
        self.update(addr, npages)
        return scav

    def alloc_range(self, addr: int, npages: int) -> int:
        """``pageAlloc.allocRange``: mark in use; return scavenged bytes in the range."""
        return self._set_range(addr, npages, IN_USE) * PAGE_SIZE

    def free(self, base: int, npages: int) -> None:
        """``pageAlloc.free``: pages become free again (not scavenged: still backed by RAM)."""
        self.search_addr = min(self.search_addr, base)
        self._set_range(base, npages, FREE)

    def alloc_to_cache(self) -> PageCache:
        """``pageAlloc.allocToCache``: hand the first block with free pages to a P's cache."""
        if chunk_index(self.search_addr) >= self.end:
            return PageCache()
        ci = chunk_index(self.search_addr)
        if ci in self.summary[-1]:
            j = self.chunks[ci].pages.find(FREE, chunk_page_index(self.search_addr))
            addr = chunk_base(ci) + j * PAGE_SIZE
        else:
            addr = self.find(1)
            if not addr:
                self.search_addr = MAX_SEARCH_ADDR
                return PageCache()
        base = addr & ~(PAGE_CACHE_PAGES * PAGE_SIZE - 1)
        chunk = self.chunks[chunk_index(base)]
        lo = chunk_page_index(base)
        block = chunk.pages[lo:lo + PAGE_CACHE_PAGES]
        cache = sum(1 << i for i, v in enumerate(block) if v == FREE)
        scav = sum(1 << i for i, v in enumerate(chunk.scavenged[lo:lo + PAGE_CACHE_PAGES]) if v)
        for i in range(PAGE_CACHE_PAGES):
            if cache >> i & 1:
                chunk.pages[lo + i] = IN_USE
                chunk.scavenged[lo + i] = 0
        self.update(base, PAGE_CACHE_PAGES)
        self.search_addr = base + PAGE_SIZE * (PAGE_CACHE_PAGES - 1)
        return PageCache(base, cache, scav & cache)

    # --- views -------------------------------------------------------------------

    def in_use_pages(self) -> set[int]:
        """Page numbers marked in use (for the heap's invariant check)."""
        return {(ci << LOG_PALLOC_CHUNK_PAGES) + i
                for ci, c in self.chunks.items() for i, v in enumerate(c.pages) if v}

    def mapped_bytes(self) -> int:
        return len(self.chunks) * PALLOC_CHUNK_BYTES
