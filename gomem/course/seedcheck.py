"""The seed check table: every claim of the seed post, where it is taught, and the verdict.

The seed (``go-memory-management.zh.md``, a Chinese blog post on Go memory management) is the
course's starting point.  Each :class:`Claim` quotes it briefly, glosses it in English, names
the lesson notebook and the cell anchor that settles it, gives a verdict (``correct`` /
``imprecise`` / ``wrong``) and the evidence: a value computed from gomem right now (so the
table cannot drift from the model) plus the Go file and function to open.

Anchors are either an explicit ``<a id="..."></a>`` in a markdown cell or a heading's own
anchor (its text with spaces replaced by ``-``, as JupyterLab makes them); the tests open
the notebooks and check that every anchor exists.
"""

from __future__ import annotations

import html
import random
from dataclasses import dataclass, field
from typing import Callable

VERDICTS = ("correct", "imprecise", "wrong")
LESSONS = {
    "00": "00_start_here", "01": "01_virtual_memory", "02": "02_paging",
    "03": "03_go_memory_model", "04": "04_size_classes", "05": "05_mspan",
    "06": "06_multilevel_caches", "07": "07_alloc_paths_and_sweep",
    "08": "08_check_against_real_go",
}
MORE_ANCHOR = "Seed-check"   # "more" links land on the later lesson's own seed check


@dataclass(frozen=True)
class Claim:
    key: str
    section: str                 # the seed's heading
    zh: str                      # short quote of the seed
    en: str                      # English gloss
    lesson: str                  # "04" -> course/04_size_classes.ipynb
    anchor: str                  # cell anchor in that notebook
    verdict: str
    evidence: str                # may use {names} filled from compute()
    go: str                      # Go file / function to open
    compute: Callable[[], dict] = field(default=lambda: {}, compare=False)
    more: tuple = ()             # later lessons that go deeper (notebook keys)

    @property
    def notebook(self) -> str:
        return LESSONS[self.lesson] + ".ipynb"

    def evidence_text(self) -> str:
        return self.evidence.format(**self.compute())


# --- evidence, computed from the model ----------------------------------------------------

def _classes() -> dict:
    from gomem.sizeclasses import CLASSES, NUM_SIZE_CLASSES
    return {"n": NUM_SIZE_CLASSES, "real": sum(1 for c in CLASSES if c.size),
            "c0": CLASSES[0].size}


def _ranges() -> dict:
    from gomem.sizeclasses import CLASSES, MAX_SMALL_ALLOC
    small = [c for c in CLASSES if c.size]
    return {"omin": small[0].size, "omax": small[-1].size,
            "smin": min(c.span_bytes for c in small) >> 10,
            "smax": max(c.span_bytes for c in small) >> 10, "cut": MAX_SMALL_ALLOC,
            "biggest": max(small, key=lambda c: c.span_bytes).size}


def _pages() -> dict:
    from gomem.mheap import PHYS_PAGE_SIZE
    from gomem.sizeclasses import PAGE_SIZE
    return {"rt": PAGE_SIZE, "os": PHYS_PAGE_SIZE}


def _npages() -> dict:
    from gomem.sizeclasses import CLASS_TO_NPAGES
    return {"lo": min(CLASS_TO_NPAGES[1:]), "hi": max(CLASS_TO_NPAGES[1:])}


def _alloc_cache() -> dict:
    from gomem import Heap
    from gomem.mspan import ctz64
    h = Heap()
    first = [h.malloc(24) for _ in range(3)]
    s = h.span_of(first[0])
    ctz = ctz64(s.alloc_cache)
    nxt = h.malloc(24)
    return {"nelems": s.nelems, "npages": s.npages, "fi": 3, "ctz": ctz,
            "slot": (nxt - s.start_addr) // s.elemsize}


def _types() -> dict:
    from gomem import span_nelems
    from gomem.sizeclasses import CLASSES
    most = max(span_nelems(c.sizeclass, ns, gt) for c in CLASSES[1:]
               for ns in (False, True) for gt in (False, True))
    return {"most": most}


def _greentea() -> dict:
    from gomem import span_nelems
    from gomem.sizeclasses import CLASSES
    return {"t16": CLASSES[2].objects, "g16": span_nelems(2, True, True),
            "c16": span_nelems(2, True, False), "t512": CLASSES[26].objects,
            "g512": span_nelems(26, True, True)}


def _central() -> dict:
    from gomem import Heap
    h = Heap()
    c = h.mheap.central[6]
    return {"ncentral": len(h.mheap.central), "sets": len(c.partial) + len(c.full)}


def _arena() -> dict:
    from gomem import Heap
    h = Heap()
    h.malloc(24)
    st = h.read_mem_stats()
    return {"arenas": len(h.mheap.arenas), "sys": st.heap_sys >> 20}


def _locks() -> dict:
    from gomem.contention import DEMO, simulate
    r = simulate(DEMO["gomaxprocs"], DEMO["mix"], DEMO["n_allocs"], random.Random(DEMO["seed"]))
    k = r.per_1000()
    return {"procs": r.gomaxprocs, "heap": round(k["mheap lock"]),
            "central": round(k["mcentral span-set ops"]), "mix": r.mix}


def _mcache() -> dict:
    from gomem import Heap
    h = Heap(gomaxprocs=4)
    return {"n": len(h.mcaches), "slots": len(h.mcaches[0].alloc)}


def _sweepgen() -> dict:
    from gomem import Heap
    h = Heap()
    a = h.malloc(24)
    h.malloc(24)
    s = h.span_of(a)
    h.gc(live=[a])
    return {"sg": h.mheap.sweepgen, "alloc": s.alloc_count}


CLAIMS: tuple[Claim, ...] = (
    # -- 虚拟内存和物理内存 (lesson 01) ----------------------------------------------------
    Claim("vm-isolation", "虚拟内存和物理内存", "隔绝用户使用的地址和真实的物理地址，防止误操作",
          "virtual addresses are isolated from physical ones, preventing mistakes",
          "01", "1.-Two-processes,-one-RAM", "correct",
          "two processes write the same virtual address and land in different frames",
          "Linux mm/memory.c handle_mm_fault; Go runtime/mem_linux.go sysReserve"),
    Claim("vm-contiguous", "虚拟内存和物理内存", "让用户感觉自己使用的内存空间是连续的",
          "the program sees one contiguous address space", "01",
          "2.-The-illusion-of-contiguity", "correct",
          "neighbouring virtual pages live in scattered frames", "Linux mm/mmap.c"),
    Claim("vm-segments", "虚拟内存和物理内存", "通过段页表去将虚拟内存转化为物理内存",
          "translation goes through segment and page tables", "01", "Seed-check", "imprecise",
          "x86-64 Linux translates with a 4-level page table only; segmentation is vestigial",
          "Linux arch/x86/mm/fault.c"),
    Claim("vm-swap", "虚拟内存和物理内存", "放大物理内存……加上swap机制",
          "virtual memory plus swap amplifies physical memory", "01", "Seed-check", "imprecise",
          "swap adds capacity, not speed: past the working set each access costs microseconds",
          "Linux mm/vmscan.c, mm/page_io.c"),
    # -- 分页管理 (lesson 02) ---------------------------------------------------------------
    Claim("paging-external", "分页管理", "相对于分段，外部碎片减少",
          "paging reduces external fragmentation compared with segmentation", "02", "Seed-check",
          "correct", "same workload: first-fit segments fail, pages never do",
          "Linux mm/page_alloc.c (buddy allocator)"),
    Claim("paging-internal", "分页管理", "内部碎片则是可控的", "internal fragmentation is controllable",
          "02", "Seed-check", "imprecise",
          "bounded by one page per allocation; the page size is fixed by the hardware",
          "Linux include/asm-generic/page.h"),
    Claim("paging-vm", "分页管理", "与虚拟内存配合", "paging works together with virtual memory",
          "02", "4.-Multi-level-page-tables", "correct",
          "a page table maps each virtual page to a frame", "Linux mm/memory.c"),
    Claim("paging-swap", "分页管理", "提高内外村交换效率，细粒度交换更加灵活",
          "better memory-disk swapping (村 is a typo for 存); finer-grained swapping is more flexible", "02", "Seed-check", "imprecise",
          "more flexible, yes; each page is a small I/O, so Linux reads swap in clusters",
          "Linux mm/swap_state.c, /proc/sys/vm/page-cluster"),
    # -- golang内存模型 (lesson 03) ---------------------------------------------------------
    Claim("space-for-time", "golang内存模型", "以空间换时间，一次缓存，多次利用",
          "trade space for time: ask for more at once, reuse it many times", "03",
          "seed-space-for-time", "correct",
          "one 24-byte malloc on a fresh heap reserves {arenas} arena of 64 MiB and maps "
          "HeapSys = {sys} MiB", "runtime/mheap.go mheap.grow; runtime/malloc.go sysAlloc",
          _arena, ("06",)),
    Claim("stack-vs-heap", "golang内存模型", "相比于用时申请的栈，堆就是这么干的",
          "unlike the stack, allocated on use, the heap works this way", "03",
          "seed-stack-vs-heap", "imprecise",
          "goroutine stacks come from the same mheap in spans and are cached per P too",
          "runtime/stack.go stackalloc, stackcacherefill; mheap.allocManual"),
    Claim("lock-problem", "golang内存模型", "当所有的M都使用了堆来分配空间……就需要有锁",
          "when every M allocates from the heap, the shared heap needs a lock", "03",
          "seed-lock-problem", "correct",
          "one global lock = 1000 acquisitions per 1000 allocations; the caches are per P "
          "(GOMAXPROCS), not per M", "runtime/malloc.go mallocgc; runtime/mcache.go"),
    Claim("mheap-global", "golang内存模型", "mheap:全局的堆内存", "mheap: the global heap", "03",
          "seed-three-levels", "correct",
          "{mix}, GOMAXPROCS={procs}: the global h.lock is taken {heap} times per 1000 "
          "allocations", "runtime/mheap.go mheap.allocSpan (lock(&h.lock))", _locks, ("06",)),
    Claim("mcentral-68", "golang内存模型",
          "mcentral:每种对象大小规格（全局划分为68种）对应的缓存，锁的粒度仅限于同一种内存规格",
          "mcentral: one cache per size class (68), each with its own lock", "03",
          "seed-mcentral", "imprecise",
          "there are {ncentral} mcentrals, one per *span class* (68 size classes x scan/noscan), "
          "each with {sets} span sets, lock-free since Go 1.15 (no mcentral lock)",
          "runtime/mcentral.go cacheSpan; runtime/mspanset.go push/pop", _central, ("06",)),
    Claim("mcache-per-p", "golang内存模型", "mcache:每个P持有的一份内存缓存，访问时无需加锁",
          "mcache: one per P, no lock needed", "03", "seed-three-levels", "correct",
          "Heap(gomaxprocs=4) has {n} mcaches, each holding one span for each of {slots} span "
          "classes", "runtime/mcache.go mcache.refill; malloc.go nextFreeFast", _mcache, ("06",)),
    # -- 存储单元 (lesson 04) ---------------------------------------------------------------
    Claim("page-8k", "存储单元", "page: 最小的存储单元……大小为8kb",
          "page: the smallest storage unit, 8 KB", "04", "seed-page", "imprecise",
          "the runtime's page is {rt} B but the OS page is {os} B; objects (8 B and up) are "
          "smaller than a page - the page is the unit spans are cut from",
          "internal/runtime/gc/sizeclasses.go PageShift=13; runtime/mpagealloc.go", _pages),
    Claim("span-pages", "存储单元", "mspan大小为page的整数倍",
          "an mspan is a whole number of pages", "04", "seed-page", "correct",
          "small-object spans have {lo}..{hi} pages", "runtime/mheap.go mspan.npages", _npages),
    Claim("classes-67", "存储单元", "被划分为67种不同的规格（另处：全局划分为68种）",
          "67 size classes (elsewhere the seed says 68)", "04", "seed-67-classes", "correct",
          "makeClasses yields {n} entries: {real} real classes plus class 0 (size {c0}) for large "
          "objects - both numbers are right, counted differently",
          "runtime/_mkmalloc/mksizeclasses.go makeClasses; gc.NumSizeClasses", _classes),
    Claim("8b-80kb", "存储单元", "从8B到80KB", "from 8 B to 80 KB", "04", "seed-8b-80kb",
          "imprecise",
          "objects are {omin} B..{omax} B (requests above {cut} B are large); *spans* are "
          "{smin}..{smax} KiB (the {smax} KiB span holds {biggest}-byte objects)",
          "internal/runtime/gc/sizeclasses.go; runtime/malloc.go mallocgc", _ranges),
    Claim("size-mapping", "存储单元", "分配对象时，会根据大小映射到不同规格的mspan",
          "an object is mapped by size to an mspan of its class", "04", "seed-size-lookup",
          "correct", "size_to_class8/128 lookup; pointerful objects > 512 B add an 8-byte header "
          "first, and pointer-free ones < 16 B share tiny blocks",
          "runtime/malloc.go mallocgcSmallNoscan; runtime/msize.go roundupsize"),
    Claim("fragmentation", "存储单元", "很大程度消除了外部碎片，但不可避免会有内部碎片",
          "size classes remove most external fragmentation but cause internal waste", "04",
          "seed-fragmentation", "correct",
          "tail waste <= 12.5 % of a span by construction; round-up waste up to the max-waste column",
          "runtime/_mkmalloc/mksizeclasses.go printComment (max waste)"),
    Claim("mcentral-fine-locks", "存储单元", "支持mcentral实现锁细粒度化",
          "size classes let mcentral have fine-grained locks", "03", "seed-mcentral",
          "imprecise", "true until Go 1.14; since 1.15 mcentral's span sets are lock-free",
          "runtime/mspanset.go"),
    # -- mspan (lessons 04, 05, 06, 07) ------------------------------------------------------
    Claim("mspan-unit", "mspan", "mspan是最小的管理单元", "mspan is the smallest management unit",
          "04", "seed-inside-a-span", "correct",
          "the heap hands out spans; slots inside a span are tracked by its bitmaps",
          "runtime/mheap.go type mspan", more=("05",)),
    Claim("linked-list", "mspan", "是一个链式结构存储", "mspans are stored as a linked list",
          "03", "seed-linked-list", "imprecise",
          "mspan still has next/prev (mSpanList), but mcentral keeps spans in partial/full x "
          "swept/unswept spanSets since Go 1.15, not linked lists",
          "runtime/mcentral.go (partial, full [2]spanSet); runtime/mspanset.go", more=("06",)),
    Claim("alloccache-pages", "mspan", "allocCache是一个bitmap，用来标记所有的page的使用情况",
          "allocCache is a bitmap marking which pages are used", "04", "seed-inside-a-span",
          "wrong",
          "a 1-page span of 24-byte objects has {nelems} slots; allocCache holds the complement of "
          "allocBits for the 64 *object slots* from freeindex", "runtime/mbitmap.go "
          "refillAllocCache; runtime/mheap.go mspan.allocCache", _alloc_cache, ("05",)),
    Claim("npages", "mspan", "npages表示包含几页，而页是连续的，大小确定的",
          "npages counts the span's pages, which are contiguous and fixed-size", "04",
          "seed-page", "correct", "spans are runs of contiguous 8 KiB pages",
          "runtime/mheap.go mspan.npages", more=("05",)),
    Claim("ctz64-page", "mspan", "Ctz64算法去寻找空的page", "Ctz64 finds an empty page", "04",
          "seed-inside-a-span", "wrong",
          "after {fi} allocations ctz64(allocCache) = {ctz}, so the next object is slot "
          "{slot} (freeindex + ctz) - a free *object slot*, not a page",
          "runtime/malloc.go nextFreeFast; runtime/mbitmap.go nextFreeIndex", _alloc_cache,
          ("05",)),
    Claim("field-types", "mspan struct", "freeindex uintptr / nelems uintptr",
          "freeindex and nelems are uintptr", "04", "seed-inside-a-span", "imprecise",
          "uintptr up to Go 1.21; uint16 since 1.22 (with allocCount, freeIndexForScan): a span "
          "holds at most {most} objects", "runtime/mheap.go mspan.freeindex, nelems", _types,
          ("05",)),
    Claim("nelems-greentea", "mspan struct", "nelems uintptr // number of object in the span",
          "nelems is the number of objects in the span", "04", "seed-greentea", "imprecise",
          "still true, but Green Tea GC (default since Go 1.26) reserves 128 B of inline mark "
          "bits in 16..512-byte spans: a 16-byte span holds {g16} objects, not the table's {t16} "
          "(classic GC: {c16}); 512-byte: {g512}, not {t512}",
          "runtime/mheap.go initSpan; runtime/mgcmark_greenteagc.go spanInlineMarkBits",
          _greentea, ("05",)),
    Claim("file-name", "mspan struct", "// runtime.mheatp.go", "the struct is in runtime.mheatp.go",
          "00", "seed-evidence-later", "imprecise",
          "a typo: the file is runtime/mheap.go", "runtime/mheap.go type mspan"),
    Claim("sweepgen", "mspan struct", "sweepgen ... h->sweepgen is incremented by 2 after every GC",
          "the sweepgen states", "00", "seed-evidence-later", "correct",
          "after one GC the heap's sweepgen is {sg}; the swept span keeps {alloc} live object",
          "runtime/mheap.go mspan.sweepgen; runtime/mgcsweep.go", _sweepgen, ("07",)),
    Claim("markbits-swap", "mspan struct",
          "The sweep will free the old allocBits and set allocBits to the gcmarkBits",
          "sweeping turns gcmarkBits into allocBits", "00", "seed-evidence-later", "correct",
          "the same GC: one of two objects marked, so one slot stays allocated",
          "runtime/mgcsweep.go sweepLocked.sweep", _sweepgen, ("07",)),
)


def claims_by_lesson(lesson: str) -> list[Claim]:
    return [c for c in CLAIMS if c.lesson == lesson]


def _link(c: Claim) -> str:
    return f"{c.notebook}#{c.anchor}"


def render_markdown(claims=CLAIMS) -> str:
    """The table as markdown (links relative to course/)."""
    rows = ["| # | seed says | in English | taught in | verdict | evidence (computed now) | Go |",
            "|---|---|---|---|---|---|---|"]
    for i, c in enumerate(claims, 1):
        more = "".join(f", [{m}]({LESSONS[m]}.ipynb#{MORE_ANCHOR})" for m in c.more)
        rows.append(f"| {i} | 「{c.zh}」 | {c.en} | [{c.lesson}]({_link(c)}){more} | "
                    f"**{c.verdict}** | {c.evidence_text()} | `{c.go}` |")
    return "\n".join(rows)


VERDICT_COLOURS = {"correct": "#d9f2d9", "imprecise": "#fff2cc", "wrong": "#f8d0d0"}


def render_html(claims=CLAIMS) -> str:
    """The table as HTML with verdicts coloured; deterministic (no ids, no timings)."""
    e = html.escape
    out = ['<table style="font-size:90%">',
           "<tr><th>#</th><th>seed says</th><th>in English</th><th>taught in</th>"
           "<th>verdict</th><th>evidence (computed now by gomem)</th><th>Go source</th></tr>"]
    for i, c in enumerate(claims, 1):
        more = "".join(f', <a href="{LESSONS[m]}.ipynb#{MORE_ANCHOR}">{m}</a>' for m in c.more)
        out.append(
            f'<tr><td>{i}</td><td>「{e(c.zh)}」</td><td>{e(c.en)}</td>'
            f'<td><a href="{e(_link(c))}">{c.lesson}</a>{more}</td>'
            f'<td style="background:{VERDICT_COLOURS[c.verdict]}"><b>{c.verdict}</b></td>'
            f'<td>{e(c.evidence_text())}</td><td><code>{e(c.go)}</code></td></tr>')
    out.append("</table>")
    return "\n".join(out)


def verdict_counts(claims=CLAIMS) -> dict[str, int]:
    return {v: sum(1 for c in claims if c.verdict == v) for v in VERDICTS}
