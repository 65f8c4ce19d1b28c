"""Lesson 01, virtual memory: split an address, translate it, count page faults.

The references are gomem's own simulator (:mod:`gomem.vm`): a single-level
:class:`~gomem.vm.PageTable` walked by the :class:`~gomem.vm.MMU`, and
:func:`~gomem.vm.simulate` for the reference strings.  A page table reaches the
learner's function as a list indexed by virtual page number (VPN), each entry a dict
``{"present": bool, "frame": int | None}``; a page fault is the value ``None``.  What
the learner may not use is the simulator itself (``forbidden``).
"""

from __future__ import annotations

from gomem.grading.tasks import Task
from gomem.vm import MMU, AddressLayout, PageFault, PageTable, simulate

LESSON = "01"


def _names(*short):
    """Both spellings of each name: the ``gomem.vm`` re-export and the module's (the
    module's last, so that is the name messages show)."""
    out = []
    for name in short:
        module, attr = name.rsplit(".", 1)
        out += [f"gomem.vm.{attr}", f"gomem.vm.{module}.{attr}"]
    return tuple(out)


# The simulator's own methods for the things asked, watched at run time as well.
_SPLIT = ("gomem.vm.layout.AddressLayout.split", "gomem.vm.layout.AddressLayout.vpn")
_TRANSLATE = ("gomem.vm.mmu.MMU.translate", "gomem.vm.pagetable.PageTable.walk",
              "gomem.vm.pagetable.PageTable.lookup")


def _bits(page_size):
    return page_size.bit_length() - 1


# --- 01.split_address ------------------------------------------------------------------

def _ref_split(vaddr, page_size):
    (vpn,), offset = AddressLayout.single_level(32, page_size).split(vaddr)
    return vpn, offset


def _compare_split(args, expected, got):
    vaddr, page_size = args
    e, g = expected["return"], got["return"]
    if not (isinstance(g, list) and len(g) == 2 and all(
            isinstance(v, int) and not isinstance(v, bool) for v in g)):
        return f"return two ints (vpn, offset), not {g!r}"
    if g == e[::-1]:
        return "the order is (vpn, offset): page number first"
    vpn, off = g
    if vpn == e[0] and off != e[1]:
        if off == vaddr % (page_size - 1) or off == vaddr & page_size:
            return f"right VPN; the offset is vaddr % page_size = vaddr & {page_size - 1:#x}"
        return f"right VPN, wrong offset: the low {_bits(page_size)} bits of the address"
    if off == e[1] and vpn != e[0]:
        if vpn == vaddr // (page_size - 1) or vpn == vaddr >> (_bits(page_size) + 1) \
                or vpn == vaddr >> (_bits(page_size) - 1):
            return (f"right offset; the VPN is vaddr >> {_bits(page_size)} "
                    f"(page_size = 2**{_bits(page_size)})")
        return f"right offset, wrong VPN: expected {e[0]}, got {vpn}"
    return f"expected (vpn, offset) = ({e[0]}, {e[1]:#x}), got ({vpn}, {off:#x})"


_PUBLIC_SPLIT = [[0, 4096], [4095, 4096], [4096, 4096], [0x401ABC, 4096], [0x12345, 256],
                 [0xFFFF_FFFF, 4096], [0x3FFF, 16384], [1000, 1024], [0xC000_0123, 8192]]


def _hidden_split(rng):
    out = []
    for _ in range(60):
        ps = 1 << rng.randrange(6, 22)
        out.append([rng.randrange(0, 1 << 32), ps])
    return out


# --- 01.translate -----------------------------------------------------------------------

def _ref_translate(page_table, vaddr, page_size):
    vpn_bits = max(1, (len(page_table) - 1).bit_length())
    layout = AddressLayout((vpn_bits,), _bits(page_size), vpn_bits + _bits(page_size), 4)
    pt = PageTable(layout)
    for vpn, entry in enumerate(page_table):
        if entry is not None:
            pte = pt.ensure_pte(vpn)
            pte.present, pte.frame = bool(entry["present"]), entry["frame"]
    try:
        return MMU().translate(0, pt, vaddr).paddr
    except PageFault:
        return None


def _describe_translate(args):
    table, vaddr, page_size = args
    vpn = vaddr // page_size
    entry = table[vpn] if vpn < len(table) else "out of range"
    return (f"translate(page_table, {vaddr:#x}, {page_size}) with {len(table)} entries, "
            f"page_table[{vpn}] = {entry}")


def _compare_translate(args, expected, got):
    table, vaddr, page_size = args
    e, g = expected["return"], got["return"]
    vpn, off = divmod(vaddr, page_size)
    if e is None:
        if g is None:
            return None
        return (f"page_table[{vpn}] is not present: the MMU raises a page fault - "
                "return None")
    if g is None:
        return f"page_table[{vpn}] is present (frame {table[vpn]['frame']}): no page fault"
    if not isinstance(g, int) or isinstance(g, bool):
        return f"return a physical address (int) or None, not {g!r}"
    frame = table[vpn]["frame"]
    if g == frame:
        return f"that is the frame number; the address is frame * page_size + offset = {e:#x}"
    if g == frame * page_size:
        return f"right frame, but add the offset (vaddr % page_size = {off:#x})"
    if g == vaddr:
        return "the virtual address came back unchanged: look up page_table[vpn]['frame']"
    if g % page_size == off:
        return (f"right offset, wrong frame: the VPN is vaddr // page_size = {vpn}, "
                f"and page_table[{vpn}] holds frame {frame}")
    return f"expected {e:#x}, got {g:#x}"


def _table(rng, n, present=0.6):
    frames = rng.sample(range(4 * n), n)
    return [{"present": rng.random() < present, "frame": frames[i]} for i in range(n)]


def _public_translate():
    table = [{"present": True, "frame": 3}, {"present": True, "frame": 7},
             {"present": False, "frame": None}, {"present": True, "frame": 0},
             {"present": True, "frame": 12}, {"present": False, "frame": 5},
             {"present": True, "frame": 1}, {"present": False, "frame": None}]
    return [[table, a, 4096] for a in (0x0, 0x123, 0x1FFF, 0x2004, 0x3ABC, 0x4000, 0x5010,
                                       0x6FFF, 0x7000)] + \
        [[[{"present": True, "frame": 9}, {"present": True, "frame": 2}], 0x1F, 16]]


def _hidden_translate(rng):
    out = []
    for _ in range(12):
        n = 1 << rng.randrange(2, 7)
        ps = 1 << rng.randrange(4, 14)
        table = _table(rng, n)
        out += [[table, rng.randrange(n * ps), ps] for _ in range(5)]
    return out


# --- 01.count_faults --------------------------------------------------------------------

def _ref_faults(refs, frames, policy):
    return simulate(refs, frames, policy).faults


def _variant(refs, frames, policy, newest=False):
    """FIFO/LRU by hand; ``newest`` evicts the wrong end of the queue."""
    queue, faults = [], 0
    for p in refs:
        if p in queue:
            if policy == "lru":
                queue.remove(p)
                queue.append(p)
            continue
        faults += 1
        if len(queue) == frames:
            queue.pop(-1 if newest else 0)
        queue.append(p)
    return faults


def _describe_faults(args):
    refs, frames, policy = args
    text = ",".join(map(str, refs[:24])) + (",..." if len(refs) > 24 else "")
    return f"count_faults([{text}], frames={frames}, policy={policy!r})"


def _compare_faults(args, expected, got):
    refs, frames, policy = args
    e, g = expected["return"], got["return"]
    if not isinstance(g, int) or isinstance(g, bool):
        return f"return the number of faults (int), not {g!r}"
    other = "lru" if policy == "fifo" else "fifo"
    if g == _variant(refs, frames, other) != e:
        if policy == "fifo":
            return ("that is LRU's count: FIFO does not move a page to the back when it is "
                    "used again - only loading a page puts it in the queue")
        return ("that is FIFO's count: LRU moves a page to the back (most recent) on "
                "every use, hits included")
    if g == len(set(refs)) != e:
        return ("counted only first touches: a page evicted earlier faults again when it "
                "is used again")
    if g == _variant(refs, frames, policy, newest=True) != e:
        return "evict the page at the front of the queue (oldest / least recently used)"
    if g == len(refs):
        return "a reference to a page that is still in a frame is a hit, not a fault"
    return f"expected {e} faults, got {g}"


_BELADY = [1, 2, 3, 4, 1, 2, 5, 1, 2, 3, 4, 5]


def _public_faults():
    loop = [0, 1, 2, 3] * 4
    return [[_BELADY, 3, "fifo"], [_BELADY, 4, "fifo"], [_BELADY, 3, "lru"],
            [_BELADY, 4, "lru"], [[7, 0, 1, 2, 0, 3, 0, 4, 2, 3, 0, 3, 2], 3, "lru"],
            [[7, 0, 1, 2, 0, 3, 0, 4, 2, 3, 0, 3, 2], 3, "fifo"], [loop, 3, "lru"],
            [loop, 4, "fifo"], [[5], 1, "lru"], [[1, 1, 1, 2, 2, 1], 1, "fifo"]]


def _hidden_faults(rng):
    out = []
    for _ in range(40):
        pages = rng.randrange(2, 10)
        refs = [rng.randrange(pages) for _ in range(rng.randrange(5, 40))]
        out.append([refs, rng.randrange(1, pages + 1), rng.choice(["fifo", "lru"])])
    return out


TASKS = [
    Task(id="01.split_address", points=2, names=("split_address",),
         title="split a virtual address into (vpn, offset)",
         reference=_ref_split, public=lambda: _PUBLIC_SPLIT, hidden=_hidden_split,
         compare=_compare_split,
         describe=lambda args: f"split_address({args[0]:#x}, page_size={args[1]})",
         forbidden=_names("layout.AddressLayout") + _SPLIT),
    Task(id="01.translate", points=4, names=("translate",),
         title="translate through a single-level page table (None = page fault)",
         reference=_ref_translate, public=_public_translate, hidden=_hidden_translate,
         compare=_compare_translate, describe=_describe_translate, adapter="copy",
         forbidden=_names("mmu.MMU", "pagetable.PageTable", "layout.AddressLayout",
                          "kernel.Kernel") + _SPLIT + _TRANSLATE),
    Task(id="01.count_faults", points=4, names=("count_faults",),
         title="count page faults with FIFO or LRU replacement",
         reference=_ref_faults, public=_public_faults, hidden=_hidden_faults,
         compare=_compare_faults, describe=_describe_faults, adapter="copy",
         forbidden=_names("replacement.simulate", "replacement.make_policy",
                          "replacement.FIFO", "replacement.LRU", "analysis.fault_curve",
                          "analysis.runs", "kernel.Kernel")),
]
