"""Lesson 06, multi-level caches: ``mcentral.cacheSpan``, ``uncacheSpan``, ``mcache.refill``.

The learner's functions work on a toy mcentral, plain data::

    central = {"partial_swept": [span, ...], "partial_unswept": [...],
               "full_swept": [...], "full_unswept": [...]}
    span = {"name": "A", "nelems": 8, "alloc_count": 5, "marked": 3}

``marked`` (objects the last GC marked) is present only where it means something: on
unswept spans, and on a stale span given back by an mcache.  Sweeping a span sets its
``alloc_count`` to ``marked``.  Each set is a FIFO: pop from the front, push at the back.
The functions change ``central`` in place and return the span they hand out, or
``None`` for "mcentral.grow" (a fresh span from the mheap, not the learner's job).

The reference is gomem's own code on real :class:`~gomem.mspan.MSpan` objects built
from the data: :meth:`MCentral.cache_span`, :meth:`MCentral.uncache_span` and
:meth:`MCache.refill` of a heap whose ``sweepgen`` says "one GC ago"; its answer is
turned back into the same data, so expected and got compare as data (``inplace``
adapter: the return value *and* ``central`` afterwards).
"""

from __future__ import annotations

from gomem.grading.tasks import Task

LESSON = "06"
SETS = ("partial_swept", "partial_unswept", "full_swept", "full_unswept")
SPANCLASS = 32 << 1 | 1            # 1024-byte noscan objects: 8 per one-page span
FAKE_BASE = 0x10_0000_0000         # toy spans live outside the model's arenas


# --- building a real heap from the data, and back -------------------------------------------

class _Real:
    """A heap one GC old whose mcentral holds real spans made from a toy central."""

    def __init__(self, central, extra=()):
        from gomem import Heap
        h = Heap(greenteagc=False)
        self.heap, self.mheap = h, h.mheap
        self.mheap.sweepgen = self.sg = 2
        self.freed = []
        self.mheap.free_span = self.freed.append      # toy spans own no pages
        self.c = self.mheap.central[SPANCLASS]
        self.data_of = {}                             # id(real span) -> its dict
        self.made = []                                # every real span, in creation order
        for name in SETS:
            for d in central[name]:
                unswept = name.endswith("unswept")
                s = self.span(d, self.sg - 2 if unswept else self.sg)
                self.mheap.unswept += unswept
                getattr(self.c, name)(self.sg).append(s)
        for d, sweepgen in extra:
            self.span(d, sweepgen)

    def span(self, d, sweepgen):
        from gomem.mspan import MSpan, MSpanState, new_mark_bits
        s = MSpan(FAKE_BASE + len(self.made) * 8192, 1)
        self.made.append(s)
        s.spanclass, s.elemsize, s.nelems = SPANCLASS, 1024, d["nelems"]
        s.state, s.sweepgen = MSpanState.IN_USE, sweepgen
        s.alloc_bits = new_mark_bits(s.nelems)
        s.gcmark_bits = new_mark_bits(s.nelems)
        for i in range(d.get("marked") or 0):
            s.gcmark_bits[i >> 3] |= 1 << (i & 7)
        s.alloc_count = s.freeindex = d["alloc_count"]
        s.refill_alloc_cache(s.freeindex // 64 * 8)
        s.alloc_cache >>= s.freeindex % 64
        s.limit = s.start_addr + s.nelems * s.elemsize
        self.data_of[id(s)] = d
        return s

    def write_back(self, central):
        """Put the real sets (and alloc counts) back into the toy central, in place."""
        for name in SETS:
            spans = list(getattr(self.c, name)(self.sg))
            central[name][:] = [self.sync(s) for s in spans]

    def sync(self, s):
        d = self.data_of.get(id(s))
        if d is not None:
            d["alloc_count"] = s.alloc_count
        return d


def _ref_cache_span(central):
    real = _Real(central)
    picked = real.sync(real.c.cache_span(None))
    real.write_back(central)
    return picked


def _ref_uncache_span(span, central, stale):
    sg = 2
    real = _Real(central, extra=[(span, sg + 1 if stale else sg + 3)])
    s = real.made[-1]
    real.c.uncache_span(s)
    real.sync(s)
    real.write_back(central)
    return None


def _ref_refill(cached, central):
    from gomem.mcache import EMPTY_MSPAN
    real = _Real(central)
    mc = real.heap.mcaches[0]
    mc.alloc[SPANCLASS] = EMPTY_MSPAN if cached is None else real.span(cached, real.sg + 3)
    mc.refill(SPANCLASS)
    picked = real.sync(mc.alloc[SPANCLASS])
    real.write_back(central)
    return picked


# --- comparing ---------------------------------------------------------------------------

def _norm(data):
    """(name of the returned span or None, {set: [(name, alloc_count)]}) of an inplace result."""
    ret = data.get("return")
    if isinstance(ret, dict):
        ret = ret.get("name", ret)
    central = data["args"][1 if len(data["args"]) >= 2 else 0]
    sets = {}
    for name in SETS:
        spans = central.get(name) if isinstance(central, dict) else None
        sets[name] = [(s.get("name"), s.get("alloc_count")) if isinstance(s, dict) else s
                      for s in spans] if isinstance(spans, list) else spans
    return ret, sets


def _where(central, name):
    for set_name in SETS:
        spans = central.get(set_name) if isinstance(central, dict) else None
        if isinstance(spans, list) and any(isinstance(s, dict) and s.get("name") == name
                                           for s in spans):
            return set_name
    return None


def _span_in(central, name):
    for set_name in SETS:
        for s in central[set_name]:
            if s["name"] == name:
                return s
    return None


def _diagnose_pick(central, e, g):
    """Why the learner's pick ``g`` is not cacheSpan's pick ``e`` (names or None)."""
    if not (g is None or isinstance(g, str)):
        return f"return the span (its dict) or None for grow, not {g!r}"
    esrc, gsrc = _where(central, e) if e else "grow", _where(central, g) if g else "grow"
    if g is not None and gsrc is None:
        return f"there is no span named {g!r}"
    if gsrc == "full_swept":
        return "full swept spans have no free slot: cacheSpan never looks at them"
    if esrc == "partial_swept":
        return (f"a partial swept span is the first choice: pop partial_swept[0] "
                f"({e}); nothing needs sweeping")
    if esrc == "partial_unswept":
        if gsrc == "partial_unswept":
            return f"take the partial unswept spans in order (FIFO): {e} first"
        return (f"no partial swept span, so next come the partial unswept ones: sweep "
                f"{e} (the first) and hand it out")
    if esrc == "full_unswept":
        if gsrc == "full_unswept":
            gs = _span_in(central, g)
            if gs.get("marked") == gs["nelems"]:
                return (f"{g} is still full after sweeping (marked == nelems): it goes to "
                        f"full_swept; the first full unswept span whose sweep frees a slot is {e}")
            return (f"take the full unswept spans in order (FIFO): {e} is the first one "
                    "sweeping frees a slot in")
        if gsrc == "grow":
            return (f"before growing, sweep the full unswept spans: sweeping {e} frees a slot "
                    "(marked < nelems), so it is handed out")
        return (f"no partial span at all; sweep the full unswept ones in order: {e} is the "
                "first with a free slot after sweeping")
    # e is grow
    if gsrc == "full_unswept":
        return (f"{g} stays full after sweeping (marked == nelems): push it on full_swept "
                "and, when none frees a slot, return None (mcentral.grow)")
    return "no span in the sets has a free slot: return None (mcentral.grow)"


def _diagnose_sets(central, e_sets, g_sets, picked, action="cacheSpan"):
    for name in SETS:
        es, gs = e_sets[name], g_sets[name]
        if es == gs:
            continue
        if not isinstance(gs, list):
            return f"central[{name!r}] must stay a list of spans, not {gs!r}"
        enames = [n for n, _ in es]
        gnames = [x[0] if isinstance(x, tuple) else x for x in gs]
        if picked is not None and picked in gnames and picked not in enames:
            return f"the span handed out ({picked}) must be popped from {name}"
        if enames == gnames:
            for (n, ea), (_, ga) in zip(es, gs):
                if ea != ga:
                    return (f"span {n} in {name}: alloc_count should be {ea}, got {ga} (sweeping "
                            "sets alloc_count to the number of marked objects)")
        if sorted(enames, key=repr) == sorted(gnames, key=repr):
            return f"{name} is a FIFO: push at the back; expected {enames}, got {gnames}"
        missing = [n for n in enames if n not in gnames]
        extra = [n for n in gnames if n not in enames]
        if name == "full_swept" and missing:
            return (f"{', '.join(missing)}: still full after sweeping, so {action} pushes each "
                    "on full_swept")
        if name.endswith("unswept") and extra:
            return (f"{', '.join(extra)}: a span {action} has swept is no longer in {name} "
                    "(pop it)")
        return f"{name} should be {enames}, got {gnames}"
    return None


def _compare_cache_span(args, expected, got):
    (central,) = args
    if "args" not in got:
        return "the grader got no central back"
    e, e_sets = _norm(expected)
    g, g_sets = _norm(got)
    if e != g:
        return _diagnose_pick(central, e, g)
    if isinstance(got.get("return"), dict) and e is not None:
        ga = got["return"].get("alloc_count")
        ea = expected["return"]["alloc_count"]
        if ga != ea:
            return (f"right span ({e}), but sweeping it sets alloc_count to its marked count "
                    f"({ea}), got {ga}")
    return _diagnose_sets(central, e_sets, g_sets, e)


def _compare_uncache(args, expected, got):
    span, central, stale = args
    if "args" not in got:
        return "the grader got no central back"
    _, e_sets = _norm(expected)
    _, g_sets = _norm(got)
    if e_sets == g_sets:
        return None
    if not all(isinstance(g_sets[k], list) for k in SETS):
        return "central must keep its four sets as lists of spans"
    where_e = _where(_central_of(expected), span["name"])
    where_g = _where(_central_of(got), span["name"]) if isinstance(_central_of(got), dict) \
        else None
    if where_e != where_g:
        if where_e is None:
            return (f"stale span {span['name']}: sweeping leaves no object (marked = 0), so "
                    "the sweeper frees it (mheap.freeSpan): it goes in no set")
        if stale and where_g is None:
            return (f"sweeping {span['name']} keeps {span['marked']} object(s): the span goes "
                    f"to {where_e}, only an empty span is freed")
        if stale and where_e.startswith("partial") and where_g.startswith("full"):
            return (f"a stale span (cached before the sweep began) is swept first: its "
                    f"alloc_count becomes marked = {span['marked']}, so it has free slots: "
                    f"{where_e}")
        why = "it has free slots" if where_e.startswith("partial") else "it has no free slot"
        return f"{span['name']} goes to {where_e}: {why}" + \
            (" (after sweeping)" if stale else "") + (f", not {where_g}" if where_g else "")
    return _diagnose_sets(central, e_sets, g_sets, None, "uncacheSpan")


def _central_of(data):
    return data["args"][1]


def _compare_refill(args, expected, got):
    cached, central = args
    if "args" not in got:
        return "the grader got no central back"
    e, e_sets = _norm(expected)
    g, g_sets = _norm(got)
    if not all(isinstance(g_sets[k], list) for k in SETS):
        return "central must keep its four sets as lists of spans"
    if cached is not None:
        gfull = [x[0] if isinstance(x, tuple) else x for x in (g_sets["full_swept"] or [])]
        if cached["name"] not in gfull:
            return (f"first give the full span back: {cached['name']} goes on full_swept "
                    "(uncacheSpan), then ask cacheSpan for a new one")
    if e != g:
        return _diagnose_pick(central, e, g)
    return _diagnose_sets(central, e_sets, g_sets, e)


# --- inputs ------------------------------------------------------------------------------

def _span(name, nelems, alloc, marked=None):
    d = {"name": name, "nelems": nelems, "alloc_count": alloc}
    if marked is not None:
        d["marked"] = marked
    return d


def _central(ps=(), pu=(), fs=(), fu=()):
    return {"partial_swept": list(ps), "partial_unswept": list(pu), "full_swept": list(fs),
            "full_unswept": list(fu)}


def _public_cache_span():
    S = _span
    return [
        [_central(ps=[S("A", 8, 5), S("B", 8, 2)], pu=[S("C", 8, 6, 1)])],
        [_central(pu=[S("C", 8, 6, 1), S("D", 8, 3, 3)], fu=[S("E", 8, 8, 2)])],
        [_central(pu=[S("C", 8, 4, 0)])],                         # nothing survived: still used
        [_central(fu=[S("E", 8, 8, 2)], fs=[S("F", 8, 8)])],
        [_central(fu=[S("E", 8, 8, 8), S("G", 8, 8, 8), S("H", 8, 8, 5)])],
        [_central(fu=[S("E", 8, 8, 8)], fs=[S("F", 8, 8)])],      # still full: grow
        [_central(fs=[S("F", 8, 8)])],
        [_central()],
    ]


_NAMES = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _random_central(rng, n_max=3):
    names = iter(_NAMES)
    sets = {}
    for name in SETS:
        n = rng.randrange(0, n_max + 1)
        if name == "partial_swept" and rng.random() < 0.6:
            n = 0
        spans = []
        for _ in range(n):
            nelems = rng.choice([4, 8, 8, 16])
            if name.startswith("full"):
                alloc = nelems
            else:
                alloc = rng.randrange(1, nelems)
            marked = None
            if name.endswith("unswept"):
                marked = rng.choice([alloc, alloc, rng.randrange(0, alloc + 1)])
            spans.append(_span(next(names), nelems, alloc, marked))
        sets[name] = spans
    return sets, names


def _hidden_cache_span(rng):
    return [[_random_central(rng)[0]] for _ in range(40)]


def _public_uncache():
    S = _span
    central = _central(ps=[S("A", 8, 5)], fs=[S("F", 8, 8)])
    return [
        [S("P", 8, 3), central, False],          # free slots: partial swept, at the back
        [S("Q", 8, 8), central, False],          # full: full swept
        [S("R", 8, 8, 2), central, True],        # stale: swept first, then partial
        [S("T", 8, 6, 6), central, True],        # stale, all survive: partial (6 of 8)
        [S("U", 8, 8, 8), central, True],        # stale, all survive, full
        [S("V", 8, 5, 0), central, True],        # stale, nothing survives: freed
    ]


def _hidden_uncache(rng):
    out = []
    for _ in range(30):
        central, names = _random_central(rng, 2)
        nelems = rng.choice([4, 8, 16])
        stale = rng.random() < 0.5
        alloc = rng.choice([nelems, rng.randrange(1, nelems + 1)])
        marked = rng.choice([0, alloc, rng.randrange(0, alloc + 1)]) if stale else None
        out.append([_span(next(names), nelems, alloc, marked), central, stale])
    return out


def _public_refill():
    S = _span
    return [
        [S("Z", 8, 8), _central(ps=[S("A", 8, 5)])],
        [S("Z", 8, 8), _central(pu=[S("C", 8, 6, 1)], fu=[S("E", 8, 8, 2)])],
        [S("Z", 8, 8), _central(fu=[S("E", 8, 8, 8)])],
        [None, _central(ps=[S("A", 8, 5)])],                      # first use: emptymspan
        [None, _central()],
    ]


def _hidden_refill(rng):
    out = []
    for _ in range(25):
        central, names = _random_central(rng)
        nelems = rng.choice([4, 8, 16])
        cached = None if rng.random() < 0.2 else _span(next(names), nelems, nelems)
        out.append([cached, central])
    return out


def _describe(fn):
    def describe(args):
        def show(c):
            return "{" + ", ".join(f"{k}: [{', '.join(_short(s) for s in v)}]"
                                   for k, v in c.items() if v) + "}"
        parts = []
        for a in args:
            if isinstance(a, dict) and "partial_swept" in a:
                parts.append(show(a))
            elif isinstance(a, dict):
                parts.append(_short(a))
            else:
                parts.append(repr(a))
        return f"{fn}({', '.join(parts)})"
    return describe


def _short(s):
    m = f", marked {s['marked']}" if "marked" in s else ""
    return f"{s['name']}({s['alloc_count']}/{s['nelems']}{m})"


_CS = "gomem.mcentral.MCentral.cache_span"
_UCS = "gomem.mcentral.MCentral.uncache_span"
_REFILL = "gomem.mcache.MCache.refill"
_MODEL = ("gomem.Heap", "gomem.heap.Heap", "gomem.mgcsweep.sweep", "gomem.mcentral.MCentral")

TASKS = [
    Task(id="06.cache_span", points=5, names=("cache_span",),
         title="mcentral.cacheSpan: which span an mcache gets, sweeping on the way",
         reference=_ref_cache_span, public=_public_cache_span, hidden=_hidden_cache_span,
         compare=_compare_cache_span, describe=_describe("cache_span"), adapter="inplace",
         forbidden=(_CS, _REFILL) + _MODEL),
    Task(id="06.uncache_span", points=3, names=("uncache_span",),
         title="mcentral.uncacheSpan: where a span an mcache gives back goes",
         reference=_ref_uncache_span, public=_public_uncache, hidden=_hidden_uncache,
         compare=_compare_uncache, describe=_describe("uncache_span"), adapter="inplace",
         forbidden=(_UCS,) + _MODEL),
    Task(id="06.refill", points=2, names=("refill", "uncache_span", "cache_span"),
         title="mcache.refill: give the full span back, get one with free slots",
         reference=_ref_refill, public=_public_refill, hidden=_hidden_refill,
         compare=_compare_refill, describe=_describe("refill"), adapter="inplace",
         forbidden=(_REFILL, _CS, _UCS) + _MODEL,
         allowed_hint="your own cache_span and uncache_span"),
]
