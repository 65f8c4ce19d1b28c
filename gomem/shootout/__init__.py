"""The allocator shoot-out: Go's size classes against a classic free-list allocator.

Lesson 09 replays malloc/free traces (the CS:APP malloc-lab format) through two kinds
of allocator and measures what each costs:

- :mod:`gomem.shootout.trace` parses and writes the trace format, checking it;
- :mod:`gomem.shootout.generate` makes seeded traces of four shapes;
- :mod:`gomem.shootout.freelist` is a first-fit / best-fit free-list allocator with
  boundary tags, splitting and coalescing (CS:APP 9.9);
- :mod:`gomem.shootout.goreplay` maps frees onto Go (unreachable until a GC, which a
  GOGC pacer starts) and reallocs onto ``append``;
- :mod:`gomem.shootout.replay` drives a trace through either and measures
  utilisation, the heap's breakdown at its peak (fragmentation), and operations/s.

Model layer only: no Jupyter or plotting imports.
"""

from gomem.shootout.freelist import FreeListAllocator
from gomem.shootout.generate import SHAPES, generate, peak_payload
from gomem.shootout.goreplay import GoAllocator, nextslicecap
from gomem.shootout.replay import (PARTS, POLICIES, ReplayResult, compare, format_table, replay,
                                   table_html)
from gomem.shootout.trace import Op, Trace, TraceError, parse_trace, write_trace

__all__ = ["FreeListAllocator", "GoAllocator", "SHAPES", "generate", "peak_payload",
           "nextslicecap", "PARTS", "POLICIES", "ReplayResult", "compare", "format_table",
           "replay", "table_html", "Op", "Trace", "TraceError", "parse_trace", "write_trace"]
