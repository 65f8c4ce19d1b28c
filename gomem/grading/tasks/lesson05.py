"""Lesson 05, mspan: find a free slot with count-trailing-zeros on ``alloc_cache``.

Each check hands the learner's function a fresh :class:`gomem.mspan.MSpan` in a
consistent state (``alloc_cache`` = the complement of the ``alloc_bits`` word holding
``freeindex``, shifted so bit 0 is ``freeindex``; ``alloc_count`` = slots in use) and
compares the return value *and* the span's fields afterwards with gomem's reference.
``ctz64`` from ``gomem.mspan`` may be used; the span's own ``next_free_index`` /
``refill_alloc_cache`` and ``gomem.malloc.next_free_fast`` may not (except that
``next_free_index`` may call ``span.refill_alloc_cache``, task 2's subject).
"""

from __future__ import annotations

from gomem.grading.tasks import Task
from gomem.sizeclasses import CLASSES, PAGE_SIZE

LESSON = "05"
MASK64 = (1 << 64) - 1


def span_state(elemsize, npages, bits, freeindex, start=0xC000010000, consumed=None):
    """Plain data for a span whose slots in ``bits`` (a set) are marked in alloc_bits."""
    nelems = npages * PAGE_SIZE // elemsize
    alloc = bytearray((nelems + 63) // 64 * 8)
    for i in bits:
        if i < nelems:
            alloc[i >> 3] |= 1 << (i & 7)
    freeindex = min(freeindex, nelems)
    word_start = freeindex // 64 * 64
    word = int.from_bytes(alloc[word_start // 8: word_start // 8 + 8], "little")
    cache = (~word & MASK64) >> (freeindex - word_start)
    if consumed is not None:  # a cache that has run out (nextFreeFast would find nothing)
        cache = consumed
    count = sum(1 for i in range(nelems) if i < freeindex or alloc[i >> 3] >> (i & 7) & 1)
    return {"start_addr": start, "npages": npages, "nelems": nelems, "elemsize": elemsize,
            "freeindex": freeindex, "alloc_cache": cache, "alloc_count": count,
            "alloc_bits": bytes(alloc).hex()}


def _describe(fn, extra=""):
    def describe(args):
        s = args[0]
        return (f"{fn}(span{extra.format(*args[1:])}) with nelems={s['nelems']}, "
                f"elemsize={s['elemsize']}, start_addr={s['start_addr']:#x}, "
                f"freeindex={s['freeindex']}, alloc_cache={s['alloc_cache']:#x}, "
                f"alloc_bits={s['alloc_bits'][:32]}{'...' if len(s['alloc_bits']) > 32 else ''}")
    return describe


def _ctz(x):
    return (x & -x).bit_length() - 1 if x else 64


def _random_span(rng, *, full_word=False):
    row = rng.choice(CLASSES[1:])
    nelems = row.npages * PAGE_SIZE // row.size
    density = rng.choice([0.0, 0.3, 0.7, 0.95])
    bits = {i for i in range(nelems) if rng.random() < density}
    freeindex = rng.randrange(0, nelems + 1)
    if full_word and nelems > 64:  # every slot of the current word taken
        w = freeindex // 64 * 64
        bits |= set(range(w, min(w + 64, nelems)))
    return span_state(row.size, row.npages, bits, freeindex,
                      start=rng.randrange(0xC000000000, 0xC100000000) // PAGE_SIZE * PAGE_SIZE)


# --- 05.next_free_fast ----------------------------------------------------------------

def _ref_next_free_fast(span):
    from gomem.malloc import next_free_fast
    return next_free_fast(span)


def _compare_fast(args, expected, got):
    s = args[0]
    e, g = expected["return"], got.get("return")
    es, gs = expected["span"], got.get("span") or {}
    bit = _ctz(s["alloc_cache"])
    slot = s["freeindex"] + bit
    if not isinstance(g, int) or isinstance(g, bool):
        return f"return an address (int) or 0, not {g!r}"
    if e != g:
        if e == 0 and bit < 64 and slot >= s["nelems"]:
            return f"ctz says slot {slot}, which is past nelems ({s['nelems']}): return 0"
        if e == 0 and bit < 64:
            return (f"taking slot {slot} would move freeindex to {slot + 1}, a multiple of 64: "
                    "return 0 and leave the cache refill to nextFreeIndex")
        if e == 0:
            return "alloc_cache is 0 (no free slot cached): return 0"
        if g == 0:
            return f"alloc_cache shows a free slot (ctz = {bit}, slot {slot}); return its address"
        if g == slot:
            return f"returned the slot number; return its address start_addr + {slot}*elemsize"
        base, size = s["start_addr"], s["elemsize"]
        if g in (base + (slot - 1) * size, base + bit * size):
            return "the slot is freeindex + ctz(alloc_cache)"
        return f"expected the address of slot {slot} = {e:#x}, got {g:#x}"
    if e == 0 and gs != es:
        return "returned 0 but changed the span: a failed fast path leaves the span alone"
    if gs.get("freeindex") != es["freeindex"]:
        return f"right address, but freeindex must move past the slot to {es['freeindex']}"
    if gs.get("alloc_cache") != es["alloc_cache"]:
        if gs.get("alloc_cache") == s["alloc_cache"] >> bit:
            return "right address, but shift alloc_cache by ctz + 1 (the slot itself too)"
        return (f"right address, but alloc_cache must become alloc_cache >> (ctz + 1) = "
                f"{es['alloc_cache']:#x}")
    if gs.get("alloc_count") != es["alloc_count"]:
        return "right address, but alloc_count must go up by one"
    return None


def _public_fast():
    return [
        [span_state(16, 1, set(), 0)],                       # fresh span: slot 0
        [span_state(16, 1, {0, 1, 2, 5}, 0)],                # slots taken by the last GC
        [span_state(48, 1, {7, 8, 9}, 7)],                   # freeindex inside the word
        [span_state(512, 1, set(range(16)), 3)],             # full span: cache 0
        [span_state(24, 1, set(range(63)), 0)],              # only slot 63: boundary -> 0
        [span_state(128, 1, set(range(63)), 0)],             # nelems 64: slot 63 is the last
        [span_state(1024, 1, {0}, 0)],                       # nelems 8
        [span_state(8192, 1, set(), 1)],                     # one slot, already taken
        [span_state(32768, 4, set(), 0)],                    # the largest class
        [span_state(16, 1, {64, 65}, 70)],                   # a later word
    ]


# --- 05.refill_alloc_cache ------------------------------------------------------------

def _compare_refill(args, expected, got):
    s, which = args
    e = expected["span"]["alloc_cache"]
    g = (got.get("span") or {}).get("alloc_cache")
    if g == e:
        return None
    raw = bytes.fromhex(s["alloc_bits"])[which:which + 8]
    word = int.from_bytes(raw, "little")
    if not isinstance(g, int):
        return f"alloc_cache must be an int, not {g!r}"
    if g < 0:
        return "Python's ~ gives a negative number: mask it with (1 << 64) - 1"
    if g == word:
        return "alloc_cache holds the complement of alloc_bits (1 = free): use ~word"
    if g == ~int.from_bytes(raw, "big") & MASK64:
        return "byte 0 is the lowest 8 bits (little-endian), byte 7 the highest"
    return f"expected alloc_cache {e:#x} (= ~bytes {which}..{which + 7} little-endian), got {g:#x}"


def _public_refill():
    out = []
    for bits, which in [(set(), 0), ({0, 1, 2, 3}, 0), ({0, 9, 63}, 0), (set(range(64)), 0),
                        ({64, 72, 127}, 8), ({130, 191}, 16)]:
        state = span_state(16, 1, bits, 0)
        out.append([state, which])
    return out


def _hidden_refill(rng):
    out = []
    for _ in range(40):
        s = _random_span(rng)
        words = len(s["alloc_bits"]) // 16
        out.append([s, rng.randrange(words) * 8])
    return out


# --- 05.next_free_index ---------------------------------------------------------------

def _compare_index(args, expected, got):
    s = args[0]
    e, g = expected["return"], got.get("return")
    es, gs = expected["span"], got.get("span") or {}
    if not isinstance(g, int) or isinstance(g, bool):
        return f"return a slot index (int), not {g!r}"
    if e != g:
        if s["alloc_cache"] == 0 and g == s["nelems"] and e < s["nelems"]:
            return ("alloc_cache is used up, but later words have free slots: move freeindex "
                    "to the next multiple of 64 and refill the cache from alloc_bits")
        if e == s["nelems"]:
            return f"no free slot at or after freeindex: return nelems ({s['nelems']})"
        return f"expected slot {e}, got {g}"
    if gs.get("freeindex") != es["freeindex"]:
        return f"right slot, but freeindex must become {es['freeindex']}"
    if gs.get("alloc_cache") != es["alloc_cache"]:
        if (es["freeindex"] % 64 == 0) and es["freeindex"] != s["nelems"]:
            return ("right slot, but freeindex landed on a multiple of 64: refill alloc_cache "
                    "from the next 8 bytes of alloc_bits")
        return f"right slot, but alloc_cache must become {es['alloc_cache']:#x}"
    if gs.get("alloc_count") != es["alloc_count"]:
        return "nextFreeIndex does not change alloc_count (its caller does)"
    return None


def _public_index():
    return [
        [span_state(16, 1, set(), 0)],
        [span_state(16, 1, {0, 1, 2, 5}, 0)],
        [span_state(16, 1, set(range(64)) | {65}, 64)],        # a new word
        [span_state(16, 1, set(range(200)), 0, consumed=0)],   # skip whole words
        [span_state(512, 1, set(range(16)), 0, consumed=0)],   # full: nelems
        [span_state(512, 1, set(), 16)],                       # freeindex == nelems
        [span_state(24, 1, set(range(63)), 0)],                # slot 63: refill after
        [span_state(128, 1, set(range(63)), 0)],               # slot 63 is the last
        [span_state(1024, 1, {0, 1, 2, 3, 4, 5, 6}, 0)],
        [span_state(48, 1, set(range(130)), 64, consumed=0)],  # past nelems (170)
    ]


def _hidden_spans(rng, n=40):
    out = [[_random_span(rng)] for _ in range(n)]
    for _ in range(n // 2):
        s = _random_span(rng, full_word=True)
        w = s["freeindex"] // 64 * 64
        if s["freeindex"] < s["nelems"]:
            s["alloc_cache"] = 0  # the cache ran out: the slow path must look further
            s["freeindex"] = max(s["freeindex"], w)
        out.append([s])
    return out


_FAST = "gomem.malloc.next_free_fast"
_NFI = "gomem.mspan.MSpan.next_free_index"
_REFILL = "gomem.mspan.MSpan.refill_alloc_cache"

TASKS = [
    Task(id="05.next_free_fast", points=4, names=("next_free_fast",),
         title="nextFreeFast: ctz on alloc_cache",
         reference=_ref_next_free_fast, public=_public_fast,
         hidden=lambda rng: [[_random_span(rng)] for _ in range(60)],
         compare=_compare_fast, describe=_describe("next_free_fast"), adapter="span",
         forbidden=(_FAST, _NFI), allowed_hint="ctz64 from gomem.mspan"),
    Task(id="05.refill_alloc_cache", points=2, names=("refill_alloc_cache",),
         title="refillAllocCache: 8 bytes of alloc_bits, inverted",
         reference=lambda span, which: span.refill_alloc_cache(which),
         public=_public_refill, hidden=_hidden_refill, compare=_compare_refill,
         describe=_describe("refill_alloc_cache", ", which_byte={}"), adapter="span",
         forbidden=(_REFILL,)),
    Task(id="05.next_free_index", points=4, names=("next_free_index",),
         title="nextFreeIndex: the slow path",
         reference=lambda span: span.next_free_index(), public=_public_index,
         hidden=_hidden_spans, compare=_compare_index, describe=_describe("next_free_index"),
         adapter="span", forbidden=(_NFI, _FAST),
         allowed_hint="ctz64 and span.refill_alloc_cache"),
]
