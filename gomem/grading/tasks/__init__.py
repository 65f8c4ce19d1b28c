"""The graded tasks, one module per lesson (``lesson04.py``, ``lesson05.py``, ...).

A lesson module defines ``LESSON = "04"`` and ``TASKS = [Task(...), ...]``; adding a
lesson is adding a module — :func:`all_tasks` finds it.  A :class:`Task` says

* which names it takes from a submission (``names``; the first is the function graded —
  nothing else the notebook defines is ever looked at, ``check`` included),
* its public check inputs (the ones ``check()`` runs in the notebook) and a generator
  of hidden inputs, drawn from a seed the grader picks at grade time, so the hidden
  inputs exist nowhere before grading,
* a trusted reference that computes the expected result in the grader's process,
* ``compare(args, expected, got) -> None | str``: the diagnosis shown on failure
  ("right class, wrong npages"),
* ``forbidden``: gomem's own implementation of the thing asked (qualified names).  An
  answer that reaches them gets no points.
"""

from __future__ import annotations

import importlib
import pkgutil
import random
from dataclasses import dataclass, field
from typing import Callable


@dataclass(frozen=True)
class Task:
    id: str                                   # "04.size_to_class": lesson.name
    points: int
    names: tuple[str, ...]                    # names taken from the submission
    title: str
    reference: Callable                       # gomem's answer, run in the grader
    public: Callable[[], list]                # -> [args, ...]
    hidden: Callable[[random.Random], list] = lambda rng: []
    compare: Callable | None = None           # (args, expected, got) -> None | message
    describe: Callable | None = None          # args -> "size_to_class(1000)"
    adapter: str = "plain"                    # see gomem.grading.cases
    forbidden: tuple[str, ...] = ()           # "gomem.sizeclasses.class_of", ...
    allowed_hint: str = ""                    # what the answer may use, for messages
    extra: dict = field(default_factory=dict)

    @property
    def lesson(self) -> str:
        return self.id.split(".", 1)[0]

    @property
    def function(self) -> str:
        return self.names[0]

    def call_text(self, args) -> str:
        if self.describe:
            return self.describe(args)
        return f"{self.function}({', '.join(repr(a) for a in args)})"


def _lesson_modules():
    from gomem.grading import tasks as pkg
    for info in sorted(pkgutil.iter_modules(pkg.__path__), key=lambda i: i.name):
        if info.name.startswith("lesson"):
            yield importlib.import_module(f"{pkg.__name__}.{info.name}")


def all_tasks() -> dict[str, Task]:
    """Every task of every lesson, by id, in lesson order."""
    out: dict[str, Task] = {}
    for mod in _lesson_modules():
        for task in mod.TASKS:
            if task.id in out:
                raise ValueError(f"duplicate task id {task.id}")
            out[task.id] = task
    return out


def lesson_tasks(lesson: str) -> list[Task]:
    return [t for t in all_tasks().values() if t.lesson == lesson]


def lessons() -> list[str]:
    return sorted({t.lesson for t in all_tasks().values()})


def get_task(task_id: str) -> Task:
    tasks = all_tasks()
    if task_id not in tasks:
        known = ", ".join(tasks)
        raise KeyError(f"no task {task_id!r}; known tasks: {known}")
    return tasks[task_id]
