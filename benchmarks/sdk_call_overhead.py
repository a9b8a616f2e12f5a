"""CPU per recorded SDK call, with no network: uninstrumented, OTel contrib, spot-otel.

Every call is answered in-process (``harness.answer_locally``: botocore builds,
signs and parses as usual, but nothing is sent), so what is left is CPU.
The calls are SQS ``SendMessage`` and DynamoDB ``PutItem``, made in batches
inside one handler whose loop alone is timed with ``time.thread_time`` (the
handler's thread only):

``none``
    no instrumentation.
``contrib``
    ``opentelemetry-instrumentation-botocore`` with a ``SimpleSpanProcessor``
    and an ``InMemorySpanExporter``.
``spot-otel``
    ``SpotInstrumentor`` (handler wrapped) with the same in-memory exporter.
``spot-otel+sink``
    ``SpotInstrumentor`` with ``SpotFnsSpanProcessor`` buffering spotFns
    records; its writes (answered in-process too) happen at the flush after
    the loop, or on its own thread past 200 records, so they are not in the
    loop's figure.  The flush's CPU on the handler's thread is shown apart.

The DynamoDB key-schema lookup spot-otel makes once per table is answered
in-process as well, by an untimed call before each turn: botocore is patched
anew for every turn.  spot-otel's handler wrapper, though, is made once per
variant and kept, as in a function: made anew for every turn, the thread it
starts to flush before a deadline made the turn right after it slower, a
cost a function pays once, at its start.  The added cost is a variant's
CPU per call minus the uninstrumented one's in the turn beside it; the
target is spot-otel's added cost at most 1.2 times contrib's.  The machine
is shared, so turns are short (50 calls) and many, every variant in each
repetition, in a rotating order; medians are reported.

    .venv/bin/python benchmarks/sdk_call_overhead.py [--repetitions 60]
"""

from __future__ import annotations

import argparse
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Any, Callable

from harness import (
    LambdaContext,
    answer_locally,
    fake_aws_environment,
    headline,
    median,
    print_header,
    print_load,
    print_table,
    rotated,
)

TARGET = 1.2
OPERATIONS = ("sqs SendMessage", "dynamodb PutItem")
QUEUE_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/orders"
TABLE = "orders"
BATCH = 50
"""Calls per invocation (one turn): under the sink's hand-over threshold (200
records), so the loop never shares the GIL with the sink's writes."""

SQS_ANSWERS = {
    "SendMessage": {
        "MessageId": "9f3c6d2e-5b1a-4c8e-9d7f-0a1b2c3d4e5f",
        "MD5OfMessageBody": "d41d8cd98f00b204e9800998ecf8427e",
    }
}
DYNAMODB_ANSWERS = {
    "PutItem": {},
    "DescribeTable": {
        "Table": {
            "TableName": TABLE,
            "KeySchema": [
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
        }
    },
    "BatchWriteItem": {"UnprocessedItems": {}},
}


@dataclass
class Clients:
    sqs: Any
    dynamodb: Any


def make_clients() -> Clients:
    import boto3

    return Clients(
        answer_locally(boto3.client("sqs"), SQS_ANSWERS),
        answer_locally(boto3.client("dynamodb"), DYNAMODB_ANSWERS),
    )


CLIENTS: Clients | None = None


def call_sqs(n: int) -> Any:
    assert CLIENTS is not None
    return CLIENTS.sqs.send_message(QueueUrl=QUEUE_URL, MessageBody=f"order {n}")


def call_dynamodb(n: int) -> Any:
    assert CLIENTS is not None
    return CLIENTS.dynamodb.put_item(
        TableName=TABLE,
        Item={"pk": {"S": f"order-{n}"}, "sk": {"N": str(n)}, "total": {"N": "42"}},
    )


CALLS: dict[str, Callable[[int], Any]] = {
    "sqs SendMessage": call_sqs,
    "dynamodb PutItem": call_dynamodb,
}


def handler(event: dict[str, Any], context: Any) -> float:
    """Makes ``event["calls"]`` calls; returns the loop's thread CPU seconds."""
    call = CALLS[event["operation"]]
    started = time.thread_time()
    for n in range(event["calls"]):
        call(n)
    return time.thread_time() - started


class Variant:
    """A way of instrumenting, switched on only while it runs."""

    name = ""

    def __init__(self) -> None:
        self.handler: Callable[[dict[str, Any], Any], float] = handler

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def between(self) -> None:
        """After each invocation, untimed: clear what piled up."""

    def recorded(self) -> str:
        return "-"


class Uninstrumented(Variant):
    name = "none"


class Contrib(Variant):
    name = "contrib"

    def __init__(self) -> None:
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import SimpleSpanProcessor
        from opentelemetry.sdk.trace.export.in_memory_span_exporter import (
            InMemorySpanExporter,
        )

        super().__init__()
        self.exporter = InMemorySpanExporter()
        self.provider = TracerProvider()
        self.provider.add_span_processor(SimpleSpanProcessor(self.exporter))
        self.spans = 0

    def start(self) -> None:
        from opentelemetry.instrumentation.botocore import BotocoreInstrumentor

        BotocoreInstrumentor().instrument(tracer_provider=self.provider)

    def stop(self) -> None:
        from opentelemetry.instrumentation.botocore import BotocoreInstrumentor

        BotocoreInstrumentor().uninstrument()

    def between(self) -> None:
        self.spans += len(self.exporter.get_finished_spans())
        self.exporter.clear()

    def recorded(self) -> str:
        return f"{self.spans} spans"


class Spot(Contrib):
    """spot-otel: botocore patched while the variant runs; the handler wrapped
    once, for good, as in a function (its wrapper lives as long as the
    process, with the thread that flushes before a deadline)."""

    name = "spot-otel"

    def __init__(self) -> None:
        super().__init__()
        self.handler = traced_handler(self.provider)

    def start(self) -> None:
        from spot_otel.instrumentation import SpotInstrumentor

        SpotInstrumentor().instrument(
            tracer_provider=self.provider, handler=None, skip_dep_check=True
        )

    def stop(self) -> None:
        from spot_otel.instrumentation import SpotInstrumentor

        SpotInstrumentor().uninstrument()


def traced_handler(provider: Any) -> Callable[[dict[str, Any], Any], float]:
    """``handler`` behind spot-otel's invocation wrapper, as the instrumentor
    wraps a function's handler."""
    from wrapt import FunctionWrapper

    from spot_otel.instrumentation.handler import HandlerTracer
    from spot_otel.version import __version__

    tracer = provider.get_tracer("spot_otel", __version__)
    return FunctionWrapper(handler, HandlerTracer(tracer, provider))  # type: ignore[no-any-return]


class SpotWithSink(Spot):
    name = "spot-otel+sink"

    def __init__(self) -> None:
        import boto3
        from opentelemetry.sdk.trace import TracerProvider

        from spot_otel_exporter import SpotFnsSpanProcessor

        client = answer_locally(boto3.client("dynamodb"), DYNAMODB_ANSWERS)
        self.processor = SpotFnsSpanProcessor(client=client)
        self.provider = TracerProvider()
        self.provider.add_span_processor(self.processor)
        self.handler = traced_handler(self.provider)

    def between(self) -> None:
        pass

    def recorded(self) -> str:
        stats = self.processor.stats
        return f"{stats.written} records written, {stats.dropped} dropped"


@dataclass
class Sample:
    loop_cpu_s: float
    """Thread CPU of the calls alone."""
    invocation_cpu_s: float
    """Thread CPU of the whole handler call: span start and end, flush."""
    calls: int

    @property
    def per_call_us(self) -> float:
        return self.loop_cpu_s / self.calls * 1e6


def invoke(variant: Variant, operation: str, calls: int = BATCH) -> Sample:
    context = LambdaContext(function_name="overhead")
    started = time.thread_time()
    loop = variant.handler({"operation": operation, "calls": calls}, context)
    return Sample(loop, time.thread_time() - started, calls)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repetitions", type=int, default=60)
    args = parser.parse_args()
    fake_aws_environment()
    print_header("CPU per recorded SDK call, no network")

    global CLIENTS
    CLIENTS = make_clients()
    variants: list[Variant] = [Uninstrumented(), Contrib(), Spot(), SpotWithSink()]
    samples: dict[tuple[str, str], list[Sample]] = defaultdict(list)

    # Warm every path once, untimed: imports, botocore's caches.
    for variant in variants:
        variant.start()
        for operation in OPERATIONS:
            invoke(variant, operation)
            variant.between()
        variant.stop()

    # Short turns, many of them, in a rotating order: the machine is shared,
    # and a slow spell then hits every variant alike.
    for rep in range(args.repetitions):
        for operation in OPERATIONS:
            for variant in rotated(variants, rep):
                variant.start()
                try:
                    # Untimed: the first DynamoDB call after instrumenting
                    # looks the table's key schema up, once per process in a
                    # function.
                    CALLS[operation](0)
                    samples[variant.name, operation].append(invoke(variant, operation))
                    variant.between()
                finally:
                    variant.stop()

    report(samples, variants, args)


def report(
    samples: dict[tuple[str, str], list[Sample]], variants: list[Variant], args: Any
) -> None:
    rows = []
    added: dict[tuple[str, str], float] = {}
    for operation in OPERATIONS:
        base = samples["none", operation]
        for variant in variants:
            got = samples[variant.name, operation]
            # Paired: each turn against the uninstrumented turn next to it.
            added[variant.name, operation] = median(
                [mine.per_call_us - theirs.per_call_us for mine, theirs in zip(got, base)]
            )
            outside = median([(s.invocation_cpu_s - s.loop_cpu_s) * 1e3 for s in got])
            rows.append(
                [
                    operation,
                    variant.name,
                    median([s.per_call_us for s in got]),
                    added[variant.name, operation],
                    _share(added, variant.name, operation),
                    outside,
                ]
            )
    print(
        f"{BATCH} calls per turn, {args.repetitions} turns per variant and operation, "
        "interleaved; medians of the handler thread's CPU; added: median of each "
        "turn minus the uninstrumented turn beside it"
    )
    print_table(
        [
            "operation",
            "variant",
            "us/call",
            "added us/call",
            "added vs contrib",
            "ms/invocation outside the loop",
        ],
        rows,
    )
    print(
        "ms/invocation outside the loop: the invocation span's start and end, and "
        "for the sink its flush (BatchWriteItem, answered in-process)"
    )
    print(
        "recorded: "
        + "; ".join(f"{variant.name} {variant.recorded()}" for variant in variants)
    )
    print_load()

    ratios = {
        operation: added["spot-otel", operation] / added["contrib", operation]
        for operation in OPERATIONS
        if added["contrib", operation] > 0
    }
    worst = max(ratios.values()) if ratios else float("inf")
    verdict = "met" if worst <= TARGET else "missed"
    parts = ", ".join(
        f"{op.split()[1]} {added['spot-otel', op]:.0f} vs {added['contrib', op]:.0f} us "
        f"(x{ratios.get(op, float('inf')):.2f})"
        for op in OPERATIONS
    )
    headline(
        f"added CPU per SDK call, spot-otel vs contrib botocore: {parts}; "
        f"target <= x{TARGET}: {verdict}"
    )


def _share(added: dict[tuple[str, str], float], name: str, operation: str) -> str:
    contrib = added.get(("contrib", operation), 0.0)
    if name == "none" or contrib <= 0:
        return "-"
    return f"x{added[name, operation] / contrib:.2f}"


if __name__ == "__main__":
    main()
