"""The TLB: a small cache of recent translations in front of the page-table walk.

A 4-level walk costs four memory reads before the real access.  The
translation lookaside buffer (TLB, 快表) remembers recent virtual-page ->
frame translations so that most accesses skip the walk.  Its hit rate depends
on how many pages a program touches compared with the TLB's reach
(entries x page size) - one reason huge pages exist.

Entries are tagged with the process id (like x86 PCIDs), so switching
processes needs no flush.  When the kernel evicts a page it must drop the
stale entry (:meth:`TLB.invalidate`, a "TLB shootdown" on a multi-core
machine).

Simplifications: fully associative (real L1 dTLBs are 4-8-way set
associative and backed by a second-level TLB); one page size.
"""

from __future__ import annotations

from collections import OrderedDict

from gomem.errors import ConfigError

TLB_POLICIES = ("lru", "fifo", "random")


class TLB:
    """A fully associative TLB of ``size`` entries with LRU, FIFO or random replacement.

    ``random`` needs an explicit ``rng`` (a :class:`random.Random`), so runs stay
    reproducible.
    """

    def __init__(self, size: int = 64, policy: str = "lru", rng=None):
        if isinstance(size, bool) or not isinstance(size, int) or size <= 0:
            raise ConfigError(f"a TLB needs at least one entry, got {size!r}")
        if policy not in TLB_POLICIES:
            raise ConfigError(f"TLB policy must be one of {TLB_POLICIES}, got {policy!r}")
        if policy == "random" and rng is None:
            raise ConfigError("a random-replacement TLB needs rng=random.Random(seed)")
        self.size, self.policy, self.rng = size, policy, rng
        self.entries: OrderedDict[tuple[int, int], int] = OrderedDict()  # (pid, vpn) -> frame
        self.hits = 0
        self.misses = 0

    def lookup(self, pid: int, vpn: int) -> int | None:
        """The cached frame for (pid, vpn), counting a hit or a miss."""
        frame = self.entries.get((pid, vpn))
        if frame is None:
            self.misses += 1
            return None
        self.hits += 1
        if self.policy == "lru":
            self.entries.move_to_end((pid, vpn))
        return frame

    def insert(self, pid: int, vpn: int, frame: int) -> None:
        key = (pid, vpn)
        if key not in self.entries and len(self.entries) >= self.size:
            if self.policy == "random":
                victim = list(self.entries)[self.rng.randrange(len(self.entries))]
                del self.entries[victim]
            else:  # lru and fifo both drop the front; they differ in lookup()
                self.entries.popitem(last=False)
        self.entries[key] = frame

    def invalidate(self, pid: int, vpn: int) -> None:
        self.entries.pop((pid, vpn), None)

    def flush(self) -> None:
        self.entries.clear()

    @property
    def hit_rate(self) -> float:
        total = self.hits + self.misses
        return self.hits / total if total else 0.0
