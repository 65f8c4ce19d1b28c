"""Alloc/GC cycles recorded over time: heap in use, live bytes, and span sweep states.

Lesson 07 watches what a GC cycle does to the heap.  :func:`gc_cycles` runs a seeded
program that allocates, lets some objects die, and collects, over and over; after every
few allocations it records a :class:`Sample`: ``heap_in_use`` (bytes in in-use spans),
the bytes the program still reaches, and how many spans (and bytes) are in each
*sweep state* relative to the heap's ``sweepgen`` ``h`` — the five states of the comment
on ``mspan.sweepgen`` in ``runtime/mheap.go``:

=========  ==============================================================
``h-2``    needs sweeping (marked last cycle, not yet swept)
``h-1``    being swept right now
``h``      swept and ready (in an mcentral span set)
``h+1``    cached by an mcache before this sweep began: needs sweeping
``h+3``    swept, then cached by an mcache
=========  ==============================================================

With ``sweep="full"`` every GC sweeps everything before returning (``runtime.GC()``);
with ``sweep="lazy"`` spans stay ``h-2`` until an allocation needs them
(``mcentral.cacheSpan``, ``mheap.reclaim``), until ``bg_sweep`` background-sweeper
steps (:meth:`gomem.Heap.sweep_one`) reach them, or until the next GC finishes the job.

Survival: at each GC every object the program holds survives with probability
``survival`` (old survivors included), so the live heap settles near
``objects_per_cycle * survival / (1 - survival)`` objects.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass, field
from itertools import compress
from operator import attrgetter

from gomem.heap import Heap
from gomem.mgc import collect
from gomem.mspan import MSpan
from gomem.sizeclasses import CLASS_TO_SIZE, PAGE_SIZE, size_to_class

SWEEP_STATES = ("h-2", "h-1", "h", "h+1", "h+3")
SWEEP_STATE_NAMES = {
    "h-2": "needs sweeping",
    "h-1": "being swept",
    "h": "swept, ready",
    "h+1": "cached before sweep, needs sweeping",
    "h+3": "swept, then cached",
}
# Request sizes of the cycle program (pointerful, small): several classes, one per size.
CYCLE_SIZES = (64, 256, 1024, 4096)


_STATE_AT = {-2: "h-2", -1: "h-1", 0: "h", 1: "h+1", 3: "h+3"}   # sweepgen - h -> state
_GEN_PAGES = attrgetter("sweepgen", "npages")


def sweep_state(s: MSpan, h_sweepgen: int) -> str:
    """The span's state relative to the heap's sweepgen: one of :data:`SWEEP_STATES`."""
    return _state_of(s.sweepgen, h_sweepgen)


def _state_of(sweepgen: int, h_sweepgen: int) -> str:
    name = _STATE_AT.get(sweepgen - h_sweepgen)
    if name is None:
        raise ValueError(f"span sweepgen {sweepgen} vs heap {h_sweepgen}: not a valid state")
    return name


def sweep_census(h: Heap) -> tuple[dict[str, int], dict[str, int]]:
    """(spans per sweep state, bytes per sweep state) over every in-use span."""
    sg = h.mheap.sweepgen
    spans = dict.fromkeys(SWEEP_STATES, 0)
    nbytes = dict.fromkeys(SWEEP_STATES, 0)
    # spans grouped by (sweepgen, npages) first: a few groups, counted at C speed
    for (gen, npages), n in Counter(map(_GEN_PAGES, h.mheap.spans.by_base.values())).items():
        st = _state_of(gen, sg)
        spans[st] += n
        nbytes[st] += n * npages * PAGE_SIZE
    return spans, nbytes


@dataclass(frozen=True)
class Sample:
    """The heap after ``allocs`` allocations in total."""

    allocs: int
    cycle: int
    heap_in_use: int
    live_bytes: int                  # slot bytes of objects the program still holds
    spans: dict[str, int]
    span_bytes: dict[str, int]


@dataclass
class Timeline:
    """What :func:`gc_cycles` recorded."""

    cycles: int
    objects_per_cycle: int
    survival: float
    sweep: str
    bg_sweep: int
    samples: list[Sample] = field(default_factory=list)
    gc_at: list[int] = field(default_factory=list)      # allocation counts where a GC ran
    freed_spans: list[int] = field(default_factory=list)  # spans freed per GC cycle (by the end)

    @property
    def peak_in_use(self) -> int:
        return max(s.heap_in_use for s in self.samples)

    @property
    def final(self) -> Sample:
        return self.samples[-1]


def gc_cycles(rng: random.Random, cycles: int = 6, objects_per_cycle: int = 400,
              survival: float = 0.3, sweep: str = "full", bg_sweep: int = 0,
              samples_per_cycle: int = 10, gomaxprocs: int = 1) -> Timeline:
    """Run ``cycles`` rounds of (allocate ``objects_per_cycle``, GC) and sample the heap.

    ``bg_sweep`` spans are swept with ``sweep_one`` at every sample point (a stand-in
    for the background sweeper) when ``sweep="lazy"``.  Samples are taken
    ``samples_per_cycle`` times per cycle and right after each GC.
    """
    if sweep not in ("full", "lazy"):
        raise ValueError(f"sweep must be 'full' or 'lazy', not {sweep!r}")
    h = Heap(gomaxprocs=gomaxprocs)
    tl = Timeline(cycles, objects_per_cycle, survival, sweep, bg_sweep)
    # The objects the program holds, as (span, slot index) with their slot bytes alongside.
    # They are its own live objects, valid by construction, so each GC marks them directly
    # (``collect``) instead of validating every address again with findObject as
    # ``Heap.gc`` does -- half the run's time, with thousands of objects held.
    live: list[tuple[MSpan, int]] = []
    live_slots: list[int] = []
    live_bytes = 0
    every = max(1, objects_per_cycle // samples_per_cycle)
    allocs = 0
    slot = {size: CLASS_TO_SIZE[size_to_class(size, noscan=False)] for size in CYCLE_SIZES}

    def sample(cycle: int) -> None:
        spans, nbytes = sweep_census(h)
        tl.samples.append(Sample(allocs, cycle, h.stats.heap_in_use, live_bytes, spans, nbytes))

    sample(0)
    for cycle in range(1, cycles + 1):
        for i, size in enumerate(rng.choices(CYCLE_SIZES, k=objects_per_cycle)):
            addr = h.malloc(size, p=allocs % gomaxprocs)
            s = h.span_of(addr)
            live.append((s, s.object_index(addr)))
            live_slots.append(slot[size])
            live_bytes += slot[size]
            allocs += 1
            if (i + 1) % every == 0:
                if sweep == "lazy":
                    for _ in range(bg_sweep):
                        if not h.sweep_one():
                            break
                sample(cycle)
        survives = [rng.random() < survival for _ in live]
        live = list(compress(live, survives))
        live_slots = list(compress(live_slots, survives))
        live_bytes = sum(live_slots)
        before = len(h.mheap.spans.by_base)
        collect(h.mheap, h.mcaches, live, full=sweep == "full")     # h.gc(live addresses)
        tl.gc_at.append(allocs)
        tl.freed_spans.append(before - len(h.mheap.spans.by_base))
        sample(cycle)
    return tl
