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
