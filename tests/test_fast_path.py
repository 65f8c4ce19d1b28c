"""Heap.malloc's inlined nextFreeFast gives exactly the heap the readable paths give."""

import pytest
from hypothesis import given, settings, strategies as st

from gomem import Heap
from gomem.errors import ConfigError
from gomem.events import classify
from gomem.malloc import ZEROBASE
from heapstate import fingerprint

requests = st.lists(st.tuples(st.one_of(st.integers(0, 40), st.integers(0, 2000), st.integers(0, 40_000)),
                              st.booleans(), st.integers(0, 1), st.integers(0, 9)),
                    min_size=1, max_size=300)


def _side_by_side(h1, h2, reqs):
    """Run ``reqs`` on both heaps, now and then a GC keeping every other object; yields
    the events each ``malloc`` added to each heap's log, after checking both returned the
    same address."""
    live = []
    for size, noscan, p, action in reqs:
        start1, start2 = len(h1.events.events), len(h2.events.events)
        a = h1.malloc(size, noscan, p)
        assert h2.malloc(size, noscan, p) == a
        yield h1.events.events[start1:], h2.events.events[start2:]
        live.append(a)
        if action == 0:
            live = [x for x in live[::2] if x != ZEROBASE]
            h1.gc(live=live)
            h2.gc(live=live)


@settings(max_examples=60, deadline=None)
@given(requests, st.booleans())
def test_same_addresses_and_state(reqs, greentea):
    fast = Heap(gomaxprocs=2, greenteagc=greentea)
    slow = Heap(gomaxprocs=2, greenteagc=greentea, record_events=True)   # never takes the shortcut
    for _ in _side_by_side(fast, slow, reqs):
        pass
    assert fingerprint(fast)[:-1] == fingerprint(slow)[:-1]   # all but the event count


@settings(max_examples=60, deadline=None)
@given(requests, st.booleans())
def test_slow_paths_log(reqs, greentea):
    """record_events="slow" logs what record_events=True logs, minus the allocations
    Heap.malloc's inlined fast path serves, and leaves the same heap."""
    every = Heap(gomaxprocs=2, greenteagc=greentea, record_events=True)
    slow = Heap(gomaxprocs=2, greenteagc=greentea, record_events="slow")
    for path, logged in _side_by_side(every, slow, reqs):
        assert logged == ([] if classify(path) in ("nextFreeFast", "tiny block") else path)
    assert fingerprint(slow)[:-1] == fingerprint(every)[:-1]


def test_slow_paths_mode_traces_and_rejects_bad_values():
    h = Heap(record_events="slow")
    h.malloc(24)                                     # a new span: mallocgc and below
    before = list(h.events.events)
    h.malloc(24)                                     # a nextFreeFast hit: nothing logged
    assert h.events.events == before
    _, trace = h.trace_malloc(24)                    # but a traced call shows its path
    assert classify(trace) == "nextFreeFast" and h.fast_path_unlogged
    for bad in ("fast", 2, None):
        with pytest.raises(ConfigError, match="record_events"):
            Heap(record_events=bad)


runs = st.lists(st.tuples(st.sampled_from([1, 8, 16, 24, 48, 64, 512, 520, 1024, 3000, 32760, 40_000]),
                          st.booleans(), st.integers(1, 1500)), min_size=1, max_size=8)


@settings(max_examples=40, deadline=None)
@given(runs, st.booleans())
def test_malloc_many_equals_malloc_one_by_one(reqs, collect):
    bulk_heap, one_heap = Heap(), Heap()
    for size, noscan, count in reqs:
        got = bulk_heap.malloc_many(size, count, noscan)
        want = [one_heap.malloc(size, noscan) for _ in range(count)]
        assert got.tolist() == want
        if collect:   # keep a third, so swept spans with holes feed the next run
            bulk_heap.gc(live=[int(a) for a in got[::3]])
            one_heap.gc(live=want[::3])
    fb, fo = fingerprint(bulk_heap), fingerprint(one_heap)
    assert fb == fo
    bulk_heap.check()


def test_replay_groups_runs():
    h1, h2 = Heap(), Heap()
    trace = [(24, False)] * 700 + [(5, True)] * 10 + [(24, False)] * 3 + [(100_000, True)]
    assert h1.replay(trace).tolist() == [h2.malloc(s, n) for s, n in trace]
    assert fingerprint(h1) == fingerprint(h2)
