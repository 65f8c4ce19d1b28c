"""gomem.nbimport: nbformat loads without jsonschema's IRI checker and still validates."""

import subprocess
import sys

SCRIPT = """
import sys
import gomem.nbimport
import nbformat
nb = nbformat.read("course/00_start_here.ipynb", as_version=4)
nbformat.validate(nb)
bad = nbformat.v4.new_notebook()
bad.cells.append({"cell_type": "code", "source": 3})
try:
    nbformat.validate(bad)
except nbformat.ValidationError:
    print("invalid notebook rejected")
print("iri checker loaded:", sys.modules.get("rfc3987_syntax") is not None)
"""


def test_nbformat_validates_without_the_iri_checker():
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                         check=True).stdout
    assert "invalid notebook rejected" in out
    assert "iri checker loaded: False" in out
