"""Address layouts and page-table walks, hand-checked on x86-64's 9+9+9+9+12 split."""

import pickle

import pytest

from gomem.errors import BadSizeError, ConfigError, GoMemError, SegmentationFault
from gomem.vm import AddressLayout, Kernel, PageTable, offset_bits_for, table_bytes_for

X86 = AddressLayout.x86_64()

# 0x80_4020_1abc = 2**39 + 2**30 + 2**21 + 2**12 + 0xabc: index 1 at every level.
HAND_CHECKED = [
    (0x401ABC, (0, 0, 2, 1), 0xABC),          # 0x400000 = 2 * 2**21, 0x1000 = 1 * 2**12
    (0x80_4020_1ABC, (1, 1, 1, 1), 0xABC),
    (0x7FFF_FFFF_F123, (255, 511, 511, 511), 0x123),  # top of the user half
    (0, (0, 0, 0, 0), 0),
]


def test_x86_64_default():
    assert X86.level_bits == (9, 9, 9, 9) and X86.offset_bits == 12
    assert X86.page_size == 4096 and X86.max_address == 2 ** 48
    assert X86.table_bytes(0) == 4096  # 512 entries * 8 bytes: a table fills one page
    assert [X86.level_name(i) for i in range(4)] == ["PML4", "PDPT", "PD", "PT"]


@pytest.mark.parametrize("vaddr,indices,offset", HAND_CHECKED)
def test_split_by_hand(vaddr, indices, offset):
    assert X86.split(vaddr) == (indices, offset)
    assert X86.join(indices, offset) == vaddr


@pytest.mark.parametrize("vaddr,indices,offset", HAND_CHECKED)
def test_translation_through_four_levels(vaddr, indices, offset):
    k = Kernel(4)
    p = k.spawn()
    # map the page by hand, as the kernel's fault handler would
    pte = p.page_table.ensure_pte(vaddr >> 12)
    pte.frame, pte.present = 3, True
    tr = k.mmu.translate(p.pid, p.page_table, vaddr)
    assert tr.paddr == 3 * 4096 + offset
    assert [s.index for s in tr.walk.steps] == list(indices)
    assert [s.points_to for s in tr.walk.steps] == ["table", "table", "table", "frame"]
    assert [s.table_id for s in tr.walk.steps] == [0, 1, 2, 3]
    assert tr.walk.steps[-1].target == 3 and not tr.tlb_hit
    assert k.mmu.translate(p.pid, p.page_table, vaddr).tlb_hit  # now cached


def test_walk_stops_where_the_tree_ends():
    pt = PageTable()
    pt.ensure_pte(0x401)  # 0x401000
    walk = pt.walk(0x80_4020_1ABC)  # different PML4 entry
    assert [s.points_to for s in walk.steps] == ["missing"] and not walk.ok
    walk = pt.walk(0x402000)  # same PT, entry 2 empty
    assert [s.points_to for s in walk.steps] == ["table", "table", "table", "missing"]
    walk = pt.walk(0x401000)  # PTE exists but page not present
    assert walk.steps[-1].points_to == "not present"


def test_table_sizes_sparse_vs_flat():
    # three pages close together share one table per level: 4 tables of 4 KiB
    assert table_bytes_for(X86, [0x400, 0x401, 0x403]) == 4 * 4096
    # a page in another 512 GiB slot needs its own PDPT, PD and PT
    assert table_bytes_for(X86, [0x400, 0x80_4020_1]) == 7 * 4096
    flat = AddressLayout.single_level(32, 4096)
    assert flat.level_bits == (20,) and table_bytes_for(flat, [0]) == 4 * 2 ** 20


def test_other_splits():
    two = AddressLayout.from_string("10+10+12", pte_bytes=4)
    assert two.split(0xC0401ABC) == ((0x301, 0x001), 0xABC)
    assert [two.level_name(i) for i in (0, 1)] == ["PD", "PT"]
    five = AddressLayout((9,) * 5, 12, 57)
    assert five.level_name(0) == "PML5" and five.describe() == "9+9+9+9+9+12"
    toy = AddressLayout((2, 2), 4, 8)
    assert toy.split(0b10_01_1111) == ((2, 1), 15) and toy.level_name(0) == "L2"


@pytest.mark.parametrize("make", [
    lambda: AddressLayout((9, 9, 9, 9), 12, 40),         # 48 bits > 40-bit width
    lambda: AddressLayout((), 12, 48),                   # no levels
    lambda: AddressLayout((9, 0, 9), 12, 48),            # a level of 0 bits
    lambda: AddressLayout((9, 9.0), 12, 48),             # not an int
    lambda: AddressLayout((9,), 0, 48),                  # no offset bits
    lambda: AddressLayout((9,), 12, 48, 0),              # PTE of 0 bytes
    lambda: AddressLayout.from_string("9+x+12"),
    lambda: AddressLayout.from_string("12"),
    lambda: AddressLayout.single_level(32, 3000),        # page size not a power of two
    lambda: offset_bits_for(0),
    lambda: offset_bits_for(True),
])
def test_bad_layouts(make):
    with pytest.raises(ConfigError):
        make()


@pytest.mark.parametrize("vaddr,err", [(-1, BadSizeError), (1.5, BadSizeError),
                                       (True, BadSizeError), (2 ** 48, SegmentationFault)])
def test_bad_addresses_leave_table_unchanged(vaddr, err):
    pt = PageTable()
    pt.ensure_pte(0x401)
    before = pickle.dumps(pt)
    with pytest.raises(err) as info:
        pt.walk(vaddr)
    assert isinstance(info.value, GoMemError)
    assert pickle.dumps(pt) == before


def test_join_rejects_fields_that_do_not_fit():
    with pytest.raises(BadSizeError):
        X86.join((512, 0, 0, 0), 0)
    with pytest.raises(BadSizeError):
        X86.join((0, 0, 0, 0), 4096)
    with pytest.raises(ConfigError):
        X86.join((0, 0), 0)
