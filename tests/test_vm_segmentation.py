"""Segmentation's external fragmentation vs paging's bounded internal fragmentation."""

import pickle
import random

import pytest

from gomem.errors import BadSizeError, ConfigError, OutOfMemoryError
from gomem.vm import (PagedAllocator, SegmentAllocator, allocation_workload,
                      compare_fragmentation, page_size_tradeoff)


def test_first_fit_vs_best_fit():
    # holes end up [0,200) [300,450) [950,1000): first fit takes the first, best fit the
    # smallest that fits (50 bytes at 950)
    for fit, expect in (("first", 0), ("best", 950)):
        s = SegmentAllocator(1000, fit)
        a, b, c = s.alloc(200), s.alloc(100), s.alloc(150)
        s.free(a)                        # hole [0, 200)
        d = s.alloc(500)                 # -> [450, 950), leaving hole [950, 1000)
        s.free(c)                        # hole [300, 450)
        assert s.alloc(40) == expect
        assert d == 450 and b == 200


def test_free_coalesces_neighbours():
    s = SegmentAllocator(300)
    a, b, c = s.alloc(100), s.alloc(100), s.alloc(100)
    s.free(a)
    s.free(c)
    assert s.holes == [(0, 100), (200, 100)] and s.external_fragmentation() == 0.5
    s.free(b)
    assert s.holes == [(0, 300)] and s.external_fragmentation() == 0


def test_external_fragmentation_fails_where_paging_succeeds():
    s, p = SegmentAllocator(4096 * 4), PagedAllocator(4096 * 4, 4096)
    segs = [s.alloc(4096) for _ in range(4)]
    pages = [p.alloc(4096) for _ in range(4)]
    s.free(segs[0]), s.free(segs[2])
    p.free(pages[0]), p.free(pages[2])
    with pytest.raises(OutOfMemoryError):
        s.alloc(8192)  # 8 KiB free, but in two separate 4 KiB holes
    p.alloc(8192)      # any two frames will do


def test_internal_waste_is_below_one_page_per_request():
    p = PagedAllocator(1 << 20, 4096)
    sizes = [1, 4095, 4096, 4097, 10000]
    for n in sizes:
        p.alloc(n)
    assert p.internal_waste() == 4095 + 1 + 0 + 4095 + 2288
    assert p.internal_waste() < len(sizes) * 4096


def test_same_workload_comparison():
    ops = allocation_workload(random.Random(0), 400)
    steps = compare_fragmentation(ops, 1 << 20, 4096, "first")
    assert len(steps) == 400
    assert steps[-1].seg_failures > 0 and steps[-1].page_failures == 0
    n_live = max(sum(1 for o in ops[:i + 1] if o[0] == "alloc") for i in range(len(ops)))
    assert all(s.page_internal_waste < n_live * 4096 for s in steps)
    assert ops == allocation_workload(random.Random(0), 400)  # seeded


def test_page_size_tradeoff_numbers():
    rows = page_size_tradeoff([1000, 5000], [1024, 4096], address_bits=32, pte_bytes=4)
    assert rows[0] == {"page_size": 1024, "internal_waste": 24 + 120,
                       "table_bytes": 2 ** 22 * 4, "total": 144 + 2 ** 24}
    assert rows[1]["internal_waste"] == 3096 + 3192 and rows[1]["table_bytes"] == 2 ** 22


@pytest.mark.parametrize("call,err", [
    (lambda s: s.alloc(0), BadSizeError),
    (lambda s: s.alloc(-5), BadSizeError),
    (lambda s: s.alloc(10 ** 6), OutOfMemoryError),
    (lambda s: s.free(12345), BadSizeError),
])
def test_segment_errors_leave_state_unchanged(call, err):
    s = SegmentAllocator(4096)
    s.free(s.alloc(100))
    s.alloc(300)
    before = pickle.dumps(s)
    with pytest.raises(err):
        call(s)
    assert pickle.dumps(s) == before


@pytest.mark.parametrize("call,err", [
    (lambda p: p.alloc(0), BadSizeError),
    (lambda p: p.alloc(5 * 4096), OutOfMemoryError),
    (lambda p: p.free(99), BadSizeError),
])
def test_paged_errors_leave_state_unchanged(call, err):
    p = PagedAllocator(4 * 4096, 4096)
    p.alloc(100)
    before = pickle.dumps(p)
    with pytest.raises(err):
        call(p)
    assert pickle.dumps(p) == before


@pytest.mark.parametrize("make", [
    lambda: SegmentAllocator(0), lambda: SegmentAllocator(100, "worst"),
    lambda: PagedAllocator(100, 4096), lambda: PagedAllocator(1 << 20, 3000),
    lambda: compare_fragmentation([("realloc", 1)], 1 << 20),
    lambda: allocation_workload(None, 10), lambda: page_size_tradeoff([1], [2 ** 32]),
])
def test_bad_configurations(make):
    with pytest.raises(ConfigError):
        make()
