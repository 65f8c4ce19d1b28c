"""Pictures for lesson 09 (allocator shoot-out).

Each function draws :class:`gomem.shootout.ReplayResult` data and returns the ``Figure``.
Explicit figure sizes, fixed margins (no ``tight_layout``: widgets redraw these often),
ASCII text only.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.patches import Patch

from gomem.shootout.replay import PARTS

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


def _draw_timeline(ax, results, unit, uname) -> None:
    first = results[0]
    for r in results:
        xs = [s.op for s in r.samples]
        colour = POLICY_COLOURS.get(r.policy, "0.3")
        ax.plot(xs, [s.heap / unit for s in r.samples], color=colour, lw=1.6,
                label=f"{r.label}: heap (peak {r.peak_heap / unit:.0f} {uname})")
        if r.peak_footprint > r.peak_heap:
            ax.plot(xs, [s.footprint / unit for s in r.samples], color=colour, lw=1,
                    ls=":", label=f"{r.label}: heap + idle pages")
        ax.plot([r.at_peak["op"]], [r.peak_heap / unit], "o", color=colour, ms=5)
    ax.plot([s.op for s in first.samples], [s.payload / unit for s in first.samples],
            color="black", ls="--", lw=1.2,
            label=f"live payload (peak {first.peak_payload / unit:.0f} {uname})")
    ax.set_xlim(0, first.ops)
    top = max(max(s.footprint for s in r.samples) for r in results) / unit
    ax.set_ylim(0, top * 1.5)      # head room for the legend above the curves
    ax.set_ylabel(f"bytes ({uname})")
    ax.set_xlabel("operations replayed (dots: where each heap first peaked)")
    ax.legend(fontsize=8, loc="upper left", framealpha=0.9, ncol=2)


def _draw_breakdown(ax, results, unit, uname) -> None:
    labels = [r.label for r in results]
    ys = range(len(results))
    for y, r in zip(ys, results):
        left = 0.0
        for part in PARTS:
            w = r.at_peak[part] / unit
            if w > 0:
                ax.barh(y, w, left=left, color=PART_COLOURS[part], edgecolor="white", lw=0.5)
            left += w
        idle = r.at_peak.get("idle", 0) / unit
        if idle:
            ax.barh(y, idle, left=left, color="white", edgecolor="0.6", hatch="///", lw=0.5)
        ax.text(left + idle, y, f"  util {100 * r.utilisation:.0f}%", va="center", fontsize=8)
    ax.set_yticks(list(ys), labels, fontsize=9)
    ax.invert_yaxis()
    ax.set_xlabel(f"the heap at its peak ({uname}), split by what its bytes hold")
    right = max(r.peak_heap + r.at_peak.get("idle", 0) for r in results) / unit
    ax.set_xlim(0, right * 1.18)
    handles = [Patch(color=PART_COLOURS[p], label=PART_LABELS[p]) for p in PARTS]
    if any(r.at_peak.get("idle") for r in results):
        handles.append(Patch(facecolor="white", edgecolor="0.6", hatch="///",
                             label="idle pages (Go; not in heap_inuse)"))
    ax.legend(handles=handles, fontsize=7.5, loc="upper center", bbox_to_anchor=(0.5, -0.32),
              ncol=3, frameon=False)


def plot_timeline(results, title: str = ""):
    """Heap size of each allocator and the live payload, operation by operation."""
    unit, uname = _unit(max(r.peak_footprint for r in results))
    fig, ax = plt.subplots(figsize=(10, 4))
    _draw_timeline(ax, results, unit, uname)
    ax.set_title(title, fontsize=10)
    fig.subplots_adjust(left=0.08, right=0.98, top=0.88, bottom=0.13)
    return fig


def plot_breakdown(results, title: str = ""):
    """One stacked bar per allocator: its heap at the peak, split into payload and waste."""
    unit, uname = _unit(max(r.peak_footprint for r in results))
    fig, ax = plt.subplots(figsize=(10, 2.4 + 0.6 * len(results)))
    _draw_breakdown(ax, results, unit, uname)
    ax.set_title(title, fontsize=10)
    fig.subplots_adjust(left=0.14, right=0.98, top=0.88, bottom=0.42)
    return fig


def plot_replay(results, title: str = ""):
    """The widget's picture: heap over time on top, the peak's breakdown below."""
    unit, uname = _unit(max(r.peak_footprint + r.at_peak.get("idle", 0) for r in results))
    fig, (top, bot) = plt.subplots(2, 1, figsize=(11, 7.2),
                                   gridspec_kw={"height_ratios": [1.7, 1]})
    _draw_timeline(top, results, unit, uname)
    _draw_breakdown(bot, results, unit, uname)
    fig.suptitle(title, fontsize=10)
    fig.subplots_adjust(left=0.12, right=0.98, top=0.91, bottom=0.17, hspace=0.32)
    return fig


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
