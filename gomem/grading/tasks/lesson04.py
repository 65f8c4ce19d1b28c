"""Lesson 04, size classes: rebuild the table, look a size up, round a request up.

Learners may use the constants and the two lookup tables of ``gomem.sizeclasses``
(``SIZE_TO_CLASS8``, ``SIZE_TO_CLASS128``, ``CLASS_TO_SIZE``) in tasks 2 and 3, so a
learner stuck on task 1 can still do them; what they may not use is gomem's own
function for the thing asked (``forbidden``).
"""

from __future__ import annotations

from gomem import sizeclasses as sc
from gomem.grading.tasks import Task

LESSON = "04"
SC = "gomem.sizeclasses."


# --- 04.make_classes ----------------------------------------------------------------

def _classes(merge=True, grow=True):
    """makeClasses with steps switched off: tells which step a wrong table misses."""
    return [list(c) for c in sc.make_classes(merge=merge, grow=grow)]


def _compare_classes(args, expected, got):
    exp, table = expected["return"], got["return"]
    if not isinstance(table, list) or not all(
            isinstance(c, list) and len(c) == 2 and all(isinstance(v, int) for v in c)
            for c in table):
        return "make_classes() must return a list of (size, npages) pairs of ints"
    if table == exp:
        return None
    if table == _classes(grow=False):
        return ("steps 1-3 are right, step 4 is missing: grow each class to the largest "
                "multiple of 128 that still fits the same number of objects (8448 -> 9472)")
    if table == _classes(merge=False):
        return ("step 3 is missing: a size with the same npages and the same objects per "
                f"span as the previous class replaces it (got {len(table)} classes)")
    if table == exp[1:]:
        return "class 0 is missing: the table starts with (0, 0), the class of large objects"
    for i, (e, g) in enumerate(zip(exp, table)):
        if e != g:
            if e[0] == g[0]:
                return (f"class {i} ({e[0]} B): right size, wrong npages: expected {e[1]}, "
                        f"got {g[1]} (fewest 8 KiB pages whose tail waste is <= 1/8 of the span)")
            if e[1] == g[1]:
                return f"class {i}: right npages, wrong size: expected {e[0]} B, got {g[0]} B"
            return f"class {i}: expected {tuple(e)}, got {tuple(g)}"
    return f"expected {len(exp)} classes (class 0 included), got {len(table)}"


# --- 04.size_to_class ---------------------------------------------------------------

def _describe_size(args):
    return f"size_to_class({args[0]})"


def _compare_class(args, expected, got):
    (size,), e, g = args, expected["return"], got["return"]
    if g == e:
        return None
    if not isinstance(g, int) or isinstance(g, bool):
        return f"return a class number (int), not {g!r}"
    if size == 0:
        return "size 0 needs no class: return 0"
    if size > sc.MAX_SMALL_ALLOC:
        return (f"{size} B is a large object (> {sc.MAX_SMALL_ALLOC} B = maxSmallSize - "
                "mallocHeaderSize): class 0")
    if not 0 <= g < sc.NUM_SIZE_CLASSES:
        return f"there is no class {g}: classes are 0..{sc.NUM_SIZE_CLASSES - 1}"
    if size <= sc.SMALL_SIZE_MAX - 8 and g == sc.SIZE_TO_CLASS8[size // 8]:
        return "the index must round up: size_to_class8[(size + 7) // 8], not size // 8"
    if size > sc.SMALL_SIZE_MAX - 8:
        floor = (size - sc.SMALL_SIZE_MAX) // sc.LARGE_SIZE_DIV
        if 0 <= floor < len(sc.SIZE_TO_CLASS128) and g == sc.SIZE_TO_CLASS128[floor]:
            return ("the index must round up: size_to_class128[(size - 1024 + 127) // 128]")
    gsize = sc.CLASS_TO_SIZE[g]
    if gsize < size:
        return f"class {g} holds {gsize}-byte objects, too small for {size} B"
    return (f"class {g} ({gsize} B) fits, but class {e} ({sc.CLASS_TO_SIZE[e]} B) is the "
            "smallest that does")


_PUBLIC_SIZES = [0, 1, 7, 8, 9, 16, 17, 24, 32, 33, 48, 64, 100, 128, 129, 500, 512, 513,
                 1000, 1016, 1017, 1024, 1025, 1152, 2048, 4000, 8192, 9000, 16384, 20000,
                 32760, 32761, 32768, 40000]


def _hidden_sizes(rng):
    sizes = [rng.randrange(1, 33_000) for _ in range(150)]
    picks = rng.sample(sc.CLASS_TO_SIZE[1:], 20)
    sizes += [s + d for s in picks for d in (-1, 0, 1)]
    return [[s] for s in sizes]


# --- 04.roundupsize -----------------------------------------------------------------

def _describe_round(args):
    return f"roundupsize({args[0]}, noscan={args[1]})"


def _compare_round(args, expected, got):
    (size, noscan), e, g = args, expected["return"], got["return"]
    if g == e:
        return None
    if not isinstance(g, int) or isinstance(g, bool):
        return f"return a number of bytes (int), not {g!r}"
    if size > sc.MAX_SMALL_ALLOC:
        return f"large objects round up to whole 8 KiB pages: expected {e}, got {g}"
    pointerful_big = not noscan and size > sc.MIN_SIZE_FOR_MALLOC_HEADER
    if pointerful_big and g == sc.CLASS_TO_SIZE[sc.class_of(size + 8)]:
        return ("right class, but subtract the 8-byte malloc header again: the caller "
                f"gets class size - 8 = {e}")
    if pointerful_big and g == sc.CLASS_TO_SIZE[sc.class_of(size)]:
        return ("pointerful objects > 512 B carry an 8-byte malloc header: look up "
                f"size + 8, then subtract 8 (expected {e})")
    if not pointerful_big and g in (sc.CLASS_TO_SIZE[sc.class_of(size + 8)] - 8,
                                     sc.CLASS_TO_SIZE[sc.class_of(size + 8)]):
        why = "pointer-free objects" if noscan else "objects of 512 B or less"
        return f"{why} have no malloc header: expected {e}"
    return f"expected {e}, got {g}"


_PUBLIC_ROUND = [[s, n] for s in (1, 8, 24, 100, 512, 513, 600, 1000, 1024, 2000, 8192,
                                  32760, 32761, 40000, 100000) for n in (True, False)]


def _hidden_round(rng):
    out = [[rng.randrange(1, 33_000), rng.random() < 0.5] for _ in range(150)]
    out += [[rng.randrange(33_000, 1 << 22), rng.random() < 0.5] for _ in range(20)]
    return out


_TABLES = tuple(SC + n for n in ("CLASSES", "_CLASSES", "CLASS_TO_SIZE", "CLASS_TO_NPAGES",
                                 "CLASS_TO_DIVMAGIC", "SIZE_TO_CLASS8", "SIZE_TO_CLASS128",
                                 "_table", "_first_class_at_least"))
_LOOKUPS = (SC + "size_to_class", SC + "class_of", SC + "roundupsize")

TASKS = [
    Task(id="04.make_classes", points=4, names=("make_classes",),
         title="port makeClasses: the 68-class table",
         reference=sc.make_classes, public=lambda: [[]],
         compare=_compare_classes, describe=lambda args: "make_classes()",
         forbidden=(SC + "make_classes",) + _TABLES + _LOOKUPS),
    Task(id="04.size_to_class", points=3, names=("size_to_class",),
         title="size -> class with size_to_class8 / size_to_class128",
         reference=lambda size: sc.size_to_class(size, True),
         public=lambda: [[s] for s in _PUBLIC_SIZES], hidden=_hidden_sizes,
         compare=_compare_class, describe=_describe_size, forbidden=_LOOKUPS,
         allowed_hint="SIZE_TO_CLASS8 and SIZE_TO_CLASS128"),
    Task(id="04.roundupsize", points=3, names=("roundupsize",),
         title="roundupsize: what a request really gets",
         reference=sc.roundupsize, public=lambda: _PUBLIC_ROUND, hidden=_hidden_round,
         compare=_compare_round, describe=_describe_round, forbidden=_LOOKUPS,
         allowed_hint="the lookup tables and CLASS_TO_SIZE"),
]
