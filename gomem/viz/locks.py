"""Pictures for lesson 03: lock acquisitions per 1000 allocations, level by level.

Draws :class:`gomem.contention.LockCounts`.  Returns the ``Figure``; explicit sizes, fixed
margins, ASCII text only.  One axes only: the widget redraws this on every change, and each
matplotlib axes costs ~25 ms to build.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
from matplotlib.ticker import FixedLocator, NullLocator

from gomem.contention import LEVELS

LEVEL_COLOURS = {"one global lock": "tab:red", "mheap lock": "tab:orange",
                 "mcentral span-set ops": "tab:olive", "mcache": "tab:green"}
FLOOR = 0.3   # log axis: zero is drawn here, labelled "0"


def plot_locks(runs, current: int, title: str = ""):
    """Each level's count per 1000 allocations against GOMAXPROCS (log y); values at ``current``."""
    fig, ax = plt.subplots(figsize=(10.5, 4.2))
    procs = [r.gomaxprocs for r in runs]
    now = next(r for r in runs if r.gomaxprocs == current).per_1000()
    for k in LEVELS:
        ys = [max(r.per_1000()[k], FLOOR) for r in runs]
        label = f"{k}: {now[k]:.0f}" + (" (no lock)" if k == "mcache" else "")
        ax.plot(procs, ys, marker="o", color=LEVEL_COLOURS[k], label=label,
                ls=":" if k == "mcache" else "-")
        ax.annotate(f"{now[k]:.0f}", (current, max(now[k], FLOOR)), xytext=(7, 4),
                    textcoords="offset points", fontsize=9, color=LEVEL_COLOURS[k],
                    weight="bold")
    ax.axvline(current, color="0.6", ls="--", lw=1)
    ax.set_yscale("log")
    ax.set_ylim(FLOOR * 0.7, 8000)
    # plain numbers, not mathtext 10^k: easier to read and ~4x faster to render
    ax.yaxis.set_major_locator(FixedLocator([FLOOR, 1, 10, 100, 1000]))
    ax.yaxis.set_minor_locator(NullLocator())
    ax.set_yticklabels(["0", "1", "10", "100", "1000"])
    ax.set_xticks(procs)
    ax.set_xlim(procs[0] - 0.5, procs[-1] + max(1.0, 0.08 * procs[-1]))
    ax.set_xlabel("GOMAXPROCS (Ps allocating)")
    ax.set_ylabel("per 1000 allocations (log scale)")
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5),
              title=f"per 1000 allocations\nat GOMAXPROCS={current}", title_fontsize=8)
    fig.suptitle(title, fontsize=9, x=0.5)
    fig.subplots_adjust(left=0.08, right=0.74, bottom=0.13, top=0.9)
    return fig
