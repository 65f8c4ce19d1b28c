"""gomem.vm: a small simulator of virtual memory and paging.

Before Go's allocator can be understood, the memory it gets from the OS must
be: every address a Go program uses is *virtual*.  This package models the
machinery between a virtual address and a byte of RAM, one module per part:

* :mod:`~gomem.vm.layout` - how an address splits into table indices + offset
  (x86-64: 9+9+9+9+12);
* :mod:`~gomem.vm.pagetable` - multi-level page tables and the step-by-step walk;
* :mod:`~gomem.vm.tlb` - the translation cache in front of the walk;
* :mod:`~gomem.vm.mmu` - translation and page faults;
* :mod:`~gomem.vm.physical` - RAM frames and the swap device;
* :mod:`~gomem.vm.replacement` - FIFO, LRU, Clock, OPT and the reference-string simulator;
* :mod:`~gomem.vm.kernel` - processes, demand paging, eviction and write-back;
* :mod:`~gomem.vm.segmentation` - segments vs pages: external vs internal fragmentation;
* :mod:`~gomem.vm.workloads` and :mod:`~gomem.vm.analysis` - seeded traces and the
  experiments the lessons plot.

Everything is deterministic given the ``random.Random`` you pass in.  Errors
come from :mod:`gomem.errors` and leave the simulator unchanged.
"""

from gomem.vm.analysis import (access_time_ns, effective_access_ns, fault_curve,
                               page_size_tradeoff, runs, table_bytes_for, tlb_curve, tlb_hit_rate)
from gomem.vm.kernel import Access, Kernel, Process, Region
from gomem.vm.layout import AddressLayout, offset_bits_for
from gomem.vm.mmu import MMU, PageFault, Translation
from gomem.vm.pagetable import PTE, PageTable, Walk, WalkStep
from gomem.vm.physical import BackingStore, PhysicalMemory
from gomem.vm.replacement import POLICIES, PagingStats, make_policy, simulate
from gomem.vm.segmentation import PagedAllocator, SegmentAllocator, compare_fragmentation
from gomem.vm.tlb import TLB
from gomem.vm.workloads import BELADY, address_trace, allocation_workload, working_set_trace

__all__ = ["AddressLayout", "offset_bits_for", "PageTable", "PTE", "Walk", "WalkStep", "TLB",
           "MMU", "PageFault", "Translation", "PhysicalMemory", "BackingStore", "Kernel",
           "Process", "Region", "Access", "POLICIES", "PagingStats", "make_policy", "simulate",
           "SegmentAllocator", "PagedAllocator", "compare_fragmentation", "BELADY",
           "working_set_trace", "address_trace", "allocation_workload", "fault_curve",
           "effective_access_ns", "access_time_ns", "runs", "page_size_tradeoff",
           "table_bytes_for", "tlb_hit_rate", "tlb_curve"]
