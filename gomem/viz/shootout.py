"""Pictures for lesson 09 (allocator shoot-out).

Each function draws :class:`gomem.shootout.ReplayResult` data and returns the ``Figure``;
the widget's figure is a :class:`ReplayPlot`, built once and updated in place.
Explicit figure sizes, fixed margins (no ``tight_layout``: widgets redraw these often),
ASCII text only.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from gomem.shootout.replay import PARTS, POLICIES
from gomem.viz.key import Key
from gomem.viz.render import animate, still
from gomem.viz.scale import ValueTicks

POLICY_COLOURS = {"go": "#00a3cc", "first-fit": "#e07b22", "best-fit": "#5a9e3c"}
PART_COLOURS = {"payload": "#34607f", "internal": "#f2b447", "garbage": "#c8414b",
                "free": "#c9c9c9", "overhead": "#8a6bbf"}
PART_LABELS = {"payload": "payload (live bytes asked for)",
               "internal": "internal: rounding, tags, slack",
               "garbage": "garbage: freed, not yet collected (Go)",
               "free": "free: free blocks / free slots in spans",
               "overhead": "overhead: span tails + GC bits / prologue"}
KEY_COLUMN = 2.5   # inches per column of the parts' colour key


def _unit(nbytes: int) -> tuple[int, str]:
    return (1 << 20, "MiB") if nbytes >= 4 << 20 else (1 << 10, "KiB")


def _has_idle(results) -> bool:
    return any(r.at_peak.get("idle") for r in results)


def _set_label(axis, text: str) -> None:
    """``axis``'s label, set only if it changes (setting it makes the figure redraw)."""
    if axis.label.get_text() != text:
        axis.set_label_text(text)


class _Timeline:
    """Heap size of each allocator and the live payload, operation by operation, on ``ax``.

    A heap line, a "heap + idle pages" line and a peak dot per allocator of :data:`POLICIES`
    and the payload line are made once and shown or hidden; the curves shown are listed by
    a :class:`gomem.viz.key.Key` in the top left corner.  Both axes are
    :class:`gomem.viz.scale.ValueTicks` -- x: 0 to the trace's length, y: 0 to a round top
    above the highest curve, with room for the key -- so that lines, dots, the key, tick
    values and the frame over them are animated and a new replay leaves the axes drawn."""

    def __init__(self, ax):
        self.ax = ax
        self.x = ValueTicks(ax, "x", 4, "operations replayed (dots: where each heap first "
                            "peaked)", headroom=1.0)
        self.y = ValueTicks(ax, "y", 4, "bytes (KiB)")
        self.lines = {}        # policy -> (heap, heap + idle pages, peak dot)
        for policy in POLICIES:
            colour = POLICY_COLOURS[policy]
            self.lines[policy] = (ax.plot([], [], color=colour, lw=1.6)[0],
                                  ax.plot([], [], color=colour, lw=1, ls=":")[0],
                                  ax.plot([], [], "o", color=colour, ms=5)[0])
        (self.payload,) = ax.plot([], [], color="black", ls="--", lw=1.2)
        animate(*ax.lines, *ax.spines.values())   # the frame is drawn over the curves
        self.key = Key(ax.figure, 0.012, 0.975, transform=ax.transAxes, per_column=3,
                       column=2.8, row=0.17, handle="line", fontsize=8, slots=7)

    def update(self, results, unit: int, uname: str) -> None:
        """Show ``results`` (one per allocator) in bytes / ``unit`` (named ``uname``)."""
        first = results[0]
        xtop = self.x.show(first.ops)
        ytop = self.y.show(max(max(s.footprint for s in r.samples) for r in results) / unit
                           * 1.4) * unit                 # room for the key above
        _set_label(self.ax.yaxis, f"bytes ({uname})")
        shown = {r.policy for r in results}
        for policy, lines in self.lines.items():
            for line in lines:
                line.set_visible(policy in shown)
        curves = []
        for r in results:
            heap, foot, dot = self.lines[r.policy]
            xs = np.array([s.op for s in r.samples]) / xtop
            heap.set_data(xs, np.array([s.heap for s in r.samples]) / ytop)
            heap.set_label(f"{r.label}: heap (peak {r.peak_heap / unit:.0f} {uname})")
            dot.set_data([r.at_peak["op"] / xtop], [r.peak_heap / ytop])
            curves.append(heap)
            foot.set_visible(r.peak_footprint > r.peak_heap)
            if foot.get_visible():
                foot.set_data(xs, np.array([s.footprint for s in r.samples]) / ytop)
                foot.set_label(f"{r.label}: heap + idle pages")
                curves.append(foot)
        self.payload.set_data(np.array([s.op for s in first.samples]) / xtop,
                              np.array([s.payload for s in first.samples]) / ytop)
        self.payload.set_label(f"live payload (peak {first.peak_payload / unit:.0f} {uname})")
        curves.append(self.payload)
        self.key.update([(c.get_label(), {"color": c.get_color(), "linestyle": c.get_linestyle(),
                                           "linewidth": c.get_linewidth()}) for c in curves])


class _Breakdown:
    """One stacked bar per allocator on ``ax``: its heap at the peak split into payload and
    waste, then Go's idle pages hatched, utilisation written after it.

    ``rows`` rows are made once (one per allocator the widget can show), their names
    written left of the axes like tick labels; rows past the results shown stay empty, parts
    of zero length are hidden.  The x axis is a :class:`gomem.viz.scale.ValueTicks` (0 to a
    round top with room for the utilisation); bars, names, texts, tick values and the frame
    are animated."""

    def __init__(self, ax, rows: int):
        self.ax = ax
        self.x = ValueTicks(ax, "x", 4, "the heap at its peak (KiB), split by what its "
                            "bytes hold", headroom=1.18)
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
        animate(*ax.patches, *self.utils, *self.names, *ax.spines.values())

    @staticmethod
    def add_key(ax) -> Key:
        """The colour key under ``ax``, centred, in three columns; :meth:`show_key` fills it."""
        width = ax.get_position().width * ax.figure.get_figwidth()
        return Key(ax.figure, 0.5 - 1.5 * KEY_COLUMN / width, -0.35, transform=ax.transAxes,
                   per_column=2, column=KEY_COLUMN, fontsize=7.5, slots=len(PARTS) + 1)

    @staticmethod
    def show_key(key: Key, idle: bool) -> None:
        """The parts' colours in ``key``, and Go's idle pages if ``idle``."""
        entries = [(PART_LABELS[p], {"facecolor": PART_COLOURS[p]}) for p in PARTS]
        if idle:
            entries.append(("idle pages (Go; not in heap_inuse)",
                            {"facecolor": "white", "edgecolor": "0.6", "hatch": "///",
                             "linewidth": 0.5}))
        key.update(entries)

    def update(self, results, unit: int, uname: str) -> None:
        """Show ``results``, one per row, in bytes / ``unit`` (named ``uname``)."""
        _set_label(self.ax.xaxis, f"the heap at its peak ({uname}), split by what its bytes "
                   "hold")
        top = self.x.show(max(r.peak_heap + r.at_peak.get("idle", 0) for r in results)
                          / unit) * unit
        for y, name in enumerate(self.names):
            r = results[y] if y < len(results) else None
            left = 0.0
            for part, bars in zip(PARTS, self.bars):
                left += _set_bar(bars[y], left, r.at_peak[part] / top if r else 0)
            idle = _set_bar(self.bars[-1][y], left, r.at_peak.get("idle", 0) / top if r else 0)
            self.utils[y].set_x(left + idle)
            self.utils[y].set_text(f"  util {100 * r.utilisation:.0f}%" if r else "")
            name.set_text(r.label if r else "")


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
    ax.set_title(title, fontsize=10)
    fig.subplots_adjust(left=0.14, right=0.98, top=0.88, bottom=0.42)
    _Breakdown.show_key(_Breakdown.add_key(ax), _has_idle(results))
    return still(fig)


def plot_replay(results, title: str = ""):
    """A new :class:`ReplayPlot` figure showing ``results``."""
    return still(ReplayPlot(len(results)).update(results, title))


class ReplayPlot:
    """The widget's picture, built once and updated in place for each replay: heap over time
    on top, the peak's breakdown below (its colour key under it), the title above.

    :meth:`update` sets the data of lines and bars made once, tick values, key texts
    and title, which skips building axes and ticks -- most of a new figure's cost.  The
    data, tick values, both colour keys (:class:`gomem.viz.key.Key`), the frames around the
    data and the title are animated; the axes with their tick marks and labels are not: a
    frame restores those and redraws just the animated artists (see
    :class:`gomem.viz.render.WidgetCanvas`).  Only a change of unit (KiB / MiB) draws the
    whole figure again.  ``rows``: bars for this many allocators at most.
    """

    def __init__(self, rows: int = len(POLICIES)):
        self.fig, (top, bot) = plt.subplots(2, 1, figsize=(11, 7.2),
                                            gridspec_kw={"height_ratios": [1.7, 1]})
        self.timeline = _Timeline(top)
        self.breakdown = _Breakdown(bot, rows)
        self.title = self.fig.suptitle("", fontsize=10)
        self.title.set_animated(True)
        self.fig.subplots_adjust(left=0.12, right=0.98, top=0.91, bottom=0.17, hspace=0.32)
        self.key = _Breakdown.add_key(bot)        # the parts' colours, under the bars

    def update(self, results, title: str = ""):
        """Show ``results``; returns the figure."""
        unit, uname = _unit(max(r.peak_footprint + r.at_peak.get("idle", 0) for r in results))
        self.timeline.update(results, unit, uname)
        self.breakdown.update(results, unit, uname)
        _Breakdown.show_key(self.key, _has_idle(results))
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
