"""``gomem exercises``: generate ``exercises/NN_*.ipynb`` from the keys in ``solutions/``.

In each code cell, the lines from ``# BEGIN SOLUTION`` to ``# END SOLUTION`` (markers
included) become ``raise NotImplementedError("<task id>: <what to write>")`` at the
markers' indent; the task is the one whose function encloses the region.  Outputs and
execution counts are cleared, and every cell that calls a stubbed function is tagged
``raises-exception`` (so the blank exercise runs top to bottom under nbclient/nbval).
``--check`` writes nothing and exits 1 when ``exercises/`` is stale.
"""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

import gomem.nbimport  # noqa: F401  (before nbformat: 2 s faster)
import nbformat

from gomem.grading.tasks import lesson_tasks

BEGIN, END = "# BEGIN SOLUTION", "# END SOLUTION"


def _enclosing_function(lines: list[str], index: int) -> str | None:
    indent = len(lines[index]) - len(lines[index].lstrip())
    for line in reversed(lines[:index]):
        m = re.match(r"(\s*)(?:async\s+)?def\s+(\w+)", line)
        if m and len(m.group(1)) < indent:
            return m.group(2)
    return None


def stub_source(source: str, lesson: str) -> tuple[str, list[str]]:
    """``(source with stubs, [names of the stubbed functions])``."""
    tasks = {t.function: t for t in lesson_tasks(lesson)}
    lines, out, stubbed = source.split("\n"), [], []
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.strip() == BEGIN:
            end = next((j for j in range(i + 1, len(lines)) if lines[j].strip() == END), None)
            if end is None:
                raise ValueError(f"{BEGIN} without {END}:\n{source}")
            indent = line[: len(line) - len(line.lstrip())]
            func = _enclosing_function(lines, i)
            task = tasks.get(func)
            what = f"{task.id}: {task.title}" if task else f"lesson {lesson}: write this"
            out.append(f"{indent}raise NotImplementedError({what!r})")
            stubbed.append(func or "")
            i = end + 1
            continue
        out.append(line)
        i += 1
    return "\n".join(out), stubbed


def _calls(source: str, names: set[str]) -> bool:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return False
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in names and isinstance(node.ctx, ast.Load):
            return True
    return False


def make_exercise(solution: nbformat.NotebookNode, lesson: str) -> nbformat.NotebookNode:
    import copy
    nb = copy.deepcopy(solution)
    stubbed: set[str] = set()
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        cell.outputs = []
        cell.execution_count = None
        cell.metadata.pop("execution", None)
        if BEGIN in cell.source:
            cell.source, names = stub_source(cell.source, lesson)
            stubbed.update(n for n in names if n)
            if "" in names:  # a top-level region raises when the cell runs
                _tag(cell)
        elif stubbed and _calls(cell.source, stubbed):
            _tag(cell)
    nb.metadata.pop("widgets", None)
    return nb


def _tag(cell):
    tags = cell.metadata.setdefault("tags", [])
    if "raises-exception" not in tags:
        tags.append("raises-exception")


def lesson_of(path: Path) -> str:
    m = re.match(r"(\d\d)_", path.name)
    if not m:
        raise ValueError(f"{path}: solution notebooks are named NN_*.ipynb")
    return m.group(1)


def generate(solutions: Path, exercises: Path, check: bool = False) -> list[str]:
    """Write (or, with ``check``, compare) every exercise; return the stale paths."""
    stale = []
    expected = set()
    for sol in sorted(solutions.glob("[0-9][0-9]_*.ipynb")):
        nb = make_exercise(nbformat.read(sol, as_version=4), lesson_of(sol))
        text = nbformat.writes(nb) + "\n"
        target = exercises / sol.name
        expected.add(target.name)
        current = target.read_text(encoding="utf-8") if target.exists() else None
        if current != text:
            stale.append(str(target))
            if not check:
                exercises.mkdir(parents=True, exist_ok=True)
                target.write_text(text, encoding="utf-8")
    for extra in sorted(exercises.glob("[0-9][0-9]_*.ipynb")):
        if extra.name not in expected:
            stale.append(f"{extra} (no matching solution)")
    return stale


def add_arguments(parser) -> None:
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if exercises/ is out of date")
    parser.add_argument("--solutions", type=Path, default=Path("solutions"))
    parser.add_argument("--exercises", type=Path, default=Path("exercises"))


def run(args) -> int:
    stale = generate(args.solutions, args.exercises, check=args.check)
    if args.check:
        if stale:
            print("exercises/ is stale; run `gomem exercises`:", *stale, sep="\n  ",
                  file=sys.stderr)
            return 1
        print("exercises/ is up to date")
        return 0
    for path in stale:
        print(f"wrote {path}")
    if not stale:
        print("exercises/ is up to date")
    return 0
