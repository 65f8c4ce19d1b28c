"""Interactive widgets for the virtual-memory lessons (01, 02).

Each builder returns a :class:`gomem.widgets.base.PlotWidget`: a row of ipywidgets
controls and an output area.  Changing a control calls ``compute`` (a pure function of the
control values, built on :mod:`gomem.vm`) and then ``draw`` (from
:mod:`gomem.viz.vm`).  The widget keeps the last ``result`` and ``figure``,
so a test can set ``w.controls["frames"].value = 8`` and assert on
``w.result`` or ``w.title`` without a browser.  Every figure title states
the current parameters and the seed.
"""

from __future__ import annotations

import functools
import random

import ipywidgets as widgets

from gomem.errors import ConfigError, GoMemError
from gomem.viz import vm as viz
from gomem.vm import (AddressLayout, Kernel, allocation_workload, analysis,
                      compare_fragmentation, working_set_trace)
from gomem.vm.segmentation import SegmentAllocator
from gomem.widgets.base import PlotWidget


# -- lesson 01: frames / working set / policy -> fault curve --------------------------------
def fault_curve_widget(seed: int = 0, n_refs: int = 2000, max_frames: int = 48) -> PlotWidget:
    """Fault rate vs frames for a working-set trace; the slowdown panel shows the cliff."""
    frames_list = list(range(2, max_frames + 1, 2))

    @functools.lru_cache(maxsize=64)
    def curve(working_set, policy):  # moving the frames slider only moves the marker
        pages, writes = working_set_trace(random.Random(seed), n_refs, working_set)
        return pages, writes, analysis.runs(pages, frames_list, policy, writes)

    @functools.lru_cache(maxsize=512)
    def at(frames, working_set, policy):  # one run; frames already on the curve are free
        pages, writes, stats = curve(working_set, policy)
        if frames in frames_list:
            return stats[frames_list.index(frames)]
        return analysis.runs(pages, [frames], policy, writes)[0]

    def compute(frames, working_set, policy):
        pages, writes, stats = curve(working_set, policy)
        now = at(frames, working_set, policy)
        slow = [analysis.access_time_ns(s) / analysis.DRAM_NS for s in stats]
        return {"frames": frames, "working_set": working_set, "policy": policy,
                "frames_list": frames_list, "faults": [s.faults for s in stats],
                "faults_now": now.faults, "fault_rate_now": now.fault_rate,
                "slowdown": slow, "slowdown_now": analysis.access_time_ns(now) / analysis.DRAM_NS}

    # fixed axes (the slowdown's top: every reference a page-in): a move only moves curves,
    # marks and title, which are animated
    plot = viz.FaultCurvePlot(frames_list, n_refs,
                              max_slowdown=analysis.SSD_FAULT_NS / analysis.DRAM_NS)

    def draw(r):
        title = (f"{r['policy'].upper()}, working set {r['working_set']} pages, "
                 f"{r['frames']} frames: {100 * r['fault_rate_now']:.1f}% faults, "
                 f"{r['slowdown_now']:.0f}x slower (seed {seed}, {n_refs} refs)")
        return plot.update({r["policy"]: r["faults"]}, working_set=r["working_set"],
                           current=r["frames"], slowdown={r["policy"]: r["slowdown"]},
                           title=title)

    controls = {
        "frames": widgets.IntSlider(16, min=2, max=max_frames, step=1, description="frames"),
        "working_set": widgets.IntSlider(24, min=4, max=max_frames, step=2,
                                         description="working set"),
        "policy": widgets.Dropdown(options=["fifo", "lru", "clock", "opt"], value="lru",
                                   description="policy"),
    }
    return PlotWidget(controls, compute, draw)


# -- lesson 02: page size -> internal waste vs table size ------------------------------------
def page_size_widget(request_sizes, address_bits: int = 32, pte_bytes: int = 4) -> PlotWidget:
    """Page-size slider: where the waste goes as pages grow."""
    sizes = [2 ** k for k in range(10, 23)]

    def compute(page_size):
        rows = analysis.page_size_tradeoff(request_sizes, sizes, address_bits, pte_bytes)
        now = next(r for r in rows if r["page_size"] == page_size)
        return {"rows": rows, "now": now, "page_size": page_size}

    plot = None   # built on the first draw, then only its marker and title move

    def draw(r):
        nonlocal plot
        n = r["now"]
        title = (f"page size {viz.human_bytes(r['page_size'])}: waste "
                 f"{viz.human_bytes(n['internal_waste'])} + table "
                 f"{viz.human_bytes(n['table_bytes'])} ({len(request_sizes)} requests, "
                 f"{address_bits}-bit flat table)")
        if plot is None:
            plot = viz.PageSizePlot(r["rows"])
        return plot.update(r["page_size"], title)

    controls = {"page_size": widgets.SelectionSlider(
        options=[(viz.human_bytes(s), s) for s in sizes], value=4096, description="page size")}
    return PlotWidget(controls, compute, draw)


# -- lesson 02: address-translation walker ---------------------------------------------------
WALK_LAYOUTS = {"x86-64 4-level 9+9+9+9+12": AddressLayout.x86_64(),
                "x86-64 5-level 9+9+9+9+9+12": AddressLayout((9,) * 5, 12, 57),
                "32-bit 2-level 10+10+12": AddressLayout((10, 10), 12, 32, 4),
                "32-bit 1-level 20+12": AddressLayout.single_level(32, 4096)}


def demo_kernel(layout: AddressLayout, frames: int = 8):
    """A kernel with one process that has mapped and touched three pages of a region."""
    k = Kernel(frames, layout)
    p = k.spawn("demo")
    start = k.mmap(p, 4 * layout.page_size, name="heap")
    for i in (0, 1, 3):
        k.store(p, start + i * layout.page_size, i + 1)
    return k, p, start


def walk_widget() -> PlotWidget:
    """Type an address (hex), pick a layout, see every table the MMU reads."""
    def compute(address, layout):
        lay = WALK_LAYOUTS[layout]
        try:
            vaddr = int(str(address).strip(), 0)
        except ValueError:
            raise ConfigError(f"not a number: {address!r}") from None
        k, p, _ = demo_kernel(lay)
        walk = p.page_table.walk(vaddr)
        return {"vaddr": vaddr, "layout": lay, "layout_name": layout, "walk": walk,
                "ok": walk.ok, "steps": len(walk.steps),
                "paddr": walk.pte.frame * lay.page_size + walk.offset if walk.ok else None}

    plot = viz.WalkPlot(max(lay.levels for lay in WALK_LAYOUTS.values()))   # redrawn in place

    def draw(r):
        lay = r["layout"]
        end = f"physical {r['paddr']:#x}" if r["ok"] else "page fault"
        reads = f"{r['steps']} read" + ("s" if r["steps"] != 1 else "")
        title = f"walk of {r['vaddr']:#x} with {lay.describe()}: {reads} -> {end}"
        return plot.update(r["walk"], lay, title)

    controls = {
        "address": widgets.Text("0x401abc", description="address", continuous_update=False),
        "layout": widgets.Dropdown(options=list(WALK_LAYOUTS), description="layout",
                                   layout=widgets.Layout(width="330px")),
    }
    return PlotWidget(controls, compute, draw)


# -- lesson 02: segmentation vs paging on one workload ---------------------------------------
def fragmentation_widget(seed: int = 0, n_ops: int = 400, memory: int = 1 << 20) -> PlotWidget:
    """First-fit / best-fit and page size -> external vs internal fragmentation over time."""
    @functools.lru_cache(maxsize=16)  # pure in (fit, page_size): revisiting a setting is free
    def compute(fit, page_size):
        ops = allocation_workload(random.Random(seed), n_ops)
        steps = compare_fragmentation(ops, memory, page_size, fit)
        seg = SegmentAllocator(memory, fit)
        live = {}
        for op in ops:  # replay to get the final memory map
            try:
                if op[0] == "alloc":
                    live[op[1]] = seg.alloc(op[2])
                elif op[1] in live:
                    seg.free(live.pop(op[1]))
            except GoMemError:
                pass
        return {"fit": fit, "page_size": page_size, "steps": steps,
                "seg_failures": steps[-1].seg_failures, "page_failures": steps[-1].page_failures,
                "map": (list(seg.holes), dict(seg.segments))}

    plot = viz.FragmentationPlot(memory, memory_map=True)   # redrawn in place

    def draw(r):
        title = (f"{r['fit']}-fit segments vs {viz.human_bytes(r['page_size'])} pages, "
                 f"{viz.human_bytes(memory)} RAM: {r['seg_failures']} segment failures, "
                 f"{r['page_failures']} paging failures (seed {seed})")
        return plot.update(r["steps"], r["map"], title)

    controls = {
        "fit": widgets.Dropdown(options=["first", "best"], description="fit"),
        "page_size": widgets.SelectionSlider(
            options=[(viz.human_bytes(s), s) for s in (1024, 4096, 16384, 65536)], value=4096,
            description="page size"),
    }
    return PlotWidget(controls, compute, draw)
