"""``gomem grade SUBMISSION... [--json F] [--junit F] [--csv F] [--jobs N] [--min-score X]
[--timeout S]``

How grading stays out of a submission's reach
---------------------------------------------
* This process never runs submission code.  Each submission is graded by its own
  worker process (:mod:`gomem.grading.worker`), which runs the notebook in a fresh
  kernel (its own session, cwd = a throw-away copy, per-cell timeouts, an audit hook
  refusing writes/spawns/kills outside the copy, capped output).
* The worker never *imports* anything from the kernel: it sends a task's inputs (the
  hidden ones drawn from a seed picked now) and calls only the names the task asks for,
  by name, inside the kernel; plain JSON data comes back, and the worker judges it
  against gomem's reference in its own process.  A notebook's ``check`` or patched
  helpers are never consulted, and forged results can only be right by being right.
* Calls into gomem's own implementation of the thing asked are caught twice: a static
  scan of the notebook (the function and the helpers it calls) and a profiler watching
  the calls while the grader runs them.  Either means no points for that task.
* A worker that dies or overruns its budget is killed with its kernel; the submission is
  reported as not gradable and the others go on.
"""

from __future__ import annotations

import csv
import json
import os
import secrets
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from xml.etree import ElementTree as ET

from gomem.grading.judge import PASS, UNGRADABLE


def add_arguments(parser) -> None:
    parser.add_argument("submissions", nargs="+", type=Path, metavar="SUBMISSION",
                        help="a notebook, or a folder searched for *.ipynb")
    parser.add_argument("--json", type=Path, metavar="FILE", help="write the results as JSON")
    parser.add_argument("--junit", type=Path, metavar="FILE", help="write JUnit XML for CI")
    parser.add_argument("--csv", type=Path, metavar="FILE",
                        help="gradebook CSV (default gradebook.csv when a folder is graded)")
    parser.add_argument("--jobs", "-j", type=int, default=1, metavar="N",
                        help="grade N submissions at once")
    parser.add_argument("--min-score", default=None, metavar="X",
                        help="exit 1 if a submission scores below X: a fraction of its "
                             "maximum (0.8) or a percentage (80%%)")
    parser.add_argument("--timeout", type=float, default=30, metavar="S",
                        help="seconds per cell and per task (default 30)")
    parser.add_argument("--seed", type=int, default=None,
                        help="seed for the hidden inputs (default: fresh at every run)")
    parser.add_argument("--quiet", "-q", action="store_true", help="print only the totals")


def find_submissions(paths: list[Path]) -> tuple[list[Path], bool]:
    found, folder = [], False
    for p in paths:
        if p.is_dir():
            folder = True
            found += sorted(q for q in p.rglob("*.ipynb")
                            if ".ipynb_checkpoints" not in q.parts
                            and not any(part.startswith(".") for part in q.relative_to(p).parts))
        else:
            found.append(p)
    return found, folder


def grade_one(path: Path, timeout: float, seed: int) -> dict:
    """Run a worker for ``path``; never raises, never hangs past its budget."""
    from gomem.grading.tasks import lesson_tasks
    from gomem.grading.worker import lesson_of, ungradable

    import tempfile

    nonce = secrets.token_hex(16)
    fd, pid_file = tempfile.mkstemp(prefix="gomem-grade-", suffix=".pids")
    os.close(fd)
    request = json.dumps({"path": str(path), "timeout": timeout, "seed": seed, "nonce": nonce,
                          "pids": pid_file})
    budget = 60 + timeout * 40
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "gomem.grading.worker"],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        out, err = proc.communicate(request, timeout=budget)
        why = f"the grader's worker failed (exit {proc.returncode}): {err.strip()[-300:]}"
    except subprocess.TimeoutExpired:
        _kill_group(proc.pid)
        out, err = proc.communicate()
        why = f"grading took longer than {budget:g} s and was stopped"
    finally:
        _kill_group(proc.pid)
        try:  # kernels live in their own sessions: kill any the worker left behind
            for pid in Path(pid_file).read_text().split():
                if pid.isdigit():
                    _kill_group(int(pid))
            os.unlink(pid_file)
        except OSError:
            pass
    for line in reversed(out.splitlines()):
        try:
            result = json.loads(line)
        except ValueError:
            continue
        if isinstance(result, dict) and result.get("nonce") == nonce:
            result.pop("nonce", None)
            return result
    lesson = lesson_of(path)
    result = ungradable(path, lesson_tasks(lesson) if lesson else [], why)
    result["seconds"] = round(time.perf_counter() - start, 2)
    return result


def _kill_group(pid):
    import signal
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError, OSError):
        pass


def table(result: dict) -> str:
    rows = [("task", "points", "status", "message")]
    rows += [(t["id"], f"{t['points']}/{t['max_points']}", t["status"], t["message"])
             for t in result["tasks"]]
    w0 = max(len(r[0]) for r in rows)
    w1 = max(len(r[1]) for r in rows)
    w2 = max(len(r[2]) for r in rows)
    lines = [result["path"]]
    for r in rows:
        lines.append(f"  {r[0]:<{w0}}  {r[1]:>{w1}}  {r[2]:<{w2}}  {r[3]}")
    for note in result.get("notes", []):
        lines.append(f"  note: {note}")
    lines.append(f"  {'total':<{w0}}  {result['score']}/{result['max_score']}"
                 + ("" if result.get("gradable", True) else "  (could not be graded)"))
    return "\n".join(lines)


def write_json(results, path: Path):
    data = {"submissions": [
        {"path": r["path"], "score": r["score"], "max_score": r["max_score"],
         "gradable": r.get("gradable", True), "notes": r.get("notes", []),
         "tasks": [{k: t[k] for k in ("id", "points", "max_points", "status", "message")}
                   for t in r["tasks"]]} for r in results]}
    path.write_text(json.dumps(data, indent=2) + "\n")


def write_junit(results, path: Path):
    suites = ET.Element("testsuites", name="gomem grade")
    for r in results:
        tasks = r["tasks"]
        failed = [t for t in tasks if t["status"] not in (PASS, UNGRADABLE)]
        errors = len(tasks) - len(failed) - sum(t["status"] == PASS for t in tasks)
        suite = ET.SubElement(suites, "testsuite", name=r["path"], tests=str(len(tasks) or 1),
                              failures=str(len(failed)), errors=str(errors or int(not tasks)),
                              time=str(r.get("seconds", 0)))
        if not tasks:
            case = ET.SubElement(suite, "testcase", classname=r["path"], name="notebook")
            ET.SubElement(case, "error", message="; ".join(r.get("notes", [])))
        for t in tasks:
            case = ET.SubElement(suite, "testcase", classname=r["path"], name=t["id"])
            if t["status"] != PASS:
                tag = "error" if t["status"] == UNGRADABLE else "failure"
                el = ET.SubElement(case, tag, type=t["status"], message=t["message"])
                el.text = f"{t['status']}: {t['message']}"
        if r.get("notes"):
            ET.SubElement(suite, "system-out").text = "\n".join(r["notes"])
    ET.ElementTree(suites).write(path, encoding="utf-8", xml_declaration=True)


def write_csv(results, path: Path):
    ids = []
    for r in results:
        ids += [t["id"] for t in r["tasks"] if t["id"] not in ids]
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["path", "score", "max_score", "gradable"] + ids)
        for r in results:
            pts = {t["id"]: t["points"] for t in r["tasks"]}
            w.writerow([r["path"], r["score"], r["max_score"], int(r.get("gradable", True))]
                       + [pts.get(i, "") for i in ids])


def parse_min_score(text):
    if text is None:
        return None
    text = str(text).strip()
    if text.endswith("%"):
        return float(text[:-1]) / 100
    value = float(text)
    if not 0 <= value <= 1:
        raise SystemExit("--min-score is a fraction 0..1 or a percentage like 80%")
    return value


def run(args) -> int:
    min_score = parse_min_score(args.min_score)
    paths, folder = find_submissions(args.submissions)
    if not paths:
        print("no notebooks found", file=sys.stderr)
        return 1
    seed = args.seed if args.seed is not None else secrets.randbits(32)
    jobs = max(1, args.jobs)
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        results = list(pool.map(lambda p: grade_one(p, args.timeout, seed), paths))
    for r in results:
        if args.quiet:
            print(f"{r['path']}: {r['score']}/{r['max_score']}")
        else:
            print(table(r) + "\n")
    total, max_total = sum(r["score"] for r in results), sum(r["max_score"] for r in results)
    print(f"{len(results)} submission(s), {total}/{max_total} points, "
          f"{time.perf_counter() - start:.1f} s (hidden-input seed {seed})")
    if args.json:
        write_json(results, args.json)
    if args.junit:
        write_junit(results, args.junit)
    csv_path = args.csv or (Path("gradebook.csv") if folder else None)
    if csv_path:
        write_csv(results, csv_path)
        print(f"gradebook: {csv_path}")
    code = 0
    for r in results:
        if not r.get("gradable", True):
            code = 1
        elif min_score is not None and r["max_score"] and r["score"] < min_score * r["max_score"]:
            code = 1
    return code
