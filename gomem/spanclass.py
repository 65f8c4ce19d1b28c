"""Span classes: a size class plus one bit saying whether its objects hold pointers.

Models ``spanClass``, ``makeSpanClass``, ``numSpanClasses`` and ``tinySpanClass`` in
``runtime/mheap.go``.  ``spanclass = sizeclass << 1 | noscan``: pointer-free ("noscan")
objects live in spans the GC never scans, so every size class has two span classes,
68 * 2 = 136 in all.  Class 0 (``spanclass`` 0 or 1) is for large objects.
"""

from __future__ import annotations

from gomem.sizeclasses import NUM_SIZE_CLASSES, TINY_SIZE_CLASS

NUM_SPAN_CLASSES = NUM_SIZE_CLASSES << 1                 # 136
TINY_SPAN_CLASS = TINY_SIZE_CLASS << 1 | 1              # 5: 16-byte noscan blocks


def make_span_class(sizeclass: int, noscan: bool) -> int:
    """``makeSpanClass``."""
    return sizeclass << 1 | int(noscan)


def sizeclass_of(spc: int) -> int:
    """``spanClass.sizeclass``."""
    return spc >> 1


def noscan_of(spc: int) -> bool:
    """``spanClass.noscan``."""
    return bool(spc & 1)


def describe(spc: int) -> str:
    """``"class 3 scan"`` / ``"large noscan"``, for tables and plots."""
    sc = spc >> 1
    return f"{'large' if sc == 0 else f'class {sc}'} {'noscan' if spc & 1 else 'scan'}"
