"""Axes that keep their range while the data moves, so a widget's figure keeps its ticks.

Rescaling an axis (``set_ylim``) makes matplotlib place, lay out and draw every tick again,
and so redraw the whole figure: 50-100 ms for a lesson figure, most of a widget update.
:class:`ValueTicks` fixes an axis at 0..1 with fixed tick marks and writes the tick *values*
as animated texts beside them; a plot divides its data by the top that
:meth:`ValueTicks.show` returns (a :func:`round_top`), and only those texts change when
the data's range does.  The picture is what ``set_ylim(0, top)`` with evenly spaced ticks
would give; the tick marks, grid and axis label stay in the canvas's static layer (see
:class:`gomem.viz.render.WidgetCanvas`).  :class:`MovingTicks` is the same for an x axis
whose ticks move too (animated tick marks at any positions).
"""

from __future__ import annotations

import numpy as np
from matplotlib import rcParams
from matplotlib.lines import Line2D
from matplotlib.markers import TICKDOWN, TICKLEFT, TICKUP
from matplotlib.textpath import TextPath
from matplotlib.ticker import MaxNLocator
from matplotlib.transforms import ScaledTranslation

from gomem.viz.render import animate

ROUND_STEPS = (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8)   # x 10^k: the steps of an axis


def round_top(peak: float, intervals: int, headroom: float = 1.05) -> int:
    """The top of an axis with ``intervals`` equal steps for data up to ``peak``: the
    smallest whole step of :data:`ROUND_STEPS` x 10^k that leaves ``headroom`` (1.05: the
    data fill at most 95% of the axis)."""
    scale = 1
    while True:
        for m in ROUND_STEPS:
            step = m * scale
            if step == int(step) and step * intervals >= peak * headroom:
                return int(step) * intervals
        scale *= 10


class ValueTicks:
    """``ax``'s x or y axis fixed at 0..1 with ``intervals`` + 1 ticks whose values are
    animated texts, and its ``label`` placed clear of values up to ``width`` characters
    wide (``width`` digits for a y axis; one line of text for an x axis).

    :meth:`show` writes the values for data up to ``peak`` and returns the axis top:
    plot ``value / top``."""

    def __init__(self, ax, axis: str = "y", intervals: int = 4, label: str = "",
                 width: int = 4, headroom: float = 1.05, fontsize=None):
        self.ax, self.axis, self.intervals, self.headroom = ax, axis, intervals, headroom
        self.top = None
        fig = ax.get_figure(root=True)
        ticks = np.linspace(0, 1, intervals + 1)
        size = fontsize or rcParams[f"{axis}tick.labelsize"]
        if axis == "y":
            ax.set_ylim(0, 1)
            ax.set_yticks(ticks)
            ax.tick_params(axis="y", labelleft=False)
            self.texts = [ax.text(0, t, "", transform=tick_labels(ax, "y"), ha="right",
                                  va="center_baseline", fontsize=size) for t in ticks]
            room = _gap("y") + (TextPath((0, 0), "0" * width, size=self.texts[0].get_fontsize())
                          .get_extents().width + rcParams["axes.labelpad"]) / 72
            ax.set_ylabel(label)
            ax.yaxis.set_label_coords(
                0, 0.5, ax.transAxes + ScaledTranslation(-room, 0, fig.dpi_scale_trans))
        else:
            ax.set_xlim(0, 1)
            ax.set_xticks(ticks)
            ax.tick_params(axis="x", labelbottom=False)
            self.texts = [ax.text(t, 0, "", transform=tick_labels(ax, "x"), ha="center",
                                  va="top", fontsize=size) for t in ticks]
            label_below(ax, label, self.texts[0].get_fontsize())
        animate(*self.texts)

    def show(self, peak: float) -> int:
        """Write the tick values for data up to ``peak``; returns the axis top."""
        return self.show_top(round_top(peak, self.intervals, self.headroom))

    def show_top(self, top: int) -> int:
        """Write the tick values of an axis from 0 to ``top`` (a multiple of the
        intervals); returns ``top``."""
        if top != self.top:
            step = top // self.intervals
            for i, text in enumerate(self.texts):
                text.set_text(f"{step * i}")
            self.top = top
        return top

    @property
    def values(self) -> list[str]:
        """The tick values shown, first to last."""
        return [t.get_text() for t in self.texts]


class MovingTicks:
    """Tick marks and values along ``ax``'s x axis, fixed at 0..1, at positions that change
    (:class:`ValueTicks` keeps its ticks evenly spaced from 0): up to
    ``most`` marks and texts, animated like the data, where matplotlib's own ticks would
    make a new range redraw the whole figure.  ``label`` is placed clear of the values."""

    def __init__(self, ax, most: int, label: str = "", fontsize=None, labelsize=None):
        size = fontsize or rcParams["xtick.labelsize"]
        ax.set_xlim(0, 1)
        ax.set_xticks([])
        self.marks = ax.add_line(tick_marks(ax, "bottom", clip_on=False, zorder=2.5))
        self.texts = [ax.text(0, 0, "", transform=tick_labels(ax, "x"), ha="center", va="top",
                              fontsize=size) for _ in range(most)]
        if label:
            label_below(ax, label, self.texts[0].get_fontsize(), labelsize)
        animate(self.marks, *self.texts)

    def show(self, at, labels) -> None:
        """Marks at ``at`` (0..1), labelled ``labels``; the rest hidden."""
        self.marks.set_data(at, [0] * len(at))
        for i, text in enumerate(self.texts):
            text.set_visible(i < len(labels))
            if i < len(labels):
                text.set_x(at[i])
                text.set_text(labels[i])

    def show_range(self, lo: float, hi: float, fmt) -> None:
        """Round values from ``lo`` to ``hi`` (about as many as matplotlib would put on
        this axis), at their place on 0..1, written by ``fmt``."""
        values = [int(v) for v in MaxNLocator(nbins=9, steps=[1, 2, 2.5, 5, 10],
                                              integer=True).tick_values(lo, hi)
                  if lo <= v <= hi]
        self.show([(v - lo) / (hi - lo) for v in values], [fmt(v) for v in values])

    @property
    def shown(self) -> list[str]:
        """The values written, first to last."""
        return [t.get_text() for t in self.texts if t.get_visible()]


_TICK_MARKERS = {"bottom": TICKDOWN, "top": TICKUP, "left": TICKLEFT}


def tick_marks(ax, side: str, at=(), **style) -> Line2D:
    """Tick marks at ``at`` (data coordinates along the axis; set later with ``set_data``)
    on ``ax``'s ``side`` ("bottom", "top" or "left"), as one line of markers sized and
    coloured like matplotlib's major ticks, for the Axes or the figure to add."""
    axis = "y" if side == "left" else "x"
    across = [1 if side == "top" else 0] * len(at)
    points, edge = (((across, at), ax.get_yaxis_transform()) if axis == "y"
                    else ((at, across), ax.get_xaxis_transform()))
    return Line2D(*points, ls="", marker=_TICK_MARKERS[side],
                  ms=rcParams[f"{axis}tick.major.size"], mew=rcParams[f"{axis}tick.major.width"],
                  color=rcParams[f"{axis}tick.color"], transform=edge, **style)


def tick_labels(ax, axis: str, top: bool = False):
    """Where ``ax``'s bottom (or ``top``) x / left y tick labels go: the position along the
    axis in data coordinates, moved off the axes by the tick length and pad (texts placed
    with it, at y = 0 or 1 for x, x = 0 for y, stand where matplotlib puts tick labels)."""
    dpi = ax.get_figure(root=True).dpi_scale_trans
    if axis == "y":
        return ax.get_yaxis_transform() + ScaledTranslation(-_gap("y"), 0, dpi)
    return ax.get_xaxis_transform() + ScaledTranslation(0, _gap("x") if top else -_gap("x"),
                                                        dpi)


def _gap(axis: str) -> float:
    """Inches from an axis to its tick labels: tick length + pad."""
    return (rcParams[f"{axis}tick.major.size"] + rcParams[f"{axis}tick.major.pad"]) / 72


def label_below(ax, label: str, value_size: float, labelsize=None) -> None:
    """``ax``'s x label, placed below one line of tick values of ``value_size`` points (an
    axis without tick labels would put it right under the axis, over the values)."""
    room = _gap("x") + (value_size * 1.25 + rcParams["axes.labelpad"]) / 72
    ax.set_xlabel(label, fontsize=labelsize)
    ax.xaxis.set_label_coords(
        0.5, 0, ax.transAxes + ScaledTranslation(0, -room,
                                                 ax.get_figure(root=True).dpi_scale_trans))
