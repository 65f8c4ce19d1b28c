"""Segmentation vs paging: where the wasted memory goes.

With segmentation (分段) each request gets one contiguous piece of physical
memory of exactly its size, carved from a free list of holes.  Nothing is
wasted inside a segment, but after a while free memory is scattered in holes
too small for the next request: *external fragmentation* (外部碎片).  A
request can fail while the total free memory would be enough.

With paging (分页) a request gets ``ceil(size / page_size)`` frames, which
need not be contiguous, so any free frame is usable and there is no external
fragmentation.  The price is the unused tail of each request's last page:
*internal fragmentation* (内部碎片), less than one page per request - bounded.

:class:`SegmentAllocator` (first-fit or best-fit, holes coalesced on free) and
:class:`PagedAllocator` take the same requests; :func:`compare_fragmentation`
runs one workload through both and records the waste after every step.

Simplifications: segments are placed in physical memory directly (no
segment table, no compaction, no swapping of segments); an allocation that
fails is skipped (the workload's later free of it is ignored).
"""

from __future__ import annotations

from dataclasses import dataclass

from gomem.errors import BadSizeError, ConfigError, OutOfMemoryError, check_size
from gomem.vm.layout import offset_bits_for

FITS = ("first", "best")


class SegmentAllocator:
    """A segmented memory's allocator: variable-size segments carved from a free list.

    Models how an OS places segments in physical memory (the free list of holes from
    the classic segmentation chapters).  Simplification: no compaction, no segment
    table or limit checks, byte granularity.
    """

    def __init__(self, size: int, fit: str = "first"):
        if isinstance(size, bool) or not isinstance(size, int) or size <= 0:
            raise ConfigError(f"memory size must be a positive int, got {size!r}")
        if fit not in FITS:
            raise ConfigError(f"fit must be one of {FITS}, got {fit!r}")
        self.size, self.fit = size, fit
        self.holes: list[tuple[int, int]] = [(0, size)]  # (start, length), sorted by start
        self.segments: dict[int, int] = {}                 # start -> length

    def alloc(self, length: int) -> int:
        """Start of a new segment of ``length`` bytes; OutOfMemoryError if no hole fits."""
        check_size(length, "segment length")
        if length == 0:
            raise BadSizeError("a segment needs at least 1 byte")
        fits = [i for i, (_, n) in enumerate(self.holes) if n >= length]
        if not fits:
            raise OutOfMemoryError(f"no hole of {length} bytes (free {self.free_bytes()} bytes "
                                   f"in {len(self.holes)} holes, largest {self.largest_hole()})")
        i = fits[0] if self.fit == "first" else min(fits, key=lambda j: self.holes[j][1])
        start, n = self.holes[i]
        if n == length:
            del self.holes[i]
        else:
            self.holes[i] = (start + length, n - length)
        self.segments[start] = length
        return start

    def free(self, start: int) -> None:
        """Return a segment and merge it with neighbouring holes."""
        if start not in self.segments:
            raise BadSizeError(f"no segment starts at {start}")
        length = self.segments.pop(start)
        self.holes.append((start, length))
        self.holes.sort()
        merged = [self.holes[0]]
        for s, n in self.holes[1:]:
            ps, pn = merged[-1]
            if ps + pn == s:
                merged[-1] = (ps, pn + n)
            else:
                merged.append((s, n))
        self.holes = merged

    def free_bytes(self) -> int:
        return sum(n for _, n in self.holes)

    def largest_hole(self) -> int:
        return max((n for _, n in self.holes), default=0)

    def external_fragmentation(self) -> float:
        """1 - largest hole / free bytes: 0 when all free memory is one hole."""
        free = self.free_bytes()
        return 1 - self.largest_hole() / free if free else 0.0


class PagedAllocator:
    """Frame allocation under paging: whole pages from any free frames.

    Simplification: counts frames instead of tracking which ones (with paging any
    free frame will do, which is the whole point).
    """

    def __init__(self, size: int, page_size: int = 4096):
        offset_bits_for(page_size)
        if isinstance(size, bool) or not isinstance(size, int) or size < page_size:
            raise ConfigError(f"memory must hold at least one page, got {size!r}")
        self.page_size = page_size
        self.frames = size // page_size
        self.used: dict[int, tuple[int, int]] = {}  # request id -> (pages, bytes asked)
        self._next = 0

    def pages_for(self, length: int) -> int:
        return -(-length // self.page_size)

    def alloc(self, length: int) -> int:
        """An id for ``length`` bytes in ``ceil(length / page_size)`` frames."""
        check_size(length, "length")
        if length == 0:
            raise BadSizeError("a request needs at least 1 byte")
        pages = self.pages_for(length)
        if pages > self.free_frames():
            raise OutOfMemoryError(f"need {pages} frames, {self.free_frames()} free")
        rid, self._next = self._next, self._next + 1
        self.used[rid] = (pages, length)
        return rid

    def free(self, rid: int) -> None:
        if rid not in self.used:
            raise BadSizeError(f"no request {rid}")
        del self.used[rid]

    def free_frames(self) -> int:
        return self.frames - sum(p for p, _ in self.used.values())

    def internal_waste(self) -> int:
        """Bytes inside allocated pages that nobody asked for (each < one page)."""
        return sum(p * self.page_size - n for p, n in self.used.values())


@dataclass(frozen=True)
class FragStep:
    """Both allocators after one workload step (all ints are bytes or counts)."""

    step: int
    seg_free: int
    seg_largest_hole: int
    seg_holes: int
    seg_failures: int
    page_internal_waste: int
    page_failures: int

    @property
    def seg_external(self) -> int:
        """Free bytes not in the largest hole: unusable for a request that big."""
        return self.seg_free - self.seg_largest_hole


def compare_fragmentation(workload, memory: int, page_size: int = 4096,
                          fit: str = "first") -> list[FragStep]:
    """Run ``workload`` (``("alloc", id, size)`` / ``("free", id)``) through both allocators."""
    seg, pag = SegmentAllocator(memory, fit), PagedAllocator(memory, page_size)
    seg_of, pag_of = {}, {}
    seg_fail = pag_fail = 0
    out = []
    for i, op in enumerate(workload):
        if op[0] == "alloc":
            _, rid, size = op
            try:
                seg_of[rid] = seg.alloc(size)
            except OutOfMemoryError:
                seg_fail += 1
            try:
                pag_of[rid] = pag.alloc(size)
            except OutOfMemoryError:
                pag_fail += 1
        elif op[0] == "free":
            if op[1] in seg_of:
                seg.free(seg_of.pop(op[1]))
            if op[1] in pag_of:
                pag.free(pag_of.pop(op[1]))
        else:
            raise ConfigError(f"unknown workload op {op!r}")
        out.append(FragStep(i, seg.free_bytes(), seg.largest_hole(), len(seg.holes), seg_fail,
                            pag.internal_waste(), pag_fail))
    return out
