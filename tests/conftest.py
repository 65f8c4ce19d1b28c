import os

# Tests draw with matplotlib but never show a window.
os.environ.setdefault("MPLBACKEND", "Agg")

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    """Figures a test made through pyplot are closed after it (pyplot keeps them open)."""
    yield
    import sys
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
