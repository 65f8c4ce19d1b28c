"""Bad input gets a GoMemError with a clear message and leaves the heap unchanged."""

import pytest

from gomem import (BadPError, BadPointerError, BadSizeError, GoMemError, Heap,
                   HeapCorruptionError, OutOfMemoryError)
from heapstate import fingerprint


@pytest.fixture
def heap():
    h = Heap(gomaxprocs=2)
    live = [h.malloc(s, noscan=n) for s in (8, 24, 700, 5000, 40_000) for n in (False, True)]
    h.malloc(3, noscan=True)
    h.gc(live=live[::2], sweep="lazy")
    h.malloc(24)
    return h


@pytest.mark.parametrize("size, err, text", [
    (-1, BadSizeError, "must be >= 0"),
    (True, BadSizeError, "must be an int, not bool"),
    (8.0, BadSizeError, "must be an int, not float"),
    ("8", BadSizeError, "not str"),
    (None, BadSizeError, "not NoneType"),
    ((1 << 48) + 1, OutOfMemoryError, "fatal error: out of memory"),
])
def test_bad_sizes(heap, size, err, text):
    before = fingerprint(heap)
    with pytest.raises(err, match=text):
        heap.malloc(size)
    assert fingerprint(heap) == before


@pytest.mark.parametrize("p", [2, -1, 1.0, True, "0"])
def test_malloc_on_a_p_that_does_not_exist(heap, p):
    before = fingerprint(heap)
    with pytest.raises(BadPError, match="GOMAXPROCS=2"):
        heap.malloc(8, p=p)
    assert fingerprint(heap) == before


def test_bad_gomaxprocs():
    with pytest.raises(BadPError):
        Heap(gomaxprocs=0)
    with pytest.raises(BadSizeError):
        Heap(gomaxprocs=1.5)


def test_gc_with_addresses_that_are_not_live_objects(heap):
    live = [o.addr for o in heap.objects()]
    free_slot = next(s.start_addr + i * s.elemsize for s in heap.spans()
                     for i in range(s.nelems) if not heap.is_live(s, i))
    before = fingerprint(heap)
    for bad, text in [(0x1000, "not in the Go heap"), (free_slot, "unallocated span slot"),
                      ("0xc000000000", "not an address"), (True, "not an address")]:
        with pytest.raises(BadPointerError, match=text):
            heap.gc(live=live + [bad])
        assert fingerprint(heap) == before
    with pytest.raises(GoMemError, match="sweep must be"):
        heap.gc(live=live, sweep="sometimes")
    assert fingerprint(heap) == before


def test_address_past_span_limit():
    h = Heap()
    a = h.malloc(48)
    s = h.span_of(a)
    with pytest.raises(BadPointerError, match="past the end of span"):
        h.find_object(s.limit + 1)


def test_heap_exhausts_its_address_space(monkeypatch):
    import gomem.mheap as mheap
    h = Heap()
    h.malloc(8)
    monkeypatch.setattr(mheap, "MAX_ALLOC", h.mheap.arena_hint + (64 << 20))
    h.malloc(60 << 20)     # fits in one more arena
    with pytest.raises(OutOfMemoryError, match="cannot allocate"):
        h.malloc(200 << 20)


@pytest.mark.parametrize("corrupt, text", [
    (lambda s: setattr(s, "alloc_count", s.alloc_count + 1), "allocCount"),
    (lambda s: setattr(s, "freeindex", s.nelems + 1), "s.freeindex > s.nelems"),
    (lambda s: setattr(s, "alloc_cache", s.alloc_cache ^ 1), "allocCache"),
    (lambda s: setattr(s, "nelems", s.nelems + 1), "nelems"),
    (lambda s: setattr(s, "sweepgen", 7), "sweepgen"),
])
def test_check_catches_a_corrupt_span(corrupt, text):
    h = Heap()
    for _ in range(10):
        h.malloc(32)
    corrupt(h.span_of(h.malloc(32)))
    with pytest.raises(HeapCorruptionError, match=text):
        h.check()


def test_check_catches_broken_page_ownership_and_stats():
    h = Heap()
    a = h.malloc(64)
    h.mheap.pages.free(h.span_of(a).start_addr, 1)
    with pytest.raises(HeapCorruptionError, match="page ownership"):
        h.check()
    h = Heap()
    h.malloc(64)
    h.stats.heap_in_use += 8192
    with pytest.raises(HeapCorruptionError, match="heapInUse"):
        h.check()
