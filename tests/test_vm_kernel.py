"""The kernel: isolation, demand paging, swap, write-back, and errors that change nothing."""

import pickle
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gomem.errors import (BadSizeError, ConfigError, GoMemError, OutOfMemoryError,
                          SegmentationFault)
from gomem.vm import AddressLayout, Kernel, PageFault, simulate, working_set_trace

PAGE = 4096


def two_processes(frames=4):
    k = Kernel(frames)
    a, b = k.spawn("A"), k.spawn("B")
    return k, a, b, k.mmap(a, 4 * PAGE), k.mmap(b, 4 * PAGE)


def test_isolation_same_address_different_frames():
    k, a, b, va, vb = two_processes()
    assert va == vb == 0x400000
    k.store(a, va, 7)
    k.store(b, vb, 9)
    assert (k.load(a, va), k.load(b, vb)) == (7, 9)
    assert k.access(a, va).frame != k.access(b, vb).frame


def test_demand_paging_first_touch_is_a_minor_fault():
    k, a, _, va, _ = two_processes()
    assert k.frame_owners() == [None] * 4  # mmap maps nothing
    first = k.access(a, va + 5)
    assert first.fault == "minor" and not first.translation.tlb_hit
    again = k.access(a, va + 6)
    assert again.fault is None and again.translation.tlb_hit
    assert k.frame_owners()[first.frame] == (a.pid, va >> 12)


def test_contiguous_virtual_pages_scatter_in_ram():
    k, a, b, va, vb = two_processes(frames=8)
    for i in range(4):
        k.access(a, va + i * PAGE)
        k.access(b, vb + i * PAGE)
    assert [k.access(a, va + i * PAGE).frame for i in range(4)] == [0, 2, 4, 6]


def test_swap_round_trip_keeps_data_and_counts():
    k, a, b, va, vb = two_processes(frames=2)
    for i in range(4):
        k.store(a, va + i * PAGE, 10 + i)
    s = k.stats()
    assert (s["minor_faults"], s["evictions"], s["writebacks"]) == (4, 2, 2)
    assert [k.load(a, va + i * PAGE) for i in range(4)] == [10, 11, 12, 13]
    s = k.stats()
    assert s["major_faults"] == s["swap_reads"] == 4  # every page came back from swap once
    # 2 and 3 were dirty when 0 and 1 pushed them out; 0 and 1 were clean copies of swap
    # when 2 and 3 came back, so they were dropped without writing
    assert s["writebacks"] == 4


def test_clean_pages_are_dropped_not_written():
    k, a, _, va, _ = two_processes(frames=1)
    k.load(a, va)
    k.load(a, va + PAGE)  # evicts a clean zero page: nothing to write
    assert k.stats()["writebacks"] == 0 and k.stats()["evictions"] == 1
    assert k.access(a, va).fault == "minor"  # zero-filled again, no swap read


@settings(max_examples=50, deadline=None)
@given(refs=st.lists(st.tuples(st.integers(0, 9), st.booleans()), min_size=1, max_size=60),
       frames=st.integers(1, 6), policy=st.sampled_from(["fifo", "lru", "clock", "opt"]))
def test_kernel_agrees_with_reference_string_model(refs, frames, policy):
    pages, writes = [p for p, _ in refs], [w for _, w in refs]
    k = Kernel(frames, policy=policy, future=[(1, 0x400 + p) for p in pages])
    proc = k.spawn()
    base = k.mmap(proc, 10 * PAGE)
    for p, w in refs:
        k.access(proc, base + p * PAGE, write=w)
    model = simulate(pages, frames, policy, writes)
    s = k.stats()
    assert s["minor_faults"] + s["major_faults"] == model.faults
    assert (s["evictions"], s["writebacks"]) == (model.evictions, model.writebacks)
    assert s["refs"] == len(refs) and s["tlb_hits"] + s["tlb_misses"] >= len(refs)


def test_tlb_hit_rate_and_shootdown():
    k = Kernel(8, tlb_size=2)
    p = k.spawn()
    base = k.mmap(p, 3 * PAGE)
    for _ in range(3):
        for i in range(3):
            k.access(p, base + i * PAGE)
    assert k.tlb.hits == 0  # 3 pages cycling through a 2-entry LRU TLB: always a miss
    k2 = Kernel(1, tlb_size=4)
    p2 = k2.spawn()
    b2 = k2.mmap(p2, 2 * PAGE)
    k2.access(p2, b2)
    k2.access(p2, b2 + PAGE)  # evicts page 0: its TLB entry must go too
    assert (p2.pid, b2 >> 12) not in k2.tlb.entries


def test_exit_frees_frames_and_swap():
    k, a, b, va, vb = two_processes(frames=2)
    for i in range(4):
        k.store(a, va + i * PAGE, 1)
    k.store(b, vb, 2)
    k.exit(a)
    assert all(o is None or o[0] == b.pid for o in k.frame_owners())
    assert all(key[0] == b.pid for key in k.swap.pages)
    with pytest.raises(ConfigError):
        k.access(a, va)


def test_mmu_raises_page_faults_directly():
    k = Kernel(2)
    p = k.spawn()
    with pytest.raises(PageFault) as info:
        k.mmu.translate(p.pid, p.page_table, 0x400000)
    assert info.value.reason == "missing" and isinstance(info.value, GoMemError)


def test_small_layouts_place_regions_low():
    k = Kernel(2, AddressLayout((2, 2), 4, 8))
    p = k.spawn()
    assert k.mmap(p, 16) == 16  # page 1: page 0 stays unmapped, like NULL
    with pytest.raises(OutOfMemoryError):
        k.mmap(p, 16 * 16)


# -- errors leave everything as it was -------------------------------------------------------
def _errors():
    def setup():
        k = Kernel(2, swap_pages=1)
        p = k.spawn("P")
        base = k.mmap(p, 4 * PAGE)
        ro = k.mmap(p, PAGE, writable=False)
        k.store(p, base, 1)
        k.store(p, base + PAGE, 2)
        return k, p, base, ro
    return [
        ("unmapped", SegmentationFault, lambda k, p, b, ro: k.access(p, 0x10)),
        ("guard page", SegmentationFault, lambda k, p, b, ro: k.access(p, b + 4 * PAGE)),
        ("read-only", SegmentationFault, lambda k, p, b, ro: k.store(p, ro, 1)),
        ("beyond 48 bits", SegmentationFault, lambda k, p, b, ro: k.access(p, 2 ** 48)),
        ("negative", BadSizeError, lambda k, p, b, ro: k.access(p, -4096)),
        ("float", BadSizeError, lambda k, p, b, ro: k.access(p, float(b))),
        ("byte 256", BadSizeError, lambda k, p, b, ro: k.store(p, b, 256)),
        ("mmap 0", BadSizeError, lambda k, p, b, ro: k.mmap(p, 0)),
        ("mmap -1", BadSizeError, lambda k, p, b, ro: k.mmap(p, -1)),
        ("stranger", ConfigError, lambda k, p, b, ro: k.access(Kernel(1).spawn(), b)),
        # both frames dirty, swap holds 1 page: the second eviction has nowhere to go
        ("swap full", OutOfMemoryError,
         lambda k, p, b, ro: (k.store(p, b + 2 * PAGE, 3), k.store(p, b + 3 * PAGE, 4))),
    ], setup


@pytest.mark.parametrize("name,err,call", _errors()[0], ids=[e[0] for e in _errors()[0]])
def test_errors_leave_kernel_unchanged(name, err, call):
    k, p, base, ro = _errors()[1]()
    if name == "swap full":  # first store succeeds, the second fails: compare after the first
        k.store(p, base + 2 * PAGE, 3)
        call = lambda k, p, b, ro: k.store(p, b + 3 * PAGE, 4)  # noqa: E731
    before = pickle.dumps(k)
    with pytest.raises(err):
        call(k, p, base, ro)
    assert pickle.dumps(k) == before


@pytest.mark.parametrize("kwargs", [{"frames": 0}, {"frames": -1}, {"frames": 2.0},
                                    {"frames": 2, "policy": "mru"},
                                    {"frames": 2, "policy": "opt"},
                                    {"frames": 2, "tlb_size": 0},
                                    {"frames": 2, "tlb_policy": "random"}])
def test_bad_kernel_configurations(kwargs):
    with pytest.raises(ConfigError):
        Kernel(**kwargs)


def test_seeded_trace_is_reproducible_and_needs_an_rng():
    assert working_set_trace(random.Random(5), 50, 8) == working_set_trace(random.Random(5), 50, 8)
    with pytest.raises(ConfigError):
        working_set_trace(None, 50, 8)


def _check_invariants(k):
    owners = k.frame_owners()
    for frame, owner in enumerate(owners):
        if owner is not None:
            pte = k.processes[owner[0]].page_table.lookup(owner[1])
            assert pte.present and pte.frame == frame
    for pid, proc in k.processes.items():
        for r in proc.regions:
            for vpn in range(r.start_vpn, r.start_vpn + r.npages):
                pte = proc.page_table.lookup(vpn)
                if pte is not None and pte.present:
                    assert owners[pte.frame] == (pid, vpn)
    for (pid, vpn), frame in k.tlb.entries.items():
        assert owners[frame] == (pid, vpn)  # never a stale translation


@settings(max_examples=60, deadline=None)
@given(ops=st.lists(st.tuples(st.sampled_from([0, 1]), st.integers(0, 5),
                              st.one_of(st.none(), st.integers(0, 255))), max_size=60),
       frames=st.integers(1, 4), policy=st.sampled_from(["fifo", "lru", "clock"]))
def test_memory_behaves_like_memory(ops, frames, policy):
    """Whatever gets evicted, every process reads back what it last wrote (0 if never)."""
    k = Kernel(frames, policy=policy, tlb_size=2)
    procs = [k.spawn(), k.spawn()]
    bases = [k.mmap(p, 6 * PAGE) for p in procs]
    expected = {}
    for who, page, value in ops:
        addr = bases[who] + page * PAGE + page  # a different byte in each page
        if value is None:
            assert k.load(procs[who], addr) == expected.get((who, page), 0)
        else:
            k.store(procs[who], addr, value)
            expected[(who, page)] = value
        _check_invariants(k)
