"""Lock contention: how many locks N Ps take for N allocations, per level of the allocator.

Lesson 03 asks the seed's question — "when every M allocates from the heap, access to the
shared heap must be serialised by a lock" — and answers it with numbers.  ``simulate`` runs a
seeded workload (a mix of object sizes) on a :class:`gomem.Heap` with ``gomaxprocs`` Ps,
each allocation on a random P, with a GC every ``gc_every`` allocations that keeps the
``live`` most recent objects.  It then counts, per level:

* **one global lock**: the naive design — a single heap lock around every ``malloc``.
  That is one acquisition per allocation, by definition.
* **mheap lock** (``MHeap.lock_acquisitions``): ``h.lock`` taken by ``mheap.allocSpan``
  (page allocator, page-cache refill) and ``freeSpan``.  Global, but rare.
* **mcentral span-set operations** (``MCentral.span_set_ops``): pushes and pops on the
  per-span-class span sets.  Lock-free since Go 1.15 (an atomic operation each); before
  1.15 each was done under that class's ``mcentral.lock``.
* **mcache**: 0 — the P's own cache is never locked.

What it leaves out: real concurrency (the model runs one allocation at a time, so it
counts acquisitions, not waiting), goroutine stacks, and the GC's own locks.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from itertools import accumulate

from gomem.errors import ConfigError
from gomem.heap import Heap

# name -> [(size, noscan, weight)]: workloads a learner can recognise.
MIXES: dict[str, tuple[tuple[int, bool, int], ...]] = {
    "small structs": ((16, False, 3), (24, False, 3), (32, False, 2), (48, False, 2),
                      (64, False, 1), (128, False, 1)),
    "strings and []byte": ((5, True, 3), (12, True, 2), (32, True, 2), (100, True, 2),
                           (1000, True, 1)),
    "mixed, some large": ((24, False, 4), (64, False, 3), (256, True, 2), (2048, False, 1),
                          (40000, True, 1)),
}

# The run lesson 03 prints and the seed check table quotes.
DEMO = {"gomaxprocs": 4, "mix": "small structs", "n_allocs": 2000, "seed": 3}

LEVELS = ("one global lock", "mheap lock", "mcentral span-set ops", "mcache")


@dataclass(frozen=True)
class LockCounts:
    """Lock acquisitions (or lock-free span-set operations) of one simulated run."""

    gomaxprocs: int
    mix: str
    allocs: int
    mheap_lock: int
    mcentral_ops: int
    refills: int        # spans fetched by mcache.refill (mcentral.cacheSpan calls)
    gcs: int

    @property
    def global_lock(self) -> int:
        """One lock around every malloc: one acquisition per allocation."""
        return self.allocs

    def per_1000(self) -> dict[str, float]:
        """Each level's count per 1000 allocations, keyed by :data:`LEVELS`."""
        k = 1000 / self.allocs
        return {"one global lock": self.global_lock * k, "mheap lock": self.mheap_lock * k,
                "mcentral span-set ops": self.mcentral_ops * k, "mcache": 0.0}


def simulate(gomaxprocs: int, mix: str, n_allocs: int, rng: random.Random,
             gc_every: int = 1000, live: int = 200) -> LockCounts:
    """Run ``n_allocs`` allocations of ``mix`` spread over ``gomaxprocs`` Ps; count locks."""
    if mix not in MIXES:
        raise ConfigError(f"unknown mix {mix!r}: choose one of {sorted(MIXES)}")
    if gomaxprocs < 1 or n_allocs < 1 or gc_every < 1 or live < 0:
        raise ConfigError("gomaxprocs, n_allocs and gc_every must be >= 1, live >= 0")
    h = Heap(gomaxprocs=gomaxprocs)
    refills = _count_refills(h)
    sizes = MIXES[mix]
    cum_weights = list(accumulate(w for _, _, w in sizes))   # what choices(weights) makes
    recent: list[int] = []
    gcs = 0
    for i in range(1, n_allocs + 1):
        size, noscan, _ = rng.choices(sizes, cum_weights=cum_weights)[0]
        recent.append(h.malloc(size, noscan=noscan, p=rng.randrange(gomaxprocs)))
        if i % gc_every == 0:
            recent = recent[-live:] if live else []
            h.gc(live=recent)
            gcs += 1
    central = h.mheap.central
    return LockCounts(gomaxprocs, mix, n_allocs, h.mheap.lock_acquisitions,
                      sum(c.span_set_ops for c in central), refills[0], gcs)


def _count_refills(h: Heap) -> list[int]:
    """Count ``cache_span`` calls (one per ``mcache.refill``) on this heap's mcentrals.

    Wraps the bound method on these instances only; the model's classes are untouched.
    """
    counter = [0]
    for c in h.mheap.central:
        def counted(pcache, _orig=c.cache_span):
            counter[0] += 1
            return _orig(pcache)
        c.cache_span = counted
    return counter


def sweep_gomaxprocs(procs: list[int], mix: str, n_allocs: int, seed: int,
                     gc_every: int = 1000, live: int = 200) -> list[LockCounts]:
    """``simulate`` for each GOMAXPROCS in ``procs``, each run with ``random.Random(seed)``."""
    return [simulate(p, mix, n_allocs, random.Random(seed), gc_every, live) for p in procs]
