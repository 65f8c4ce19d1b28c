"""Turning a figure into PNG bytes fast enough for a widget to feel instant.

matplotlib 3.11's Agg renderer shapes and rasterises every string glyph by glyph on each
draw, and measures it again for layout; a lesson figure with 60 labels spends about two
thirds of a 250 ms redraw there, re-rendering tick labels that did not change.
:class:`TextCachingCanvas` keeps each string's rendered bitmap and its extent, keyed by
the string, the font properties and the dpi, and pastes the bitmap on later draws (the way
matplotlib <= 3.10 drew a whole string at once).  Everything else is drawn as usual.

:func:`png_bytes` draws once, crops to the drawn content (what ``bbox_inches="tight"``
gives, without its second layout pass) and encodes with fast zlib settings.
"""

from __future__ import annotations

import io
import math

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg, get_hinting_flag
from matplotlib.colors import to_rgb
from matplotlib.font_manager import fontManager, get_font
from PIL import Image

CACHE_LIMIT = 8192       # strings per cache; cleared when full (lesson figures use < 1000)
PAD_INCHES = 0.1         # white margin kept around the content, as bbox_inches="tight"

_bitmaps: dict = {}
_extents: dict = {}


def _font_key(prop) -> tuple:
    return (tuple(prop.get_family()), prop.get_style(), prop.get_variant(), prop.get_weight(),
            prop.get_stretch(), prop.get_size_in_points(), prop.get_file())


def _font(prop, dpi: float):
    font = get_font(fontManager._find_fonts_by_props(prop))
    font.clear()
    font.set_size(prop.get_size_in_points(), dpi)
    return font


def _remember(cache: dict, key, make):
    value = cache.get(key)
    if value is None:
        if len(cache) >= CACHE_LIMIT:
            cache.clear()
        value = cache[key] = make()
    return value


def text_bitmap(s: str, prop, dpi: float, antialiased: bool = True):
    """``(coverage, x_offset, y_offset, descent)`` of ``s`` unrotated, in pixels; cached.

    ``coverage`` is a uint8 array (0 = paper, 255 = ink), shared: do not modify it."""
    def make():
        font = _font(prop, dpi)
        font.set_text(s, 0, flags=get_hinting_flag())
        font.draw_glyphs_to_bitmap(antialiased=antialiased)
        xo, yo = font.get_bitmap_offset()
        return np.array(font.get_image(), dtype=np.uint8), xo / 64, yo / 64, font.get_descent() / 64
    return _remember(_bitmaps, (s, _font_key(prop), dpi, antialiased), make)


def text_extent(s: str, prop, dpi: float) -> tuple[float, float, float]:
    """Width, height and descent of ``s`` in pixels, as Agg measures it; cached."""
    def make():
        font = _font(prop, dpi)
        font.set_text(s, 0, flags=get_hinting_flag())
        w, h = font.get_width_height()
        return w / 64, h / 64, font.get_descent() / 64
    return _remember(_extents, (s, _font_key(prop), dpi), make)


class TextCachingRenderer(RendererAgg):
    """``RendererAgg`` that draws and measures plain strings from the caches above.

    Math text, TeX and text with OpenType features or a language set go to matplotlib."""

    def draw_text(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
        if ismath or _shaped(mtext):
            return super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)
        image, xo, yo, descent = text_bitmap(s, prop, self.dpi, gc.get_antialiased())
        xd = descent * math.sin(math.radians(angle))
        yd = descent * math.cos(math.radians(angle))
        self._renderer.draw_text_image(image, round(x + xo + xd), round(y + yo + yd) + 1,
                                       angle, gc)

    def get_text_width_height_descent(self, s, prop, ismath):
        if ismath:
            return super().get_text_width_height_descent(s, prop, ismath)
        return text_extent(s, prop, self.dpi)


def _shaped(mtext) -> bool:
    """Text that asks for shaping features (matplotlib >= 3.11 only)."""
    return mtext is not None and bool(getattr(mtext, "get_fontfeatures", lambda: None)()
                                      or getattr(mtext, "get_language", lambda: None)())


class TextCachingCanvas(FigureCanvasAgg):
    """An Agg canvas whose renderer is a :class:`TextCachingRenderer`."""

    def get_renderer(self):
        w, h = self.get_width_height(physical=True)
        key = w, h, self.figure.dpi
        if self._lastKey != key:
            self.renderer = TextCachingRenderer(w, h, self.figure.dpi)
            self._lastKey = key
        return self.renderer


def png_bytes(fig) -> bytes:
    """The figure as PNG: one draw on a :class:`TextCachingCanvas`, cropped to what was
    drawn plus ``PAD_INCHES`` of margin, RGB, zlib level 1."""
    canvas = fig.canvas if isinstance(fig.canvas, TextCachingCanvas) else TextCachingCanvas(fig)
    canvas.draw()
    rgb = np.asarray(canvas.buffer_rgba())[..., :3]
    paper = np.round(np.array(to_rgb(fig.get_facecolor())) * 255).astype(np.uint8)
    ink = np.any(rgb != paper, axis=2)
    rows, cols = np.flatnonzero(ink.any(axis=1)), np.flatnonzero(ink.any(axis=0))
    if rows.size:
        pad = round(PAD_INCHES * fig.dpi)
        top, bottom = max(rows[0] - pad, 0), min(rows[-1] + pad + 1, rgb.shape[0])
        left, right = max(cols[0] - pad, 0), min(cols[-1] + pad + 1, rgb.shape[1])
        rgb = rgb[top:bottom, left:right]
    out = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(rgb)).save(out, format="png", compress_level=1)
    return out.getvalue()
