"""Pictures for the virtual-memory lessons (01, 02).

Every function draws data computed by :mod:`gomem.vm` and returns the
matplotlib ``Figure``; nothing here computes a result that is not also
available without drawing.  Figures use explicit sizes and only ASCII text
(the course's Chinese terms live in the notebooks' prose).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.patches import FancyArrowPatch, Rectangle

POLICY_COLORS = {"fifo": "tab:red", "lru": "tab:blue", "clock": "tab:green", "opt": "tab:gray"}
PROC_COLORS = ("tab:blue", "tab:orange", "tab:green", "tab:purple", "tab:brown")


def human_bytes(n: float) -> str:
    """1536 -> '1.5 KiB'."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" or n == int(n) else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n} TiB"


def plot_fault_curve(frames_list, curves: dict, n_refs: int, *, working_set=None,
                     current=None, slowdown: dict | None = None, title: str = ""):
    """Fault rate (%) vs frames, one line per policy; optional second panel: slowdown.

    ``curves`` maps policy -> faults per entry of ``frames_list``; ``slowdown`` maps
    policy -> average access time / DRAM time (drawn on a log scale).
    """
    ncols = 2 if slowdown else 1
    fig, axes = plt.subplots(1, ncols, figsize=(5.2 * ncols + 0.6, 3.8), squeeze=False)
    ax = axes[0][0]
    for pol, faults in curves.items():
        ax.plot(frames_list, [100 * f / n_refs for f in faults], marker=".",
                color=POLICY_COLORS.get(pol), label=pol.upper())
    ax.set_xlabel("physical frames")
    ax.set_ylabel("page faults (% of references)")
    ax.set_ylim(bottom=0)
    _marks(ax, working_set, current)
    ax.legend(fontsize=8)
    if slowdown:
        ax2 = axes[0][1]
        for pol, ratio in slowdown.items():
            ax2.semilogy(frames_list, ratio, marker=".", color=POLICY_COLORS.get(pol),
                         label=pol.upper())
        ax2.set_xlabel("physical frames")
        ax2.set_ylabel("time per access / DRAM time (log)")
        ax2.set_ylim(bottom=1)
        _marks(ax2, working_set, current)
        ax2.legend(fontsize=8)
    fig.suptitle(title, fontsize=10)
    # fixed margins, not tight_layout: widgets redraw this often and tight_layout costs ~0.2 s
    fig.subplots_adjust(left=0.6 / fig.get_figwidth(), right=0.98, bottom=0.14, top=0.88,
                        wspace=0.25)
    return fig


def move_current(fig, current, title: str) -> None:
    """Move the "frames now" marker of a :func:`plot_fault_curve` figure and retitle it
    (cheaper than drawing the figure again when only the frame count changed)."""
    for ax in fig.axes:
        for line in ax.get_lines():
            if line.get_label() == "frames now":
                line.set_xdata([current, current])
    fig.suptitle(title, fontsize=10)


def _marks(ax, working_set, current):
    if working_set is not None:
        ax.axvline(working_set, color="k", ls="--", lw=1, label="working set")
    if current is not None:
        ax.axvline(current, color="tab:orange", lw=2, alpha=0.6, label="frames now")
    ax.grid(alpha=0.3)


def plot_address_spaces(kernel, title: str = "Two address spaces, one RAM"):
    """RAM frames and swap in the middle, each process's virtual pages beside them.

    Shows isolation (same virtual address, different frames) and the illusion of
    contiguity (neighbouring virtual pages land in scattered frames).  Processes
    alternate left and right of RAM so that arrows do not cross a column.
    """
    procs = list(kernel.processes.values())
    owners = kernel.frame_owners()
    swapped = sorted(kernel.swap.pages)
    ram_rows = len(owners) + (1 + len(swapped) if swapped else 0)
    rows = max([ram_rows] + [sum(r.npages for r in p.regions) for p in procs])
    fig, ax = plt.subplots(figsize=(8.5, 0.42 * rows + 1.4))
    w, gap = 1.9, 1.6
    slot = {}  # (pid, vpn) -> (x of the box edge facing RAM, y)
    sides = []
    for i, p in enumerate(procs):
        k, right = divmod(i, 2)
        x = w + gap + k * (w + gap) if right else -(k + 1) * (w + gap)
        sides.append((p, x, bool(right), PROC_COLORS[i % len(PROC_COLORS)]))
    pid_color = {p.pid: c for p, _, _, c in sides}
    for p, x, right, color in sides:
        ax.text(x + w / 2, rows + 0.3, f"{p.name} (pid {p.pid})\nvirtual pages", ha="center",
                fontsize=9)
        y = rows - 1
        for r in p.regions:
            for vpn in range(r.start_vpn, r.start_vpn + r.npages):
                ax.add_patch(Rectangle((x, y + 0.1), w, 0.8, fc=color, alpha=0.25, ec=color))
                ax.text(x + w / 2, y + 0.5, f"{vpn << kernel.layout.offset_bits:#x}",
                        ha="center", va="center", fontsize=8, family="monospace")
                slot[(p.pid, vpn)] = (x if right else x + w, y + 0.5)
                y -= 1
    ax.text(w / 2, rows + 0.3, "RAM\nframes", ha="center", fontsize=9)

    def target(y, from_x):
        return (w if from_x > 0 else 0, y)

    for f, own in enumerate(owners):
        y = rows - 1 - f
        color = "white" if own is None else pid_color.get(own[0], "0.5")
        ax.add_patch(Rectangle((0, y + 0.1), w, 0.8, fc=color, alpha=0.25, ec="k"))
        ax.text(w / 2, y + 0.5, f"frame {f}" + ("" if own else " (free)"), ha="center",
                va="center", fontsize=8)
        if own in slot:
            _arrow(ax, slot[own], target(y + 0.5, slot[own][0]), pid_color[own[0]])
    if swapped:
        y0 = rows - 1 - len(owners)
        ax.text(w / 2, y0 + 0.35, "swap (backing store)", ha="center", fontsize=9)
        for j, key in enumerate(swapped):
            y = y0 - 1 - j
            ax.add_patch(Rectangle((0, y + 0.1), w, 0.8, fc="0.85", ec="0.4", hatch="//"))
            ax.text(w / 2, y + 0.5, f"pid {key[0]}: {key[1] << kernel.layout.offset_bits:#x}",
                    ha="center", va="center", fontsize=7, family="monospace",
                    bbox={"fc": "0.92", "ec": "none", "pad": 1})
            proc = kernel.processes.get(key[0])
            pte = proc.page_table.lookup(key[1]) if proc else None
            if key in slot and pte is not None and not pte.present:
                _arrow(ax, slot[key], target(y + 0.5, slot[key][0]), "0.45", ls=":")
    xs = [x for _, x, _, _ in sides] + [0]
    ax.set_xlim(min(xs) - 0.2, max(xs) + w + 0.2)
    ax.set_ylim(-0.2 + min(0, rows - ram_rows), rows + 1.2)
    ax.axis("off")
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig


def _arrow(ax, a, b, color, ls="-"):
    ax.add_patch(FancyArrowPatch(a, b, arrowstyle="->", mutation_scale=10, color=color,
                                 lw=1.2, ls=ls, shrinkA=2, shrinkB=2))


def plot_walk(walk, layout, title: str = ""):
    """The address's bit fields (top) and the walk through each level's table (below)."""
    fig, ax = plt.subplots(figsize=(9.5, 4.2))
    indices, offset = layout.split(walk.vaddr)
    fields = [(layout.level_name(i), b, indices[i]) for i, b in enumerate(layout.level_bits)]
    fields.append(("offset", layout.offset_bits, f"{offset:#x}"))
    total = sum(b for _, b, _ in fields)
    x, colors = 0.0, plt.cm.tab10.colors
    for i, (name, bits, value) in enumerate(fields):
        w = 10 * bits / total
        ax.add_patch(Rectangle((x, 3.2), w, 0.7, fc=colors[i % 10], alpha=0.35, ec="k"))
        ax.text(x + w / 2, 3.55, f"{name}\n{bits} bits = {value}", ha="center", va="center",
                fontsize=8)
        x += w
    ax.text(0, 4.05, f"virtual address {walk.vaddr:#x}", fontsize=9, family="monospace")
    n = layout.levels
    step_w = 10 / (n + 1)
    for i in range(n):
        bx = i * step_w
        if i < len(walk.steps):
            s = walk.steps[i]
            fc = colors[i % 10]
            label = f"{s.level_name} table #{s.table_id}\nentry [{s.index}]\n-> "
            label += {"table": f"table #{s.target}", "frame": f"frame {s.target}",
                      "not present": "NOT PRESENT\n(page fault)",
                      "missing": "EMPTY\n(page fault)"}[s.points_to]
            ec = "red" if s.points_to in ("missing", "not present") else "k"
        else:
            fc, label, ec = "white", f"{layout.level_name(i)}\n(not reached)", "0.6"
        ax.add_patch(Rectangle((bx + 0.1, 0.9), step_w - 0.4, 1.7, fc=fc, alpha=0.25, ec=ec,
                               lw=1.5))
        ax.text(bx + step_w / 2 - 0.1, 1.75, label, ha="center", va="center", fontsize=8)
        if i + 1 < n + 1:
            _arrow(ax, (bx + step_w - 0.3, 1.75), (bx + step_w + 0.1, 1.75), "k")
    fx = n * step_w
    if walk.ok:
        text = (f"frame {walk.pte.frame}\n+ offset {walk.offset:#x}\n= physical\n"
                f"{walk.pte.frame * layout.page_size + walk.offset:#x}")
        fc = "tab:green"
    else:
        text, fc = "no frame:\nthe kernel\nhandles the fault", "tab:red"
    ax.add_patch(Rectangle((fx + 0.1, 0.9), step_w - 0.2, 1.7, fc=fc, alpha=0.25, ec="k"))
    ax.text(fx + step_w / 2, 1.75, text, ha="center", va="center", fontsize=8)
    reads = len(walk.steps)
    ax.text(0, 0.45, f"{reads} table read{'s' if reads != 1 else ''} for this translation "
            f"(a TLB hit needs none)", fontsize=8)
    ax.set_xlim(-0.1, 10.1)
    ax.set_ylim(0.3, 4.4)
    ax.axis("off")
    ax.set_title(title, fontsize=10)
    fig.subplots_adjust(left=0.02, right=0.98, bottom=0.02, top=0.92)
    return fig


def plot_page_size_tradeoff(rows, current=None, title: str = ""):
    """Internal waste, page-table size and their sum vs page size (log-log)."""
    fig, ax = plt.subplots(figsize=(7.5, 4))
    ps = [r["page_size"] for r in rows]
    for key, label, style in (("internal_waste", "internal fragmentation", "tab:red"),
                              ("table_bytes", "page table (flat)", "tab:blue"),
                              ("total", "sum", "k")):
        ax.loglog(ps, [max(r[key], 1) for r in rows], marker=".", color=style, label=label,
                  base=2, ls="--" if key == "total" else "-")
    if current is not None:
        ax.axvline(current, color="tab:orange", lw=2, alpha=0.6, label="page size now")
    ax.set_xticks(ps)
    ax.set_xticklabels([human_bytes(p).replace(" ", "\n") for p in ps], fontsize=7)
    ax.set_xlabel("page size")
    ax.set_ylabel("bytes (log scale)")
    yt = [2 ** k for k in range(10, 31, 4)]
    ax.set_yticks(yt)
    ax.set_yticklabels([human_bytes(v) for v in yt])
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title(title, fontsize=10)
    fig.subplots_adjust(left=0.13, right=0.97, bottom=0.19, top=0.91)  # fixed: fast redraws
    return fig


def plot_fragmentation(steps, memory: int, segments=None, title: str = ""):
    """Segmentation's unusable free space vs paging's internal waste after each step.

    ``segments`` (optional): final ``(holes, segments)`` of the segment allocator,
    drawn as a memory map above the curves.
    """
    nrows = 2 if segments is not None else 1
    fig, axes = plt.subplots(nrows, 1, figsize=(8, 3.8 + 1.1 * (nrows - 1)), squeeze=False,
                             gridspec_kw={"height_ratios": [1, 5][-nrows:]})
    ax = axes[-1][0]
    xs = [s.step for s in steps]
    ax.plot(xs, [100 * s.seg_external / memory for s in steps], color="tab:red",
            label="segmentation: free but not in the largest hole (external)")
    ax.plot(xs, [100 * s.page_internal_waste / memory for s in steps], color="tab:blue",
            label="paging: unused tails of last pages (internal)")
    for attr, value, color, label in (
            ("seg_failures", "seg_external", "darkred", "segment request failed"),
            ("page_failures", "page_internal_waste", "navy", "paged request failed")):
        fails = [s for i, s in enumerate(steps)
                 if getattr(s, attr) > (getattr(steps[i - 1], attr) if i else 0)]
        if fails:
            ax.plot([s.step for s in fails], [100 * getattr(s, value) / memory for s in fails],
                    "x", color=color, ms=7, label=label)
    ax.set_xlabel("workload step")
    ax.set_ylabel("% of memory")
    top = max([100 * max(s.seg_external, s.page_internal_waste) / memory for s in steps] + [1])
    ax.set_ylim(0, top * 1.6)  # headroom so the legend never hides the curves
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")
    if segments is not None:
        holes, segs = segments
        m = axes[0][0]   # one collection per kind (not a patch per block): fast redraws
        m.broken_barh(list(segs.items()), (0, 1), facecolors="tab:red", alpha=0.45,
                      edgecolors="white", linewidths=0.3)
        m.broken_barh([tuple(h) for h in holes], (0, 1), facecolors="white", edgecolors="0.5",
                      linewidths=0.5)
        m.set_xlim(0, memory)
        m.set_ylim(0, 1)
        m.set_yticks([])
        m.set_xlabel("physical address (segments red, holes white) at the end", fontsize=8)
        m.set_xticks([0, memory // 2, memory])
        m.set_xticklabels(["0", human_bytes(memory // 2), human_bytes(memory)], fontsize=8)
    fig.suptitle(title, fontsize=10)
    h = fig.get_figheight()
    fig.subplots_adjust(left=0.08, right=0.96, bottom=0.5 / h, top=1 - 0.45 / h,
                        hspace=0.4 if nrows == 2 else 0.2)  # fixed: fast redraws
    return fig


def plot_tlb_curve(tlb_sizes, curves: dict, current=None, title: str = ""):
    """TLB hit rate (%) vs entries, one line per page size (``curves``: page size -> rates)."""
    fig, ax = plt.subplots(figsize=(7, 3.8))
    for ps, rates in curves.items():
        ax.plot(tlb_sizes, [100 * r for r in rates], marker=".",
                label=f"{human_bytes(ps)} pages")
    if current is not None:
        ax.axvline(current, color="tab:orange", lw=2, alpha=0.6, label=f"{current} entries")
    ax.set_xscale("log", base=2)
    ax.set_xticks(tlb_sizes)
    ax.set_xticklabels([str(t) for t in tlb_sizes])
    ax.set_xlabel("TLB entries")
    ax.set_ylabel("TLB hit rate (%)")
    ax.set_ylim(0, 101)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig


def plot_fault_counts(frames_list, curves: dict, title: str = ""):
    """Grouped bars: faults per policy for each frame count, each bar labelled with its count.

    Bars (not lines) because policies often tie exactly on short reference strings.
    """
    fig, ax = plt.subplots(figsize=(7.5, 3.6))
    n = len(curves)
    width = 0.8 / n
    for j, (pol, faults) in enumerate(curves.items()):
        xs = [i + (j - (n - 1) / 2) * width for i in range(len(frames_list))]
        bars = ax.bar(xs, faults, width, color=POLICY_COLORS.get(pol), label=pol.upper(),
                      alpha=0.8)
        ax.bar_label(bars, fontsize=7)
    ax.set_xticks(range(len(frames_list)))
    ax.set_xticklabels([str(f) for f in frames_list])
    ax.set_xlabel("physical frames")
    ax.set_ylabel("page faults")
    ax.set_ylim(0, max(max(v) for v in curves.values()) * 1.15)
    ax.legend(fontsize=8, ncol=n, loc="upper right")
    ax.set_title(title, fontsize=10)
    fig.tight_layout()
    return fig
