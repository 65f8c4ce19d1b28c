"""Record the real runtime's answers to every probe, in both GC modes, as test fixtures.

``python -m gomem.realgo.record [--out DIR] [--mode greentea|classic ...]`` builds the probe
per mode and writes ``DIR/<mode>.json`` (default DIR: ``gomem/realgo/recorded``) holding::

    {"mode", "info", "size_classes", "roundup", "nelems", "workloads", "elapsed_s"}

``size_classes`` is the toolchain's own table (``internal/runtime/gc/sizeclasses.go``) as rows
``[class, bytes/obj, pages/span, objects]``; ``roundup`` maps request size -> reserved bytes;
``nelems`` the probe's address-run lengths per class; ``workloads`` maps each name of
:func:`gomem.realgo.workloads.standard` to the probe's snapshots.  Before writing, the recorder
checks the probe's self-consistency (GC mode, runtime/metrics buckets = size classes, per-class
counts from runtime/metrics = MemStats.BySize and sum to Mallocs/Frees) and fails if it is off.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from gomem.realgo import workloads
from gomem.realgo.toolchain import MODES, _build_env, build_probe, find_toolchain, run_probe

RECORDED = Path(__file__).parent / "recorded"
_ROW = re.compile(r"^//\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+\d+\s+[\d.]+%\s+\d+\s*$")


def size_classes(go) -> list[list[int]]:
    """Rows ``[class, size, npages, objects]`` (classes 1..67) from the toolchain's source."""
    goroot = subprocess.run([str(go), "env", "GOROOT"], capture_output=True, text=True,
                            check=True, env=_build_env("")).stdout.strip()
    for rel in ("internal/runtime/gc/sizeclasses.go", "runtime/sizeclasses.go"):
        path = Path(goroot) / "src" / rel
        if path.is_file():
            rows = []
            for line in path.read_text().splitlines():
                m = _ROW.match(line)
                if m:
                    c, size, span, objs = map(int, m.groups())
                    rows.append([c, size, span // 8192, objs])
            if rows:
                return rows
    raise RuntimeError(f"no size class table under {goroot}/src")


def roundup_payload() -> dict:
    """Every request size 1..40000 (pointerful: multiples of 8) plus the large ones."""
    large = workloads.LARGE_SIZES
    return {"noscan": list(range(1, 40001)) + [s for s in large if s > 40000],
            "scan": list(range(8, 40001, 8)) + sorted({s - s % 8 for s in large if s - s % 8 > 40000})}


def nelems_payload(classes) -> dict:
    """Pointerful for every class, pointer-free for classes >= 2 (smaller ones go to tiny)."""
    return {"classes": [{"size": size, "npages": npages, "noscan": noscan}
                        for noscan in (False, True) for c, size, npages, _ in classes
                        if not (noscan and c < 2)]}


def check(mode: str, info: dict, classes, runs: dict) -> list[str]:
    """The probe's self-consistency problems (empty when everything checks out)."""
    problems = []
    if info["greenteagc"] != (mode == "greentea"):
        problems.append(f"{mode}: info says greenteagc={info['greenteagc']}")
    want = [1] + [size + 1 for _, size, _, _ in classes]
    if info.get("metrics_buckets") != want:
        problems.append(f"{mode}: runtime/metrics buckets are not the size classes")
    for name, res in runs.items():
        for snap in res["snapshots"]:
            where = f"{mode}/{name}/{snap['label']}"
            allc = snap.get("by_class_all")
            if allc is None:
                problems.append(f"{where}: no by_class_all")
                continue
            small = {k: v for k, v in allc.items() if 1 <= int(k) <= 60}
            if small != {k: v for k, v in snap["by_size"].items() if int(k) != 0}:
                problems.append(f"{where}: by_class_all != by_size for classes 1..60")
            mallocs = sum(v[0] for v in allc.values()) + snap["tiny_allocs"]
            frees = sum(v[1] for v in allc.values()) + snap["tiny_allocs"]
            if (mallocs, frees) != (snap["mallocs"], snap["frees"]):
                problems.append(f"{where}: by_class_all+tiny = {mallocs}/{frees} mallocs/frees, "
                                f"MemStats says {snap['mallocs']}/{snap['frees']}")
    return problems


def record_mode(mode: str, workdir: Path, go) -> dict:
    """Build the probe for ``mode`` and run every probe; the fixture document."""
    t0 = time.monotonic()
    probe = build_probe(mode, workdir, go=go)
    built = time.monotonic() - t0
    classes = size_classes(go)
    info = run_probe(probe, "info", {})
    roundup = run_probe(probe, "roundup", roundup_payload(), timeout=600)
    nelems = run_probe(probe, "nelems", nelems_payload(classes), timeout=600)["results"]
    runs = {w["name"]: run_probe(probe, "workload", w, timeout=600) for w in workloads.standard()}
    problems = check(mode, info, classes, runs)
    if problems:
        raise RuntimeError("probe self-check failed:\n  " + "\n  ".join(problems))
    return {"mode": mode, "goexperiment": MODES[mode], "info": info, "size_classes": classes,
            "roundup": roundup, "nelems": nelems,
            "workloads": {name: r["snapshots"] for name, r in runs.items()},
            "build_s": round(built, 1), "elapsed_s": round(time.monotonic() - t0, 1)}


def dumps(doc: dict) -> str:
    """Sorted, one entry per line, short lists of scalars kept on one line."""
    text = json.dumps(doc, sort_keys=True, indent=1)
    return re.sub(r"\[[^\[\]{}\"]*\]",
                  lambda m: json.dumps(json.loads(m.group(0)), separators=(",", ":")), text) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m gomem.realgo.record", description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=RECORDED, help="folder for <mode>.json")
    ap.add_argument("--mode", action="append", choices=sorted(MODES),
                    help="GC mode to record (repeatable; default both)")
    args = ap.parse_args(argv)
    tc = find_toolchain()
    print(f"toolchain: {tc.go} ({tc.version})")
    args.out.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="gomem-record-") as tmp:
        for mode in args.mode or ["greentea", "classic"]:
            doc = record_mode(mode, Path(tmp), tc.go)
            path = args.out / f"{mode}.json"
            path.write_text(dumps(doc))
            print(f"{mode}: {path} ({path.stat().st_size / 1e6:.2f} MB), build {doc['build_s']} s, "
                  f"total {doc['elapsed_s']} s")
    print(f"recorded in {time.monotonic() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
