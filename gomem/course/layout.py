"""Where one request lands: its class, its slot, its span, and every byte of waste.

:func:`place` answers lesson 04's widget question "I allocate ``size`` bytes (with or without
pointers): which class, which slot size, how much is wasted, and what does its span look
like?"  It uses only the model's own tables (:mod:`gomem.sizeclasses`, ``span_nelems``) and
follows ``mallocgc``'s dispatch: tiny (< 16 B, no pointers), small (<= 32760 B, with the
8-byte malloc header for pointerful objects > 512 B), large (whole pages, class 0).
"""

from __future__ import annotations

from dataclasses import dataclass

from gomem.errors import BadSizeError, check_size
from gomem.mheap import INLINE_MARK_BITS_BYTES, span_nelems, uses_inline_mark_bits
from gomem.sizeclasses import (CLASS_TO_NPAGES, CLASS_TO_SIZE, MALLOC_HEADER_SIZE,
                               MAX_SMALL_ALLOC, MAX_TINY_SIZE, MIN_SIZE_FOR_MALLOC_HEADER,
                               PAGE_SIZE, needs_malloc_header, size_to_class)

MAX_DEMO_SIZE = 1 << 20   # the widget draws spans up to 1 MiB (128 pages)


@dataclass(frozen=True)
class Placement:
    """One request's class, slot and span layout (all sizes in bytes)."""

    size: int
    noscan: bool
    greenteagc: bool
    path: str            # "tiny", "small", "large"
    sizeclass: int       # 0 for large
    slot: int            # elemsize: bytes the request occupies in its span
    header: int          # 8 for pointerful > 512 B, else 0
    npages: int
    nelems: int          # slots in the span (initSpan), not the table's "objects" column
    objects: int         # the table's column: span bytes // slot
    inline_marks: int    # Green Tea's inline mark bits at the span's end (16..512-B spans)
    heap_bits: int       # pointer bitmap at the span's end (pointerful spans <= 512 B)

    @property
    def span_bytes(self) -> int:
        return self.npages * PAGE_SIZE

    @property
    def waste(self) -> int:
        """Bytes of the slot the program cannot use: round-up (and the header)."""
        return self.slot - self.size

    @property
    def waste_fraction(self) -> float:
        return self.waste / self.slot

    @property
    def tail(self) -> int:
        """Span bytes after the last slot and the reserved metadata: never handed out."""
        return self.span_bytes - self.nelems * self.slot - self.inline_marks - self.heap_bits

    @property
    def spanclass(self) -> int:
        return self.sizeclass << 1 | int(self.noscan)

    def segments(self) -> list[tuple[int, int, str]]:
        """The span as (offset, length, kind) runs: kind in slots/tail/heap bits/inline marks."""
        used = self.nelems * self.slot
        segs = [(0, used, "slots")]
        off = used
        for length, kind in ((self.tail, "tail"), (self.heap_bits, "heap bits"),
                             (self.inline_marks, "inline mark bits")):
            if length:
                segs.append((off, length, kind))
                off += length
        return segs

    def describe(self) -> str:
        kind = "noscan" if self.noscan else "with pointers"
        if self.path == "large":
            return (f"{self.size} B {kind} -> large: class 0, its own {self.npages}-page span "
                    f"({self.span_bytes} B), waste {self.waste} B "
                    f"({100 * self.waste_fraction:.1f}%)")
        head = f" + {self.header} B header" if self.header else ""
        tiny = " (tiny allocator: shares a 16 B block)" if self.path == "tiny" else ""
        return (f"{self.size} B {kind}{head} -> class {self.sizeclass} ({self.slot} B slot){tiny}, "
                f"waste {self.waste} B ({100 * self.waste_fraction:.1f}%), "
                f"{self.npages}-page span holds {self.nelems} objects")


def place(size: int, noscan: bool = False, greenteagc: bool = True) -> Placement:
    """Class, slot and span layout of a ``size``-byte request (1 .. 1 MiB)."""
    check_size(size)
    if not 1 <= size <= MAX_DEMO_SIZE:
        raise BadSizeError(f"size must be 1..{MAX_DEMO_SIZE} bytes, not {size}")
    noscan = bool(noscan)
    if size > MAX_SMALL_ALLOC:
        npages = -(-size // PAGE_SIZE)
        return Placement(size, noscan, greenteagc, "large", 0, npages * PAGE_SIZE, 0, npages,
                         1, 1, 0, 0)
    path = "tiny" if noscan and size < MAX_TINY_SIZE else "small"
    sc = size_to_class(size, noscan)
    if path == "tiny":
        sc = size_to_class(MAX_TINY_SIZE, True)     # tiny blocks are class-2 (16 B) slots
    slot, npages = CLASS_TO_SIZE[sc], CLASS_TO_NPAGES[sc]
    span = npages * PAGE_SIZE
    header = MALLOC_HEADER_SIZE if needs_malloc_header(size, noscan) else 0
    marks = INLINE_MARK_BITS_BYTES if uses_inline_mark_bits(slot, greenteagc) else 0
    heap_bits = span // 64 if (slot <= MIN_SIZE_FOR_MALLOC_HEADER and not noscan) else 0
    return Placement(size, noscan, greenteagc, path, sc, slot, header, npages,
                     span_nelems(sc, noscan, greenteagc), span // slot, marks, heap_bits)


def waste_curve(lo: int, hi: int, noscan: bool) -> tuple[list[int], list[float]]:
    """Internal waste (% of the slot) for every request size in ``lo..hi`` (small sizes only)."""
    if not 1 <= lo <= hi <= MAX_SMALL_ALLOC:
        raise BadSizeError(f"need 1 <= lo <= hi <= {MAX_SMALL_ALLOC}, got {lo}..{hi}")
    sizes = list(range(lo, hi + 1))
    pct = []
    for n in sizes:
        sc = size_to_class(n, noscan)
        if noscan and n < MAX_TINY_SIZE:
            sc = size_to_class(MAX_TINY_SIZE, True)
        pct.append(100 * (CLASS_TO_SIZE[sc] - n) / CLASS_TO_SIZE[sc])
    return sizes, pct


def corners(xs: list[int], ys: list[float]) -> tuple[list[int], list[float]]:
    """Drop the points of a piecewise-linear curve that lie on a straight run (same picture)."""
    keep = [0]
    for i in range(1, len(xs) - 1):
        if abs((ys[i] - ys[i - 1]) - (ys[i + 1] - ys[i])) > 1e-9:
            keep.append(i)
    if len(xs) > 1:
        keep.append(len(xs) - 1)
    return [xs[i] for i in keep], [ys[i] for i in keep]
