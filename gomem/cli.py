"""The ``gomem`` command.

Each subcommand lives in its own module, imported only when that subcommand runs, so
``gomem --help`` stays fast.  A subcommand module provides two functions:
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
    "shootout": ("gomem.shootout.cli", "replay malloc traces through gomem and free-list allocators"),
    "notebooks": ("gomem.nbtools", "execute course notebooks and store their outputs"),
}


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser; only ``command``'s module is imported to add its arguments."""
    parser = argparse.ArgumentParser(prog="gomem", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, (module, help_text) in SUBCOMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        p.set_defaults(_module=module)
        if name == command:
            importlib.import_module(module).add_arguments(p)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    command = next((a for a in argv if not a.startswith("-")), None)
    parser = build_parser(command if command in SUBCOMMANDS else None)
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help()
        return 2
    return importlib.import_module(args._module).run(args)


if __name__ == "__main__":
    sys.exit(main())
