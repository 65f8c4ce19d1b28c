"""Lesson 09: the CS:APP-style free-list allocator (boundary tags, split, coalesce)."""

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gomem.errors import BadPointerError, ConfigError, GoMemError, HeapCorruptionError
from gomem.shootout.freelist import (CHUNKSIZE, MIN_BLOCK, FastFreeListAllocator,
                                     FreeListAllocator, adjusted_size)


def layout(a):
    """(size, allocated) of every block, in address order."""
    return [(size, alloc) for _, size, alloc in a.blocks()]


def test_adjusted_size():
    assert [adjusted_size(n) for n in (1, 8, 16, 17, 100, 4096)] == [24, 24, 24, 32, 112, 4104]


def test_init_malloc_split_and_heap_size():
    a = FreeListAllocator()
    assert a.heap_size == 16 and layout(a) == []        # pad + prologue + epilogue
    p = a.malloc(100)
    assert p % 8 == 0 and a.size_of(p) == 112 and a.is_alloc(p)
    assert a.heap_size == 16 + CHUNKSIZE                  # one extend_heap of CHUNKSIZE
    assert layout(a) == [(112, True), (CHUNKSIZE - 112, False)]   # split
    assert (a.alloc_bytes, a.free_bytes) == (112, CHUNKSIZE - 112)
    a.check()


def test_no_split_when_the_rest_is_too_small():
    a = FreeListAllocator(chunksize=128)
    a.malloc(100)                                        # 112 of 128: 16 < 24 left
    assert layout(a) == [(128, True)]
    assert a.alloc_bytes == 128


def test_coalescing_all_four_cases():
    a = FreeListAllocator()
    p = [a.malloc(40) for _ in range(5)]                  # 48-byte blocks, then the free rest
    a.free(p[1])                                          # case 1: both neighbours allocated
    assert layout(a)[:3] == [(48, True), (48, False), (48, True)]
    a.free(p[2])                                          # case 3: previous is free
    assert layout(a)[:3] == [(48, True), (96, False), (48, True)]
    a.free(p[4])                                          # case 2: next (the rest) is free
    assert layout(a)[-1] == (CHUNKSIZE - 4 * 48, False)
    a.free(p[3])                                          # case 4: both sides free
    assert layout(a) == [(48, True), (CHUNKSIZE - 48, False)]
    a.free(p[0])
    assert layout(a) == [(CHUNKSIZE, False)]
    a.check()


def test_first_fit_and_best_fit_choose_differently():
    def heap(policy):
        a = FreeListAllocator(policy)
        p = [a.malloc(n) for n in (200, 8, 64, 8)]       # big hole, small hole, pinned
        a.free(p[0])                                      # 208-byte hole at the start
        a.free(p[2])                                      # 72-byte hole in the middle
        return a, p
    a, p = heap("first-fit")
    assert a.malloc(60) == p[0]                           # lowest address that fits
    b, q = heap("best-fit")
    assert b.malloc(60) == q[2]                           # smallest block that fits
    a.check(), b.check()


def test_realloc_in_place_grow_into_neighbour_and_move():
    a = FreeListAllocator()
    p = a.malloc(100)
    assert a.realloc(p, 50) == p and a.size_of(p) == 64   # shrink: split off 48 B
    assert a.realloc(p, 1000) == p                        # grows into the free rest
    q = a.malloc(8)                                       # pin the block after p
    r = a.realloc(p, 2000)                                # no room: move
    assert r != p and a.size_of(r) >= 2008 and not a.is_alloc(p)
    assert a.is_alloc(q)
    a.check()


def test_bad_pointers_and_configs():
    a = FreeListAllocator()
    p = a.malloc(8)
    a.free(p)
    for bad in (p, p + 8, 0, a.heap_listp, 10**9):
        with pytest.raises(BadPointerError):
            a.free(bad)
    with pytest.raises(BadPointerError):
        a.realloc(p, 10)
    with pytest.raises(ConfigError):
        a.malloc(0)
    with pytest.raises(ConfigError):
        FreeListAllocator("worst-fit")
    with pytest.raises(ConfigError):
        FreeListAllocator(chunksize=20)


def test_check_catches_corruption():
    a = FreeListAllocator()
    p = a.malloc(100)
    a.mem[p + a.size_of(p) - 8] = 999                     # smash the footer
    with pytest.raises(HeapCorruptionError, match="footer"):
        a.check()


def test_examined_counts_a_list_walk():
    a = FreeListAllocator()
    p = [a.malloc(8) for _ in range(6)]
    for i in (0, 2, 4):
        a.free(p[i])                                      # three 24-byte holes + the rest
    a.examined = a.searches = 0
    a.malloc(100)                                         # first fit walks past 3 holes
    assert (a.searches, a.examined) == (1, 4)


OPS = st.lists(st.tuples(st.sampled_from("afr"), st.integers(0, 10**6),
                         st.one_of(st.integers(1, 64), st.integers(1, 5000))), max_size=120)


@pytest.mark.parametrize("policy", ["first-fit", "best-fit"])
@settings(max_examples=120, deadline=None)
@given(ops=OPS)
def test_random_ops_keep_every_invariant(policy, ops):
    a = FreeListAllocator(policy, chunksize=256)
    live = {}                                             # bp -> requested size
    for kind, pick, size in ops:
        if kind == "a" or not live:
            bp = a.malloc(size)
            assert bp not in live
            live[bp] = size
        else:
            bp = sorted(live)[pick % len(live)]
            if kind == "f":
                a.free(bp)
                del live[bp]
            else:
                del live[bp]
                live[a.realloc(bp, size)] = size
        a.check()
        # allocated blocks are exactly the live ones, each big enough, none overlapping
        blocks = [(bp, s) for bp, s, alloc in a.blocks() if alloc]
        assert sorted(bp for bp, _ in blocks) == sorted(live)
        for (bp, s), (nxt, _) in zip(blocks, blocks[1:] + [(a.brk + 4, 0)]):
            assert s - 8 >= live[bp] and bp + s - 8 <= nxt - 4
        assert a.alloc_bytes + a.free_bytes + 16 == a.heap_size
        assert all(s >= MIN_BLOCK for _, s, _ in a.blocks())


def state(a):
    """Everything a free-list allocator holds."""
    return (a.mem, a.brk, a.free_addrs, a.free_sizes, a.free_bytes, a.alloc_bytes, a.extends,
            a.searches, a.examined)


@pytest.mark.parametrize("policy", ["first-fit", "best-fit"])
@settings(max_examples=150, deadline=None)
@given(ops=OPS, chunk=st.sampled_from([24, 256, CHUNKSIZE]))
def test_fast_allocator_leaves_the_same_heap_after_every_call(policy, ops, chunk):
    slow, fast = FreeListAllocator(policy, chunksize=chunk), FastFreeListAllocator(policy, chunksize=chunk)
    live = []
    for kind, pick, size in ops:
        if kind == "a" or not live:
            bp = slow.malloc(size)
            assert fast.malloc(size) == bp
            live.append(bp)
        else:
            bp = live.pop(pick % len(live))
            if kind == "f":
                slow.free(bp)
                fast.free(bp)
            else:
                new = slow.realloc(bp, size)
                assert fast.realloc(bp, size) == new
                live.append(new)
        assert state(fast) == state(slow)
    fast.check()


def test_fast_allocator_refuses_what_the_readable_one_refuses():
    fast = FastFreeListAllocator()
    for bad in (0, -1, 2.5, True):
        with pytest.raises(GoMemError) as slow_err:
            FreeListAllocator().malloc(bad)
        with pytest.raises(type(slow_err.value), match=re.escape(str(slow_err.value))):
            fast.malloc(bad)
    p = fast.malloc(8)
    fast.free(p)
    with pytest.raises(BadPointerError):
        fast.free(p)
