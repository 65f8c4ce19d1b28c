"""Turning a check's input into a call, and the call's result into plain data.

This module is the only grading code that ever runs *inside a submission's kernel*:
the grader sends its source (not an import, so a notebook that patched
``sys.modules`` changes nothing here) together with the inputs, and gets back plain
JSON data.  The same functions run in the grader's own process on gomem's reference
implementation, so "expected" and "got" are built by the same code and compared as
data.  Nothing here decides pass or fail — that happens in the grader, out of reach of
the submission.

An *adapter* says how to call a task's function:

``plain``  ``fn(*args)``; the result is the return value.
``span``   ``args[0]`` describes an mspan (see :func:`span_to_data`); the function gets a
           fresh :class:`gomem.mspan.MSpan` built from it, plus the other args; the result
           is the return value *and* the span's fields afterwards, since the functions of
           lesson 05 work by moving ``freeindex`` and ``alloc_cache``.
``sweep``  like ``span``, and the span may carry ``gcmark_bits`` and ``spanclass``; the
           result also holds both bitmaps afterwards (lesson 07's sweep rewrites them).
``copy``   ``fn(*args)`` on a deep copy of the args, with dict keys that JSON turned into
           digit strings made ints again (a page table ``{index: entry}``).
``inplace`` like ``copy``; the result is the return value *and* the args afterwards, for
           functions that work by changing their input (lesson 06's span sets).
"""

from __future__ import annotations

SPAN_FIELDS = ("start_addr", "npages", "nelems", "elemsize", "freeindex", "alloc_cache",
               "alloc_count")


def to_plain(x, depth=0):
    """A JSON-able copy of ``x``: tuples become lists, int-likes become ints."""
    if depth > 20:
        return {"__repr__": "<too deep>"}
    if x is None or isinstance(x, (bool, str)):
        return x
    if isinstance(x, int):
        return int(x)
    if isinstance(x, float):
        return x if x == x and abs(x) != float("inf") else repr(x)
    if isinstance(x, (list, tuple)):
        if len(x) > 100_000:
            return {"__repr__": f"<a sequence of {len(x)} items>"}
        return [to_plain(v, depth + 1) for v in x]
    if hasattr(x, "__index__") and not hasattr(x, "__len__"):  # numpy ints and friends
        try:
            return int(x.__index__())
        except Exception:  # noqa: BLE001 - anything a hostile object raises
            pass
    try:
        text = repr(x)
    except Exception:  # noqa: BLE001
        text = "<unprintable>"
    return {"__repr__": text[:200], "__type__": type(x).__name__}


def span_from_data(d):
    """A fresh ``MSpan`` holding the state ``d`` describes (``alloc_bits`` as hex)."""
    from gomem.mspan import MSpan
    span = MSpan(d["start_addr"], d["npages"])
    span.nelems = d["nelems"]
    span.elemsize = d["elemsize"]
    span.freeindex = d["freeindex"]
    span.alloc_cache = d["alloc_cache"]
    span.alloc_count = d["alloc_count"]
    span.alloc_bits = bytearray(bytes.fromhex(d["alloc_bits"]))
    if "gcmark_bits" in d:
        span.gcmark_bits = bytearray(bytes.fromhex(d["gcmark_bits"]))
    if "spanclass" in d:
        span.spanclass = d["spanclass"]
    span.limit = span.start_addr + span.nelems * span.elemsize
    return span


def span_to_data(span):
    d = {f: to_plain(getattr(span, f, None)) for f in SPAN_FIELDS}
    d["alloc_bits"] = bytes(span.alloc_bits).hex()
    return d


def int_keys(x):
    """A deep copy of ``x`` with digit-string dict keys back to ints (JSON loses int keys)."""
    if isinstance(x, dict):
        return {(int(k) if isinstance(k, str) and k.isdigit() else k): int_keys(v)
                for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [int_keys(v) for v in x]
    return x


def to_data(x, depth=0):
    """:func:`to_plain` that also keeps dicts (keys as strings), for in-place results."""
    if isinstance(x, dict) and depth <= 20:
        return {str(k): to_data(v, depth + 1) for k, v in list(x.items())[:10_000]}
    if isinstance(x, (list, tuple)) and depth <= 20 and len(x) <= 100_000:
        return [to_data(v, depth + 1) for v in x]
    return to_plain(x, depth)


def run_case(adapter, fn, args):
    """Call ``fn`` on one check input; return plain data, or ``{"__raised__": ...}``."""
    try:
        if adapter == "plain":
            return {"return": to_plain(fn(*args))}
        if adapter == "span":
            span = span_from_data(args[0])
            ret = fn(span, *args[1:])
            after = {f: to_plain(getattr(span, f, None)) for f in SPAN_FIELDS}
            return {"return": to_plain(ret), "span": after}
        if adapter == "sweep":
            span = span_from_data(args[0])
            ret = fn(span, *args[1:])
            after = {f: to_plain(getattr(span, f, None)) for f in SPAN_FIELDS}
            for f in ("alloc_bits", "gcmark_bits"):
                bits = getattr(span, f, None)
                after[f] = bytes(bits).hex() if isinstance(bits, (bytes, bytearray)) \
                    else to_plain(bits)          # a list or other object: shown, never equal
            return {"return": to_plain(ret), "span": after}
        if adapter == "copy":
            return {"return": to_plain(fn(*int_keys(args)))}
        if adapter == "inplace":
            mine = int_keys(args)
            ret = fn(*mine)
            return {"return": to_data(ret), "args": to_data(mine)}
        raise ValueError(f"unknown adapter {adapter!r}")
    except (Exception, SystemExit) as err:  # noqa: BLE001 - a submission may raise anything
        try:
            message = str(err)
        except Exception:  # noqa: BLE001
            message = "<unprintable>"
        return {"__raised__": type(err).__name__, "message": message[:300]}
