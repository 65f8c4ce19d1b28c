"""The grading machinery: tasks, feedback, the static scan, generation, reports, keys.

Hostile submissions are in ``test_grading_hostile.py``.  Everything here runs in-process
except two end-to-end runs (keys and blank exercises graded through ``gomem grade``;
blank exercises executed with nbclient).
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree as ET

import nbformat
import pytest
from gradingkeys import key_namespace

from gomem import sizeclasses as sc
from gomem.grading import check
from gomem.grading import cli, generate
from gomem.grading.cases import run_case, span_from_data, span_to_data
from gomem.grading.judge import judge_case, expected_for
from gomem.grading.questions import SlotQuestion, WasteQuestion, learner_seed
from gomem.grading.scan import scan
from gomem.grading.tasks import all_tasks, get_task, lesson_tasks, lessons
from gomem.grading.tasks.lesson04 import _classes
from gomem.grading.tasks.lesson05 import span_state

ROOT = Path(__file__).resolve().parents[1]


# --- the registry -------------------------------------------------------------------

def test_registry_has_lessons_04_and_05():
    assert {"04", "05"} <= set(lessons())
    for lesson in ("04", "05"):
        tasks = lesson_tasks(lesson)
        assert 2 <= len(tasks) <= 4
        assert sum(t.points for t in tasks) == 10
        for t in tasks:
            assert t.id.startswith(lesson + ".") and t.id.split(".")[1] == t.function
    with pytest.raises(KeyError, match="no task"):
        get_task("99.nothing")


@pytest.mark.parametrize("task_id", sorted(all_tasks()))
def test_reference_passes_its_own_checks(task_id):
    task = get_task(task_id)
    cases = task.public() + task.hidden(random.Random(7))
    for i, args in enumerate(cases):
        got = expected_for(task, args)
        assert "__raised__" not in got, (args, got)
        assert judge_case(task, i, len(cases), args, got, got) is None


def test_hidden_inputs_come_from_the_seed():
    task = get_task("04.size_to_class")
    assert task.hidden(random.Random(1)) == task.hidden(random.Random(1))
    assert task.hidden(random.Random(1)) != task.hidden(random.Random(2))


def test_span_states_are_consistent():
    """alloc_cache is the complement of the alloc_bits word, shifted to freeindex."""
    for args in get_task("05.next_free_fast").public():
        span = span_from_data(args[0])
        for i in range(span.freeindex, min(span.freeindex + 64 - span.freeindex % 64,
                                           span.nelems)):
            assert bool(span.alloc_cache >> (i - span.freeindex) & 1) == span.is_free(i)
        assert span.alloc_count == len(span.in_use_slots())
        assert span_to_data(span) == args[0]


def test_lesson05_reference_is_gomems():
    from gomem.malloc import next_free_fast
    task = get_task("05.next_free_fast")
    for args in task.public():
        span = span_from_data(args[0])
        assert run_case("span", task.reference, args)["return"] == next_free_fast(span)


@pytest.mark.parametrize("name", ["04_size_classes.ipynb", "05_mspan.ipynb"])
def test_keys_pass_hidden_checks_for_many_seeds(name):
    ns = key_namespace(name)
    for task in lesson_tasks(name[:2]):
        for seed in range(15):
            cases = task.public() + task.hidden(random.Random(seed))
            for i, args in enumerate(cases):
                got = run_case(task.adapter, ns[task.function], args)
                assert judge_case(task, i, 0, args, expected_for(task, args), got) is None, \
                    (task.id, seed, args)


# --- check(): immediate feedback ----------------------------------------------------

def test_check_passes_a_correct_answer(capsys):
    check("04.size_to_class", _good_size_to_class)
    assert capsys.readouterr().out.startswith("✔ 04.size_to_class: all 34 public checks pass")


def _good_size_to_class(size):
    if size == 0 or size > 32760:
        return 0
    if size <= 1016:
        return sc.SIZE_TO_CLASS8[(size + 7) // 8]
    return sc.SIZE_TO_CLASS128[(size - 1024 + 127) // 128]


def test_check_shows_first_failing_input_and_why(capsys):
    check("04.size_to_class", lambda size: sc.SIZE_TO_CLASS8[size // 8] if size <= 1016 else 0)
    out = capsys.readouterr().out
    assert "✘ 04.size_to_class: check 2 of 34 failed" in out
    assert "input:    size_to_class(1)" in out
    assert "expected: 1" in out and "got:      0" in out
    assert "the index must round up" in out


def test_check_tells_which_step_of_make_classes_is_wrong(capsys):
    check("04.make_classes", lambda: _classes(grow=False))
    assert "step 4 is missing" in capsys.readouterr().out
    check("04.make_classes", lambda: _classes(merge=False))
    assert "step 3 is missing" in capsys.readouterr().out
    check("04.make_classes", lambda: _classes()[1:])
    assert "class 0 is missing" in capsys.readouterr().out
    wrong = _classes()
    wrong[40] = [wrong[40][0], wrong[40][1] + 1]
    check("04.make_classes", lambda: wrong)
    assert f"class 40 ({wrong[40][0]} B): right size, wrong npages" in capsys.readouterr().out


def test_check_diagnoses_roundupsize_and_span_tasks(capsys):
    check("04.roundupsize", lambda s, n: sc.CLASS_TO_SIZE[sc.class_of(s + 8)]
          if not n and 512 < s <= 32760 else sc.roundupsize(s, n))
    assert "subtract the 8-byte malloc header" in capsys.readouterr().out

    def fast_no_shift(span):
        bit = (span.alloc_cache & -span.alloc_cache).bit_length() - 1
        span.freeindex += bit + 1
        span.alloc_count += 1
        return span.start_addr + (span.freeindex - 1) * span.elemsize
    check("05.next_free_fast", fast_no_shift)
    assert "right address, but" in capsys.readouterr().out

    def refill_negative(span, which):
        span.alloc_cache = ~int.from_bytes(span.alloc_bits[which:which + 8], "little")
    check("05.refill_alloc_cache", refill_negative)
    assert "mask it with (1 << 64) - 1" in capsys.readouterr().out


def test_check_flags_gomems_own_implementation(capsys):
    check("04.size_to_class", lambda size: sc.size_to_class(size))
    out = capsys.readouterr().out
    assert "calls gomem's own" in out and "gomem.sizeclasses.size_to_class" in out
    check("05.next_free_index", lambda span: span.next_free_index())
    assert "gomem.mspan.MSpan.next_free_index" in capsys.readouterr().out


def test_check_reports_stubs_and_missing_functions(capsys):
    def make_classes():
        raise NotImplementedError("04.make_classes: port makeClasses")
    check("04.make_classes", make_classes)
    assert "raised NotImplementedError" in capsys.readouterr().out
    check("04.roundupsize")  # no roundupsize in this module's globals
    assert "no function named 'roundupsize'" in capsys.readouterr().out


# --- the static scan -----------------------------------------------------------------

def _flags(*cells, lesson="04"):
    return scan(list(cells), lesson_tasks(lesson))


def test_scan_finds_gomems_implementation_however_imported():
    cases = [
        "from gomem.sizeclasses import class_of\ndef size_to_class(size):\n    return class_of(size)",
        "import gomem.sizeclasses as m\ndef size_to_class(size):\n    return m.class_of(size)",
        "import gomem.sizeclasses\ndef size_to_class(s):\n    return gomem.sizeclasses.size_to_class(s)",
        "from gomem.sizeclasses import *\ndef size_to_class(size):\n    return roundupsize(size, 1)",
        "import gomem.sizeclasses as m\ndef size_to_class(s):\n    return getattr(m, 'class_of')(s)",
        "import gomem.sizeclasses as m\ndef helper(s):\n    return m.class_of(s)\n"
        "def size_to_class(s):\n    return helper(s)",
        "from gomem.sizeclasses import size_to_class",
    ]
    for src in cases:
        flags, _ = _flags("%matplotlib inline", src)
        assert "04.size_to_class" in flags, src


def test_scan_allows_tables_and_own_helpers():
    src = ("from gomem.sizeclasses import SIZE_TO_CLASS8, SIZE_TO_CLASS128, CLASS_TO_SIZE\n"
           "def size_to_class(size):\n    return SIZE_TO_CLASS8[(size + 7) // 8]\n"
           "def roundupsize(size, noscan):\n    return CLASS_TO_SIZE[size_to_class(size)]\n")
    flags, notes = _flags(src)
    assert flags == {} and notes == []
    flags, _ = _flags("def make_classes():\n    from gomem.sizeclasses import CLASSES\n"
                      "    return [(c.size, c.npages) for c in CLASSES]")
    assert "04.make_classes" in flags


def test_scan_finds_span_methods_and_notes_tampering():
    flags, _ = _flags("def next_free_fast(span):\n    return span.next_free_index()",
                      "def next_free_index(span):\n    span.refill_alloc_cache(0)\n    return 0",
                      lesson="05")
    assert flags == {"05.next_free_fast": "gomem.mspan.MSpan.next_free_index"}
    _, notes = _flags("def check(*a):\n    pass", "import gomem.grading.judge as j\nj.x = 1",
                      "import sys\nsys.setprofile = print", "def broken(:")
    text = " ".join(notes)
    assert _flags("import sys\nsys.setprofile = print")[0] == {"*": "sys.setprofile (cell 1)"}
    assert "redefines check in code cell(s) 1" in text
    assert "internals in code cell(s) 2" in text
    assert "sys.setprofile" in text and "syntax errors in code cell(s) 4" in text


# --- seeded questions ----------------------------------------------------------------

def test_questions_are_reproducible_and_print_their_seed(capsys):
    q1, q2 = WasteQuestion(seed=42), WasteQuestion(seed=42)
    assert repr(q1) == repr(q2) and repr(q1).startswith("ARG seed 42 size ")
    assert WasteQuestion(seed=43).params != q1.params or True
    q1.check(q1.answer)
    q1.check(-1)
    q1.solution()
    out = capsys.readouterr().out
    assert out.count("ARG seed 42") == 3 and "correct ✔" in out and "not quite" in out
    assert f"answer: {q1.answer}" in out
    size, noscan = q1.params["size"], q1.params["noscan"]
    assert q1.answer == sc.roundupsize(size, noscan) - size + (
        8 if sc.needs_malloc_header(size, noscan) else 0)


def test_slot_question_matches_the_span_model():
    for seed in range(30):
        q = SlotQuestion(seed=seed)
        bits = {i for i, ch in enumerate(q.params["alloc_bits"]) if ch == "1"}
        state = span_state(512, 1, bits, q.params["freeindex"])  # 16 slots
        span = span_from_data(state)
        assert span.next_free_index() == q.answer, seed


def test_learner_seed(monkeypatch):
    monkeypatch.setenv("GOMEM_SEED", "1234")
    assert learner_seed() == 1234
    monkeypatch.delenv("GOMEM_SEED")
    assert learner_seed() == learner_seed() and 0 <= learner_seed() < 10_000


# --- generating exercises/ ------------------------------------------------------------

def test_exercises_are_up_to_date():
    stale = generate.generate(ROOT / "solutions", ROOT / "exercises", check=True)
    assert stale == [], "run `gomem exercises`"


def test_generated_exercises_have_stubs_and_no_solutions():
    for path in sorted((ROOT / "exercises").glob("[0-9][0-9]_*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        text = path.read_text()
        assert "BEGIN SOLUTION" not in text and "END SOLUTION" not in text
        lesson = path.name[:2]
        for task in lesson_tasks(lesson):
            assert f"raise NotImplementedError('{task.id}: " in text
        for cell in nb.cells:
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None
                if cell.source.startswith("check("):
                    assert "raises-exception" in cell.metadata.get("tags", [])


def test_stub_source_keeps_indent_and_names_the_task():
    src = ("def roundupsize(size, noscan):\n    x = 1\n    # BEGIN SOLUTION\n"
           "    return x\n    # END SOLUTION\n\nprint(1)")
    out, names = generate.stub_source(src, "04")
    assert names == ["roundupsize"]
    assert out == ("def roundupsize(size, noscan):\n    x = 1\n    raise NotImplementedError("
                   "'04.roundupsize: roundupsize: what a request really gets')\n\nprint(1)")
    with pytest.raises(ValueError, match="without"):
        generate.stub_source("# BEGIN SOLUTION\nx = 1", "04")


def test_check_mode_detects_stale_and_extra_exercises(tmp_path):
    sol, ex = tmp_path / "solutions", tmp_path / "exercises"
    shutil.copytree(ROOT / "solutions", sol, ignore=shutil.ignore_patterns("__pycache__"))
    assert generate.generate(sol, ex) != []            # written
    assert generate.generate(sol, ex, check=True) == []
    nb = nbformat.read(sol / "04_size_classes.ipynb", as_version=4)
    nb.cells[0].source += "\nChanged."
    nbformat.write(nb, sol / "04_size_classes.ipynb")
    (ex / "09_orphan.ipynb").write_text("{}")
    stale = generate.generate(sol, ex, check=True)
    assert str(ex / "04_size_classes.ipynb") in stale
    assert any("09_orphan" in s and "no matching solution" in s for s in stale)
    proc = subprocess.run([sys.executable, "-m", "gomem.cli", "exercises", "--check",
                           "--solutions", str(sol), "--exercises", str(ex)],
                          capture_output=True, text=True)
    assert proc.returncode == 1 and "stale" in proc.stderr


def test_blank_exercises_run_top_to_bottom():
    """CI executes exercises/: only cells tagged raises-exception may fail."""
    from nbclient import NotebookClient
    for path in sorted((ROOT / "exercises").glob("[0-9][0-9]_*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        NotebookClient(nb, timeout=60, kernel_name="python3",
                       resources={"metadata": {"path": str(path.parent)}}).execute()
        text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code"
                       for o in c.outputs)
        assert text.count("raised NotImplementedError") == len(lesson_tasks(path.name[:2]))


# --- the grader end to end: keys and blanks --------------------------------------------

def test_keys_full_marks_blanks_zero(tmp_path):
    # Lessons 04-05 as two folders (tests/test_grading_lessons.py grades every lesson).
    for folder in ("solutions", "exercises"):
        (tmp_path / folder).mkdir()
        for nb in ("04_size_classes.ipynb", "05_mspan.ipynb"):
            shutil.copy(ROOT / folder / nb, tmp_path / folder / nb)
    proc = subprocess.run([sys.executable, "-m", "gomem.cli", "grade", str(tmp_path / "solutions"),
                           str(tmp_path / "exercises"), "--jobs", "2", "--timeout", "20",
                           "--json", str(tmp_path / "r.json")],
                          capture_output=True, text=True, cwd=tmp_path, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    subs = json.loads((tmp_path / "r.json").read_text())["submissions"]
    assert len(subs) == 4
    for s in subs:
        full = "/solutions/" in s["path"]
        assert s["score"] == (s["max_score"] if full else 0), s
        assert all(t["status"] == ("pass" if full else "error") for t in s["tasks"]), s
    assert (tmp_path / "gradebook.csv").exists(), "a folder run writes a gradebook"


# --- reports and exit codes (canned results, no kernels) ---------------------------------

def _result(path, points, gradable=True):
    tasks = [{"id": "04.a", "points": points, "max_points": 4,
              "status": "pass" if points else "fail", "message": "m & <x>"},
             {"id": "04.b", "points": 0, "max_points": 6, "status": "timeout", "message": "t"}]
    return {"path": path, "score": points, "max_score": 10, "gradable": gradable,
            "notes": ["n"], "tasks": tasks, "seconds": 1.0}


def _run(monkeypatch, tmp_path, results, *extra):
    monkeypatch.setattr(cli, "grade_one", lambda p, timeout, seed: results[p.name])
    for name in results:
        (tmp_path / name).write_text("{}")
    parser = argparse.ArgumentParser()
    cli.add_arguments(parser)
    args = parser.parse_args([str(tmp_path / n) for n in results] + list(extra))
    return cli.run(args)


def test_reports_follow_the_schema(monkeypatch, tmp_path, capsys):
    results = {"04_a.ipynb": _result("04_a.ipynb", 4), "04_b.ipynb": _result("04_b.ipynb", 0)}
    out = tmp_path / "out"
    out.mkdir()
    code = _run(monkeypatch, tmp_path, results, "--json", str(out / "r.json"),
                "--junit", str(out / "r.xml"), "--csv", str(out / "g.csv"))
    assert code == 0
    data = json.loads((out / "r.json").read_text())
    sub = data["submissions"][0]
    assert {"path", "score", "max_score", "tasks"} <= set(sub)
    assert set(sub["tasks"][0]) == {"id", "points", "max_points", "status", "message"}
    suites = ET.parse(out / "r.xml").getroot().findall("testsuite")
    assert [s.get("failures") for s in suites] == ["1", "2"]
    assert suites[0].find("testcase[@name='04.b']/failure").get("type") == "timeout"
    rows = (out / "g.csv").read_text().splitlines()
    assert rows == ["path,score,max_score,gradable,04.a,04.b",
                    "04_a.ipynb,4,10,1,4,0", "04_b.ipynb,0,10,1,0,0"]
    table = capsys.readouterr().out
    assert "04.b" in table and "0/6" in table and "total" in table and "4/10" in table


@pytest.mark.parametrize("min_score, scores, gradable, code", [
    (None, [0, 4], True, 0),
    ("0.4", [4, 4], True, 0),
    ("0.5", [4, 10], True, 1),
    ("40%", [4, 10], True, 0),
    (None, [4, 4], False, 1),
])
def test_exit_codes(monkeypatch, tmp_path, min_score, scores, gradable, code):
    results = {f"04_{i}.ipynb": _result(f"04_{i}.ipynb", s, gradable or i == 0)
               for i, s in enumerate(scores)}
    extra = ["--min-score", min_score] if min_score else []
    assert _run(monkeypatch, tmp_path, results, *extra) == code


def test_classroom_workflow_runs_the_grader():
    yaml = pytest.importorskip("yaml")
    wf = yaml.safe_load((ROOT / "exercises" / ".github" / "workflows" / "grade.yml").read_text())
    steps = wf["jobs"]["grade"]["steps"]
    run = " ".join(step.get("run", "") for step in steps)
    assert "gomem grade ." in run and "--json grade.json" in run and "--junit grade.xml" in run


def test_a_notebook_of_no_lesson_is_not_gradable(tmp_path):
    from gomem.grading.worker import grade
    path = tmp_path / "scratch.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")]), path)
    result = grade(path, timeout=5, seed=1)
    assert result["gradable"] is False and result["tasks"] == []
    assert "cannot tell which lesson" in result["notes"][0]
