"""viz.key.Key: an animated colour key whose slots are placed in inches and restyled in place."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_rgba  # noqa: E402

from gomem.viz.key import Key  # noqa: E402


def _shown(key):
    return [(mark, label) for mark, label in key.slots if label.get_visible()]


def test_entries_restyle_relabel_and_hide_slots():
    fig = plt.figure(figsize=(6, 4), dpi=100)
    key = Key(fig, 0.1, 0.9, slots=4)
    key.update([("a", {"facecolor": "red"}), ("b", {"facecolor": "blue", "hatch": "//"})])
    shown = _shown(key)
    assert [label.get_text() for _, label in shown] == ["a", "b"]
    assert shown[0][0].get_facecolor() == to_rgba("red") and shown[1][0].get_hatch() == "//"
    assert all(not m.get_visible() for m, _ in key.slots[2:])
    key.update([("c", {"facecolor": "green"})])       # fewer: the style is reset, not kept
    assert [label.get_text() for _, label in _shown(key)] == ["c"]
    assert key.slots[0][0].get_hatch() is None
    assert all(a.get_animated() for pair in key.slots for a in pair)
    plt.close(fig)


def test_more_entries_than_slots_make_more_slots():
    fig = plt.figure(figsize=(6, 4))
    key = Key(fig, 0.1, 0.9, slots=2)
    key.update([(str(i), {"facecolor": "k"}) for i in range(5)])
    assert len(key.slots) == 5 and len(_shown(key)) == 5
    plt.close(fig)


def test_slots_fill_columns_in_inches():
    fig = plt.figure(figsize=(6, 4), dpi=100)
    key = Key(fig, 0.1, 0.9, per_column=2, column=2.0, row=0.2, slots=4)
    key.update([(str(i), {"facecolor": "k"}) for i in range(4)])
    at = [label.get_transform().transform(label.get_position()) for _, label in key.slots]
    assert at[1][0] == pytest.approx(at[0][0]) and at[0][1] - at[1][1] == pytest.approx(20)
    assert at[2][0] - at[0][0] == pytest.approx(200) and at[2][1] == pytest.approx(at[0][1])
    assert at[0][1] == pytest.approx(0.9 * 400 - 10)     # half a row under the top
    plt.close(fig)


def test_default_column_height_and_line_handles_in_axes_coordinates():
    fig, ax = plt.subplots(figsize=(6, 4), dpi=100)
    assert Key(fig, 0.5, 0.5).per_column == int((0.5 * 4 - 0.3) / 0.145)
    key = Key(fig, 0.0, 1.0, transform=ax.transAxes, handle="line", slots=1)
    key.update([("heap", {"color": "tab:blue", "linestyle": "--", "linewidth": 2})])
    line, label = key.slots[0]
    assert line.get_linestyle() == "--" and line.get_linewidth() == 2
    x0, y0 = ax.transAxes.transform((0, 1))
    (lx, ly), = line.get_transform().transform([(line.get_xdata()[0], line.get_ydata()[0])])
    assert lx == pytest.approx(x0) and ly == pytest.approx(y0 - 0.5 * 0.145 * 100)
    plt.close(fig)
