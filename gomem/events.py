"""The event log: which runtime functions an allocation went through.

Lessons and widgets show the path an allocation takes — ``nextFreeFast`` hit, or
``mcache.nextFree`` -> ``mcache.refill`` -> ``mcentral.cacheSpan`` -> ``mheap.alloc`` ->
``mheap.grow`` — using the runtime's own function names.  Recording is off by default
and costs one attribute test per call site when off.
"""

from __future__ import annotations

from collections import Counter
from typing import NamedTuple


class Event(NamedTuple):
    """One call the model made, named like the Go function (``mcache.refill``)."""

    func: str
    detail: str = ""

    def __str__(self) -> str:
        return f"{self.func}({self.detail})" if self.detail else self.func


class EventLog:
    """Events in call order; each ``mallocgc`` event starts a new allocation."""

    def __init__(self):
        self.on = False
        self.events: list[Event] = []

    def emit(self, func: str, detail: str = "") -> None:
        self.events.append(Event(func, detail))

    def clear(self) -> None:
        self.events.clear()

    def allocations(self, start: int = 0) -> list[list[Event]]:
        """The events from ``events[start]`` on, split per allocation (events before the
        first mallocgc are dropped)."""
        groups: list[list[Event]] = []
        for ev in self.events[start:]:
            if ev.func == "mallocgc":
                groups.append([ev])
            elif groups:
                groups[-1].append(ev)
        return groups

    def path_counts(self, start: int = 0) -> Counter:
        """How many allocations took each path (see :func:`classify`); from ``start``: of
        the allocations logged from ``events[start]`` on."""
        return Counter(classify(group) for group in self.allocations(start))


# The paths, cheapest first; classify() returns the most expensive step an allocation hit.
PATHS = (
    "zerobase",                 # size 0: no memory at all
    "tiny block",               # fits in the P's current 16-byte tiny block
    "nextFreeFast",             # a free slot in the 64-slot alloc_cache of the cached span
    "nextFreeIndex",            # scanned alloc_bits past the cache, same span
    "mcentral.cacheSpan",       # mcache.refill got a span with free slots from mcentral
    "mheap.alloc",              # mcentral.grow: a new span from the page allocator
    "mheap.grow",               # the heap had to map more memory from the OS first
    "large",                    # > 32760 B: its own span straight from mheap (may grow it)
)


def classify(group: list[Event]) -> str:
    """The path of one allocation: the deepest of :data:`PATHS` its events reach."""
    funcs = {ev.func for ev in group}
    if "mcache.allocLarge" in funcs:
        return "large"
    if "mheap.grow" in funcs:
        return "mheap.grow"
    if "mcentral.grow" in funcs:
        return "mheap.alloc"
    if "mcentral.cacheSpan" in funcs:
        return "mcentral.cacheSpan"
    if "mspan.nextFreeIndex" in funcs:
        return "nextFreeIndex"
    if "nextFreeFast" in funcs:
        return "nextFreeFast"
    if "tiny block" in funcs:
        return "tiny block"
    return "zerobase"
