"""mallocgc's paths, the caches, MemStats and GC, through the public Heap API."""

import pytest

from gomem import Heap
from gomem.events import classify
from gomem.malloc import ZEROBASE
from gomem.mheap import ARENA_BASE, span_nelems
from gomem.mspan import MSpanState
from gomem.sizeclasses import PAGE_SIZE
from gomem.spanclass import TINY_SPAN_CLASS


def path(h, size, noscan=False, p=0):
    addr, events = h.trace_malloc(size, noscan, p)
    return addr, classify(events), [e.func for e in events]


def test_first_allocation_grows_the_heap_from_the_os():
    h = Heap()
    addr, kind, funcs = path(h, 24)
    assert addr == ARENA_BASE and kind == "mheap.grow"
    # The P's page cache finds no free page, so allocSpan takes the heap lock, grows, retries.
    assert funcs[funcs.index("mcache.refill"):] == [
        "mcache.refill", "mcentral.grow", "mheap.alloc", "pageAlloc.allocToCache",
        "mheap.sysAlloc", "mheap.grow", "pageAlloc.alloc", "mcentral.cacheSpan"]
    st = h.read_mem_stats()
    assert st.heap_sys == 4 << 20 and st.heap_inuse == PAGE_SIZE
    # The next new span comes from the P's page cache: no heap lock.
    funcs = path(h, 100)[2]
    assert "pageAlloc.allocToCache" in funcs and "pageCache.alloc" in funcs
    assert "pageAlloc.alloc" not in funcs


def test_then_fast_path_then_refill_from_a_new_span():
    h = Heap()
    h.malloc(24)
    nelems = span_nelems(3, False)
    kinds = [path(h, 24)[1] for _ in range(nelems - 1)]
    # Slots 1..nelems-1: ctz on alloc_cache, except where freeindex crosses a 64-slot word.
    assert kinds.count("nextFreeIndex") == (nelems - 1) // 64
    assert set(kinds) == {"nextFreeFast", "nextFreeIndex"}
    assert path(h, 24)[1] == "mheap.alloc"          # span full: refill -> mcentral.grow


def test_objects_are_elemsize_apart_and_spans_hold_nelems():
    h = Heap()
    addrs = [h.malloc(48) for _ in range(300)]
    s = h.span_of(addrs[0])
    assert s.elemsize == 48 and s.nelems == span_nelems(5, False) == 165
    assert all(b - a == 48 for a, b in zip(addrs[:165], addrs[1:165]))
    assert h.span_of(addrs[165]) is not s


def test_malloc_header_for_pointerful_objects_over_512_bytes():
    h = Heap()
    a = h.malloc(1024)                     # 1024 + 8-byte header -> class 33 (1152 B)
    s = h.span_of(a)
    assert a == s.start_addr + 8 and s.elemsize == 1152
    b = h.malloc(1024, noscan=True)        # no header without pointers
    assert h.span_of(b).elemsize == 1024 and b == h.span_of(b).start_addr
    c = h.malloc(512)                      # 512 keeps its pointer bits in the span
    assert h.span_of(c).elemsize == 512 and c == h.span_of(c).start_addr


def test_small_large_cutoff_is_32760():
    h = Heap()
    assert h.span_of(h.malloc(32760)).sizeclass == 67
    big = h.span_of(h.malloc(32761))
    assert big.sizeclass == 0 and big.npages == 4 and path(h, 40000)[1] == "large"
    assert h.span_of(h.malloc(32769, noscan=True)).npages == 5


def test_size_zero_is_zerobase():
    h = Heap()
    assert h.malloc(0) == ZEROBASE == h.malloc(0, noscan=True)
    assert h.read_mem_stats().mallocs == 0


def test_tiny_allocator_packs_and_aligns():
    h = Heap()
    a = h.malloc(5, noscan=True)
    b = h.malloc(3, noscan=True)           # odd: no alignment
    c = h.malloc(4, noscan=True)           # 4-aligned: offset 8
    assert (b - a, c - a) == (5, 8)
    assert path(h, 2, noscan=True)[1] == "tiny block"   # offset 12 + 2 <= 16
    d = h.malloc(8, noscan=True)           # 8-aligned offset 16: new block
    assert d == a + 16 and h.span_of(d).spanclass == TINY_SPAN_CLASS
    # The new block (offset 8 after this) replaces the old one (offset 14): 8 < 14.
    assert h.malloc(8, noscan=True) == d + 8


def test_tiny_block_replaced_only_when_new_one_has_more_room():
    h = Heap()
    a = h.malloc(12, noscan=True)          # block A, offset 12
    b = h.malloc(12, noscan=True)          # doesn't fit: block B; 12 < 12 is false -> keep A
    assert b == a + 16
    c = h.malloc(4, noscan=True)           # fits in A at offset 12
    assert c == a + 12


def test_tiny_accounting_counts_malloc_and_free():
    h = Heap()
    for _ in range(3):
        h.malloc(5, noscan=True)           # one 16-byte block holds all three
    st = h.read_mem_stats()
    assert (st.mallocs, st.frees, st.heap_alloc, st.heap_objects) == (3, 2, 16, 1)


def test_read_mem_stats_flushes_the_mcache_and_drops_the_tiny_block():
    h = Heap()
    a = h.malloc(4, noscan=True)
    h.read_mem_stats()
    assert h.mcaches[0].tiny == 0
    assert h.malloc(4, noscan=True) == a + 16     # a new block, though the old had room


def test_counts_are_credited_when_spans_leave_the_mcache():
    h = Heap()
    for _ in range(10):
        h.malloc(64)
    assert h.stats.small_alloc_count[6] == 0      # still in P 0's cached span
    assert h.read_mem_stats().by_size[6].mallocs == 10


def test_gc_frees_unreachable_objects_and_moves_sweepgen():
    h = Heap()
    keep = [h.malloc(64) for _ in range(200)]
    h.malloc(100_000)                              # a large object, unreachable
    before = h.read_mem_stats()
    h.gc(live=keep[::2])
    st = h.read_mem_stats()
    assert h.mheap.sweepgen == 2 and st.num_gc == 1
    assert st.frees - before.frees == 100 + 1
    assert st.heap_alloc == 100 * 64
    assert st.heap_inuse < before.heap_inuse       # the large span went back to the heap
    assert all(s.sweepgen == 2 for s in h.spans())
    h.check()


def test_empty_spans_go_back_to_the_page_allocator_and_are_reused_first():
    h = Heap()
    first = [h.malloc(8192) for _ in range(3)]
    h.gc(live=[])
    assert h.spans() == []
    assert h.malloc(8192) == first[0]


def test_swept_span_hands_out_survivors_gaps_lowest_first():
    h = Heap()
    a = [h.malloc(32) for _ in range(10)]
    h.gc(live=[x for i, x in enumerate(a) if i not in (2, 5)])
    assert [h.malloc(32) for _ in range(2)] == [a[2], a[5]]


def test_interior_pointer_keeps_object_alive():
    h = Heap()
    a = h.malloc(64)
    h.gc(live=[a + 10])
    assert h.find_object(a).addr == a


def test_lazy_sweep_leaves_spans_unswept_until_needed():
    h = Heap()
    a = [h.malloc(16) for _ in range(600)]        # two spans
    h.gc(live=a[:5], sweep="lazy")
    sg = h.mheap.sweepgen
    assert any(s.sweepgen == sg - 2 for s in h.spans())
    h.malloc(16)                                   # cacheSpan sweeps an unswept partial span
    while h.sweep_one():
        pass
    assert all(s.sweepgen in (sg, sg + 3) for s in h.spans())
    h.check()


def test_objects_dead_after_lazy_gc_are_not_live():
    from gomem import BadPointerError
    h = Heap()
    a, b = h.malloc(16), h.malloc(16)
    h.gc(live=[a], sweep="lazy")
    h.find_object(a)
    with pytest.raises(BadPointerError):
        h.find_object(b)


def test_each_p_has_its_own_spans():
    h = Heap(gomaxprocs=2)
    a, b = h.malloc(24, p=0), h.malloc(24, p=1)
    assert h.span_of(a) is not h.span_of(b)
    h.check()


def test_classic_mode_changes_nelems():
    assert Heap(greenteagc=False).span_of(Heap(greenteagc=False).malloc(16)) is None
    g, c = Heap(), Heap(greenteagc=False)
    assert g.span_of(g.malloc(64)).nelems == 124 and c.span_of(c.malloc(64)).nelems == 126


def test_lock_counts_grow_with_spans_not_objects():
    h = Heap()
    for _ in range(10_000):
        h.malloc(8)
    assert h.mheap.lock_acquisitions <= 3   # page cache refills only
    assert sum(c.span_set_ops for c in h.mheap.central) <= 30


def test_free_span_state():
    h = Heap()
    s = h.span_of(h.malloc(50_000))
    h.gc(live=[])
    assert s.state is MSpanState.DEAD and h.span_of(s.start_addr) is None
