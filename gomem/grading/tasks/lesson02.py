"""Lesson 02, paging: the x86-64 address split, a 4-level walk, the page-size trade-off.

References are gomem's simulator: :meth:`gomem.vm.AddressLayout.split`,
:meth:`gomem.vm.PageTable.walk` on a seeded tree rebuilt from the check's data, and
:func:`gomem.vm.page_size_tradeoff`.  A page-table tree reaches the learner's ``walk`` as
``tables = {table_id: {index: entry}}``: an entry of a PML4, PDPT or PD is the id of the
next table; a PT entry is ``{"present": bool, "frame": int | None}``.  Tables exist
only where something is mapped, as in the simulator.
"""

from __future__ import annotations

from gomem.grading.tasks import Task
from gomem.grading.tasks.lesson01 import _SPLIT, _TRANSLATE, _names
from gomem.vm import AddressLayout, PageTable, page_size_tradeoff
from gomem.vm.pagetable import PTE, Table

LESSON = "02"
X86 = AddressLayout.x86_64()
LEVELS = ("PML4", "PDPT", "PD", "PT")


# --- 02.split_x86_64 ----------------------------------------------------------------

def _ref_split(vaddr):
    indices, offset = X86.split(vaddr)
    return list(indices), offset


def _compare_split(args, expected, got):
    (vaddr,) = args
    (ei, eo), g = expected["return"], got["return"]
    if not (isinstance(g, list) and len(g) == 2 and isinstance(g[0], list)
            and isinstance(g[1], int)):
        return f"return ([pml4, pdpt, pd, pt], offset), not {g!r}"
    gi, go = g
    if go != eo:
        return f"the offset is the low 12 bits: vaddr & 0xfff = {eo:#x}"
    if gi == ei[::-1]:
        return "list the indices top level first: PML4 (bits 39-47), PDPT, PD, PT (bits 12-20)"
    if len(gi) != 4:
        return f"four indices, one per level (9 bits each), not {len(gi)}"
    for level, (e, v) in enumerate(zip(ei, gi)):
        if e != v:
            lo = 12 + 9 * (3 - level)
            return (f"the {LEVELS[level]} index is bits {lo}-{lo + 8}: "
                    f"(vaddr >> {lo}) & 0x1ff = {e}, got {v}")
    return None


_PUBLIC_SPLIT = [[0], [0xFFF], [0x1000], [0x401ABC], [0x200000], [0x40000000],
                 [0x8000000000], [0xC000010000], [0x7FFF_FFFF_F123], [0xFFFF_FFFF_FFFF]]


def _hidden_split(rng):
    return [[rng.randrange(0, 1 << 48)] for _ in range(60)] + \
        [[rng.randrange(0, 1 << 9) << rng.choice([12, 21, 30, 39])] for _ in range(20)]


# --- 02.walk -----------------------------------------------------------------------------

def tables_of(pt: PageTable) -> dict:
    """A simulator page table as plain data ``{table_id: {index: entry}}``."""
    out = {}
    for t in pt.tables():
        out[t.id] = {i: (e.id if isinstance(e, Table) else
                         {"present": e.present, "frame": e.frame if e.present else None})
                     for i, e in sorted(t.entries.items())}
    return out


def _rebuild(tables, cr3):
    pt = PageTable(X86)
    made = {}

    def table(tid, level):
        if tid not in made:
            made[tid] = Table(tid, level)
            for i, e in tables[tid].items():
                if isinstance(e, dict):
                    made[tid].entries[i] = PTE(frame=e["frame"], present=e["present"])
                else:
                    made[tid].entries[i] = table(e, level + 1)
        return made[tid]

    pt.root = table(cr3, 0)
    return pt


def _ref_walk(tables, cr3, vaddr):
    walk = _rebuild(tables, cr3).walk(vaddr)
    steps = [[s.table_id, s.index] for s in walk.steps]
    paddr = walk.pte.frame * X86.page_size + walk.offset if walk.ok else None
    return steps, paddr


def _describe_walk(args):
    tables, cr3, vaddr = args
    return f"walk(tables, cr3={cr3}, vaddr={vaddr:#x}) with {len(tables)} tables"


def _compare_walk(args, expected, got):
    tables, cr3, vaddr = args
    (esteps, epaddr), g = expected["return"], got["return"]
    if not (isinstance(g, list) and len(g) == 2 and isinstance(g[0], list)):
        return f"return (steps, paddr) with steps a list of [table_id, index], not {g!r}"
    gsteps, gpaddr = g
    for n, e in enumerate(esteps):
        if n >= len(gsteps):
            return (f"the walk stopped after {len(gsteps)} step(s); step {n + 1} reads "
                    f"{LEVELS[n]} table #{e[0]} entry [{e[1]}]")
        if gsteps[n] != e:
            gs = gsteps[n]
            if isinstance(gs, list) and len(gs) == 2 and gs[0] == e[0]:
                lo = 12 + 9 * (3 - n)
                return (f"step {n + 1} ({LEVELS[n]}): right table #{e[0]}, wrong index: "
                        f"(vaddr >> {lo}) & 0x1ff = {e[1]}, got {gs[1]}")
            return f"step {n + 1} ({LEVELS[n]}): expected table #{e[0]} entry [{e[1]}], got {gs}"
    if len(gsteps) > len(esteps):
        last = esteps[-1]
        entry = tables[last[0]].get(last[1])
        why = (f"table #{last[0]} has no entry [{last[1]}]: nothing is mapped below it, a page "
               "fault" if entry is None else f"entry [{last[1]}] of PT #{last[0]} is the PTE")
        return f"the walk ends at step {len(esteps)}: {why}"
    if epaddr is None:
        if gpaddr is None:
            return None
        return ("the walk ends at a PTE that is not present or at a missing entry: a page "
                "fault, None")
    if gpaddr is None:
        return "the PTE is present: no page fault"
    if not isinstance(gpaddr, int) or isinstance(gpaddr, bool):
        return f"paddr must be an int or None, not {gpaddr!r}"
    frame = (epaddr - (vaddr & 0xFFF)) // X86.page_size
    if gpaddr == frame:
        return f"right walk; the address is frame * 4096 + offset = {epaddr:#x}, not the frame"
    if gpaddr == frame * X86.page_size:
        return f"right walk and frame; add the offset vaddr & 0xfff = {vaddr & 0xFFF:#x}"
    return f"right walk; expected paddr {epaddr:#x}, got {gpaddr:#x}"


def _tree(rng, n_pages=6):
    """A process with a few heap pages near 0x400000 and a stack page far away."""
    pt = PageTable(X86)
    heap = 0x400 + rng.randrange(0, 512)
    vpns = sorted({heap + rng.randrange(0, 8) for _ in range(n_pages)}
                  | {0x7FFF_FFFF_F - rng.randrange(0, 4)}
                  | {(rng.randrange(1, 256) << 27) + rng.randrange(0, 1 << 9)})
    frames = rng.sample(range(1, 64), len(vpns))
    for vpn, frame in zip(vpns, frames):
        pte = pt.ensure_pte(vpn)
        if rng.random() < 0.8:
            pte.present, pte.frame = True, frame
    return pt, vpns


def _cases(rng, pt, vpns, n):
    tables = tables_of(pt)
    out = []
    for _ in range(n):
        kind = rng.random()
        if kind < 0.6:
            vpn = rng.choice(vpns)                       # mapped (maybe not present)
        elif kind < 0.8:
            vpn = rng.choice(vpns) + rng.choice([1, 2, 512, 1 << 18])   # neighbours
        else:
            vpn = rng.randrange(0, 1 << 36)              # anywhere: usually missing early
        vpn %= 1 << 36
        out.append([tables, pt.root.id, (vpn << 12) | rng.randrange(4096)])
    return out


def _public_walk():
    pt = PageTable(X86)
    for vpn, frame, present in [(0x400, 5, True), (0x401, 9, True), (0x403, 7, False),
                                (0x7FFF_FFFF_F, 2, True)]:
        pte = pt.ensure_pte(vpn)
        pte.present, pte.frame = present, frame
    tables = tables_of(pt)
    return [[tables, pt.root.id, a] for a in (
        0x400ABC, 0x401123, 0x7FFF_FFFF_F123,   # mapped: four steps and a frame
        0x403010,                               # a PTE that is not present: page fault
        0x402000, 0x7FFF_FFFF_E000,             # no PTE in an existing PT
        0x600000,                               # no PT: the walk stops at the PD
        0x8000000000)]                          # nothing under this PML4 entry


def _hidden_walk(rng):
    out = []
    for _ in range(6):
        pt, vpns = _tree(rng, rng.randrange(2, 8))
        out += _cases(rng, pt, vpns, 10)
    return out


# --- 02.page_size_tradeoff ----------------------------------------------------------------

def _ref_tradeoff(request_sizes, page_size, address_bits, pte_bytes):
    row = page_size_tradeoff(request_sizes, [page_size], address_bits, pte_bytes)[0]
    return row["table_bytes"], row["internal_waste"]


def _describe_tradeoff(args):
    sizes, ps, bits, pte = args
    text = ", ".join(map(str, sizes[:8])) + (", ..." if len(sizes) > 8 else "")
    return (f"page_size_tradeoff([{text}], page_size={ps}, address_bits={bits}, "
            f"pte_bytes={pte})")


def _compare_tradeoff(args, expected, got):
    sizes, ps, bits, pte = args
    (et, ew), g = expected["return"], got["return"]
    if not (isinstance(g, list) and len(g) == 2 and all(isinstance(v, int) for v in g)):
        return f"return (table_bytes, internal_waste) as two ints, not {g!r}"
    gt, gw = g
    if [gw, gt] == [et, ew]:
        return "the order is (table_bytes, internal_waste)"
    if gt != et:
        off = ps.bit_length() - 1
        if gt == 1 << (bits - off):
            return (f"that is the number of entries (2**{bits - off}); multiply by "
                    f"pte_bytes = {pte}")
        return (f"a flat table has one {pte}-byte entry per virtual page: "
                f"2**({bits} - {off}) * {pte} = {et}")
    if gw == sum((s // ps + 1) * ps - s for s in sizes):
        return ("a request that is an exact multiple of the page size wastes nothing: "
                "round up with -(-size // page_size)")
    if gw == sum(s % ps for s in sizes):
        return ("the waste is the *unused* tail of the last page: pages * page_size - size, "
                "not size % page_size")
    return f"right table size; expected waste {ew}, got {gw}"


_SIZES = [1, 100, 4095, 4096, 4097, 10000]


def _public_tradeoff():
    return [[_SIZES, 4096, 32, 4], [_SIZES, 1024, 32, 4], [_SIZES, 65536, 32, 4],
            [[8192, 16384], 4096, 32, 4], [[500, 70000, 1 << 20], 1 << 20, 32, 4],
            [[12345], 4096, 48, 8], [[1, 2, 3], 256, 16, 2]]


def _hidden_tradeoff(rng):
    out = []
    for _ in range(30):
        sizes = [int(500 * 2000 ** rng.random()) for _ in range(rng.randrange(1, 30))]
        if rng.random() < 0.3:
            sizes.append(rng.randrange(1, 64) * 4096)
        bits, pte = rng.choice([(32, 4), (48, 8), (39, 8), (24, 2)])
        out.append([sizes, 1 << rng.randrange(8, min(22, bits - 1)), bits, pte])
    return out


TASKS = [
    Task(id="02.split_x86_64", points=3, names=("split_x86_64",),
         title="x86-64 address -> ([PML4, PDPT, PD, PT] indices, offset)",
         reference=_ref_split, public=lambda: _PUBLIC_SPLIT, hidden=_hidden_split,
         compare=_compare_split, describe=lambda args: f"split_x86_64({args[0]:#x})",
         forbidden=_names("layout.AddressLayout") + _SPLIT),
    Task(id="02.walk", points=4, names=("walk",),
         title="a 4-level page-table walk: the steps and the physical address",
         reference=_ref_walk, public=_public_walk, hidden=_hidden_walk,
         compare=_compare_walk, describe=_describe_walk, adapter="copy",
         forbidden=_names("pagetable.PageTable", "mmu.MMU", "layout.AddressLayout",
                          "kernel.Kernel") + _SPLIT + _TRANSLATE),
    Task(id="02.page_size_tradeoff", points=3, names=("page_size_tradeoff",),
         title="flat page-table bytes vs internal waste for one page size",
         reference=_ref_tradeoff, public=_public_tradeoff, hidden=_hidden_tradeoff,
         compare=_compare_tradeoff, describe=_describe_tradeoff, adapter="copy",
         forbidden=_names("analysis.page_size_tradeoff", "analysis.table_bytes_for",
                          "segmentation.PagedAllocator")),
]
