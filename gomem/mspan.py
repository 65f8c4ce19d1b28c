"""mspan: a run of pages cut into equal object slots, and the bitmaps that track them.

Models ``type mspan`` in ``runtime/mheap.go`` and the slot-finding code around it:
``nextFreeIndex`` / ``refillAllocCache`` / ``isFree`` / ``countAlloc`` in
``runtime/mbitmap.go``.

A span of ``npages`` 8 KiB pages starting at ``start_addr`` holds ``nelems`` objects of
``elemsize`` bytes; object ``i`` starts at ``start_addr + i*elemsize``.  Which slots are
taken is told by two things together:

* ``freeindex``: every slot below it counts as allocated, and
* ``alloc_bits``: one bit per slot (bit ``n`` = byte ``n//8``, bit ``n%8``), written only
  by the sweeper (it becomes the last GC's ``gcmark_bits``).  Allocating does *not* set
  a bit; it moves ``freeindex`` past the slot.

So slot ``i`` is in use iff ``i < freeindex or alloc_bits[i]`` (``isFree``), and
``alloc_count`` counts exactly those slots.  ``alloc_cache`` is a 64-bit window onto
the *complement* of ``alloc_bits`` starting at ``freeindex``: a 1 bit means "free slot",
so count-trailing-zeros finds the next free *object slot* in one instruction.  (The seed
says allocCache marks pages and Ctz64 finds an empty page; it is object slots.)

Invariants (checked by :func:`gomem.check.check_heap`): ``0 <= freeindex <= nelems``;
``alloc_count`` = number of in-use slots; ``limit = start_addr + nelems*elemsize``.

What the model leaves out: ``divMul`` division (Python divides exactly), the gcBits
arenas (each span owns its bytearrays), ``freeIndexForScan``, specials, pinner bits and
user arenas.  Green Tea's inline mark bits are a separate bytearray, not bytes at the
end of the span's last page (their *space* is still reserved: see ``nelems``).
"""

from __future__ import annotations

from enum import Enum

from gomem.sizeclasses import PAGE_SIZE

MASK64 = (1 << 64) - 1


class MSpanState(Enum):
    """``mSpanState`` in mheap.go (the model uses no manual spans)."""

    DEAD = "mSpanDead"
    IN_USE = "mSpanInUse"


def ctz64(x: int) -> int:
    """``sys.TrailingZeros64``: index of the lowest set bit, 64 when ``x == 0``."""
    return (x & -x).bit_length() - 1 if x else 64


def bitmap_words(nelems: int) -> int:
    """64-bit words a span's bitmaps take for ``nelems`` slots (``newMarkBits`` rounds its
    allocation up to whole words: ``blocksNeeded``)."""
    return (nelems + 63) // 64


def new_mark_bits(nelems: int) -> bytearray:
    """``newMarkBits``: zeroed bits for ``nelems`` slots, rounded up to whole 64-bit words."""
    return bytearray(bitmap_words(nelems) * 8)


def popcount(bits: bytes) -> int:
    """Number of set bits (``sys.OnesCount64`` over the words)."""
    return int.from_bytes(bits, "little").bit_count()


class MSpan:
    """``type mspan`` (runtime/mheap.go).  Fields keep the runtime's meaning."""

    __slots__ = ("start_addr", "npages", "nelems", "freeindex", "alloc_cache", "alloc_bits",
                 "gcmark_bits", "inline_mark_bits", "alloc_count", "alloc_count_before_cache",
                 "spanclass", "elemsize", "limit", "sweepgen", "state", "needzero")

    def __init__(self, start_addr: int, npages: int):
        # mspan.init: a span owns pages but holds no objects until initSpan runs.
        self.start_addr = start_addr      # address of the first byte (s.base())
        self.npages = npages              # number of 8 KiB pages
        self.nelems = 0                   # number of object slots (uint16 since Go 1.22)
        self.freeindex = 0                # slot where the next scan starts (uint16)
        self.alloc_cache = 0              # ~alloc_bits, shifted so bit 0 is freeindex
        self.alloc_bits = bytearray()     # in-use bits as of the last sweep
        self.gcmark_bits = bytearray()    # marks of the current GC cycle
        self.inline_mark_bits = None      # Green Tea: marks kept inside small spans
        self.alloc_count = 0              # slots in use (uint16)
        self.alloc_count_before_cache = 0  # alloc_count when an mcache took the span
        self.spanclass = 0                # size class << 1 | noscan
        self.elemsize = 0                 # object size (npages*8192 for a large span)
        self.limit = 0                    # end of the object-holding part of the span
        self.sweepgen = 0                 # see mheap.py: h-2 unswept ... h+3 swept & cached
        self.state = MSpanState.DEAD
        self.needzero = 0                 # memory must be zeroed before reuse

    def base(self) -> int:
        return self.start_addr

    @property
    def sizeclass(self) -> int:
        return self.spanclass >> 1

    @property
    def noscan(self) -> bool:
        return bool(self.spanclass & 1)

    @property
    def span_bytes(self) -> int:
        return self.npages * PAGE_SIZE

    def __repr__(self) -> str:
        return (f"<mspan {self.start_addr:#x} npages={self.npages} class={self.sizeclass}"
                f"{' noscan' if self.noscan else ''} elemsize={self.elemsize} "
                f"alloc={self.alloc_count}/{self.nelems} freeindex={self.freeindex}>")

    # --- finding a free slot (mbitmap.go) ---------------------------------------------

    def refill_alloc_cache(self, which_byte: int) -> None:
        """``refillAllocCache``: load 8 bytes of alloc_bits at ``which_byte``, inverted."""
        word = int.from_bytes(self.alloc_bits[which_byte:which_byte + 8], "little")
        self.alloc_cache = ~word & MASK64

    def next_free_index(self) -> int:
        """``nextFreeIndex``: the next free slot at or after freeindex, or nelems if full.

        Consumes the slot: alloc_cache shifts past it and freeindex moves to the slot
        after it.  When freeindex lands on a multiple of 64 the cache is refilled from the
        next 8 bytes of alloc_bits (the cache only ever covers one aligned 64-slot word).
        """
        sfreeindex, snelems = self.freeindex, self.nelems
        if sfreeindex == snelems:
            return sfreeindex
        a_cache = self.alloc_cache
        bit = ctz64(a_cache)
        while bit == 64:  # no free slot in this word: move to the next 64 slots
            sfreeindex = (sfreeindex + 64) & ~63
            if sfreeindex >= snelems:
                self.freeindex = snelems
                return snelems
            self.refill_alloc_cache(sfreeindex // 8)
            a_cache = self.alloc_cache
            bit = ctz64(a_cache)
        result = sfreeindex + bit
        if result >= snelems:
            self.freeindex = snelems
            return snelems
        self.alloc_cache >>= bit + 1
        sfreeindex = result + 1
        if sfreeindex % 64 == 0 and sfreeindex != snelems:
            self.refill_alloc_cache(sfreeindex // 8)
        self.freeindex = sfreeindex
        return result

    def is_free(self, index: int) -> bool:
        """``isFree``: a slot is free iff it is at/after freeindex and its alloc bit is 0."""
        if index < self.freeindex:
            return False
        return not self.alloc_bits[index >> 3] >> (index & 7) & 1

    def count_alloc(self) -> int:
        """``countAlloc``: number of marked slots (the sweeper's new alloc_count)."""
        return popcount(self.gcmark_bits)

    # --- addresses and marks ------------------------------------------------------

    def object_index(self, addr: int) -> int:
        """Slot holding ``addr`` (``objIndex``); interior pointers map to their object."""
        return (addr - self.start_addr) // self.elemsize

    def is_marked(self, index: int) -> bool:
        return bool(self.gcmark_bits[index >> 3] >> (index & 7) & 1)

    def in_use_slots(self) -> list[int]:
        """Every slot that currently holds an object, in address order."""
        return [i for i in range(self.nelems) if not self.is_free(i)]
