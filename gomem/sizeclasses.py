"""Size classes: the table every small allocation is rounded up to.

Models ``runtime/_mkmalloc/mksizeclasses.go`` (the generator) and its output
``internal/runtime/gc/sizeclasses.go``, plus ``roundupsize`` from ``runtime/msize.go``.

The runtime does not store a hand-written table: a generator walks object sizes from
8 B to 32 KiB and keeps a size only when it is needed.  The rules, in order:

1. Alignment grows with size (8, then 16 from 32 B, then size/8 from 128 B, then
   256 from 2 KiB), so sizes step by the current alignment.
2. Each size gets the fewest 8 KiB pages whose leftover tail after cutting the span
   into objects is at most 1/8 of the span (<= 12.5 % tail waste).
3. A size that needs the same pages *and* fits the same number of objects as the
   previous class replaces it (the class grows instead of a new one appearing).
4. Finally each class grows to the largest multiple of 128 that still fits the same
   number of objects in its span (e.g. 8448 -> 9472).

That yields 67 real classes plus class 0, which the runtime uses for large objects
(> 32760 B), whose spans are sized in whole pages.  We *generate* the table here,
exactly as the Go program does, and the tests compare it with go1.27's file.

What the model leaves out: nothing of the table; the divide magic is computed but the
model divides with Python's ``//`` (the tests check the magic against ``//``).
"""

from __future__ import annotations

from typing import NamedTuple

from gomem.errors import check_size

# Constants of runtime/_mkmalloc/constants.go and internal/runtime/gc/malloc.go (64-bit).
MIN_HEAP_ALIGN = 8
MAX_SMALL_SIZE = 32 << 10           # 32768: largest size-class object
SMALL_SIZE_DIV = 8
SMALL_SIZE_MAX = 1024
LARGE_SIZE_DIV = 128
PAGE_SHIFT = 13
PAGE_SIZE = 1 << PAGE_SHIFT         # 8 KiB: the runtime's page, not the OS's 4 KiB page
MALLOC_HEADER_SIZE = 8              # gc.MallocHeaderSize
MIN_SIZE_FOR_MALLOC_HEADER = 512    # gc.MinSizeForMallocHeader (exclusive minimum)
MAX_TINY_SIZE = 16                  # malloc.go maxTinySize
MAX_SMALL_ALLOC = MAX_SMALL_SIZE - MALLOC_HEADER_SIZE  # 32760: larger requests are "large"


class SizeClass(NamedTuple):
    """One row of the table comment in ``internal/runtime/gc/sizeclasses.go``."""

    sizeclass: int
    size: int          # bytes/obj
    npages: int        # pages per span (bytes/span = npages * 8192)
    objects: int       # span bytes // size (NOT the runtime's nelems, see mspan.py)
    tail_waste: int    # bytes left at the end of a span
    max_waste: float   # worst-case fraction of the span wasted (round-up + tail)
    min_align: int     # largest power of two dividing size, capped at the page size

    @property
    def span_bytes(self) -> int:
        return self.npages * PAGE_SIZE


def _power_of_two(x: int) -> bool:
    return x != 0 and x & (x - 1) == 0


def candidate_sizes():
    """The sizes ``makeClasses`` tries, each with the alignment step in force (rule 1)."""
    align = MIN_HEAP_ALIGN
    size = align
    while size <= MAX_SMALL_SIZE:
        if _power_of_two(size):  # alignment grows at powers of two
            if size >= 2048:
                align = 256
            elif size >= 128:
                align = size // 8
            elif size >= 32:
                align = 16
        yield size, align
        size += align


def span_pages(size: int) -> int:
    """Rule 2: the fewest 8 KiB pages whose tail waste is at most 1/8 of the span."""
    allocsize = PAGE_SIZE
    while allocsize % size > allocsize // 8:
        allocsize += PAGE_SIZE
    return allocsize // PAGE_SIZE


def make_classes(merge: bool = True, grow: bool = True) -> list[tuple[int, int]]:
    """Return ``[(size, npages), ...]`` for classes 0..67, class 0 being ``(0, 0)``.

    Models ``makeClasses`` in ``runtime/_mkmalloc/mksizeclasses.go``.  ``merge=False``
    skips rule 3 and ``grow=False`` rule 4, to show what each rule contributes
    (lesson 04; the grader uses them to tell a learner which step is missing).
    """
    classes = [(0, 0)]  # class 0: large objects
    for size, _ in candidate_sizes():
        npages = span_pages(size)
        allocsize = npages * PAGE_SIZE
        prev_size, prev_npages = classes[-1]
        if merge and len(classes) > 1 and npages == prev_npages \
                and allocsize // size == allocsize // prev_size:
            classes[-1] = (size, npages)  # same pages, same count: grow the previous class
        else:
            classes.append((size, npages))
    # Grow each class to the largest 128-multiple with the same objects per span.
    for i, (size, npages) in enumerate(classes[1:] if grow else [], start=1):
        span = npages * PAGE_SIZE
        grown = (span // (span // size)) & ~(LARGE_SIZE_DIV - 1)
        if grown > size:
            classes[i] = (grown, npages)
    assert len(classes) == 68 or not (merge and grow), "number of size classes has changed"
    return classes


def _table(classes: list[tuple[int, int]]) -> tuple[SizeClass, ...]:
    """The table comment's columns (``printComment`` in mksizeclasses.go)."""
    rows = [SizeClass(0, 0, 0, 0, 0, 0.0, 0)]
    prev = 0
    for i, (size, npages) in enumerate(classes[1:], start=1):
        span = npages * PAGE_SIZE
        objects = span // size
        tail = span - size * objects
        # Worst case: every object is one byte bigger than the previous class.
        max_waste = ((size - prev - 1) * objects + tail) / span
        align_bits = min((size & -size).bit_length() - 1, PAGE_SHIFT)
        rows.append(SizeClass(i, size, npages, objects, tail, max_waste, 1 << align_bits))
        prev = size
    return tuple(rows)


def _div_magic(size: int) -> int:
    """``SizeClassToDivMagic``: n // size == (n * magic) >> 32 for every offset in a span."""
    return 0 if size == 0 else (0xFFFFFFFF // size) + 1


_CLASSES = make_classes()
CLASSES: tuple[SizeClass, ...] = _table(_CLASSES)
NUM_SIZE_CLASSES = len(CLASSES)                                    # 68
CLASS_TO_SIZE: tuple[int, ...] = tuple(s for s, _ in _CLASSES)
CLASS_TO_NPAGES: tuple[int, ...] = tuple(n for _, n in _CLASSES)
CLASS_TO_DIVMAGIC: tuple[int, ...] = tuple(_div_magic(s) for s, _ in _CLASSES)


def _first_class_at_least(size: int) -> int:
    return next(i for i, s in enumerate(CLASS_TO_SIZE) if s >= size)


# gc.SizeToSizeClass8[i] is the class for sizes in ((i-1)*8, i*8]; up to 1024 B.
SIZE_TO_CLASS8: tuple[int, ...] = tuple(
    _first_class_at_least(i * SMALL_SIZE_DIV) for i in range(SMALL_SIZE_MAX // SMALL_SIZE_DIV + 1))
# gc.SizeToSizeClass128[i] is the class for sizes in (1024+(i-1)*128, 1024+i*128].
SIZE_TO_CLASS128: tuple[int, ...] = tuple(
    _first_class_at_least(SMALL_SIZE_MAX + i * LARGE_SIZE_DIV)
    for i in range((MAX_SMALL_SIZE - SMALL_SIZE_MAX) // LARGE_SIZE_DIV + 1))
MAX_OBJS_PER_SPAN = max(r.objects for r in CLASSES)          # 1024
MAX_SIZE_CLASS_NPAGES = max(CLASS_TO_NPAGES)                  # 10
TINY_SIZE_CLASS = _first_class_at_least(MAX_TINY_SIZE)        # 2


def class_of(size: int) -> int:
    """The table lookup the runtime inlines in every small malloc path.

    ``size`` must be 1..32768; sizes up to 1016 use ``SizeToSizeClass8``, larger
    ones ``SizeToSizeClass128`` (malloc.go, ``mallocgcSmallNoscan``).
    """
    if size <= SMALL_SIZE_MAX - 8:
        return SIZE_TO_CLASS8[(size + SMALL_SIZE_DIV - 1) // SMALL_SIZE_DIV]
    return SIZE_TO_CLASS128[(size - SMALL_SIZE_MAX + LARGE_SIZE_DIV - 1) // LARGE_SIZE_DIV]


# Span class of every small request, with the header rule applied (for Heap.malloc's
# fast path; the readable paths in malloc.py compute the same thing step by step).
NOSCAN_SPANCLASS: tuple[int, ...] = (1,) + tuple(
    class_of(n) << 1 | 1 for n in range(1, MAX_SMALL_ALLOC + 1))
SCAN_SPANCLASS: tuple[int, ...] = (0,) + tuple(
    class_of(n + (MALLOC_HEADER_SIZE if n > MIN_SIZE_FOR_MALLOC_HEADER else 0)) << 1
    for n in range(1, MAX_SMALL_ALLOC + 1))


def needs_malloc_header(size: int, noscan: bool) -> bool:
    """Pointerful objects > 512 B carry an 8-byte type header (``!heapBitsInSpan``, Go 1.22+)."""
    return not noscan and size > MIN_SIZE_FOR_MALLOC_HEADER


def size_to_class(size: int, noscan: bool = True) -> int:
    """The size class ``mallocgc`` uses for a request of ``size`` bytes; 0 means large.

    Includes the malloc header for pointerful objects > 512 B.  Size 0 returns 0 too
    (the runtime hands out ``&zerobase`` and uses no class); pointer-free requests
    below 16 B go to the tiny allocator, which packs them into class-2 (16 B) blocks —
    this function still reports the table's class for them.
    """
    check_size(size)
    if size == 0 or size > MAX_SMALL_ALLOC:
        return 0
    if needs_malloc_header(size, noscan):
        size += MALLOC_HEADER_SIZE
    return class_of(size)


def roundupsize(size: int, noscan: bool) -> int:
    """Bytes the runtime reserves for a request, minus any inline header.

    Models ``roundupsize`` in ``runtime/msize.go`` (what ``growslice`` uses to pick a
    capacity).  Small requests round up to their class size (less the 8-byte header for
    pointerful objects > 512 B); large ones round up to whole 8 KiB pages.
    """
    check_size(size)
    if size <= MAX_SMALL_ALLOC:
        header = MALLOC_HEADER_SIZE if needs_malloc_header(size, noscan) else 0
        return CLASS_TO_SIZE[class_of(size + header)] - header
    return (size + PAGE_SIZE - 1) & ~(PAGE_SIZE - 1)
