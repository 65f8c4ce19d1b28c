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


class TranslateQuestion(Question):
    """Lesson 01: translate one address through a small single-level page table."""

    name = "01.translate"

    def draw(self, rng):
        page_size = 1 << rng.randrange(8, 13)
        frames = rng.sample(range(16), 8)
        table = "".join(f"{f:x}" if rng.random() < 0.7 else "-" for f in frames)
        return {"page_size": page_size, "table": table,
                "vaddr": hex(rng.randrange(8 * page_size))}

    def text(self):
        p = self.params
        return (f"Pages are {p['page_size']} B. The page table maps VPN 0..7 to the frames "
                f"{p['table']} (hex digits, '-' = not present). What physical address does "
                f"{p['vaddr']} translate to (as an int; -1 for a page fault)?")

    def work(self):
        from gomem.vm import MMU, AddressLayout, PageFault, PageTable
        p = self.params
        ps, vaddr = p["page_size"], int(p["vaddr"], 16)
        k = ps.bit_length() - 1
        pt = PageTable(AddressLayout((3,), k, 3 + k, 4))
        for vpn, ch in enumerate(p["table"]):
            pte = pt.ensure_pte(vpn)
            pte.present, pte.frame = ch != "-", None if ch == "-" else int(ch, 16)
        vpn, offset = vaddr >> k, vaddr & (ps - 1)
        steps = [f"page size {ps} = 2**{k}: VPN = {vaddr:#x} >> {k} = {vpn}, "
                 f"offset = {vaddr:#x} & {ps - 1:#x} = {offset:#x}"]
        try:
            paddr = MMU().translate(0, pt, vaddr).paddr
        except PageFault:
            steps.append(f"entry {vpn} is '-': not present, a page fault")
            return steps, -1
        frame = paddr >> k
        steps.append(f"entry {vpn} holds frame {frame}")
        steps.append(f"physical address = {frame} * {ps} + {offset:#x} = {paddr:#x} = {paddr}")
        return steps, paddr


class WalkQuestion(Question):
    """Lesson 02: one index of a 4-level x86-64 page-table walk."""

    name = "02.walk"
    LEVELS = ("PML4", "PDPT", "PD", "PT")

    def draw(self, rng):
        return {"vaddr": hex(rng.randrange(1 << 47)), "level": rng.choice(self.LEVELS)}

    def text(self):
        p = self.params
        return (f"An x86-64 MMU (4-level paging, 9+9+9+9+12) translates {p['vaddr']}. Which "
                f"entry of the {p['level']} table does the walk read?")

    def work(self):
        from gomem.vm import AddressLayout
        p = self.params
        vaddr, level = int(p["vaddr"], 16), self.LEVELS.index(p["level"])
        indices, _ = AddressLayout.x86_64().split(vaddr)
        lo = 12 + 9 * (3 - level)
        steps = [f"the {p['level']} index is bits {lo}..{lo + 8} of the address",
                 f"({vaddr:#x} >> {lo}) & 0x1ff = {indices[level]}"]
        return steps, indices[level]


class GrowthQuestion(Question):
    """Lesson 03: how many 4 MiB chunks a fresh heap has after a few large allocations."""

    name = "03.growth"

    def draw(self, rng):
        return {"pages": ",".join(str(rng.randrange(16, 1500)) for _ in range(3))}

    def text(self):
        return (f"A fresh heap allocates three large objects of {self.params['pages']} pages "
                "(8 KiB each), in that order. How many 4 MiB chunks has mheap.grow added?")

    def work(self):
        from gomem import Heap
        h = Heap()
        steps, free = [], 0
        for n in map(int, self.params["pages"].split(",")):
            h.malloc(n * 8192, noscan=True)
            if free < n:
                ask = -(-n // 512)
                steps.append(f"{n} pages: only {free} free at the end -> grow by "
                             f"ceil({n} / 512) = {ask} chunk(s)")
                free += ask * 512
            else:
                steps.append(f"{n} pages: fits in the {free} free pages at the end")
            free -= n
        return steps, len(h.mheap.pages.chunks)


class TinyQuestion(Question):
    """Lesson 07: where the tiny allocator puts the last of a few small objects."""

    name = "07.tiny"

    def draw(self, rng):
        return {"sizes": ",".join(str(rng.choice([rng.randrange(1, 16), 2, 4, 8, 12]))
                                  for _ in range(rng.randrange(3, 7)))}

    def text(self):
        return (f"On a fresh heap a P allocates pointer-free objects of {self.params['sizes']} "
                "bytes, in that order. At which offset inside its 16-byte block does the "
                "last one land?")

    def work(self):
        from gomem import Heap
        h = Heap()
        c = h.mcaches[0]
        steps = []
        for n in map(int, self.params["sizes"].split(",")):
            before = (c.tiny, c.tinyoffset)
            addr = h.malloc(n, noscan=True)
            fresh = before[0] == 0 or addr & ~15 != before[0]
            steps.append(f"{n} B -> offset {addr & 15}"
                         + (" of a fresh block" if fresh else " of the current block")
                         + (f" (now current, tinyoffset {c.tinyoffset})"
                            if fresh and c.tiny == addr else ""))
        return steps, addr & 15
