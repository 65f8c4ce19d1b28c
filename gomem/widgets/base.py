"""The one controls -> compute -> draw -> picture loop every lesson widget shares.

A :class:`PlotWidget` is a row (or rows) of ipywidgets controls above an output area.
Changing a control calls ``compute(**values)`` (plain data, from the model layer) and then
``draw(result)`` (a matplotlib ``Figure``, from :mod:`gomem.viz`), and shows the figure as a
PNG.  The widget keeps what it computed and drew, so tests set ``w.controls[name].value``
and assert on ``w.result``, ``w.figure``, ``w.title`` (the figure's title, which states the
current parameters and seed), ``w.error`` and ``w.updates`` without a browser.

Showing the picture: the figure is turned into PNG once per update by
:func:`gomem.viz.render.png_bytes` (one draw with cached text, cropped like
``bbox_inches="tight"``), kept in ``w.png``, and the Output widget's ``outputs`` are
replaced with that one image in a single state update, rather than ``clear_output`` +
``display(fig)`` (two messages, and under nbval the figure leaks into the cell's output).
In JupyterLab it is an ``<img src="data:image/png;base64,...">`` inside ``.widget-output``.
Outside a kernel nothing is shown and ``w.png`` is rendered only when read.

``timings`` holds the last update's compute, draw and png seconds (for measuring; never
printed in notebooks).  Subclasses add what one widget needs (a progress bar, a status line, a
Run button) and may override ``compute``, ``draw``, ``show_error`` and ``after_update``.
"""

from __future__ import annotations

import base64
import gc
import html
import time

import ipywidgets as widgets
import matplotlib.pyplot as plt

from gomem.errors import GoMemError
from gomem.viz.render import png_bytes

WIDGET_DPI = 80   # widget pictures: 0.64x the pixels of 100 dpi; 7 pt text still readable


class PlotWidget:
    """Controls + output area; recomputes and redraws on every control change.

    ``rows``: the controls (and any ``extra`` widgets such as buttons) laid out as a list of
    rows; default one row.  ``above`` / ``below``: widgets placed above / below the picture.
    ``errors``: exceptions that mean "a bad value in a control": the widget says so (see
    :meth:`show_error`), sets ``error`` and keeps its last result and picture.
    """

    errors: tuple = (GoMemError,)
    dpi: int | None = WIDGET_DPI

    def __init__(self, controls: dict, compute=None, draw=None, *, extra=(), rows=None,
                 above=(), below=()):
        self.controls = controls
        if compute is not None:
            self.compute = compute
        if draw is not None:
            self.draw = draw
        self.output = widgets.Output()
        self.result = self.figure = self.error = self._png = None
        self.updates = 0
        self.timings = {"compute": 0.0, "draw": 0.0, "png": 0.0}
        for c in controls.values():
            c.observe(self._changed, names="value")
        rows = rows if rows is not None else [list(controls.values()) + list(extra)]
        self.box = widgets.VBox([widgets.HBox(list(r)) for r in rows] + list(above)
                                + [self.output] + list(below))
        self.update()
        freeze_long_lived()

    def _changed(self, _change) -> None:
        self.update()

    def params(self) -> dict:
        return {name: c.value for name, c in self.controls.items()}

    def compute(self, **values):  # pragma: no cover - given to __init__ or overridden
        raise NotImplementedError

    def draw(self, result):  # pragma: no cover - given to __init__ or overridden
        raise NotImplementedError

    def update(self) -> None:
        t0 = time.perf_counter()
        try:
            result = self.compute(**self.params())
        except self.errors as err:   # a bad value typed into a control: say so, keep the plot
            self.error = str(err)
            self.show_error(self.error)
            return
        self.error = None
        t1 = time.perf_counter()
        fig = self.draw(result)
        plt.close(fig)   # pyplot forgets it; it stays drawable for display and tests
        if self.dpi and fig.dpi != self.dpi:
            set_dpi(fig, self.dpi)
        t2 = time.perf_counter()
        if self.figure is not None and self.figure is not fig:
            plt.close(self.figure)
        self.result, self.figure, self._png = result, fig, None
        self.timings = {"compute": t1 - t0, "draw": t2 - t1, "png": 0.0}
        self.updates += 1
        self.after_update(result)
        self.show(fig)

    def after_update(self, result) -> None:
        """Hook: update the widget's other parts (status line, table) after a redraw."""

    def show_error(self, message: str) -> None:
        self._set_output({"text/html": f"<b>error:</b> {html.escape(message)}",
                          "text/plain": f"error: {message}"})

    # -- the picture ------------------------------------------------------------------------
    @property
    def png(self) -> bytes | None:
        """The current figure as PNG bytes: what the output area shows."""
        if self._png is None and self.figure is not None:
            t = time.perf_counter()
            self._png = png_bytes(self.figure)
            self.timings["png"] = time.perf_counter() - t
        return self._png

    def show(self, fig) -> None:
        """Replace the output area's content with ``fig`` as one PNG (in a kernel only)."""
        if _ipython() is None:
            return
        self._set_output({"image/png": self.png, "text/plain": repr(fig)})

    def _set_output(self, data: dict) -> None:
        if _ipython() is None:
            return
        data = {k: base64.b64encode(v).decode("ascii") if isinstance(v, bytes) else v
                for k, v in data.items()}
        self.output.outputs = ({"output_type": "display_data", "data": data,
                                "metadata": {}},)

    @property
    def title(self) -> str:
        """The figure's title (suptitle if it has one)."""
        fig = self.figure
        if fig is None:
            return ""
        return fig.get_suptitle() or fig.axes[0].get_title()

    def _ipython_display_(self):
        from IPython.display import display
        display(self.box)


def freeze_long_lived() -> None:
    """Once per process, when the first widget has drawn: collect garbage, then move every
    object alive (matplotlib, IPython, numpy, gomem, the lesson's data) into the cyclic
    collector's permanent generation (``gc.freeze``).  A full collection walks every tracked
    object -- about 170,000 with the lessons' widgets built, 80 ms here -- and one falls
    into a widget update now and then; afterwards it walks only what was made since."""
    if not gc.get_freeze_count():
        gc.collect()
        gc.freeze()


def set_dpi(fig, dpi: int) -> None:
    """Render ``fig`` at ``dpi`` from now on: on screen (IPython passes ``fig.dpi``) and in
    ``savefig(dpi="figure")`` and after ``plt.close``, which both use the dpi the figure was
    created with (matplotlib keeps it in ``_original_dpi``)."""
    fig.set_dpi(dpi)
    fig._original_dpi = dpi


def _ipython():
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover
        return None
    return get_ipython()
