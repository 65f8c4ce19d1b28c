"""Lessons 00/03/04 widgets and figures, without a browser: set controls, read what was drawn."""

import statistics
import time

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

import gomem  # noqa: E402
from gomem.sizeclasses import CLASSES  # noqa: E402
from gomem.viz import overview, sizeclasses as viz_sc  # noqa: E402
from gomem.widgets.locks import lock_widget  # noqa: E402
from gomem.widgets.sizeclasses import placement_widget, waste_widget  # noqa: E402

BUDGET_S = 0.1     # the brief: a widget update is instant (< 100 ms); median of several


@pytest.fixture(scope="module")
def locks():
    return lock_widget(seed=3)


def median_update(w, name, values):
    times = []
    for v in values:
        t = time.perf_counter()
        w.controls[name].value = v
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def test_lock_widget_follows_its_controls(locks):
    assert locks.title.startswith("small structs, GOMAXPROCS=4, 2000 allocs (seed 3)")
    locks.controls["gomaxprocs"].value = 16
    r = locks.result
    assert r["gomaxprocs"] == 16 and r["per_1000"]["one global lock"] == 1000
    assert "GOMAXPROCS=16" in locks.title and "global lock 1000" in locks.title
    (ax,) = locks.figure.axes
    assert ax.get_xlabel().startswith("GOMAXPROCS") and ax.get_yscale() == "log"
    legend = ax.get_legend()
    assert "GOMAXPROCS=16" in legend.get_title().get_text()
    assert legend.get_texts()[0].get_text() == "one global lock: 1000"
    global_line = ax.get_lines()[0]
    assert list(global_line.get_xdata()) == [1, 2, 4, 8, 16]
    assert set(global_line.get_ydata()) == {1000}
    locks.controls["mix"].value = "mixed, some large"
    assert locks.result["mix"] == "mixed, some large"
    assert locks.title.startswith("mixed, some large")
    assert locks.result["per_1000"]["mheap lock"] > 50


def test_lock_widget_is_fast(locks):
    assert median_update(locks, "gomaxprocs", [1, 2, 4, 8, 16] * 2) < BUDGET_S


def test_placement_widget():
    w = placement_widget(size=100)
    assert w.result.sizeclass == 9 and "100 B noscan -> class 9 (112 B slot)" in w.title
    w.controls["pointers"].value = True
    w.controls["size"].value = 1024
    assert (w.result.slot, w.result.header) == (1152, 8)
    assert "+ 8 B header -> class 33" in w.title and w.title.startswith("[Green Tea]")
    w.controls["size"].value = 16
    w.controls["greenteagc"].value = False
    assert w.result.nelems == 504 and w.title.startswith("[classic GC]")
    w.controls["size"].value = 40000
    assert w.result.path == "large" and "5-page span" in w.title
    top, bottom = w.figure.axes
    assert top.get_title().startswith("the span: 5 x 8 KiB pages")
    assert bottom.get_xlabel() == "bytes inside the slot"
    w.controls["size"].value = 2_000_000    # beyond the box's max: the widget clamps it
    assert w.error is None and w.result.size == 1 << 20


def test_placement_widget_is_fast():
    w = placement_widget()
    assert median_update(w, "size", [8, 24, 100, 512, 1024, 4000, 40000, 100000]) < BUDGET_S


def test_placement_widget_redraws_only_what_changes():
    """One figure, updated in place: a new request leaves the static layer (axes, labels)
    as drawn, and the span's page ticks, legend and slot parts follow the request."""
    w = placement_widget()
    fig = w.figure
    w.png
    full = fig.canvas.full_draws
    for size in (8, 1024, 40000, 1 << 20):
        w.controls["size"].value = size
        w.png
    w.controls["pointers"].value = True
    w.png
    assert w.figure is fig and fig.canvas.full_draws == full


def test_placement_plot_draws_the_span_and_the_slot():
    from gomem.course.layout import place
    plot = viz_sc.PlacementPlot()
    plot.update(place(1 << 20, noscan=True))          # 128 pages: a label every 8 pages
    assert plot.pages.shown == [f"{p * 8} KiB" for p in range(0, 129, 8)]
    assert plot.bytes.shown[0] == "0 KiB" and plot.bytes.shown[-1] == "1000 KiB"
    plot.update(place(24, noscan=False), "t")
    assert plot.pages.shown == ["0 KiB", "8 KiB"]
    assert [t.get_text() for t in plot.legend.get_texts()] == [
        "slots (7920 B)", "tail (16 B)", "heap bits (128 B)", "inline mark bits (128 B)"]
    heap_bits = plot.runs["heap bits"]
    assert heap_bits.get_x() == pytest.approx((7920 + 16) / 8192)
    assert heap_bits.get_width() == pytest.approx(128 / 8192)
    plot.update(place(1024, noscan=False))            # header, object, round-up waste
    widths = {k: bar.get_width() * 1152 for k, bar in plot.parts.items()}
    assert widths == pytest.approx({"header": 8, "object": 1024, "waste": 120})
    assert plot.part_labels["object"].get_text() == "object 1024 B"
    assert plot.bytes.shown == ["0", "200", "400", "600", "800", "1000"]
    plot.update(place(100, noscan=True))              # no header: its bar is hidden
    assert not plot.parts["header"].get_visible() and plot.parts["object"].get_x() == 0


def test_waste_widget():
    w = waste_widget()
    assert w.title.startswith("256 B - 2 KiB, no pointers")
    w.controls["sizes"].value = "1 B - 256 B"
    r = w.result
    # 1 B without pointers is tiny: 15 of a 16-byte block wasted
    assert r["worst_size"] == 1 and r["worst_pct"] == pytest.approx(93.75)
    w.controls["pointers"].value = True
    assert w.result["worst_pct"] == pytest.approx(87.5) and "with pointers" in w.title
    ax = w.figure.axes[0]
    assert ax.get_ylabel() == "waste in the slot (%)"
    assert median_update(w, "sizes", list(w.controls["sizes"].options) * 2) < BUDGET_S


def test_waste_widget_keeps_its_axes_for_every_range():
    w = waste_widget()
    fig = w.figure
    w.png
    full = fig.canvas.full_draws
    for pointers in (True, False):
        w.controls["pointers"].value = pointers
        for sizes in w.controls["sizes"].options:
            w.controls["sizes"].value = sizes
            w.png
            assert w.figure is fig
    assert fig.canvas.full_draws == full
    assert w.result["sizes"] == "1 B - 32 KiB"


def test_waste_plot_scales_the_curve_to_its_axes():
    plot = viz_sc.WastePlot()
    plot.update([2048, 2304, 3072], [12.5, 0.0, 15.8], [2048, 3072], (3072, 15.8), "t")
    assert plot.y.values == ["0", "4", "8", "12", "16", "20"]
    assert list(plot.curve.get_xdata()) == pytest.approx([0, 0.25, 1])
    assert list(plot.curve.get_ydata()) == pytest.approx([12.5 / 20, 0, 15.8 / 20])
    assert plot.x.shown == ["2200", "2400", "2600", "2800", "3000"]
    assert plot.label.get_text() == "worst: 3072 B, 15.8%" and plot.ax.get_title() == "t"
    assert len(plot.bounds.get_segments()) == 2


def test_max_waste_chart_draws_the_table():
    fig = viz_sc.plot_max_waste(CLASSES, current=9, title="t")
    ax = fig.axes[0]
    heights = [b.get_height() for b in ax.patches]
    assert len(heights) == 67 * 2 + 1
    assert heights[0] == pytest.approx(87.5)
    assert heights[-1] == pytest.approx(100 * CLASSES[9].max_waste)
    assert ax.get_title() == "t" and "size class" in ax.get_xlabel()


def test_tail_rule_and_placement_figures():
    from gomem.course.layout import place
    from gomem.course.makeclasses import tail_rule
    fig = viz_sc.plot_tail_rule(8448, tail_rule(8448)[1])
    assert len(fig.axes[0].patches) == 7
    fig = viz_sc.plot_placement(place(24, noscan=False), "p")
    assert fig.get_suptitle() == "p"
    assert not any(a.get_animated() for a in fig.findobj())   # a one-off picture: still


def test_allocator_map_and_growth_plot():
    h = gomem.Heap(gomaxprocs=2)
    for _ in range(5):
        h.malloc(24)
    h.malloc(40000, noscan=True)
    fig = overview.plot_allocator_map(h, "map")
    left, right = fig.axes
    texts = " ".join(t.get_text() for t in left.texts + right.texts)
    assert "first at 0xc000000000" in texts and "mcache per P (x2)" in texts
    assert "330 slots of 24 B" in texts and "mcentral x 136 span classes" in texts
    legend = [t.get_text() for t in left.get_legend().get_texts()]
    assert legend == ["class 3: 24 B slots", "large: 5 pages"]
    from gomem.course.growth import Sample
    s = [Sample(0, 0, 0, 0, 0), Sample(1, 100, 8192, 4 << 20, 1)]
    g = overview.plot_heap_growth(s, "g").axes[0]
    labels = [ln.get_label() for ln in g.get_lines() if not ln.get_label().startswith("_")]
    assert g.get_title() == "g" and labels[0].startswith("HeapSys") and len(labels) == 3
