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
    assert abs(rep["ratio"] - rep["nbval_s"] / rep["floor_s"]) < 0.05
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
