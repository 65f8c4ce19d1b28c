"""The kernel side of virtual memory: address spaces, demand paging and swap.

Each :class:`Process` has its own page table, so the same virtual address in
two processes names two different frames - isolation (隔离).  A process asks
for memory with :meth:`Kernel.mmap`; like Linux's anonymous ``mmap`` this only
records a region (a VMA) and maps nothing.  The first touch of each page
traps (a *minor* fault: the handler takes a zeroed frame); that is demand
paging.  When no frame is free the handler evicts a victim chosen by the
replacement policy: a dirty victim is first written to swap (a write-back), a
clean one is simply dropped.  Touching an evicted page later is a *major*
fault: the page is read back from swap.  An address outside every region is a
:class:`~gomem.errors.SegmentationFault` (Linux sends SIGSEGV).

Invariants kept here: a frame has at most one owner; a PTE is present iff its
frame's owner is that (pid, vpn); the TLB never holds a translation for a
page that is not present.  Every public method checks its arguments before it
changes anything, so an error leaves the kernel as it was.

Simplifications: one global replacement policy over all processes (Linux
also uses global LRU lists); no file-backed pages, no copy-on-write, no
fork; regions are placed by a simple cursor, not the real mmap layout.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gomem.errors import BadSizeError, ConfigError, OutOfMemoryError, SegmentationFault, check_size
from gomem.vm.layout import AddressLayout
from gomem.vm.mmu import MMU, PageFault, Translation
from gomem.vm.pagetable import PageTable
from gomem.vm.physical import BackingStore, PhysicalMemory
from gomem.vm.replacement import make_policy
from gomem.vm.tlb import TLB


@dataclass(frozen=True)
class Region:
    """A virtual memory area (Linux: ``vm_area_struct``): pages ``start_vpn`` .. ``+npages``."""

    start_vpn: int
    npages: int
    writable: bool = True
    name: str = ""

    def __contains__(self, vpn: int) -> bool:
        return self.start_vpn <= vpn < self.start_vpn + self.npages


@dataclass
class Process:
    """An address space: a pid, a page table and the regions it has mapped."""

    pid: int
    name: str
    page_table: PageTable
    regions: list[Region] = field(default_factory=list)
    next_vpn: int = 0  # where the next mmap goes (a guard page is left between regions)

    def region_for(self, vpn: int) -> Region | None:
        return next((r for r in self.regions if vpn in r), None)


@dataclass(frozen=True)
class Access:
    """What one load/store did: the translation and the fault it took, if any."""

    translation: Translation
    fault: str | None  # None, "minor" (zero-fill) or "major" (read back from swap)

    @property
    def paddr(self) -> int:
        return self.translation.paddr

    @property
    def frame(self) -> int:
        return self.translation.frame


class Kernel:
    """RAM of ``frames`` frames, a swap device, a TLB, an MMU and the page-fault handler.

    ``policy`` is ``fifo``, ``lru``, ``clock`` or ``opt``; OPT needs ``future``, the
    list of ``(pid, vpn)`` the run will touch.  ``tlb_policy="random"`` needs ``rng``.
    """

    def __init__(self, frames: int, layout: AddressLayout | None = None, *, tlb_size: int = 16,
                 tlb_policy: str = "lru", policy: str = "lru", swap_pages: int | None = None,
                 future=None, rng=None):
        self.layout = layout or AddressLayout.x86_64()
        self.phys = PhysicalMemory(frames, self.layout.page_size)
        self.swap = BackingStore(swap_pages)
        self.tlb = TLB(tlb_size, tlb_policy, rng)
        self.mmu = MMU(self.tlb)
        self.policy = make_policy(policy, future)
        self.processes: dict[int, Process] = {}
        self._next_pid = 1
        self.refs = self.minor_faults = self.major_faults = self.evictions = 0

    # -- processes and regions -------------------------------------------------------------
    def spawn(self, name: str = "") -> Process:
        """A new process with an empty address space (pids count from 1)."""
        pid = self._next_pid
        self._next_pid += 1
        base = 0x400000 if 0x400000 * 4 <= self.layout.max_address else self.layout.page_size
        proc = Process(pid, name or f"proc{pid}", PageTable(self.layout),
                       next_vpn=base >> self.layout.offset_bits)
        self.processes[pid] = proc
        return proc

    def mmap(self, proc: Process, length: int, writable: bool = True, name: str = "") -> int:
        """Reserve ``length`` bytes (rounded up to pages); return the start address.

        Nothing is mapped yet: each page faults in on first touch.
        """
        self._check_proc(proc)
        check_size(length, "length")
        if length == 0:
            raise BadSizeError("mmap of 0 bytes")
        npages = -(-length // self.layout.page_size)
        if proc.next_vpn + npages > (1 << self.layout.vpn_bits):
            raise OutOfMemoryError(f"{proc.name}: no room for {npages} pages in the address space")
        region = Region(proc.next_vpn, npages, writable, name)
        proc.regions.append(region)
        proc.next_vpn += npages + 1  # one unmapped guard page
        return region.start_vpn << self.layout.offset_bits

    def exit(self, proc: Process) -> None:
        """End ``proc``: free its frames, its swap copies and its TLB entries."""
        self._check_proc(proc)
        for frame, owner in enumerate(self.phys.owner):
            if owner is not None and owner[0] == proc.pid:
                self.policy.removed(owner)
                self.tlb.invalidate(*owner)
                self.phys.free(frame)
        for key in [k for k in self.swap.pages if k[0] == proc.pid]:
            self.swap.drop(key)
        del self.processes[proc.pid]

    # -- memory accesses -------------------------------------------------------------------
    def access(self, proc: Process, vaddr: int, write: bool = False) -> Access:
        """One load (or store if ``write``) by ``proc`` at ``vaddr``, as the CPU would do it."""
        self._check_proc(proc)
        vpn = self.layout.vpn(vaddr)
        region = proc.region_for(vpn)
        if region is None:
            raise SegmentationFault(f"SIGSEGV: {proc.name} (pid {proc.pid}) touched unmapped "
                                    f"address {vaddr:#x}")
        if write and not region.writable:
            raise SegmentationFault(f"SIGSEGV: {proc.name} wrote to read-only address {vaddr:#x}")
        pte = proc.page_table.lookup(vpn)
        if pte is None or not pte.present:
            self._check_can_fault()
        fault = None
        try:
            tr = self.mmu.translate(proc.pid, proc.page_table, vaddr, write)
        except PageFault:
            fault = self._handle_fault(proc, vpn, region)
            tr = self.mmu.translate(proc.pid, proc.page_table, vaddr, write)  # restart
        self.refs += 1
        self.policy.accessed((proc.pid, vpn))
        return Access(tr, fault)

    def load(self, proc: Process, vaddr: int) -> int:
        """Read the byte at ``vaddr``."""
        return self.phys.read(self.access(proc, vaddr).paddr)

    def store(self, proc: Process, vaddr: int, value: int) -> None:
        """Write byte ``value`` (0..255) at ``vaddr``."""
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 255:
            raise BadSizeError(f"a byte is an int in 0..255, got {value!r}")
        self.phys.write(self.access(proc, vaddr, write=True).paddr, value)

    # -- the page-fault handler ------------------------------------------------------------
    def _check_can_fault(self) -> None:
        """Raise before any change if a fault now could not get a frame."""
        if self.phys.free_frames():
            return
        key = self.policy.victim()
        pte = self.processes[key[0]].page_table.lookup(key[1])
        if pte.dirty and not self.swap.has_room_for(key):
            raise OutOfMemoryError(f"out of memory: swap is full ({self.swap.capacity} pages) "
                                   f"and every frame is in use")

    def _handle_fault(self, proc: Process, vpn: int, region: Region) -> str:
        key = (proc.pid, vpn)
        if not self.phys.free_frames():
            self._evict(self.policy.victim())
        frame = self.phys.alloc(proc.pid, vpn)
        pte = proc.page_table.ensure_pte(vpn)
        if key in self.swap.pages:
            self.phys.data[frame][:] = self.swap.read(key)
            kind = "major"
            self.major_faults += 1
        else:
            kind = "minor"  # zero-fill on first touch (or a clean zero page dropped earlier)
            self.minor_faults += 1
        pte.frame, pte.present, pte.dirty, pte.writable = frame, True, False, region.writable
        self.policy.loaded(key)
        return kind

    def _evict(self, key) -> None:
        pid, vpn = key
        pte = self.processes[pid].page_table.lookup(vpn)
        if pte.dirty:
            self.swap.write(key, self.phys.data[pte.frame])
        self.tlb.invalidate(pid, vpn)
        self.phys.free(pte.frame)
        pte.present, pte.frame, pte.dirty = False, None, False
        self.policy.removed(key)
        self.evictions += 1

    # -- inspection ------------------------------------------------------------------------
    def _check_proc(self, proc) -> None:
        if not isinstance(proc, Process) or self.processes.get(proc.pid) is not proc:
            raise ConfigError(f"{proc!r} is not a live process of this kernel")

    def stats(self) -> dict[str, int]:
        """Counters as plain ints."""
        return {"refs": self.refs, "tlb_hits": self.tlb.hits, "tlb_misses": self.tlb.misses,
                "walks": self.mmu.walks, "minor_faults": self.minor_faults,
                "major_faults": self.major_faults, "evictions": self.evictions,
                "writebacks": self.swap.writes, "swap_reads": self.swap.reads}

    def resident_frame(self, proc: Process, vaddr: int) -> int | None:
        """The frame holding ``vaddr``'s page now, or None; looks without touching (no fault)."""
        self._check_proc(proc)
        pte = proc.page_table.lookup(self.layout.vpn(vaddr))
        return pte.frame if pte is not None and pte.present else None

    def frame_owners(self) -> list[tuple[int, int] | None]:
        """Frame table: (pid, vpn) per frame, None if free."""
        return list(self.phys.owner)
