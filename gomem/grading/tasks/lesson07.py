"""Lesson 07, allocation paths and sweeping: ``mspan.sweep`` and the tiny allocator.

``07.sweep`` hands the learner's function a fresh :class:`gomem.mspan.MSpan` (the
``sweep`` adapter: ``alloc_bits``, ``gcmark_bits``, ``freeindex``, ``alloc_count``
consistent, marks only on slots in use) and compares the return value ``(nfreed,
where)`` *and* the span's fields afterwards with gomem's own
:func:`gomem.mgcsweep.sweep` run on the same span in a heap one GC old (its
``free_span`` recorded rather than applied: the span owns no real pages).

``07.tiny_alloc`` is checked against a fresh :class:`gomem.Heap`: the 16-byte blocks
the P's tiny allocator takes are the slots of one span, so a block is numbered by its
slot (0, 1, 2, ... in the order they are taken) and an address by ``(block, offset)``.
"""

from __future__ import annotations

from gomem.grading.tasks import Task
from gomem.grading.tasks.lesson05 import span_state
from gomem.sizeclasses import CLASSES, PAGE_SIZE

LESSON = "07"
WHERE = ("free", "partial", "full")


# --- 07.sweep ----------------------------------------------------------------------------

def sweep_state(elemsize, npages, bits, freeindex, marks, noscan=True, start=0xC000010000):
    """A span as plain data: in-use slots ``bits`` (alloc_bits) or below ``freeindex``,
    ``marks`` (a subset of the in-use slots) in gcmark_bits."""
    from gomem.sizeclasses import class_of
    d = span_state(elemsize, npages, bits, freeindex, start=start)
    marks_bits = bytearray(len(bytes.fromhex(d["alloc_bits"])))
    for i in marks:
        if i < d["nelems"]:
            marks_bits[i >> 3] |= 1 << (i & 7)
    d["gcmark_bits"] = bytes(marks_bits).hex()
    d["spanclass"] = class_of(elemsize) << 1 | int(noscan)
    return d


def _ref_sweep(span):
    from gomem import Heap
    from gomem.mgcsweep import sweep
    from gomem.mspan import MSpanState
    mh = Heap(greenteagc=False).mheap
    mh.sweepgen = 2
    freed = []
    mh.free_span = freed.append                 # the toy span owns no pages
    span.state, span.sweepgen = MSpanState.IN_USE, mh.sweepgen - 1   # claimed (tryAcquire)
    sizeclass = span.spanclass >> 1
    before = mh.stats.small_free_count[sizeclass]
    sweep(mh, span, preserve=False)
    nfreed = mh.stats.small_free_count[sizeclass] - before
    c = mh.central[span.spanclass]
    where = "free" if freed else "full" if span in c.full_swept(mh.sweepgen) else "partial"
    return nfreed, where


def _describe_sweep(args):
    s = args[0]
    marks = bytes.fromhex(s["gcmark_bits"])
    nmarked = int.from_bytes(marks, "little").bit_count()
    return (f"sweep(span) with nelems={s['nelems']}, elemsize={s['elemsize']}, "
            f"freeindex={s['freeindex']}, alloc_count={s['alloc_count']}, "
            f"alloc_bits={s['alloc_bits'][:32]}{'...' if len(s['alloc_bits']) > 32 else ''}, "
            f"gcmark_bits={s['gcmark_bits'][:32]}{'...' if len(s['gcmark_bits']) > 32 else ''} "
            f"({nmarked} marked)")


def _compare_sweep(args, expected, got):
    s = args[0]
    e, g = expected["return"], got.get("return")
    es, gs = expected["span"], got.get("span") or {}
    nmarked = int.from_bytes(bytes.fromhex(s["gcmark_bits"]), "little").bit_count()
    if not (isinstance(g, list) and len(g) == 2):
        return f"return (nfreed, where) with where one of {WHERE}, not {g!r}"
    (enf, ew), (gnf, gw) = e, g
    if gnf != enf:
        if gnf == nmarked:
            return (f"that is the number of survivors; freed = alloc_count - marked = "
                    f"{s['alloc_count']} - {nmarked} = {enf}")
        if gnf == s["nelems"] - nmarked:
            return (f"only slots that held objects can be freed: alloc_count - marked = {enf}, "
                    "not nelems - marked")
        return f"nfreed = alloc_count before the sweep - marked objects = {enf}, got {gnf!r}"
    if gw != ew:
        if ew == "free":
            return "no object survived (nothing marked): the span goes back to the heap, 'free'"
        if ew == "full":
            return f"every one of the {s['nelems']} slots survived: 'full'"
        return f"{nmarked} of {s['nelems']} slots survived: 'partial'"
    if gs.get("alloc_bits") != es["alloc_bits"]:
        if gs.get("alloc_bits") == s["alloc_bits"]:
            return "alloc_bits must become the span's gcmark_bits (the survivors)"
        return (f"alloc_bits must become gcmark_bits = {es['alloc_bits']}, "
                f"got {gs.get('alloc_bits')!r}")
    if gs.get("gcmark_bits") != es["gcmark_bits"]:
        return ("give the span fresh, zeroed mark bits for the next GC: "
                "new_mark_bits(nelems)")
    if gs.get("alloc_count") != es["alloc_count"]:
        return f"alloc_count becomes the number of marked objects: {es['alloc_count']}"
    if gs.get("freeindex") != es["freeindex"]:
        return "sweeping restarts freeindex at 0 (the freed slots may lie anywhere)"
    if gs.get("alloc_cache") != es["alloc_cache"]:
        return ("reload alloc_cache from slot 0 of the new alloc_bits: "
                f"span.refill_alloc_cache(0) -> {es['alloc_cache']:#x}")
    return None


def _public_sweep():
    return [
        [sweep_state(512, 1, set(), 10, {1, 3, 5})],              # 10 used, 3 survive
        [sweep_state(512, 1, set(), 16, set(range(16)))],         # everyone survives: full
        [sweep_state(512, 1, set(), 6, set())],                   # nobody survives: free
        [sweep_state(16, 1, set(range(100)), 200, set(range(0, 200, 3)))],
        [sweep_state(48, 1, {2, 4, 70}, 0, {70})],                # swept before: bits, no freeindex
        [sweep_state(8192, 1, set(), 1, {0})],                    # one slot, survives
        [sweep_state(8192, 1, set(), 1, set())],                  # one slot, dies
        [sweep_state(1024, 1, {0, 1, 2, 3, 4, 5, 6, 7}, 0, {0, 7}, noscan=False)],
    ]


def _random_sweep(rng):
    row = rng.choice(CLASSES[1:])
    nelems = row.npages * PAGE_SIZE // row.size
    kind = rng.random()
    if kind < 0.2:                                     # every slot in use
        freeindex, bits = nelems, set()
    else:
        freeindex = rng.randrange(0, nelems + 1)
        bits = {i for i in range(nelems) if rng.random() < rng.choice([0.1, 0.5, 0.9])}
    in_use = [i for i in range(nelems) if i < freeindex or i in bits]
    mode = rng.random()
    if mode < 0.2:
        marks = set()
    elif mode < 0.4:
        marks = set(in_use)
    else:
        p = rng.random()
        marks = {i for i in in_use if rng.random() < p}
    if not in_use:                                     # a span always holds something
        freeindex, in_use, marks = 1, [0], set(marks)
    start = rng.randrange(0xC000000000, 0xC100000000) // PAGE_SIZE * PAGE_SIZE
    return sweep_state(row.size, row.npages, bits, freeindex, marks,
                       noscan=rng.random() < 0.5, start=start)


# --- 07.tiny_alloc -----------------------------------------------------------------------

def _ref_tiny(sizes):
    from gomem import Heap
    h = Heap()
    addrs = [h.malloc(size, noscan=True) for size in sizes]
    base = h.span_of(addrs[0]).start_addr if addrs else 0
    return [list(divmod(a - base, 16)) for a in addrs]


def _tiny_variant(sizes, align=True, replace="rule"):
    """The tiny allocator by hand, one rule changed: tells which rule an answer misses."""
    out, tiny, off0, nxt = [], None, 0, 0
    for size in sizes:
        off = off0
        if align:
            if size % 8 == 0:
                off = (off + 7) // 8 * 8
            elif size % 4 == 0:
                off = (off + 3) // 4 * 4
            elif size % 2 == 0:
                off = (off + 1) // 2 * 2
        if tiny is not None and off + size <= 16:
            out.append([tiny, off])
            off0 = off + size
            continue
        block, nxt = nxt, nxt + 1
        out.append([block, 0])
        if tiny is None or replace == "always" or (replace == "rule" and size < off0):
            tiny, off0 = block, size
    return out


def _compare_tiny(args, expected, got):
    (sizes,) = args
    e, g = expected["return"], got["return"]
    if not (isinstance(g, list) and all(isinstance(p, list) and len(p) == 2 for p in g)):
        return "return one [block, offset] pair per request"
    if len(g) != len(e):
        return f"one [block, offset] pair per request: expected {len(e)}, got {len(g)}"
    i = next(i for i in range(len(e)) if e[i] != g[i])
    where = f"request {i + 1} ({sizes[i]} B)"
    if g == _tiny_variant(sizes, align=False):
        return (f"{where}: align the offset first - to 8 for a size that is a multiple of 8, "
                "4 for a multiple of 4, 2 for an even size")
    if g == _tiny_variant(sizes, replace="always"):
        return (f"{where}: a fresh block replaces the current one only if it has more room "
                "left: size < tinyoffset (the old block's offset)")
    if g == _tiny_variant(sizes, replace="never"):
        return (f"{where}: a fresh block becomes the current one when the object is smaller "
                "than the old block's tinyoffset (it then has more room left)")
    return f"{where}: expected [block, offset] {e[i]}, got {g[i]}"


_PUBLIC_TINY = [[[5, 3, 8, 12, 12, 2, 1]], [[8, 8, 8]], [[1] * 20], [[15, 1, 1]],
                [[4, 3, 4, 2, 2]], [[6, 6, 6, 6]], [[12, 2, 2, 2, 2]], [[9, 7, 3]]]


def _hidden_tiny(rng):
    return [[[rng.choice([rng.randrange(1, 16), rng.choice([1, 2, 4, 8, 12])])
              for _ in range(rng.randrange(1, 25))]] for _ in range(40)]


_MODEL = ("gomem.Heap", "gomem.heap.Heap")

TASKS = [
    Task(id="07.sweep", points=6, names=("sweep",),
         title="mspan.sweep: alloc_bits <- gcmark_bits, count the freed, free/partial/full",
         reference=_ref_sweep, public=_public_sweep,
         hidden=lambda rng: [[_random_sweep(rng)] for _ in range(50)],
         compare=_compare_sweep, describe=_describe_sweep, adapter="sweep",
         forbidden=("gomem.mgcsweep.sweep", "gomem.mgcsweep.sweep_one",
                    "gomem.mcentral.MCentral.uncache_span", "gomem.mheap.MHeap.reclaim")
         + _MODEL,
         allowed_hint="popcount, new_mark_bits, span.count_alloc and span.refill_alloc_cache"),
    Task(id="07.tiny_alloc", points=4, names=("tiny_alloc",),
         title="mallocgcTiny: where each tiny object lands, as (block, offset)",
         reference=_ref_tiny, public=lambda: _PUBLIC_TINY, hidden=_hidden_tiny,
         compare=_compare_tiny, describe=lambda args: f"tiny_alloc({args[0]})",
         adapter="copy",
         forbidden=("gomem.malloc.mallocgc_tiny", "gomem.malloc.mallocgc") + _MODEL),
]
