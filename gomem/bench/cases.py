"""The model's side of each benchmark case (wall-clock, best of several repeats)."""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

from gomem.heap import Heap

MIB = 1 << 20

# name -> (size, noscan): the per-call malloc cases, also timed on the real runtime.
MALLOC_CASES = {
    "malloc tiny 8 B": (8, True),
    "malloc small 16 B scan": (16, False),
    "malloc small 64 B scan": (64, False),
    "malloc 1 KiB scan": (1024, False),
    "malloc large 64 KiB": (64 << 10, True),
}


def best_of(repeats: int, fn) -> float:
    """The fastest of ``repeats`` runs of ``fn()`` (seconds): the least disturbed one."""
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def malloc_ns(size: int, noscan: bool, n: int, repeats: int = 3) -> float:
    """ns per ``Heap.malloc`` call, on a heap warmed with ``n`` objects of that size."""
    def run():
        h = Heap()
        m = h.malloc
        for _ in range(n):
            m(size, noscan)
    return best_of(repeats, run) / n * 1e9


def bulk_ns(size: int, noscan: bool, n: int, repeats: int = 3) -> float:
    """ns per allocation when ``n`` equal requests are replayed with ``Heap.malloc_many``."""
    return best_of(repeats, lambda: Heap().malloc_many(size, n, noscan)) / n * 1e9


def gc_ns(live: int, repeats: int = 3) -> float:
    """ns per GC cycle (mark ``live`` 64-byte objects, sweep everything)."""
    h = Heap()
    addrs = [int(a) for a in h.malloc_many(64, live)]
    h.gc(live=addrs)
    return best_of(repeats, lambda: h.gc(live=addrs)) * 1e9


def reference_ns(n: int = 4000) -> float:
    """ns per step of a fixed pure-Python loop: how fast this machine runs Python right now
    (a VM's speed here drifts by up to half from one 10 ms to the next)."""
    t = time.perf_counter()
    x = 0
    for i in range(n):
        x += i & 7
    return (time.perf_counter() - t) / n * 1e9


def ns_vs_heap_size(sizes_mib: list[int], probe: int = 4000,
                    probes: int = 9) -> list[tuple[int, float, float]]:
    """Per-call 64-byte malloc cost after the heap has grown to each size (MiB).

    Each size runs ``probes`` probes of ``probe`` calls, each followed by
    :func:`reference_ns`; it reports the median ns and the median ns *at a steady machine
    speed* (each probe scaled by the median reference over all sizes / its own reference),
    which is what shows whether the cost depends on the heap's size.
    """
    h = Heap()
    runs = []   # per size: [(malloc ns, reference ns)]
    for target in sizes_mib:
        while h.stats.heap_in_use < target * MIB:
            h.malloc_many(64, 50_000)
        m = h.malloc
        size_runs = []
        for _ in range(probes):
            t = time.perf_counter()
            for _ in range(probe):
                m(64, False)
            size_runs.append(((time.perf_counter() - t) / probe * 1e9, reference_ns(probe)))
        runs.append(size_runs)
    ref = statistics.median(r for size_runs in runs for _, r in size_runs)
    return [(target, statistics.median(ns for ns, _ in size_runs),
             statistics.median(ns * ref / r for ns, r in size_runs))
            for target, size_runs in zip(sizes_mib, runs)]


_MEMORY_SCRIPT = """
import json, os, sys
from gomem.heap import Heap

def rss():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")

target = int(sys.argv[1])
h = Heap()
h.malloc_many(64, 1000)
before = rss()
while h.stats.heap_in_use < target:
    h.malloc_many(64, 100_000)
print(json.dumps({"heap_inuse": h.stats.heap_in_use, "spans": len(h.mheap.spans.by_base),
                  "rss_bytes": rss() - before}))
"""


def memory_for_heap(heap_bytes: int) -> dict:
    """Python memory (resident-set growth of a fresh process) for a heap of 64-byte objects."""
    res = subprocess.run([sys.executable, "-c", _MEMORY_SCRIPT, str(heap_bytes)],
                         capture_output=True, text=True, check=True)
    return json.loads(res.stdout)


def nbval_vs_floor(notebooks: list[str], root: Path, repeats: int = 2,
                   scratch: Path | None = None) -> dict:
    """Seconds for strict nbval over ``notebooks`` vs its floor, the same run of stand-ins.

    The floor is the same pytest + nbval command over stand-in notebooks of one ``pass``
    cell each: one kernel started, used and shut down per notebook, with pytest's own start
    and collection, so the ratio shows what the lessons' own cells cost.  ``setup_floor_s``
    runs stand-ins holding each notebook's first code cell (``%matplotlib inline`` and the
    imports), to show how much of the rest is importing matplotlib and gomem.  The three
    runs take turns ``repeats`` times and each reports its fastest (this machine's speed
    drifts by up to a quarter between minutes).  ``best_ratio`` = setup floor / floor: the
    ratio the course would reach if every cell after the imports took no time at all.
    Stand-ins are written to ``scratch``
    (default ``root/out/bench-nbval``); pytest runs with ``root``'s configuration.
    """
    import gomem.nbimport  # noqa: F401  (before nbformat: 2 s faster)
    import nbformat

    def stand_ins(kind: str) -> list[str]:
        paths = []
        for path in map(Path, notebooks):
            src = "pass"
            if kind == "setup":
                cells = nbformat.read(path, as_version=4).cells
                src = next(c.source for c in cells if c.cell_type == "code")
            out = (scratch or root / "out" / "bench-nbval") / kind / path.parent.name / path.name
            out.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(src)]), out)
            paths.append(str(out))
        return paths

    def nbval(paths: list[str]) -> float:
        t = time.perf_counter()
        # hypothesis's pytest plugin imports all of hypothesis (1.3-2 s) at the end of every
        # session; notebooks never use it
        res = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:hypothesispytest",
                              "-c", str(root / "pyproject.toml"), *paths],
                             cwd=root, capture_output=True, text=True, check=False)
        if res.returncode != 0:
            raise RuntimeError(f"nbval failed:\n{res.stdout[-2000:]}")
        return time.perf_counter() - t

    runs = {"nbval": list(notebooks), "floor": stand_ins("floor"), "setup": stand_ins("setup")}
    times = {name: [] for name in runs}
    for _ in range(repeats):
        for name, paths in runs.items():
            times[name].append(nbval(paths))
    best = {name: min(ts) for name, ts in times.items()}
    return {"notebooks": len(notebooks), "nbval_s": round(best["nbval"], 1),
            "floor_s": round(best["floor"], 1), "ratio": round(best["nbval"] / best["floor"], 2),
            "setup_floor_s": round(best["setup"], 1),
            "ratio_to_setup": round(best["nbval"] / best["setup"], 2),
            "best_ratio": round(best["setup"] / best["floor"], 2),
            "runs_s": {name: [round(t, 1) for t in ts] for name, ts in times.items()}}