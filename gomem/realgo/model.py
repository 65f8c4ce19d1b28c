"""Run the probe's workloads through the model, producing the probe's JSON shapes.

The model's answers to ``roundup``, ``nelems`` and ``workload`` (see
:mod:`gomem.realgo.workloads`), computed by the same code the lessons use, so that
:mod:`gomem.realgo.compare` can hold them against the real runtime's.
"""

from __future__ import annotations

from gomem.heap import Heap
from gomem.mheap import span_nelems
from gomem.realgo.workloads import STATS_FIELDS
from gomem.sizeclasses import roundupsize, size_to_class

BY_SIZE_CLASSES = 61   # runtime.MemStats.BySize stops at class 60


def roundup(payload: dict) -> dict:
    return {kind: {str(n): roundupsize(n, kind == "noscan") for n in payload[kind]}
            for kind in ("noscan", "scan")}


def nelems(sizeclass: int, noscan: bool, greenteagc: bool) -> int:
    return span_nelems(sizeclass, noscan, greenteagc)


def _counters(h: Heap) -> dict:
    st = h.read_mem_stats()
    d = {f: getattr(st, f) for f in STATS_FIELDS}
    d["classes"] = {i: (s.mallocs, s.frees) for i, s in enumerate(st.by_size)}
    d["classes"][0] = (h.stats.large_alloc_count, h.stats.large_free_count)
    d["tiny_allocs"] = h.stats.tiny_alloc_count
    return d


def _delta(now: dict, base: dict, label: str) -> dict:
    snap = {f: now[f] - base[f] for f in STATS_FIELDS}
    snap["label"] = label
    snap["tiny_allocs"] = now["tiny_allocs"] - base["tiny_allocs"]
    by_all = {}
    for c, (m, f) in now["classes"].items():
        dm, df = m - base["classes"][c][0], f - base["classes"][c][1]
        if dm or df:
            by_all[str(c)] = [dm, df]
    snap["by_class_all"] = by_all
    snap["by_size"] = {c: v for c, v in by_all.items() if 0 < int(c) < BY_SIZE_CLASSES}
    return snap


def run_workload(workload: dict, greenteagc: bool = True) -> dict:
    """The model's snapshots for one workload (``GOMAXPROCS=1``, no automatic GC)."""
    h = Heap(gomaxprocs=1, greenteagc=greenteagc)
    kept: list[int | None] = []
    base = _counters(h)
    snapshots = []
    for op in workload["ops"]:
        kind = op["op"]
        if kind == "alloc":
            size, noscan = op["size"], op["noscan"]
            for _ in range(op["count"]):
                addr = h.malloc(size, noscan=noscan)
                kept.append(addr if size else None)
        elif kind == "drop":
            for i in range(op["start"], len(kept), op["step"]):
                kept[i] = None
        elif kind == "gc":
            h.gc(live=[a for a in kept if a is not None])
        elif kind == "stats":
            snapshots.append(_delta(_counters(h), base, op["label"]))
        else:
            raise ValueError(f"unknown workload op {kind!r}")
    return {"name": workload["name"], "snapshots": snapshots}


def classes_touched(workload: dict) -> set[tuple[int, bool]]:
    """(size class, noscan) of every small allocation in the workload (tiny -> class 2)."""
    out = set()
    for op in workload["ops"]:
        if op["op"] == "alloc" and op["size"]:
            sc = size_to_class(op["size"], op["noscan"])
            if sc:
                out.add((2 if op["noscan"] and op["size"] < 16 else sc, op["noscan"]))
    return out

