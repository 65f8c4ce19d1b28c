"""``gomem bench [--short] [--json FILE] [--plot FILE]``: time the model beside the runtime."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from gomem.bench import cases

GOBENCH = Path(__file__).with_name("gobench.go")
MIB = 1 << 20


def go_timings(specs: list[dict]) -> tuple[str | None, dict]:
    """Build and run gobench.go on the same cases; (Go version, {name: ns}) or (None, {})."""
    from gomem.realgo.errors import RealGoError
    from gomem.realgo.toolchain import build_probe

    try:
        with tempfile.TemporaryDirectory(prefix="gomem-bench-") as tmp:
            binary = build_probe("greentea", tmp, source=GOBENCH)
            env = dict(os.environ, GOMAXPROCS="1")   # the model is single-threaded too
            env.pop("GOGC", None)
            res = subprocess.run([str(binary)], input=json.dumps({"cases": specs}), text=True,
                                 capture_output=True, env=env, timeout=600, check=True)
    except (RealGoError, subprocess.SubprocessError) as err:
        print(f"gomem bench: no Go timings ({err})", file=sys.stderr)
        return None, {}
    out = json.loads(res.stdout)
    return out["go_version"], out["ns_per_op"]


def run_cases(short: bool) -> dict:
    n = 20_000 if short else 200_000
    live = 20_000 if short else 200_000
    specs = [{"name": name, "kind": "malloc", "size": size, "noscan": noscan}
             for name, (size, noscan) in cases.MALLOC_CASES.items()]
    specs.append({"name": f"gc cycle, {live} live objects", "kind": "gc", "live": live})
    go_version, go = go_timings(specs)
    rows = []
    for name, (size, noscan) in cases.MALLOC_CASES.items():
        count = n if size < 32 << 10 else n // 20
        rows.append((name, cases.malloc_ns(size, noscan, count), go.get(name)))
    bulk_n = 10 * n
    rows.append((f"bulk replay {bulk_n} x 64 B scan", cases.bulk_ns(64, False, bulk_n),
                 go.get("malloc small 64 B scan")))
    rows.append((f"bulk replay {bulk_n} x 16 B scan", cases.bulk_ns(16, False, bulk_n),
                 go.get("malloc small 16 B scan")))
    gc_name = f"gc cycle, {live} live objects"
    rows.append((gc_name, cases.gc_ns(live), go.get(gc_name)))
    return {"go_version": go_version, "rows": rows}


def main_report(short: bool) -> dict:
    res = run_cases(short)
    heap_sizes = [1, 4, 16, 64] if short else [1, 4, 16, 64, 256, 1024]
    flat = cases.ns_vs_heap_size(heap_sizes)
    mem = cases.memory_for_heap((64 if short else 1024) * MIB)
    from gomem.bench.widgets import time_widgets
    notebooks = None
    if not short:
        root = Path(__file__).resolve().parents[2]
        notebooks = cases.nbval_vs_floor(sorted(str(p) for d in ("course", "solutions")
                                                for p in (root / d).glob("*.ipynb")), root)
    return {"widgets": time_widgets(moves=4 if short else 12), "notebooks": notebooks,
            "go_version": res["go_version"],
            "cases": [{"name": name, "gomem_ns_per_op": round(g, 1),
                       "go_ns_per_op": None if r is None else round(r, 1),
                       "ratio": None if not r else round(g / r, 1)} for name, g, r in res["rows"]],
            "ns_per_malloc_vs_heap_mib": [{"heap_mib": s, "ns": round(ns, 1),
                                           "ns_steady": round(steady, 1)}
                                          for s, ns, steady in flat],
            "memory": {**mem, "bytes_per_span": round(mem["rss_bytes"] / max(mem["spans"], 1), 1)}}


def print_report(rep: dict) -> None:
    print(f"real runtime: {rep['go_version'] or 'no Go toolchain found (pip install -e .[go])'}")
    print(f"{'case':<40} {'gomem ns/op':>12} {'Go ns/op':>10} {'gomem/Go':>9}")
    for c in rep["cases"]:
        go = "-" if c["go_ns_per_op"] is None else f"{c['go_ns_per_op']:.1f}"
        ratio = "-" if c["ratio"] is None else f"{c['ratio']:.1f}x"
        print(f"{c['name']:<40} {c['gomem_ns_per_op']:>12.1f} {go:>10} {ratio:>9}")
    pts = rep["ns_per_malloc_vs_heap_mib"]
    for key, what in (("ns", "as measured"), ("ns_steady", "at a steady machine speed")):
        print(f"ns per malloc(64) as the heap grows, {what}: " +
              ", ".join(f"{p['heap_mib']} MiB: {p[key]:.0f}" for p in pts) +
              f"  (max/min {max(p[key] for p in pts) / min(p[key] for p in pts):.2f})")
    m = rep["memory"]
    print(f"memory: {m['heap_inuse'] / MIB:.0f} MiB simulated heap ({m['spans']} spans) in "
          f"{m['rss_bytes'] / MIB:.1f} MiB of Python memory, {m['bytes_per_span']:.0f} B per span")
    nb = rep.get("notebooks")
    if nb:
        print(f"course + solutions under nbval: {nb['nbval_s']} s for {nb['notebooks']} notebooks; "
              f"floor (the same nbval run, one 'pass' cell per notebook) {nb['floor_s']} s; "
              f"ratio {nb['ratio']}x (target <= 1.5x); with only each notebook's import cell "
              f"{nb['setup_floor_s']} s (ratio {nb['ratio_to_setup']}x), so even lessons "
              f"whose other cells took no time would be at {nb['best_ratio']}x; fastest of "
              + ", ".join(f"{k} {v}" for k, v in nb["runs_s"].items()))
    print(f"{'widget update (recompute + redraw + PNG)':<44} {'median ms':>9} {'max ms':>8}")
    for w in rep["widgets"]:
        flag = "" if w["max_ms"] < 100 or "(long" in w["widget"] else "  > 100 ms"
        print(f"{w['widget']:<44} {w['median_ms']:>9.1f} {w['max_ms']:>8.1f}{flag}")


def add_arguments(parser) -> None:
    parser.add_argument("--short", action="store_true", help="small sizes, for CI (about a minute)")
    parser.add_argument("--json", type=Path, help="write the figures as JSON")
    parser.add_argument("--plot", type=Path, help="write the ns-per-malloc-vs-heap-size plot (PNG)")


def run(args) -> int:
    rep = main_report(args.short)
    print_report(rep)
    if args.json:
        args.json.write_text(json.dumps(rep, indent=1) + "\n")
    if args.plot:
        from gomem.viz.bench import plot_ns_vs_heap
        go64 = next((c["go_ns_per_op"] for c in rep["cases"] if c["name"] == "malloc small 64 B scan"), None)
        plot_ns_vs_heap([(p["heap_mib"], p["ns"], p["ns_steady"])
                         for p in rep["ns_per_malloc_vs_heap_mib"]], go64).savefig(args.plot, dpi=110)
    return 0
