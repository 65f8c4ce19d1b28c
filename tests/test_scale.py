"""ValueTicks: a fixed 0..1 axis whose tick values are animated texts."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402

from gomem.viz import render  # noqa: E402
from gomem.viz.scale import ROUND_STEPS, ValueTicks, round_top  # noqa: E402


def test_round_top():
    assert round_top(960, 4) == 1200 and round_top(7224, 4) == 8000
    assert round_top(13, 3) == 15 and round_top(0, 4) == 4
    assert round_top(2000, 4, headroom=1.0) == 2000 and round_top(2000, 4) == 2400
    for peak in range(0, 20000, 7):
        top = round_top(peak, 4)
        step = top // 4
        assert top >= 1.05 * peak and step * 4 == top
        assert step / 10 ** (len(str(step)) - 1) in ROUND_STEPS   # 1, 1.5 ... 8 x 10^k
        assert top <= max(4, 1.05 * peak * 1.5)                   # not much headroom


@pytest.mark.parametrize("axis", ["x", "y"])
def test_value_ticks_write_values_and_keep_the_static_layer(axis):
    fig, ax = plt.subplots(figsize=(4, 3), dpi=50)
    plt.close(fig)
    ticks = ValueTicks(ax, axis, 4, "bytes")
    (line,) = ax.plot([], [])
    render.animate(line)
    top = ticks.show(960)
    assert top == 1200 and ticks.values == ["0", "300", "600", "900", "1200"]
    render.png_bytes(fig)
    full = fig.canvas.full_draws
    line.set_data(*([np.array([0, 1]), np.array([0, 500 / top])][::1 if axis == "y" else -1]))
    assert ticks.show(7224) == 8000 and ticks.values[-1] == "8000"
    assert render.png_bytes(fig) == render.png_bytes(fig, fresh=True)   # same picture
    assert fig.canvas.full_draws == full + 1       # only the fresh one drew the axes
    lim = ax.get_ylim() if axis == "y" else ax.get_xlim()
    assert lim == (0, 1)


def test_value_ticks_keep_the_axis_label_clear_of_the_values():
    fig, ax = plt.subplots(figsize=(4, 3), dpi=100)
    plt.close(fig)
    y, x = ValueTicks(ax, "y", 4, "heap (KiB)"), ValueTicks(ax, "x", 4, "operations")
    y.show(7000)
    x.show(20000)
    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    r = canvas.get_renderer()
    ylab, xlab = ax.yaxis.label.get_window_extent(r), ax.xaxis.label.get_window_extent(r)
    assert all(ylab.x1 < t.get_window_extent(r).x0 for t in y.texts)
    assert all(xlab.y1 < t.get_window_extent(r).y0 for t in x.texts)
