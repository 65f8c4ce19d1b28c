"""Pictures for lesson 09 (allocator shoot-out).

Each function draws :class:`gomem.shootout.ReplayResult` data and returns the ``Figure``;
the widget's figure is a :class:`ReplayPlot`, built once and updated in place.
Explicit figure sizes, fixed margins (no ``tight_layout``: widgets redraw these often),
ASCII text only.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Patch

from gomem.shootout.replay import PARTS, POLICIES
from gomem.viz.render import animate, clear_plotted, still

POLICY_COLOURS = {"go": "#00a3cc", "first-fit": "#e07b22", "best-fit": "#5a9e3c"}
PART_COLOURS = {"payload": "#34607f", "internal": "#f2b447", "garbage": "#c8414b",
                "free": "#c9c9c9", "overhead": "#8a6bbf"}
PART_LABELS = {"payload": "payload (live bytes asked for)",
               "internal": "internal: rounding, tags, slack",
               "garbage": "garbage: freed, not yet collected (Go)",
               "free": "free: free blocks / free slots in spans",
               "overhead": "overhead: span tails + GC bits / prologue"}


def _unit(nbytes: int) -> tuple[int, str]:
    return (1 << 20, "MiB") if nbytes >= 4 << 20 else (1 << 10, "KiB")


def _has_idle(results) -> bool:
    return any(r.at_peak.get("idle") for r in results)


NICE = (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10)


def nice_limit(x: float) -> float:
    """The smallest 1-1.2-1.5-2-2.5-3-4-5-6-8 x 10^k at or above ``x`` (> 0): axis limits
    on this ladder stay put while the data moves a little, and keep their ticks."""
    scale = 10.0 ** np.floor(np.log10(x))
    return next(float(m * scale) for m in NICE if m * scale >= x * (1 - 1e-9))


def _set_lim(axis, top: float) -> None:
    """``axis`` shows 0..``top``; left alone (so its ticks stay drawn) if it already does."""
    if tuple(axis.get_view_interval()) != (0, top):
        getattr(axis.axes, f"set_{axis.axis_name}lim")(0, top)


def _set_label(axis, text: str) -> None:
    """``axis``'s label, set only if it changes (setting it makes the figure redraw)."""
    if axis.label.get_text() != text:
        axis.set_label_text(text)


class _Timeline:
    """Heap size of each allocator and the live payload, operation by operation, on ``ax``.

    Lines, peak dots and legend are made for the allocators shown (remade when they
    change); :meth:`update` sets their data, the legend's labels and the limits (0 to the
    trace's length; 0 to a :func:`nice_limit` above the highest curve, with head room for
    the legend).  Lines, dots, legend and the frame over them are animated: moving them
    leaves the axes, ticks and labels drawn."""

    def __init__(self, ax):
        self.ax = ax
        self.curves = None     # per allocator: (policy, has a dotted heap + idle pages line)
        self.lines = []        # per allocator: (heap, heap + idle or None, peak dot)
        ax.set_xlabel("operations replayed (dots: where each heap first peaked)")
        animate(*ax.spines.values())     # drawn over the curves that run along them

    def _make_lines(self, curves: tuple) -> None:
        """Replace all lines and the legend by those for ``curves``."""
        ax = self.ax
        clear_plotted(ax)
        self.lines = []
        for policy, idle_line in curves:
            colour = POLICY_COLOURS.get(policy, "0.3")
            (heap,) = ax.plot([], [], color=colour, lw=1.6, label="heap")
            foot = (ax.plot([], [], color=colour, lw=1, ls=":", label="idle")[0] if idle_line
                    else None)
            (dot,) = ax.plot([], [], "o", color=colour, ms=5)
            self.lines.append((heap, foot, dot))
        (self.payload,) = ax.plot([], [], color="black", ls="--", lw=1.2, label="payload")
        self.legend = ax.legend(fontsize=8, loc="upper left", framealpha=0.9, ncol=2)
        self.labelled = [line for heap, foot, _ in self.lines for line in (heap, foot) if line]
        self.labelled.append(self.payload)      # the legend's entries, in order
        self.curves = curves
        animate(*ax.lines, self.legend)

    def update(self, results, unit: int, uname: str) -> None:
        """Show ``results`` (one per allocator) in bytes / ``unit`` (named ``uname``)."""
        ax, first = self.ax, results[0]
        curves = tuple((r.policy, r.peak_footprint > r.peak_heap) for r in results)
        if curves != self.curves:
            self._make_lines(curves)
        for r, (heap, foot, dot) in zip(results, self.lines):
            xs = [s.op for s in r.samples]
            heap.set_data(xs, [s.heap / unit for s in r.samples])
            heap.set_label(f"{r.label}: heap (peak {r.peak_heap / unit:.0f} {uname})")
            if foot is not None:
                foot.set_data(xs, [s.footprint / unit for s in r.samples])
                foot.set_label(f"{r.label}: heap + idle pages")
            dot.set_data([r.at_peak["op"]], [r.peak_heap / unit])
        self.payload.set_data([s.op for s in first.samples],
                              [s.payload / unit for s in first.samples])
        self.payload.set_label(f"live payload (peak {first.peak_payload / unit:.0f} {uname})")
        for line, text in zip(self.labelled, self.legend.get_texts()):
            text.set_text(line.get_label())
        _set_lim(ax.xaxis, first.ops)
        top = max(max(s.footprint for s in r.samples) for r in results) / unit
        _set_lim(ax.yaxis, nice_limit(top * 1.5))      # head room for the legend
        _set_label(ax.yaxis, f"bytes ({uname})")


class _Breakdown:
    """One stacked bar per allocator on ``ax``: its heap at the peak split into payload and
    waste, then Go's idle pages hatched, utilisation written after it.

    ``rows`` rows are made once (one per allocator the widget can show), their names
    written left of the axes like tick labels; rows past the results shown stay empty, parts
    of zero length are hidden.  :meth:`update` sets bars, names and the x limit (0 to a
    :func:`nice_limit`).  Bars, names, texts and the frame are animated."""

    def __init__(self, ax, rows: int):
        self.ax = ax
        ys = np.arange(rows)
        # BarContainers: one per part, then idle; texts per row
        self.bars = [ax.barh(ys, np.zeros(rows), color=PART_COLOURS[p], edgecolor="white",
                             lw=0.5) for p in PARTS]
        self.bars.append(ax.barh(ys, np.zeros(rows), color="white", edgecolor="0.6",
                                 hatch="///", lw=0.5))
        self.utils = [ax.text(0, y, "", va="center", fontsize=8) for y in ys]
        self.names = [ax.text(-0.01, y, "", va="center", ha="right", fontsize=9,
                              transform=ax.get_yaxis_transform()) for y in ys]
        ax.set_ylim(rows - 0.5, -0.5)       # first row on top
        ax.set_yticks([])
        animate(*ax.patches, *ax.texts, *ax.spines.values())

    @staticmethod
    def add_legend(parent, idle: bool, **kw):
        """The colour key under the panel (with idle pages if ``idle``), added to ``parent``:
        the axes, or the figure with ``bbox_transform=ax.transAxes`` (the same place)."""
        handles = [Patch(color=PART_COLOURS[p], label=PART_LABELS[p]) for p in PARTS]
        if idle:
            handles.append(Patch(facecolor="white", edgecolor="0.6", hatch="///",
                                 label="idle pages (Go; not in heap_inuse)"))
        return parent.legend(handles=handles, fontsize=7.5, loc="upper center",
                             bbox_to_anchor=(0.5, -0.32), ncol=3, frameon=False, **kw)

    def update(self, results, unit: int, uname: str) -> None:
        """Show ``results``, one per row, in bytes / ``unit`` (named ``uname``)."""
        ax = self.ax
        for y, name in enumerate(self.names):
            r = results[y] if y < len(results) else None
            left = 0.0
            for part, bars in zip(PARTS, self.bars):
                left += _set_bar(bars[y], left, r.at_peak[part] / unit if r else 0)
            idle = _set_bar(self.bars[-1][y], left, r.at_peak.get("idle", 0) / unit if r else 0)
            self.utils[y].set_x(left + idle)
            self.utils[y].set_text(f"  util {100 * r.utilisation:.0f}%" if r else "")
            name.set_text(r.label if r else "")
        _set_label(ax.xaxis, f"the heap at its peak ({uname}), split by what its bytes hold")
        right = max(r.peak_heap + r.at_peak.get("idle", 0) for r in results) / unit
        _set_lim(ax.xaxis, nice_limit(right * 1.18))


def _set_bar(bar, left: float, width: float) -> float:
    """Place ``bar`` at ``left`` with ``width``, hidden if empty; returns ``width``."""
    bar.set_x(left)
    bar.set_width(width)
    bar.set_visible(width > 0)
    return width


def plot_timeline(results, title: str = ""):
    """Heap size of each allocator and the live payload, operation by operation."""
    unit, uname = _unit(max(r.peak_footprint for r in results))
    fig, ax = plt.subplots(figsize=(10, 4))
    _Timeline(ax).update(results, unit, uname)
    ax.set_title(title, fontsize=10)
    fig.subplots_adjust(left=0.08, right=0.98, top=0.88, bottom=0.13)
    return still(fig)


def plot_breakdown(results, title: str = ""):
    """One stacked bar per allocator: its heap at the peak, split into payload and waste."""
    unit, uname = _unit(max(r.peak_footprint for r in results))
    fig, ax = plt.subplots(figsize=(10, 2.4 + 0.6 * len(results)))
    _Breakdown(ax, len(results)).update(results, unit, uname)
    _Breakdown.add_legend(ax, _has_idle(results))
    ax.set_title(title, fontsize=10)
    fig.subplots_adjust(left=0.14, right=0.98, top=0.88, bottom=0.42)
    return still(fig)


def plot_replay(results, title: str = ""):
    """A new :class:`ReplayPlot` figure showing ``results``."""
    return still(ReplayPlot(len(results)).update(results, title))


class ReplayPlot:
    """The widget's picture, built once and updated in place for each replay: heap over time
    on top, the peak's breakdown below (its colour key under it), the title above.

    :meth:`update` sets lines and bars (lines remade when the allocators change), labels,
    limits and title (the colour key is remade when idle pages appear or go), which skips
    building axes and ticks -- most of a new figure's cost.  The data, the frames around it
    and the title are animated, the axes with their ticks and labels are not: a frame whose
    limits, labels, lines and key stayed restores those and redraws just the data (see
    :class:`gomem.viz.render.WidgetCanvas`); limits on a :func:`nice_limit` ladder stay
    put while a new seed or GOGC moves the curves a little.  ``rows``: bars for this many
    allocators at most.
    """

    def __init__(self, rows: int = len(POLICIES)):
        self.fig, (top, bot) = plt.subplots(2, 1, figsize=(11, 7.2),
                                            gridspec_kw={"height_ratios": [1.7, 1]})
        self.timeline = _Timeline(top)
        self.breakdown = _Breakdown(bot, rows)
        self.key = self.idle = None      # the colour key, and whether it lists idle pages
        self.title = self.fig.suptitle("", fontsize=10)
        self.title.set_animated(True)
        self.fig.subplots_adjust(left=0.12, right=0.98, top=0.91, bottom=0.17, hspace=0.32)

    def update(self, results, title: str = ""):
        """Show ``results``; returns the figure."""
        unit, uname = _unit(max(r.peak_footprint + r.at_peak.get("idle", 0) for r in results))
        self.timeline.update(results, unit, uname)
        self.breakdown.update(results, unit, uname)
        if _has_idle(results) != self.idle:     # the key is static: the next frame is full
            if self.key is not None:
                self.key.remove()
            self.idle = _has_idle(results)
            self.key = _Breakdown.add_legend(self.fig, self.idle,
                                             bbox_transform=self.breakdown.ax.transAxes)
        self.title.set_text(title)
        return self.fig


def plot_utilisation(grid, title: str = ""):
    """Grouped bars: utilisation of every allocator on every trace.

    ``grid`` maps a trace label to its list of results (one per allocator).
    """
    traces = list(grid)
    policies = [r.policy for r in grid[traces[0]]]
    labels = {r.policy: r.label for r in grid[traces[0]]}
    width = 0.8 / len(policies)
    fig, ax = plt.subplots(figsize=(10, 3.8))
    for j, p in enumerate(policies):
        xs = [i + (j - (len(policies) - 1) / 2) * width for i in range(len(traces))]
        vals = [100 * next(r for r in grid[t] if r.policy == p).utilisation for t in traces]
        ax.bar(xs, vals, width * 0.95, color=POLICY_COLOURS.get(p, "0.5"), label=labels[p])
        for x, v in zip(xs, vals):
            ax.text(x, v + 1.5, f"{v:.0f}", ha="center", fontsize=8)
    ax.set_xticks(range(len(traces)), traces)
    ax.set_ylabel("utilisation: peak payload / peak heap (%)")
    ax.set_ylim(0, 110)
    ax.legend(fontsize=8, loc="upper right", ncol=len(policies))
    ax.set_title(title, fontsize=10)
    fig.subplots_adjust(left=0.08, right=0.98, top=0.88, bottom=0.1)
    return fig


def plot_gogc(results, title: str = ""):
    """Go's utilisation and GC count against GOGC (one result per GOGC value)."""
    gogc = [int(r.label.split("=")[1]) for r in results]
    fig, ax = plt.subplots(figsize=(8, 3.4))
    ax.plot(gogc, [100 * r.utilisation for r in results], "o-", color=POLICY_COLOURS["go"],
            label="utilisation (%)")
    ax.plot(gogc, [100 * r.share("garbage") for r in results], "s--", color=PART_COLOURS["garbage"],
            label="garbage at the peak (% of heap)")
    ax.set_xscale("log", base=2)
    ax.set_xticks(gogc, [str(g) for g in gogc])
    ax.set_xlabel("GOGC (log scale)")
    ax.set_ylabel("percent")
    ax.set_ylim(0, 100)
    ax2 = ax.twinx()
    ax2.bar(gogc, [r.gcs for r in results], width=[g * 0.25 for g in gogc], color="0.8",
            zorder=0, label="GC cycles")
    ax2.set_ylabel("GC cycles run")
    ax.set_zorder(ax2.get_zorder() + 1)
    ax.patch.set_visible(False)
    lines = ax.get_legend_handles_labels()
    bars = ax2.get_legend_handles_labels()
    ax.legend(lines[0] + bars[0], lines[1] + bars[1], fontsize=8, loc="upper right")
    ax.set_title(title, fontsize=10)
    fig.subplots_adjust(left=0.09, right=0.9, top=0.88, bottom=0.15)
    return fig
