"""``check(task_id, fn)``: immediate feedback in a notebook.

Runs the task's *public* checks now, in the learner's kernel, against gomem's
reference, and prints pass or the first failing input with expected vs got and a
diagnosis.  It is feedback only: the grader never runs a notebook's ``check`` (a
notebook may redefine it at will) and adds hidden checks drawn at grade time.
"""

from __future__ import annotations

import sys

from gomem.grading.cases import run_case
from gomem.grading.judge import expected_for, judge_case
from gomem.grading.tasks import get_task


def _resolve(qualname):
    """The function object a qualified name like ``gomem.mspan.MSpan.next_free_index`` names."""
    import importlib
    parts = qualname.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        try:
            for p in parts[cut:]:
                obj = getattr(obj, p)
        except AttributeError:
            return None
        return obj
    return None


def forbidden_codes(task) -> dict:
    """code object -> qualified name, for the task's forbidden *functions*."""
    codes = {}
    for name in task.forbidden:
        obj = _resolve(name)
        code = getattr(obj, "__code__", None)
        if code is not None:
            codes[code] = name
    return codes


def run_watched(task, fn, args, codes, hits):
    """``run_case`` with a profiler noting every call into a forbidden function."""
    def profile(frame, event, arg):
        if event == "call" and frame.f_code in codes:
            hits.add(codes[frame.f_code])
    old = sys.getprofile()
    sys.setprofile(profile)
    try:
        return run_case(task.adapter, fn, args)
    finally:
        sys.setprofile(old)


def check(task_id: str, fn=None) -> None:
    """Run the public checks of ``task_id`` on ``fn`` and print what happened."""
    task = get_task(task_id)
    if fn is None:
        fn = sys._getframe(1).f_globals.get(task.function)
        if fn is None:
            print(f"✘ {task_id}: there is no function named {task.function!r} yet")
            return
    cases = task.public()
    codes, hits = forbidden_codes(task), set()
    for i, args in enumerate(cases):
        got = run_watched(task, fn, args, codes, hits)
        failure = judge_case(task, i, len(cases), args, expected_for(task, args), got)
        if failure is not None:
            print(f"✘ {task_id}: check {i + 1} of {len(cases)} failed")
            print(f"  input:    {failure.call}")
            if not failure.why or len(failure.expected) + len(failure.got) <= 160:
                print(f"  expected: {failure.expected}")
                if failure.got:
                    print(f"  got:      {failure.got}")
            if failure.why:
                print(f"  why:      {failure.why}")
            return
    if hits:
        print(f"✘ {task_id}: the checks pass, but your code calls gomem's own "
              f"{', '.join(sorted(hits))}; the grader gives no points for that — write it "
              "yourself" + (f" (you may use {task.allowed_hint})" if task.allowed_hint else ""))
        return
    what = "the public check passes" if len(cases) == 1 else \
        f"all {len(cases)} public checks pass"
    print(f"✔ {task_id}: {what} (the grader adds hidden checks)")
