"""Random malloc / drop / GC / ReadMemStats sequences; every invariant holds after each step."""

from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule, run_state_machine_as_test

from gomem import Heap
from gomem.malloc import ZEROBASE

STEPS = {"n": 0}

sizes = st.one_of(st.integers(0, 15), st.integers(16, 600), st.integers(600, 33_000),
                  st.integers(32_761, 300_000))


class HeapMachine(RuleBasedStateMachine):
    @initialize(procs=st.integers(1, 3), greentea=st.booleans())
    def start(self, procs, greentea):
        self.h = Heap(gomaxprocs=procs, greenteagc=greentea)
        self.live: list[int] = []

    @rule(size=sizes, noscan=st.booleans(), p=st.integers(0, 2))
    def malloc(self, size, noscan, p):
        p %= self.h.gomaxprocs
        if not noscan:
            size -= size % 8
        addr = self.h.malloc(size, noscan=noscan, p=p)
        if size == 0:
            assert addr == ZEROBASE
            return
        obj = self.h.find_object(addr)
        assert obj.addr <= addr and addr + size <= obj.addr + obj.elemsize
        if not (noscan and size < 16):   # tiny sub-objects share a block; others never overlap
            assert all(self.h.find_object(a).addr != obj.addr for a in self.live
                       if self.h.find_object(a).span.spanclass != 5)
        self.live.append(addr)

    @rule(keep=st.lists(st.booleans(), min_size=1))
    def drop(self, keep):
        self.live = [a for i, a in enumerate(self.live) if keep[i % len(keep)]]

    @rule(lazy=st.booleans())
    def gc(self, lazy):
        self.h.gc(live=self.live, sweep="lazy" if lazy else "full")
        if not lazy:
            st_ = self.h.read_mem_stats()
            objs = {self.h.find_object(a).addr: self.h.find_object(a).elemsize for a in self.live}
            assert st_.heap_alloc == sum(objs.values())
            assert st_.heap_objects - st_.mallocs + st_.frees == 0
            assert st_.heap_objects >= len(objs)   # tiny sub-objects count one each

    @rule()
    def read_mem_stats(self):
        st_ = self.h.read_mem_stats()
        assert st_.heap_objects == st_.mallocs - st_.frees >= 0
        assert st_.heap_sys == st_.heap_inuse + st_.heap_idle

    @rule()
    def sweep_one(self):
        self.h.sweep_one()

    @invariant()
    def consistent(self):
        STEPS["n"] += 1
        self.h.check()
        for a in self.live:
            self.h.find_object(a)


def test_random_allocation_sequences_keep_every_invariant():
    STEPS["n"] = 0
    run_state_machine_as_test(HeapMachine, settings=settings(
        max_examples=250, stateful_step_count=50, deadline=None,
        suppress_health_check=list(HealthCheck)))
    print(f"state machine: {STEPS['n']} checked steps")
    assert STEPS["n"] >= 10_000
