"""The model against the real Go runtime: recorded fixtures always, live probes with Go."""

import json
import tempfile
from pathlib import Path

import pytest

from gomem.realgo import compare, workloads
from gomem.realgo.errors import NoToolchainError
from gomem.realgo.record import RECORDED, record_mode
from gomem.realgo.toolchain import find_toolchain

MODES = ("greentea", "classic")


def recorded(mode):
    return json.loads((RECORDED / f"{mode}.json").read_text())


@pytest.mark.parametrize("mode", MODES)
def test_model_agrees_with_recorded_runtime(mode):
    report = compare.compare_all(recorded(mode), workloads.standard())
    assert report.mismatches == []
    assert report.checked["roundup sizes"] == 45_010
    assert report.checked["span classes (nelems)"] >= 95
    assert report.checked["workload snapshots"] == 44
    print(mode, report.checked, "heap_inuse residuals (model - Go):",
          {k: v for k, v in report.residuals.items() if v})


def test_recorded_fixtures_are_the_modes_they_claim():
    assert recorded("greentea")["info"]["greenteagc"] is True
    assert recorded("classic")["info"]["greenteagc"] is False
    assert recorded("greentea")["info"]["go_version"].startswith("go1.27")


def test_comparison_catches_the_wrong_gc_mode():
    # The Green Tea record held against the classic layout: nelems must disagree.
    doc = recorded("greentea")
    doc["info"] = dict(doc["info"], greenteagc=False)
    report = compare.compare_all(doc, [])
    assert any(m.startswith("nelems class") for m in report.mismatches)


def test_comparison_catches_a_wrong_count():
    doc = recorded("classic")
    snaps = doc["workloads"]["tiny-12"]
    snaps[0] = dict(snaps[0], mallocs=snaps[0]["mallocs"] + 1)
    report = compare.compare_all(doc, [w for w in workloads.standard() if w["name"] == "tiny-12"])
    assert report.mismatches == ["tiny-12/end: mallocs model 3000, Go 3001"]


def toolchain_or_skip():
    try:
        return find_toolchain()
    except NoToolchainError as err:
        pytest.skip(f"no Go toolchain: {err}")


@pytest.mark.go
@pytest.mark.parametrize("mode", MODES)
def test_model_agrees_with_live_runtime(mode):
    tc = toolchain_or_skip()
    with tempfile.TemporaryDirectory() as tmp:
        live = record_mode(mode, Path(tmp), tc.go)
    report = compare.compare_all(live, workloads.standard())
    assert report.mismatches == []
    print(mode, tc.version, report.checked)
