"""Page replacement: which resident page to evict when RAM is full.

When a page fault finds no free frame, the kernel must pick a victim.  The
classic policies, all behind one small interface (``loaded``, ``accessed``,
``victim``, ``removed``):

* FIFO - evict the page loaded longest ago.  Simple, and subject to Belady's
  anomaly: more frames can mean *more* faults (1,2,3,4,1,2,5,1,2,3,4,5 gives
  9 faults with 3 frames, 10 with 4).
* LRU - evict the page used longest ago.  A stack algorithm: the pages it
  keeps with n frames are always a subset of those it keeps with n+1, so more
  frames never hurt.  Exact LRU is too costly for hardware to track.
* Clock (second chance) - what kernels approximate LRU with: frames in a
  ring, a hand sweeps, a page whose accessed bit is set gets the bit cleared
  and one more round.  (Linux uses active/inactive LRU lists built on the same
  accessed bit.)
* OPT (Belady's MIN) - evict the page used farthest in the future.  Needs
  the future, so it is only a yardstick: no policy can fault less.

:func:`simulate` runs a reference string through a policy on ``frames``
frames and counts faults, evictions and dirty write-backs - the OSTEP-style
reference-string model.  :class:`gomem.vm.kernel.Kernel` uses the same policy
objects for real address spaces.  :func:`simulate_many` gives the same counts for many
frame counts at once, from one tight loop per policy (what the fault-curve widget runs on
every control move).

Simplification: policies keep their own bookkeeping (Clock its own reference
bits) instead of reading PTE accessed bits.
"""

from __future__ import annotations

import bisect
import heapq
from collections import OrderedDict, defaultdict
from dataclasses import dataclass, field

from gomem.errors import ConfigError

POLICIES = ("fifo", "lru", "clock", "opt")


class ReplacementPolicy:
    """Interface of a replacement policy; ``key`` identifies a virtual page."""

    name = "?"

    def loaded(self, key) -> None:
        """``key`` was just given a frame."""

    def accessed(self, key) -> None:
        """``key`` was referenced (called for every reference, after ``loaded`` on a fault)."""

    def victim(self):
        """The resident key to evict.  Pure: changes nothing until ``removed`` is called."""
        raise NotImplementedError

    def removed(self, key) -> None:
        """``key`` lost its frame (evicted or unmapped)."""


class FIFO(ReplacementPolicy):
    """First in, first out: a queue of pages in load order."""

    name = "fifo"

    def __init__(self):
        self.queue: OrderedDict = OrderedDict()

    def loaded(self, key):
        self.queue[key] = None

    def victim(self):
        return next(iter(self.queue))

    def removed(self, key):
        self.queue.pop(key, None)


class LRU(FIFO):
    """Least recently used: FIFO's queue, but every access moves the page to the back."""

    name = "lru"

    def accessed(self, key):
        self.queue.move_to_end(key)


class Clock(ReplacementPolicy):
    """Second chance: a ring of pages, a hand, one reference bit per page."""

    name = "clock"

    def __init__(self):
        self.ring: list = []   # slot -> key or None
        self.ref: dict = {}    # key -> reference bit
        self.hand = 0

    def loaded(self, key):
        if None in self.ring:
            slot = self.hand if self.ring[self.hand] is None else self.ring.index(None)
            self.ring[slot] = key
            self.hand = (slot + 1) % len(self.ring)
        else:
            self.ring.append(key)
        self.ref[key] = False

    def accessed(self, key):
        self.ref[key] = True

    def _sweep(self):
        """Where the hand stops and which bits it clears on the way (computed, not applied)."""
        hand, cleared = self.hand, {}   # dict: a set that keeps the clearing order
        for _ in range(2 * len(self.ring) + 1):
            key = self.ring[hand]
            if key is not None and (not self.ref[key] or key in cleared):
                return key, hand, cleared
            if key is not None:
                cleared[key] = None  # second chance
            hand = (hand + 1) % len(self.ring)
        raise AssertionError("clock ring is empty")

    def victim(self):
        return self._sweep()[0]

    def removed(self, key):
        if self.ring and self.ref.get(key) is not None:
            stop, hand, cleared = self._sweep()
            if stop == key:        # evicting the hand's choice: apply the sweep
                self.hand = hand
                for k in cleared:
                    self.ref[k] = False
        self.ring[self.ring.index(key)] = None
        del self.ref[key]


class OPT(ReplacementPolicy):
    """Belady's optimal policy; needs the whole future reference string up front.

    Ties (several pages never used again) go to the page loaded earliest.
    """

    name = "opt"

    def __init__(self, future):
        self.positions = defaultdict(list)
        for i, key in enumerate(future):
            self.positions[key].append(i)
        self.now = -1
        self.resident: dict = {}  # key -> load order
        self._loads = 0

    def loaded(self, key):
        self.resident[key] = self._loads
        self._loads += 1

    def accessed(self, key):
        self.now += 1

    def _next_use(self, key) -> float:
        pos = self.positions.get(key, [])
        i = bisect.bisect_right(pos, self.now)
        return pos[i] if i < len(pos) else float("inf")

    def victim(self):
        return max(self.resident, key=lambda k: (self._next_use(k), -self.resident[k]))

    def removed(self, key):
        del self.resident[key]


def make_policy(name: str, future=None) -> ReplacementPolicy:
    """A fresh policy by name; ``opt`` needs ``future`` (the reference string)."""
    if name == "fifo":
        return FIFO()
    if name == "lru":
        return LRU()
    if name == "clock":
        return Clock()
    if name == "opt":
        if future is None:
            raise ConfigError("OPT needs the future reference string (future=...)")
        return OPT(future)
    raise ConfigError(f"replacement policy must be one of {POLICIES}, got {name!r}")


@dataclass
class PagingStats:
    """Counts from one run: references, hits, faults, evictions, dirty write-backs."""

    refs: int = 0
    hits: int = 0
    faults: int = 0
    cold_faults: int = 0  # first touch of a page: the kernel zero-fills a frame (minor fault)
    evictions: int = 0
    writebacks: int = 0
    history: list = field(default_factory=list, repr=False)  # per reference, if recorded

    @property
    def fault_rate(self) -> float:
        return self.faults / self.refs if self.refs else 0.0

    @property
    def major_faults(self) -> int:
        """Faults on pages that were evicted before: each one reads the page back from swap."""
        return self.faults - self.cold_faults


def simulate(refs, frames: int, policy: str = "lru", writes=None,
             record: bool = False) -> PagingStats:
    """Run reference string ``refs`` on ``frames`` frames under ``policy``.

    ``writes`` (same length as ``refs``, optional) marks writes; evicting a page
    written since it was loaded costs a write-back.  With ``record=True`` the
    stats carry a history of ``(page, hit, victim, resident pages)`` per reference.
    """
    _check_frames(frames)
    refs = list(refs)
    _check_writes(writes, refs)
    pol = make_policy(policy, future=refs if policy == "opt" else None)
    resident: dict = {}  # page -> dirty
    st = PagingStats()
    seen = set()
    for i, page in enumerate(refs):
        st.refs += 1
        victim = None
        hit = page in resident
        if hit:
            st.hits += 1
        else:
            st.faults += 1
            if page not in seen:
                st.cold_faults += 1
                seen.add(page)
            if len(resident) == frames:
                victim = pol.victim()
                st.evictions += 1
                st.writebacks += resident.pop(victim)
                pol.removed(victim)
            resident[page] = False
            pol.loaded(page)
        pol.accessed(page)
        if writes is not None and writes[i]:
            resident[page] = True
        if record:
            st.history.append((page, hit, victim, tuple(sorted(resident))))
    return st


def _check_frames(frames) -> None:
    if isinstance(frames, bool) or not isinstance(frames, int) or frames <= 0:
        raise ConfigError(f"need at least one frame, got {frames!r}")


def _check_writes(writes, refs) -> None:
    if writes is not None and len(writes) != len(refs):
        raise ConfigError(f"writes has {len(writes)} entries for {len(refs)} references")


def simulate_many(refs, frames_list, policy: str = "lru", writes=None) -> list[PagingStats]:
    """``[simulate(refs, f, policy, writes) for f in frames_list]``: the same counts from the
    same evictions, 2-10x faster.

    Each policy is one loop over the references that keeps its state in plain dicts and
    lists instead of calling a policy object four times per reference; OPT looks up each
    page's next use in a table built once for all frame counts instead of searching for it
    at every fault.  ``tests/test_vm_replacement.py`` checks every policy against
    :func:`simulate`.
    """
    for frames in frames_list:
        _check_frames(frames)
    refs = list(refs)
    _check_writes(writes, refs)
    if policy not in POLICIES:
        make_policy(policy)   # raises the same error as simulate
    writes = [bool(w) for w in writes] if writes is not None else [False] * len(refs)
    next_use = _next_uses(refs) if policy == "opt" else None
    distinct = len(set(refs))
    out = []
    for frames in frames_list:
        if policy == "clock":
            faults, writebacks = _clock_run(refs, writes, frames)
        elif policy == "opt":
            faults, writebacks = _opt_run(refs, writes, frames, next_use)
        else:
            faults, writebacks = _queue_run(refs, writes, frames, lru=policy == "lru")
        out.append(PagingStats(refs=len(refs), hits=len(refs) - faults, faults=faults,
                               cold_faults=distinct,
                               evictions=faults - min(frames, distinct),  # none until full
                               writebacks=writebacks))
    return out


def _queue_run(refs, writes, frames: int, lru: bool) -> tuple[int, int]:
    """(faults, write-backs) of FIFO, or of LRU (a hit moves the page to the back)."""
    resident: OrderedDict = OrderedDict()   # page -> dirty, front = next victim
    faults = writebacks = 0
    for page, write in zip(refs, writes):
        if page in resident:
            if lru:
                resident.move_to_end(page)
            if write:
                resident[page] = True
            continue
        faults += 1
        if len(resident) == frames:
            writebacks += resident.popitem(last=False)[1]
        resident[page] = write
    return faults, writebacks


def _clock_run(refs, writes, frames: int) -> tuple[int, int]:
    """(faults, write-backs) of Clock: the ring fills in load order, then each fault
    sweeps the hand past referenced pages (clearing their bits) to the victim's slot."""
    ring: list = []               # slot -> page
    referenced: dict = {}         # resident page -> reference bit
    dirty: dict = {}              # resident page -> written since loaded
    hand = faults = writebacks = 0
    for page, write in zip(refs, writes):
        if page in referenced:
            referenced[page] = True
            if write:
                dirty[page] = True
            continue
        faults += 1
        if len(ring) < frames:
            ring.append(page)
        else:
            while referenced[ring[hand]]:   # second chance
                referenced[ring[hand]] = False
                hand = (hand + 1) % frames
            victim = ring[hand]
            del referenced[victim]
            writebacks += dirty.pop(victim)
            ring[hand] = page
            hand = (hand + 1) % frames
        referenced[page] = True
        dirty[page] = write
    return faults, writebacks


def _next_uses(refs) -> list[int]:
    """For each position, the position of the next reference to the same page
    (``len(refs)``: never)."""
    never = len(refs)
    out, seen = [never] * never, {}
    for i in range(never - 1, -1, -1):
        out[i] = seen.get(refs[i], never)
        seen[refs[i]] = i
    return out


def _opt_run(refs, writes, frames: int, next_use) -> tuple[int, int]:
    """(faults, write-backs) of OPT.  Two heaps of resident pages: ``later`` holds the
    negated next use of each page used again (``refs[t]`` is the page used at ``t``);
    ``done`` holds the load time of each page never used again, the first victims, the
    earliest loaded first.  An entry is pushed at each reference; an old entry of a page
    (its next use then was this reference) stays behind, below every live one, and is
    never popped."""
    never = len(refs)
    dirty: dict = {}              # resident page -> written since loaded
    loaded_at: dict = {}          # resident page -> position of its load
    later: list = []
    done: list = []
    faults = writebacks = 0
    for i, page, write, nxt in zip(range(never), refs, writes, next_use):
        if page in dirty:
            if write:
                dirty[page] = True
        else:
            faults += 1
            if len(dirty) == frames:
                victim = refs[heapq.heappop(done)] if done else refs[-heapq.heappop(later)]
                del loaded_at[victim]
                writebacks += dirty.pop(victim)
            dirty[page] = write
            loaded_at[page] = i
        if nxt < never:
            heapq.heappush(later, -nxt)
        else:
            heapq.heappush(done, loaded_at[page])
    return faults, writebacks
