"""A fingerprint of everything a Heap holds, to prove an error changed nothing."""


def fingerprint(h) -> tuple:
    st = h.stats
    stats = tuple(tuple(v) if isinstance(v, list) else v
                  for v in (getattr(st, f) for f in st.__slots__))
    spans = tuple((s.start_addr, s.npages, s.nelems, s.freeindex, s.alloc_cache, bytes(s.alloc_bits),
                   bytes(s.gcmark_bits), bytes(s.inline_mark_bits or b""), s.alloc_count,
                   s.spanclass, s.sweepgen, s.needzero) for s in h.spans())
    caches = tuple((c.tiny, c.tinyoffset, c.tiny_allocs, c.pcache.base, c.pcache.cache,
                    tuple(s.start_addr for _, s in c.cached_spans())) for c in h.mcaches)
    central = tuple(tuple(len(q) for q in c.partial + c.full) for c in h.mheap.central)
    return (stats, spans, caches, central, h.mheap.sweepgen, frozenset(h.mheap.pages.in_use_pages()),
            h.mheap.pages.search_addr, len(h.events.events))
