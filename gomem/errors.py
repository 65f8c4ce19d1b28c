"""Errors raised by gomem.

Every error the model raises is a ``GoMemError``.  Where the Go runtime has a
``throw`` for the same situation, the message reads like the runtime's own
``fatal error: ...`` line, so a learner can grep the Go source for it.  An
operation that raises leaves the model's state exactly as it was before the call.
"""

from __future__ import annotations


class GoMemError(Exception):
    """Base class of every error gomem raises on purpose."""


class BadSizeError(GoMemError, ValueError):
    """A size that is not a non-negative int (bools and floats are refused)."""


class OutOfMemoryError(GoMemError, MemoryError):
    """A request no address space can hold (runtime: ``fatal error: out of memory``)."""


class BadPointerError(GoMemError, ValueError):
    """An address that is not (inside) a live heap object."""


class BadPError(GoMemError, IndexError):
    """An allocation on a P that does not exist (0 <= p < GOMAXPROCS)."""


class HeapCorruptionError(GoMemError, AssertionError):
    """An invariant of the allocator is broken (what the runtime would ``throw``)."""


class ConfigError(GoMemError, ValueError):
    """A bad configuration for a simulator (sizes, bit splits, frame counts, ...)."""


class SegmentationFault(GoMemError, LookupError):
    """An access to an address the process has not mapped (used by :mod:`gomem.vm`)."""


def check_size(size, what: str = "size") -> int:
    """Return ``size`` if it is a non-negative int, else raise :class:`BadSizeError`."""
    if isinstance(size, bool) or not isinstance(size, int):
        raise BadSizeError(f"{what} must be an int, not {type(size).__name__} ({size!r})")
    if size < 0:
        raise BadSizeError(f"{what} must be >= 0, got {size}")
    return size
