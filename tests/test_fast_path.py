"""Heap.malloc's inlined nextFreeFast gives exactly the heap the readable paths give."""

from hypothesis import given, settings, strategies as st

from gomem import Heap
from gomem.malloc import ZEROBASE
from heapstate import fingerprint

requests = st.lists(st.tuples(st.one_of(st.integers(0, 40), st.integers(0, 2000), st.integers(0, 40_000)),
                              st.booleans(), st.integers(0, 1), st.integers(0, 9)),
                    min_size=1, max_size=300)


@settings(max_examples=60, deadline=None)
@given(requests, st.booleans())
def test_same_addresses_and_state(reqs, greentea):
    fast = Heap(gomaxprocs=2, greenteagc=greentea)
    slow = Heap(gomaxprocs=2, greenteagc=greentea, record_events=True)   # never takes the shortcut
    live_f, live_s = [], []
    for size, noscan, p, action in reqs:
        a, b = fast.malloc(size, noscan, p), slow.malloc(size, noscan, p)
        assert a == b
        live_f.append(a)
        live_s.append(b)
        if action == 0:                  # now and then: collect, keeping every other object
            live_f = [x for x in live_f[::2] if x != ZEROBASE]
            live_s = [x for x in live_s[::2] if x != ZEROBASE]
            fast.gc(live=live_f)
            slow.gc(live=live_s)
    assert fingerprint(fast)[:-1] == fingerprint(slow)[:-1]   # all but the event count
