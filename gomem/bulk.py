"""Bulk allocation: many same-size requests in one call, same heap as one by one.

Replaying a real-sized trace one ``malloc`` at a time costs a Python call per object.
Within one span, though, a run of same-size requests just takes the span's free slots
in ascending order — the slots ``nextFreeFast``/``nextFreeIndex`` would find one by one.
``malloc_many`` finds them all with numpy (free = alloc bit clear, at or after
``freeindex``), takes as many as it needs, and leaves ``freeindex``, ``alloc_count``
and ``alloc_cache`` exactly as the per-call path would.  When the span runs out it
calls ``mcache.nextFree`` as ``mallocgc`` would, which refills the mcache the usual way.

Tiny (pointer-free < 16 B), large and zero-size requests, and any request while events
are recorded, go one by one.  The tests compare both ways state for state.
"""

from __future__ import annotations

from itertools import groupby
from typing import Iterable

import numpy as np

from gomem.errors import check_size
from gomem.sizeclasses import (MALLOC_HEADER_SIZE, MAX_SMALL_ALLOC, MAX_TINY_SIZE,
                               MIN_SIZE_FOR_MALLOC_HEADER, NOSCAN_SPANCLASS, SCAN_SPANCLASS)


def alloc_bit_array(s) -> np.ndarray:
    """``s.alloc_bits`` as one 0/1 byte per slot (slot i is bit ``i & 7`` of byte ``i >> 3``)."""
    bits = np.unpackbits(np.frombuffer(s.alloc_bits, dtype=np.uint8), bitorder="little")
    return bits[:s.nelems]


def _free_slots(s) -> np.ndarray:
    """Indices of free slots at or after freeindex (``isFree`` for the whole span)."""
    return np.flatnonzero(alloc_bit_array(s)[s.freeindex:] == 0) + s.freeindex


def _set_cache(s) -> None:
    """``alloc_cache`` as the per-call path leaves it after taking slot freeindex-1."""
    fi = s.freeindex
    if fi == s.nelems and fi % 64 == 0:
        s.alloc_cache = 0
    else:
        s.refill_alloc_cache((fi & ~63) // 8)
        s.alloc_cache >>= fi % 64


def malloc_many(h, size: int, count: int, noscan: bool = False, p: int = 0) -> np.ndarray:
    """``count`` allocations of ``size`` bytes on P ``p``; their addresses in order."""
    check_size(size)
    check_size(count, "count")
    out = np.empty(count, dtype=np.int64)
    bulk = 0 < size <= MAX_SMALL_ALLOC and (size >= MAX_TINY_SIZE or not noscan) \
        and not h.events.on
    if not bulk:
        for i in range(count):
            out[i] = h.malloc(size, noscan, p)
        return out
    c = h._mcache(p)
    if noscan:
        spc, header = NOSCAN_SPANCLASS[size], 0
    else:
        spc = SCAN_SPANCLASS[size]
        header = MALLOC_HEADER_SIZE if size > MIN_SIZE_FOR_MALLOC_HEADER else 0
    i = 0
    while i < count:
        s = c.alloc[spc]
        fi = s.freeindex
        if s.alloc_count == fi:   # no alloc bit at or past freeindex: the rest is free
            k = min(s.nelems - fi, count - i)
            if k:
                base = s.start_addr + header + fi * s.elemsize
                out[i:i + k] = np.arange(base, base + k * s.elemsize, s.elemsize)
                s.freeindex = fi + k
        else:
            take = _free_slots(s)[:count - i] if fi < s.nelems else ()
            k = len(take)
            if k:
                out[i:i + k] = take * s.elemsize + (s.start_addr + header)
                s.freeindex = int(take[-1]) + 1
        if k == 0:     # span full (or none yet): mcache.nextFree refills, takes one slot
            out[i] = c.next_free(spc)[0] + header
            i += 1
            continue
        i += k
        s.alloc_count += k
        _set_cache(s)
    return out


def replay(h, trace: Iterable[tuple[int, bool]], p: int = 0) -> np.ndarray:
    """Allocate every ``(size, noscan)`` of ``trace`` in order; runs of equal requests go in bulk."""
    parts = [malloc_many(h, size, sum(1 for _ in run), noscan, p)
             for (size, noscan), run in groupby(trace)]
    return np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)
