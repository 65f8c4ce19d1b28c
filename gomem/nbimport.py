"""Import this before ``nbformat``: it keeps jsonschema from loading its IRI checker.

jsonschema imports ``rfc3987_syntax`` whenever it is installed (JupyterLab's
jupyter-events pulls it in); that module builds 38 Lark grammars at import time, 2.4 s of
the 2.5 s an ``import nbformat`` takes on the course machine, for the ``iri`` string
formats that notebook validation never checks.  Marking the module absent before
jsonschema is first imported makes jsonschema skip those two formats (it imports the
module inside ``suppress(ImportError)``) and ``import nbformat`` take 0.35 s.

Used by every gomem process that reads notebooks (the grader's per-submission workers,
``gomem notebooks``, the bench) and, via ``-p gomem.nbimport`` in pytest's addopts,
by pytest before the nbval plugin loads.  Nothing else in the process changes.
"""

import sys

if "jsonschema" not in sys.modules:
    sys.modules.setdefault("rfc3987_syntax", None)
