"""How a virtual address is cut into page-table indices and a page offset.

A paging MMU reads a virtual address as bit fields.  On x86-64 with 4-level
paging the low 12 bits are the offset inside a 4 KiB page and the next 36 bits
are four 9-bit indices, one per table level (PML4, PDPT, PD, PT), most
significant first: 9+9+9+9+12 = 48 bits.  A single-level table is the same
idea with one index field (e.g. 20+12 on 32-bit).

:class:`AddressLayout` holds such a split and does the bit arithmetic.  It
checks its configuration once, when built, and raises
:class:`~gomem.errors.ConfigError` for splits no MMU could use.

Simplification: x86-64 requires "canonical" addresses (bits 48-63 copy bit 47,
the upper half belonging to the kernel).  Here the valid user addresses are
simply ``0 .. 2**address_bits - 1``.
"""

from __future__ import annotations

from dataclasses import dataclass

from gomem.errors import BadSizeError, ConfigError, SegmentationFault, check_size

# Names of the x86-64 levels, top first (Intel's names; Linux calls them pgd, pud, pmd, pte).
X86_64_LEVEL_NAMES = ("PML4", "PDPT", "PD", "PT")


@dataclass(frozen=True)
class AddressLayout:
    """A virtual-address split: index bits per level (top level first) + offset bits.

    Models the fixed bit fields an MMU decodes (x86-64: 9+9+9+9+12).
    ``pte_bytes`` is the size of one page-table entry (8 on x86-64), used to
    compute how much memory the tables themselves take.  Simplification: no
    huge pages, so every walk goes through every level.
    """

    level_bits: tuple[int, ...] = (9, 9, 9, 9)
    offset_bits: int = 12
    address_bits: int = 48
    pte_bytes: int = 8

    def __post_init__(self):
        bits = tuple(self.level_bits)
        if not bits:
            raise ConfigError("a page table needs at least one level of index bits")
        for b in (*bits, self.offset_bits, self.address_bits, self.pte_bytes):
            if isinstance(b, bool) or not isinstance(b, int):
                raise ConfigError(f"bit counts must be ints, got {b!r}")
        if any(b <= 0 for b in bits):
            raise ConfigError(f"every level needs at least 1 index bit, got {bits}")
        if self.offset_bits <= 0:
            raise ConfigError(f"offset_bits must be >= 1, got {self.offset_bits}")
        used = sum(bits) + self.offset_bits
        if used > self.address_bits:
            raise ConfigError(f"{'+'.join(map(str, bits))}+{self.offset_bits} = {used} bits "
                              f"is more than the {self.address_bits}-bit address width")
        if self.pte_bytes <= 0:
            raise ConfigError(f"pte_bytes must be >= 1, got {self.pte_bytes}")
        object.__setattr__(self, "level_bits", bits)

    # -- constructors for the layouts the lessons use -------------------------------------
    @classmethod
    def x86_64(cls) -> "AddressLayout":
        """x86-64 4-level paging: 48-bit addresses, 4 KiB pages, 9+9+9+9+12."""
        return cls()

    @classmethod
    def single_level(cls, address_bits: int = 32, page_size: int = 4096,
                     pte_bytes: int = 4) -> "AddressLayout":
        """One flat table covering the whole address space (e.g. 20+12 on 32-bit)."""
        off = offset_bits_for(page_size)
        return cls((address_bits - off,), off, address_bits, pte_bytes)

    @classmethod
    def from_string(cls, split: str, address_bits: int | None = None,
                    pte_bytes: int = 8) -> "AddressLayout":
        """Parse ``"9+9+9+9+12"`` (the last field is the offset)."""
        try:
            parts = [int(p) for p in split.split("+")]
        except (AttributeError, ValueError):
            raise ConfigError(f"bit split must look like '9+9+9+9+12', got {split!r}") from None
        if len(parts) < 2:
            raise ConfigError(f"bit split needs index bits and offset bits, got {split!r}")
        total = sum(parts)
        return cls(tuple(parts[:-1]), parts[-1], total if address_bits is None else address_bits,
                   pte_bytes)

    # -- derived sizes ---------------------------------------------------------------------
    @property
    def levels(self) -> int:
        return len(self.level_bits)

    @property
    def page_size(self) -> int:
        return 1 << self.offset_bits

    @property
    def vpn_bits(self) -> int:
        return sum(self.level_bits)

    @property
    def max_address(self) -> int:
        """One past the highest virtual address the layout can translate."""
        return 1 << (self.vpn_bits + self.offset_bits)

    def entries(self, level: int) -> int:
        """Entries in one table at ``level`` (0 = top)."""
        return 1 << self.level_bits[level]

    def table_bytes(self, level: int) -> int:
        """Bytes one table at ``level`` occupies (x86-64: 512 * 8 = 4096)."""
        return self.entries(level) * self.pte_bytes

    def level_name(self, level: int) -> str:
        """x86 names where the split is x86's (PML5/PML4/PDPT/PD/PT), else L<n> (L1 = last)."""
        if self.level_bits in ((9, 9, 9, 9), (9, 9, 9, 9, 9)):
            return ("PML5", *X86_64_LEVEL_NAMES)[5 - self.levels + level]
        if self.level_bits == (10, 10):
            return ("PD", "PT")[level]  # 32-bit x86 two-level paging
        return f"L{self.levels - level}"

    def describe(self) -> str:
        return "+".join(map(str, (*self.level_bits, self.offset_bits)))

    # -- bit arithmetic --------------------------------------------------------------------
    def check_address(self, vaddr) -> int:
        """Return ``vaddr`` if the layout can translate it; else raise."""
        check_size(vaddr, "virtual address")
        if vaddr >= self.max_address:
            raise SegmentationFault(f"address {vaddr:#x} is outside the "
                                    f"{self.vpn_bits + self.offset_bits}-bit virtual address space")
        return vaddr

    def split(self, vaddr: int) -> tuple[tuple[int, ...], int]:
        """``vaddr`` -> (index per level, top first; offset)."""
        self.check_address(vaddr)
        offset = vaddr & (self.page_size - 1)
        rest = vaddr >> self.offset_bits
        indices = []
        for bits in reversed(self.level_bits):
            indices.append(rest & ((1 << bits) - 1))
            rest >>= bits
        return tuple(reversed(indices)), offset

    def join(self, indices, offset: int) -> int:
        """Inverse of :meth:`split`."""
        if len(indices) != self.levels:
            raise ConfigError(f"need {self.levels} indices, got {len(indices)}")
        vpn = 0
        for bits, idx in zip(self.level_bits, indices):
            if not 0 <= idx < (1 << bits):
                raise BadSizeError(f"index {idx} does not fit in {bits} bits")
            vpn = (vpn << bits) | idx
        if not 0 <= offset < self.page_size:
            raise BadSizeError(f"offset {offset} does not fit in {self.offset_bits} bits")
        return (vpn << self.offset_bits) | offset

    def vpn(self, vaddr: int) -> int:
        """Virtual page number: the address without its offset bits."""
        return self.check_address(vaddr) >> self.offset_bits


def offset_bits_for(page_size) -> int:
    """log2 of a page size; :class:`ConfigError` unless it is a power of two >= 2."""
    if isinstance(page_size, bool) or not isinstance(page_size, int):
        raise ConfigError(f"page size must be an int, got {page_size!r}")
    if page_size < 2 or page_size & (page_size - 1):
        raise ConfigError(f"page size must be a power of two, got {page_size}")
    return page_size.bit_length() - 1
