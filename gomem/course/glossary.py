"""The glossary: 中文 term <-> English <-> Go identifier <-> lesson.

Every technical term of the seed post is here (the tests check the seed's terms and the
identifiers of its ``mspan`` struct against this list), plus the terms the course adds
(arena, chunk, span class, tiny allocator, ...).  ``zh`` is the seed's own wording where it
has one; ``go`` is the runtime identifier (``""`` when the idea has no single name).
"""

from __future__ import annotations

import html
from typing import NamedTuple

from gomem.course.seedcheck import LESSONS


class Term(NamedTuple):
    zh: str
    en: str
    go: str
    lesson: str        # where it is taught: "03", or "03, 06"
    gomem: str = ""    # the model's name, when it has one


TERMS: tuple[Term, ...] = (
    # virtual memory and paging (01, 02)
    Term("虚拟内存", "virtual memory", "", "01"),
    Term("物理内存", "physical memory (RAM)", "", "01"),
    Term("地址 / 物理地址", "address / physical address", "uintptr", "01"),
    Term("误操作", "stray access (protection fault)", "SIGSEGV", "01"),
    Term("段页表", "segment and page tables", "", "01, 02"),
    Term("页表", "page table", "", "01, 02"),
    Term("swap机制 / 交换", "swap (paging to disk)", "", "01"),
    Term("分页管理", "paging", "", "02"),
    Term("分段", "segmentation", "", "02"),
    Term("外部碎片", "external fragmentation", "", "02, 04"),
    Term("内部碎片", "internal fragmentation (waste inside a slot)", "", "02, 04"),
    Term("内外存交换 (seed: 内外村交换效率)", "swapping between memory and disk", "", "02"),
    Term("空间利用率", "space utilisation", "", "04"),
    # Go's memory model (03)
    Term("以空间换时间", "trade space for time (reserve big, reuse)", "", "03"),
    Term("缓存", "cache", "", "03"),
    Term("堆", "heap", "mheap_", "03", "Heap"),
    Term("栈", "(goroutine) stack", "stackalloc", "03"),
    Term("多级缓存", "multi-level cache", "", "03, 06"),
    Term("锁 / 细粒度锁", "lock / fine-grained locking", "mutex, lock(&h.lock)", "03",
         "MHeap.lock_acquisitions"),
    Term("无锁", "lock-free", "spanSet", "03", "MCentral.span_set_ops"),
    Term("M", "machine: an OS thread running Go code", "m", "03"),
    Term("P", "processor: a scheduling slot, GOMAXPROCS of them", "p", "03", "Heap.gomaxprocs"),
    Term("共享资源", "shared resource", "", "03"),
    Term("全局的堆内存", "the global heap", "mheap", "03, 06", "MHeap"),
    Term("mcentral", "central span lists of one span class", "mcentral", "03, 06", "MCentral"),
    Term("mcache", "per-P cache of spans", "mcache", "03, 06", "MCache"),
    Term("链式结构", "linked list (of spans)", "mSpanList, next/prev", "03, 06"),
    Term("(span集合)", "span set: partial/full x swept/unswept", "spanSet", "03, 06"),
    Term("(arena)", "arena: 64 MiB of address space", "heapArena, sysAlloc", "03",
         "MHeap.arenas"),
    Term("(chunk)", "page-allocator chunk: 4 MiB = 512 pages", "pallocChunkPages", "03, 06"),
    # storage units and size classes (04)
    Term("存储单元", "unit of storage", "", "04"),
    Term("页 (page)", "runtime page: 8 KiB (the OS page is 4 KiB)", "pageSize, PageShift", "04"),
    Term("mspan / 管理单元", "span: run of pages cut into equal slots", "mspan", "04, 05",
         "MSpan"),
    Term("规格 / 对象大小规格", "size class", "sizeclass, SizeClassToSize", "04",
         "size_to_class, CLASSES"),
    Term("对象等级制度", "object size hierarchy (size classes)", "", "04"),
    Term("(span类)", "span class = size class << 1 | noscan (136)", "spanClass", "04, 06",
         "spanclass"),
    Term("(微对象分配器)", "tiny allocator: < 16 B without pointers", "mallocgcTiny", "04, 07"),
    Term("(分配头)", "malloc header: 8 B type pointer, pointerful > 512 B", "mallocHeaderSize",
         "04"),
    Term("(大对象)", "large object: > 32760 B, own span, class 0", "mallocgcLarge", "04, 07"),
    Term("(尾部浪费)", "tail waste: span bytes left after the last slot", "", "04"),
    # mspan (04, 05, 07)
    Term("bitmap / 位图", "bitmap", "gcBits", "04, 05"),
    Term("allocCache", "64-slot window of ~allocBits from freeindex", "allocCache", "04, 05",
         "alloc_cache"),
    Term("Ctz64", "count trailing zeros (find lowest 1 bit)", "sys.TrailingZeros64", "04, 05",
         "ctz64"),
    Term("startAddr", "first byte of the span", "startAddr", "05", "start_addr"),
    Term("npages", "pages in the span", "npages", "04, 05", "npages"),
    Term("freeindex", "slot where the next free-slot search starts", "freeindex", "04, 05",
         "freeindex"),
    Term("nelems", "object slots in the span", "nelems", "04, 05", "nelems"),
    Term("allocBits", "allocated-slot bits as of the last sweep", "allocBits", "05, 07",
         "alloc_bits"),
    Term("gcmarkBits", "slots marked live by this GC", "gcmarkBits", "05, 07", "gcmark_bits"),
    Term("pinnerBits", "slots pinned by runtime.Pinner", "pinnerBits", "05"),
    Term("sweepgen / 清扫", "sweep generation / sweeping", "sweepgen", "07", "sweepgen"),
    Term("divMul", "magic multiplier to divide by elemsize", "divMul", "05"),
    Term("allocCount", "allocated slots", "allocCount", "05", "alloc_count"),
    Term("spanclass", "the span's span class", "spanclass", "04, 05", "spanclass"),
    Term("state", "span state (in use, manual, dead)", "mSpanStateBox", "05", "state"),
    Term("needzero", "span memory must be zeroed before use", "needzero", "05", "needzero"),
    Term("elemsize", "slot size", "elemsize", "04, 05", "elemsize"),
    Term("limit", "end of the last slot", "limit", "05", "limit"),
    Term("specials", "finalizers, profiling records, ...", "specials, speciallock", "05"),
    Term("freeIndexForScan", "freeindex as the GC sees it", "freeIndexForScan", "05"),
    Term("allocCountBeforeCache", "allocCount when an mcache took the span",
         "allocCountBeforeCache", "05, 06", "alloc_count_before_cache"),
    Term("manualFreeList", "free list of manually managed spans (stacks)", "manualFreeList", "05"),
    Term("isUserArenaChunk / userArenaChunkFree", "user arenas (GOEXPERIMENT=arenas)",
         "isUserArenaChunk", "05"),
    Term("next / prev / list", "links of an mSpanList", "mSpanList", "03, 05"),
    Term("sys.NotInHeap", "marker: this type never lives in the Go heap", "sys.NotInHeap", "05"),
    Term("GC / 垃圾回收", "garbage collection (Green Tea since Go 1.26)", "gcStart", "07", "Heap.gc"),
)


def lesson_links(lessons: str) -> list[str]:
    return [f"[{k}]({LESSONS[k]}.ipynb)" for k in (x.strip() for x in lessons.split(","))]


def render_markdown(terms=TERMS) -> str:
    rows = ["| 中文 | English | Go identifier | gomem | lesson |", "|---|---|---|---|---|"]
    for t in terms:
        go = f"`{t.go}`" if t.go else ""
        gm = f"`{t.gomem}`" if t.gomem else ""
        rows.append(f"| {t.zh} | {t.en} | {go} | {gm} | {', '.join(lesson_links(t.lesson))} |")
    return "\n".join(rows)


def render_html(terms=TERMS) -> str:
    e = html.escape
    out = ['<table style="font-size:90%">',
           "<tr><th>中文</th><th>English</th><th>Go identifier</th><th>gomem</th><th>lesson</th></tr>"]
    for t in terms:
        links = ", ".join(f'<a href="{LESSONS[k.strip()]}.ipynb">{k.strip()}</a>'
                          for k in t.lesson.split(","))
        out.append(f"<tr><td>{e(t.zh)}</td><td>{e(t.en)}</td><td><code>{e(t.go)}</code></td>"
                   f"<td><code>{e(t.gomem)}</code></td><td>{links}</td></tr>")
    out.append("</table>")
    return "\n".join(out)
