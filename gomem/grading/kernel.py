"""Running a submission in a fresh kernel, and calling its functions from outside.

Everything here runs in the grading worker (one process per submission, see
:mod:`gomem.grading.worker`); the submission's code runs only in the kernel, a separate
process in its own session, whose cwd is a throw-away copy of the notebook's folder.

Before the first cell the kernel gets a *guard* (:data:`GUARD`): an audit hook
(``sys.addaudithook`` — it cannot be removed once added) that refuses writes, deletes,
renames, process spawning and signals to other processes outside the copy, logging each
refusal to a file the grader reads; and a cap on printed output.  The driver
(:data:`DRIVER`) calls one task's function on the grader's inputs and writes one JSON
line per input, so the grader learns exactly which input looped or killed the kernel.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import gomem.nbimport  # noqa: F401  (before nbformat: 2 s faster)
import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbclient.util import ensure_async, run_sync

GUARD = r'''
def _gomem_guard(allowed, log_path, cap):
    import os, sys
    allowed = tuple(os.path.realpath(p) for p in allowed)
    log_fd = os.open(log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    WRITE = os.O_WRONLY | os.O_RDWR | os.O_APPEND | os.O_CREAT | os.O_TRUNC
    PATHS = {"os.remove": (0,), "os.rmdir": (0,), "os.mkdir": (0,), "os.rename": (0, 1),
             "shutil.rmtree": (0,), "os.truncate": (0,), "os.chmod": (0,), "os.chown": (0,),
             "os.symlink": (1,), "os.link": (1,), "os.utime": (0,), "shutil.copyfile": (1,),
             "shutil.copytree": (1,), "shutil.move": (1,), "os.chdir": ()}
    SPAWN = {"subprocess.Popen", "os.system", "os.exec", "os.posix_spawn", "os.spawn",
             "os.fork", "os.forkpty", "pty.spawn", "os.startfile"}
    me = os.getpid()

    def inside(path):
        try:
            p = os.path.realpath(os.fsdecode(path))
        except Exception:
            return True
        return any(p == a or p.startswith(a + os.sep) for a in allowed) or p.startswith("/dev/")

    def refuse(event, what):
        try:
            os.write(log_fd, (event + "\t" + str(what)[:300].replace("\n", " ") + "\n").encode())
        except Exception:
            pass
        raise PermissionError(f"gomem grade: {event} {what!r} is not allowed while grading "
                              "(only the submission's own folder may be written)")

    def hook(event, args):
        if event == "open":
            path, mode, flags = args
            if path is None or isinstance(path, int):
                return
            writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) \
                or bool((flags or 0) & WRITE)
            if writing and not inside(path):
                refuse("open for writing", path)
        elif event in PATHS:
            for i in PATHS[event]:
                if i < len(args) and isinstance(args[i], (str, bytes, os.PathLike)) \
                        and not inside(args[i]):
                    refuse(event, args[i])
        elif event in SPAWN:
            refuse(event, args[0] if args else "")
        elif event in ("os.kill", "os.killpg") and args and args[0] not in (me,):
            refuse(event, args[0])

    sys.addaudithook(hook)

    budget = [cap]
    def capped(write, stream):
        def write_capped(text):
            if budget[0] <= 0:
                return len(text)
            budget[0] -= len(text)
            if budget[0] <= 0:
                text = text[:len(text) + budget[0]] + "\n[gomem grade: output cut here]\n"
                try:
                    os.write(log_fd, f"output-cut\t{cap}\n".encode())
                except Exception:
                    pass
            return write(text)
        return write_capped
    def wrap_streams(*args):
        # IPython swaps stream.write around every cell (to keep outputs in its history)
        # and restores it afterwards, so the cap is put back at the start of each cell.
        for stream in (sys.stdout, sys.stderr):
            try:
                if not getattr(stream.write, "_gomem_capped", False):
                    write = capped(stream.write, stream)
                    write._gomem_capped = True
                    stream.write = write
            except Exception:
                pass
    try:
        get_ipython().events.register("pre_run_cell", wrap_streams)
    except Exception:
        pass
    wrap_streams()

'''

DRIVER = r'''
def _gomem_driver(spec_text, cases_source):
    import json, sys
    spec = json.loads(spec_text)
    cases = {"__name__": "gomem_grading_cases"}
    exec(compile(cases_source, "<gomem-grading-cases>", "exec"), cases)
    out = open(spec["out"], "w")
    def emit(obj):
        out.write(json.dumps(obj) + "\n")
        out.flush()
    ns = sys.modules["__main__"].__dict__
    fn = ns.get(spec["name"], None)
    if fn is None or not callable(fn):
        emit({"__missing__": spec["name"], "type": type(fn).__name__})
        out.close()
        return
    codes = {}
    for qual in spec["forbidden"]:
        parts = qual.split(".")
        obj = None
        for cut in range(len(parts) - 1, 0, -1):
            try:
                obj = __import__(".".join(parts[:cut]), fromlist=["_"])
                for p in parts[cut:]:
                    obj = getattr(obj, p)
                break
            except Exception:
                obj = None
        code = getattr(obj, "__code__", None)
        if code is not None:
            codes[code] = qual
    hits = set()
    def profile(frame, event, arg):
        if event == "call" and frame.f_code in codes:
            hits.add(codes[frame.f_code])
    for args in spec["cases"]:
        sys.setprofile(profile)
        try:
            result = cases["run_case"](spec["adapter"], fn, args)
        except KeyboardInterrupt:
            sys.setprofile(None)
            emit({"__timeout__": True})
            break
        finally:
            sys.setprofile(None)
        emit(result)
    builtin = type(len)
    tampered = [n for n in ("setprofile", "getprofile")
                if type(getattr(sys, n, None)) is not builtin]
    emit({"__done__": True, "hits": sorted(hits) + ["sys." + n for n in tampered]})
    out.close()

'''

CASES_SOURCE = (Path(__file__).with_name("cases.py")).read_text()
MAX_RESULTS_BYTES = 32 << 20


class _QuietClient(NotebookClient):
    """Keeps only error outputs (bounded), so no output can swell the grader."""

    def output(self, outs, msg, display_id, cell_index):
        if msg["msg_type"] == "error":
            content = msg["content"]
            self.last_error = (str(content.get("ename", ""))[:100],
                               str(content.get("evalue", ""))[:300])
        return None


def _note_error(cell, cell_index, execute_reply):
    content = execute_reply.get("content", {})
    cell.metadata["gomem_error"] = (str(content.get("ename", ""))[:100],
                                    str(content.get("evalue", ""))[:300])


class Session:
    """One kernel for one submission; restartable."""

    def __init__(self, cells: list[str], root: Path, timeout: float, output_cap: int = 1 << 20,
                 pid_file: Path | None = None):
        self.cells = cells
        self.pid_file = pid_file or root / "kernel.pids"  # so a killed worker's kernels die too
        self.root = root                     # private to the grader
        self.work = root / "work"            # the kernel's cwd: the only writable place
        self.timeout = timeout
        self.output_cap = output_cap
        self.client: _QuietClient | None = None
        self.skipped: dict[int, str] = {}    # cell number -> why it was skipped
        self.cell_errors: dict[int, str] = {}
        self.events: list[str] = []
        self.kernel_pids: list[int] = []
        self.starts = 0
        self._calls = 0

    # --- kernel life ------------------------------------------------------------------

    def _env(self):
        env = dict(os.environ)
        env.update(TMPDIR=str(self.work / "tmp"), PYTHONDONTWRITEBYTECODE="1",
                   OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MPLBACKEND="Agg",
                   PYDEVD_DISABLE_FILE_VALIDATION="1")
        env.pop("JPY_PARENT_PID", None)
        return env

    def start(self):
        self.stop()
        self.starts += 1
        (self.work / "tmp").mkdir(parents=True, exist_ok=True)
        nb = nbformat.v4.new_notebook()
        client = _QuietClient(nb, timeout=self.timeout, kernel_name="python3", allow_errors=True,
                              record_timing=False, shutdown_kernel="immediate",
                              iopub_timeout=1, on_cell_error=_note_error,
                              resources={"metadata": {"path": str(self.work)}})
        client.km = client.create_kernel_manager()
        log = open(self.root / "kernel.log", "ab")
        try:
            client.start_new_kernel(cwd=str(self.work), env=self._env(),
                                    stdout=log, stderr=log)
        finally:
            log.close()
        client.start_new_kernel_client()
        self.client = client
        pid = getattr(getattr(client.km, "provisioner", None), "pid", None)
        if pid:
            self.kernel_pids.append(pid)
            with open(self.pid_file, "a") as f:
                f.write(f"{pid}\n")
        guard = GUARD + (f"\n_gomem_guard({[str(self.work)]!r}, "
                         f"{str(self.root / 'blocked.log')!r}, {self.output_cap!r})\n"
                         "del _gomem_guard\n")
        status, _ = self._run(guard, timeout=30, history=False)
        if status != "ok":
            raise RuntimeError(f"could not set up the kernel ({status})")

    def stop(self):
        client, self.client = self.client, None
        if client is None:
            return
        try:
            client._cleanup_kernel()
        except Exception:  # noqa: BLE001 - a dead kernel may refuse a clean stop
            pass
        kill_kernels(self.kernel_pids)

    def alive(self) -> bool:
        try:
            return self.client is not None and bool(_sync(self.client.km.is_alive))
        except Exception:  # noqa: BLE001
            return False

    # --- running code -----------------------------------------------------------------

    def _run(self, source, timeout, history=True):
        """Run ``source``; ``("ok" | "error" | "timeout" | "dead", error text)``."""
        client = self.client
        cell = nbformat.v4.new_code_cell(source)
        client.nb.cells = [cell]
        client.timeout = timeout
        client.last_error = None
        try:
            client.execute_cell(cell, 0, store_history=history)
        except CellTimeoutError:
            return "timeout", ""
        except DeadKernelError:
            return "dead", ""
        except Exception as err:  # noqa: BLE001 - zmq trouble and the like
            return ("dead" if not self.alive() else "error"), f"{type(err).__name__}: {err}"
        error = cell.metadata.get("gomem_error") or client.last_error
        if error:
            return "error", ": ".join(error)
        return "ok", ""

    def _recover(self) -> bool:
        """After a timeout: interrupt; True if the kernel answers again."""
        try:
            _sync(self.client.km.interrupt_kernel)
        except Exception:  # noqa: BLE001
            return False
        status, _ = self._run("pass", timeout=5, history=False)
        if status not in ("ok", "error"):  # an error is the interrupt arriving late
            self.stop()  # stuck for good: the next user starts a fresh kernel
            return False
        return True

    def run_notebook(self, max_restarts: int = 3):
        """Run every code cell in order; a cell that kills or hangs the kernel is skipped
        and the notebook run again from the top in a fresh kernel."""
        for _ in range(max_restarts + 1):
            self.start()
            self.cell_errors = {}
            restart = False
            for n, src in enumerate(self.cells, start=1):
                if n in self.skipped:
                    continue
                status, err = self._run(src, self.timeout)
                if status == "error":
                    self.cell_errors[n] = err
                elif status == "timeout":
                    if self._recover():
                        self.cell_errors[n] = f"timed out after {self.timeout:g} s (interrupted)"
                        self.events.append(f"cell {n} timed out after {self.timeout:g} s "
                                           "and was interrupted")
                        # a re-run (after a later cell kills the kernel) skips it
                        self.skipped[n] = "timed out (skipped on re-runs)"
                    else:
                        self.skipped[n] = f"timed out after {self.timeout:g} s and would not stop"
                        restart = True
                        break
                elif status == "dead":
                    self.skipped[n] = "killed the kernel"
                    restart = True
                    break
            if not restart:
                return True
            self.events.append(f"cell {n} {self.skipped[n]}; skipped it and ran the notebook "
                               "again in a fresh kernel")
        return False

    def call(self, name, adapter, cases, forbidden, timeout):
        """Call ``name`` on every case inside the kernel.  Returns ``(status, results, hits)``
        with status ``ok`` / ``missing`` / ``timeout`` / ``dead`` / ``error``."""
        self._calls += 1
        out = self.work / ".gomem-grader" / f"call{self._calls}.jsonl"
        out.parent.mkdir(exist_ok=True)
        spec = {"name": name, "adapter": adapter, "cases": cases,
                "forbidden": list(forbidden), "out": str(out)}
        code = DRIVER + (f"\n_gomem_driver({json.dumps(spec)!r}, {CASES_SOURCE!r})\n"
                          "del _gomem_driver\n")
        status, err = self._run(code, timeout, history=False)
        if status == "timeout":
            if not self._recover():
                status = "dead"
        results, done, hits, missing = read_results(out)
        if missing is not None:
            return "missing", missing, []
        if status == "ok" and not done:
            status = "error"
            err = err or "the driver stopped early"
        if status == "error" and not done:
            return "error", err, []
        return status if not done else "ok", results, hits


def _sync(method):
    """Call a kernel-manager method that may be a coroutine function."""
    async def call():
        return await ensure_async(method())
    return run_sync(call)()


def read_results(path: Path):
    results, done, hits, missing = [], False, [], None
    try:
        if path.stat().st_size > MAX_RESULTS_BYTES:
            return results, done, hits, "results too large"
        lines = path.read_text().splitlines()
    except (OSError, UnicodeDecodeError):
        return results, done, hits, None
    for line in lines:
        try:
            item = json.loads(line)
        except ValueError:
            break
        if isinstance(item, dict) and item.get("__done__"):
            done = True
            hits = [h for h in item.get("hits", []) if isinstance(h, str)]
            break
        if isinstance(item, dict) and "__missing__" in item:
            missing = f"{item.get('type')}"
            break
        results.append(item)
    return results, done, hits, missing


def kill_kernels(pids):
    import signal
    for pid in pids:
        try:
            os.killpg(pid, signal.SIGKILL)  # the kernel leads its own session
        except (ProcessLookupError, PermissionError, OSError):
            pass


def copy_submission(path: Path, work: Path) -> Path:
    """A throw-away copy of the notebook (only the notebook) for the kernel to run in."""
    work.mkdir(parents=True, exist_ok=True)
    target = work / path.name
    shutil.copyfile(path, target)
    return target
