"""``gomem bench``: what the model costs, beside what the real runtime costs.

Every case is timed on the model in-process and, when a Go toolchain is found, on the
real runtime in the same run (``gobench.go``, built like the probes), so the ratio is
measured on one machine at one moment.  Targets (reported, never asserted in tests):
per-call small malloc at most 50x the runtime's time, bulk replay at most 5x, a 1 GiB
simulated heap in at most 100 MB of Python memory, flat cost per malloc as the heap
grows, every widget update under 100 ms.
"""
