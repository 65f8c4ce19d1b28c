"""``makeClasses`` step by step: why each candidate size becomes a class, grows one, or not.

:func:`gomem.sizeclasses.make_classes` is the generator; this module replays the same walk and
records, for every candidate size, the alignment step, the pages the ≤ 12.5 % tail rule picks,
the objects per span and the decision.  Lesson 04 prints a few of these steps; the tests check
that the replay ends with exactly the generator's table.
"""

from __future__ import annotations

from typing import NamedTuple

from gomem.sizeclasses import LARGE_SIZE_DIV, PAGE_SIZE, candidate_sizes


class Step(NamedTuple):
    """One candidate size of the walk in ``makeClasses``."""

    size: int          # candidate object size
    align: int         # step to the next candidate
    npages: int        # fewest pages with tail <= span/8
    tries: tuple       # (pages, tail bytes) tried until the rule held
    objects: int       # span bytes // size
    tail: int          # span bytes % size
    decision: str      # "new class N" or "replaces class N (same pages, same objects)"


def tail_rule(size: int) -> tuple[int, tuple]:
    """Fewest 8 KiB pages whose tail (span % size) is at most 1/8 of the span, and the tries."""
    tries = []
    allocsize = PAGE_SIZE
    while True:
        tries.append((allocsize // PAGE_SIZE, allocsize % size))
        if allocsize % size <= allocsize // 8:
            return allocsize // PAGE_SIZE, tuple(tries)
        allocsize += PAGE_SIZE


def walk() -> list[Step]:
    """Every candidate size of ``makeClasses``' first pass, with its decision."""
    steps: list[Step] = []
    classes = [(0, 0)]
    for size, align in candidate_sizes():
        npages, tries = tail_rule(size)
        span = npages * PAGE_SIZE
        prev_size, prev_npages = classes[-1]
        if len(classes) > 1 and npages == prev_npages and span // size == span // prev_size:
            classes[-1] = (size, npages)
            decision = f"replaces class {len(classes) - 1} (same pages, same objects)"
        else:
            classes.append((size, npages))
            decision = f"new class {len(classes) - 1}"
        steps.append(Step(size, align, npages, tries, span // size, span % size, decision))
    return steps


def final_pass(classes: list[tuple[int, int]]) -> list[tuple[int, int, int]]:
    """The last pass: (class, size before, size after) for classes that grow to a 128-multiple."""
    grown = []
    for i, (size, npages) in enumerate(classes[1:], start=1):
        span = npages * PAGE_SIZE
        new = (span // (span // size)) & ~(LARGE_SIZE_DIV - 1)
        if new > size:
            grown.append((i, size, new))
    return grown


def first_pass_classes() -> list[tuple[int, int]]:
    """The table after the walk, before the final pass."""
    classes = [(0, 0)]
    for st in walk():
        if st.decision.startswith("new"):
            classes.append((st.size, st.npages))
        else:
            classes[-1] = (st.size, st.npages)
    return classes


def replay() -> list[tuple[int, int]]:
    """Walk + final pass; equals :func:`gomem.sizeclasses.make_classes` (tested)."""
    classes = first_pass_classes()
    for i, _, new in final_pass(classes):
        classes[i] = (new, classes[i][1])
    return classes

