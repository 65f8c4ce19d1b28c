"""The MMU: hardware that turns every virtual address into a physical one.

On each load or store the MMU first asks the TLB.  On a hit the frame number
is known at once.  On a miss it walks the page table (x86-64: four memory
reads, PML4 -> PDPT -> PD -> PT), and if the walk ends at a PTE marked
present it caches the translation in the TLB.  If the walk finds no entry, or
a PTE whose page is not in memory, or a write to a read-only page, the MMU
does not guess: it raises a page fault (x86 exception #PF) and the kernel's
handler decides what happens (:mod:`gomem.vm.kernel`).

The MMU also keeps the PTE's accessed and dirty bits up to date; the kernel
reads them to choose victims and to know which pages need writing back.

Simplifications: on a TLB hit the dirty/accessed bits are set in the PTE
directly (hardware caches them in the TLB entry and re-walks to set D); no
permission bits besides writable.
"""

from __future__ import annotations

from dataclasses import dataclass

from gomem.errors import GoMemError
from gomem.vm.pagetable import PageTable, Walk
from gomem.vm.tlb import TLB


class PageFault(GoMemError):
    """The trap the MMU raises when it cannot translate (x86 #PF).

    Not a bug: the kernel catches it and either brings the page in or turns it
    into a :class:`~gomem.errors.SegmentationFault`.  You only see it when
    you call :meth:`MMU.translate` yourself.  ``reason`` is ``"missing"``,
    ``"not present"`` or ``"protection"``.
    """

    def __init__(self, vaddr: int, reason: str, walk: Walk | None = None):
        super().__init__(f"page fault at {vaddr:#x} ({reason})")
        self.vaddr, self.reason, self.walk = vaddr, reason, walk


@dataclass(frozen=True)
class Translation:
    """A successful translation: where ``vaddr`` landed and how the MMU got there."""

    vaddr: int
    paddr: int
    frame: int
    tlb_hit: bool
    walk: Walk | None  # None on a TLB hit: no walk was needed


class MMU:
    """The x86-64 MMU: a TLB lookup, then a hardware page-table walk on a miss.

    Simplifications as in the module docstring; ``pid`` stands in for the PCID that
    tags TLB entries, and the page table passed in for the one CR3 points at.
    """

    def __init__(self, tlb: TLB | None = None):
        self.tlb = tlb
        self.walks = 0  # page-table walks done (TLB misses that reached the table)

    def translate(self, pid: int, table: PageTable, vaddr: int, write: bool = False) -> Translation:
        lay = table.layout
        vpn = lay.vpn(vaddr)
        offset = vaddr & (lay.page_size - 1)
        frame = self.tlb.lookup(pid, vpn) if self.tlb is not None else None
        if frame is not None:
            pte = table.lookup(vpn)
            if write and not pte.writable:
                raise PageFault(vaddr, "protection")
            pte.accessed = True
            pte.dirty = pte.dirty or write
            return Translation(vaddr, frame * lay.page_size + offset, frame, True, None)
        walk = table.walk(vaddr)
        self.walks += 1
        if walk.pte is None:
            raise PageFault(vaddr, "missing", walk)
        if not walk.pte.present:
            raise PageFault(vaddr, "not present", walk)
        if write and not walk.pte.writable:
            raise PageFault(vaddr, "protection", walk)
        walk.pte.accessed = True
        walk.pte.dirty = walk.pte.dirty or write
        if self.tlb is not None:
            self.tlb.insert(pid, vpn, walk.pte.frame)
        return Translation(vaddr, walk.pte.frame * lay.page_size + offset, walk.pte.frame,
                           False, walk)
