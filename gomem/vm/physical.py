"""Physical memory (RAM) as a row of frames, and the swap device behind it.

RAM is ``n`` frames of one page each.  The kernel keeps a frame table saying
who owns each frame (which process, which virtual page); a free frame has no
owner.  Frames are handed out lowest-number first so that runs are
reproducible.  A frame's bytes are created zero-filled when it is handed out,
as Linux zeroes a page before giving it to a process.

The backing store (swap) keeps copies of evicted pages, keyed by
(pid, virtual page number).  Its traffic counters are what makes "swap makes
memory look bigger" (the seed's 放大物理内存) cost something.

Simplifications: no page cache or file-backed pages (every page is anonymous
memory), no NUMA, no frame reservations for the kernel or its page tables.
"""

from __future__ import annotations

from gomem.errors import ConfigError, OutOfMemoryError, check_size


class PhysicalMemory:
    """RAM: ``frames`` page frames of ``frame_size`` bytes and a frame table of owners."""

    def __init__(self, frames: int, frame_size: int = 4096):
        if isinstance(frames, bool) or not isinstance(frames, int) or frames <= 0:
            raise ConfigError(f"physical memory needs at least one frame, got {frames!r}")
        if isinstance(frame_size, bool) or not isinstance(frame_size, int) \
                or frame_size < 2 or frame_size & (frame_size - 1):
            raise ConfigError(f"frame size must be a power of two, got {frame_size!r}")
        self.frame_size = frame_size
        self.owner: list[tuple[int, int] | None] = [None] * frames  # frame -> (pid, vpn)
        self.data: dict[int, bytearray] = {}                         # frame -> its bytes

    @property
    def frames(self) -> int:
        return len(self.owner)

    def free_frames(self) -> int:
        return self.owner.count(None)

    def alloc(self, pid: int, vpn: int) -> int:
        """Give the lowest free frame to (pid, vpn), zero-filled; OutOfMemoryError if none."""
        try:
            frame = self.owner.index(None)
        except ValueError:
            raise OutOfMemoryError("no free frame (the kernel must evict first)") from None
        self.owner[frame] = (pid, vpn)
        self.data[frame] = bytearray(self.frame_size)
        return frame

    def free(self, frame: int) -> None:
        self.owner[frame] = None
        self.data.pop(frame, None)

    def read(self, paddr: int) -> int:
        frame, off = divmod(check_size(paddr, "physical address"), self.frame_size)
        return self.data[frame][off]

    def write(self, paddr: int, value: int) -> None:
        frame, off = divmod(check_size(paddr, "physical address"), self.frame_size)
        self.data[frame][off] = value


class BackingStore:
    """Swap: page copies keyed by (pid, vpn), with I/O counters.

    ``capacity`` is in pages (None = unlimited).  Writing a new page into a full
    swap raises :class:`OutOfMemoryError` (what Linux answers with the OOM killer).
    """

    def __init__(self, capacity: int | None = None):
        if capacity is not None:
            check_size(capacity, "swap capacity")
        self.capacity = capacity
        self.pages: dict[tuple[int, int], bytes] = {}
        self.writes = 0  # pages written out (dirty write-backs)
        self.reads = 0   # pages read back in (major faults)

    def has_room_for(self, key) -> bool:
        return self.capacity is None or key in self.pages or len(self.pages) < self.capacity

    def write(self, key, data: bytes) -> None:
        if not self.has_room_for(key):
            raise OutOfMemoryError(f"swap is full ({self.capacity} pages)")
        self.pages[key] = bytes(data)
        self.writes += 1

    def read(self, key) -> bytes:
        self.reads += 1
        return self.pages[key]

    def drop(self, key) -> None:
        self.pages.pop(key, None)
