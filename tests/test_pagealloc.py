"""The page allocator: lowest-address first fit through the summary tree."""

from hypothesis import given, settings, strategies as st

from gomem.pagealloc import (PALLOC_CHUNK_BYTES, PALLOC_CHUNK_PAGES, PageAlloc, PageCache,
                             find_bit_range64, merge_summaries, summarize)
from gomem.sizeclasses import PAGE_SIZE

BASE = 0xC000000000


def brute_first_fit(free: list[bool], n: int) -> int | None:
    run = 0
    for i, f in enumerate(free):
        run = run + 1 if f else 0
        if run == n:
            return i - n + 1
    return None


def test_summarize():
    pages = bytearray(PALLOC_CHUNK_PAGES)
    assert summarize(pages) == (512, 512, 512)
    pages[3] = pages[10] = 1
    assert summarize(pages) == (3, 501, 501)
    pages[511] = 1
    assert summarize(pages) == (3, 500, 0)


def test_merge_summaries_joins_runs_across_children():
    full = PALLOC_CHUNK_PAGES
    assert merge_summaries([(full, full, full)] * 8, 9) == (8 * full,) * 3
    assert merge_summaries([(0, 10, 5), (7, 7, 7)] + [(0, 0, 0)] * 6, 9) == (0, 12, 0)


def test_find_bit_range64():
    assert find_bit_range64(0b1110110, 2) == 1
    assert find_bit_range64(0b1110110, 3) == 4
    assert find_bit_range64(0b1110110, 4) == 64


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.integers(1, 700)), max_size=60))
def test_alloc_is_lowest_address_first_fit(ops):
    p = PageAlloc()
    nchunks = 3
    p.grow(BASE, nchunks * PALLOC_CHUNK_BYTES)
    free = [True] * (nchunks * PALLOC_CHUNK_PAGES)
    live = []
    for is_alloc, n in ops:
        if is_alloc or not live:
            want = brute_first_fit(free, n)
            addr, _ = p.alloc(n)
            if want is None:
                assert addr == 0
                continue
            assert addr == BASE + want * PAGE_SIZE
            free[want:want + n] = [False] * n
            live.append((addr, n))
        else:
            addr, npages = live.pop(n % len(live))
            p.free(addr, npages)
            i = (addr - BASE) // PAGE_SIZE
            free[i:i + npages] = [True] * npages
        assert p.in_use_pages() == {(BASE >> 13) + i for i, f in enumerate(free) if not f}
        for ci, chunk in p.chunks.items():
            assert p.summary[-1].get(ci, (0, 0, 0)) == summarize(chunk.pages)


def test_fresh_memory_is_scavenged_and_reused_memory_is_not():
    p = PageAlloc()
    p.grow(BASE, PALLOC_CHUNK_BYTES)
    addr, scav = p.alloc(4)
    assert (addr, scav) == (BASE, 4 * PAGE_SIZE)
    p.free(addr, 4)
    assert p.alloc(4) == (BASE, 0)


def test_alloc_to_cache_takes_the_free_pages_of_an_aligned_block():
    p = PageAlloc()
    p.grow(BASE, PALLOC_CHUNK_BYTES)
    p.alloc(3)
    c = p.alloc_to_cache()
    assert c.base == BASE and c.cache == ((1 << 64) - 1) & ~0b111
    assert p.alloc(1)[0] == BASE + 64 * PAGE_SIZE     # the cached block is off limits
    assert c.alloc(2) == (BASE + 3 * PAGE_SIZE, 2 * PAGE_SIZE)
    assert PageCache().alloc(1) == (0, 0)


def test_no_memory_means_zero():
    p = PageAlloc()
    assert p.alloc(1) == (0, 0)
    p.grow(BASE, PALLOC_CHUNK_BYTES)
    assert p.alloc(PALLOC_CHUNK_PAGES + 1) == (0, 0)
    assert p.alloc(PALLOC_CHUNK_PAGES)[0] == BASE
