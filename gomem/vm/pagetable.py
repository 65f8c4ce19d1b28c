"""Page tables: the map from virtual page numbers to physical frames.

A page table is a radix tree.  The top-level table (x86-64: the PML4, whose
physical address sits in register CR3) is indexed by the top bits of the
virtual address; each entry points at a table one level down, and the last
level's entries (PTEs) hold the frame number plus flag bits: present,
writable, dirty, accessed.  Tables below the top exist only where something is
mapped, which is why a 48-bit address space costs kilobytes of tables rather
than the 512 GiB a flat table would need.

:meth:`PageTable.walk` is what the MMU does on a TLB miss.  It only reads, and
it returns every step (level, table, index, what the entry pointed to) so that
a lesson can draw the walk.  Creating and removing mappings is the kernel's
job (:mod:`gomem.vm.kernel`), done through :meth:`PageTable.ensure_pte` and
:meth:`PageTable.unmap`.

Simplifications: the tables live outside the simulated physical frames (a
real kernel takes a frame for every table); tables are numbered in creation
order instead of having physical addresses; empty tables are never freed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gomem.vm.layout import AddressLayout


@dataclass
class PTE:
    """A last-level page-table entry (x86-64 PTE bits P, R/W, A, D and the frame number).

    Simplification: no NX, user/supervisor, global or caching bits; inner entries are
    plain references to the next :class:`Table` rather than PTEs with a frame number.
    """

    frame: int | None = None   # physical frame number while present
    present: bool = False      # P: the page is in a frame; clear -> the MMU raises a page fault
    writable: bool = True      # R/W: clear -> a write is a protection fault
    dirty: bool = False        # D: set by the MMU on a write; the kernel must write back
    accessed: bool = False     # A: set by the MMU on any access (Clock reads and clears it)


@dataclass
class Table:
    """One page-table page (x86-64: 512 entries, 4 KiB), stored sparsely as a dict."""

    id: int
    level: int
    entries: dict = field(default_factory=dict)  # index -> Table (inner) or PTE (last level)


@dataclass(frozen=True)
class WalkStep:
    """One step of a page-table walk: table ``table_id`` at ``level``, entry ``index``.

    ``points_to`` is ``"table"`` (``target`` = next table's id), ``"frame"``
    (``target`` = frame number), ``"not present"`` (a PTE whose page is not in
    memory) or ``"missing"`` (no entry: nothing mapped below here).
    """

    level: int
    level_name: str
    table_id: int
    index: int
    points_to: str
    target: int | None = None

    @property
    def entry_offset(self) -> int:
        """Byte offset of the entry inside its table (index * 8 on x86-64)."""
        return self.index * 8


@dataclass(frozen=True)
class Walk:
    """The result of a walk: the steps, the leaf PTE (if reached) and the offset."""

    vaddr: int
    steps: tuple[WalkStep, ...]
    pte: PTE | None
    offset: int

    @property
    def ok(self) -> bool:
        return self.pte is not None and self.pte.present


class PageTable:
    """A multi-level page table with the split given by an :class:`AddressLayout`.

    A layout with one level is the classic single-level (linear) page table;
    its one table is allocated whole, as a flat array would be.
    """

    def __init__(self, layout: AddressLayout | None = None):
        self.layout = layout or AddressLayout.x86_64()
        self._next_id = 0
        self.root = self._new_table(0)

    def _new_table(self, level: int) -> Table:
        t = Table(self._next_id, level)
        self._next_id += 1
        return t

    # -- what the MMU does -----------------------------------------------------------------
    def walk(self, vaddr: int) -> Walk:
        """Walk the tree for ``vaddr``, reading only.  Never raises for unmapped addresses."""
        lay = self.layout
        indices, offset = lay.split(vaddr)
        steps, table = [], self.root
        for level, idx in enumerate(indices):
            entry = table.entries.get(idx)
            name = lay.level_name(level)
            if entry is None:
                steps.append(WalkStep(level, name, table.id, idx, "missing"))
                return Walk(vaddr, tuple(steps), None, offset)
            if isinstance(entry, Table):
                steps.append(WalkStep(level, name, table.id, idx, "table", entry.id))
                table = entry
            elif entry.present:
                steps.append(WalkStep(level, name, table.id, idx, "frame", entry.frame))
                return Walk(vaddr, tuple(steps), entry, offset)
            else:
                steps.append(WalkStep(level, name, table.id, idx, "not present"))
                return Walk(vaddr, tuple(steps), entry, offset)
        raise AssertionError("unreachable: the last level holds PTEs")

    # -- what the kernel does --------------------------------------------------------------
    def _indices(self, vpn: int) -> tuple[int, ...]:
        return self.layout.split(vpn << self.layout.offset_bits)[0]

    def lookup(self, vpn: int) -> PTE | None:
        """The PTE for ``vpn`` if one exists (present or not)."""
        table = self.root
        for idx in self._indices(vpn):
            entry = table.entries.get(idx)
            if entry is None or isinstance(entry, PTE):
                return entry
            table = entry
        return None

    def ensure_pte(self, vpn: int) -> PTE:
        """The PTE for ``vpn``, creating the inner tables on the way down."""
        table, indices = self.root, self._indices(vpn)
        for idx in indices[:-1]:
            nxt = table.entries.get(idx)
            if nxt is None:
                nxt = table.entries[idx] = self._new_table(table.level + 1)
            table = nxt
        pte = table.entries.get(indices[-1])
        if pte is None:
            pte = table.entries[indices[-1]] = PTE()
        return pte

    def unmap(self, vpn: int) -> None:
        """Remove the PTE for ``vpn`` (inner tables stay, as in the simplification above)."""
        table, indices = self.root, self._indices(vpn)
        for idx in indices[:-1]:
            table = table.entries.get(idx)
            if table is None:
                return
        table.entries.pop(indices[-1], None)

    # -- accounting ------------------------------------------------------------------------
    def tables(self) -> list[Table]:
        """Every table, top first, in creation order within a level."""
        out, todo = [], [self.root]
        while todo:
            t = todo.pop(0)
            out.append(t)
            todo.extend(e for _, e in sorted(t.entries.items()) if isinstance(e, Table))
        return out

    def tables_per_level(self) -> list[int]:
        counts = [0] * self.layout.levels
        for t in self.tables():
            counts[t.level] += 1
        return counts

    def size_bytes(self) -> int:
        """Memory the tables take: every existing table counts whole."""
        return sum(self.layout.table_bytes(t.level) for t in self.tables())
