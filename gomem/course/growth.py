"""Space for time (以空间换时间): how the heap grows while a program allocates.

:func:`heap_growth` allocates a seeded stream of objects and samples, after each one, the
bytes the program asked for, ``HeapInuse`` (pages in spans) and ``HeapSys`` (address space
the heap owns).  ``HeapSys`` moves in 4 MiB steps (``mheap.grow`` adds whole page-allocator
chunks) inside 64 MiB arenas (``sysAlloc``); lesson 03 plots it.  Sampling reads the model's
counters directly, so it does not flush the mcaches the way ``ReadMemStats`` would.
"""

from __future__ import annotations

import random
from typing import NamedTuple

from gomem.errors import ConfigError
from gomem.heap import Heap


class Sample(NamedTuple):
    allocs: int
    requested: int      # bytes the program asked for so far
    heap_inuse: int     # bytes in in-use spans
    heap_sys: int       # bytes of address space the heap owns (in use + free + released)
    arenas: int         # 64 MiB arenas reserved


def heap_growth(rng: random.Random, n_allocs: int, sizes=(64, 512, 4096, 20000),
                heap: Heap | None = None) -> list[Sample]:
    """Allocate ``n_allocs`` objects with sizes drawn from ``sizes``; sample after each."""
    if n_allocs < 1:
        raise ConfigError("n_allocs must be >= 1")
    h = heap if heap is not None else Heap()
    st = h.stats
    out = [Sample(0, 0, st.heap_in_use, st.heap_in_use + st.heap_free + st.heap_released,
                  len(h.mheap.arenas))]
    requested = 0
    for i in range(1, n_allocs + 1):
        size = rng.choice(sizes)
        h.malloc(size, noscan=True)
        requested += size
        out.append(Sample(i, requested, st.heap_in_use,
                          st.heap_in_use + st.heap_free + st.heap_released, len(h.mheap.arenas)))
    return out
