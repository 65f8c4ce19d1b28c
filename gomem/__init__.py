"""gomem: a faithful Python model of Go's memory allocator (go1.27), for teaching.

Start here::

    import gomem
    gomem.roundupsize(1024, noscan=False)   # 1144: bytes the runtime reserves (Go's contract)
    gomem.size_to_class(24)                 # 3; 0 means a large object
    h = gomem.Heap(gomaxprocs=1, greenteagc=True)
    addr = h.malloc(24)                     # pointerful 24-byte object on P 0
    h.gc(live=[addr])                       # mark from these, sweep the rest
    h.read_mem_stats()                      # runtime.ReadMemStats
    h.span_of(addr); h.check(); h.trace_malloc(24)

Each module models one file of the runtime; its docstring names the file and says what
the model leaves out.  The model layer imports no Jupyter or plotting code.
"""

from gomem.errors import (BadPError, BadPointerError, BadSizeError, ConfigError, GoMemError,
                          HeapCorruptionError, OutOfMemoryError, SegmentationFault)
from gomem.events import Event, EventLog
from gomem.heap import Heap, HeapObject
from gomem.mheap import span_nelems
from gomem.mspan import MSpan
from gomem.mstats import MemStats
from gomem.sizeclasses import CLASSES, SizeClass, make_classes, roundupsize, size_to_class

__all__ = [
    "Heap", "HeapObject", "MSpan", "MemStats", "Event", "EventLog",
    "roundupsize", "size_to_class", "make_classes", "span_nelems", "CLASSES", "SizeClass",
    "GoMemError", "BadSizeError", "OutOfMemoryError", "BadPointerError", "BadPError",
    "HeapCorruptionError", "ConfigError", "SegmentationFault",
]
