"""Model-layer helpers of lessons 05-07: gomem.workload and gomem.timeline."""

import random

import pytest
from hypothesis import given, settings, strategies as st

from gomem import Heap, span_nelems
from gomem.events import PATHS
from gomem.sizeclasses import CLASSES
from gomem.timeline import (CYCLE_SIZES, SWEEP_STATES, Sample, Timeline, gc_cycles, sweep_census,
                            sweep_state)
from gomem.workload import (SIZE_MIXES, IncrementalWorkload, arena_fraction, heap_view, path_of, random_sizes,
                            run_workload, span_layout, span_summary, step_span)


def test_random_sizes_is_seeded_and_uses_the_mix():
    a = random_sizes(random.Random(3), "typical", 200)
    assert a == random_sizes(random.Random(3), "typical", 200)
    allowed = {(s, n) for s, n, _ in SIZE_MIXES["typical"]}
    assert set(a) <= allowed and len(a) == 200


def test_run_workload_counts_every_allocation_once():
    w = run_workload(random.Random(1), 1500, "typical", gomaxprocs=3)
    assert list(w.path_counts) == list(PATHS)
    assert sum(w.path_counts.values()) == 1500
    assert w.path_counts["nextFreeFast"] > 1000          # the fast path dominates
    assert w.path_counts["mheap.grow"] == 1              # one 4 MiB growth is enough
    assert {p for _, _, p in w.requests} == {0, 1, 2}
    w.heap.check()


def test_large_mix_takes_the_large_path():
    w = run_workload(random.Random(2), 400, "with large")
    n_large = sum(1 for s, _, _ in w.requests if s > 32760)
    assert w.path_counts["large"] == n_large > 0


@pytest.mark.parametrize("size,noscan,path", [(0, True, "zerobase"), (8, True, "tiny"),
                                              (8, False, "small scan"), (16, True, "small noscan"),
                                              (513, False, "small scan + header"),
                                              (32760, True, "small noscan"), (32761, True, "large")])
def test_path_of(size, noscan, path):
    assert path_of(size, noscan) == path


def test_heap_view_matches_the_heap():
    w = run_workload(random.Random(4), 800, "typical", gomaxprocs=2)
    v = heap_view(w.heap)
    assert len(v.spans) == len(w.heap.spans())
    assert sum(s.used for s in v.spans) == sum(1 for _ in w.heap.objects())
    assert {s.cached_by for s in v.spans} >= {0, 1}
    assert set(v.page_caches) == {0, 1}
    assert 0 < arena_fraction(v) <= 1
    assert v.pages_spanned >= max(v.page_index(s.base) + s.npages for s in v.spans)


def test_span_layout_adds_up_and_matches_nelems():
    for c in CLASSES[1:]:
        for noscan in (False, True):
            for gt in (False, True):
                lay = span_layout(c.sizeclass, noscan, gt)
                assert lay.nelems == span_nelems(c.sizeclass, noscan, gt)
                assert lay.objects_bytes + lay.tail + lay.heap_bits + lay.inline_marks \
                    == lay.span_bytes
                assert 0 <= lay.tail < lay.elemsize
    lay = span_layout(5, False, True)       # 48 B scan, Green Tea: 165 instead of 170
    assert (lay.nelems, lay.table_objects, lay.heap_bits, lay.inline_marks) == (165, 170, 128, 128)


def test_step_span_fast_path_bails_at_64_slot_boundaries():
    run = step_span(random.Random(1), 48, 0.4, 10**6)
    assert run.nelems == 165
    assert len(run.steps) - 1 == run.free_after_gc
    paths = {st.slot: st.path for st in run.steps[1:]}
    assert run.steps[1].path == "mcentral.cacheSpan"     # first alloc after GC refills
    for prev, st in zip(run.steps[1:], run.steps[2:]):
        # nextFreeFast gives up when taking the slot would end a 64-slot word, and when the
        # cached word has no free slot left (the next one is in a later word)
        boundary = (st.slot + 1) % 64 == 0 and st.slot + 1 != run.nelems
        later_word = st.slot // 64 != prev.freeindex // 64
        assert (st.path == "nextFreeIndex") == (boundary or later_word), st
    slots = [st.slot for st in run.steps[1:]]
    assert slots == sorted(slots)                        # ascending, free slots only
    assert all(not run.steps[0].in_use[s] for s in slots)
    last = run.steps[-1]
    assert last.alloc_count == run.nelems and all(last.in_use)
    # allocation never writes allocBits: they stay what the sweeper left
    assert all(st.alloc_bits == run.steps[0].alloc_bits for st in run.steps)
    assert sum(run.steps[0].alloc_bits) == run.survivors
    for st in run.steps:        # in use = below freeindex, or marked by the last GC
        assert st.in_use == tuple(i < st.freeindex or b for i, b in enumerate(st.alloc_bits))
    assert paths


def test_step_span_alloc_cache_is_the_complement_window():
    run = step_span(random.Random(5), 128, 0.5, 10**6)
    for st in run.steps:
        fi = st.freeindex
        for b in range(min(64 - fi % 64, run.nelems - fi)):
            assert (st.alloc_cache >> b) & 1 == (not st.alloc_bits[fi + b])


def test_span_summary_has_the_seed_fields():
    h = Heap()
    s = h.span_of(h.malloc(24))
    d = span_summary(s)
    for key in ("start_addr", "npages", "nelems", "freeindex", "allocCache", "allocBits",
                "gcmarkBits", "allocCount", "spanclass", "elemsize", "limit", "sweepgen",
                "state", "needzero"):
        assert key in d
    assert d["spanclass"] == 3 << 1 and d["allocCount"] == 1 and d["freeindex"] == 1


def test_sweep_state_names():
    h = Heap()
    s = h.span_of(h.malloc(24))
    assert sweep_state(s, h.mheap.sweepgen) == "h+3"     # cached by P 0
    h.gc([], sweep="lazy")
    spans, nbytes = sweep_census(h)
    assert sum(spans.values()) == len(h.spans())
    with pytest.raises(ValueError):
        sweep_state(s, s.sweepgen + 7)
    assert set(spans) == set(SWEEP_STATES)


def test_sweep_census_counts_each_span_by_its_state():
    h = Heap(gomaxprocs=2)
    rng = random.Random(3)
    addrs = [h.malloc(rng.choice((16, 64, 700, 5000, 40000)), p=i % 2) for i in range(400)]
    h.gc(addrs[::3], sweep="lazy")
    for _ in range(50):
        h.malloc(64)
    h.sweep_one()
    spans, nbytes = sweep_census(h)
    sg = h.mheap.sweepgen
    for state in SWEEP_STATES:
        mine = [s for s in h.spans() if sweep_state(s, sg) == state]
        assert spans[state] == len(mine) and nbytes[state] == sum(s.npages * 8192 for s in mine)
    assert spans["h-2"] and spans["h"] and spans["h+3"]
    h.spans()[0].sweepgen = sg + 7
    with pytest.raises(ValueError):
        sweep_census(h)


def test_gc_cycles_full_vs_lazy():
    full = gc_cycles(random.Random(1), 4, 300, 0.3, "full")
    lazy = gc_cycles(random.Random(1), 4, 300, 0.3, "lazy")
    assert full.gc_at == lazy.gc_at == [300, 600, 900, 1200]
    # same program, same survivors
    assert [s.live_bytes for s in full.samples] == [s.live_bytes for s in lazy.samples]
    after_full = [s for s in full.samples if s.allocs in full.gc_at][1::2]
    assert all(s.spans["h-2"] == 0 for s in after_full)   # runtime.GC sweeps everything
    after_lazy = lazy.samples[-1]
    assert after_lazy.spans["h-2"] > 0                    # lazy leaves spans unswept
    assert after_lazy.heap_in_use >= full.final.heap_in_use
    for s in full.samples + lazy.samples:
        assert sum(s.span_bytes.values()) == s.heap_in_use
        assert s.live_bytes <= s.heap_in_use


def test_gc_cycles_background_sweeper_sweeps():
    lazy = gc_cycles(random.Random(1), 3, 300, 0.3, "lazy", bg_sweep=0)
    bg = gc_cycles(random.Random(1), 3, 300, 0.3, "lazy", bg_sweep=50)
    mid = len(lazy.samples) - 3
    assert bg.samples[mid].spans["h-2"] < lazy.samples[mid].spans["h-2"]
    with pytest.raises(ValueError):
        gc_cycles(random.Random(1), sweep="eager")


def _gc_cycles_with_heap_gc(rng, cycles, objects_per_cycle, survival, sweep, bg_sweep,
                            samples_per_cycle, gomaxprocs) -> Timeline:
    """gc_cycles written with the public Heap API only: addresses held, ``h.gc(live)`` (which
    validates each one), states counted span by span -- the oracle for its faster loop."""
    h = Heap(gomaxprocs=gomaxprocs)
    tl = Timeline(cycles, objects_per_cycle, survival, sweep, bg_sweep)
    live, allocs = [], 0
    every = max(1, objects_per_cycle // samples_per_cycle)

    def sample(cycle):
        spans = {state: [s for s in h.spans() if sweep_state(s, h.mheap.sweepgen) == state]
                 for state in SWEEP_STATES}
        tl.samples.append(Sample(allocs, cycle, h.stats.heap_in_use,
                                 sum(h.find_object(a).elemsize for a in live),
                                 {state: len(v) for state, v in spans.items()},
                                 {state: sum(s.npages * 8192 for s in v) for state, v in spans.items()}))

    sample(0)
    for cycle in range(1, cycles + 1):
        for i, size in enumerate(rng.choices(CYCLE_SIZES, k=objects_per_cycle)):
            live.append(h.malloc(size, p=allocs % gomaxprocs))
            allocs += 1
            if (i + 1) % every == 0:
                for _ in range(bg_sweep if sweep == "lazy" else 0):
                    if not h.sweep_one():
                        break
                sample(cycle)
        live = [a for a in live if rng.random() < survival]
        before = len(h.spans())
        h.gc(live, sweep=sweep)
        tl.gc_at.append(allocs)
        tl.freed_spans.append(before - len(h.spans()))
        sample(cycle)
    return tl


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**16), cycles=st.integers(1, 4), objects=st.integers(1, 250),
       survival=st.sampled_from([0.0, 0.3, 0.65, 0.9, 1.0]), sweep=st.sampled_from(["full", "lazy"]),
       bg_sweep=st.integers(0, 4), samples=st.integers(1, 12), gomaxprocs=st.integers(1, 3))
def test_gc_cycles_equals_the_program_written_with_heap_gc(seed, cycles, objects, survival, sweep,
                                                           bg_sweep, samples, gomaxprocs):
    args = (cycles, objects, survival, sweep, bg_sweep, samples, gomaxprocs)
    assert gc_cycles(random.Random(seed), *args) == \
        _gc_cycles_with_heap_gc(random.Random(seed), *args)


def test_incremental_workload_equals_a_fresh_run():
    inc = IncrementalWorkload(3, "with large", gomaxprocs=3)
    for n in (300, 900, 500, 1200):          # up, up, down (restart), up
        a, b = inc.advance(n), run_workload(random.Random(3), n, "with large", 3)
        assert (a.requests, a.addrs, a.path_counts) == (b.requests, b.addrs, b.path_counts)
        assert heap_view(a.heap) == heap_view(b.heap)
