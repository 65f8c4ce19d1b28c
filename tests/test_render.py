"""gomem.viz.render: cached text draws what matplotlib draws; PNGs are cropped and fresh."""

import io

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg  # noqa: E402
from matplotlib.font_manager import FontProperties  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402
from PIL import Image  # noqa: E402
from hypothesis import given, settings, strategies as st  # noqa: E402

from gomem.viz import render  # noqa: E402
from gomem.widgets.sizeclasses import waste_widget  # noqa: E402


def text_figure():
    fig, ax = plt.subplots(figsize=(5, 3), dpi=80)
    ax.plot([0, 1, 4])
    ax.set_title("heap in use (KiB), 8 KiB pages")
    ax.set_ylabel("spans per class")                    # rotated 90 degrees
    ax.text(0.5, 2.0, "two lines\nof text", fontsize=9)
    ax.text(1.2, 1.0, "rotated 30", rotation=30)
    ax.text(0.2, 3.0, r"$2^{13}$ B math")               # math text: matplotlib's own path
    plt.close(fig)
    return fig


def pixels(fig, canvas_class) -> np.ndarray:
    canvas_class(fig)
    fig.canvas.draw()
    return np.asarray(fig.canvas.buffer_rgba())[..., :3].astype(int)


def test_cached_text_draws_what_matplotlib_draws():
    mine, theirs = pixels(text_figure(), render.WidgetCanvas), pixels(text_figure(),
                                                                           FigureCanvasAgg)
    assert mine.shape == theirs.shape
    ink_mine, ink_theirs = mine.min(axis=2) < 128, theirs.min(axis=2) < 128
    assert ink_mine.sum() == pytest.approx(ink_theirs.sum(), rel=0.05)
    # inked pixels have ink within one pixel in the other picture: glyphs may land one pixel
    # apart (whole-string vs glyph-by-glyph placement); a few edge pixels cross the threshold
    assert (ink_mine & ~near(ink_theirs)).sum() <= 0.005 * ink_mine.sum()
    assert (ink_theirs & ~near(ink_mine)).sum() <= 0.005 * ink_theirs.sum()


def near(mask: np.ndarray) -> np.ndarray:
    """``mask`` grown by one pixel in every direction."""
    grown = mask.copy()
    for dy in (-1, 0, 1):
        for dx in (-1, 0, 1):
            grown |= np.roll(np.roll(mask, dy, axis=0), dx, axis=1)
    return grown


@pytest.mark.parametrize("s", ["freeindex", "8 KiB", "allocCache = 0x00ff", "i"])
def test_text_extent_is_what_agg_measures(s):
    prop = FontProperties(size=9)
    want = RendererAgg(100, 100, 80).get_text_width_height_descent(s, prop, False)
    t = render.text(s, prop, 80)
    assert (t.width, t.height, t.descent) == pytest.approx(want)


def test_second_draw_renders_no_new_strings():
    fig = text_figure()
    render.WidgetCanvas(fig)
    fig.canvas.draw()
    strings = len(render._texts)
    fig.canvas.draw()
    assert len(render._texts) == strings
    # the same string at another size is another bitmap
    bitmap = render.text("spans", FontProperties(size=8), 80).coverage
    bigger = render.text("spans", FontProperties(size=16), 80).coverage
    assert bigger.shape[0] > bitmap.shape[0] and bigger.shape[1] > bitmap.shape[1]


def test_png_is_cropped_to_the_content_plus_padding():
    fig = plt.figure(figsize=(4, 4), dpi=50)      # 200 x 200 pixels
    fig.add_artist(Rectangle((0.25, 0.5), 0.5, 0.25, transform=fig.transFigure,
                             facecolor="black"))  # 100 x 50 pixels
    plt.close(fig)
    img = Image.open(io.BytesIO(render.png_bytes(fig)))
    pad = round(render.PAD_INCHES * 50)
    assert img.mode == "RGB"
    assert abs(img.size[0] - (100 + 2 * pad)) <= 1 and abs(img.size[1] - (50 + 2 * pad)) <= 1
    corner = np.asarray(img)[0, 0]
    assert tuple(corner) == (255, 255, 255)


@settings(max_examples=30, deadline=None)
@given(st.integers(1, 40), st.integers(1, 40), st.integers(0, 2**32 - 1))
def test_encoded_png_decodes_to_the_same_pixels(h, w, seed):
    rgb = np.random.default_rng(seed).integers(0, 256, size=(h, w, 3), dtype=np.uint8)
    img = Image.open(io.BytesIO(render.encode_png(rgb)))
    img.load()                                   # checks the chunks' CRCs and the stream
    assert img.mode == "RGB" and img.size == (w, h)
    assert (np.asarray(img) == rgb).all()


def test_png_bytes_shows_the_frame_it_drew():
    fig = plt.figure(figsize=(3, 2), dpi=50)
    fig.add_artist(Rectangle((0, 0), 1, 1, transform=fig.transFigure, facecolor="#123456"))
    plt.close(fig)
    shown = np.asarray(Image.open(io.BytesIO(render.png_bytes(fig))))
    assert (shown == np.asarray(fig.canvas.buffer_rgba())[..., :3]).all()


def test_widget_png_is_its_current_figure_and_renews_after_an_update():
    w = waste_widget()
    first = w.png
    assert first.startswith(b"\x89PNG") and first == render.png_bytes(w.figure)
    assert w.png is first                                   # rendered once per update
    w.controls["pointers"].value = True
    assert w.png != first and w.png == render.png_bytes(w.figure)
    assert w.timings["png"] > 0


def marker_figure():
    fig, ax = plt.subplots(figsize=(4, 3), dpi=50)
    ax.plot(range(10), color="grey")
    (dot,) = ax.plot([2], [2], "ro", animated=True)
    title = ax.set_title("x = 2", animated=True)
    plt.close(fig)
    return fig, ax, dot, title


def test_moving_an_animated_artist_reuses_the_static_layer():
    fig, ax, dot, title = marker_figure()
    first = render.png_bytes(fig)
    canvas = fig.canvas
    assert canvas.full_draws == 1
    moved = []
    for x in (3, 7):
        dot.set_data([x], [x])
        title.set_text(f"x = {x}")
        moved.append(render.png_bytes(fig))
    assert canvas.full_draws == 1                               # static layer restored
    assert moved[1] == render.png_bytes(fig, fresh=True) and len({first, *moved}) == 3
    assert canvas.full_draws == 2                               # the fresh one
    ax.set_xlim(0, 20)                                          # a static change ...
    changed = render.png_bytes(fig)
    assert canvas.full_draws == 3                               # ... is drawn in full
    assert changed == render.png_bytes(fig, fresh=True)
    fig.canvas.draw()                                           # someone else drew:
    render.png_bytes(fig)                                       # the saved layer is not trusted
    assert canvas.full_draws == 5                               # 4 before, plus this one


def test_a_frame_without_the_marker_differs_from_one_with_it():
    fig, _ax, dot, _title = marker_figure()
    with_dot = render.png_bytes(fig)
    dot.set_visible(False)
    assert render.png_bytes(fig) != with_dot
    dot.set_visible(True)
    assert render.png_bytes(fig) == with_dot


def test_animate_marks_the_parts_so_a_legend_text_change_keeps_the_static_layer():
    fig, ax = plt.subplots(figsize=(4, 3), dpi=50)
    (line,) = ax.plot([0, 1], label="GOMAXPROCS=1")
    legend = ax.legend()
    render.animate(legend)
    plt.close(fig)
    first = render.png_bytes(fig)
    legend.get_texts()[0].set_text("GOMAXPROCS=8")
    assert not fig.stale
    changed = render.png_bytes(fig)
    assert fig.canvas.full_draws == 1
    assert changed != first and changed == render.png_bytes(fig, fresh=True)


def test_use_in_notebook_makes_ipython_show_figures_with_png_bytes():
    from types import SimpleNamespace

    from IPython.core.formatters import DisplayFormatter

    ip = SimpleNamespace(display_formatter=DisplayFormatter())   # not the global shell
    fig = marker_figure()[0]
    render.use_in_notebook(ip)
    data, _ = ip.display_formatter.format(fig)
    assert data["image/png"] == render.png_bytes(fig, fresh=True)
    assert data["text/plain"] == repr(fig)


def test_still_figures_keep_their_suptitle_when_saved():
    from gomem.viz import locks, spans
    from gomem.workload import step_span
    import random
    from gomem.contention import sweep_gomaxprocs

    figs = [spans.plot_span_bits(step_span(random.Random(1), 48, 0.4, 10**6), 3, "TITLE"),
            locks.plot_locks(sweep_gomaxprocs([1, 2], "small structs", 200, 0), 2, "TITLE")]
    for fig in figs:
        assert not any(a.get_animated() for a in fig.findobj())
        fig.canvas.draw()   # a plain draw, as savefig does: the title is in it
        assert fig.get_suptitle() == "TITLE" and fig._suptitle.get_window_extent().width > 0
        bare = np.asarray(fig.canvas.buffer_rgba()).copy()
        fig._suptitle.set_visible(False)
        fig.canvas.draw()
        assert (np.asarray(fig.canvas.buffer_rgba()) != bare).any()


def _frame(w) -> np.ndarray:
    """What a widget shows (static layer + animated artists), uncropped."""
    w.png
    return np.asarray(w.figure.canvas.buffer_rgba())[..., :3].astype(int).copy()


def _full_render(fig) -> np.ndarray:
    """matplotlib's own full draw of the same figure, nothing animated."""
    animated = [a for a in fig.findobj() if a.get_animated()]
    for a in animated:
        a.set_animated(False)
    try:
        return pixels(fig, FigureCanvasAgg)
    finally:
        for a in animated:
            a.set_animated(True)


def _widgets():
    from gomem.bench.widgets import _builders
    return list(_builders())


@pytest.mark.parametrize("name,build", _widgets(), ids=[n for n, _ in _widgets()])
def test_every_widget_frame_looks_like_a_full_matplotlib_draw(name, build):
    """A frame built from the cached static layer and the animated artists shows what
    matplotlib draws for the whole figure: nothing left out, nothing stale, nothing on the
    wrong side of something else (to a pixel, as cached text allows)."""
    from gomem.bench.widgets import _next_value

    w = build()
    for control in list(w.controls.values())[:2]:
        value = _next_value(control)
        if value is not None:
            control.value = value
    mine = _frame(w)
    theirs = _full_render(w.figure)
    ink_mine, ink_theirs = mine.min(axis=2) < 160, theirs.min(axis=2) < 160
    assert ink_theirs.sum() > 1000
    assert ink_mine.sum() == pytest.approx(ink_theirs.sum(), rel=0.1), name
    assert (ink_theirs & ~near(ink_mine)).sum() <= 0.01 * ink_theirs.sum(), name
    assert (ink_mine & ~near(ink_theirs)).sum() <= 0.01 * ink_mine.sum(), name


def test_legend_for_keeps_a_legend_with_the_same_labels():
    fig, ax = plt.subplots()
    (a,) = ax.plot([0, 1], label="h: swept")
    (b,) = ax.plot([1, 0], label="h-2: needs sweeping")
    first = render.legend_for(ax, [a, b], fontsize=8)
    assert render.legend_for(ax, [a, b], fontsize=8) is first
    other = render.legend_for(ax, [a], fontsize=8)
    assert other is not first and ax.get_legend() is other
    assert [t.get_text() for t in other.get_texts()] == ["h: swept"]
    on_fig = render.legend_for(fig, [b])
    assert render.legend_for(fig, [b]) is on_fig and fig.legends == [on_fig]
    assert render.legend_for(fig, [a, b]) is not on_fig and len(fig.legends) == 1


def test_the_first_widget_freezes_what_lives_so_far():
    """After a widget is built the cyclic collector skips the long-lived objects (a full
    collection over them took ~80 ms and fell into widget updates), and new garbage is
    still collected."""
    import gc
    import weakref

    waste_widget()
    assert gc.get_freeze_count() > 10_000

    class Node:
        pass

    a, b = Node(), Node()
    a.other, b.other = b, a            # a cycle only the collector can free
    gone = weakref.ref(a)
    del a, b
    gc.collect()
    assert gone() is None
