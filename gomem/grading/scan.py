"""A static look at a submission's code, done by the grader on the notebook file.

Two questions, answered without running anything:

* does the function a task asks for (or a notebook helper it calls, transitively)
  reach gomem's own implementation of the thing asked?  ``from gomem.sizeclasses
  import class_of``, ``sc.class_of(...)``, ``span.next_free_index()``,
  ``getattr(sc, "class_of")`` all count.  (The grader also watches calls at run time;
  this catches what a run may not reach.)
* does the notebook redefine ``check``, touch the grader's internals or patch gomem?
  Such things cannot change a grade (grading happens outside the notebook), but the
  instructor is told.
"""

from __future__ import annotations

import ast
import importlib

PATCHABLE = {"gomem", "sys", "builtins", "json", "os", "importlib", "inspect"}
PUBLIC_GRADING = {"gomem.grading", "gomem.grading.check", "gomem.grading.questions"}


def _to_python(source: str) -> str:
    try:
        from IPython.core.inputtransformer2 import TransformerManager
        return TransformerManager().transform_cell(source)
    except Exception:  # noqa: BLE001 - fall back to dropping magic lines
        return "\n".join("" if line.lstrip().startswith(("%", "!")) else line
                         for line in source.splitlines())


class _Notebook:
    def __init__(self, sources):
        self.aliases: dict[str, str] = {}     # local name -> "gomem.sizeclasses.class_of"
        self.star: list[str] = []             # modules imported with *
        self.defs: dict[str, ast.AST] = {}    # top-level functions (last definition wins)
        self.assigns: dict[str, ast.AST] = {}
        self.trees: list[tuple[int, ast.AST]] = []
        self.syntax_errors: list[int] = []
        for n, src in enumerate(sources, start=1):
            try:
                tree = ast.parse(_to_python(src))
            except (SyntaxError, ValueError):
                self.syntax_errors.append(n)
                continue
            self.trees.append((n, tree))
            for node in tree.body:
                self._top(node)
            for node in ast.walk(tree):  # imports anywhere (inside functions too)
                if isinstance(node, (ast.Import, ast.ImportFrom)):
                    self._import(node)

    def _import(self, node):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.asname:
                    self.aliases[a.asname] = a.name
                else:
                    head = a.name.split(".")[0]
                    self.aliases.setdefault(head, head)
        elif node.module and not node.level:
            for a in node.names:
                if a.name == "*":
                    self.star.append(node.module)
                else:
                    self.aliases[a.asname or a.name] = f"{node.module}.{a.name}"

    def _top(self, node):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            self.defs[node.name] = node
            self.assigns.pop(node.name, None)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for t in targets:
                if isinstance(t, ast.Name) and node.value is not None:
                    self.assigns[t.id] = node.value
                    self.defs.pop(t.id, None)

    def resolve(self, node) -> str | None:
        """Qualified name of a Name / Attribute chain, if it starts at an import."""
        parts = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return None
        head = node.id
        if head in self.aliases and head not in self.defs:
            base = self.aliases[head]
        elif head not in self.defs and head not in self.assigns and self.star:
            base = None
            for mod in self.star:
                try:
                    if hasattr(importlib.import_module(mod), head):
                        base = f"{mod}.{head}"
                        break
                except Exception:  # noqa: BLE001
                    continue
            if base is None:
                return None
        else:
            return None
        return ".".join([base] + parts[::-1])


def _names_used(nb: _Notebook, root: ast.AST):
    """Qualified names, attribute names and strings in ``root`` and the helpers it calls."""
    seen, todo = set(), [root]
    qual, attrs, strings = set(), set(), set()
    while todo:
        node = todo.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        for sub in ast.walk(node):
            if isinstance(sub, (ast.Name, ast.Attribute)):
                q = nb.resolve(sub)
                if q:
                    qual.add(q)
                if isinstance(sub, ast.Attribute):
                    attrs.add(sub.attr)
                if isinstance(sub, ast.Name) and sub.id != getattr(root, "name", None):
                    helper = nb.defs.get(sub.id) or nb.assigns.get(sub.id)
                    if helper is not None:
                        todo.append(helper)
            elif isinstance(sub, ast.Constant) and isinstance(sub.value, str):
                strings.add(sub.value)
    return qual, attrs, strings


def forbidden_use(nb: _Notebook, task) -> str | None:
    """Which of gomem's implementations the task's function reaches, if any."""
    root = nb.defs.get(task.function) or nb.assigns.get(task.function)
    if root is None:  # perhaps imported straight from gomem
        imported = nb.resolve(ast.Name(id=task.function, ctx=ast.Load()))
        hits = [f for f in task.forbidden if imported == f]
        return ", ".join(hits) if hits else None
    qual, attrs, strings = _names_used(nb, root)
    hits = set()
    for name in task.forbidden:
        short = name.rsplit(".", 1)[-1]
        owner = name.rsplit(".", 2)[-2]
        if any(q == name or q.startswith(name + ".") for q in qual):
            hits.add(name)
        elif owner[:1].isupper() and short in attrs:  # a method: span.next_free_index()
            hits.add(name)
        elif short in strings and not short.isupper():  # getattr(sc, "class_of")
            hits.add(name)
    if hits:
        return ", ".join(sorted(hits))
    return None


def scan(sources: list[str], tasks) -> tuple[dict[str, str], list[str]]:
    """``({task_id: forbidden names used}, [notes for the instructor])``.

    A patch of a module grading relies on (``sys``, ``builtins``, ``json``, ...) is
    reported under the key ``"*"`` of the flags: it voids every task.
    """
    nb = _Notebook(sources)
    flags = {}
    for task in tasks:
        hit = forbidden_use(nb, task)
        if hit:
            flags[task.id] = hit
    notes = []
    if nb.syntax_errors:
        notes.append("syntax errors in code cell(s) " + ", ".join(map(str, nb.syntax_errors)))
    redefined, internals, patched = set(), set(), set()
    for n, tree in nb.trees:
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) \
                    and node.name == "check":
                redefined.add(n)
            elif isinstance(node, ast.Name) and node.id == "check" \
                    and isinstance(node.ctx, ast.Store):
                redefined.add(n)
            if isinstance(node, (ast.Attribute, ast.Name)):
                q = nb.resolve(node)
                if q and q.startswith("gomem.grading") and q not in PUBLIC_GRADING \
                        and not q.startswith("gomem.grading.questions."):
                    internals.add(n)
                if q and q.split(".")[0] in PATCHABLE and isinstance(node, ast.Attribute) \
                        and isinstance(node.ctx, (ast.Store, ast.Del)):
                    patched.add(f"{q} (cell {n})")
            if isinstance(node, ast.ImportFrom) and node.module \
                    and node.module.startswith("gomem.grading") \
                    and node.module not in PUBLIC_GRADING:
                internals.add(n)
    if redefined:
        notes.append("redefines check in code cell(s) " + ", ".join(map(str, sorted(redefined)))
                     + " (no effect: the grader never uses the notebook's check)")
    if internals:
        notes.append("touches the grader's internals in code cell(s) "
                     + ", ".join(map(str, sorted(internals))) + " (no effect on grading)")
    tamper = sorted(p for p in patched if not p.startswith("gomem"))
    if tamper:
        flags["*"] = ", ".join(tamper)
    if patched:
        notes.append("patches modules the grader relies on: " + ", ".join(sorted(patched)))
    return flags, notes
