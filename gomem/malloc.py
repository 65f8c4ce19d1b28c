"""mallocgc: the one entry point of every heap allocation, and its paths.

Models ``mallocgc`` and its helpers in ``runtime/malloc.go``: ``nextFreeFast``,
``mallocgcTiny``, ``mallocgcSmallNoscan``, ``mallocgcSmallScanNoHeader``,
``mallocgcSmallScanHeader``, ``mallocgcLarge``.

``mallocgc(size, typ)`` picks a path by size and by whether the type has pointers:

==============================  =========================================  ==========
request                         path                                       span class
==============================  =========================================  ==========
0 bytes                         ``&zerobase`` (no memory)                  —
pointer-free, < 16 B            tiny: packed into the P's 16-byte block    5 (16 B)
pointer-free, <= 32760 B        small noscan                               class|1
pointerful, <= 512 B            small scan, pointer bits at span end       class<<1
pointerful, 513..32760 B        small scan + 8-byte type header in front   class<<1
> 32760 B                       large: its own span of whole pages         0 or 1
==============================  =========================================  ==========

Small paths first try ``nextFreeFast`` (one ctz on the span's ``alloc_cache``) and fall
back to ``mcache.nextFree``.  Go 1.26+ also generates size-specialised copies of the
small paths for sizes up to 80 B (``mallocgcSmallScanNoHeaderSC3`` ...,
``mallocgcTinySC2``); they behave identically, and the event log names them.

What the model leaves out: memory contents (nothing is zeroed or written; ``needzero``
is tracked), type pointer bitmaps, GC assists, the GC trigger, profiling, sanitizers,
``RuntimeFreegc`` reuse lists.
"""

from __future__ import annotations

from gomem.mcache import MCache
from gomem.mspan import MSpan
from gomem.sizeclasses import (MALLOC_HEADER_SIZE, MAX_SMALL_ALLOC, MAX_TINY_SIZE,
                               MIN_SIZE_FOR_MALLOC_HEADER, SIZE_TO_CLASS8, class_of)
from gomem.spanclass import TINY_SPAN_CLASS

ZEROBASE = 0x0000000000D00000   # stand-in address of runtime.zerobase (outside the heap)
SPECIALIZED_MALLOC_MAX = 80     # _mkmalloc/constants.go specializedMallocMax


def next_free_fast(s: MSpan) -> int:
    """``nextFreeFast``: the next free slot's address if ``alloc_cache`` shows one, else 0.

    One count-trailing-zeros finds the lowest set bit = the first free slot at or after
    ``freeindex``.  It gives up (returns 0) when the slot is past ``nelems``, and when
    taking it would move ``freeindex`` onto a 64-slot boundary (other than the end):
    the cache would then need reloading, which is ``nextFreeIndex``'s job.
    """
    cache = s.alloc_cache
    if cache:
        bit = (cache & -cache).bit_length() - 1      # ctz64
        result = s.freeindex + bit
        if result < s.nelems:
            freeidx = result + 1
            if freeidx % 64 == 0 and freeidx != s.nelems:
                return 0
            s.alloc_cache = cache >> (bit + 1)
            s.freeindex = freeidx
            s.alloc_count += 1
            return result * s.elemsize + s.start_addr
    return 0


def mallocgc(c: MCache, size: int, noscan: bool) -> int:
    """``mallocgc``: allocate ``size`` bytes on the P that owns ``c``; return the address."""
    log = c.mheap.log
    if log.on:
        log.emit("mallocgc", f"size={size} {'noscan' if noscan else 'scan'}")
    if size == 0:
        return ZEROBASE
    if size <= MAX_SMALL_ALLOC:
        if noscan:
            if size < MAX_TINY_SIZE:
                return mallocgc_tiny(c, size)
            return mallocgc_small_noscan(c, size)
        if size <= MIN_SIZE_FOR_MALLOC_HEADER:   # heapBitsInSpan
            return mallocgc_small_scan_no_header(c, size)
        return mallocgc_small_scan_header(c, size)
    return mallocgc_large(c, size, noscan)


def _small(c: MCache, spc: int, path: str) -> int:
    """The part every small path shares: nextFreeFast, else mcache.nextFree."""
    s = c.alloc[spc]
    v = next_free_fast(s)
    log = c.mheap.log
    if log.on:
        log.emit(path, f"spanclass={spc}")
        log.emit("nextFreeFast", "hit" if v else "miss")
    if not v:
        v, _, _ = c.next_free(spc)
    return v


def _name(generic: str, specialized: str, size: int, sizeclass: int) -> str:
    return f"{specialized}SC{sizeclass}" if size <= SPECIALIZED_MALLOC_MAX else generic


def mallocgc_tiny(c: MCache, size: int) -> int:
    """``mallocgcTiny``: pack a pointer-free object < 16 B into the P's 16-byte block.

    The offset is aligned by the request's size (8, 4 or 2 bytes, else 1).  If the
    object fits in the current block it costs no slot at all.  Otherwise a fresh 16-byte
    slot is taken, and it *replaces* the current block only if it has more room left
    than the old one (``size < tinyoffset``, comparing with the old offset).
    """
    off = c.tinyoffset
    if size & 7 == 0:
        off = (off + 7) & ~7
    elif size & 3 == 0:
        off = (off + 3) & ~3
    elif size & 1 == 0:
        off = (off + 1) & ~1
    log = c.mheap.log
    if off + size <= MAX_TINY_SIZE and c.tiny != 0:
        c.tinyoffset = off + size
        c.tiny_allocs += 1
        if log.on:
            log.emit("tiny block", f"{c.tiny:#x}+{off}")
        return c.tiny + off
    x = _small(c, TINY_SPAN_CLASS, "mallocgcTinySC2")
    if size < c.tinyoffset or c.tiny == 0:
        c.tiny = x
        c.tinyoffset = size
    return x


def mallocgc_small_noscan(c: MCache, size: int) -> int:
    """``mallocgcSmallNoscan``: a pointer-free object from its class's noscan span."""
    sizeclass = class_of(size)
    name = _name("mallocgcSmallNoscan", "mallocgcSmallNoScan", size, sizeclass)
    return _small(c, sizeclass << 1 | 1, name)


def mallocgc_small_scan_no_header(c: MCache, size: int) -> int:
    """``mallocgcSmallScanNoHeader``: pointerful <= 512 B; pointer bits live at the span's end."""
    sizeclass = SIZE_TO_CLASS8[(size + 7) >> 3]
    name = _name("mallocgcSmallScanNoHeader", "mallocgcSmallScanNoHeader", size, sizeclass)
    return _small(c, sizeclass << 1, name)


def mallocgc_small_scan_header(c: MCache, size: int) -> int:
    """``mallocgcSmallScanHeader``: pointerful 513..32760 B get an 8-byte type header.

    The slot is sized for ``size + 8``; the caller gets the address just past the header.
    """
    sizeclass = class_of(size + MALLOC_HEADER_SIZE)
    return _small(c, sizeclass << 1, "mallocgcSmallScanHeader") + MALLOC_HEADER_SIZE


def mallocgc_large(c: MCache, size: int, noscan: bool) -> int:
    """``mallocgcLarge``: > 32760 B get a span of their own (span class 0 or 1)."""
    if c.mheap.log.on:
        c.mheap.log.emit("mallocgcLarge", f"size={size}")
    s = c.alloc_large(size, noscan)
    s.freeindex = 1
    s.alloc_count = 1
    return s.start_addr
