"""Plots of ``gomem bench`` results."""

from __future__ import annotations

import matplotlib

matplotlib.use(matplotlib.get_backend())
import matplotlib.pyplot as plt  # noqa: E402


def plot_ns_vs_heap(points: list[tuple[int, float, float]], go_ns: float | None = None):
    """Per-call malloc cost against simulated heap size: it should stay flat.

    ``points``: (heap MiB, ns as measured, ns at a steady machine speed), as
    :func:`gomem.bench.cases.ns_vs_heap_size` gives them."""
    fig, ax = plt.subplots(figsize=(7, 3.6))
    sizes = [s for s, _, _ in points]
    ax.plot(sizes, [ns for _, _, ns in points], "o-",
            label="gomem Heap.malloc(64), at a steady machine speed")
    ax.plot(sizes, [ns for _, ns, _ in points], "o", color="0.6", ms=4, label="as measured")
    if go_ns:
        ax.axhline(go_ns * 50, color="tab:red", ls="--", label=f"target: 50 x Go ({go_ns:.0f} ns)")
    ax.set_xscale("log", base=2)
    ax.set_xticks(sizes, [f"{s} MiB" if s < 1024 else f"{s >> 10} GiB" for s in sizes])
    top = max([max(a, b) for _, a, b in points] + ([go_ns * 50] if go_ns else []))
    ax.set_ylim(0, top * 1.2)   # the target line inside the plot, not above it
    ax.set_xlabel("simulated heap in use")
    ax.set_ylabel("ns per malloc")
    ax.set_title("cost per malloc as the simulated heap grows (64 B pointerful)")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    fig.tight_layout()
    return fig
