"""Pictures for the virtual-memory lessons (01, 02).

Every function draws data computed by :mod:`gomem.vm` and returns the
matplotlib ``Figure``; nothing here computes a result that is not also
available without drawing.  Figures use explicit sizes and only ASCII text
(the course's Chinese terms live in the notebooks' prose).
"""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.collections import PolyCollection
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, Rectangle

from gomem.viz.render import animate, legend_for, still

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
    top = max(max(ys) for ys in slowdown.values()) if slowdown else None
    plot = FaultCurvePlot(frames_list, n_refs, len(curves), max_slowdown=top)
    return still(plot.update(curves, working_set=working_set, current=current,
                             slowdown=slowdown, title=title))


class FaultCurvePlot:
    """The figure of :func:`plot_fault_curve`, built once and updated in place.

    Each panel marks the working set (dashed) and the frames now (orange); the first panel
    has the legend.  The axes are fixed when the figure is built (x: the frame counts;
    y: 0-100 % of references, and 1x to ``max_slowdown``; ``None``: no slowdown panel), so
    :meth:`update` only moves animated artists -- the curves, the marks, what a full draw
    puts over them (the spines and the legend, whose best place avoids them) and the
    suptitle -- and the figure's static layer (grid, ticks, labels) stays valid (see
    :class:`gomem.viz.render.WidgetCanvas`).
    """

    def __init__(self, frames_list, n_refs: int, policies: int = 1,
                 max_slowdown: float | None = None):
        self.frames_list, self.n_refs = list(frames_list), n_refs
        ncols = 1 if max_slowdown is None else 2
        self.fig, axes = plt.subplots(1, ncols, figsize=(5.2 * ncols + 0.6, 3.8),
                                      squeeze=False)
        self.axes = list(axes[0])
        self.curves, self.working_set, self.now = [], [], []
        xlim = _xlim(self.frames_list)
        for ax, ylabel, yscale, ylim in zip(
                self.axes, ("page faults (% of references)", "time per access / DRAM time (log)"),
                ("linear", "log"), ((0, 104), (1, 1.4 * (max_slowdown or 1)))):
            ax.set_yscale(yscale)
            ax.set_xlim(*xlim)
            ax.set_ylim(*ylim)
            self.curves.append([ax.plot([], [], marker=".", animated=True)[0]
                                for _ in range(policies)])
            self.working_set.append(_vline(ax, None, color="k", ls="--", lw=1,
                                           label="working set", animated=True))
            self.now.append(_moving_mark(ax, None, color="tab:orange", lw=2, alpha=0.6,
                                         label="frames now"))
            ax.set_xlabel("physical frames")
            ax.set_ylabel(ylabel)
            ax.grid(alpha=0.3)
        self.suptitle = self.fig.suptitle("", fontsize=10)
        animate(self.suptitle)
        # fixed margins, not tight_layout: widgets redraw this often and tight_layout costs ~0.2 s
        self.fig.subplots_adjust(left=0.6 / self.fig.get_figwidth(), right=0.98, bottom=0.14,
                                 top=0.88, wspace=0.25)

    def update(self, curves: dict, *, working_set=None, current=None,
               slowdown: dict | None = None, title: str = ""):
        """Show ``curves`` and ``slowdown`` (as for :func:`plot_fault_curve`, with as many
        policies as the figure was built for), the marks (``None``: none) and ``title``;
        returns the figure."""
        rates = {pol: [100 * f / self.n_refs for f in faults] for pol, faults in curves.items()}
        for ax, lines, series, ws_mark, now_mark in zip(self.axes, self.curves, (rates, slowdown),
                                                       self.working_set, self.now):
            for line, (pol, ys) in zip(lines, series.items()):
                line.set_data(self.frames_list, ys)
                line.set_color(POLICY_COLORS[pol])
                line.set_label(pol.upper())
            _place(ws_mark, working_set)
            _place(now_mark, current)
        _legend(self.axes[0], animated=True, fontsize=8)   # one legend: both panels match
        self.suptitle.set_text(title)
        return self.fig


def _xlim(xs) -> tuple[float, float]:
    """The x range matplotlib's autoscaling would give data at ``xs``: a 5 % margin."""
    lo, hi = min(xs), max(xs)
    pad = 0.05 * (hi - lo or 1)
    return lo - pad, hi + pad


def _vline(ax, x, **style):
    """A vertical line across ``ax`` at ``x`` (``None``: none yet), moved by :func:`_place`;
    made empty, so that (unlike ``axvline``) it never widens the x-limits by itself."""
    line = ax.add_line(Line2D([], [], transform=ax.get_xaxis_transform(which="grid"),
                              **style))
    _place(line, x)
    return line


def _moving_mark(ax, x, **style):
    """An animated :func:`_vline`; the spines, which a full draw puts over it, are animated
    too."""
    line = _vline(ax, x, **style)
    animate(line, *ax.spines.values())
    return line


def _place(line, x) -> None:
    """Move a line made by :func:`_vline` to ``x``; ``None``: no data (not drawn, not listed in
    a legend made by :func:`_legend`)."""
    line.set_data(([x, x], [0, 1]) if x is not None else ([], []))


def _legend(ax, animated: bool = False, **kwargs) -> None:
    """Give ``ax`` a legend of its lines that have data (see
    :func:`gomem.viz.render.legend_for`); ``animated`` when its best place depends on a mark
    that moves.  An animated legend whose entries differ from the lines only in labels and
    colours (another policy's curve) is relabelled and recoloured in place: a new legend
    would make the figure stale."""
    lines = [ln for ln in ax.get_lines() if len(ln.get_xdata())]
    legend = ax.get_legend()
    if animated and legend is not None and _same_styles(legend.legend_handles, lines):
        for text, handle, line in zip(legend.get_texts(), legend.legend_handles, lines):
            text.set_text(line.get_label())
            handle.set_color(line.get_color())
        return
    legend = legend_for(ax, lines, **kwargs)
    if animated:
        animate(legend)


def _same_styles(handles, lines) -> bool:
    """``handles`` (a legend's) draw ``lines`` but for their colours."""
    return len(handles) == len(lines) and all(
        isinstance(h, Line2D) and (h.get_linestyle(), h.get_marker(), h.get_linewidth())
        == (ln.get_linestyle(), ln.get_marker(), ln.get_linewidth())
        for h, ln in zip(handles, lines))


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
    return ax.add_patch(FancyArrowPatch(a, b, arrowstyle="->", mutation_scale=10, color=color,
                                        lw=1.2, ls=ls, shrinkA=2, shrinkB=2))


def plot_walk(walk, layout, title: str = ""):
    """The address's bit fields (top) and the walk through each level's table (below)."""
    return still(WalkPlot(layout.levels).update(walk, layout, title))


class WalkPlot:
    """The figure of :func:`plot_walk` for layouts of up to ``levels`` levels, built once;
    :meth:`update` lays the boxes out for the walk's layout (hiding those it does not use)
    and rewrites their texts and colours (a full redraw, but of a figure that exists: no
    new axes, boxes or texts)."""

    def __init__(self, levels: int):
        self.fig, ax = plt.subplots(figsize=(9.5, 4.2))
        colors = plt.cm.tab10.colors
        self.fields = [(ax.add_patch(Rectangle((0, 3.2), 0, 0.7, fc=colors[i % 10],
                                               alpha=0.35, ec="k")),
                        ax.text(0, 3.55, "", ha="center", va="center", fontsize=8))
                       for i in range(levels + 1)]   # one per level, then the offset
        self.address = ax.text(0, 4.05, "", fontsize=9, family="monospace")
        self.steps = [(ax.add_patch(Rectangle((0, 0.9), 0, 1.7, alpha=0.25, lw=1.5)),
                       ax.text(0, 1.75, "", ha="center", va="center", fontsize=8),
                       _arrow(ax, (0, 1.75), (0, 1.75), "k"))
                      for _ in range(levels)]
        self.frame = ax.add_patch(Rectangle((0, 0.9), 0, 1.7, alpha=0.25, ec="k"))
        self.frame_text = ax.text(0, 1.75, "", ha="center", va="center", fontsize=8)
        self.reads = ax.text(0, 0.45, "", fontsize=8)
        ax.set_xlim(-0.1, 10.1)
        ax.set_ylim(0.3, 4.4)
        ax.axis("off")
        self.title = ax.set_title("", fontsize=10)
        self.fig.subplots_adjust(left=0.02, right=0.98, bottom=0.02, top=0.92)

    def update(self, walk, layout, title: str = ""):
        """Show ``walk``, a walk of an address in ``layout``; returns the figure."""
        colors, n = plt.cm.tab10.colors, layout.levels
        indices, offset = layout.split(walk.vaddr)
        fields = [(layout.level_name(i), b, indices[i]) for i, b in enumerate(layout.level_bits)]
        fields.append(("offset", layout.offset_bits, f"{offset:#x}"))
        total, x = sum(b for _, b, _ in fields), 0.0
        for i, (box, text) in enumerate(self.fields):
            _show((box, text), i < len(fields))
            if i >= len(fields):
                continue
            name, bits, value = fields[i]
            w = 10 * bits / total
            box.set_bounds(x, 3.2, w, 0.7)
            text.set_position((x + w / 2, 3.55))
            text.set_text(f"{name}\n{bits} bits = {value}")
            x += w
        self.address.set_text(f"virtual address {walk.vaddr:#x}")
        step_w = 10 / (n + 1)
        for i, (box, text, arrow) in enumerate(self.steps):
            _show((box, text, arrow), i < n)
            if i >= n:
                continue
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
            box.set_bounds(bx + 0.1, 0.9, step_w - 0.4, 1.7)
            box.set_facecolor(fc)
            box.set_edgecolor(ec)
            text.set_position((bx + step_w / 2 - 0.1, 1.75))
            text.set_text(label)
            arrow.set_positions((bx + step_w - 0.3, 1.75), (bx + step_w + 0.1, 1.75))
        fx = n * step_w
        if walk.ok:
            text = (f"frame {walk.pte.frame}\n+ offset {walk.offset:#x}\n= physical\n"
                    f"{walk.pte.frame * layout.page_size + walk.offset:#x}")
            fc = "tab:green"
        else:
            text, fc = "no frame:\nthe kernel\nhandles the fault", "tab:red"
        self.frame.set_bounds(fx + 0.1, 0.9, step_w - 0.2, 1.7)
        self.frame.set_facecolor(fc)
        self.frame_text.set_position((fx + step_w / 2, 1.75))
        self.frame_text.set_text(text)
        reads = len(walk.steps)
        self.reads.set_text(f"{reads} table read{'s' if reads != 1 else ''} for this "
                            f"translation (a TLB hit needs none)")
        self.title.set_text(title)
        return self.fig


def _show(artists, visible: bool) -> None:
    """Show or hide each of ``artists``."""
    for artist in artists:
        artist.set_visible(visible)


def plot_page_size_tradeoff(rows, current=None, title: str = ""):
    """Internal waste, page-table size and their sum vs page size (log-log)."""
    return still(PageSizePlot(rows).update(current, title))


class PageSizePlot:
    """The figure of :func:`plot_page_size_tradeoff` for one set of rows, built once;
    :meth:`update` moves the "page size now" mark and retitles.  The mark, what a full draw
    puts over it (the spines, and the legend, whose best place avoids the mark) and the
    title are animated, so the figure's static layer stays valid (see
    :class:`gomem.viz.render.WidgetCanvas`)."""

    def __init__(self, rows):
        self.fig, self.ax = plt.subplots(figsize=(7.5, 4))
        ax = self.ax
        ps = [r["page_size"] for r in rows]
        for key, label, style in (("internal_waste", "internal fragmentation", "tab:red"),
                                  ("table_bytes", "page table (flat)", "tab:blue"),
                                  ("total", "sum", "k")):
            ax.loglog(ps, [max(r[key], 1) for r in rows], marker=".", color=style, label=label,
                      base=2, ls="--" if key == "total" else "-")
        self.now = _moving_mark(ax, None, color="tab:orange", lw=2, alpha=0.6,
                                label="page size now")
        ax.set_xticks(ps)
        ax.set_xticklabels([human_bytes(p).replace(" ", "\n") for p in ps], fontsize=7)
        ax.set_xlabel("page size")
        ax.set_ylabel("bytes (log scale)")
        yt = [2 ** k for k in range(10, 31, 4)]
        ax.set_yticks(yt)
        ax.set_yticklabels([human_bytes(v) for v in yt])
        ax.grid(alpha=0.3)
        self.title = ax.set_title("", fontsize=10)
        animate(self.title)
        self.fig.subplots_adjust(left=0.13, right=0.97, bottom=0.19, top=0.91)  # fixed: fast

    def update(self, current=None, title: str = ""):
        """Put the mark at ``current`` (``None``: no mark) and retitle; returns the figure."""
        _place(self.now, current)
        _legend(self.ax, animated=True, fontsize=8)
        self.title.set_text(title)
        return self.fig


def plot_fragmentation(steps, memory: int, segments=None, title: str = ""):
    """Segmentation's unusable free space vs paging's internal waste after each step.

    ``segments`` (optional): final ``(holes, segments)`` of the segment allocator,
    drawn as a memory map above the curves.
    """
    top = max([100 * max(s.seg_external, s.page_internal_waste) / memory for s in steps] + [1])
    plot = FragmentationPlot(memory, segments is not None, top=min(100, 1.15 * top))
    return still(plot.update(steps, segments, title))


class FragmentationPlot:
    """The figure of :func:`plot_fragmentation` (``memory_map``: with the map panel), built
    once, with a fixed y range (0 to ``top`` % of memory) and the legend below the axes.
    :meth:`update` draws another run: only the curves, the failure marks, the map's blocks,
    their axes' spines (which a full draw puts over them) and the suptitle change, and they
    are animated, so the figure's static layer stays valid (see
    :class:`gomem.viz.render.WidgetCanvas`); the x range is set by the first run."""

    FAILURES = (("seg_failures", "seg_external", "darkred", "segment request failed"),
                ("page_failures", "page_internal_waste", "navy", "paged request failed"))

    def __init__(self, memory: int, memory_map: bool = False, top: float = 100):
        self.memory = memory
        nrows = 2 if memory_map else 1
        self.fig, axes = plt.subplots(nrows, 1, figsize=(8, 4.2 + 1.1 * (nrows - 1)),
                                      squeeze=False,
                                      gridspec_kw={"height_ratios": [1, 5][-nrows:]})
        ax = self.ax = axes[-1][0]
        (self.seg,) = ax.plot([], [], color="tab:red", animated=True,
                              label="segmentation: free but not in the largest hole (external)")
        (self.page,) = ax.plot([], [], color="tab:blue", animated=True,
                               label="paging: unused tails of last pages (internal)")
        self.fails = [ax.plot([], [], "x", color=color, ms=7, label=label, animated=True)[0]
                      for _, _, color, label in self.FAILURES]
        animate(*ax.spines.values())
        ax.set_ylim(0, top)
        ax.set_xlabel("workload step")
        ax.set_ylabel("% of memory")
        ax.grid(alpha=0.3)
        legend_for(self.fig, [self.seg, self.page, *self.fails], loc="lower center", ncol=2,
                   fontsize=8, frameon=False)
        self.map = axes[0][0] if memory_map else None
        if memory_map:
            m = self.map
            m.set_xlim(0, memory)
            m.set_ylim(0, 1)
            m.set_yticks([])
            m.set_xlabel("physical address (segments red, holes white) at the end", fontsize=8)
            m.set_xticks([0, memory // 2, memory])
            m.set_xticklabels(["0", human_bytes(memory // 2), human_bytes(memory)], fontsize=8)
            # one collection per kind (not a patch per block), its blocks replaced on update
            self.blocks = [m.add_collection(PolyCollection([], animated=True, **style),
                                            autolim=False)
                           for style in ({"facecolors": "tab:red", "alpha": 0.45,
                                          "edgecolors": "white", "linewidths": 0.3},
                                         {"facecolors": "white", "edgecolors": "0.5",
                                          "linewidths": 0.5})]
            animate(*m.spines.values())
        self.suptitle = self.fig.suptitle("", fontsize=10)
        animate(self.suptitle)
        h = self.fig.get_figheight()
        self.fig.subplots_adjust(left=0.08, right=0.96, bottom=0.9 / h, top=1 - 0.45 / h,
                                 hspace=0.4 if nrows == 2 else 0.2)  # fixed: fast redraws

    def update(self, steps, segments=None, title: str = ""):
        """Show the run ``steps`` and (with the map panel) the final ``segments``;
        returns the figure."""
        ax, memory = self.ax, self.memory
        xs = [s.step for s in steps]
        self.seg.set_data(xs, [100 * s.seg_external / memory for s in steps])
        self.page.set_data(xs, [100 * s.page_internal_waste / memory for s in steps])
        for line, (attr, value, _, _) in zip(self.fails, self.FAILURES):
            fails = [s for i, s in enumerate(steps)
                     if getattr(s, attr) > (getattr(steps[i - 1], attr) if i else 0)]
            line.set_data([s.step for s in fails],
                          [100 * getattr(s, value) / memory for s in fails])
        xlim = _xlim(xs)
        if ax.get_xlim() != xlim:   # a run as long as the last keeps the static layer
            ax.set_xlim(*xlim)
        if segments is not None:
            holes, segs = segments
            for blocks, spans in zip(self.blocks, (segs.items(), holes)):
                blocks.set_verts([[(x, 0), (x, 1), (x + w, 1), (x + w, 0)] for x, w in spans])
        self.suptitle.set_text(title)
        return self.fig


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
