"""``gomem realgo``: output, exit codes, the JSON report, every error path, and live runs."""

from __future__ import annotations

import copy
import json
import os
import time
from pathlib import Path

import pytest

from gomem.cli import main
from gomem.realgo import lesson, model
from gomem.realgo.errors import NoToolchainError
from gomem.realgo.toolchain import find_toolchain

posix_only = pytest.mark.skipif(os.name == "nt", reason="fake tools are POSIX shell scripts")


def realgo(capsys, *args):
    rc = main(["realgo", *args])
    out, err = capsys.readouterr()
    return rc, out, err


@pytest.fixture
def no_go(monkeypatch):
    """No toolchain: GOMEMGO names a go that does not exist (find_toolchain fails)."""
    monkeypatch.setenv("GOMEMGO", "/nonexistent/go")


def doctored(monkeypatch, edit):
    """Make the recorded fixtures say something else: ``edit(mode, doc)`` changes a copy."""
    real = lesson.load_recorded
    cache = {}

    def load(mode):
        if mode not in cache:
            cache[mode] = copy.deepcopy(real(mode))
            edit(mode, cache[mode])
        return cache[mode]
    monkeypatch.setattr(lesson, "load_recorded", load)


# ---- agreement with the recorded runtime ------------------------------------------------

def test_recorded_both_modes_agree_and_say_they_are_recorded(capsys):
    rc, out, err = realgo(capsys, "--recorded", "--mode", "both")
    assert rc == 0, out + err
    assert "RECORDED" in out and "go1.27.3 linux/amd64" in out
    assert 'pip install -e ".[go]"' in out
    assert "greentea: AGREE" in out and "classic: AGREE" in out
    assert "gomem agrees with the recorded Go runtime." in out
    # one row per slot: 67 classes + the large sizes, not 2521 rows
    rows = [line for line in out.splitlines() if line.rstrip().endswith("| ok")]
    assert 67 < len(rows) < 80
    assert "   33     1152 | 1025..1152 (128)" in out          # header: 1024 B scan -> 1144
    assert "1024..1144 (16)          1144     1144 | ok" in out
    assert "objects per span (nelems)             330        330  same" in out
    assert "objects per span (nelems)             336        336  same" in out   # classic


def test_no_toolchain_falls_back_to_recorded_and_says_how_to_install(capsys, no_go):
    rc, out, err = realgo(capsys)
    assert rc == 0 and err == ""
    first = out.splitlines()[1]
    assert first.startswith("RECORDED: these Go numbers were measured earlier with go1.27.3")
    assert "no Go toolchain found" in first
    assert 'pip install -e ".[go]"' in out


def test_live_flag_without_toolchain_is_an_error_not_a_traceback(capsys, no_go):
    rc, out, err = realgo(capsys, "--live")
    assert rc == 2 and out == ""
    assert err.startswith("gomem realgo: error: no Go toolchain found")
    assert 'pip install -e ".[go]"' in err and "Traceback" not in err


def test_workload_table_rows(capsys):
    rc, out, _ = realgo(capsys, "--recorded", "--size", "100000", "--count", "60")
    assert rc == 0
    assert "60 x 100000 B pointerful objects (large object, own span)" in out
    assert "large (class 0) mallocs/frees        60/0       60/0  same" in out
    assert "HeapReleased" in out and "not compared" in out


def test_recorded_substitute_is_announced(capsys):
    rc, out, _ = realgo(capsys, "--recorded", "--size", "100", "--noscan", "--count", "7")
    assert rc == 0
    assert ("note: no recorded workload of 100 B pointer-free objects; showing the nearest "
            "recorded one, 2000 x 64 B pointer-free") in out
    rc, out, _ = realgo(capsys, "--recorded", "--size", "24", "--count", "7")
    assert "note: recorded with 2000 objects (you asked for 7)" in out


# ---- disagreement -> exit 1 --------------------------------------------------------------

def test_a_wrong_model_roundup_is_caught(capsys, monkeypatch):
    real = model.roundupsize
    monkeypatch.setattr(model, "roundupsize",
                        lambda n, noscan: real(n, noscan) + (16 if n == 25 else 0))
    rc, out, _ = realgo(capsys, "--recorded")
    assert rc == 1
    assert "roundupsize(25, noscan): model 48, Go 32" in out
    assert "    4       32 | 25..32 (8)" in out and "| DIFFERS" in out
    assert "greentea: DISAGREE - 2520/2521 reserved sizes" in out


def test_a_doctored_count_is_caught(capsys, monkeypatch):
    def edit(mode, doc):
        snap = doc["workloads"]["same-24-scan"][0]
        snap["mallocs"] += 1
    doctored(monkeypatch, edit)
    rc, out, _ = realgo(capsys, "--recorded", "--mode", "both")
    assert rc == 1
    assert "greentea: same-24-scan/end: mallocs model 2000, Go 2001" in out
    assert "classic: same-24-scan/end: mallocs model 2000, Go 2001" in out
    assert "Mallocs                              2000       2001  DIFFERS" in out


@pytest.mark.parametrize("delta, ok", [(-8192, True), (-16384, False), (+8192, False)])
def test_heap_inuse_may_only_be_lower_by_pre_existing_spans(capsys, monkeypatch, delta, ok):
    # recorded: Go 49152 = model 57344 - one span; push Go one more span down, or up
    def edit(mode, doc):
        doc["workloads"]["same-24-scan"][0]["heap_inuse"] += delta + 8192
    doctored(monkeypatch, edit)
    rc, out, _ = realgo(capsys, "--recorded")
    assert rc == (0 if ok else 1), out
    if not ok:
        assert "heap_inuse model 57344" in out and "(allowed slack 0..8192)" in out


def test_wrong_gc_mode_nelems_is_caught(capsys, monkeypatch):
    # the classic span layout's address runs, labelled Green Tea
    real = lesson.load_recorded
    classic_nelems = real("classic")["nelems"]

    def load(mode):
        doc = copy.deepcopy(real(mode))
        if mode == "greentea":
            doc["nelems"] = classic_nelems
        return doc
    monkeypatch.setattr(lesson, "load_recorded", load)
    rc, out, _ = realgo(capsys, "--recorded")
    assert rc == 1
    assert "nelems class 3 scan: model 330, Go runs [1, 322, 336, 336, 37]" in out


# ---- the JSON report ---------------------------------------------------------------------

def test_json_report_schema(capsys, tmp_path):
    path = tmp_path / "report.json"
    rc, out, _ = realgo(capsys, "--recorded", "--mode", "both", "--json", str(path))
    assert rc == 0 and f"JSON report: {path}" in out
    doc = json.loads(path.read_text())
    assert doc["schema"] == "gomem-realgo/1" and doc["ok"] is True
    assert doc["source"] == "recorded" and doc["toolchain"] is None and doc["model"] == "go1.27"
    assert doc["settings"] == {"GOGC": "off", "GOMAXPROCS": "1"} and doc["mismatches"] == []
    assert set(doc["modes"]) == {"greentea", "classic"}
    for mode, m in doc["modes"].items():
        assert m["ok"] and m["greenteagc"] == (mode == "greentea")
        assert m["go_version"].startswith("go1.27.3")
        ru = m["roundup"]
        assert ru["checked"] == ru["agree"] == len(ru["rows"]) == 2521
        assert set(ru["rows"][0]) == {"size", "noscan", "model", "go"}
        wl = m["workload"]
        assert (wl["size"], wl["count"], wl["noscan"], wl["sizeclass"]) == (24, 2000, False, 3)
        assert wl["heap_inuse_slack"] == 8192 and wl["mismatches"] == []
        fields = {f["field"]: f for f in wl["fields"]}
        assert fields["heap_alloc"] == {"field": "heap_alloc", "go_name": "HeapAlloc",
                                        "model": 48000, "go": 48000, "rule": "exact", "ok": True}
        assert fields["heap_sys"]["rule"] == "not compared"
        assert wl["classes"] == [{"class": 3, "slot": 24, "model": [2000, 0], "go": [2000, 0]}]
        assert wl["nelems"]["model"] == wl["nelems"]["go"] == (330 if mode == "greentea" else 336)
        assert wl["snapshots"][0]["residual"] == 8192


def test_json_report_says_disagreement(capsys, tmp_path, monkeypatch):
    doctored(monkeypatch, lambda mode, doc: doc["workloads"]["same-24-scan"][0].update(frees=5))
    path = tmp_path / "r.json"
    rc, _, _ = realgo(capsys, "--recorded", "--json", str(path))
    doc = json.loads(path.read_text())
    assert rc == 1 and doc["ok"] is False
    assert doc["mismatches"] == ["greentea: same-24-scan/end: frees model 0, Go 5"]


# ---- bad arguments -----------------------------------------------------------------------

@pytest.mark.parametrize("args, msg", [
    (["--size", "0"], "object size must be at least 1 byte"),
    (["--size", "20"], "multiple of 8"),
    (["--count", "0"], "count must be 1..200,000"),
    (["--size", "100000", "--count", "5000"], "more than 256 MiB"),
])
def test_bad_workload_arguments(capsys, args, msg):
    rc, out, err = realgo(capsys, "--recorded", *args)
    assert rc == 2 and out == "" and msg in err and err.startswith("gomem realgo: error:")


def test_unwritable_json_path(capsys, tmp_path):
    rc, _, err = realgo(capsys, "--recorded", "--json", str(tmp_path / "no" / "such" / "f.json"))
    assert rc == 2 and "cannot write" in err


# ---- toolchain errors, with a fake go (no real Go needed) ---------------------------------

def fake_go(tmp_path: Path, build: str, probe: str = "") -> Path:
    """A ``go`` that answers ``version`` and runs ``build`` for ``go build -o OUT src``;
    the probe it "builds" is the shell script ``probe``."""
    (tmp_path / "fakeprobe").write_text("#!/bin/sh\n" + probe + "\n")
    go = tmp_path / "go"
    go.write_text(f"""#!/bin/sh
if [ "$1" = version ]; then echo "go version go1.27.3 fake/amd64"; exit 0; fi
if [ "$1" = build ]; then
{build}
fi
exit 3
""")
    go.chmod(0o755)
    return go


def copy_probe(tmp_path):
    return f'cp "{tmp_path}/fakeprobe" "$3"; chmod +x "$3"; exit 0'


@posix_only
def test_build_failure_shows_the_compiler_output(capsys, tmp_path, monkeypatch):
    go = fake_go(tmp_path, "echo './probe.go:12:2: undefined: frobnicate' >&2; exit 1")
    monkeypatch.setenv("GOMEMGO", str(go))
    rc, out, err = realgo(capsys)
    assert rc == 2 and out == ""
    assert err.startswith("gomem realgo: error: building the Go probe failed")
    assert "./probe.go:12:2: undefined: frobnicate" in err and "Traceback" not in err


@posix_only
def test_probe_timeout(capsys, tmp_path, monkeypatch):
    go = fake_go(tmp_path, copy_probe(tmp_path), probe="sleep 30")
    monkeypatch.setenv("GOMEMGO", str(go))
    t0 = time.monotonic()
    rc, out, err = realgo(capsys, "--timeout", "0.5")
    assert time.monotonic() - t0 < 10
    assert rc == 2 and out == ""
    assert "Go probe timed out after 0.5 s and was killed" in err


@posix_only
def test_probe_garbage(capsys, tmp_path, monkeypatch):
    go = fake_go(tmp_path, copy_probe(tmp_path), probe="echo 'fatal error: out of memory'")
    monkeypatch.setenv("GOMEMGO", str(go))
    rc, out, err = realgo(capsys)
    assert rc == 2 and out == ""
    assert "printed something that is not JSON" in err and "fatal error: out of memory" in err


@posix_only
def test_probe_crash_shows_its_stderr(capsys, tmp_path, monkeypatch):
    go = fake_go(tmp_path, copy_probe(tmp_path), probe="echo 'probe: bad JSON input' >&2; exit 2")
    monkeypatch.setenv("GOMEMGO", str(go))
    rc, _, err = realgo(capsys)
    assert rc == 2 and "exited with status 2" in err and "probe: bad JSON input" in err


# ---- Go versions --------------------------------------------------------------------------

def test_version_notes_for_older_go():
    assert lesson.version_notes("go1.27.3") == []
    n125 = " ".join(lesson.version_notes("go1.25.4"))
    assert "Green Tea GC is not the default" in n125 and "malloc headers" not in n125
    n121 = " ".join(lesson.version_notes("go1.21.13"))
    assert "no malloc headers" in n121 and "nogreenteagc does not exist" in n121


def test_effective_gc_mode_on_older_go():
    assert lesson.effective_greenteagc({"go_version": "go1.27.3", "greenteagc": True,
                                        "goexperiment": ""})
    # the probe assumes go1.27 and says True; go1.25's default build is classic
    assert not lesson.effective_greenteagc({"go_version": "go1.25.1", "greenteagc": True,
                                            "goexperiment": ""})
    assert lesson.effective_greenteagc({"go_version": "go1.25.1-X:greenteagc",
                                        "greenteagc": True, "goexperiment": "greenteagc"})


def test_default_sweep_is_quick_and_recorded():
    sweep = lesson.default_sweep()
    assert list(range(1, 2049)) == sweep["noscan"][:2048]
    assert {32760, 32761, 32768, 32769, 10_000_000} <= set(sweep["noscan"])
    assert all(n % 8 == 0 for n in sweep["scan"]) and 1144 in sweep["scan"]
    assert len(sweep["noscan"]) + len(sweep["scan"]) == 2521
    rec = lesson.load_recorded("greentea")["roundup"]
    assert all(str(n) in rec[k] for k in sweep for n in sweep[k])


# ---- live (needs Go) -------------------------------------------------------------------

def toolchain_or_skip():
    try:
        return find_toolchain()
    except NoToolchainError as err:
        pytest.skip(f"no Go toolchain (pip install -e '.[go]'): {err}")


@pytest.mark.go
def test_live_default_sweep_both_modes_agrees(capsys, tmp_path):
    tc = toolchain_or_skip()
    path = tmp_path / "live.json"
    t0 = time.perf_counter()
    rc, out, err = realgo(capsys, "--live", "--mode", "both", "--json", str(path))
    elapsed = time.perf_counter() - t0
    assert rc == 0, out + err
    assert out.splitlines()[1].startswith("LIVE: measured now with " + tc.version)
    doc = json.loads(path.read_text())
    assert doc["source"] == "live" and doc["toolchain"]["version"] == tc.version
    assert all(m["roundup"]["agree"] == 2521 for m in doc["modes"].values())
    with capsys.disabled():
        print(f"\n  gomem realgo --live --mode both (default sweep): {elapsed:.1f} s, {tc.version}")
    assert elapsed < 300


@pytest.mark.go
@pytest.mark.parametrize("args", [["--size", "8", "--noscan", "--count", "5000"],
                                  ["--size", "520", "--count", "300", "--mode", "classic"],
                                  ["--size", "32768", "--count", "40", "--noscan"]])
def test_live_learner_workloads_agree(capsys, args):
    toolchain_or_skip()
    rc, out, err = realgo(capsys, "--live", *args)
    assert rc == 0, out + err
