"""``spot-otel table``: create, describe and dump the spotFns table.

``create`` makes the table the sink writes to (idempotent), ``describe``
shows what it looks like, and ``dump`` writes every item as one line of plain
JSON (numbers as numbers), the file ``spot-otel graph --dump FILE`` reads.
The work is in :mod:`spot_otel.table`; this module parses and prints.
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
from decimal import Decimal
from typing import IO, Any, Iterator

from spot_otel import records
from spot_otel.cli import CliError
from spot_otel.environment_variables import OTEL_EXPORTER_SPOTFNS_TTL_DAYS
from spot_otel.table import (
    TableError,
    TableState,
    create_table,
    describe_table,
    resolve_region,
    resolve_table_name,
    table_client,
    table_error,
)


def add_parser(subparsers: Any, name: str, help_text: str) -> None:
    parser = subparsers.add_parser(name, help=help_text, description=help_text)
    commands = parser.add_subparsers(dest="table_command", metavar="COMMAND")
    commands.required = True

    create = commands.add_parser(
        "create",
        help="create the table (nothing happens if it exists)",
        description=(
            "Create the spotFns table: partition key requestID, on-demand "
            "billing, indexes byTrace, byInvocation, byLink and byDay.  On a "
            "table made before byDay existed, adds that index (UpdateTable)."
        ),
    )
    _add_table_arguments(create)
    create.add_argument(
        "--ttl-days",
        type=int,
        default=0,
        metavar="N",
        help=f"turn on TTL on {records.TTL_ATTRIBUTE} (records then expire "
        f"after N days, with {OTEL_EXPORTER_SPOTFNS_TTL_DAYS}=N on the functions)",
    )
    create.add_argument(
        "--stream",
        action="store_true",
        help="add a NEW_IMAGE stream, to process records as they arrive",
    )
    create.set_defaults(handler=_create)

    describe = commands.add_parser("describe", help="show the table's status and shape")
    _add_table_arguments(describe)
    describe.set_defaults(handler=_describe)

    dump = commands.add_parser(
        "dump",
        help="write every item as JSON lines (reads the whole table)",
    )
    _add_table_arguments(dump)
    dump.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="write to FILE instead of standard output",
    )
    dump.set_defaults(handler=_dump)


def _add_table_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--table",
        help="table name (default: $OTEL_EXPORTER_SPOTFNS_TABLE or spotFns)",
    )
    parser.add_argument(
        "--region",
        help="AWS region (default: $OTEL_EXPORTER_SPOTFNS_REGION, $AWS_REGION, "
        "us-east-1)",
    )


# -- create / describe ------------------------------------------------------------


def _create(args: argparse.Namespace) -> int:
    if args.ttl_days < 0:
        raise CliError("--ttl-days must be 0 or more")
    name = resolve_table_name(args.table)
    region = resolve_region(args.region)
    try:
        state = create_table(
            _client(region),
            name,
            ttl=args.ttl_days > 0,
            stream=args.stream,
        )
    except TableError as exc:
        raise CliError(str(exc)) from None

    verb = "created table" if state.created else "table already exists:"
    print(f"{verb} {name} in {region}")
    _print_state(state)
    if args.ttl_days > 0:
        print(
            f"records expire once the functions set "
            f"{OTEL_EXPORTER_SPOTFNS_TTL_DAYS}={args.ttl_days}"
        )
    return 0


def _describe(args: argparse.Namespace) -> int:
    name = resolve_table_name(args.table)
    region = resolve_region(args.region)
    try:
        state = describe_table(_client(region), name)
    except TableError as exc:
        raise CliError(str(exc)) from None

    print(f"table {name} in {region}")
    _print_state(state)
    return 0


def _print_state(state: TableState) -> None:
    print(f"  status:  {state.status}")
    print(f"  indexes: {', '.join(state.indexes) or 'none'}")
    print(f"  TTL:     {state.ttl_attribute or 'off'}")
    print(f"  stream:  {state.stream_view or 'off'}")
    if state.item_count is not None:
        print(f"  items:   {state.item_count} (updated by DynamoDB every few hours)")
    for note in state.notes:
        print(f"  note:    {note}")


def _client(region: str) -> Any:
    try:
        return table_client(region)
    except Exception as exc:  # noqa: BLE001 - one line, no traceback
        raise CliError(f"cannot make a DynamoDB client: {exc}") from None


# -- dump -------------------------------------------------------------------------


def _dump(args: argparse.Namespace) -> int:
    name = resolve_table_name(args.table)
    client = _client(resolve_region(args.region))
    if args.output is None:
        count = _write_items(client, name, sys.stdout)
        print(f"dumped {count} items from {name}", file=sys.stderr)
        return 0

    try:
        with open(args.output, "w", encoding="utf-8") as out:
            count = _write_items(client, name, out)
    except OSError as exc:
        raise CliError(f"cannot write {args.output}: {exc.strerror or exc}") from None
    print(f"dumped {count} items from {name} to {args.output}")
    return 0


def _write_items(client: Any, name: str, out: IO[str]) -> int:
    count = 0
    for item in _scan(client, name):
        out.write(json.dumps(item, default=_plain_json, sort_keys=True))
        out.write("\n")
        count += 1
    return count


def _scan(client: Any, name: str) -> Iterator[dict[str, Any]]:
    from boto3.dynamodb.types import TypeDeserializer  # deferred: import cost

    deserializer = TypeDeserializer()
    try:
        for page in client.get_paginator("scan").paginate(TableName=name):
            for item in page.get("Items", ()):
                yield {
                    name: deserializer.deserialize(value) for name, value in item.items()
                }
    except Exception as exc:  # noqa: BLE001 - one line, no traceback
        raise CliError(str(table_error(exc, name))) from None


def _plain_json(value: Any) -> Any:
    """JSON for what DynamoDB's deserializer returns beyond plain types."""
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=str)
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if hasattr(value, "value") and isinstance(value.value, (bytes, bytearray)):
        return base64.b64encode(bytes(value.value)).decode("ascii")  # boto3 Binary
    raise TypeError(f"cannot write {type(value).__name__} as JSON")
