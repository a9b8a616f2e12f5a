"""The ``spot-otel`` command line: thin parsing and output over the parts.

Each command group lives in its own module and registers itself with
``add_parser(subparsers)``; its handler returns the process exit code.
Modules are imported only when their group is asked for, so ``spot-otel
table create`` does not pay for the local runtime's imports.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Callable, Sequence

from spot_otel.version import __version__

# group name -> (module, one-line help)
_GROUPS: dict[str, tuple[str, str]] = {
    "table": ("spot_otel.cli.table", "create, describe and dump the spotFns table"),
    "graph": ("spot_otel.cli.graph", "draw the causal graph of one request"),
    "local": ("spot_otel.cli.local", "run functions on the local runtime"),
    "demo": ("spot_otel.cli.demo", "run the example chains locally and draw them"),
    "layer": ("spot_otel.cli.layer", "build the Lambda layer"),
}


def takes_unicode(stream: object) -> bool:
    """Whether ``stream`` can show the text tree's box-drawing characters."""
    try:
        "├─▸".encode(getattr(stream, "encoding", None) or "ascii")
    except (UnicodeEncodeError, LookupError):
        return False
    return True


class CliError(Exception):
    """A user-facing error: printed as one line, exit code 2."""


def build_parser(groups: Sequence[str] | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="spot-otel",
        description="Trace AWS Lambda applications in causal order.",
    )
    parser.add_argument("--version", action="version", version=__version__)
    subparsers = parser.add_subparsers(dest="group", metavar="COMMAND")
    subparsers.required = True
    for name in groups if groups is not None else _GROUPS:
        module_name, help_text = _GROUPS[name]
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name != module_name:
                raise
            continue
        module.add_parser(subparsers, name, help_text)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # Import only the group asked for; fall back to all for help output.
    wanted = [argv[0]] if argv and argv[0] in _GROUPS else None
    parser = build_parser(wanted)
    args = parser.parse_args(argv)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except CliError as exc:
        print(f"spot-otel: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("spot-otel: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
