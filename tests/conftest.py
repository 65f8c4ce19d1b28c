import os

# Tests draw with matplotlib but never show a window.
os.environ.setdefault("MPLBACKEND", "Agg")
