"""Execute notebooks and store their outputs the way the course commits them.

``gomem notebooks run course/01_virtual_memory.ipynb ...`` executes each
notebook in a fresh kernel (cwd = the notebook's folder), with no timing
metadata and without the random widget-state blob, so that the stored outputs
are deterministic and strict nbval can compare them.

A widget cannot be stored without its (random, bulky) state, and a stored view
without state shows "Error displaying widget" when the notebook is opened.  So a
widget's output is stored as a plain hint to run the cell instead.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

CELL_TIMEOUT = 300
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
WIDGET_HINT = "▶ Run this cell to show the interactive widget."


def strip_widget_views(nb) -> None:
    """Replace stored widget views by a hint, and drop the widget state."""
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        for out in cell.get("outputs", []):
            if WIDGET_VIEW in out.get("data", {}):
                out["data"] = {"text/plain": WIDGET_HINT}


def execute_notebook(path: Path, *, timeout: int = CELL_TIMEOUT, allow_errors: bool = False,
                     kernel_name: str = "python3"):
    """Execute the notebook at ``path`` in place and return it."""
    import gomem.nbimport  # noqa: F401  (before nbformat: 2 s faster)
    import nbformat   # imported here: it takes seconds, and `gomem --help` should not
    from nbclient import NotebookClient

    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name=kernel_name,
                            allow_errors=allow_errors, record_timing=False,
                            resources={"metadata": {"path": str(path.parent)}})
    client.execute()
    strip_widget_views(nb)
    nbformat.write(nb, path)
    return nb


def add_arguments(parser) -> None:
    sub = parser.add_subparsers(dest="action", required=True)
    run = sub.add_parser("run", help="execute notebooks in place, storing their outputs")
    run.add_argument("paths", nargs="+", type=Path)
    run.add_argument("--timeout", type=int, default=CELL_TIMEOUT, help="per-cell timeout (s)")


def run(args) -> int:
    for path in args.paths:
        start = time.perf_counter()
        execute_notebook(path, timeout=args.timeout)
        print(f"{path}: executed in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    return 0
