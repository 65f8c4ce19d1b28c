"""Deciding pass or fail: expected vs got, as plain data, in a trusted process.

Both ``check()`` in a notebook and the grader come here.  The grader calls
:func:`judge_task` with results that came back from a submission's kernel as JSON,
so everything here treats ``got`` as untrusted data of any shape.
"""

from __future__ import annotations

from dataclasses import dataclass

from gomem.grading.cases import run_case

# Statuses, best first.  Only "pass" earns points.
PASS, FAIL, ERROR, TIMEOUT, MISSING, FLAGGED, CRASHED, UNGRADABLE = (
    "pass", "fail", "error", "timeout", "missing", "flagged", "crashed", "ungradable")


@dataclass
class Failure:
    index: int          # 0-based position among all cases run
    public: bool
    call: str           # "size_to_class(9)"
    expected: str
    got: str
    why: str
    status: str         # FAIL, ERROR or TIMEOUT

    def one_line(self, total: int) -> str:
        kind = "public" if self.public else "hidden"
        text = f"{kind} check {self.index + 1}/{total}: {self.call}"
        short = len(self.expected) + len(self.got) <= 160
        if self.status == FAIL and (short or not self.why):
            text += f": expected {self.expected}, got {self.got}"
        if self.why:
            text += f" - {self.why}"
        return text


def expected_for(task, args):
    return run_case(task.adapter, task.reference, args)


def show(data) -> str:
    """A short human form of a result."""
    if isinstance(data, dict) and "__repr__" in data:
        text = data["__repr__"]
    elif isinstance(data, dict) and set(data) <= {"return", "span"} and "return" in data:
        ret = data["return"]
        big = isinstance(ret, int) and not isinstance(ret, bool) and ret > 0xFFFFF
        text = f"{ret:#x}" if big else show(ret)
        if "span" in data:
            span = data["span"] or {}
            text += " (span after: " + ", ".join(
                f"{k}={_hex(k, v)}" for k, v in span.items()
                if k in ("freeindex", "alloc_cache", "alloc_count")) + ")"
    else:
        text = repr(data)
    return text if len(text) <= 240 else text[:200] + f"... ({len(text)} chars)"


def _hex(key, value):
    return f"{value:#x}" if key == "alloc_cache" and isinstance(value, int) else repr(value)


def judge_case(task, i, n_public, args, expected, got) -> Failure | None:
    call = task.call_text(args)
    public = i < n_public
    if isinstance(got, dict) and got.get("__timeout__"):
        return Failure(i, public, call, "", "", "did not return in time (an endless loop?)",
                       TIMEOUT)
    if not isinstance(got, dict):
        return Failure(i, public, call, show(expected), show(got),
                       "the grader got no result for this input", ERROR)
    if "__raised__" in got:
        why = f"raised {got.get('__raised__')}: {got.get('message', '')}"
        if got.get("__raised__") == "NotImplementedError":
            why += " (not done yet?)"
        return Failure(i, public, call, show(expected), "", why, ERROR)
    if got == expected:
        return None
    why = None
    if task.compare is not None:
        try:
            why = task.compare(args, expected, got)
        except Exception as err:  # noqa: BLE001 - got can be any shape
            why = f"wrong result ({type(err).__name__} while diagnosing it)"
        if why is None:  # compare accepts it although the data differ
            return None
    return Failure(i, public, call, show(expected), show(got), why or "", FAIL)


def judge_task(task, cases, n_public, results):
    """``(status, message, failure)`` for one task's results (a list, one per case)."""
    if not isinstance(results, list):
        return ERROR, "the grader could not read this task's results", None
    for i, args in enumerate(cases):
        got = results[i] if i < len(results) else None
        failure = judge_case(task, i, n_public, args, expected_for(task, args), got)
        if failure is not None:
            return failure.status, failure.one_line(len(cases)), failure
    return PASS, f"{n_public} public and {len(cases) - n_public} hidden checks pass", None
