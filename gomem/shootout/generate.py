"""Seeded trace generators: four workload shapes for the shoot-out.

Every generator takes an explicit ``random.Random`` (or a seed) and a number of
operations, and returns a :class:`~gomem.shootout.trace.Trace` of exactly that many
operations, legal by construction (the builder frees and reallocates only live ids; the
tests run ``check_ops`` over generated traces, so ``generate`` does not check them again).
Ids are handed out 0, 1, 2, ... and never reused; objects still live at the end stay live
(legal in the malloc-lab format).  The shapes:

``small``     many small objects (8-128 B, mostly <= 48 B): grow, churn, then drain.
``bimodal``   small objects (16-64 B) mixed with big ones (2-48 KiB, some large for Go);
              random frees punch small holes between big blocks.
``growing``   three arrays grow by ``r`` (append-like steps of 16-160 B) while small
              long-lived objects are allocated between them.
``server``    a churny server: each request allocates a header, a body buffer (512 B -
              16 KiB, sometimes grown by ``r``) and a few structs, lives for a random
              number of later requests, then all of it is freed; a small cache keeps
              some entries for a long time.

None of this is copied from the CS:APP traces; the shapes only echo their spirit.
"""

from __future__ import annotations

import math
import random

from gomem.errors import ConfigError
from gomem.shootout.trace import Op, Trace

SHAPES = {
    "small": "many small objects (8-128 B): grow, churn, drain",
    "bimodal": "small (16-64 B) and big (2-48 KiB) objects, random frees",
    "growing": "three arrays grown by realloc, small objects in between",
    "server": "request/response churn: header, body buffer, structs; a small cache",
}
MAX_OPS = 2_000_000


def _log_uniform(rng: random.Random, lo: int, hi: int) -> int:
    return int(math.exp(rng.uniform(math.log(lo), math.log(hi + 1))))


class _Builder:
    """Collects ops, hands out ids, remembers which are live (in allocation order)."""

    def __init__(self, rng: random.Random, n_ops: int):
        self.rng, self.n_ops = rng, n_ops
        self.ops: list[Op] = []
        self.live: list[int] = []          # live ids; random frees swap-remove
        self.pos: dict[int, int] = {}
        self.next_id = 0

    def full(self) -> bool:
        return len(self.ops) >= self.n_ops

    def alloc(self, size: int) -> int:
        i = self.next_id
        self.next_id += 1
        self.ops.append(Op("a", i, size))
        self.pos[i] = len(self.live)
        self.live.append(i)
        return i

    def free(self, i: int) -> None:
        self.ops.append(Op("f", i))
        k = self.pos.pop(i)
        last = self.live.pop()
        if last != i:
            self.live[k] = last
            self.pos[last] = k

    def free_random(self) -> None:
        self.free(self.live[self.rng.randrange(len(self.live))])

    def realloc(self, i: int, size: int) -> None:
        self.ops.append(Op("r", i, size))


def _phase_alloc_probability(done: int, n: int) -> float:
    """Grow (0.8), churn (0.5), then drain (0.25): the live set rises, holds, falls."""
    f = done / n
    return 0.8 if f < 0.4 else 0.5 if f < 0.8 else 0.25


SMALL_SIZES = (8, 16, 16, 24, 24, 24, 32, 32, 40, 48, 48, 64, 80, 96, 128)


def _small(b: _Builder) -> None:
    rng = b.rng
    while not b.full():
        if not b.live or rng.random() < _phase_alloc_probability(len(b.ops), b.n_ops):
            size = rng.choice(SMALL_SIZES)
            if rng.random() < 0.25:            # odd sizes: strings, byte slices
                size = rng.randint(1, size)
            b.alloc(size)
        else:
            b.free_random()


def _bimodal(b: _Builder) -> None:
    rng = b.rng
    while not b.full():
        if not b.live or rng.random() < _phase_alloc_probability(len(b.ops), b.n_ops):
            if rng.random() < 0.85:
                b.alloc(rng.randint(16, 64))
            else:
                b.alloc(_log_uniform(rng, 2048, 48 << 10))
        else:
            b.free_random()


def _growing(b: _Builder) -> None:
    rng = b.rng
    arrays = {b.alloc(rng.randint(16, 64)): 0 for _ in range(3)}
    sizes = {i: b.ops[k].size for k, i in enumerate(arrays)}
    small: list[int] = []
    while not b.full():
        x = rng.random()
        if x < 0.5:
            i = rng.choice(list(arrays))
            sizes[i] += rng.randint(16, 160)
            b.realloc(i, sizes[i])
        elif x < 0.85 or not small:
            small.append(b.alloc(rng.choice(SMALL_SIZES)))
        else:
            k = rng.randrange(len(small))
            small[k], small[-1] = small[-1], small[k]
            b.free(small.pop())


def _server(b: _Builder) -> None:
    rng = b.rng
    inflight: list[tuple[int, list[int]]] = []     # (finish at request #, ids)
    cache: list[int] = []
    request = 0
    while not b.full():
        request += 1
        for done in [r for r in inflight if r[0] <= request]:
            inflight.remove(done)
            for i in done[1]:
                if b.full():
                    return
                b.free(i)
        if b.full():
            return
        ids = [b.alloc(rng.randint(64, 256))]                     # request header
        body = _log_uniform(rng, 512, 16 << 10)
        ids.append(b.alloc(body))                                  # body buffer
        for _ in range(rng.randint(2, 6)):                         # parsed structs
            if b.full():
                break
            ids.append(b.alloc(rng.choice((24, 32, 48, 64, 96))))
        if not b.full() and rng.random() < 0.3:                    # body grows
            b.realloc(ids[1], body * 2)
        inflight.append((request + rng.randint(4, 24), ids))
        if not b.full() and rng.random() < 0.15:                   # cache an entry
            cache.append(b.alloc(_log_uniform(rng, 128, 2048)))
            if len(cache) > 40 and not b.full():
                b.free(cache.pop(0))
    del b.ops[b.n_ops:]


_GENERATORS = {"small": _small, "bimodal": _bimodal, "growing": _growing, "server": _server}


def generate(shape: str, n_ops: int, seed: int | random.Random = 0) -> Trace:
    """A trace of ``n_ops`` operations of the given shape (see :data:`SHAPES`)."""
    if shape not in _GENERATORS:
        raise ConfigError(f"unknown trace shape {shape!r}; choose one of {', '.join(SHAPES)}")
    if isinstance(n_ops, bool) or not isinstance(n_ops, int) or not 1 <= n_ops <= MAX_OPS:
        raise ConfigError(f"n_ops must be an int in 1..{MAX_OPS}, got {n_ops!r}")
    rng = seed if isinstance(seed, random.Random) else random.Random(seed)
    b = _Builder(rng, n_ops)
    _GENERATORS[shape](b)
    ops = b.ops[:n_ops]
    num_ids = max((o.id for o in ops), default=-1) + 1
    name = f"{shape}-{n_ops}" + (f"-s{seed}" if isinstance(seed, int) else "")
    return Trace(tuple(ops), num_ids, peak_payload(ops), 1, name)


def peak_payload(ops) -> int:
    """The most payload bytes live at any moment (the numerator of utilisation)."""
    size: dict[int, int] = {}
    live = peak = 0
    for kind, i, n in ops:
        if kind == "f":
            live -= size.pop(i)
        else:
            live += n - size.get(i, 0)
            size[i] = n
            if live > peak:
                peak = live
    return peak
