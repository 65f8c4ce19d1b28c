"""mspan's slot finding: nextFreeFast / nextFreeIndex / refillAllocCache, bit by bit."""

from hypothesis import given, strategies as st

from gomem.malloc import next_free_fast
from gomem.mheap import span_nelems
from gomem.mspan import MSpan, ctz64, new_mark_bits, popcount


def swept_span(nelems: int, used: set[int], elemsize: int = 16) -> MSpan:
    """A span as the sweeper leaves it: alloc_bits = survivors, freeindex 0."""
    s = MSpan(0xC000000000, 1)
    s.nelems, s.elemsize = nelems, elemsize
    s.alloc_bits = new_mark_bits(nelems)
    for i in used:
        s.alloc_bits[i >> 3] |= 1 << (i & 7)
    s.alloc_count = len(used)
    s.refill_alloc_cache(0)
    return s


def test_ctz64():
    assert [ctz64(x) for x in (0, 1, 2, 12, 1 << 63)] == [64, 0, 1, 2, 63]


def test_new_mark_bits_rounds_to_64_bit_words():
    assert [len(new_mark_bits(n)) for n in (1, 64, 65, 1024)] == [8, 8, 16, 128]


def test_fresh_span_hands_out_slots_in_order():
    s = swept_span(100, set())
    got = [next_free_fast(s) for _ in range(5)]
    assert got == [0xC000000000 + 16 * i for i in range(5)]
    assert (s.freeindex, s.alloc_count) == (5, 5)


def test_next_free_fast_bails_at_a_64_slot_boundary():
    s = swept_span(200, set())
    for _ in range(63):
        assert next_free_fast(s)
    assert s.freeindex == 63
    # Slot 63 would move freeindex to 64: the cache must be reloaded, so the fast path gives up.
    assert next_free_fast(s) == 0 and s.freeindex == 63 and s.alloc_count == 63
    assert s.next_free_index() == 63
    assert s.freeindex == 64 and s.alloc_cache == (1 << 64) - 1   # refilled for slots 64..127


def test_next_free_fast_takes_the_last_slot_even_on_a_boundary():
    s = swept_span(64, set(range(63)))
    assert next_free_fast(s) == 0xC000000000 + 63 * 16
    assert s.freeindex == 64 == s.nelems


def test_next_free_index_skips_whole_full_words():
    used = set(range(0, 130))            # two full words and two more slots
    s = swept_span(200, used)
    assert next_free_fast(s) == 0        # cache shows no free slot at all
    assert s.next_free_index() == 130
    assert s.freeindex == 131


def test_full_span_returns_nelems():
    s = swept_span(70, set(range(70)))
    assert s.next_free_index() == 70 and s.freeindex == 70


@given(st.integers(1, 1024).flatmap(
    lambda n: st.tuples(st.just(n), st.sets(st.integers(0, n - 1)))))
def test_fast_then_slow_path_yields_exactly_the_free_slots_in_order(args):
    nelems, used = args
    s = swept_span(nelems, used)
    got = []
    while True:
        v = next_free_fast(s)
        if v:
            got.append((v - s.start_addr) // s.elemsize)
            continue
        i = s.next_free_index()
        if i == nelems:
            break
        s.alloc_count += 1
        got.append(i)
    assert got == sorted(set(range(nelems)) - used)
    assert s.alloc_count == nelems
    assert all(not s.is_free(i) for i in range(nelems))


@given(st.integers(1, 1024).flatmap(
    lambda n: st.tuples(st.just(n), st.sets(st.integers(0, n - 1)))))
def test_is_free_and_count(args):
    nelems, used = args
    s = swept_span(nelems, used)
    assert [s.is_free(i) for i in range(nelems)] == [i not in used for i in range(nelems)]
    assert popcount(s.alloc_bits) == len(used)


def test_nelems_green_tea_versus_classic():
    # (size class, noscan) -> (Green Tea, classic); measured from go1.27 address runs.
    cases = {(1, False): (1008, 1008), (2, False): (496, 504), (2, True): (504, 512),
             (6, False): (124, 126), (6, True): (126, 128), (9, False): (70, 72),
             (9, True): (72, 73), (26, False): (15, 15), (26, True): (15, 16),
             (27, False): (14, 14), (67, True): (1, 1)}
    for (c, noscan), (green, classic) in cases.items():
        assert span_nelems(c, noscan, greenteagc=True) == green
        assert span_nelems(c, noscan, greenteagc=False) == classic
