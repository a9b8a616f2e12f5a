"""Records per second into spotFns: spot-otel's BatchWriter against one put_item each.

Both write the same typed records (an invocation's entry and exit, and SDK
call records with a link key each, as the sink makes them) into a moto
server on loopback (``ThreadedMotoServer`` on 127.0.0.1), through the same
kind of untraced client:

``put_item``
    one ``PutItem`` per record, one after another: the seed's way.
``BatchWriter``
    the sink's writer: ``BatchWriteItem`` in chunks of 25, retrying what
    comes back unprocessed.

Each repetition writes a fresh batch of records with each, in a rotating
order; the table shows medians.  moto runs in this process, so its own work
is in both figures: a real table would serve both faster, and the one
request per record would weigh more.

    .venv/bin/python benchmarks/sink_throughput.py [--records 1000] [--repetitions 5]
"""

from __future__ import annotations

import argparse
import time
import uuid
from dataclasses import dataclass
from typing import Any, Callable

from harness import (
    ACCOUNT,
    REGION,
    create_spotfns,
    headline,
    loopback_aws,
    median,
    print_header,
    print_load,
    print_table,
    ratio,
    rotated,
)

TABLE = "spotFns"
TARGET_RATIO = 10.0
CALLS_PER_INVOCATION = 8


def sample_items(count: int) -> list[dict[str, Any]]:
    """``count`` typed items shaped like the sink's: per invocation an entry,
    SDK call records (each with an out-link) and an exit."""
    from spot_otel import links, records
    from spot_otel_exporter._writer import typed_items

    arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:orders"
    made: list[records.Record] = []
    now = int(time.time() * 1000)
    while len(made) < count:
        invocation = str(uuid.uuid4())
        trace_id = uuid.uuid4().hex
        common = {
            "this_fn_arn": arn,
            "region": REGION,
            "account_id": ACCOUNT,
            "invocation_id": invocation,
            "trace_id": trace_id,
            "function": "orders",
            "trigger": "sqs",
        }
        entry_span = uuid.uuid4().hex[:16]
        made.append(
            records.Record(
                request_id=records.entry_request_id(invocation, entry_span),
                ts=now,
                record_type=records.ENTRY,
                span_id=entry_span,
                caller=str(uuid.uuid4()),
                event_source="aws:sqs",
                event_op="ReceiveMessage",
                kind="CONSUMER",
                name="orders",
                **common,
            )
        )
        for n in range(CALLS_PER_INVOCATION):
            span = uuid.uuid4().hex[:16]
            message_id = str(uuid.uuid4())
            made.append(
                records.Record(
                    request_id=records.call_request_id(invocation, "SendMessage", span),
                    ts=now + n,
                    record_type=records.CALL,
                    span_id=span,
                    parent_span_id=entry_span,
                    event_source="sqs",
                    event_op="SendMessage",
                    message="orders-out",
                    duration=3,
                    error=records.NO_ERROR,
                    kind="PRODUCER",
                    name="SQS.SendMessage",
                    links_out=[links.Link(links.sqs_key(message_id))],
                    link_key=links.sqs_key(message_id),
                    **common,
                )
            )
        made.append(
            records.Record(
                request_id=records.exit_request_id(invocation, entry_span),
                ts=now + 50,
                record_type=records.EXIT,
                span_id=entry_span,
                duration=50,
                error=records.NO_ERROR,
                kind="CONSUMER",
                name="orders",
                **common,
            )
        )
    return typed_items(made[:count])


Writer = Callable[[list[dict[str, Any]]], int]
"""Writes the items; returns how many requests it made."""


def write_one_by_one(client: Any) -> Writer:
    def write(items: list[dict[str, Any]]) -> int:
        for item in items:
            client.put_item(TableName=TABLE, Item=item)
        return len(items)

    return write


def write_batched(client: Any) -> Writer:
    from spot_otel_exporter._config import SinkConfig
    from spot_otel_exporter._writer import BatchWriter

    writer = BatchWriter(SinkConfig.resolve(table=TABLE, region=REGION), client)

    def write(items: list[dict[str, Any]]) -> int:
        before = writer.stats.round_trips
        outcome = writer.write(items, time.monotonic() + 60)
        if outcome.unwritten:
            raise SystemExit(f"BatchWriter left {len(outcome.unwritten)} unwritten")
        return writer.stats.round_trips - before

    return write


@dataclass
class Run:
    records_per_s: float
    client_cpu_ms: float
    """CPU per record on the writing thread (moto's threads not counted)."""
    requests: int


def count_items(client: Any) -> int:
    total = 0
    for page in client.get_paginator("scan").paginate(TableName=TABLE, Select="COUNT"):
        total += page["Count"]
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", type=int, default=1000)
    parser.add_argument("--repetitions", type=int, default=5)
    args = parser.parse_args()
    print_header("spotFns sink throughput into moto on loopback")

    runs: dict[str, list[Run]] = {"put_item": [], "BatchWriter": []}
    with loopback_aws() as aws:
        client = aws.client("dynamodb")
        create_spotfns(client, TABLE)
        writers = {
            "put_item": write_one_by_one(client),
            "BatchWriter": write_batched(client),
        }
        # One untimed round each: moto and botocore load what they load once.
        for write in writers.values():
            write(sample_items(50))

        for rep in range(args.repetitions):
            for name in rotated(list(writers), rep):
                items = sample_items(args.records)
                started = time.perf_counter()
                cpu = time.thread_time()
                requests = writers[name](items)
                cpu = time.thread_time() - cpu
                wall = time.perf_counter() - started
                runs[name].append(
                    Run(len(items) / wall, cpu * 1000 / len(items), requests)
                )
        stored = count_items(client)

    expected = 2 * 50 + len(runs) * args.records * args.repetitions
    report(runs, args, stored, expected)


def report(runs: dict[str, list[Run]], args: Any, stored: int, expected: int) -> None:
    rates = {name: [run.records_per_s for run in got] for name, got in runs.items()}
    base = median(rates["put_item"])
    rows = [
        [
            name,
            median(rates[name]),
            min(rates[name]),
            max(rates[name]),
            ratio(median(rates[name]), base),
            median([run.requests for run in got]),
            1000 / median(rates[name]),
            median([run.client_cpu_ms for run in got]),
        ]
        for name, got in runs.items()
    ]
    print(f"{args.records} records per run, {args.repetitions} runs each, interleaved")
    print_table(
        [
            "writer",
            "records/s",
            "min",
            "max",
            "vs put_item",
            "requests",
            "ms/record",
            "client CPU ms/record",
        ],
        rows,
    )
    print(
        "ms/record less client CPU is moto's share: it serves every item in Python, "
        "in this process, whichever way the item arrives"
    )
    print(f"items in the table at the end: {stored} (expected {expected})")
    print_load()
    speedup = median(rates["BatchWriter"]) / base
    verdict = "met" if speedup >= TARGET_RATIO else "missed"
    headline(
        f"sink throughput: BatchWriter {median(rates['BatchWriter']):,.0f} records/s vs "
        f"put_item {base:,.0f} records/s = x{speedup:.1f}; "
        f"target >= x{TARGET_RATIO:.0f}: {verdict}"
    )


if __name__ == "__main__":
    main()
