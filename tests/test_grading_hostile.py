"""Hostile and broken submissions: each gets a clear per-task result, the grader survives.

All hostile notebooks are graded in one ``gomem grade FOLDER --jobs 2`` run (a module
fixture), which also exercises the folder mode, the gradebook CSV, JSON and JUnit.
"""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path
from xml.etree import ElementTree as ET

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
KEY04 = ROOT / "solutions" / "04_size_classes.ipynb"
BLANK04 = ROOT / "exercises" / "04_size_classes.ipynb"
OUTSIDE = Path("/tmp") / f"gomem-escape-{uuid.uuid4().hex}"


def _nb(base: Path, edit=None, extra=(), drop=()):
    nb = nbformat.read(base, as_version=4)
    cells = [c for c in nb.cells if not any(d in c.source for d in drop)]
    if edit:
        for c in cells:
            for old, new in edit.items():
                c.source = c.source.replace(old, new)
    cells += [nbformat.v4.new_code_cell(src) for src in extra]
    nb.cells = cells
    return nb


ENDLESS_FN = "def size_to_class(size):\n    while True:\n        pass\n\ndef _unused(size):"
DYING_FN = "def make_classes():\n    import os\n    os._exit(3)\n\ndef _unused():"
RAISING_FN = "def size_to_class(size):\n    raise ValueError('boom')\n\ndef _unused(size):"
ALL_PASS = {"04.make_classes": "pass", "04.size_to_class": "pass", "04.roundupsize": "pass"}

HOSTILE = {
    # name: (notebook builder, expected {task: status}, expected score)
    # cells that loop forever, print gigabytes, or kill the kernel: all contained
    "04_hostile_cells": (lambda: _nb(KEY04, extra=[
        "print('x' * 50_000_000)",
        "while True:\n    print('y' * 100_000)",
        "import os\nos._exit(1)",
        "x = bytearray(64 << 30)"]), ALL_PASS, 10),
    # functions that kill the kernel / never return: that task only
    "04_hostile_functions": (lambda: _nb(KEY04, edit={"def make_classes():": DYING_FN,
                                                      "def size_to_class(size):": ENDLESS_FN}),
                             {"04.make_classes": "crashed", "04.size_to_class": "timeout",
                              "04.roundupsize": "pass"}, 3),
    # a deleted function, one that raises, a name that is not a function
    "04_broken_functions": (lambda: _nb(KEY04, edit={"def size_to_class(size):": RAISING_FN},
                                        drop=["def make_classes"],
                                        extra=["roundupsize = 5"]),
                            {"04.make_classes": "missing", "04.size_to_class": "error",
                             "04.roundupsize": "missing"}, 0),
    # a renamed function
    "04_renamed": (lambda: _nb(KEY04, edit={"def size_to_class(": "def size_class(",
                                            "check(\"04.size_to_class\", size_to_class)": ""}),
                   {"04.make_classes": "pass", "04.size_to_class": "missing",
                    "04.roundupsize": "pass"}, 7),
    # a blank exercise whose check and grader helpers are redefined to always pass
    "04_fake_check": (lambda: _nb(BLANK04, extra=[
        "def check(*args, **kwargs):\n    print('✔ all checks pass')",
        "import gomem.grading.judge as j, gomem.grading.cases as c, gomem.grading as g\n"
        "j.judge_task = lambda *a, **k: ('pass', 'ok', None)\n"
        "c.run_case = lambda *a, **k: {'return': 0}\n"
        "g.check = check"]),
        {"04.make_classes": "error", "04.size_to_class": "error", "04.roundupsize": "error"}, 0),
    # answers that call gomem's own implementation (plainly, and through getattr)
    "04_uses_gomem": (lambda: _nb(KEY04, extra=[
        "from gomem.sizeclasses import size_to_class as _ref\n"
        "def size_to_class(size):\n    return _ref(size)",
        "import gomem.sizeclasses as _m\n"
        "def roundupsize(size, noscan):\n    return getattr(_m, 'roundup' + 'size')(size, noscan)"]),
        {"04.make_classes": "pass", "04.size_to_class": "flagged", "04.roundupsize": "flagged"},
        4),
    # ... and through getattr with the call watcher switched off: voided as tampering
    "04_evades_watch": (lambda: _nb(KEY04, extra=[
        "import sys, gomem.sizeclasses as _m\nsys.setprofile = lambda f: None\n"
        "def size_to_class(size):\n"
        "    return getattr(_m, 'class' + '_of')(size) if 0 < size <= 32760 else 0"]),
        {"04.make_classes": "flagged", "04.size_to_class": "flagged",
         "04.roundupsize": "flagged"}, 0),
    # writes, spawns and kills outside the submission's folder
    "04_writes_outside": (lambda: _nb(KEY04, extra=[
        f"open({str(OUTSIDE) + '-abs'!r}, 'w').write('x')",
        "open('../escaped.txt', 'w').write('x')",
        f"import subprocess\nsubprocess.run(['touch', {str(OUTSIDE) + '-sub'!r}])",
        "import os\nos.kill(os.getppid(), 9)",
        "open('inside.txt', 'w').write('fine')"]), ALL_PASS, 10),
}
BROKEN = {
    "04_corrupt.ipynb": '{"cells": [{"cell_type": "code", "source": "x = ',
    "04_plain_text.ipynb": "this is not a notebook\n",
    "04_wrong_json.ipynb": '{"hello": "world"}\n',
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("submissions")
    for name, (build, _, _) in HOSTILE.items():
        nbformat.write(build(), folder / f"{name}.ipynb")
    for name, text in BROKEN.items():
        (folder / name).write_text(text)
    out = tmp_path_factory.mktemp("out")
    cmd = [sys.executable, "-m", "gomem.cli", "grade", str(folder), "--jobs", "2",
           "--timeout", "2", "--json", str(out / "r.json"), "--junit", str(out / "r.xml"),
           "--csv", str(out / "gradebook.csv")]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=out)
    data = json.loads((out / "r.json").read_text())
    by_name = {Path(s["path"]).stem: s for s in data["submissions"]}
    return proc, by_name, out, folder


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_case(graded, name):
    _, results, _, _ = graded
    _, statuses, score = HOSTILE[name]
    sub = results[name]
    got = {t["id"]: t["status"] for t in sub["tasks"]}
    for task, status in statuses.items():
        assert got[task] == status, (task, sub)
    assert sub["score"] == score, sub
    assert sub["max_score"] == 10
    assert all(t["message"] for t in sub["tasks"]), "every task says why"


def test_broken_files_are_ungradable(graded):
    _, results, _, _ = graded
    for name in BROKEN:
        sub = results[Path(name).stem]
        assert sub["score"] == 0 and sub["gradable"] is False
        assert [t["status"] for t in sub["tasks"]] == ["ungradable"] * 3
        assert "not a readable notebook" in sub["tasks"][0]["message"]


def test_messages_say_what_happened(graded):
    _, r, _, _ = graded
    msg = {n: {t["id"]: t["message"] for t in r[n]["tasks"]} for n in r}
    assert "did not return in time" in msg["04_hostile_functions"]["04.size_to_class"]
    assert "kernel died" in msg["04_hostile_functions"]["04.make_classes"]
    assert "ValueError: boom" in msg["04_broken_functions"]["04.size_to_class"]
    assert "renamed or deleted" in msg["04_broken_functions"]["04.make_classes"]
    assert "not a function" in msg["04_broken_functions"]["04.roundupsize"]
    assert "gomem's own implementation" in msg["04_uses_gomem"]["04.size_to_class"]
    assert "gomem.sizeclasses.roundupsize" in msg["04_uses_gomem"]["04.roundupsize"]
    assert "renamed or deleted" in msg["04_renamed"]["04.size_to_class"]
    assert "patches sys.setprofile" in msg["04_evades_watch"]["04.size_to_class"]
    notes = {n: " ".join(r[n]["notes"]) for n in r}
    assert "killed the kernel" in notes["04_hostile_cells"]
    assert "timed out" in notes["04_hostile_cells"]
    assert "MemoryError" in notes["04_hostile_cells"]
    assert "the rest was dropped" in notes["04_hostile_cells"]
    assert "redefines check" in notes["04_fake_check"]
    assert "grader's internals" in notes["04_fake_check"]
    assert "outside the submission's folder" in notes["04_writes_outside"]


def test_writes_outside_are_blocked(graded):
    _, _, _, folder = graded
    assert not Path(str(OUTSIDE) + "-abs").exists()
    assert not Path(str(OUTSIDE) + "-sub").exists()
    assert not (folder.parent / "escaped.txt").exists()
    assert not (folder / "escaped.txt").exists()
    assert not (folder / "inside.txt").exists(), "the kernel ran in a copy, not in place"


def test_exit_code_and_reports(graded):
    proc, results, out, _ = graded
    assert proc.returncode == 1, "ungradable files make the run fail"
    assert "Traceback" not in proc.stderr
    assert "04_uses_gomem.ipynb" in proc.stdout and "total" in proc.stdout
    rows = (out / "gradebook.csv").read_text().splitlines()
    assert rows[0].startswith("path,score,max_score,gradable,04.make_classes")
    assert len(rows) == 1 + len(HOSTILE) + len(BROKEN)
    suites = ET.parse(out / "r.xml").getroot().findall("testsuite")
    assert len(suites) == len(results)
    cells = next(s for s in suites if s.get("name").endswith("04_hostile_cells.ipynb"))
    assert cells.get("failures") == "0"
    fake = next(s for s in suites if s.get("name").endswith("04_fake_check.ipynb"))
    assert fake.get("failures") == "3"
    corrupt = next(s for s in suites if s.get("name").endswith("04_corrupt.ipynb"))
    assert (corrupt.get("failures"), corrupt.get("errors")) == ("0", "3")
