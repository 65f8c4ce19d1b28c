"""The graded tasks of lessons 01, 02, 03, 06 and 07 (04 and 05 are in ``test_grading.py``).

In-process: the registry's shape, the keys against many hidden seeds, inputs that survive
the JSON trip to a kernel, the references against gomem's model, and for every task a
typical wrong answer that ``check()`` must catch with a message saying what is wrong.
End to end, for every lesson 01-07: ``solutions/`` and ``exercises/`` graded in one
``gomem grade --jobs 2`` run; each key full marks, each blank exercise 0 (no crash).
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest
from gradingkeys import key_namespace

from gomem.grading import check
from gomem.grading.cases import run_case
from gomem.grading.judge import expected_for, judge_case
from gomem.grading.tasks import all_tasks, lesson_tasks, lessons
from gomem.grading.tasks.lesson03 import _growth_variant
from gomem.grading.tasks.lesson06 import _ref_cache_span
from gomem.grading.tasks.lesson07 import _tiny_variant
from gomem.mspan import new_mark_bits, popcount

ROOT = Path(__file__).resolve().parents[1]
NEW = {"01": "01_virtual_memory.ipynb", "02": "02_paging.ipynb",
       "03": "03_go_memory_model.ipynb", "06": "06_multilevel_caches.ipynb",
       "07": "07_alloc_paths_and_sweep.ipynb"}
NEW_TASKS = sorted(t for t in all_tasks() if t[:2] in NEW)


# --- the registry --------------------------------------------------------------------

def test_every_lesson_01_to_07_has_tasks_a_key_and_an_exercise():
    assert lessons() == ["01", "02", "03", "04", "05", "06", "07"]
    for lesson in lessons():
        tasks = lesson_tasks(lesson)
        assert 2 <= len(tasks) <= 4 and sum(t.points for t in tasks) == 10, lesson
        for t in tasks:
            assert t.id == f"{lesson}.{t.function}"
        keys = list((ROOT / "solutions").glob(f"{lesson}_*.ipynb"))
        assert len(keys) == 1 and (ROOT / "exercises" / keys[0].name).exists(), lesson
        course = ROOT / "course" / keys[0].name
        assert course.exists(), f"a key is named like its lesson: {course.name}"


@pytest.mark.parametrize("task_id", NEW_TASKS)
def test_inputs_survive_the_trip_to_the_kernel(task_id):
    """The grader sends inputs as JSON: the reference must give the same answer on them."""
    task = all_tasks()[task_id]
    cases = task.public() + task.hidden(random.Random(3))
    assert task.hidden(random.Random(3)) == task.hidden(random.Random(3))
    assert task.hidden(random.Random(3)) != task.hidden(random.Random(4)), "seeded"
    for args in cases:
        sent = json.loads(json.dumps(args))
        assert run_case(task.adapter, task.reference, sent) == expected_for(task, args), args


# --- the keys ----------------------------------------------------------------------------


@pytest.mark.parametrize("lesson", sorted(NEW))
def test_keys_pass_hidden_checks_for_many_seeds(lesson):
    ns = key_namespace(NEW[lesson])
    for task in lesson_tasks(lesson):
        for seed in range(6):
            cases = task.public() + task.hidden(random.Random(seed))
            for i, args in enumerate(cases):
                got = run_case(task.adapter, ns[task.function], args)
                assert judge_case(task, i, 0, args, expected_for(task, args), got) is None, \
                    (task.id, seed, args)


# --- the references against the model and against each other -----------------------------

def test_heap_growth_rules_match_the_heap():
    task = all_tasks()["03.heap_growth"]
    for seed in range(4):
        for (requests,) in task.hidden(random.Random(seed)):
            assert _growth_variant(requests) == task.reference(requests)


def test_tiny_rules_match_the_heap():
    task = all_tasks()["07.tiny_alloc"]
    for seed in range(4):
        for (sizes,) in task.hidden(random.Random(seed)):
            assert _tiny_variant(sizes) == task.reference(sizes)


def test_sweep_inputs_are_consistent_and_cover_every_outcome():
    task = all_tasks()["07.sweep"]
    outcomes = set()
    for args in task.public() + task.hidden(random.Random(5)):
        s = args[0]
        alloc = bytes.fromhex(s["alloc_bits"])
        marks = int.from_bytes(bytes.fromhex(s["gcmark_bits"]), "little")
        in_use = {i for i in range(s["nelems"])
                  if i < s["freeindex"] or alloc[i >> 3] >> (i & 7) & 1}
        assert s["alloc_count"] == len(in_use)
        assert all(i in in_use for i in range(s["nelems"]) if marks >> i & 1), "marks in use only"
        outcomes.add(expected_for(task, args)["return"][1])
    assert outcomes == {"free", "partial", "full"}


def test_cache_span_cases_reach_every_branch():
    task = all_tasks()["06.cache_span"]
    picked_from = set()
    for (central,) in task.public() + task.hidden(random.Random(1)):
        where = {s["name"]: k for k, v in central.items() for s in v}
        picked = _ref_cache_span(json.loads(json.dumps(central)))
        picked_from.add(where[picked["name"]] if picked else "grow")
    assert picked_from == {"partial_swept", "partial_unswept", "full_unswept", "grow"}


# --- check(): a typical wrong answer per task, caught with a useful message ---------------

def _count_faults_always_lru(refs, frames, policy):
    queue, faults = [], 0
    for page in refs:
        if page in queue:
            queue.remove(page)
            queue.append(page)
            continue
        faults += 1
        if len(queue) == frames:
            queue.pop(0)
        queue.append(page)
    return faults


def _walk_without_offset(tables, cr3, vaddr):
    steps, table = [], cr3
    for level, shift in enumerate((39, 30, 21, 12)):
        index = (vaddr >> shift) & 0x1FF
        steps.append([table, index])
        entry = tables[table].get(index)
        if entry is None:
            return steps, None
        if level < 3:
            table = entry
        elif entry["present"]:
            return steps, entry["frame"] * 4096
    return steps, None


def _cache_span_without_sweeping(central):
    for name in ("partial_swept", "partial_unswept"):
        if central[name]:
            return central[name].pop(0)
    while central["full_unswept"]:
        span = central["full_unswept"].pop(0)
        span["alloc_count"] = span["marked"]
        if span["alloc_count"] < span["nelems"]:
            return span
        central["full_swept"].append(span)
    return None


def _uncache_never_sweeps(span, central, stale):
    full = span["alloc_count"] == span["nelems"]
    central["full_swept" if full else "partial_swept"].append(span)


def _refill_without_giving_back(cached, central):
    return _ref_cache_span(central)


def _sweep_keeping_the_marks(span):
    nalloc = popcount(span.gcmark_bits)
    nfreed, span.alloc_count, span.freeindex = span.alloc_count - nalloc, nalloc, 0
    span.alloc_bits = span.gcmark_bits            # ... and gcmark_bits is not renewed
    span.refill_alloc_cache(0)
    return nfreed, "free" if not nalloc else "full" if nalloc == span.nelems else "partial"


def _sweep_counting_survivors(span):
    nalloc = popcount(span.gcmark_bits)
    span.alloc_count, span.freeindex = nalloc, 0
    span.alloc_bits, span.gcmark_bits = span.gcmark_bits, new_mark_bits(span.nelems)
    span.refill_alloc_cache(0)
    return nalloc, "free" if not nalloc else "full" if nalloc == span.nelems else "partial"


WRONG = {
    "01.split_address": (lambda v, ps: (v & (ps - 1), v >> (ps.bit_length() - 1)),
                         "the order is (vpn, offset)"),
    "01.translate": (lambda t, v, ps: t[v // ps]["frame"] * ps if t[v // ps]["present"] else None,
                     "right frame, but add the offset"),
    "01.count_faults": (_count_faults_always_lru, "that is LRU's count: FIFO does not move"),
    "02.split_x86_64": (lambda v: ([(v >> s) & 0x1FF for s in (12, 21, 30, 39)], v & 0xFFF),
                        "top level first"),
    "02.walk": (_walk_without_offset, "add the offset vaddr & 0xfff"),
    "02.page_size_tradeoff": (lambda s, ps, b, pte: (2 ** (b - ps.bit_length() + 1) * pte,
                                                     sum((x // ps + 1) * ps - x for x in s)),
                              "an exact multiple of the page size wastes nothing"),
    "03.heap_growth": (lambda r: _growth_variant(r, shortfall=True),
                       "not just the pages missing at the end of the heap"),
    "03.span_class": (lambda c, n: c << 1 | (not n), "the low bit is 1 for noscan"),
    "03.span_class_parts": (lambda s: (s, bool(s & 1)), "without its low bit: spc >> 1"),
    "06.cache_span": (_cache_span_without_sweeping,
                      "sweeping it sets alloc_count to its marked count"),
    "06.uncache_span": (_uncache_never_sweeps, "a stale span (cached before the sweep began) "
                        "is swept first"),
    "06.refill": (_refill_without_giving_back, "first give the full span back"),
    "07.sweep": (_sweep_keeping_the_marks, "fresh, zeroed mark bits"),
    "07.tiny_alloc": (lambda s: _tiny_variant(s, replace="always"), "size < tinyoffset"),
}


def test_every_new_task_has_a_wrong_answer_here():
    assert sorted(WRONG) == NEW_TASKS


@pytest.mark.parametrize("task_id", sorted(WRONG))
def test_check_catches_a_typical_wrong_answer(task_id, capsys):
    fn, why = WRONG[task_id]
    check(task_id, fn)
    out = capsys.readouterr().out
    assert out.startswith(f"✘ {task_id}: check "), out
    assert "  input:    " in out and "  why:      " in out, out
    assert why in out, out


def test_check_diagnoses_more_mistakes(capsys):
    check("07.sweep", _sweep_counting_survivors)
    assert "that is the number of survivors" in capsys.readouterr().out
    check("03.heap_growth", lambda r: _growth_variant(r, per_ask=False))
    assert "whole arenas for the ask" in capsys.readouterr().out
    check("07.tiny_alloc", lambda s: _tiny_variant(s, align=False))
    assert "align the offset first" in capsys.readouterr().out
    check("02.walk", lambda t, c, v: ([[c, (v >> 39) & 0x1FF]], None))
    assert "the walk stopped after 1 step(s)" in capsys.readouterr().out


def test_check_flags_the_simulators_own_code(capsys):
    from gomem.vm import simulate
    check("01.count_faults", lambda refs, frames, policy: simulate(refs, frames, policy).faults)
    out = capsys.readouterr().out
    assert "calls gomem's own" in out and "gomem.vm.replacement.simulate" in out
    from gomem.vm import AddressLayout
    check("02.split_x86_64", lambda v: tuple(AddressLayout.x86_64().split(v)))
    assert "gomem.vm.layout.AddressLayout.split" in capsys.readouterr().out


# --- seeded practice questions -------------------------------------------------------------

def test_practice_questions_are_seeded_and_agree_with_the_tasks(capsys):
    from gomem.grading.questions import (GrowthQuestion, TinyQuestion, TranslateQuestion,
                                         WalkQuestion)
    for seed in range(25):
        q = TranslateQuestion(seed=seed)
        p = q.params
        table = [{"present": ch != "-", "frame": None if ch == "-" else int(ch, 16)}
                 for ch in p["table"]]
        paddr = all_tasks()["01.translate"].reference(table, int(p["vaddr"], 16), p["page_size"])
        assert q.answer == (-1 if paddr is None else paddr)
        w = WalkQuestion(seed=seed)
        level = WalkQuestion.LEVELS.index(w.params["level"])
        assert w.answer == all_tasks()["02.split_x86_64"].reference(
            int(w.params["vaddr"], 16))[0][level]
        g = GrowthQuestion(seed=seed)
        assert g.answer == _growth_variant(list(map(int, g.params["pages"].split(","))))[-1][0]
        t = TinyQuestion(seed=seed)
        assert t.answer == _tiny_variant(list(map(int, t.params["sizes"].split(","))))[-1][1]
    for cls in (TranslateQuestion, WalkQuestion, GrowthQuestion, TinyQuestion):
        q = cls(seed=42)
        assert repr(q) == repr(cls(seed=42)) and repr(q).startswith("ARG seed 42 ")
        q.check(q.answer)
        q.solution()
        out = capsys.readouterr().out
        assert "correct ✔" in out and f"answer: {q.answer}" in out


# --- the grader end to end: every key and every blank exercise -----------------------------

@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    out = tmp_path_factory.mktemp("graded")
    proc = subprocess.run([sys.executable, "-m", "gomem.cli", "grade", str(ROOT / "solutions"),
                           str(ROOT / "exercises"), "--jobs", "2", "--timeout", "20",
                           "--json", str(out / "r.json")],
                          capture_output=True, text=True, cwd=out, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    subs = json.loads((out / "r.json").read_text())["submissions"]
    return {(Path(s["path"]).parent.name, Path(s["path"]).name[:2]): s for s in subs}


@pytest.mark.parametrize("lesson", lessons())
def test_key_scores_full_marks(graded, lesson):
    sub = graded[("solutions", lesson)]
    assert sub["score"] == sub["max_score"] == 10, sub
    assert [t["id"] for t in sub["tasks"]] == [t.id for t in lesson_tasks(lesson)]
    assert all(t["status"] == "pass" and "hidden checks pass" in t["message"]
               for t in sub["tasks"]), sub


@pytest.mark.parametrize("lesson", lessons())
def test_blank_exercise_scores_zero(graded, lesson):
    sub = graded[("exercises", lesson)]
    assert sub["score"] == 0 and sub["max_score"] == 10 and sub["gradable"], sub
    for t in sub["tasks"]:
        assert t["status"] == "error" and "NotImplementedError" in t["message"], t
        assert t["id"] in t["message"], "the stub names its task"
