"""Seeded practice questions: one seed draws the question *and* its worked answer.

In the spirit of the OSTEP homework simulators: every printout starts with the
question's parameters and seed (``ARG seed 1234 size 700 noscan False``), so whatever a
learner shows you says how to reproduce it.  The seed is per learner
(:func:`learner_seed`), so neighbours get different numbers.

    q = WasteQuestion(seed=learner_seed())
    q                 # the question
    q.check(120)      # right or not (and a hint), never the answer
    q.solution()      # the worked answer
"""

from __future__ import annotations

import getpass
import os
import random
import zlib


def learner_seed() -> int:
    """``$GOMEM_SEED`` if set, else a stable number from the user name (0..9999)."""
    if os.environ.get("GOMEM_SEED", "").strip().isdigit():
        return int(os.environ["GOMEM_SEED"])
    try:
        user = getpass.getuser()
    except Exception:  # noqa: BLE001 - no user name in some containers
        user = "learner"
    return zlib.crc32(user.encode()) % 10_000


class Question:
    """Base class: subclasses set ``name`` and implement ``draw``, ``text``, ``work``."""

    name = "question"

    def __init__(self, seed: int = 0):
        self.seed = int(seed)
        self.params = self.draw(random.Random(f"{self.name}:{self.seed}"))

    def draw(self, rng: random.Random) -> dict:
        raise NotImplementedError

    def text(self) -> str:
        raise NotImplementedError

    def work(self) -> tuple[list[str], int]:
        """The worked solution: (steps, answer)."""
        raise NotImplementedError

    @property
    def answer(self) -> int:
        return self.work()[1]

    def args_line(self) -> str:
        return "ARG seed " + str(self.seed) + "".join(
            f" {k} {v}" for k, v in self.params.items())

    def __repr__(self) -> str:
        return f"{self.args_line()}\n{self.text()}"

    def check(self, answer) -> None:
        ok = answer == self.answer
        verdict = "correct ✔" if ok else "not quite ✘ — try again, or q.solution()"
        print(f"{self.args_line()}\nyour answer {answer!r}: {verdict}")

    def solution(self) -> None:
        steps, answer = self.work()
        print(self.args_line())
        for i, step in enumerate(steps, start=1):
            print(f"  {i}. {step}")
        print(f"  answer: {answer}")


class WasteQuestion(Question):
    """Lesson 04: the bytes a request wastes to rounding (internal fragmentation, 内部碎片)."""

    name = "04.waste"

    def draw(self, rng):
        size = rng.choice([rng.randrange(1, 1024), rng.randrange(1024, 32761)])
        return {"size": size, "noscan": rng.random() < 0.5}

    def text(self):
        p = self.params
        kind = "pointer-free (noscan)" if p["noscan"] else "pointerful"
        return (f"A {kind} object of {p['size']} B is allocated. How many bytes of its "
                "slot are wasted (slot size - request; a malloc header counts as waste)?")

    def work(self):
        from gomem.sizeclasses import CLASS_TO_SIZE, needs_malloc_header, size_to_class
        size, noscan = self.params["size"], self.params["noscan"]
        header = 8 if needs_malloc_header(size, noscan) else 0
        cls = size_to_class(size, noscan)
        slot = CLASS_TO_SIZE[cls]
        steps = [f"malloc header: {header} B "
                 + ("(pointerful and > 512 B)" if header else "(none: noscan or <= 512 B)"),
                 f"lookup size {size + header} B -> class {cls}, slot {slot} B",
                 f"waste = {slot} - {size} = {slot - size} B"]
        return steps, slot - size


class SlotQuestion(Question):
    """Lesson 05: which slot ``nextFreeIndex`` hands out, from ``allocBits`` and ``freeindex``."""

    name = "05.slot"

    def draw(self, rng):
        bits = rng.getrandbits(16) | rng.getrandbits(16)  # mostly taken slots
        return {"alloc_bits": f"{bits:016b}"[::-1], "freeindex": rng.randrange(0, 12)}

    def text(self):
        p = self.params
        return (f"A span of 16 slots has allocBits (slot 0 first) {p['alloc_bits']} and "
                f"freeindex {p['freeindex']}. Which slot does the next allocation get "
                "(16 if none)?")

    def work(self):
        p = self.params
        bits = int(p["alloc_bits"][::-1], 2)
        free = ~bits & 0xFFFF
        cache = free >> p["freeindex"]
        ctz = (cache & -cache).bit_length() - 1 if cache else 64
        slot = min(p["freeindex"] + ctz, 16) if cache else 16
        steps = [f"free bits = ^allocBits (slot 0 first): {format(free, '016b')[::-1]}",
                 f"shift right by freeindex {p['freeindex']}: {cache:b} (bit 0 = slot "
                 f"{p['freeindex']})",
                 f"ctz = {ctz}" + (" (nothing free)" if not cache else ""),
                 f"slot = freeindex + ctz = {slot}" if cache else "no free slot: nelems = 16"]
        return steps, slot
