"""Experiments behind the lessons' plots: numbers only, no drawing.

Each function runs a simulator over a range of one parameter and returns
plain Python numbers, so pytest can check what a plot will show and
:mod:`gomem.viz.vm` only draws.

* :func:`fault_curve` - page faults vs number of frames (the working-set
  cliff, Belady's anomaly).
* :func:`effective_access_ns`, :func:`access_time_ns` - what faults cost in time.
* :func:`page_size_tradeoff` - internal waste vs page-table size per page size.
* :func:`tlb_hit_rate` / :func:`tlb_curve` - TLB hit rate vs entries and page size.
* :func:`table_bytes_for` - memory taken by a multi-level table for some pages.

Simplification: the timing constants are round textbook figures (100 ns for
DRAM, 1 us for a minor fault, 100 us for an SSD page-in, 10 ms for a disk),
not measurements.
"""

from __future__ import annotations

from gomem.errors import ConfigError
from gomem.vm.layout import AddressLayout, offset_bits_for
from gomem.vm.pagetable import PageTable
from gomem.vm.replacement import simulate_many
from gomem.vm.tlb import TLB

DRAM_NS = 100
MINOR_FAULT_NS = 1_000       # trap + zero a 4 KiB frame
SSD_FAULT_NS = 100_000
DISK_FAULT_NS = 10_000_000


def fault_curve(pages, frames_list, policy: str = "lru", writes=None) -> list[int]:
    """Faults for each frame count in ``frames_list``."""
    return [s.faults for s in runs(pages, frames_list, policy, writes)]


def runs(pages, frames_list, policy: str = "lru", writes=None) -> list:
    """The full :class:`PagingStats` (as :func:`~gomem.vm.replacement.simulate` counts them)
    for each frame count in ``frames_list``."""
    return simulate_many(pages, frames_list, policy, writes)


def effective_access_ns(fault_rate: float, mem_ns: float = DRAM_NS,
                        fault_ns: float = SSD_FAULT_NS) -> float:
    """Average time per access: (1 - p) * memory + p * (fault service)."""
    if not 0 <= fault_rate <= 1:
        raise ConfigError(f"fault rate must be in [0, 1], got {fault_rate}")
    return (1 - fault_rate) * mem_ns + fault_rate * fault_ns


def access_time_ns(stats, mem_ns: float = DRAM_NS, minor_ns: float = MINOR_FAULT_NS,
                   major_ns: float = SSD_FAULT_NS) -> float:
    """Average time per reference of a :class:`PagingStats` run.

    First touches cost a minor fault (zero-fill), re-faults of evicted pages a
    major fault (read from swap); every other reference one DRAM access.
    """
    if not stats.refs:
        return 0.0
    hits = stats.refs - stats.faults
    return (hits * mem_ns + stats.cold_faults * minor_ns + stats.major_faults * major_ns) \
        / stats.refs


def page_size_tradeoff(request_sizes, page_sizes, address_bits: int = 32,
                       pte_bytes: int = 4) -> list[dict]:
    """For each page size: internal waste of the requests and the flat page-table size.

    A single-level table has one entry per virtual page of the whole address space,
    so it shrinks as pages grow, while each request's unused last-page tail grows.
    """
    rows = []
    for ps in page_sizes:
        off = offset_bits_for(ps)
        if off >= address_bits:
            raise ConfigError(f"page size {ps} leaves no index bits in {address_bits} bits")
        waste = sum(-(-n // ps) * ps - n for n in request_sizes)
        table = (1 << (address_bits - off)) * pte_bytes
        rows.append({"page_size": ps, "internal_waste": waste, "table_bytes": table,
                     "total": waste + table})
    return rows


def table_bytes_for(layout: AddressLayout, vpns) -> int:
    """Bytes of the multi-level tables needed to map exactly ``vpns``."""
    pt = PageTable(layout)
    for v in vpns:
        pt.ensure_pte(v)
    return pt.size_bytes()


def tlb_hit_rate(addresses, page_size: int, tlb_size: int) -> float:
    """Hit rate of an LRU TLB of ``tlb_size`` entries for ``addresses``."""
    off = offset_bits_for(page_size)
    tlb = TLB(tlb_size, "lru")
    for a in addresses:
        vpn = a >> off
        if tlb.lookup(0, vpn) is None:
            tlb.insert(0, vpn, vpn)
    return tlb.hit_rate


def tlb_curve(addresses, page_size: int, tlb_sizes) -> list[float]:
    return [tlb_hit_rate(addresses, page_size, n) for n in tlb_sizes]
