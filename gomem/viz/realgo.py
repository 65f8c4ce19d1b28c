"""Pictures for lesson 08: gomem's prediction beside the real Go runtime's measurement.

Each function draws data from :mod:`gomem.realgo.lesson` (nothing is computed here that is
not also available without drawing) and returns the matplotlib ``Figure``; the widget's
figure is a :class:`WorkloadPlot`, built once and updated in place.  Explicit sizes,
ASCII text only.  Colours: gomem = blue line/bar, Go = orange dots/bar; red = a difference.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.patches import Patch

from gomem.viz.render import still

MODEL_C, GO_C, BAD_C, GREY = "tab:blue", "tab:orange", "tab:red", "0.55"


def _bytes(x, _pos=None) -> str:
    x = float(x)
    for unit in ("B", "KiB", "MiB"):
        if abs(x) < 1024 or unit == "MiB":
            return f"{x:.0f} {unit}" if x == int(x) else f"{x:.1f} {unit}"
        x /= 1024
    return f"{x:.0f} MiB"


def plot_roundup(rows: list[dict], title: str = "", zoom: int = 1100):
    """Reserved bytes per request: a staircase (left, requests 1..``zoom``) and the
    difference gomem - Go for every request of the sweep (right, log scale).

    ``rows``: :attr:`gomem.realgo.lesson.RoundupCheck.rows`.
    """
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(11, 4.2),
                                  gridspec_kw={"width_ratios": [1.25, 1]})
    for noscan, label, ls in ((True, "pointer-free", "-"), (False, "pointerful", "--")):
        rs = [r for r in rows if r["noscan"] == noscan and r["size"] <= zoom]
        if not rs:
            continue
        xs = [r["size"] for r in rs]
        ax.step(xs, [r["model"] for r in rs], where="post", color=MODEL_C, ls=ls, lw=1.4,
                label=f"gomem, {label}")
        step = max(1, len(rs) // 90)           # a readable number of dots
        pick = [r for i, r in enumerate(rs) if i % step == 0 or r["go"] != r["model"]]
        ax.plot([r["size"] for r in pick], [r["go"] for r in pick],
                "o" if noscan else "s", ms=3.2, mfc="none" if not noscan else GO_C,
                color=GO_C, ls="none", label=f"Go, {label}")
    ax.axvline(512, color=GREY, lw=0.8, ls=":")
    ax.text(520, 60, "> 512 B: pointerful objects\ncarry an 8 B header", fontsize=8,
            color="0.3", va="bottom")
    ax.set_xlabel("requested bytes")
    ax.set_ylabel("reserved bytes (append's capacity)")
    ax.set_title(f"requests 1..{zoom}: the size-class staircase", fontsize=9)
    ax.set_xlim(0, zoom)
    ax.set_ylim(0, None)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, loc="upper left")

    bad = [r for r in rows if r["model"] != r["go"]]
    good = [r for r in rows if r["model"] == r["go"]]
    for noscan, marker in ((True, "o"), (False, "s")):
        g = [r for r in good if r["noscan"] == noscan]
        ax2.plot([r["size"] for r in g], [0] * len(g), marker, ms=2.5, color=GO_C, alpha=0.5,
                 ls="none", label=f"{'pointer-free' if noscan else 'pointerful'}: same")
    if bad:
        ax2.plot([r["size"] for r in bad], [r["model"] - r["go"] for r in bad], "x",
                 color=BAD_C, ms=6, ls="none", label="differs")
    ax2.set_xscale("log")
    ax2.axhline(0, color=MODEL_C, lw=1)
    lim = max([abs(r["model"] - r["go"]) for r in bad], default=0)
    ax2.set_ylim(-max(lim * 1.2, 64), max(lim * 1.2, 64))
    ax2.set_xlabel("requested bytes (log scale)")
    ax2.set_ylabel("gomem - Go (bytes)")
    ax2.set_title(f"every request of the sweep: {len(good)} of {len(rows)} the same",
                  fontsize=9, color="k" if not bad else BAD_C)
    ax2.grid(alpha=0.3)
    ax2.legend(fontsize=8, loc="upper left")
    fig.suptitle(title or "Reserved size per request: gomem vs Go", fontsize=10)
    fig.subplots_adjust(left=0.07, right=0.98, bottom=0.13, top=0.86, wspace=0.22)
    return fig


BYTE_FIELDS = ("heap_alloc", "total_alloc", "heap_inuse")
COUNT_FIELDS = ("mallocs", "frees", "heap_objects")
FREE_BYTE_FIELDS = ("heap_sys", "heap_idle", "heap_released")
STATE_TEXT = {"same": "same", "slack": "Go lower: spans\nheld before",
              "differs": "DIFFERS", "not compared": "not compared"}


def workload_bars(wl) -> dict:
    """The numbers :func:`plot_workload` draws (tests check these, not pixels).

    ``{"bytes": [(label, gomem, go, state)], "counts": [...], "not_compared": [...]}``, state
    one of ``"same"``, ``"slack"`` (Go lower, within the runtime's pre-existing spans),
    ``"differs"``, ``"not compared"``.
    """
    rows = {r["field"]: r for r in wl.field_rows()}
    out = {"bytes": [], "counts": [], "not_compared": []}
    for f in BYTE_FIELDS + FREE_BYTE_FIELDS:
        r = rows[f]
        state = ("not compared" if r["rule"] == "not compared" else
                 "differs" if not r["ok"] else "same" if r["model"] == r["go"] else "slack")
        out["bytes" if f in BYTE_FIELDS else "not_compared"].append(
            (r["go_name"], r["model"], r["go"], state))
    for f in COUNT_FIELDS:
        r = rows[f]
        out["counts"].append((r["go_name"], r["model"], r["go"], "same" if r["ok"] else "differs"))
    for c in wl.class_rows():
        name = f"class {c['class']} mallocs" if c["class"] else "large mallocs"
        out["counts"].append((name, c["model"][0], c["go"][0],
                              "same" if c["model"] == c["go"] else "differs"))
    if wl.nelems and wl.nelems.get("go"):
        n = wl.nelems
        out["counts"].append(("objects per span", n["model"], n["go"],
                              "same" if n["model"] == n["go"] else "differs"))
    return out


def plot_workload(wl, title: str = ""):
    """A new :class:`WorkloadPlot` figure showing ``wl``."""
    return still(WorkloadPlot().update(wl, title))


BAR_H = 0.38   # bar height: gomem's bar above Go's in each row


class WorkloadPlot:
    """MemStats deltas of one workload, gomem beside Go, as horizontal bars; built once and
    updated in place for each workload.

    Left: compared bytes (HeapInuse's allowed range drawn as a bracket).  Right: counts
    (Mallocs, Frees, HeapObjects, per-class mallocs, objects per span).  HeapSys/Idle/Released
    are printed under the plot: not compared (heap growth and the scavenger move them).

    :meth:`update` sets bars (remade when the number of rows changes), value labels, row
    names, limits and texts (the legend is remade when the bracket appears or goes), which
    skips building axes and ticks -- most of a new figure's cost.  The panels, the
    footnote and the title are animated (they change with every workload), so a frame
    restores the saved legend and redraws just those (see
    :class:`gomem.viz.render.WidgetCanvas`).
    """

    def __init__(self):
        self.fig, axes = plt.subplots(1, 2, figsize=(11, 4.6))
        self.panels = {"bytes": _BarPanel(axes[0]), "counts": _BarPanel(axes[1])}
        axes[0].set_title("bytes, change from the baseline (labels: exact bytes)", fontsize=9,
                          y=1.0)   # y given: matplotlib does not look for ticks above the axes
        axes[1].set_title("counts", fontsize=9, y=1.0)
        axes[1].xaxis.set_label_coords(0.5, 0)   # no x label: skip placing it under the ticks
        # HeapInuse is the bottom row of bytes: its Go bar is centred at y = -BAR_H / 2
        self.range = axes[0].errorbar([0], [-BAR_H / 2], xerr=[[0], [0]], color="k", capsize=4,
                                      lw=1.2)
        self.legend = self.ranged = None    # the legend, and whether it has the bracket
        self.foot = self.fig.text(0.01, 0.015, "", fontsize=7.5, color="0.3")
        self.title = self.fig.suptitle("", fontsize=10)
        self.fig.subplots_adjust(left=0.15, right=0.98, bottom=0.15, top=0.8, wspace=0.42)
        # whole panels, not render.animate: an axes leaves its animated parts out
        for artist in (*axes, self.foot, self.title):
            artist.set_animated(True)

    def update(self, wl, title: str = ""):
        """Show ``wl``; returns the figure."""
        data = workload_bars(wl)
        scale = self.panels["bytes"].update(data["bytes"][::-1], byte_scale=True)
        self.panels["counts"].update(data["counts"][::-1], byte_scale=False)
        inuse = data["bytes"][-1][1]
        _set_range(self.range, (inuse - wl.slack) / scale, inuse / scale, bool(wl.slack))
        if bool(wl.slack) != self.ranged:
            self._make_legend(bool(wl.slack))
        self.foot.set_text("not compared (heap growth and the scavenger move them): " + "; ".join(
            f"{name} gomem {_bytes(m)}, Go {_bytes(g)}" for name, m, g, _ in data["not_compared"]))
        self.title.set_text(title or f"{wl.describe()} ({wl.mode}): gomem vs Go")
        return self.fig

    def _make_legend(self, ranged: bool) -> None:
        """Replace the legend by one with the bracket's entry if ``ranged`` (the bracket must
        be visible then: a legend copies its look).  The legend is static: the next frame
        is a full draw, only when the bracket appears or goes."""
        if self.legend is not None:
            self.legend.remove()
        handles = [Patch(facecolor=MODEL_C), Patch(facecolor=GO_C)] + [self.range] * ranged
        labels = ["gomem", "Go"] + ["Go's allowed range (spans it held before)"] * ranged
        self.legend = self.fig.legend(handles, labels, loc="upper center", ncol=3, fontsize=8,
                                      bbox_to_anchor=(0.5, 0.93), frameon=False)
        self.ranged = ranged


class _BarPanel:
    """One panel of :class:`WorkloadPlot`: per row a gomem bar above a Go bar (red if they
    differ), each with its exact value after it; row names coloured red where they differ."""

    def __init__(self, ax):
        self.ax = ax
        self.bars, self.values = (), []    # (gomem, Go) BarContainers; value labels per row
        ax.grid(axis="x", alpha=0.3)
        ax.tick_params(axis="x", labelsize=8)
        ax.yaxis.set_label_coords(0, 0.5)   # no y label: skip placing it beside the ticks

    def _make_rows(self, n: int) -> None:
        """Replace the bars and value labels by ``n`` rows' worth; the y view follows."""
        ax = self.ax
        for artist in (*self.bars, *(t for pair in self.values for t in pair)):
            artist.remove()
        ys = np.arange(n)
        self.bars = (ax.barh(ys + BAR_H / 2, np.zeros(n), BAR_H, color=MODEL_C),
                     ax.barh(ys - BAR_H / 2, np.zeros(n), BAR_H, color=GO_C))
        self.values = [(ax.text(0, y + BAR_H / 2, "", va="center", fontsize=7),
                        ax.text(0, y - BAR_H / 2, "", va="center", fontsize=7)) for y in ys]
        ax.relim()

    def update(self, rows, byte_scale: bool) -> int:
        """Draw ``rows`` (label, gomem, Go, state), bottom row first; returns the scale."""
        ax = self.ax
        if len(rows) != len(self.values):
            self._make_rows(len(rows))
        top = max([max(m, g) for _, m, g, _ in rows] + [1])
        scale, unit = (((1024, "KiB") if top < (4 << 20) else (1 << 20, "MiB")) if byte_scale
                       else (1, ""))
        for (label, m, g, state), mbar, gbar, (mtext, gtext) in zip(rows, *self.bars,
                                                                    self.values):
            mbar.set_width(m / scale)
            gbar.set_width(g / scale)
            gbar.set_facecolor(BAD_C if state == "differs" else GO_C)
            mtext.set_x((m + top * 0.01) / scale)
            mtext.set_text(f"{m:,}")
            gx = max(g, m) if label == "HeapInuse" else g   # clear of the bracket
            gtext.set_x((gx + top * 0.01) / scale)
            gtext.set_text(f"{g:,}")
        ax.set_yticks(range(len(rows)), [f"{r[0]}\n({STATE_TEXT[r[3]]})" for r in rows],
                      fontsize=8)
        for tick, r in zip(ax.get_yticklabels(), rows):
            tick.set_color(BAD_C if r[3] == "differs" else "k")
        ax.set_xlim(0, top * 1.2 / scale)
        if unit:
            ax.set_xlabel(unit, fontsize=8)
        return scale


def _set_range(eb, lo: float, hi: float, visible: bool) -> None:
    """Move the horizontal error bar ``eb`` (one point) to span ``lo`` .. ``hi``."""
    centre, (cap_lo, cap_hi), (bar,) = eb.lines
    y = centre.get_ydata()[0]
    centre.set_data([(lo + hi) / 2], [y])
    cap_lo.set_data([lo], [y])
    cap_hi.set_data([hi], [y])
    bar.set_segments([[(lo, y), (hi, y)]])
    for artist in eb.get_children():
        artist.set_visible(visible)


def plot_nelems_by_version(rows: list[dict], title: str = ""):
    """Objects per span by Go version for a few pointerful classes: slots given up per span
    compared with Go 1.21's size-class table, each bar labelled with its nelems.

    ``rows``: :func:`gomem.realgo.lesson.nelems_by_version`.
    """
    keys = (("go1.22-1.25", "tab:green", "Go 1.22-1.25: heap bits at the span's end"),
            ("go1.26+", "tab:purple", "Go 1.26+ (Green Tea): + inline mark bits"))
    fig, ax = plt.subplots(figsize=(8.5, 3.8))
    w = 0.38
    for i, (k, c, label) in enumerate(keys):
        xs = [j + (i - 0.5) * w for j in range(len(rows))]
        lost = [r["go1.21"] - r[k] for r in rows]
        ax.bar(xs, lost, w, color=c, label=label)
        for x, v, r in zip(xs, lost, rows):
            ax.text(x, v + 0.2, f"{r[k]}", ha="center", va="bottom", fontsize=8)
    ax.set_xticks(range(len(rows)), [f"{r['size']} B\n(1.21: {r['go1.21']}/span)" for r in rows],
                  fontsize=8)
    ax.set_ylabel("objects per span fewer\nthan Go 1.21's table")
    ax.set_ylim(0, max(r["go1.21"] - r["go1.26+"] for r in rows) * 1.25 + 1)
    ax.legend(fontsize=8, loc="upper right")
    ax.grid(axis="y", alpha=0.3)
    ax.set_title(title or "Objects per span (bar labels) of pointerful classes, by Go version",
                 fontsize=10)
    fig.subplots_adjust(left=0.11, right=0.98, bottom=0.17, top=0.9)
    return fig
