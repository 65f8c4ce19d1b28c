"""A colour key for figures that widgets update in place.

A matplotlib ``Legend`` lays its entries out again on every draw (about 7 ms for four
entries, most of a shoot-out frame's legend cost) and a new set of entries means a new
artist, so the whole figure is drawn again.  :class:`Key` makes its slots once, each a
handle and a label placed at a fixed offset in inches; an update restyles, relabels, shows
or hides them.  All of it is animated, so a frame draws just the handles and the labels
(whose bitmaps :class:`gomem.viz.render.WidgetCanvas` keeps).
"""

from __future__ import annotations

from matplotlib.lines import Line2D
from matplotlib.patches import Rectangle
from matplotlib.transforms import ScaledTranslation

from gomem.viz.render import animate


class Key:
    """Entries in columns from ``(x, top)``: a handle and a label per entry, column by column.

    ``transform`` gives the coordinates of ``(x, top)``: the figure's (default) or an
    Axes' ``transAxes``.  ``per_column`` entries fill a column (by default as many as fit
    above 0.3 in from the figure's bottom); ``column`` is the width of a column and ``row``
    the height of an entry, in inches.  ``handle`` is ``"patch"`` (a colour swatch, styled
    with ``Rectangle`` properties) or ``"line"`` (a short line, styled with ``Line2D``
    properties).  ``slots`` are made up front; more are made when needed (the figure is
    then drawn again in full once).
    """

    SWATCH = {"patch": (0.2, 0.07), "line": (0.3, 0.0)}   # handle width, height (inches)

    def __init__(self, fig, x: float, top: float, *, transform=None, per_column: int = 0,
                 column: float = 2.3, row: float = 0.145, handle: str = "patch",
                 fontsize: float = 7, slots: int = 8):
        self.fig, self.handle, self.fontsize = fig, handle, fontsize
        self.column, self.row = column, row
        # the anchor: (x, top) in `transform`, then offsets in inches from there
        self.anchor = fig.dpi_scale_trans + ScaledTranslation(
            x, top, transform if transform is not None else fig.transFigure)
        if not per_column:
            height = top * fig.get_size_inches()[1]
            per_column = max(1, int((height - 0.3) / row))
        self.per_column = per_column
        self.slots = [self._slot(i) for i in range(slots)]   # (handle, label)

    def _slot(self, i: int):
        """The i-th handle and label."""
        col, row = divmod(i, self.per_column)
        x, y = col * self.column, -(row + 0.5) * self.row
        w, h = self.SWATCH[self.handle]
        if self.handle == "patch":
            mark = Rectangle((x, y - h / 2), w, h, transform=self.anchor, linewidth=0)
        else:
            mark = Line2D([x, x + w], [y, y], transform=self.anchor)
        self.fig.add_artist(mark)
        label = self.fig.text(x + w + 0.08, y, "", transform=self.anchor,
                              fontsize=self.fontsize, va="center")
        animate(mark, label)
        return mark, label

    def update(self, entries: list) -> None:
        """``entries``: (label, handle properties) in order; slots past them are hidden."""
        while len(self.slots) < len(entries):
            self.slots.append(self._slot(len(self.slots)))
        base = ({"edgecolor": "none", "hatch": None, "linewidth": 0}
                if self.handle == "patch" else {})
        for i, (mark, label) in enumerate(self.slots):
            shown = i < len(entries)
            mark.set_visible(shown)
            label.set_visible(shown)
            if shown:
                text, style = entries[i]
                mark.set(**{**base, **style})
                label.set_text(text)
