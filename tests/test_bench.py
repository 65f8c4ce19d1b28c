"""gomem bench runs end to end (short mode) and reports every case; times are not asserted."""

from gomem.bench import cases, cli


def test_short_bench_reports_every_case(capsys, tmp_path):
    rep = cli.main_report(short=True)
    names = [c["name"] for c in rep["cases"]]
    assert all(n in names for n in cases.MALLOC_CASES)
    assert any(n.startswith("bulk replay") for n in names) and any(n.startswith("gc cycle") for n in names)
    assert all(c["gomem_ns_per_op"] > 0 for c in rep["cases"])
    if rep["go_version"]:
        assert all(c["ratio"] and c["go_ns_per_op"] > 0 for c in rep["cases"])
    assert [p["heap_mib"] for p in rep["ns_per_malloc_vs_heap_mib"]] == [1, 4, 16, 64]
    assert rep["memory"]["heap_inuse"] >= 64 << 20 and rep["memory"]["spans"] > 8000
    assert {w["widget"] for w in rep["widgets"]} >= {"vm.fault_curve_widget", "vm.walk_widget"}
    assert all(w["median_ms"] > 0 for w in rep["widgets"])
    cli.print_report(rep)
    out = capsys.readouterr().out
    assert "gomem/Go" in out and "MiB simulated heap" in out


def test_nbval_floor_runs_stand_ins_in_the_same_harness(tmp_path):
    import nbformat
    from pathlib import Path
    root = Path(__file__).resolve().parents[1]
    lesson = tmp_path / "lessons" / "one.ipynb"
    lesson.parent.mkdir()
    nbformat.write(nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_markdown_cell("# a lesson"), nbformat.v4.new_code_cell("import json"),
        nbformat.v4.new_code_cell("x = sum(range(10))")]), lesson)
    rep = cases.nbval_vs_floor([str(lesson)], root, repeats=1, scratch=tmp_path / "stand-ins")
    assert rep["notebooks"] == 1 and all(len(ts) == 1 for ts in rep["runs_s"].values())
    assert rep["floor_s"] == min(rep["runs_s"]["floor"])
    nb, fl = rep["nbval_s"], rep["floor_s"]                  # both rounded to 0.1 s
    assert (nb - 0.05) / (fl + 0.05) - 0.01 <= rep["ratio"] <= (nb + 0.05) / (fl - 0.05) + 0.01
    su = rep["setup_floor_s"]
    assert (su - 0.05) / (fl + 0.05) - 0.01 <= rep["best_ratio"] <= (su + 0.05) / (fl - 0.05) + 0.01
    stand_in = tmp_path / "stand-ins"
    floor = nbformat.read(stand_in / "floor" / "lessons" / "one.ipynb", as_version=4)
    setup = nbformat.read(stand_in / "setup" / "lessons" / "one.ipynb", as_version=4)
    assert [c.source for c in floor.cells] == ["pass"]
    assert [c.source for c in setup.cells] == ["import json"]      # the first code cell


def test_nbval_floor_reports_a_failing_notebook(tmp_path):
    import nbformat
    import pytest
    from pathlib import Path
    bad = tmp_path / "bad.ipynb"
    cell = nbformat.v4.new_code_cell("print(1)")
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="2\n")]   # stale
    nbformat.write(nbformat.v4.new_notebook(cells=[cell]), bad)
    with pytest.raises(RuntimeError, match="nbval failed(.|\n)*1 failed"):
        cases.nbval_vs_floor([str(bad)], Path(__file__).resolve().parents[1], repeats=1,
                             scratch=tmp_path / "stand-ins")


def test_steady_speed_scales_each_probe_by_the_machine_speed_beside_it(monkeypatch):
    import pytest
    refs = iter([10.0] * 3 + [20.0] * 3)      # the machine ran at half speed for size 2
    monkeypatch.setattr(cases, "reference_ns", lambda n: next(refs))
    (s1, ns1, steady1), (s2, ns2, steady2) = cases.ns_vs_heap_size([1, 2], probe=200, probes=3)
    assert (s1, s2) == (1, 2) and ns1 > 0 and ns2 > 0
    assert steady1 == pytest.approx(ns1 * 15 / 10) and steady2 == pytest.approx(ns2 * 15 / 20)


def test_heap_size_plot_shows_measured_and_steady_costs():
    import matplotlib
    matplotlib.use("Agg")
    from gomem.viz.bench import plot_ns_vs_heap
    fig = plot_ns_vs_heap([(1, 900.0, 800.0), (4, 1000.0, 820.0)], go_ns=40.0)
    ax = fig.axes[0]
    steady, measured, target = ax.get_lines()
    assert list(steady.get_ydata()) == [800.0, 820.0] and list(measured.get_ydata()) == [900.0, 1000.0]
    assert target.get_ydata()[0] == 2000.0 and ax.get_ylim()[1] >= 2000.0
