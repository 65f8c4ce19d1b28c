"""IncrementalWorkload logs only the allocations that leave Heap.malloc's fast path: the
same requests, addresses, heap and path counts as run_workload, which logs every one."""

import random

from hypothesis import given, settings, strategies as st

from gomem.events import PATHS
from gomem.workload import SIZE_MIXES, IncrementalWorkload, heap_view, run_workload


def _same(a, b):
    assert (a.requests, a.addrs) == (b.requests, b.addrs)
    assert a.path_counts == b.path_counts and list(a.path_counts) == list(PATHS)
    assert a.lock_acquisitions == b.lock_acquisitions
    assert heap_view(a.heap) == heap_view(b.heap)   # (read_mem_stats would flush the mcaches)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**16), mix=st.sampled_from(list(SIZE_MIXES)),
       gomaxprocs=st.integers(1, 8), counts=st.lists(st.integers(0, 1500), min_size=1, max_size=3))
def test_incremental_workload_equals_run_workload(seed, mix, gomaxprocs, counts):
    inc = IncrementalWorkload(seed, mix, gomaxprocs)
    for n in counts:                      # up (extends), down (restarts), or the same
        _same(inc.advance(n), run_workload(random.Random(seed), n, mix, gomaxprocs))


def test_fast_path_hits_are_not_logged_but_counted():
    inc = IncrementalWorkload(0, "tiny", 2)
    run = inc.advance(2000)
    logged = sum(1 for ev in run.heap.events.events if ev.func == "mallocgc")
    assert 0 < logged < 2000                               # the slow paths only
    assert run.path_counts["tiny block"] + run.path_counts["nextFreeFast"] >= 2000 - logged
    _same(run, run_workload(random.Random(0), 2000, "tiny", 2))
