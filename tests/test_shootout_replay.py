"""Lesson 09: replaying traces on Go's heap and on the free list; metrics; the CLI."""

import argparse
import io
import json

import pytest

from gomem.errors import ConfigError
from gomem.shootout import (SHAPES, GoAllocator, compare, format_table, generate, nextslicecap,
                            parse_trace, replay, table_html)
from gomem.shootout import cli
from gomem.shootout.replay import PARTS
from gomem.sizeclasses import PAGE_SIZE, roundupsize


def trace(*lines, ids=4):
    ops = [l for l in lines]
    return parse_trace("\n".join(["0", str(ids), str(len(ops)), "1"] + ops), "hand")


def apply(g, op):
    kind, i, size = op
    if kind == "a":
        g.alloc(i, size)
    elif kind == "f":
        g.free(i)
    else:
        g.realloc(i, size)


# --- known answers on tiny traces ------------------------------------------------------

def test_one_object_first_fit():
    r = replay(trace("a 0 100", "f 0"), "first-fit")
    assert (r.peak_payload, r.peak_heap) == (100, 16 + 4096)
    assert r.at_peak == {"payload": 100, "internal": 12, "garbage": 0, "free": 4096 - 112,
                         "overhead": 16, "idle": 0, "op": 1}
    assert r.utilisation == 100 / 4112 and r.gcs == 0
    assert r.internal_fragmentation == 12 / 112 and r.external_fragmentation == 3984 / 4112
    assert r.share("overhead") == 16 / 4112 and r.examined_per_malloc == 0   # empty free list


def test_one_object_go_pointer_free_and_pointerful():
    r = replay(trace("a 0 100", "f 0"), "go")
    # 112-byte class, one 8 KiB span; Green Tea keeps 128 B of inline mark bits -> 72 slots
    assert r.peak_heap == PAGE_SIZE
    assert r.at_peak == {"payload": 100, "internal": 12, "garbage": 0, "free": 71 * 112,
                         "overhead": PAGE_SIZE - 72 * 112, "idle": 0, "op": 1}
    p = replay(trace("a 0 100"), "go", noscan=False)      # + 128 B of heap bits -> 70 slots
    assert p.at_peak["overhead"] == PAGE_SIZE - 70 * 112 and p.at_peak["free"] == 69 * 112


def test_tiny_objects_share_a_block():
    g = GoAllocator()
    for i in range(3):
        g.alloc(i, 5)
    assert (g.live_slot, g.alloc_slot) == (16, 16)          # three 5-byte objects, one block
    assert g.breakdown(15)["internal"] == 1
    g.free(0), g.free(1)
    assert g.live_slot == 16                                 # id 2 keeps the block alive
    g.free(2)
    assert g.breakdown(0)["garbage"] == 16                   # until a GC sweeps it
    g.collect()
    assert (g.alloc_slot, g.breakdown(0)["garbage"]) == (0, 0)


def test_gc_runs_when_the_heap_doubles():
    g = GoAllocator(gogc=100, min_heap=0)
    t = trace("a 0 100", "f 0", "a 1 100", "a 2 100")
    apply(g, t.ops[0])
    assert g.maybe_collect() and g.gcs == 1 and g.goal == 224      # marked 112 -> goal 2x
    apply(g, t.ops[1])
    assert not g.maybe_collect()
    apply(g, t.ops[2])                                       # 224 allocated: the goal
    assert g.maybe_collect() and g.gcs == 2
    assert g.alloc_slot == 112 and g.goal == 224             # id 0 was collected
    g.h.find_object(g.addr[1])


def test_heap_minimum_scales_with_gogc():
    assert GoAllocator(gogc=100).goal == 64 << 10
    assert GoAllocator(gogc=50, min_heap=4 << 20).goal == 2 << 20
    with pytest.raises(ConfigError):
        GoAllocator(gogc=0)
    with pytest.raises(ConfigError):
        GoAllocator(growth="double")


def test_nextslicecap_matches_go():
    # doubling below 256 elements, unless the new length is beyond double
    assert [nextslicecap(n, c) for n, c in ((5, 4), (9, 4), (300, 256), (1, 0))] == [8, 9, 512, 1]
    # 1.25x (+192) from 256: 512 -> 512 + (512+768)/4 = 832 -> 832 + 400 = 1232
    assert nextslicecap(600, 512) == 832
    assert nextslicecap(1000, 512) == 1232


def test_realloc_is_append():
    g = GoAllocator()
    g.alloc(0, 10)                                           # make([]byte, 10): cap 10
    first = g.addr[0]
    g.realloc(0, 9)                                          # shrinks: same array
    assert g.addr[0] == first and g.cap[0] == 10
    g.realloc(0, 12)                                         # growslice: cap 20 -> 24 B class
    assert g.cap[0] == roundupsize(20, True) == 24 and g.addr[0] != first
    second = g.addr[0]
    g.realloc(0, 24)                                         # fits the capacity: in place
    assert g.addr[0] == second
    g.realloc(0, 30)
    assert g.cap[0] == 48
    e = GoAllocator(growth="exact")
    e.alloc(0, 10)
    e.realloc(0, 12)
    assert e.cap[0] == 12


# --- invariants on real traces ----------------------------------------------------------

@pytest.mark.parametrize("shape", list(SHAPES))
@pytest.mark.parametrize("noscan", [True, False])
def test_go_replay_keeps_live_ids_live_and_counts_exact(shape, noscan):
    t = generate(shape, 1500, 5)
    g = GoAllocator(min_heap=8 << 10, noscan=noscan)
    for k, op in enumerate(t.ops):
        apply(g, op)
        if k % 50 == 0:
            counted = (g.alloc_slot, g.overhead)
            g.recount()
            assert (g.alloc_slot, g.overhead) == counted
        g.maybe_collect()
        if k % 250 == 0:
            for i, addr in g.addr.items():
                obj = g.h.find_object(addr)                  # every live id is live
                assert obj.addr == g.slot[i][0]
            g.h.check()
    assert g.gcs > 0
    live = {o.addr for o in g.h.objects()}
    assert {key for key, _ in g.slot.values()} <= live


@pytest.mark.parametrize("shape", list(SHAPES))
def test_breakdown_sums_to_the_peak(shape):
    for r in compare(generate(shape, 1200, 2)):
        assert sum(r.at_peak[p] for p in PARTS) == r.peak_heap
        assert all(r.at_peak[p] >= 0 for p in PARTS)
        assert 0 < r.utilisation <= 1 and r.footprint_utilisation <= r.utilisation
        assert r.peak_payload == generate(shape, 1200, 2).suggested_heap
        assert r.samples[0].op == 0 and r.samples[-1].op == 1200
        assert max(s.heap for s in r.samples) == r.peak_heap   # the peak is drawn
        if r.policy != "go":
            assert r.at_peak["garbage"] == 0 and r.gcs == 0


def test_progress_hook_counts_to_the_end():
    seen = []
    compare(generate("small", 1000, 0), progress=lambda d, n: seen.append((d, n)))
    assert seen[-1] == (3000, 3000)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen) and len(seen) >= 100


def test_empty_trace_replays_to_nothing():
    empty = parse_trace("0\n1\n0\n1\n")
    go, ff = replay(empty, "go"), replay(empty, "first-fit")
    assert (go.peak_heap, go.utilisation, go.ops) == (0, 0.0, 0)
    assert (ff.peak_heap, ff.peak_payload, ff.utilisation) == (16, 0, 0.0)


def test_replay_rejects_bad_input():
    with pytest.raises(ConfigError):
        replay("a 0 8", "go")
    with pytest.raises(ConfigError, match="unknown policy"):
        replay(trace("a 0 8"), "next-fit")


def test_tables():
    rs = compare(generate("bimodal", 500, 0))
    text = format_table(rs, ops_per_s=False)
    assert text.splitlines()[0].split()[:3] == ["trace", "allocator", "util"]
    assert "ops/s" not in text and "Go GOGC=100" in text and "0 (O(1))" in text
    assert "ops/s" in format_table(rs) and table_html(rs).count("<tr>") == 4


# --- the CLI ---------------------------------------------------------------------------------

def run_cli(*argv):
    p = argparse.ArgumentParser()
    cli.add_arguments(p)
    return cli.run(p.parse_args(list(argv)))


def test_cli_generates_replays_and_writes_json(capsys, tmp_path):
    out = tmp_path / "r.json"
    assert run_cli("--shape", "small", "--ops", "400", "--seed", "2", "--policy", "go",
                   "first-fit", "--no-progress", "--json", str(out)) == 0
    text = capsys.readouterr().out
    assert text.startswith("ARG shape small ops 400 seed 2")
    assert "small-400-s2" in text and "first-fit" in text
    data = json.loads(out.read_text())
    assert [d["policy"] for d in data] == ["go", "first-fit"]


def test_cli_writes_and_reads_trace_files(capsys, tmp_path):
    f = tmp_path / "g.rep"
    assert run_cli("--shape", "growing", "--ops", "300", "--write-trace", str(f)) == 0
    assert parse_trace(f.read_text()).ops == generate("growing", 300, 0).ops
    assert run_cli("--trace", str(f), "--policy", "best-fit", "--progress") == 0
    captured = capsys.readouterr()
    assert "g.rep" in captured.out and "100%" in captured.err
    f.write_text("1\n1\n1\n1\nf 0\n")
    assert run_cli("--trace", str(f)) == 1
    assert "free of id 0" in capsys.readouterr().err


def test_text_progress_bar():
    s = io.StringIO()
    bar = cli.text_progress(s, width=10)
    for d in range(0, 101, 5):
        bar(d, 100)
    assert s.getvalue().endswith("[##########] 100%\n") and s.getvalue().count("\r") == 21


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_replays_on_the_fast_free_list_equal_replays_on_the_readable_one(shape, monkeypatch):
    import importlib

    from gomem.shootout.freelist import FreeListAllocator

    rp = importlib.import_module("gomem.shootout.replay")   # the package exports a function

    traces = [generate(shape, n, seed) for seed in range(6) for n in (300, 1500)]
    fast = [replay(t, p) for t in traces for p in ("first-fit", "best-fit")]
    monkeypatch.setattr(rp, "FastFreeListAllocator", FreeListAllocator)
    readable = [replay(t, p) for t in traces for p in ("first-fit", "best-fit")]
    for a, b in zip(fast, readable):
        assert a._replace(seconds=0) == b._replace(seconds=0)
