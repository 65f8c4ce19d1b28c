"""``gomem sizeclasses``: the generated table, laid out like sizeclasses.go's comment.

Adds the model's ``nelems`` per span (pointerful / pointer-free) for the chosen GC mode,
which the runtime's own table does not show.
"""

from __future__ import annotations

from gomem.mheap import span_nelems
from gomem.sizeclasses import CLASSES


def format_table(greenteagc: bool = True) -> str:
    mode = "Green Tea GC" if greenteagc else "classic GC (nogreenteagc)"
    lines = [f"{'class':>5}  {'bytes/obj':>9}  {'bytes/span':>10}  {'objects':>7}  "
             f"{'tail waste':>10}  {'max waste':>9}  {'min align':>9}  "
             f"{'nelems scan':>11}  {'nelems noscan':>13}"]
    for r in CLASSES[1:]:
        lines.append(f"{r.sizeclass:>5}  {r.size:>9}  {r.span_bytes:>10}  {r.objects:>7}  "
                     f"{r.tail_waste:>10}  {100 * r.max_waste:>8.2f}%  {r.min_align:>9}  "
                     f"{span_nelems(r.sizeclass, False, greenteagc):>11}  "
                     f"{span_nelems(r.sizeclass, True, greenteagc):>13}")
    lines.append(f"nelems: objects per span as mheap.initSpan computes it ({mode})")
    return "\n".join(lines)


def add_arguments(parser) -> None:
    parser.add_argument("--classic", action="store_true", help="nelems for GOEXPERIMENT=nogreenteagc")


def run(args) -> int:
    print(format_table(greenteagc=not args.classic))
    return 0
