"""Reproducible memory workloads for the simulators.

Every generator takes an explicit ``rng`` (a :class:`random.Random`), never the
global one, so a seed reproduces a run exactly (print the seed with the result).

* :data:`BELADY` - the reference string behind Belady's anomaly.
* :func:`working_set_trace` - page references of a program that mostly sweeps
  through a working set (工作集) of hot pages, sometimes jumps inside it, and
  rarely touches a cold page; some references are writes.
* :func:`address_trace` - byte addresses with locality, for TLB experiments.
* :func:`allocation_workload` - ``alloc`` / ``free`` requests of varying sizes,
  for the segmentation vs paging comparison.

Simplification: real programs move between phases with different working
sets; these traces have one phase.
"""

from __future__ import annotations

from gomem.errors import ConfigError

BELADY = (1, 2, 3, 4, 1, 2, 5, 1, 2, 3, 4, 5)


def _need_rng(rng):
    if rng is None or not hasattr(rng, "random"):
        raise ConfigError("pass rng=random.Random(seed); gomem never uses the global RNG")


def working_set_trace(rng, n_refs: int, working_set: int, cold_pages: int = 64,
                      p_seq: float = 0.7, p_cold: float = 0.02, write_frac: float = 0.3):
    """``(pages, writes)``: ``n_refs`` references to pages ``0..working_set-1`` (hot)
    and ``working_set..working_set+cold_pages-1`` (cold).

    Each reference is, with probability ``p_cold``, a random cold page; else with
    ``p_seq`` the hot page after the previous one (a loop over an array); else a
    random hot page.  A fraction ``write_frac`` of references are writes.
    """
    _need_rng(rng)
    if working_set <= 0 or n_refs < 0 or cold_pages < 0:
        raise ConfigError("working_set must be >= 1; n_refs and cold_pages >= 0")
    pages, writes, cur = [], [], 0
    for _ in range(n_refs):
        r = rng.random()
        if cold_pages and r < p_cold:
            page = working_set + rng.randrange(cold_pages)
        else:
            cur = (cur + 1) % working_set if rng.random() < p_seq else rng.randrange(working_set)
            page = cur
        pages.append(page)
        writes.append(rng.random() < write_frac)
    return pages, writes


def address_trace(rng, n: int, footprint: int, hot: int, p_hot: float = 0.9, base: int = 0):
    """``n`` byte addresses in ``[base, base + footprint)``; a fraction ``p_hot`` fall in
    the first ``hot`` bytes (the program's hot data)."""
    _need_rng(rng)
    if not 0 < hot <= footprint:
        raise ConfigError(f"need 0 < hot <= footprint, got hot={hot}, footprint={footprint}")
    return [base + (rng.randrange(hot) if rng.random() < p_hot else rng.randrange(footprint))
            for _ in range(n)]


def allocation_workload(rng, n_ops: int, min_size: int = 1024, max_size: int = 64 * 1024,
                        live_target: int = 800 * 1024):
    """``n_ops`` ops ``("alloc", id, size)`` / ``("free", id)``; sizes log-uniform in
    ``[min_size, max_size]``.

    A program in steady state: it allocates while the requested bytes still live
    are below ``live_target`` and otherwise frees a random live request (with a
    little noise either way so the pattern is not rigid).
    """
    _need_rng(rng)
    if not 0 < min_size <= max_size:
        raise ConfigError(f"need 0 < min_size <= max_size, got {min_size}, {max_size}")
    ops, live, next_id, live_bytes = [], {}, 0, 0
    for _ in range(n_ops):
        grow = live_bytes < live_target
        if rng.random() < 0.1:
            grow = not grow
        if live and not grow:
            rid = sorted(live)[rng.randrange(len(live))]
            live_bytes -= live.pop(rid)
            ops.append(("free", rid))
        else:
            size = int(round(min_size * (max_size / min_size) ** rng.random()))
            ops.append(("alloc", next_id, size))
            live[next_id] = size
            live_bytes += size
            next_id += 1
    return ops
