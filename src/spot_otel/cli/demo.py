"""``spot-otel demo``: run the example chains locally and draw each one.

Parsing, progress and output only; the work is in :mod:`spot_otel.demo`.
Progress goes to stderr, one line a step; the trees go to stdout.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from spot_otel.cli import CliError, takes_unicode

if TYPE_CHECKING:
    from spot_otel.demo import ChainRun

_EPILOG = """\
examples:
  spot-otel demo                        every chain; pictures in out/demo/
  spot-otel demo --only webapp wordcount --out /tmp/pictures
  spot-otel demo --logs                 show the functions' own log lines too

Nothing leaves the machine: the AWS the functions talk to is moto, embedded,
on 127.0.0.1.  Exit codes: 0 every chain drawn in full; 1 a chain failed or
its graph missed an invocation; 2 the demo could not run.
"""


def add_parser(subparsers: Any, name: str, help_text: str) -> None:
    from spot_otel.demo import CHAINS, DEFAULT_OUT_DIR

    parser = subparsers.add_parser(
        name,
        help=help_text,
        description=(
            "Run the example applications on the embedded AWS and the local "
            "runtime, instrumented, and print the causal graph of each chain."
        ),
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=DEFAULT_OUT_DIR,
        metavar="DIR",
        help=f"where the SVG, HTML and JSON pictures go (default: {DEFAULT_OUT_DIR})",
    )
    parser.add_argument(
        "--only",
        nargs="+",
        choices=[chain.name for chain in CHAINS],
        metavar="NAME",
        help=f"run only these chains: {', '.join(chain.name for chain in CHAINS)}",
    )
    parser.add_argument(
        "--examples",
        type=Path,
        metavar="DIR",
        help="the examples directory (default: examples/ of this source tree)",
    )
    parser.add_argument(
        "--logs",
        action="store_true",
        help="echo the functions' log lines to stderr",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from spot_otel.demo import Demo, DemoError

    started = time.monotonic()
    demo = Demo(
        out_dir=args.out,
        only=args.only,
        examples=args.examples,
        progress=_progress,
        on_chain=_print_chain,
        log_stream=sys.stderr if args.logs else None,
        ascii=not takes_unicode(sys.stdout),
    )
    try:
        runs = demo.run()
    except DemoError as exc:
        raise CliError(str(exc)) from None

    failed = [chain_run.chain.name for chain_run in runs if not chain_run.ok]
    elapsed = time.monotonic() - started
    _progress(f"pictures are in {args.out}/ ({elapsed:.0f} s in all)")
    if failed:
        _progress(f"not drawn in full: {', '.join(failed)}")
        return 1
    return 0


def _print_chain(chain_run: ChainRun) -> None:
    lines = [f"== {chain_run.chain.name}: {chain_run.chain.title}"]
    if chain_run.error is not None:
        lines.append(f"FAILED: {chain_run.error}")
    else:
        lines.append(chain_run.text.rstrip("\n"))
        if chain_run.outcome:
            lines.append(f"outcome: {chain_run.outcome}")
        if chain_run.files:
            lines.append("pictures: " + ", ".join(str(path) for path in chain_run.files))
    sys.stdout.write("\n".join(lines) + "\n\n")
    sys.stdout.flush()


def _progress(line: str) -> None:
    # One write per line: worker log lines may be echoed from other threads.
    sys.stderr.write(f"[demo] {line}\n")
    sys.stderr.flush()
