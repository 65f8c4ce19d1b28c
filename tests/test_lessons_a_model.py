"""Model-layer helpers of lessons 03/04: contention counts, makeClasses replay, placements."""

import random

import pytest

import gomem
from gomem import contention
from gomem.course import growth, layout, makeclasses
from gomem.errors import BadSizeError, ConfigError
from gomem.sizeclasses import CLASS_TO_SIZE, PAGE_SIZE


def test_one_global_lock_is_one_per_allocation():
    r = contention.simulate(1, "small structs", 1500, random.Random(0))
    k = r.per_1000()
    assert r.global_lock == 1500 and k["one global lock"] == 1000 and k["mcache"] == 0
    assert r.gcs == 1 and r.refills > 0
    assert k["mheap lock"] < 10 and k["mcentral span-set ops"] < 50   # far below 1000


def test_lock_counts_grow_with_gomaxprocs():
    runs = contention.sweep_gomaxprocs([1, 4, 16], "small structs", 2000, 3)
    ops = [r.mcentral_ops for r in runs]
    refills = [r.refills for r in runs]
    assert ops == sorted(ops) and ops[-1] > 5 * ops[0]
    assert refills == sorted(refills)
    assert runs[-1].mheap_lock > runs[0].mheap_lock
    assert all(r.per_1000()["mheap lock"] < 100 for r in runs)


def test_simulation_is_deterministic_and_matches_the_demo():
    d = contention.DEMO
    a = contention.simulate(d["gomaxprocs"], d["mix"], d["n_allocs"], random.Random(d["seed"]))
    b = contention.simulate(d["gomaxprocs"], d["mix"], d["n_allocs"], random.Random(d["seed"]))
    assert a == b
    assert (a.allocs, a.mheap_lock, a.mcentral_ops, a.refills) == (2000, 6, 96, 48)


def test_large_objects_bring_the_heap_lock_back():
    small = contention.simulate(2, "small structs", 1000, random.Random(1))
    mixed = contention.simulate(2, "mixed, some large", 1000, random.Random(1))
    assert mixed.mheap_lock > 10 * small.mheap_lock


def test_bad_simulation_input():
    with pytest.raises(ConfigError):
        contention.simulate(1, "no such mix", 10, random.Random(0))
    with pytest.raises(ConfigError):
        contention.simulate(0, "small structs", 10, random.Random(0))


def test_make_classes_replay_matches_the_generator():
    assert makeclasses.replay() == gomem.make_classes()
    steps = {s.size: s for s in makeclasses.walk()}
    assert steps[1024].decision.startswith("replaces class 32")
    assert steps[8448].npages == 7 and steps[8448].tail == 6656
    assert [p for p, _ in steps[8448].tries] == list(range(1, 8))
    assert all(t <= p * PAGE_SIZE // 8 for p, t in [steps[8448].tries[-1]])
    assert (52, 8448, 9472) in makeclasses.final_pass(makeclasses.first_pass_classes())
    assert makeclasses.tail_rule(24) == (1, ((1, 8),))


@pytest.mark.parametrize("size,noscan,cls,slot,header,nelems,path", [
    (5, True, 2, 16, 0, 504, "tiny"),
    (8, False, 1, 8, 0, 1008, "small"),
    (24, False, 3, 24, 0, 330, "small"),
    (100, True, 9, 112, 0, 72, "small"),
    (512, False, 26, 512, 0, 15, "small"),
    (1024, False, 33, 1152, 8, 7, "small"),
    (1024, True, 32, 1024, 0, 8, "small"),
    (32760, True, 67, 32768, 0, 1, "small"),
    (32761, True, 0, 32768, 0, 1, "large"),
])
def test_place(size, noscan, cls, slot, header, nelems, path):
    p = layout.place(size, noscan)
    assert (p.sizeclass, p.slot, p.header, p.nelems, p.path) == (cls, slot, header, nelems, path)
    assert sum(n for _, n, _ in p.segments()) == p.span_bytes and p.tail >= 0
    if path != "tiny":
        h = gomem.Heap()
        s = h.span_of(h.malloc(size, noscan=noscan))
        assert (s.elemsize, s.nelems, s.npages) == (p.slot, p.nelems, p.npages)


def test_place_classic_gc_and_reserves():
    p = layout.place(24, noscan=False, greenteagc=False)
    assert p.nelems == 336 and p.inline_marks == 0 and p.heap_bits == 128
    g = layout.place(24, noscan=False)
    assert (g.inline_marks, g.heap_bits, g.tail) == (128, 128, 16)
    with pytest.raises(BadSizeError):
        layout.place(0)


def test_waste_curve_and_corners():
    xs, pct = layout.waste_curve(1, 2048, noscan=True)
    assert len(xs) == 2048 and pct[100 - 1] == pytest.approx(100 * 12 / 112)
    assert all(p == 0 for x, p in zip(xs, pct) if x in CLASS_TO_SIZE and x >= 16)
    assert pct[8 - 1] == 50  # 8 B without pointers is a tiny request: half a 16-byte block
    cx, cy = layout.corners(xs, pct)
    assert len(cx) < len(xs) // 10 and cx[0] == 1 and cx[-1] == 2048
    for x in range(1, 2049, 37):       # the reduced curve is the same piecewise-linear curve
        i = max(j for j, c in enumerate(cx) if c <= x)
        if cx[i] == x:
            assert cy[i] == pytest.approx(pct[x - 1])
        else:
            t = (x - cx[i]) / (cx[i + 1] - cx[i])
            assert cy[i] + t * (cy[i + 1] - cy[i]) == pytest.approx(pct[x - 1])


def test_heap_grows_in_4_mib_chunks():
    samples = growth.heap_growth(random.Random(3), 3000)
    sys = [s.heap_sys for s in samples]
    assert sys == sorted(sys) and all(v % (4 << 20) == 0 for v in sys)
    assert all(s.heap_inuse <= s.heap_sys for s in samples)
    assert samples[-1].arenas == 1 and samples[-1].requested > 15 << 20
