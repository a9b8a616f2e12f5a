"""``spot-otel layer``: build the Lambda layer.

``build`` writes a reproducible layer zip (the exec wrapper at its root,
spot-otel and its dependencies under ``python/``) and prints its path, size
and digest, and the AWS CLI command that publishes it.  The work is in
:mod:`spot_otel.layer`; this module parses and prints.  Progress goes to
standard error, the result to standard output.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from spot_otel.cli import CliError
from spot_otel.layer import (
    DEFAULT_ARCH,
    DEFAULT_PYTHON,
    PLATFORMS,
    LayerBuildError,
    LayerOptions,
    LayerResult,
    build_layer,
)

_MIB = 1024 * 1024


def add_parser(subparsers: Any, name: str, help_text: str) -> None:
    parser = subparsers.add_parser(name, help=help_text, description=help_text)
    commands = parser.add_subparsers(dest="layer_command", metavar="COMMAND")
    commands.required = True

    build = commands.add_parser(
        "build",
        help="build the layer zip",
        description=(
            "Build a Lambda layer zip: the exec wrapper at /opt/spot-otel-wrapper "
            "and spot-otel with its dependencies, for the Lambda platform, in "
            "/opt/python.  The same inputs give the same bytes."
        ),
    )
    build.add_argument(
        "--python",
        default=DEFAULT_PYTHON,
        metavar="VERSION",
        help=f"the Lambda Python runtime version (default {DEFAULT_PYTHON})",
    )
    build.add_argument(
        "--arch",
        choices=tuple(PLATFORMS),
        default=DEFAULT_ARCH,
        help=f"the functions' architecture (default {DEFAULT_ARCH})",
    )
    build.add_argument(
        "-o",
        "--output",
        type=Path,
        metavar="FILE",
        help="where to write the zip (default: spot-otel-layer-<version>-"
        "py<python>-<arch>.zip here)",
    )
    build.add_argument(
        "--with-boto3",
        action="store_true",
        help="also pack boto3 and botocore (the Lambda runtime ships them)",
    )
    build.add_argument(
        "--no-deps",
        dest="dependencies",
        action="store_false",
        help="pack spot-otel alone, for functions that bring OpenTelemetry "
        "themselves",
    )
    build.add_argument(
        "--wheels",
        type=Path,
        metavar="DIR",
        help="install the dependencies from the wheel files in DIR only, offline",
    )
    build.set_defaults(handler=_build)


def _build(args: argparse.Namespace) -> int:
    options = LayerOptions(
        python=args.python,
        arch=args.arch,
        output=args.output,
        with_boto3=args.with_boto3,
        dependencies=args.dependencies,
        wheels=args.wheels,
    )
    try:
        result = build_layer(options, progress=_progress)
    except LayerBuildError as exc:
        raise CliError(str(exc)) from None

    print(_report(options, result))
    return 0


def _progress(line: str) -> None:
    print(f"[spot-otel] {line}", file=sys.stderr, flush=True)


def _report(options: LayerOptions, result: LayerResult) -> str:
    boto3 = "packed" if options.with_boto3 else "from the Lambda runtime"
    lines = [
        f"built {result.path}",
        f"  size     {result.size / _MIB:.1f} MiB ({result.size} bytes); "
        f"{result.unpacked_size / _MIB:.1f} MiB unpacked in {result.files} files",
        f"  sha256   {result.sha256}",
        f"  target   {options.runtime} {options.arch}; boto3 {boto3}",
        f"  contains {', '.join(result.distributions)}",
    ]
    lines.extend(f"  note     {note}" for note in result.notes)
    lines.append(
        "publish it with:\n"
        f"  aws lambda publish-layer-version --layer-name spot-otel "
        f"--zip-file fileb://{result.path} --compatible-runtimes {options.runtime} "
        f"--compatible-architectures {options.arch}"
    )
    return "\n".join(lines)
