"""A classic free-list allocator (CS:APP 9.9): boundary tags, splitting, coalescing.

This is the allocator the shoot-out holds Go's size classes against: one contiguous
heap grown with ``sbrk``, cut into variable-size blocks.  Every block has a 4-byte
*header* and a 4-byte *footer* (the **boundary tags**), each holding ``size | alloc``;
sizes are multiples of 8, so the low bit is free for the allocated flag::

      bp-4        bp (8-aligned payload)                  bp+size-8
      [hdr: size|a][ payload ............................ ][ftr: size|a]

The heap starts with a padding word, a prologue block (8 B, always allocated) and ends
with an epilogue header (size 0, allocated); so every real block has neighbours and
coalescing needs no special cases at the ends.

``malloc`` rounds a request to ``asize = max(24, align8(size + 8))`` (24 B is the
smallest block that can hold the two 8-byte free-list links plus the tags), looks for
a free block with **first fit** (lowest address) or **best fit** (smallest, then
lowest address), *splits* it when the remainder is at least 24 B, and otherwise grows
the heap by ``max(asize, CHUNKSIZE)`` bytes.  ``free`` clears the flag and
*coalesces* at once with a free neighbour on either side (the four cases), which the
footers make O(1).  ``realloc`` shrinks or grows in place when it can (absorbing a
free right neighbour), else mallocs, copies and frees.

Invariants (:meth:`FreeListAllocator.check`): header == footer for every block; sizes
are multiples of 8 and >= 24; blocks tile the heap from prologue to epilogue; no two
free blocks are adjacent; the free index holds exactly the free blocks.

What the model leaves out: the bytes themselves (memory is a dict of the tag words;
payloads are never stored), and the free list's links: a real explicit list keeps
``pred``/``succ`` pointers inside each free block, we keep the free blocks in two
sorted Python lists (by address for first fit, by size for best fit) — the same
choices, found faster, with the 24-byte minimum block still paid for.  ``examined``
counts the free blocks a linked-list walk would have looked at (first fit: up to the
first fit; best fit: all of them), the cost Go's size classes avoid.
"""

from __future__ import annotations

import bisect

from gomem.errors import BadPointerError, ConfigError, HeapCorruptionError, check_size

WSIZE = 4              # header/footer word
DSIZE = 8              # alignment
MIN_BLOCK = 24         # header + pred + succ + footer
CHUNKSIZE = 1 << 12    # extend the heap by at least this much (CS:APP's CHUNKSIZE)
POLICIES = ("first-fit", "best-fit")


def adjusted_size(size: int) -> int:
    """Block size for a ``size``-byte request: payload + both tags, 8-aligned, >= 24."""
    return max(MIN_BLOCK, (size + DSIZE + DSIZE - 1) & ~(DSIZE - 1))


class FreeListAllocator:
    """``mm_init`` / ``mm_malloc`` / ``mm_free`` / ``mm_realloc`` over a simulated heap."""

    def __init__(self, policy: str = "first-fit", chunksize: int = CHUNKSIZE):
        if policy not in POLICIES:
            raise ConfigError(f"policy must be one of {POLICIES}, not {policy!r}")
        check_size(chunksize, "chunksize")
        if chunksize < MIN_BLOCK or chunksize % DSIZE:
            raise ConfigError(f"chunksize must be a multiple of {DSIZE} >= {MIN_BLOCK}")
        self.policy = policy
        self.best = policy == "best-fit"
        self.chunksize = chunksize
        self.mem: dict[int, int] = {}        # address -> tag word (the only bytes we model)
        self.start = 0x1000                  # mem_start_brk
        self.brk = self.start
        self.free_addrs: list[int] = []      # free blocks by address (first fit)
        self.free_sizes: list[tuple[int, int]] = []   # (size, bp) (best fit; largest block)
        self.free_bytes = 0                  # sum of free block sizes
        self.alloc_bytes = 0                 # sum of allocated block sizes (tags included)
        self.extends = 0
        self.searches = 0                    # find_fit calls
        self.examined = 0                    # free blocks a linked-list search would examine
        # mm_init: padding word, prologue header+footer, epilogue header
        base = self._sbrk(4 * WSIZE)
        self.mem[base + WSIZE] = DSIZE | 1
        self.mem[base + 2 * WSIZE] = DSIZE | 1
        self.mem[base + 3 * WSIZE] = 0 | 1
        self.heap_listp = base + 2 * WSIZE   # the prologue's "payload"

    # --- the textbook macros -----------------------------------------------------------
    def size_of(self, bp: int) -> int:          # GET_SIZE(HDRP(bp))
        return self.mem[bp - WSIZE] & ~7

    def is_alloc(self, bp: int) -> bool:        # GET_ALLOC(HDRP(bp))
        return bool(self.mem[bp - WSIZE] & 1)

    def _tag(self, bp: int, size: int, alloc: int) -> None:   # PUT(HDRP), PUT(FTRP)
        self.mem[bp - WSIZE] = size | alloc
        self.mem[bp + size - DSIZE] = size | alloc

    def _sbrk(self, n: int) -> int:
        old = self.brk
        self.brk += n
        return old

    @property
    def heap_size(self) -> int:
        """``mem_heapsize()``: bytes between the heap's start and ``brk`` (never shrinks)."""
        return self.brk - self.start

    # --- free index -----------------------------------------------------------------------
    def _insert(self, bp: int, size: int) -> None:
        bisect.insort(self.free_addrs, bp)
        bisect.insort(self.free_sizes, (size, bp))
        self.free_bytes += size

    def _remove(self, bp: int, size: int) -> None:
        del self.free_addrs[bisect.bisect_left(self.free_addrs, bp)]
        del self.free_sizes[bisect.bisect_left(self.free_sizes, (size, bp))]
        self.free_bytes -= size

    def find_fit(self, asize: int) -> int | None:
        """A free block of at least ``asize`` bytes, by the policy; None if none fits."""
        self.searches += 1
        if self.best:       # a linked-list best fit examines every free block
            self.examined += len(self.free_sizes)
        if not self.free_sizes or self.free_sizes[-1][0] < asize:
            if not self.best:                 # a list walk would have examined them all
                self.examined += len(self.free_addrs)
            return None                       # nothing is big enough
        if self.best:
            return self.free_sizes[bisect.bisect_left(self.free_sizes, (asize, 0))][1]
        mem = self.mem
        for n, bp in enumerate(self.free_addrs, 1):   # first fit: lowest address that fits
            if mem[bp - WSIZE] & ~7 >= asize:
                self.examined += n
                return bp
        raise HeapCorruptionError("free index says a block fits but none does")  # pragma: no cover

    # --- heap growth, coalescing, placing --------------------------------------------------
    def extend_heap(self, nbytes: int) -> int:
        """``extend_heap``: a new free block at the old epilogue, new epilogue, coalesce."""
        nbytes = (nbytes + DSIZE - 1) & ~(DSIZE - 1)
        bp = self._sbrk(nbytes)                # old brk: the old epilogue header is bp-4
        self._tag(bp, nbytes, 0)
        self.mem[bp + nbytes - WSIZE] = 0 | 1  # new epilogue header
        self.extends += 1
        return self.coalesce(bp)

    def coalesce(self, bp: int) -> int:
        """Merge the free block at ``bp`` with free neighbours; index and return the result."""
        mem = self.mem
        size = self.size_of(bp)
        prev_footer = mem[bp - DSIZE]
        prev_free = not prev_footer & 1
        nxt = bp + size
        next_free = not mem[nxt - WSIZE] & 1
        if next_free:                                   # cases 2 and 4: absorb the next block
            nsize = mem[nxt - WSIZE] & ~7
            self._remove(nxt, nsize)
            del mem[nxt - WSIZE], mem[bp + size - DSIZE]    # stale tags inside the new block
            size += nsize
        if prev_free:                                   # cases 3 and 4: join the previous one
            psize = prev_footer & ~7
            prev = bp - psize
            self._remove(prev, psize)
            del mem[bp - WSIZE], mem[bp - DSIZE]
            size += psize
            bp = prev
        self._tag(bp, size, 0)
        self._insert(bp, size)
        return bp

    def place(self, bp: int, asize: int) -> None:
        """Allocate ``asize`` bytes at the start of free block ``bp``; split off the rest."""
        csize = self.size_of(bp)
        self._remove(bp, csize)
        if csize - asize >= MIN_BLOCK:
            self._tag(bp, asize, 1)
            rest = bp + asize
            self._tag(rest, csize - asize, 0)
            self._insert(rest, csize - asize)
            self.alloc_bytes += asize
        else:
            self._tag(bp, csize, 1)
            self.alloc_bytes += csize

    # --- the API -----------------------------------------------------------------------------
    def malloc(self, size: int) -> int:
        """``mm_malloc``: the payload address of a new block of at least ``size`` bytes."""
        check_size(size)
        if size == 0:
            raise ConfigError("malloc(0): the shoot-out's traces never ask for 0 bytes")
        asize = adjusted_size(size)
        bp = self.find_fit(asize)
        if bp is None:
            bp = self.extend_heap(max(asize, self.chunksize))
        self.place(bp, asize)
        return bp

    def _check_bp(self, bp: int) -> None:
        if not (self.start < bp < self.brk) or bp - WSIZE not in self.mem or not self.is_alloc(bp) \
                or bp == self.heap_listp:
            raise BadPointerError(f"free/realloc of {bp:#x}: not an allocated block")

    def free(self, bp: int) -> None:
        """``mm_free``: mark the block free and coalesce it with its neighbours at once."""
        self._check_bp(bp)
        size = self.size_of(bp)
        self.alloc_bytes -= size
        self._tag(bp, size, 0)
        self.coalesce(bp)

    def realloc(self, bp: int, size: int) -> int:
        """``mm_realloc``: in place if it fits (absorbing a free right neighbour), else move."""
        self._check_bp(bp)
        check_size(size)
        if size == 0:
            raise ConfigError("realloc(p, 0): the shoot-out's traces never ask for 0 bytes")
        asize = adjusted_size(size)
        csize = self.size_of(bp)
        nxt = bp + csize
        if asize > csize and not self.is_alloc(nxt) and csize + self.size_of(nxt) >= asize:
            nsize = self.size_of(nxt)                     # grow into the free right neighbour
            self._remove(nxt, nsize)
            del self.mem[nxt - WSIZE], self.mem[bp + csize - DSIZE]
            self.alloc_bytes += nsize
            csize += nsize
            self._tag(bp, csize, 1)
        if asize <= csize:                                # fits: split off the tail if it is big
            if csize - asize >= MIN_BLOCK:
                self._tag(bp, asize, 1)
                self._tag(bp + asize, csize - asize, 0)
                self.alloc_bytes -= csize - asize
                self.coalesce(bp + asize)
            return bp
        new = self.malloc(size)                           # move: malloc, copy, free
        self.free(bp)
        return new

    # --- inspection ----------------------------------------------------------------------------
    def blocks(self):
        """``(bp, size, allocated)`` for every block between prologue and epilogue."""
        bp = self.heap_listp + DSIZE
        while True:
            size = self.size_of(bp)
            if size == 0:
                return
            yield bp, size, self.is_alloc(bp)
            bp += size

    def check(self) -> None:
        """``mm_checkheap``: raise :class:`HeapCorruptionError` if an invariant is broken."""
        def bad(msg):
            raise HeapCorruptionError(f"free-list heap: {msg}")
        if self.mem.get(self.heap_listp - WSIZE) != DSIZE | 1 or \
                self.mem.get(self.heap_listp) != DSIZE | 1:
            bad("prologue damaged")
        free, alloc_bytes, prev_free = [], 0, False
        end = self.heap_listp + DSIZE
        for bp, size, allocated in self.blocks():
            if bp % DSIZE:
                bad(f"payload {bp:#x} not {DSIZE}-aligned")
            if size % DSIZE or size < MIN_BLOCK:
                bad(f"block {bp:#x} has size {size}")
            if self.mem.get(bp + size - DSIZE) != self.mem[bp - WSIZE]:
                bad(f"block {bp:#x}: header {self.mem[bp - WSIZE]:#x} != footer")
            if not allocated:
                if prev_free:
                    bad(f"two free blocks in a row at {bp:#x} (not coalesced)")
                free.append((bp, size))
            else:
                alloc_bytes += size
            prev_free = not allocated
            end = bp + size
        if end != self.brk:
            bad(f"blocks end at {end:#x}, brk is {self.brk:#x}")
        if self.mem.get(self.brk - WSIZE) != 1:
            bad("epilogue damaged")
        if [bp for bp, _ in free] != self.free_addrs or \
                sorted((s, bp) for bp, s in free) != self.free_sizes:
            bad("free index does not match the free blocks")
        if sum(s for _, s in free) != self.free_bytes or alloc_bytes != self.alloc_bytes:
            bad("byte counters do not match the blocks")


class FastFreeListAllocator(FreeListAllocator):
    """:class:`FreeListAllocator` with ``malloc``, ``free`` and ``coalesce`` written out
    in one piece each (no calls to the tag macros and index helpers): the same blocks,
    addresses, tags, free index and counters after every call -- the tests replay traces
    through both and compare the whole state -- in about half the time.  The replays of
    :mod:`gomem.shootout.replay` use it; read :class:`FreeListAllocator` for the algorithm.
    """

    def malloc(self, size: int) -> int:
        if type(size) is not int or size < 1:
            return super().malloc(size)          # raises as the readable one does
        asize = (size + DSIZE + DSIZE - 1) & ~(DSIZE - 1)
        if asize < MIN_BLOCK:
            asize = MIN_BLOCK
        mem, addrs, sizes = self.mem, self.free_addrs, self.free_sizes
        self.searches += 1
        n = len(sizes)
        if self.best:
            self.examined += n
        if n and sizes[-1][0] >= asize:          # find_fit
            if self.best:
                csize, bp = sizes[bisect.bisect_left(sizes, (asize, 0))]
            else:
                k = 0
                for bp in addrs:
                    k += 1
                    csize = mem[bp - WSIZE] & ~7
                    if csize >= asize:
                        break
                self.examined += k
        else:
            if not self.best:
                self.examined += n
            bp = self.extend_heap(max(asize, self.chunksize))
            csize = mem[bp - WSIZE] & ~7
        del addrs[bisect.bisect_left(addrs, bp)]          # place
        del sizes[bisect.bisect_left(sizes, (csize, bp))]
        rest = csize - asize
        if rest >= MIN_BLOCK:
            mem[bp - WSIZE] = mem[bp + asize - DSIZE] = asize | 1
            tail = bp + asize
            mem[tail - WSIZE] = mem[tail + rest - DSIZE] = rest
            bisect.insort(addrs, tail)
            bisect.insort(sizes, (rest, tail))
            self.free_bytes -= asize
            self.alloc_bytes += asize
        else:
            mem[bp - WSIZE] = mem[bp + csize - DSIZE] = csize | 1
            self.free_bytes -= csize
            self.alloc_bytes += csize
        return bp

    def free(self, bp: int) -> None:
        self._check_bp(bp)
        mem = self.mem
        size = mem[bp - WSIZE] & ~7
        self.alloc_bytes -= size
        mem[bp - WSIZE] = mem[bp + size - DSIZE] = size
        self.coalesce(bp)

    def coalesce(self, bp: int) -> int:
        mem, addrs, sizes = self.mem, self.free_addrs, self.free_sizes
        size = mem[bp - WSIZE] & ~7
        prev_footer = mem[bp - DSIZE]
        nxt = bp + size
        nhdr = mem[nxt - WSIZE]
        if not nhdr & 1:
            nsize = nhdr & ~7
            del addrs[bisect.bisect_left(addrs, nxt)]
            del sizes[bisect.bisect_left(sizes, (nsize, nxt))]
            del mem[nxt - WSIZE], mem[bp + size - DSIZE]
            self.free_bytes -= nsize
            size += nsize
        if not prev_footer & 1:
            psize = prev_footer & ~7
            prev = bp - psize
            del addrs[bisect.bisect_left(addrs, prev)]
            del sizes[bisect.bisect_left(sizes, (psize, prev))]
            del mem[bp - WSIZE], mem[bp - DSIZE]
            self.free_bytes -= psize
            size += psize
            bp = prev
        mem[bp - WSIZE] = mem[bp + size - DSIZE] = size
        bisect.insort(addrs, bp)
        bisect.insort(sizes, (size, bp))
        self.free_bytes += size
        return bp
