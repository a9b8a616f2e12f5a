"""Round trips to the spotFns table on the handler's critical path, per invocation.

One handler sends k SQS messages (k = 0, 1, 5, 10, 25) and is traced two
ways, side by side in one process against a moto server on loopback:

``seed``
    a re-creation of SpotWrap's approach (``spotwrap_seed.py``): a blocking
    ``put_item`` for the entry record, for each SDK call and for the exit
    record.
``spot-otel``
    ``SpotInstrumentor`` with the handler wrapped and a
    ``SpotFnsSpanProcessor`` (its own DynamoDB client, made as in a
    function), flushing before the handler returns.

Every ``BatchWriteItem`` and ``PutItem`` to spotFns is seen by a tap on
botocore's ``BaseClient._make_api_call`` (beneath both tracers), which notes
the thread that made it: calls made on the handler's thread are on the
critical path; the sink's entry write on its own thread is not.  Each
repetition runs every k for both tracers, in a rotating order; the first
repetition is a cold start for the sink (its client is made then).

    .venv/bin/python benchmarks/round_trips.py [--repetitions 5]
"""

from __future__ import annotations

import argparse
import os
import threading
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from botocore.client import BaseClient

from harness import (
    ACCOUNT,
    LambdaContext,
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
from spotwrap_seed import SpotWrapSeed

SDK_CALLS = (0, 1, 5, 10, 25)
TARGET_K = 10
TARGET_ROUND_TRIPS = 1
TABLE = "spotFns"
QUEUE = "round-trips"
_WRITES = ("BatchWriteItem", "PutItem")


@dataclass(frozen=True)
class Write:
    thread: int
    operation: str
    ms: float


class TableTap:
    """Notes every write to the spotFns table and the thread it came from."""

    def __init__(self) -> None:
        self.writes: list[Write] = []
        self._lock = threading.Lock()
        self._original = BaseClient._make_api_call

    def install(self) -> None:
        original = self._original
        tap = self

        def tapped(client: Any, operation: str, params: dict[str, Any]) -> Any:
            if operation not in _WRITES or not _targets_table(operation, params):
                return original(client, operation, params)
            started = time.perf_counter()
            try:
                return original(client, operation, params)
            finally:
                ms = (time.perf_counter() - started) * 1000
                with tap._lock:
                    tap.writes.append(Write(threading.get_ident(), operation, ms))

        BaseClient._make_api_call = tapped  # type: ignore[method-assign]

    def uninstall(self) -> None:
        BaseClient._make_api_call = self._original  # type: ignore[method-assign]

    def take(self) -> list[Write]:
        with self._lock:
            writes, self.writes = self.writes, []
        return writes


def _targets_table(operation: str, params: dict[str, Any]) -> bool:
    if operation == "PutItem":
        return params.get("TableName") == TABLE
    return TABLE in (params.get("RequestItems") or {})


# The handler both tracers wrap; spot-otel wraps it by name (__main__.handler).
SQS: Any = None
QUEUE_URL = ""


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    for n in range(event["k"]):
        SQS.send_message(QueueUrl=QUEUE_URL, MessageBody=f"message {n}")
    return {"sent": event["k"]}


@dataclass
class Outcome:
    on_path: int
    """Writes to spotFns made on the handler's thread."""
    elsewhere: int
    on_path_ms: float
    """Time the handler's thread spent in those writes."""
    handler_ms: float


class Tracer:
    """One way of tracing the handler, switched on only while it runs."""

    name = ""

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def call(self, event: dict[str, Any], context: Any) -> Any:
        raise NotImplementedError


class SeedTracer(Tracer):
    name = "seed"

    def __init__(self, aws: Any) -> None:
        import boto3

        resource = boto3.resource(
            "dynamodb", endpoint_url=aws.endpoint_url, region_name=aws.region
        )
        self._seed = SpotWrapSeed(resource.Table(TABLE))
        self._wrapped = self._seed.wrap(handler)

    def start(self) -> None:
        self._seed.install()

    def stop(self) -> None:
        self._seed.uninstall()

    def call(self, event: dict[str, Any], context: Any) -> Any:
        return self._wrapped(event, context)


class SpotTracer(Tracer):
    name = "spot-otel"

    def __init__(self) -> None:
        from opentelemetry.sdk.trace import TracerProvider

        from spot_otel_exporter import SpotFnsSpanProcessor

        self.processor = SpotFnsSpanProcessor(table=TABLE)
        self._provider = TracerProvider()
        self._provider.add_span_processor(self.processor)

    def start(self) -> None:
        from spot_otel.instrumentation import SpotInstrumentor

        SpotInstrumentor().instrument(
            tracer_provider=self._provider,
            handler=f"{__name__}.handler",
            skip_dep_check=True,
        )

    def stop(self) -> None:
        from spot_otel.instrumentation import SpotInstrumentor

        SpotInstrumentor().uninstrument()

    def call(self, event: dict[str, Any], context: Any) -> Any:
        # Looked up by name: the instrumentor replaced the module's handler.
        return globals()["handler"](event, context)


def invoke(tracer: Tracer, tap: TableTap, k: int) -> Outcome:
    context = LambdaContext(
        function_name="round-trips",
        invoked_function_arn=f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:round-trips",
    )
    tap.take()
    started = time.perf_counter()
    tracer.call({"k": k}, context)
    handler_ms = (time.perf_counter() - started) * 1000
    # The flush waits for the sink's entry write too, so nothing is in flight.
    writes = tap.take()
    here = threading.get_ident()
    on_path = [write for write in writes if write.thread == here]
    return Outcome(
        len(on_path),
        len(writes) - len(on_path),
        sum(write.ms for write in on_path),
        handler_ms,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repetitions", type=int, default=5)
    args = parser.parse_args()
    print_header("round trips to spotFns on the handler's critical path")

    global SQS, QUEUE_URL
    results: dict[tuple[str, int], list[Outcome]] = defaultdict(list)
    with loopback_aws() as aws:
        os.environ["AWS_ENDPOINT_URL"] = aws.endpoint_url
        create_spotfns(aws.client("dynamodb"), TABLE)
        import boto3

        SQS = boto3.client("sqs", region_name=aws.region)
        QUEUE_URL = SQS.create_queue(QueueName=QUEUE)["QueueUrl"]

        tap = TableTap()
        tap.install()
        spot = SpotTracer()
        tracers: list[Tracer] = [SeedTracer(aws), spot]
        try:
            for rep in range(args.repetitions):
                for tracer in rotated(tracers, rep):
                    tracer.start()
                    try:
                        for k in SDK_CALLS:
                            results[tracer.name, k].append(invoke(tracer, tap, k))
                    finally:
                        tracer.stop()
        finally:
            tap.uninstall()
        written = spot.processor.stats

    report(results, args.repetitions, written)


def report(
    results: dict[tuple[str, int], list[Outcome]], repetitions: int, written: Any
) -> None:
    rows = []
    for k in SDK_CALLS:
        seed, spot = results["seed", k], results["spot-otel", k]
        seed_ms = median([o.on_path_ms for o in seed])
        spot_ms = median([o.on_path_ms for o in spot])
        rows.append(
            [
                k,
                median([o.on_path for o in seed]),
                max(o.on_path for o in spot),
                median([o.on_path for o in spot]),
                median([o.elsewhere for o in spot]),
                seed_ms,
                spot_ms,
                ratio(seed_ms, spot_ms),
                median([o.handler_ms for o in seed]),
                median([o.handler_ms for o in spot]),
            ]
        )
    print(
        f"per invocation, {repetitions} repetitions (the first a cold start for the "
        "sink's client); medians unless marked"
    )
    print_table(
        [
            "k SDK calls",
            "seed on path",
            "spot on path (max)",
            "spot on path",
            "spot off path",
            "seed write ms",
            "spot write ms",
            "seed/spot",
            "seed handler ms",
            "spot handler ms",
        ],
        rows,
    )
    print(
        f"spot-otel sink: {written.written} records written, {written.dropped} dropped, "
        f"{written.round_trips} BatchWriteItem calls in all"
    )
    print(
        "write ms: time the handler's thread spent writing to spotFns (moto on "
        "loopback; a real table's round trip is slower); handler ms: the whole "
        "handler, dominated here by moto's SQS"
    )
    print_load()

    def most(tracer: str, ks: list[int]) -> int:
        return max(o.on_path for k in ks for o in results[tracer, k])

    small = [k for k in SDK_CALLS if k <= TARGET_K]
    worst = most("spot-otel", small)
    verdict = "met" if worst <= TARGET_ROUND_TRIPS else "missed"
    headline(
        f"round trips per invocation on the critical path at k<={TARGET_K}: {worst} "
        f"(seed: up to {most('seed', small)}); at k={SDK_CALLS[-1]}: "
        f"{most('spot-otel', [SDK_CALLS[-1]])} (seed: {most('seed', [SDK_CALLS[-1]])}); "
        f"target <= {TARGET_ROUND_TRIPS}: {verdict}"
    )


if __name__ == "__main__":
    main()
