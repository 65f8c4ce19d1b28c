"""Replay a trace through an allocator and measure it: utilisation, fragmentation, ops/s.

One driver loop serves every allocator.  After each operation it updates the live
payload (bytes the trace's live ids asked for), the peak payload, the heap size and,
whenever the heap reaches a new peak, a breakdown of that heap (see below); every
``n/samples`` operations it records a sample for the plots (plus the highest point
since the last sample, so no peak falls between samples); then it lets Go's pacer
run a GC if one is due (so the peak is measured *before* the collection, as the
runtime's heap would reach it).

**Heap size.**  For the free-list allocators: ``brk - heap start`` (malloc-lab's
``mem_heapsize``; it never shrinks).  For Go: ``heap_inuse``, the bytes of in-use spans.
Not ``heap_sys``: that counts address space reserved ahead of use in 4 MiB chunks and
64 MiB arenas (the runtime counts it as released, not resident) — it measures
reservations, not the allocator's layout.  Free pages that once held spans
(``heap_idle - heap_released``) are reported separately as ``idle``, and
``footprint_utilisation`` charges them too (peak of ``heap_inuse + idle``), the closest
analogue of a ``brk`` that never shrinks.  The real runtime's scavenger would return
idle pages to the OS over time; the model has no scavenger.

**Utilisation** = peak live payload / peak heap size (the malloc-lab definition; the two
peaks may happen at different times).

**Breakdown at the peak** (the bytes of the heap at the moment it first reached its
peak, summing to the peak): ``payload``; ``internal`` (inside allocated blocks/slots but
not payload: boundary tags, alignment and unsplit remainders for the free list; class
round-up, headers, tiny-block leftovers and append slack for Go); ``garbage`` (Go only:
freed but not yet collected); ``free`` (external fragmentation: free blocks; for Go,
free slots in in-use spans); ``overhead`` (prologue/epilogue; span tails and in-span GC
bits).

**examined/malloc**: free blocks a linked-list search examines per ``malloc`` (first
fit: until the first fit; best fit: all).  Go examines none: the next free slot comes
from the span's ``allocCache`` with one count-trailing-zeros.

**ops/s** times the whole replay loop of the Python model (allocator + bookkeeping +
Go's GCs).  It compares the *models* with each other; it is not the speed of a real
malloc or of the Go runtime.
"""

from __future__ import annotations

import time
from typing import Callable, NamedTuple

from gomem.errors import ConfigError
from gomem.shootout.freelist import FastFreeListAllocator
from gomem.shootout.goreplay import GoAllocator
from gomem.shootout.trace import Trace

POLICIES = ("go", "first-fit", "best-fit")
PARTS = ("payload", "internal", "garbage", "free", "overhead")

Progress = Callable[[int, int], None]


class FreeListReplayer:
    """A trace's ids on a free-list allocator (``mm_malloc``/``mm_free``/``mm_realloc``):
    :class:`FastFreeListAllocator`, which leaves the same heap as the readable
    :class:`FreeListAllocator` after every call."""

    gcs = 0

    def __init__(self, policy: str = "first-fit", **options):
        self.a = FastFreeListAllocator(policy, **options)
        self.bp: dict[int, int] = {}
        self.name = policy

    def alloc(self, i: int, size: int) -> None:
        self.bp[i] = self.a.malloc(size)

    def free(self, i: int) -> None:
        self.a.free(self.bp.pop(i))

    def realloc(self, i: int, size: int) -> None:
        self.bp[i] = self.a.realloc(self.bp[i], size)

    def maybe_collect(self) -> bool:
        return False

    def heap_size(self) -> int:
        return self.a.brk - self.a.start

    footprint = heap_size

    def breakdown(self, payload: int) -> dict[str, int]:
        a = self.a
        return {"payload": payload, "internal": a.alloc_bytes - payload, "garbage": 0,
                "free": a.free_bytes, "overhead": a.heap_size - a.alloc_bytes - a.free_bytes,
                "idle": 0}


def make_allocator(policy: str, **options):
    """``"go"`` -> :class:`GoAllocator`; ``"first-fit"``/``"best-fit"`` -> free list."""
    if policy == "go":
        return GoAllocator(**options)
    if policy in ("first-fit", "best-fit"):
        return FreeListReplayer(policy, **options)
    raise ConfigError(f"unknown policy {policy!r}; choose one of {', '.join(POLICIES)}")


class Sample(NamedTuple):
    op: int
    heap: int
    payload: int
    footprint: int


class ReplayResult(NamedTuple):
    trace: str
    policy: str              # "go", "first-fit", "best-fit"
    label: str               # e.g. "Go GOGC=100"
    ops: int
    peak_payload: int
    peak_heap: int
    peak_footprint: int
    at_peak: dict            # PARTS (+ "idle", "op") at the moment of the peak heap
    gcs: int
    seconds: float
    samples: tuple
    examined_per_malloc: float = 0.0   # free list: blocks a list walk examines per search


    @property
    def utilisation(self) -> float:
        return self.peak_payload / self.peak_heap if self.peak_heap else 0.0

    @property
    def footprint_utilisation(self) -> float:
        return self.peak_payload / self.peak_footprint if self.peak_footprint else 0.0

    @property
    def ops_per_s(self) -> float:
        return self.ops / self.seconds if self.seconds > 0 else float("inf")

    def share(self, part: str) -> float:
        """Fraction of the peak heap that ``part`` took at the peak."""
        return self.at_peak[part] / self.peak_heap if self.peak_heap else 0.0

    @property
    def internal_fragmentation(self) -> float:
        """Of the bytes in allocated blocks/slots at the peak, the share that is not payload."""
        used = self.at_peak["payload"] + self.at_peak["internal"]
        return self.at_peak["internal"] / used if used else 0.0

    @property
    def external_fragmentation(self) -> float:
        """Free bytes inside the heap at its peak (free blocks / free slots in spans) / peak."""
        return self.share("free")


def replay(trace: Trace, policy: str = "go", *, progress: Progress | None = None,
           samples: int = 200, **options) -> ReplayResult:
    """Replay ``trace`` through ``policy``; ``options`` go to the allocator.

    ``progress(done, total)`` is called about 100 times and once at the end.
    """
    if not isinstance(trace, Trace):
        raise ConfigError(f"replay needs a Trace (see parse_trace / generate), not {type(trace).__name__}")
    alloc = make_allocator(policy, **options)
    n = len(trace.ops)
    every = max(1, n // max(1, samples))
    tick = max(1, n // 100)
    sizes: dict[int, int] = {}
    live = peak_payload = 0
    peak_heap, peak_fp = alloc.heap_size(), alloc.footprint()     # the empty heap's size
    at_peak = alloc.breakdown(0) | {"op": 0}
    out = [Sample(0, alloc.heap_size(), 0, alloc.footprint())]
    top = (0, -1, 0, 0)                   # (op, heap, payload, footprint) of the bucket's max
    a_alloc, a_free, a_realloc = alloc.alloc, alloc.free, alloc.realloc
    heap_size, footprint, collect = alloc.heap_size, alloc.footprint, alloc.maybe_collect
    t0 = time.perf_counter()
    for k, (kind, i, size) in enumerate(trace.ops, 1):
        if kind == "a":
            a_alloc(i, size)
            sizes[i] = size
            live += size
        elif kind == "f":
            a_free(i)
            live -= sizes.pop(i)
        else:
            a_realloc(i, size)
            live += size - sizes[i]
            sizes[i] = size
        if live > peak_payload:
            peak_payload = live
        hs = heap_size()
        if hs > peak_heap:
            peak_heap = hs
            at_peak = alloc.breakdown(live) | {"op": k}
        fp = footprint()
        if fp > peak_fp:
            peak_fp = fp
        if hs > top[1]:                   # the bucket's highest point, so peaks are drawn
            top = (k, hs, live, fp)
        if k % every == 0 or k == n:
            if top[0] != k and top[0] > out[-1].op:
                out.append(Sample(*top))
            out.append(Sample(k, hs, live, fp))
            top = (0, -1, 0, 0)
        collect()
        if progress is not None and (k % tick == 0 or k == n):
            progress(k, n)
    seconds = time.perf_counter() - t0
    a = getattr(alloc, "a", None)
    examined = a.examined / a.searches if a is not None and a.searches else 0.0
    return ReplayResult(trace.name, policy, alloc.name, n, peak_payload, peak_heap, peak_fp,
                        at_peak, alloc.gcs, seconds, tuple(out), examined)


def compare(trace: Trace, policies=POLICIES, *, progress: Progress | None = None,
            go_options: dict | None = None, samples: int = 200) -> list[ReplayResult]:
    """Replay one trace through several policies; ``progress`` sees one combined count."""
    results = []
    total = len(trace.ops) * len(policies)
    for j, policy in enumerate(policies):
        step = None
        if progress is not None:
            def step(done, _n, base=j * len(trace.ops)):
                progress(base + done, total)
        opts = (go_options or {}) if policy == "go" else {}
        results.append(replay(trace, policy, progress=step, samples=samples, **opts))
    return results


COLUMNS = ("trace", "allocator", "util", "util (footprint)", "payload", "internal", "garbage",
           "free", "overhead", "GCs", "examined/malloc", "ops/s")


def table_rows(results, ops_per_s: bool = True) -> list[tuple]:
    """One row per result: utilisations, then the heap at its peak in % (payload ...
    overhead add up to 100), GCs, search work, and ops/s in thousands (or omitted)."""
    rows = []
    for r in results:
        row = (r.trace, r.label, f"{100 * r.utilisation:.0f}%",
               f"{100 * r.footprint_utilisation:.0f}%",
               *(f"{100 * r.share(p):.0f}%" for p in PARTS), str(r.gcs),
               f"{r.examined_per_malloc:.1f}" if r.policy != "go" else "0 (O(1))")
        rows.append(row + ((f"{r.ops_per_s / 1000:.0f}k",) if ops_per_s else ()))
    return rows


def format_table(results, ops_per_s: bool = True) -> str:
    """A plain-text table (ops/s vary run to run: leave them out of compared outputs)."""
    cols = COLUMNS if ops_per_s else COLUMNS[:-1]
    rows = [cols] + table_rows(results, ops_per_s)
    widths = [max(len(str(row[c])) for row in rows) for c in range(len(cols))]
    lines = ["  ".join(str(v).rjust(w) if c > 1 else str(v).ljust(w)
                       for c, (v, w) in enumerate(zip(row, widths))) for row in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def table_html(results, ops_per_s: bool = True) -> str:
    cols = COLUMNS if ops_per_s else COLUMNS[:-1]
    pad = 'style="padding:2px 8px; text-align:right; white-space:nowrap"'
    head = "".join(f"<th {pad}>{c}</th>" for c in cols)
    body = "".join("<tr>" + "".join(f"<td {pad}>{v}</td>" for v in row) + "</tr>"
                   for row in table_rows(results, ops_per_s))
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
