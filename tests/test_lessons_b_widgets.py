"""Lessons 05-07: widgets follow their controls; pictures draw the right data."""

import random

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.collections import QuadMesh  # noqa: E402

from gomem.timeline import gc_cycles  # noqa: E402
from gomem.viz import heapmap as vh  # noqa: E402
from gomem.viz import spans as vs  # noqa: E402
from gomem.viz import timeline as vt  # noqa: E402
from gomem.viz.scale import round_top  # noqa: E402
from gomem.widgets.gccycles import gc_cycles_widget  # noqa: E402
from gomem.widgets.mspan import SPAN_SIZES, span_step_widget  # noqa: E402
from gomem.widgets.workload import workload_widget  # noqa: E402
from gomem.workload import heap_view, run_workload, span_layout, step_span  # noqa: E402


def test_span_step_widget_steps_and_shows_parameters():
    w = span_step_widget(seed=1)
    assert w.title.startswith("48 B scan, survival 0.40 (seed 1): 64 of 165 survived; step 0")
    w.controls["step"].value = 40
    assert w.result["step"].slot == 63 and w.result["step"].path == "nextFreeIndex"
    assert "step 40: slot 63 via nextFreeIndex" in w.title
    w.step_button.click()
    assert w.controls["step"].value == 41 and w.result["step"].path == "nextFreeFast"
    assert "step 41" in w.title
    # the figure shows the same freeindex and cache the model computed
    (ax,) = w.figure.axes
    assert any(f"{w.result['step'].alloc_cache:#018x}" in t.get_text() for t in ax.texts)
    assert f"freeindex = {w.result['step'].freeindex}" in ax.get_title()
    # the step slider stops at the free slots
    w.controls["step"].value = 1000
    assert w.controls["step"].max == w.result["run"].free_after_gc == w.result["k"]
    w.controls["size"].value = 512
    w.controls["noscan"].value = True
    assert w.result["run"].nelems == 15 and "512 B noscan" in w.title


def test_span_step_widget_steps_reuse_the_run_and_the_figure():
    w = span_step_widget(seed=2)
    run, fig = w.result["run"], w.figure
    for v in range(1, 30):
        w.controls["step"].value = v
        assert w.result["run"] is run and w.figure is fig     # a step swaps data, no rebuild
        assert w.result["step"] is run.steps[v]


def test_span_step_widget_has_a_plot_for_every_span_shape():
    w = span_step_widget(seed=3)
    shown = {}
    for size in SPAN_SIZES.values():
        for noscan in (False, True):
            w.controls["noscan"].value = noscan
            w.controls["size"].value = size
            words = (w.result["run"].nelems + 63) // 64
            mesh = next(c for c in w.figure.axes[0].collections if isinstance(c, QuadMesh))
            assert np.asarray(mesh.get_array()).shape == (2 * words, 64)
            assert shown.setdefault(words, w.figure) is w.figure    # one figure per shape
    assert sorted(shown) == [1, 3, 8]


def test_span_bits_plot_strips():
    run = step_span(random.Random(1), 48, 0.4, 10**6)
    fig = vs.plot_span_bits(run, 0, "t")
    words, cache = (mesh.get_array() for mesh in fig.axes[0].collections
                    if isinstance(mesh, QuadMesh))              # cells, as categories
    rows = np.asarray(words)
    assert rows.shape == (6, 64)                                # 3 words x (allocBits, in use)
    assert (rows[0::2] == vs.SURVIVOR).sum() == run.survivors
    assert (rows[1::2] == vs.NOSLOT).sum() == 3 * 64 - 165
    assert fig.get_suptitle() == "t"
    cache = np.asarray(cache)[0]
    assert list(cache[:10]) == [int(not b) for b in run.steps[0].alloc_bits[:10]]


def test_span_layout_figure():
    lays = [span_layout(5, ns, gt) for ns in (False, True) for gt in (True, False)]
    fig = vs.plot_span_layout(lays, "48 B spans")
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert "nelems 165 (table: 170)" in texts and "nelems 170 (table: 170)" in texts
    assert fig.axes[0].get_xlabel() == "byte offset in the span"
    fig = vs.plot_span_zoom(lays[0], 4, "end of a span")
    assert any("inline marks" in t.get_text() for t in fig.axes[0].texts)


def test_workload_widget():
    w = workload_widget(seed=1, count=500)
    assert "mix 'typical', 500 allocations, GOMAXPROCS=2 (seed 1)" in w.title
    assert sum(w.result["path_counts"].values()) == 500
    w.controls["gomaxprocs"].value = 4
    assert "GOMAXPROCS=4" in w.title
    assert set(w.result["view"].page_caches) == {0, 1, 2, 3}
    w.controls["mix"].value = "with large"
    assert w.result["path_counts"]["large"] > 0 and "with large" in w.title
    w.controls["count"].value = 2000
    assert sum(w.result["path_counts"].values()) == 2000


def test_workload_widget_keeps_one_figure():
    """Counts, GOMAXPROCS and mixes change what the figure shows, not its shape: one
    figure, never fully redrawn after its first frame (the key, the bars, the captions and
    the page map's tick values are animated); a bigger heap gets more pages per row."""
    w = workload_widget(seed=1)
    w.png
    fig, canvas = w.figure, w.figure.canvas
    full = canvas.full_draws
    for name, value in [("count", 2500), ("gomaxprocs", 5), ("mix", "with large"),
                        ("count", 4000), ("gomaxprocs", 8), ("mix", "tiny"),
                        ("mix", "one class (48 B)"), ("gomaxprocs", 1), ("count", 100)]:
        w.controls[name].value = value
        w.png
        assert w.figure is fig, (name, value)
        view = w.result["view"]
        per = vh.pages_per_row(view, 8)
        assert -(-view.pages_spanned // per) <= 8
        assert fig.axes[1].texts[4].get_text() == str(per)      # the last column's value
        assert f"{per} per row" in fig.axes[1].get_title(loc="left")
    assert canvas.full_draws == full
    detail = [t.get_text() for t in fig.axes[2].texts]
    assert detail[0].startswith("class 5 (48 B) scan: ") and detail[1:] == \
        ["(no other class in use)", "", "", "", ""]


def test_heap_map_and_path_counts_figures():
    run = run_workload(random.Random(3), 600, "typical", 2)
    view = heap_view(run.heap)
    fig = vh.plot_path_counts(run.path_counts, "paths")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()][0] == "zerobase"
    counts = list(run.path_counts.values())
    assert [p.get_width() for p in ax.patches] == [c / sum(counts) for c in counts]
    assert [t.get_text().split()[0] for t in ax.texts] == [str(c) for c in counts]
    fig = vh.plot_heap_map(view, "map")
    assert fig.get_suptitle() == "map"
    img = fig.axes[0].images[0].get_array()             # the page map
    assert img.shape[1] == 64 * vh.CELL
    assert any(t.get_text().startswith("arena at 0xc000000000") for t in fig.texts)
    labels = [t.get_text() for t in fig.axes[1].texts]
    assert len(labels) == 6 and all("used" in lab for lab in labels)
    key = [t.get_text() for t in fig.texts if t.get_visible() and t.get_text().startswith(
        ("class", "P"))]
    assert key == [vh.class_label(c) for c in sorted({s.spanclass for s in view.spans})] + \
        ["P0: page cache / span in its mcache", "P1: page cache / span in its mcache"]
    fig = vh.plot_hierarchy(4, "levels")
    assert fig.axes[0].get_title() == "levels"


def test_heap_map_rows_stay_bounded_for_large_heaps():
    run = run_workload(random.Random(2), 1500, "with large", 2)
    view = heap_view(run.heap)
    per = vh.pages_per_row(view)
    assert per > 64 and -(-view.pages_spanned // per) <= vh.MAX_ROWS


def test_gc_cycles_widget():
    w = gc_cycles_widget(seed=1, cycles=4)
    assert "4 cycles of 400 objects, survival 0.30, full sweep (seed 1)" in w.title
    assert w.result["timeline"].gc_at == [400, 800, 1200, 1600]
    w.controls["sweep"].value = "lazy"
    assert "lazy sweep, background sweeper 0 spans/sample" in w.title
    assert w.result["timeline"].final.spans["h-2"] > 0
    w.controls["bg_sweep"].value = 8
    assert w.result["bg_sweep"] == 8
    w.controls["survival"].value = 0.0
    assert w.result["final_live_kib"] == 0 and "survival 0.00" in w.title


def test_gc_cycles_widget_moves_keep_the_static_layer():
    w = gc_cycles_widget(seed=1, cycles=4)
    w.png
    canvas = w.figure.canvas
    drawn = canvas.full_draws
    moves = [("survival", 0.9), ("objects", 1000), ("sweep", "lazy"), ("bg_sweep", 5),
             ("objects", 100), ("survival", 0.0), ("sweep", "full"), ("bg_sweep", 2)]
    for name, value in moves:
        w.controls[name].value = value
        w.png
        ax = w.figure.axes[0]
        tl = w.result["timeline"]
        top = round_top(tl.peak_in_use / 1024, 4)
        assert [t.get_text() for t in ax.texts] == [str(top // 4 * i) for i in range(5)]
    assert w.figure.canvas is canvas and canvas.full_draws == drawn
    w.controls["bg_sweep"].value = 3          # no background sweeper after a full sweep:
    assert w.result["bg_sweep"] == 0          # the same run, from the cache
    assert w.result["timeline"] is tl


def test_timeline_figure():
    tl = gc_cycles(random.Random(1), 3, 200, 0.3, "lazy")
    fig = vt.plot_timeline(tl, "cycles")
    ax, ax2 = fig.axes
    assert ax.get_title() == "cycles" and ax.get_ylabel() == "heap in use (KiB)"
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "h-2: needs sweeping" in labels and "live objects (slot bytes)" in labels
    assert ax2.get_ylabel() == "spans"
    assert ax2.get_xlim() == (0, 3)                           # x counts cycles; a GC ends each
    assert [seg[0][0] for seg in ax.collections[-1].get_segments()] == [1, 2, 3]
    top = round_top(tl.peak_in_use / 1024, 4)            # the stacks reach the peak
    assert int(ax.texts[-1].get_text()) == top
    stacks = [p.vertices[:, 1].max() for band in ax.collections[:-1] for p in band.get_paths()]
    assert max(stacks) * top == pytest.approx(tl.peak_in_use / 1024)
    live = ax.get_lines()[0].get_ydata() * top
    assert list(live) == pytest.approx([s.live_bytes / 1024 for s in tl.samples])
    assert not any(a.get_animated() for a in fig.findobj())   # a still figure


def test_page_map_image_colours_each_page_cell():
    """Spans: pale class colour, the bottom rows (share of slots used) in full colour;
    a P's page-cache pages: stripes of its colour on white; other pages white."""
    run = run_workload(random.Random(4), 1500, "typical", 3)
    view = heap_view(run.heap)
    classes = sorted({s.spanclass for s in view.spans})
    rows, per = 4, 64
    img = vh.page_map_image(view, classes, rows, per)
    cw = 512 // per
    assert img.shape == (rows * vh.CELL, per * cw, 4) and img.dtype == np.uint8
    assert (img[..., 3] == 255).all()                   # opaque
    img = img[..., :3]

    def cell(page):
        r, c = divmod(page, per)
        return img[r * vh.CELL:(r + 1) * vh.CELL, c * cw:(c + 1) * cw].astype(int)

    def rgb255(x):
        return np.round(np.asarray(x) * 255).astype(int)

    seen = set()
    for s in view.spans:
        full = vh._rgb(vh.class_color(s.spanclass, classes))
        filled = round(vh.CELL * s.used / s.nelems)
        for page in range(view.page_index(s.base), view.page_index(s.base) + s.npages):
            px = cell(page)
            assert (px[vh.CELL - filled:] == rgb255(full)).all()
            assert (px[:vh.CELL - filled] == rgb255(0.65 + 0.35 * full)).all()
            seen.add(page)
    for p, pages in view.page_caches.items():
        stripe = rgb255(0.55 + 0.45 * vh._rgb(vh.P_COLORS[p]))
        for a in pages:
            px = cell(view.page_index(a))
            on = (px == stripe).all(axis=2)
            assert on.any() and ((px == 255).all(axis=2) | on).all()
            seen.add(view.page_index(a))
    free = [p for p in range(rows * per) if p not in seen]
    assert free and all((cell(p) == 255).all() for p in free)
