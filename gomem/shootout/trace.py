"""Allocation traces in the CS:APP malloc-lab format: parse, check, write.

A trace file opens with four header lines, then one operation per line::

    20000        suggested heap size (bytes; informational)
    3            number of ids (ids are 0 .. n-1)
    5            number of operations that follow
    1            weight (informational)
    a 0 512      allocate id 0, 512 bytes          (malloc)
    a 1 128
    r 0 640      resize id 0 to 640 bytes          (realloc)
    f 1          free id 1                         (free)
    f 0

Invariants :func:`parse_trace` checks (each error names the line): exactly four
non-negative integer header fields; every id is in ``0 .. n-1``; an id is allocated
only while it is not live, and freed or resized only while it is; sizes are ints
>= 1 (``malloc(0)`` is legal C but allocates nothing, so traces never use it); the
operation count matches the header.  Blank lines and ``#`` comment lines are
skipped; ids may be reused after a free, and may still be live at the end.
"""

from __future__ import annotations

from typing import NamedTuple

from gomem.errors import BadSizeError, ConfigError


class TraceError(ConfigError):
    """A malformed trace: bad header, unknown op, bad id, or an op on a dead/live id."""


class Op(NamedTuple):
    """One trace line: ``kind`` is ``"a"``, ``"f"`` or ``"r"``; ``size`` is 0 for frees."""

    kind: str
    id: int
    size: int = 0


class Trace(NamedTuple):
    """A whole trace: its operations and the header values."""

    ops: tuple[Op, ...]
    num_ids: int
    suggested_heap: int = 0
    weight: int = 1
    name: str = ""

    def __len__(self) -> int:
        return len(self.ops)

    def describe(self) -> str:
        n = {k: sum(1 for o in self.ops if o.kind == k) for k in "afr"}
        return (f"trace '{self.name}': {len(self.ops)} ops ({n['a']} malloc, {n['f']} free, "
                f"{n['r']} realloc) on {self.num_ids} ids")


def _int(text: str, what: str, lineno: int) -> int:
    try:
        value = int(text)
    except ValueError:
        raise TraceError(f"line {lineno}: {what} must be an integer, not {text!r}") from None
    if value < 0:
        raise TraceError(f"line {lineno}: {what} must be >= 0, got {value}")
    return value


def _size(text: str, lineno: int) -> int:
    try:
        size = int(text)
    except ValueError:
        raise BadSizeError(f"line {lineno}: size must be an integer, not {text!r}") from None
    if size < 1:
        raise BadSizeError(f"line {lineno}: size must be >= 1, got {size}")
    return size


def check_ops(ops, num_ids: int, lines=None) -> None:
    """Raise :class:`TraceError` unless ``ops`` is a legal op sequence over ``num_ids`` ids."""
    live: set[int] = set()
    for i, op in enumerate(ops):
        where = f"line {lines[i]}" if lines else f"op {i}"
        if op.kind not in ("a", "f", "r"):
            raise TraceError(f"{where}: unknown operation {op.kind!r} (expected a, f or r)")
        if not 0 <= op.id < num_ids:
            raise TraceError(f"{where}: id {op.id} out of range 0..{num_ids - 1} "
                             f"(header says {num_ids} ids)")
        if op.kind == "a":
            if op.id in live:
                raise TraceError(f"{where}: 'a {op.id}' but id {op.id} is already allocated")
            live.add(op.id)
        elif op.id not in live:
            verb = "free" if op.kind == "f" else "realloc"
            raise TraceError(f"{where}: {verb} of id {op.id}, which is not allocated")
        elif op.kind == "f":
            live.discard(op.id)
        if op.kind != "f" and (isinstance(op.size, bool) or not isinstance(op.size, int)
                               or op.size < 1):
            raise BadSizeError(f"{where}: size must be an int >= 1, got {op.size!r}")


def parse_trace(text: str, name: str = "") -> Trace:
    """Parse malloc-lab trace text into a checked :class:`Trace`."""
    if not isinstance(text, str):
        raise TraceError(f"trace text must be a str, not {type(text).__name__}")
    rows = [(n, line.split()) for n, line in enumerate(text.splitlines(), 1)]
    rows = [(n, f) for n, f in rows if f and not f[0].startswith("#")]
    if len(rows) < 4:
        raise TraceError(f"a trace needs 4 header lines (heap size, ids, ops, weight); "
                         f"found {len(rows)} non-empty lines")
    header = []
    for (n, fields), what in zip(rows[:4], ("suggested heap size", "number of ids",
                                            "number of ops", "weight")):
        if len(fields) != 1:
            raise TraceError(f"line {n}: header field '{what}' must be one integer, "
                             f"got {' '.join(fields)!r}")
        header.append(_int(fields[0], what, n))
    heap, num_ids, num_ops, weight = header
    ops, lines = [], []
    for n, fields in rows[4:]:
        kind = fields[0]
        want = {"a": 3, "r": 3, "f": 2}.get(kind)
        if want is None:
            raise TraceError(f"line {n}: unknown operation {kind!r} (expected a, f or r)")
        if len(fields) != want:
            form = "f ID" if kind == "f" else f"{kind} ID SIZE"
            raise TraceError(f"line {n}: expected '{form}', got {' '.join(fields)!r}")
        ident = _int(fields[1], "id", n)
        size = _size(fields[2], n) if kind != "f" else 0
        ops.append(Op(kind, ident, size))
        lines.append(n)
    if len(ops) != num_ops:
        raise TraceError(f"header says {num_ops} ops, the trace has {len(ops)}")
    check_ops(ops, num_ids, lines)
    return Trace(tuple(ops), num_ids, heap, weight, name)


def write_trace(trace: Trace) -> str:
    """The malloc-lab text of ``trace`` (``parse_trace(write_trace(t)) == t`` up to the name)."""
    check_ops(trace.ops, trace.num_ids)
    out = [str(trace.suggested_heap), str(trace.num_ids), str(len(trace.ops)), str(trace.weight)]
    out += [f"f {o.id}" if o.kind == "f" else f"{o.kind} {o.id} {o.size}" for o in trace.ops]
    return "\n".join(out) + "\n"
