"""Widget logic without a browser: set control values, check what was computed and drawn."""

import matplotlib

matplotlib.use("Agg")

from gomem.viz import vm as viz  # noqa: E402
from gomem.vm import AddressLayout, BELADY, Kernel, POLICIES, fault_curve  # noqa: E402
from gomem.widgets.vm import (fault_curve_widget, fragmentation_widget,  # noqa: E402
                              page_size_widget, walk_widget)


def test_fault_curve_widget_follows_its_controls():
    w = fault_curve_widget(seed=1, n_refs=500)
    assert w.title.startswith("LRU, working set 24 pages, 16 frames")
    w.controls["frames"].value = 40
    w.controls["policy"].value = "opt"
    r = w.result
    assert (r["frames"], r["policy"]) == (40, "opt") and "OPT" in w.title
    assert "40 frames" in w.title and "seed 1" in w.title
    i = r["frames_list"].index(40)
    assert r["faults_now"] == r["faults"][i]
    # more frames than the working set: only cold misses and rare cold pages fault
    assert r["fault_rate_now"] < 0.1
    ax_rate, ax_slow = w.figure.axes
    assert ax_rate.get_xlabel() == "physical frames" and "log" in ax_slow.get_ylabel()
    assert w.updates == 3


def test_fault_curve_has_a_cliff_below_the_working_set():
    w = fault_curve_widget(seed=0, n_refs=1000)
    w.controls["working_set"].value = 20
    r = w.result
    rate = dict(zip(r["frames_list"], r["faults"]))
    assert rate[10] > 5 * rate[30]


def test_page_size_widget():
    w = page_size_widget([1000, 5000, 70000])
    w.controls["page_size"].value = 65536
    assert w.result["now"]["page_size"] == 65536
    assert w.title.startswith("page size 64 KiB")
    assert "table 256 KiB" in w.title  # 2**16 entries of 4 bytes
    assert w.figure.axes[0].get_xlabel() == "page size"


def test_walk_widget_success_fault_and_bad_input():
    w = walk_widget()
    assert w.result["ok"] and w.result["paddr"] == 0x1ABC and w.result["steps"] == 4
    assert w.title == "walk of 0x401abc with 9+9+9+9+12: 4 reads -> physical 0x1abc"
    w.controls["address"].value = "0x402000"  # page 2 of the region was never touched
    assert not w.result["ok"] and w.title.endswith("page fault")
    w.controls["layout"].value = "32-bit 1-level 20+12"
    assert w.result["steps"] == 1 and "20+12: 1 read ->" in w.title
    good = w.result
    w.controls["address"].value = "banana"
    assert w.error and w.result is good  # the last good result stays
    w.controls["address"].value = str(2 ** 40)  # beyond 32 bits
    assert "outside" in w.error


def test_fragmentation_widget():
    w = fragmentation_widget(seed=0)
    assert w.result["seg_failures"] > 0 and w.result["page_failures"] == 0
    w.controls["fit"].value = "best"
    w.controls["page_size"].value = 65536
    assert w.title.startswith("best-fit segments vs 64 KiB pages")
    assert w.result["page_failures"] > w.result["seg_failures"]  # big pages: internal waste wins
    assert len(w.figure.axes) == 2


def test_widgets_redraw_one_figure_and_each_frame_equals_a_full_draw():
    from gomem.viz.render import png_bytes
    w = fault_curve_widget(seed=1, n_refs=300)
    fig = w.figure
    w.png
    draws = fig.canvas.full_draws
    # fixed axes: only curves, marks, legends and title move, drawn over the static layer
    for name, value in (("frames", 2), ("frames", 31), ("working_set", 40), ("policy", "fifo"),
                        ("policy", "opt"), ("working_set", 4), ("frames", 48)):
        w.controls[name].value = value
        assert w.figure is fig and w.png == png_bytes(fig, fresh=True)
        draws += 1   # the fresh one
    assert fig.canvas.full_draws == draws
    assert "OPT" in w.title and "48 frames" in w.title
    legend = fig.axes[0].get_legend()   # relabelled and recoloured in place
    assert legend.get_texts()[0].get_text() == "OPT"
    assert legend.legend_handles[0].get_color() == viz.POLICY_COLORS["opt"]
    w = fragmentation_widget(seed=0, n_ops=100)
    fig = w.figure
    w.png
    draws = fig.canvas.full_draws
    for name, value in (("page_size", 65536), ("fit", "best"), ("page_size", 1024)):
        w.controls[name].value = value
        assert w.png == png_bytes(fig, fresh=True)
        draws += 1
    assert fig.canvas.full_draws == draws
    for w, name, value in ((walk_widget(), "layout", "32-bit 1-level 20+12"),
                           (walk_widget(), "address", "0x0"),
                           (page_size_widget([1000, 5000]), "page_size", 1 << 20)):
        fig = w.figure
        w.controls[name].value = value
        assert w.figure is fig and w.png == png_bytes(fig, fresh=True)


def test_a_saved_fault_curve_keeps_its_title():
    import io

    def saved(title):
        fig = viz.plot_fault_curve([2, 4], {"lru": [9, 3]}, 10, current=3, title=title)
        out = io.BytesIO()
        fig.savefig(out, format="png")   # what the notebook's inline backend does
        return out.getvalue()

    assert saved("a title") != saved("")


def test_static_plots_return_figures():
    fr = list(range(1, 6))
    fig = viz.plot_fault_counts(fr, {p: fault_curve(BELADY, fr, p) for p in POLICIES}, "B")
    heights = [int(b.get_height()) for b in fig.axes[0].patches]
    assert heights[:5] == [12, 12, 9, 10, 5]  # FIFO's bars come first
    k = Kernel(4)
    a = k.spawn("A")
    k.store(a, k.mmap(a, 4096), 1)
    assert viz.plot_address_spaces(k, "t").axes[0].get_title() == "t"
    walk = a.page_table.walk(0x400000)
    assert viz.plot_walk(walk, AddressLayout.x86_64(), "w").axes[0].get_title() == "w"
    assert viz.human_bytes(1536) == "1.5 KiB" and viz.human_bytes(4096) == "4 KiB"


def test_model_layer_imports_no_ui_library():
    import subprocess
    import sys
    code = ("import sys, gomem.vm; bad = [m for m in sys.modules if m.split('.')[0] in "
            "('matplotlib', 'ipywidgets', 'IPython')]; print(bad)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
