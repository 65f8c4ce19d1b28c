"""Grade one submission; run by ``gomem grade`` as ``python -m gomem.grading.worker``.

Reads a JSON request on stdin, writes the JSON result on stdout.  This process is
trusted: it never runs a line of the submission.  It starts the kernel (see
:mod:`gomem.grading.kernel`), sends each task's inputs to the kernel, gets plain data
back and judges it here against gomem's reference.
"""

from __future__ import annotations

import json
import random
import re
import sys
import tempfile
import time
from pathlib import Path

from gomem.grading import judge as J
from gomem.grading.tasks import lesson_tasks, lessons

MAX_NOTEBOOK_BYTES = 50 << 20
MEMORY_LIMIT = 4 << 30  # address space of this worker and its kernel (RLIMIT_AS)


def task_row(task, status, message):
    points = task.points if status == J.PASS else 0
    return {"id": task.id, "points": points, "max_points": task.points, "status": status,
            "message": message}


def lesson_of(path: Path, nb=None) -> str | None:
    m = re.match(r"(\d\d)[_\-. ]", path.name)
    if m and m.group(1) in lessons():
        return m.group(1)
    try:
        lesson = str(nb["metadata"]["gomem"]["lesson"])
    except (KeyError, TypeError, IndexError):
        return None
    return lesson if lesson in lessons() else None


def ungradable(path, tasks, why):
    return {"path": str(path), "score": 0, "max_score": sum(t.points for t in tasks),
            "gradable": False, "notes": [why],
            "tasks": [task_row(t, J.UNGRADABLE, why) for t in tasks]}


def grade(path: Path, timeout: float, seed: int, output_cap: int = 1 << 20,
          pid_file: Path | None = None) -> dict:
    import gomem.nbimport  # noqa: F401  (before nbformat: 2 s faster)
    import nbformat
    from gomem.grading.kernel import Session, copy_submission
    from gomem.grading.scan import scan

    lesson = lesson_of(path)
    try:
        if path.stat().st_size > MAX_NOTEBOOK_BYTES:
            raise ValueError(f"larger than {MAX_NOTEBOOK_BYTES >> 20} MiB")
        raw = path.read_text(encoding="utf-8")
        nb = nbformat.reads(raw, as_version=4)
        if not isinstance(nb.get("cells"), list):
            raise ValueError("no cells")
    except Exception as err:  # noqa: BLE001 - corrupt JSON, not a notebook, unreadable
        tasks = lesson_tasks(lesson) if lesson else []
        kind = "corrupt JSON" if isinstance(err, ValueError) and "JSON" in str(err) else \
            f"{type(err).__name__}"
        return ungradable(path, tasks, f"not a readable notebook ({kind}: {str(err)[:120]})")
    lesson = lesson or lesson_of(path, nb)
    if lesson is None:
        return ungradable(path, [], "cannot tell which lesson this notebook is, or the "
                          "lesson has no graded tasks (name it NN_*.ipynb like the exercise)")
    tasks = lesson_tasks(lesson)
    sources = [c.get("source", "") for c in nb.cells if c.get("cell_type") == "code"]
    sources = [s if isinstance(s, str) else "".join(s) for s in sources]
    flags, notes = scan(sources, tasks)
    rng = random.Random(seed)

    with tempfile.TemporaryDirectory(prefix="gomem-grade-") as tmp:
        root = Path(tmp)
        copy_submission(path, root / "work")  # the kernel's cwd: a copy, never the original
        session = Session(sources, root, timeout=timeout, output_cap=output_cap,
                          pid_file=pid_file)
        rows, failed = [], False
        try:
            session.run_notebook()
            for task in tasks:
                rows.append(_grade_task(session, task, rng, flags, timeout))
        except Exception as err:  # noqa: BLE001 - the kernel would not even start
            done = {r["id"] for r in rows}
            rows += [task_row(t, J.UNGRADABLE, f"grader error: {type(err).__name__}: {err}")
                     for t in tasks if t.id not in done]
            notes.append(f"grader error: {err}")
            failed = True
        finally:
            session.stop()
        blocked = root / "blocked.log"
        if blocked.exists():
            lines = blocked.read_text(errors="replace").splitlines()
            if any(line.startswith("output-cut\t") for line in lines):
                notes.append(f"printed more than {output_cap} characters; the rest was dropped")
                lines = [line for line in lines if not line.startswith("output-cut\t")]
            if lines:
                shown = "; ".join(sorted(set(lines))[:5]).replace("\t", " ")
                notes.append(f"blocked {len(lines)} attempt(s) to act outside the "
                             f"submission's folder: {shown}")
    errors = [f"cell {n} raised {e}" for n, e in sorted(session.cell_errors.items())
              if not e.startswith(("NotImplementedError", "timed out"))]
    if errors:
        more = f"; {len(errors) - 3} more" if len(errors) > 3 else ""
        notes.append("; ".join(errors[:3]) + more)
    notes[:0] = session.events
    return {"path": str(path), "score": sum(r["points"] for r in rows),
            "max_score": sum(t.points for t in tasks), "gradable": not failed, "notes": notes,
            "tasks": rows}


def _grade_task(session, task, rng, flags, timeout):
    if not session.alive():
        session.events.append(f"fresh kernel for {task.id} (the previous one died)")
        session.run_notebook()
    public = task.public()
    cases = public + task.hidden(random.Random(rng.getrandbits(64)))
    status, results, hits = session.call(task.function, task.adapter, cases, task.forbidden,
                                         timeout)
    if status == "missing":
        article = "an" if results[:1].lower() in "aeiou" else "a"
        what = "defined" if results == "NoneType" else f"{article} {results}, not a function"
        return task_row(task, J.MISSING, f"{task.function} is not {what} "
                        "after running the notebook (renamed or deleted?)"
                        if results == "NoneType" else f"{task.function} is {what}")
    if status == "error":
        return task_row(task, J.ERROR, f"could not call {task.function}: {results}")
    forbidden = flags.get(task.id) or (", ".join(hits) if hits else None)
    tampered = flags.get("*") or ", ".join(h for h in hits if h.startswith("sys."))
    if status == "dead":
        n = len(results)
        where = task.call_text(cases[n]) if n < len(cases) else task.function
        return task_row(task, J.CRASHED, f"the kernel died or hung running {where}")
    verdict, message, failure = J.judge_task(task, cases, len(public), results)
    if tampered and verdict == J.PASS:
        return task_row(task, J.FLAGGED, f"not counted: the notebook patches {tampered}, "
                        "which grading relies on")
    if forbidden and verdict == J.PASS:
        hint = f"; it may use {task.allowed_hint}" if task.allowed_hint else ""
        return task_row(task, J.FLAGGED, f"calls gomem's own implementation ({forbidden}); "
                        f"no points: the task is to write it{hint}")
    if forbidden:
        message += f" [also uses gomem's own {forbidden}]"
    return task_row(task, verdict, message)


def limit_memory(limit: int) -> None:
    """Cap the address space; the kernel inherits it, so a runaway allocation in a
    submission ends in MemoryError instead of the machine's OOM killer."""
    try:
        import resource
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if hard != resource.RLIM_INFINITY:
            limit = min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    except (ImportError, ValueError, OSError):
        pass


def main() -> int:
    # nbformat imports jsonschema, whose optional IRI checker (rfc3987_syntax) builds a
    # grammar at import time: ~2 s per worker for a check nbformat never uses.
    sys.modules.setdefault("rfc3987_syntax", None)
    request = json.loads(sys.stdin.read())
    limit_memory(int(request.get("memory", MEMORY_LIMIT)))
    start = time.perf_counter()
    pids = request.get("pids")
    result = grade(Path(request["path"]), float(request["timeout"]), int(request["seed"]),
                   int(request.get("output_cap", 1 << 20)), Path(pids) if pids else None)
    result["seconds"] = round(time.perf_counter() - start, 2)
    result["nonce"] = request.get("nonce")
    sys.stdout.write("\n" + json.dumps(result) + "\n")
    sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
