"""Workloads that both the Go probe and the model run, in one JSON-able format.

A workload is a dict::

    {"name": "small-24-scan",
     "ops": [{"op": "alloc", "size": 24, "count": 1000, "noscan": False},
             {"op": "drop", "start": 0, "step": 2},
             {"op": "gc"},
             {"op": "stats", "label": "after-gc"}]}

Ops, applied in order to one list of kept objects (``kept``):

``alloc``  allocate ``count`` objects of ``size`` bytes, pointer-free (``noscan``) or
           pointerful, and append each to ``kept``.  In Go: ``make([]byte, size)`` or
           ``make([]*byte, size/8)`` (pointerful sizes are multiples of 8, as every Go type
           with pointers is on 64-bit).
``drop``   forget ``kept[i]`` for ``i`` in ``range(start, len(kept), step)``.
``gc``     a full collection (``runtime.GC()``: mark, then sweep everything).
``stats``  record ``runtime.ReadMemStats`` minus the baseline taken just before the first op.

The probe runs with the collector off (``GOGC=off``) and ``GOMAXPROCS=1``, and collects
twice before its baseline so that the runtime's own start-up garbage is gone.
"""

from __future__ import annotations

import random

# The MemStats fields both sides report, as deltas from the baseline.
STATS_FIELDS = ("heap_alloc", "heap_inuse", "heap_idle", "heap_sys", "heap_released",
                "heap_objects", "mallocs", "frees", "total_alloc", "num_gc")


def same_size(name: str, size: int, count: int, noscan: bool) -> dict:
    """``count`` objects of one size, then a stats snapshot."""
    return {"name": name, "ops": [{"op": "alloc", "size": size, "count": count, "noscan": noscan},
                                  {"op": "stats", "label": "end"}]}


def mixed(seed: int, n: int = 2000) -> dict:
    """A seeded mix of sizes (tiny, small, header-carrying, large), pointerful or not."""
    rng = random.Random(seed)
    ops = []
    for _ in range(n):
        noscan = rng.random() < 0.5
        r = rng.random()
        if r < 0.25:
            size = rng.randint(1, 15)
        elif r < 0.85:
            size = rng.randint(16, 2048)
        elif r < 0.98:
            size = rng.randint(2049, 32760)
        else:
            size = rng.randint(32761, 200_000)
        if not noscan:
            size = max(8, size - size % 8)
        ops.append({"op": "alloc", "size": size, "count": 1, "noscan": noscan})
    ops.append({"op": "stats", "label": "end"})
    return {"name": f"mixed-seed{seed}", "ops": ops}


def churn(size: int, count: int, noscan: bool) -> dict:
    """Allocate, drop every other object, collect, allocate again."""
    alloc = {"op": "alloc", "size": size, "count": count, "noscan": noscan}
    return {"name": f"churn-{size}-{'noscan' if noscan else 'scan'}",
            "ops": [alloc, {"op": "stats", "label": "allocated"},
                    {"op": "drop", "start": 0, "step": 2}, {"op": "gc"},
                    {"op": "stats", "label": "after-gc"},
                    alloc, {"op": "stats", "label": "reallocated"}]}


def standard() -> list[dict]:
    """The workloads recorded against the real runtime and checked in the tests."""
    w = []
    for size, noscan in [(8, False), (16, True), (24, False), (32, True), (48, False),
                         (64, True), (112, False), (128, False), (512, False), (513, True),
                         (520, False), (1024, False), (1024, True), (4096, False),
                         (9472, True), (32760, True), (32760, False), (32761, True),
                         (32768, False), (40000, True), (100_000, False)]:
        count = 2000 if size <= 4096 else 60
        kind = "noscan" if noscan else "scan"
        w.append(same_size(f"same-{size}-{kind}", size, count, noscan))
    for size in (1, 2, 3, 4, 5, 7, 8, 12, 15):
        w.append(same_size(f"tiny-{size}", size, 3000, True))
    w.append(mixed(seed=1))
    w.append(mixed(seed=2))
    w.append(churn(48, 5000, False))
    w.append(churn(8, 4000, True))
    w.append(churn(1536, 500, True))
    w.append(churn(50_000, 20, False))
    return w


# Request sizes whose reserved size (roundupsize) is compared: every size up to 40,000 plus
# large ones past the small/large cut-off.  Pointerful sizes are the multiples of 8.
LARGE_SIZES = (32760, 32761, 32767, 32768, 32769, 40960, 65536, 65537, 1 << 20, (1 << 20) + 1,
               10_000_000)
