"""Turning a figure into PNG bytes fast enough for a widget to feel instant.

matplotlib 3.11's Agg renderer shapes and rasterises every string glyph by glyph on each
draw, and measures it again for layout; a lesson figure with 60 labels spends about two
thirds of a 250 ms redraw there, re-rendering tick labels that did not change.
:class:`WidgetCanvas` keeps each string's rendered bitmap and its extent, keyed by
the string, the font properties and the dpi, and pastes the bitmap on later draws (the way
matplotlib <= 3.10 drew a whole string at once).

:class:`WidgetCanvas` also keeps the figure's *static layer*: a figure whose changing parts
are marked ``set_animated(True)`` (a moving marker, a title, an image's data) is drawn in
full only when something else changed -- matplotlib sets ``figure.stale`` then, and never
for animated artists -- and otherwise the saved static pixels are restored and only the
animated artists are drawn on top, in z-order (matplotlib's blitting).  Mark only artists
that lie above everything they overlap, or the picture would differ from a full draw, and
only children of an Axes or the Figure (an axis label or tick label is drawn by its Axis
even when animated: use an Axes title or ``ax.text`` for a changing caption).

:func:`png_bytes` draws a frame, crops it to the drawn content (what ``bbox_inches="tight"``
gives, without its second layout pass) and encodes it with fast zlib settings.
"""

from __future__ import annotations

import math
import struct
import zlib
from typing import NamedTuple

import numpy as np
from matplotlib.axis import Axis
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg, get_hinting_flag
from matplotlib.colors import to_rgba
from matplotlib.font_manager import fontManager, get_font

CACHE_LIMIT = 8192       # strings in the cache; cleared when full (lesson figures use < 1000)
PAD_INCHES = 0.1         # white margin kept around the content, as bbox_inches="tight"

_texts: dict = {}   # (string, font, dpi, antialiased) -> Text
_heights: dict = {}  # (font, dpi) -> (ascent, descent, line gap)


class Text(NamedTuple):
    """One string laid out and rasterised once, unrotated, in pixels."""
    width: float
    height: float
    descent: float
    coverage: np.ndarray      # uint8, 0 = paper, 255 = ink; shared: do not modify
    x_offset: float           # of the bitmap from the drawing point
    y_offset: float


def _font_key(prop) -> tuple:
    return (tuple(prop.get_family()), prop.get_style(), prop.get_variant(), prop.get_weight(),
            prop.get_stretch(), prop.get_size_in_points(), prop.get_file())


def text(s: str, prop, dpi: float, antialiased: bool = True) -> Text:
    """``s`` in font ``prop`` at ``dpi``: measured and drawn by one FreeType layout; cached."""
    key = (s, _font_key(prop), dpi, antialiased)
    found = _texts.get(key)
    if found is None:
        if len(_texts) >= CACHE_LIMIT:
            _texts.clear()
        font = get_font(fontManager._find_fonts_by_props(prop))
        font.clear()
        font.set_size(prop.get_size_in_points(), dpi)
        font.set_text(s, 0, flags=get_hinting_flag())
        w, h = font.get_width_height()
        font.draw_glyphs_to_bitmap(antialiased=antialiased)
        xo, yo = font.get_bitmap_offset()
        found = _texts[key] = Text(w / 64, h / 64, font.get_descent() / 64,
                                   np.array(font.get_image(), dtype=np.uint8), xo / 64, yo / 64)
    return found


class TextCachingRenderer(RendererAgg):
    """``RendererAgg`` that draws and measures plain strings from the caches above.

    Math text, TeX and text with OpenType features or a language set go to matplotlib."""

    def draw_text(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
        if ismath or _shaped(mtext):
            return super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)
        t = text(s, prop, self.dpi, gc.get_antialiased())
        xd = t.descent * math.sin(math.radians(angle))
        yd = t.descent * math.cos(math.radians(angle))
        self._renderer.draw_text_image(t.coverage, round(x + t.x_offset + xd),
                                       round(y + t.y_offset + yd) + 1, angle, gc)

    def _get_font_height_metrics(self, prop):
        """Ascent, descent and line gap of the font, in pixels (matplotlib >= 3.11 asks
        this of a renderer before reading the font's tables itself, for every text)."""
        key = _font_key(prop), self.dpi
        if key not in _heights:
            font = get_font(fontManager._find_fonts_by_props(prop))
            os2, hhea = font.get_sfnt_table("OS/2"), font.get_sfnt_table("hhea")
            if os2 is not None:
                gap, up, down = os2["sTypoLineGap"], os2["sTypoAscender"], os2["sTypoDescender"]
            elif hhea is not None:
                gap, up, down = hhea["lineGap"], hhea["ascent"], hhea["descent"]
            else:
                return None, None, None     # matplotlib measures "lp" instead
            scale = (prop.get_size_in_points() * self.dpi / 72
                     / font.get_sfnt_table("head")["unitsPerEm"])
            _heights[key] = up * scale, -down * scale, gap * scale
        return _heights[key]

    def get_text_width_height_descent(self, s, prop, ismath):
        if ismath:
            return super().get_text_width_height_descent(s, prop, ismath)
        t = text(s, prop, self.dpi)
        return t.width, t.height, t.descent


def _shaped(mtext) -> bool:
    """Text that asks for shaping features (matplotlib >= 3.11 only)."""
    return mtext is not None and bool(getattr(mtext, "get_fontfeatures", lambda: None)()
                                      or getattr(mtext, "get_language", lambda: None)())


class WidgetCanvas(FigureCanvasAgg):
    """An Agg canvas with a :class:`TextCachingRenderer` and a cached static layer.

    ``full_draws`` counts the times the static layer was drawn (the rest were restored)."""

    def __init__(self, figure=None):
        super().__init__(figure)
        self._static = None        # (renderer key, pixels) of the last full draw
        self.full_draws = 0
        self.mpl_connect("draw_event", self._forget_static)   # anyone's full draw

    def _forget_static(self, _event) -> None:
        self._static = None

    def get_renderer(self):
        w, h = self.get_width_height(physical=True)
        key = w, h, self.figure.dpi
        if self._lastKey != key:
            self.renderer = TextCachingRenderer(w, h, self.figure.dpi)
            self._lastKey = key
        return self.renderer

    def draw_frame(self, fresh: bool = False) -> None:
        """Draw the figure into the buffer; the static layer from cache unless it changed
        (or ``fresh``), then the animated artists."""
        fig = self.figure
        key = self.get_width_height(physical=True), fig.dpi
        if fresh or fig.stale or self._static is None or self._static[0] != key:
            self.draw()   # animated artists are left out of a draw that is not a save
            self.full_draws += 1
            self._static = key, self.copy_from_bbox(fig.bbox)
        else:
            self.restore_region(self._static[1])
        renderer = self.get_renderer()   # once: fig.draw_artist asks for it per artist (~6 us)
        for artist in sorted(_outermost_animated(fig), key=lambda a: a.get_zorder()):
            artist.draw(renderer)


def legend_for(parent, handles: list, **kwargs):
    """``parent.legend(handles=handles, **kwargs)`` on an Axes or a Figure, unless its legend
    already lists the same labels (plots here give a label one style): a new legend and its
    first draw cost 10-20 ms, and keeping it can keep the figure's static layer.  Returns
    the legend shown."""
    shown = parent.legends if hasattr(parent, "legends") else [parent.get_legend()]   # Figure
    old = [lg for lg in shown if lg is not None]
    if len(old) == 1 and [t.get_text() for t in old[0].get_texts()] == \
            [h.get_label() for h in handles]:
        return old[0]
    for lg in old:
        lg.remove()
    return parent.legend(handles=handles, **kwargs)


def _outermost_animated(artist) -> list:
    """Animated artists under ``artist`` that are not inside another animated artist.

    An Axis is not searched: it draws its ticks itself, animated or not, and asking it for
    its children computes the tick locations (~6 ms a frame for a lesson figure)."""
    if artist.get_animated():
        return [artist]
    if isinstance(artist, Axis):
        return []
    return [a for child in artist.get_children() for a in _outermost_animated(child)]


def animate(*artists) -> None:
    """Mark ``artists`` and every artist they contain as animated: a change to a part (a
    legend's text) then leaves the figure's static layer valid, as a change to the whole
    does.  Only the outermost ones are drawn by :meth:`WidgetCanvas.draw_frame`."""
    for artist in artists:
        for part in artist.findobj():
            part.set_animated(True)


def still(fig):
    """Mark every artist of ``fig`` static again and return it: for a figure built by an
    updatable plot class but shown once (``savefig`` never draws an animated artist that
    belongs to the figure itself, such as a suptitle)."""
    for artist in fig.findobj():
        artist.set_animated(False)
    return fig


def png_bytes(fig, fresh: bool = False) -> bytes:
    """The figure as PNG: a frame on its :class:`WidgetCanvas` (``fresh``: with the static
    layer redrawn), cropped to what was drawn plus ``PAD_INCHES`` of margin, RGB."""
    canvas = fig.canvas if isinstance(fig.canvas, WidgetCanvas) else WidgetCanvas(fig)
    canvas.draw_frame(fresh)
    rgba = np.asarray(canvas.buffer_rgba())
    paper = np.round(np.array(to_rgba(fig.get_facecolor())) * 255).astype(np.uint8)
    ink = rgba.view(np.uint32)[..., 0] != paper.view(np.uint32)[0]   # one compare per pixel
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    if rows.size:
        pad = round(PAD_INCHES * fig.dpi)
        rgba = rgba[max(rows[0] - pad, 0):rows[-1] + pad + 1,
                    max(cols[0] - pad, 0):cols[-1] + pad + 1]
    return encode_png(rgba[..., :3])


def encode_png(rgb: np.ndarray) -> bytes:
    """An 8-bit RGB image (height x width x 3) as PNG bytes: every row unfiltered (filter
    type 0) and the whole image deflated at zlib level 1.  Plots are flat colour, so this
    is about as small as PIL's adaptive per-row filters and 2-3x faster to make."""
    h, w, _ = rgb.shape
    scanlines = np.zeros((h, 1 + 3 * w), dtype=np.uint8)   # a 0 filter byte leads each row
    pixels = scanlines[:, 1:].reshape(h, w, 3)
    for channel in range(3):          # one strided copy per channel: 10x faster than one
        pixels[..., channel] = rgb[..., channel]   # copy of 3-byte pixels from RGBA rows

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data)))

    header = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)   # 8 bits, RGB, deflate, no interlace
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(scanlines, 1)) + chunk(b"IEND", b""))


def use_in_notebook(ip=None) -> None:
    """Make the IPython kernel ``ip`` (default: the running one) show every matplotlib
    figure as :func:`png_bytes` -- one draw with cached text -- instead of the inline
    backend's ``print_figure`` (two draws, for ``bbox_inches="tight"``).  Lessons call
    this once, after ``%matplotlib inline``."""
    from IPython import get_ipython
    from matplotlib.figure import Figure

    ip = ip or get_ipython()
    if ip is not None:
        ip.display_formatter.formatters["image/png"].for_type(
            Figure, lambda fig: png_bytes(fig, fresh=True))
