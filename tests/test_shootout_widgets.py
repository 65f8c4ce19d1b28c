"""Lesson 09: the shoot-out widget follows its controls; the plots draw the replay data."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from gomem.shootout import compare, generate, replay  # noqa: E402
from gomem.viz import shootout as viz  # noqa: E402
from gomem.viz.render import png_bytes  # noqa: E402
from gomem.widgets.shootout import LONG_OPS, shootout_widget  # noqa: E402


def test_widget_shows_parameters_and_seed():
    w = shootout_widget(seed=3)
    r = w.result
    assert [x.policy for x in r["results"]] == ["go", "first-fit", "best-fit"]
    assert w.title.startswith("trace 'small' (seed 3): 2000 ops = ")
    assert "GOGC=100" in w.title and "first-fit" in w.title
    assert w.progress.value == 100 and w.replays == 3
    assert w.table_html.count("<tr>") == 4 and "small-2000-s3" in w.table_html
    w.controls["shape"].value = "server"
    w.controls["policies"].value = "Go only"
    assert w.title.startswith("trace 'server' (seed 3)") and len(w.result["results"]) == 1
    w.controls["gogc"].value = 400
    assert "GOGC=400" in w.title and w.result["results"][0].label == "Go GOGC=400"


def test_widget_results_equal_a_direct_replay():
    w = shootout_widget(seed=1, shape="growing", ops=1000)
    direct = compare(generate("growing", 1000, 1))
    for got, want in zip(w.result["results"], direct):
        assert (got.peak_heap, got.peak_payload, got.at_peak, got.gcs) == \
            (want.peak_heap, want.peak_payload, want.at_peak, want.gcs)


def test_widget_caches_replays_and_figures():
    w = shootout_widget(seed=2)
    first = w.figure
    w.controls["shape"].value = "bimodal"
    runs = w.replays
    w.controls["shape"].value = "small"
    assert w.replays == runs and w.figure is first            # nothing replayed, one figure
    w.controls["policies"].value = "first-fit only"           # a subset: all cached
    assert w.replays == runs


def test_widget_flags_replays_of_long_traces():
    w = shootout_widget(seed=2, ops=1000, policies="first-fit only")
    assert not w.long_update
    w.controls["ops"].value = LONG_OPS                        # replayed: a long update
    assert w.long_update and w.replays == 2
    w.controls["ops"].value = 1000                            # cached: short
    assert not w.long_update and w.replays == 2
    w.controls["ops"].value = LONG_OPS                        # cached, however long
    assert not w.long_update


def test_widget_updates_one_figure_in_place():
    w = shootout_widget(seed=2)
    fig = w.figure
    top, bot = fig.axes
    assert not top.get_animated() and all(ln.get_animated() for ln in top.get_lines())
    assert all(p.get_animated() for p in bot.patches) and fig._suptitle.get_animated()
    w.png
    moves = (("gogc", 200), ("seed", 3), ("shape", "server"), ("ops", 1000),
             ("policies", "Go only"), ("seed", 4), ("policies", "first-fit only"),
             ("policies", "Go only"), ("shape", "bimodal"), ("ops", 2000), ("seed", 5),
             ("policies", "Go vs first-fit vs best-fit"), ("shape", "server"), ("gogc", 400))
    for name, value in moves:
        draws = fig.canvas.full_draws
        w.controls[name].value = value
        w.png
        assert w.figure is fig and w.title.startswith(f"trace '{w.params()['shape']}' "
                                                      f"(seed {w.params()['seed']})")
        assert fig.canvas.full_draws == draws, (name, value)   # the axes were restored
        # the key lists the curves shown, in order
        listed = [label.get_text() for _, label in w.plot.timeline.key.slots
                  if label.get_visible()]
        assert listed == [ln.get_label() for ln in top.get_lines()
                          if ln.get_visible() and not ln.get_label().startswith("_")]
        assert w.png == png_bytes(fig, fresh=True)     # the same picture as a full redraw
    w.controls["policies"].value = "Go vs first-fit vs best-fit"
    w.controls["gogc"].value = 100
    w.controls["shape"].value = "server"                      # Go keeps idle pages
    parts = [label.get_text() for _, label in w.plot.key.slots if label.get_visible()]
    assert parts[-1] == "idle pages (Go; not in heap_inuse)" and len(parts) == 6
    shown = [ln.get_label() for ln in top.get_lines() if ln.get_visible()]
    assert "Go GOGC=100: heap + idle pages" in shown
    assert w.png == png_bytes(fig, fresh=True)


def test_widget_progress_bar_moves_during_a_replay():
    w = shootout_widget(seed=4, ops=1000)
    seen = []
    w.progress.observe(lambda ch: seen.append(ch["new"]), names="value")
    w.controls["seed"].value = 5
    assert seen and seen[-1] == 100 and len(set(seen)) > 10
    assert seen == sorted(seen)                               # one bar over all replays


def test_bad_seed_is_clamped_not_crashing():
    w = shootout_widget()
    w.controls["seed"].value = 10**6                          # BoundedIntText clamps
    assert w.controls["seed"].value == 9999 and w.error is None


def test_replay_plot_draws_the_samples():
    rs = compare(generate("server", 1000, 0))
    fig = viz.plot_replay(rs, "t")
    assert isinstance(fig, Figure) and fig.get_suptitle() == "t"
    assert not any(a.get_animated() for a in fig.findobj())   # savefig would leave them out
    top, bot = fig.axes
    lines = {ln.get_label().split(":")[0]: ln for ln in top.get_lines()
             if ": heap (" in ln.get_label()}
    go = rs[0]
    ytop = int(top.texts[-1].get_text()) * 1024      # the y axis's top, in bytes (KiB)
    assert np.allclose(lines["Go GOGC=100"].get_ydata() * ytop, [s.heap for s in go.samples])
    assert np.isclose(max(lines["first-fit"].get_ydata()) * ytop, rs[1].peak_heap)
    xtop = int(top.texts[4].get_text())               # x values come first: 0 ... ops
    assert xtop == 1000 and np.allclose(lines["first-fit"].get_xdata() * xtop,
                                        [s.op for s in rs[1].samples])
    # the bars: one stack per allocator, summing to its peak heap (+ Go's idle pages)
    widths = {}
    for patch in bot.patches:
        y = round(patch.get_y() + patch.get_height() / 2)
        widths[y] = widths.get(y, 0) + patch.get_width()
    xtop = int(bot.texts[4].get_text()) * 1024       # the tick values come first
    for y, r in enumerate(rs):
        assert np.isclose(widths[y] * xtop, r.peak_heap + r.at_peak["idle"])


def test_other_plots_return_figures():
    t = generate("bimodal", 800, 0)
    rs = compare(t)
    assert viz.plot_timeline(rs, "a").axes[0].get_title() == "a"
    assert viz.plot_breakdown(rs, "b").axes[0].get_title() == "b"
    grid = {s: compare(generate(s, 400, 0)) for s in ("small", "growing")}
    fig = viz.plot_utilisation(grid, "c")
    heights = [p.get_height() for p in fig.axes[0].patches]
    assert np.allclose(sorted(heights), sorted(100 * r.utilisation for v in grid.values() for r in v))
    g = [replay(t, "go", gogc=x) for x in (50, 100, 200)]
    fig = viz.plot_gogc(g, "d")
    assert list(fig.axes[0].get_lines()[0].get_ydata()) == [100 * r.utilisation for r in g]
