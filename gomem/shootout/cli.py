"""``gomem shootout``: replay traces through Go's size classes and free-list allocators.

Examples::

    gomem shootout                                  # every shape, 5000 ops, seed 0
    gomem shootout --shape server --ops 50000 --seed 3 --policy go first-fit
    gomem shootout --trace my.rep                   # a malloc-lab trace file
    gomem shootout --shape bimodal --write-trace bimodal.rep   # just write the trace

The first line echoes the arguments and seed, so any output says how to reproduce it.
A text progress bar goes to stderr (when it is a terminal, or with ``--progress``).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from gomem.errors import GoMemError
from gomem.shootout.generate import SHAPES, generate
from gomem.shootout.goreplay import DEFAULT_MIN_HEAP
from gomem.shootout.replay import POLICIES, compare, format_table
from gomem.shootout.trace import parse_trace, write_trace


def text_progress(stream=None, width: int = 30, label: str = ""):
    """A ``progress(done, total)`` callback drawing ``[#####.....]  50%`` on ``stream``
    (default: ``sys.stderr`` at the time of the call)."""
    shown = [-1]
    stream = stream or sys.stderr

    def progress(done: int, total: int) -> None:
        pct = 100 * done // max(total, 1)
        if pct == shown[0]:
            return                       # redraw only when the percentage moves
        shown[0] = pct
        n = width * done // total if total else width
        stream.write(f"\r{label}[{'#' * n}{'.' * (width - n)}] {pct:3d}%")
        if done >= total:
            stream.write("\n")
        stream.flush()
    return progress


def add_arguments(parser) -> None:
    parser.add_argument("--shape", nargs="+", choices=list(SHAPES), default=None,
                        help="trace shapes to generate (default: all)")
    parser.add_argument("--ops", type=int, default=5000, help="operations per generated trace")
    parser.add_argument("--seed", type=int, default=0, help="generator seed")
    parser.add_argument("--trace", nargs="+", type=Path, default=(), metavar="FILE",
                        help="replay malloc-lab trace files instead of generating")
    parser.add_argument("--policy", nargs="+", choices=POLICIES, default=list(POLICIES))
    parser.add_argument("--gogc", type=int, default=100, help="GOGC for the Go replay")
    parser.add_argument("--min-heap", type=int, default=DEFAULT_MIN_HEAP,
                        help="heap floor before the first GC, bytes (runtime: 4194304)")
    parser.add_argument("--pointers", action="store_true",
                        help="Go objects have pointers (default: pointer-free []byte)")
    parser.add_argument("--write-trace", type=Path, metavar="FILE",
                        help="write the generated trace (one --shape) and exit")
    parser.add_argument("--json", type=Path, metavar="FILE", help="also write results as JSON")
    bar = parser.add_mutually_exclusive_group()
    bar.add_argument("--progress", dest="progress", action="store_true", default=None)
    bar.add_argument("--no-progress", dest="progress", action="store_false")


def _traces(args):
    if args.trace:
        return [parse_trace(p.read_text(), p.name) for p in args.trace]
    return [generate(shape, args.ops, args.seed) for shape in (args.shape or list(SHAPES))]


def run(args) -> int:
    shapes = args.shape or list(SHAPES)
    print(f"ARG shape {' '.join(shapes) if not args.trace else '-'} ops {args.ops} seed {args.seed} "
          f"trace {' '.join(map(str, args.trace)) or '-'} policy {' '.join(args.policy)} "
          f"gogc {args.gogc} min_heap {args.min_heap} pointers {args.pointers}")
    try:
        traces = _traces(args)
        if args.write_trace:
            if len(traces) != 1:
                print("gomem shootout: --write-trace needs exactly one --shape", file=sys.stderr)
                return 2
            args.write_trace.write_text(write_trace(traces[0]))
            print(f"wrote {traces[0].describe()} to {args.write_trace}")
            return 0
        show = sys.stderr.isatty() if args.progress is None else args.progress
        go = {"gogc": args.gogc, "min_heap": args.min_heap, "noscan": not args.pointers}
        results = []
        for t in traces:
            bar = text_progress(label=f"{t.name:<20} ") if show else None
            results += compare(t, args.policy, progress=bar, go_options=go)
    except (GoMemError, OSError) as err:
        print(f"gomem shootout: {err}", file=sys.stderr)
        return 1
    print(format_table(results))
    if args.json:
        args.json.write_text(json.dumps([
            {"trace": r.trace, "policy": r.policy, "label": r.label, "ops": r.ops,
             "peak_payload": r.peak_payload, "peak_heap": r.peak_heap,
             "peak_footprint": r.peak_footprint, "utilisation": r.utilisation,
             "footprint_utilisation": r.footprint_utilisation, "at_peak": r.at_peak,
             "gcs": r.gcs, "seconds": r.seconds, "ops_per_s": r.ops_per_s} for r in results],
            indent=1))
    return 0
