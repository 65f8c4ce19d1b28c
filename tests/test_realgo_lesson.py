"""Lesson 08's API, pictures and widget, without a browser (and mostly without Go)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest

from gomem.realgo import lesson
from gomem.realgo.errors import NoToolchainError, ProbeTimeoutError
from gomem.viz import realgo as viz
from gomem.viz.render import png_bytes
from gomem.widgets.realgo import workload_widget


@pytest.fixture(scope="module")
def rec():
    return lesson.Source("recorded")


# ---- the API ---------------------------------------------------------------------------

def test_recorded_source_says_what_it_is(rec):
    assert not rec.live and rec.kind == "recorded"
    text = rec.describe()
    assert text.startswith("RECORDED: these Go numbers were measured earlier with go1.27.3")
    assert 'pip install -e ".[go]"' in text


def test_live_source_without_toolchain_raises(monkeypatch):
    monkeypatch.setenv("GOMEMGO", "/nonexistent/go")
    with pytest.raises(NoToolchainError):
        lesson.Source("live")
    auto = lesson.Source()
    assert not auto.live and "no Go toolchain found" in auto.describe()


def test_check_workload_recorded(rec):
    wl = lesson.check_workload(rec, "classic", 24, 2000, False)
    assert wl.ok and wl.sizeclass == 3 and not wl.greenteagc
    assert wl.nelems["model"] == wl.nelems["go"] == 336 and wl.nelems["table"] == 341
    assert wl.residual == 8192 == wl.slack
    tiny = lesson.check_workload(rec, "greentea", 8, 3000, True)
    assert tiny.nelems["class"] == 2 and tiny.ok


def test_choose_workload_nearest_recorded():
    w, note = lesson.choose_workload(513, 5, True, live=False)
    assert w["name"] == "same-513-noscan" and "recorded with 2000 objects" in note
    w, note = lesson.choose_workload(520, 5, False, live=True)
    assert w["ops"][0] == {"op": "alloc", "size": 520, "count": 5, "noscan": False} and not note
    with pytest.raises(ValueError, match="multiple of 8"):
        lesson.choose_workload(20, 5, False, live=True)


def test_nelems_by_version():
    rows = {r["size"]: r for r in lesson.nelems_by_version()}
    assert (rows[24]["go1.21"], rows[24]["go1.22-1.25"], rows[24]["go1.26+"]) == (341, 336, 330)
    assert (rows[512]["go1.21"], rows[512]["go1.26+"]) == (16, 15)


# ---- pictures (data, not pixels) ---------------------------------------------------------

def test_workload_bars_data(rec):
    wl = lesson.check_workload(rec, "greentea", 24, 2000, False)
    bars = viz.workload_bars(wl)
    assert bars["bytes"] == [("HeapAlloc", 48000, 48000, "same"),
                             ("TotalAlloc", 48000, 48000, "same"),
                             ("HeapInuse", 57344, 49152, "slack")]
    assert ("class 3 mallocs", 2000, 2000, "same") in bars["counts"]
    assert ("objects per span", 330, 330, "same") in bars["counts"]
    assert [b[3] for b in bars["not_compared"]] == ["not compared"] * 3
    fig = viz.plot_workload(wl, "t")
    assert fig.get_suptitle() == "t" and len(fig.axes) == 2
    assert not any(a.get_animated() for a in fig.findobj())   # savefig would leave them out
    plt.close(fig)


def test_roundup_plot_titles_count_agreement(rec):
    ru = lesson.check_roundup(rec, "greentea")
    fig = viz.plot_roundup(ru.rows)
    assert fig.axes[1].get_title() == "every request of the sweep: 2521 of 2521 the same"
    plt.close(fig)
    bad = [dict(r, go=r["go"] + 8) if r["size"] == 100 else r for r in ru.rows]
    fig = viz.plot_roundup(bad)
    assert "2520 of 2521" in fig.axes[1].get_title()
    plt.close(fig)


# ---- the widget ----------------------------------------------------------------------------

def test_widget_recorded_follows_its_controls(rec):
    w = workload_widget(rec)
    assert w.updates == 1 and w.error is None
    assert w.title == ("2000 x 24 B pointerful objects, Green Tea GC (default build): gomem vs "
                       "RECORDED go1.27.3 - agree")
    assert w.status.startswith("RECORDED: go1.27.3 results shipped with gomem")
    assert "HeapInuse" in w.table
    w.controls["mode"].value = "classic"
    assert w.result.mode == "classic" and w.result.nelems["go"] == 336 and "classic GC" in w.title
    w.controls["size"].value = 20          # pointerful: rounded down to 16, nearest recorded
    assert "pointerful sizes are multiples of 8: using 16 B" in w.status
    assert "nearest recorded one" in w.status and w.result.ok
    w.controls["pointers"].value = False
    w.controls["size"].value = 32760
    assert (w.result.size, w.result.noscan, w.result.count) == (32760, True, 60)
    assert w.updates == 5


def test_widget_updates_one_figure_in_place(rec):
    w = workload_widget(rec)
    fig = w.figure
    assert fig.axes[0].get_animated() and fig.axes[1].get_animated()
    # (control, value, rows of counts, legend shows Go's allowed range)
    for name, value, rows, ranged in (("pointers", False, 5, True), ("size", 32760, 4, True),
                                      ("size", 100000, 4, False), ("size", 8, 5, True)):
        w.controls[name].value = value
        assert w.figure is fig and len(fig.axes[1].get_yticks()) == rows
        assert len(fig.axes[1].patches) == 2 * rows and len(fig.legends) == 1
        legend = [t.get_text() for t in fig.legends[0].get_texts()]
        assert ("Go's allowed range (spans it held before)" in legend) == ranged
        assert w.png == png_bytes(fig, fresh=True)
    draws = fig.canvas.full_draws
    w.controls["mode"].value = "classic"     # rows change, the legend stays: panels redrawn only
    assert len(fig.axes[1].get_yticks()) == 4 and "classic GC" in w.title
    w.png
    assert fig.canvas.full_draws == draws


def test_widget_shows_probe_errors_and_keeps_the_last_plot(rec, monkeypatch):
    w = workload_widget(rec)
    fig = w.figure

    def boom(*a, **k):
        raise ProbeTimeoutError("./probe workload", 60)
    monkeypatch.setattr(lesson, "check_workload", boom)
    w.controls["count"].value = 10
    assert "timed out after 60 s" in w.error and w.figure is fig and w.updates == 1


@pytest.mark.go
def test_widget_live(monkeypatch):
    try:
        src = lesson.Source("live")
    except NoToolchainError as err:
        pytest.skip(f"no Go toolchain: {err}")
    with src:
        w = workload_widget(src, size=112, count=700)
        assert w.status.startswith("LIVE: ") and w.result.ok and w.result.count == 700
        w.controls["pointers"].value = False
        w.controls["size"].value = 12          # tiny allocator
        assert w.result.ok and w.result.go["mallocs"] == 700


@pytest.mark.go
def test_widget_builds_both_modes_probes_ahead():
    try:
        src = lesson.Source("live")
    except NoToolchainError as err:
        pytest.skip(f"no Go toolchain: {err}")
    with src:
        workload_widget(src, size=48, count=100)
        src._prepare.join(timeout=600)                 # the background build
        assert set(src._probes) == set(lesson.MODES) and set(src._info) == set(lesson.MODES)
        assert {src.info(m)["greenteagc"] for m in lesson.MODES} == {True, False}


def test_prepare_does_nothing_for_recorded_answers():
    src = lesson.Source("recorded")
    src.prepare()
    assert src._prepare is None and not src._probes


def test_a_built_probe_is_served_while_another_mode_builds():
    """The widget builds the other GC mode's probe in the background; the shown mode's
    probe, already built, must not wait for that build's lock."""
    import threading
    from pathlib import Path

    src = lesson.Source("recorded")
    src._probes["greentea"] = Path("greentea-probe")      # as if built
    got = []
    with src._building:                                    # a build in progress
        t = threading.Thread(target=lambda: got.append(src._probe("greentea")), daemon=True)
        t.start()
        t.join(timeout=5)
    assert got == [Path("greentea-probe")]
