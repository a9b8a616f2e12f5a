"""``spot-otel graph``: draw the causal graph of one request, or aggregate many.

Parsing and output only; the work is in :mod:`spot_otel.graph`.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from spot_otel.cli import CliError, takes_unicode
from spot_otel.environment_variables import (
    OTEL_EXPORTER_SPOTFNS_REGION,
    OTEL_EXPORTER_SPOTFNS_TABLE,
    env_str,
)
from spot_otel.records import DEFAULT_TABLE

_EPILOG = """\
examples:
  spot-otel graph --request-id 8f1c0b7e-...            text tree from the table
  spot-otel graph --trace-id 4bf92f35... --format json
  spot-otel graph --request-id 8f1c... -o request.html   format from the extension
  spot-otel graph --since 1h --limit 20                 recent requests, table
  spot-otel graph --dump spotfns.jsonl --since 15m --aggregate

The table is read with Query only; a time window through its byDay index (a
table made before that index gets it from `spot-otel table create`).
Exit codes: 0 done; 1 done, but the dump had bad lines (counted and skipped);
2 nothing drawn (bad arguments, unknown id, table missing or unreachable).
"""

_AGGREGATE_FORMATS = ("text", "json")
_FALLBACK_REGION = "us-east-1"


def add_parser(subparsers: Any, name: str, help_text: str) -> None:
    from spot_otel.graph.ddb_pairing import DEFAULT_SKEW_MS
    from spot_otel.graph.formats import FORMATS
    from spot_otel.graph.table_source import DEFAULT_MAX_ROOTS

    parser = subparsers.add_parser(
        name,
        help=help_text,
        description="Rebuild and draw one request across every hop it took.",
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--table",
        help=f"spotFns table to Query (default: ${OTEL_EXPORTER_SPOTFNS_TABLE} "
        f"or {DEFAULT_TABLE})",
    )
    source.add_argument("--dump", metavar="FILE", help="JSONL dump to read instead")
    parser.add_argument(
        "--region",
        help=f"the table's region (default: ${OTEL_EXPORTER_SPOTFNS_REGION}, "
        "$AWS_REGION, us-east-1)",
    )

    choose = parser.add_mutually_exclusive_group()
    choose.add_argument(
        "--request-id", metavar="ID", help="any invocation of the request"
    )
    choose.add_argument("--trace-id", metavar="ID", help="the requests of a trace")
    choose.add_argument(
        "--since", metavar="TIME", help="requests whose root started since (15m, ISO)"
    )
    parser.add_argument("--until", metavar="TIME", help="end of the --since window")
    parser.add_argument(
        "--limit",
        type=int,
        metavar="N",
        help="for --since: the N most recent requests only (default: "
        f"{DEFAULT_MAX_ROOTS} from the table, all from a dump)",
    )

    parser.add_argument("--format", choices=sorted(FORMATS), help="default: text")
    parser.add_argument("-o", "--output", metavar="FILE", help="write to FILE")
    parser.add_argument(
        "--aggregate",
        action="store_true",
        help="per-function counts and latency percentiles, per-edge counts",
    )
    parser.add_argument(
        "--skew-ms",
        type=int,
        default=DEFAULT_SKEW_MS,
        metavar="N",
        help="clock-skew bound for pairing DynamoDB writes and stream records "
        f"(default {DEFAULT_SKEW_MS})",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from spot_otel.graph.aggregate import (
        aggregate,
        render_aggregate_json,
        render_aggregate_text,
    )
    from spot_otel.graph.errors import GraphError
    from spot_otel.graph.formats import format_for_path, render
    from spot_otel.graph.load import load_graph
    from spot_otel.graph.select import cut_note

    selection = _selection(args)
    format_name = _format(args, format_for_path)
    source = _source(args)

    try:
        graph = load_graph(source, selection, skew_ms=args.skew_ms)
        cut = cut_note(graph)
        if args.aggregate:
            result = aggregate(graph)
            if format_name == "json":
                text = render_aggregate_json(result)
            else:
                text = render_aggregate_text(result)
        else:
            text = render(graph, format_name, ascii=not _stdout_takes_unicode(args))
    except GraphError as exc:
        raise CliError(str(exc)) from None

    _write(text, args.output)
    if cut:
        print(f"spot-otel: note: {cut}", file=sys.stderr)
    return _finish(source)


def _selection(args: argparse.Namespace) -> Any:
    from spot_otel.graph.errors import GraphError
    from spot_otel.graph.select import Selection, parse_time

    if args.skew_ms < 0:
        raise CliError("--skew-ms must be 0 or more")
    wants_window = args.since is not None or args.until is not None
    if args.until is not None and (args.request_id or args.trace_id):
        raise CliError("--until goes with --since, not with an id")
    if args.limit is not None and (args.limit < 1 or not wants_window):
        raise CliError("--limit takes 1 or more, with --since")
    if not (args.request_id or args.trace_id or wants_window):
        if not (args.aggregate and args.dump):
            raise CliError(
                "choose what to draw: --request-id ID, --trace-id ID or --since TIME"
                " (--aggregate over a whole --dump needs none)"
            )
    try:
        since_ms = parse_time(args.since) if args.since is not None else None
        until_ms = parse_time(args.until) if args.until is not None else None
    except GraphError as exc:
        raise CliError(str(exc)) from None
    if since_ms is not None and until_ms is not None and since_ms > until_ms:
        raise CliError("--since must come before --until")
    return Selection(
        request_id=args.request_id,
        trace_id=args.trace_id,
        since_ms=since_ms,
        until_ms=until_ms,
        max_roots=args.limit,
    )


def _format(args: argparse.Namespace, format_for_path: Any) -> str:
    format_name = args.format
    if format_name is None and args.output:
        format_name = format_for_path(args.output)
    format_name = format_name or "text"
    if args.aggregate and format_name not in _AGGREGATE_FORMATS:
        raise CliError("--aggregate writes text or json")
    return format_name


def _source(args: argparse.Namespace) -> Any:
    from spot_otel.graph.dump_source import DumpSource
    from spot_otel.graph.ddb_pairing import PairingBounds
    from spot_otel.graph.table_source import TableSource

    if args.dump:
        return DumpSource(args.dump)
    table = args.table or env_str(OTEL_EXPORTER_SPOTFNS_TABLE, DEFAULT_TABLE)
    # The sink's rule: the exporter's region, then the usual AWS variables.
    region = (
        args.region
        or env_str(OTEL_EXPORTER_SPOTFNS_REGION, "")
        or env_str("AWS_REGION", "")
        or env_str("AWS_DEFAULT_REGION", _FALLBACK_REGION)
    )
    return TableSource(table, region=region, bounds=PairingBounds(skew_ms=args.skew_ms))


def _write(text: str, output: str | None) -> None:
    if output is None:
        sys.stdout.write(text)
        return
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise CliError(f"cannot write {output}: {exc.strerror or exc}") from None
    print(f"spot-otel: wrote {output}", file=sys.stderr)


def _finish(source: Any) -> int:
    """Exit code: 1 when the dump had bad lines, which are named on stderr."""
    report = getattr(source, "report", None)
    summary = report.summary() if report is not None else None
    if summary:
        print(f"spot-otel: warning: {summary}", file=sys.stderr)
        return 1
    return 0


def _stdout_takes_unicode(args: argparse.Namespace) -> bool:
    return bool(args.output) or takes_unicode(sys.stdout)
