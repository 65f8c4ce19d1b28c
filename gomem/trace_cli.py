"""``gomem trace SIZE...``: allocate on a fresh heap and print each allocation's path.

Each SIZE may end in ``n`` for a pointer-free object (``24n``) and be repeated with
``xN`` (``16x600``).  Prints the runtime functions each allocation went through.
"""

from __future__ import annotations

import re

from gomem.events import classify
from gomem.heap import Heap

_SPEC = re.compile(r"^(\d+)(n?)(?:x(\d+))?$")


def parse(spec: str) -> tuple[int, bool, int]:
    m = _SPEC.match(spec)
    if not m:
        raise SystemExit(f"gomem trace: bad size {spec!r} (examples: 24, 24n, 16x600)")
    return int(m.group(1)), m.group(2) == "n", int(m.group(3) or 1)


def add_arguments(parser) -> None:
    parser.add_argument("sizes", nargs="+", metavar="SIZE", help="bytes, 'n' = pointer-free, 'xN' = repeat")
    parser.add_argument("--classic", action="store_true", help="GOEXPERIMENT=nogreenteagc layout")
    parser.add_argument("--quiet", action="store_true", help="only the path of each allocation")


def run(args) -> int:
    h = Heap(greenteagc=not args.classic)
    for spec in args.sizes:
        size, noscan, count = parse(spec)
        for i in range(count):
            addr, events = h.trace_malloc(size, noscan)
            print(f"malloc({size}{', noscan' if noscan else ''}) = {addr:#x}   [{classify(events)}]")
            if not args.quiet:
                for ev in events[1:]:
                    print(f"    {ev}")
    return 0
