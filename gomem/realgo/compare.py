"""Hold the model against the real runtime's recorded (or live) probe results.

What must match, and how exactly:

* **reserved size** of every request (``roundupsize``): exactly;
* **nelems** of every span class: every *interior* run of consecutive allocations
  (the first and last runs may be partial spans) is a whole number of spans, i.e. a
  multiple of the model's ``nelems``, and at least one run *is* ``nelems`` unless two
  adjacent spans can join seamlessly (no tail waste and no reserve);
* **MemStats deltas** of each workload snapshot: ``heap_alloc``, ``mallocs``, ``frees``,
  ``heap_objects``, ``total_alloc``, ``num_gc`` and the per-class counts exactly;
  ``heap_inuse`` may be lower in the real runtime by at most one span per span class
  the workload touched — a partly used span the runtime already held before the
  workload started (its own start-up allocations).  ``heap_sys``/``heap_idle``/
  ``heap_released`` are not compared: the scavenger moves them in the background.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gomem.realgo import model
from gomem.sizeclasses import CLASS_TO_NPAGES, CLASS_TO_SIZE, PAGE_SIZE, class_of

EXACT = ("heap_alloc", "mallocs", "frees", "heap_objects", "total_alloc", "num_gc", "by_class_all")


@dataclass
class Report:
    """Comparison of one mode: counts checked and every disagreement found."""

    mode: str
    checked: dict = field(default_factory=dict)
    mismatches: list[str] = field(default_factory=list)
    residuals: dict = field(default_factory=dict)   # workload/label -> model - real heap_inuse

    @property
    def ok(self) -> bool:
        return not self.mismatches


def compare_roundup(recorded: dict, report: Report) -> None:
    predicted = model.roundup({k: [int(n) for n in v] for k, v in recorded.items()})
    n = 0
    for kind in ("noscan", "scan"):
        for size, real in recorded[kind].items():
            n += 1
            if predicted[kind][size] != real:
                report.mismatches.append(f"roundupsize({size}, {kind}): model "
                                         f"{predicted[kind][size]}, Go {real}")
    report.checked["roundup sizes"] = n


def seamless(sizeclass: int, nelems: int) -> bool:
    """Whether a span's objects fill it exactly, so adjacent spans look like one run."""
    return nelems * CLASS_TO_SIZE[sizeclass] == CLASS_TO_NPAGES[sizeclass] * PAGE_SIZE


def compare_nelems(recorded: list, greenteagc: bool, report: Report) -> None:
    """Interior address runs are whole spans once past the runtime's partial spans.

    The first runs may be spans the runtime had already started (fewer free slots), the
    last is where the probe stopped.  For layouts where spans join seamlessly, runs are
    sums of spans and ``nelems`` is not observable this way; they are counted apart.
    """
    unobservable = 0
    for res in recorded:
        sizeclass = class_of(res["size"])
        want = model.nelems(sizeclass, res["noscan"], greenteagc)
        if seamless(sizeclass, want):
            unobservable += 1
            continue
        interior = res["runs"][1:-1]
        while interior and interior[0] != want:
            interior = interior[1:]   # partial spans held by the runtime before the probe
        if not interior or any(r != want for r in interior):
            report.mismatches.append(f"nelems class {sizeclass} {'noscan' if res['noscan'] else 'scan'}:"
                                     f" model {want}, Go runs {res['runs']}")
    report.checked["span classes (nelems)"] = len(recorded) - unobservable
    report.checked["span classes (nelems not observable: spans join seamlessly)"] = unobservable


def inuse_slack(workload: dict) -> int:
    """Bytes of pre-existing partial spans that may explain a lower real heap_inuse."""
    return sum(CLASS_TO_NPAGES[sc] * PAGE_SIZE for sc, _ in model.classes_touched(workload))


def compare_workload(workload: dict, real: list[dict], greenteagc: bool, report: Report) -> None:
    """``real``: the probe's snapshots for ``workload``."""
    predicted = model.run_workload(workload, greenteagc)
    slack = inuse_slack(workload)
    for mine, theirs in zip(predicted["snapshots"], real, strict=True):
        where = f"{workload['name']}/{theirs['label']}"
        for f in EXACT:
            if mine[f] != theirs[f]:
                report.mismatches.append(f"{where}: {f} model {mine[f]}, Go {theirs[f]}")
        residual = mine["heap_inuse"] - theirs["heap_inuse"]
        report.residuals[where] = residual
        if not 0 <= residual <= slack:
            report.mismatches.append(f"{where}: heap_inuse model {mine['heap_inuse']}, Go "
                                     f"{theirs['heap_inuse']} (allowed slack 0..{slack})")
    report.checked["workload snapshots"] = report.checked.get("workload snapshots", 0) + len(real)


def compare_all(results: dict, workloads: list[dict]) -> Report:
    """Compare a full probe record (one mode) with the model."""
    greenteagc = bool(results["info"]["greenteagc"])
    report = Report("greentea" if greenteagc else "classic")
    compare_roundup(results["roundup"], report)
    compare_nelems(results["nelems"], greenteagc, report)
    for w in workloads:
        if w["name"] in results["workloads"]:
            compare_workload(w, results["workloads"][w["name"]], greenteagc, report)
    return report
