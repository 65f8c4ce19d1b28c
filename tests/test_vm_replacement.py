"""Replacement policies against textbook results and the stack property."""

import pickle

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gomem.errors import ConfigError
from gomem.vm import (BELADY, POLICIES, TLB, fault_curve, make_policy, simulate,
                      working_set_trace)
from gomem.vm.replacement import simulate_many


def test_belady_anomaly_fifo():
    assert simulate(BELADY, 3, "fifo").faults == 9
    assert simulate(BELADY, 4, "fifo").faults == 10  # more frames, more faults


def test_textbook_counts_for_other_policies():
    assert fault_curve(BELADY, [3, 4], "lru") == [10, 8]
    assert fault_curve(BELADY, [3, 4], "opt") == [7, 6]
    assert fault_curve(BELADY, [1, 5], "clock") == [12, 5]


def test_clock_gives_second_chances():
    # 1,2,3 fill with their reference bits set: the hand clears 1,2,3, wraps and evicts 1
    st_ = simulate([1, 2, 3, 4], 3, "clock", record=True)
    assert st_.history[-1][2] == 1
    # after 4 replaced 1, only 4 has its bit set: 5 evicts 2 without a full sweep
    st_ = simulate([1, 2, 3, 4, 5], 3, "clock", record=True)
    assert st_.history[-1][2] == 2


def test_history_records_hits_victims_and_residents():
    h = simulate([1, 2, 1, 3], 2, "lru", record=True).history
    assert h == [(1, False, None, (1,)), (2, False, None, (1, 2)), (1, True, None, (1, 2)),
                 (3, False, 2, (1, 3))]


def test_dirty_pages_cost_write_backs():
    refs = [1, 2, 3, 1, 2, 3]
    s = simulate(refs, 2, "fifo", writes=[True, False, False, False, False, False])
    assert (s.faults, s.evictions, s.writebacks) == (6, 4, 1)
    assert simulate(refs, 2, "fifo").writebacks == 0


refs_strategy = st.lists(st.integers(0, 7), min_size=1, max_size=40)


@settings(max_examples=200, deadline=None)
@given(refs=refs_strategy, frames=st.integers(1, 7))
@pytest.mark.parametrize("policy", ["lru", "opt"])
def test_stack_policies_never_worse_with_more_frames(policy, refs, frames):
    assert simulate(refs, frames + 1, policy).faults <= simulate(refs, frames, policy).faults


@settings(max_examples=200, deadline=None)
@given(refs=refs_strategy, frames=st.integers(1, 7))
def test_opt_is_a_lower_bound(refs, frames):
    opt = simulate(refs, frames, "opt").faults
    for policy in ("fifo", "lru", "clock"):
        assert opt <= simulate(refs, frames, policy).faults


@settings(max_examples=100, deadline=None)
@given(refs=refs_strategy, frames=st.integers(1, 7), policy=st.sampled_from(POLICIES))
def test_counts_are_consistent(refs, frames, policy):
    s = simulate(refs, frames, policy)
    distinct = len(set(refs))
    assert s.hits + s.faults == s.refs == len(refs)
    assert s.faults >= distinct  # every page faults at least once
    assert s.evictions == s.faults - min(distinct, frames)  # no eviction until full
    if frames >= distinct:
        assert s.faults == distinct and s.evictions == 0


@settings(max_examples=300, deadline=None)
@given(refs=st.lists(st.integers(0, 11), max_size=60), data=st.data(),
       policy=st.sampled_from(POLICIES))
def test_simulate_many_counts_as_simulate(refs, data, policy):
    writes = data.draw(st.lists(st.booleans(), min_size=len(refs), max_size=len(refs)))
    frames_list = list(range(1, 14))
    assert simulate_many(refs, frames_list, policy, writes) == \
        [simulate(refs, f, policy, writes) for f in frames_list]
    assert simulate_many(refs, frames_list, policy) == \
        [simulate(refs, f, policy) for f in frames_list]


@pytest.mark.parametrize("policy", POLICIES)
def test_simulate_many_on_the_lessons_traces(policy):
    import random
    frames_list = list(range(1, 50, 3))
    for seed, working_set in ((0, 4), (1, 24), (2, 40)):
        pages, writes = working_set_trace(random.Random(seed), 1500, working_set)
        assert simulate_many(pages, frames_list, policy, writes) == \
            [simulate(pages, f, policy, writes) for f in frames_list]


@pytest.mark.parametrize("call", [
    lambda: simulate_many(BELADY, [3, 0]),
    lambda: simulate_many(BELADY, [3], "random"),
    lambda: simulate_many(BELADY, [3], "lru", writes=[True]),
    lambda: simulate(BELADY, 0),
    lambda: simulate(BELADY, True),
    lambda: simulate(BELADY, 3, "random"),
    lambda: simulate(BELADY, 3, "lru", writes=[True]),
    lambda: make_policy("opt"),
    lambda: TLB(0),
    lambda: TLB(4, "mru"),
    lambda: TLB(4, "random"),
])
def test_bad_configurations(call):
    with pytest.raises(ConfigError):
        call()


def test_tlb_counts_and_replacement():
    import random
    for policy, kept in (("lru", {1, 3}), ("fifo", {2, 3})):
        t = TLB(2, policy)
        t.insert(0, 1, 10)
        t.insert(0, 2, 20)
        assert t.lookup(0, 1) == 10  # LRU now keeps 1
        t.insert(0, 3, 30)
        assert {vpn for _, vpn in t.entries} == kept
        assert t.lookup(0, 9) is None and (t.hits, t.misses) == (1, 1)
    t = TLB(2, "random", random.Random(1))
    for v in range(5):
        t.insert(7, v, v)
    assert len(t.entries) == 2 and t.lookup(8, 4) is None  # entries are tagged by pid
    before = pickle.dumps(t)
    with pytest.raises(ConfigError):
        TLB(2, "random")
    assert pickle.dumps(t) == before
