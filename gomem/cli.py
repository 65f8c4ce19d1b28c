"""The ``gomem`` command.

Each subcommand lives in its own module and is imported only when it runs, so
``gomem --help`` stays fast and a missing optional dependency only affects the
subcommand that needs it.  A subcommand module provides two functions:
``add_arguments(parser)`` and ``run(args) -> int``.
"""

from __future__ import annotations

import argparse
import importlib
import sys

# name -> (module, one-line help)
SUBCOMMANDS = {
    "sizeclasses": ("gomem.sizeclasses_cli", "print the size-class table the model generates"),
    "trace": ("gomem.trace_cli", "allocate and print the path each allocation takes"),
    "realgo": ("gomem.realgo.cli", "compare the model with the real Go runtime"),
    "grade": ("gomem.grading.cli", "grade exercise submissions"),
    "exercises": ("gomem.grading.generate", "generate exercises/ from solutions/"),
    "bench": ("gomem.bench.cli", "benchmark the model (and the real runtime when Go is present)"),
    "notebooks": ("gomem.nbtools", "execute course notebooks and store their outputs"),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gomem", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module, help_text) in SUBCOMMANDS.items():
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as err:
            if not module.startswith(err.name or "?"):
                raise  # a real missing dependency inside the module
            continue  # this checkout has no such subcommand
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(_module=module)
        mod.add_arguments(p)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help()
        return 2
    return importlib.import_module(args._module).run(args)


if __name__ == "__main__":
    sys.exit(main())
