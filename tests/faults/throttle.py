"""DynamoDB pushing back on a share of the sink's writes, as it does on the wire.

:class:`Throttle` hooks one real botocore DynamoDB client (the sink's, talking
to moto): every item of every ``BatchWriteItem`` is refused with probability
``rate``.  Refused items come back in ``UnprocessedItems`` and the accepted
ones really go to moto.  When every item of a call is refused, DynamoDB
answers with an error instead: ``ProvisionedThroughputExceededException``,
or ``ThrottlingException`` on every other such call, written as DynamoDB
writes them and read by botocore's own JSON parser, so the sink sees exactly
the ``ClientError`` a throttled table raises.

The random choices come from a seeded generator: a run is repeatable.
:func:`run_throttled` runs a traced function against a throttled table and
counts what reached it; the tests and the soak benchmark share it.
"""

from __future__ import annotations

import json
import random
import threading
from dataclasses import dataclass
from typing import Any

from botocore.awsrequest import AWSResponse
from botocore.parsers import create_parser

from tests.faults.harness import Call, TracedFunction, percentile, records_of
from tests.sink.conftest import table_items

_OPERATION = "dynamodb.BatchWriteItem"
_REFUSE = "faults.refuse_call"
_UNPROCESSED = "faults.unprocessed"

THROTTLING_ERRORS = (
    (
        "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
        "The level of configured provisioned throughput for the table was "
        "exceeded. Consider increasing your provisioning level with the "
        "UpdateTable API.",
    ),
    (
        "com.amazon.coral.availability#ThrottlingException",
        "Rate of requests exceeds the allowed throughput.",
    ),
)


def aws_json_error(error_type: str, message: str) -> bytes:
    """An error body in the shape of DynamoDB's JSON protocol."""
    return json.dumps({"__type": error_type, "message": message}).encode()


class Throttle:
    """Refuses a share of the items a client writes; counts what it did."""

    def __init__(self, rate: float, seed: int = 0) -> None:
        self.rate = rate
        self.offered = 0
        """Items the client tried to write, retries included."""
        self.refused_items = 0
        """Items sent back as UnprocessedItems."""
        self.refused_calls = 0
        """Whole calls answered with a throttling error."""
        self._random = random.Random(seed)
        self._lock = threading.Lock()

    def attach(self, client: Any) -> Throttle:
        events = client.meta.events
        events.register(f"before-parameter-build.{_OPERATION}", self._choose)
        events.register(f"before-call.{_OPERATION}", self._refuse_call)
        events.register(f"after-call.{_OPERATION}", self._report_unprocessed)
        return self

    def _choose(self, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        kept: dict[str, list[Any]] = {}
        refused: dict[str, list[Any]] = {}
        with self._lock:
            for table, requests in params["RequestItems"].items():
                self.offered += len(requests)
                for request in requests:
                    side = refused if self._random.random() < self.rate else kept
                    side.setdefault(table, []).append(request)

        if not kept:
            context[_REFUSE] = True
            return
        # A new dict: the caller's request object is left as it built it.
        params["RequestItems"] = kept
        if refused:
            context[_UNPROCESSED] = refused

    def _refuse_call(
        self, model: Any, context: dict[str, Any], **_: Any
    ) -> tuple[AWSResponse, dict[str, Any]] | None:
        if not context.get(_REFUSE):
            return None
        with self._lock:
            error_type, message = THROTTLING_ERRORS[self.refused_calls % 2]
            self.refused_calls += 1
        body = aws_json_error(error_type, message)
        headers = {"Content-Type": "application/x-amz-json-1.0"}
        parsed = create_parser("json").parse(
            {"status_code": 400, "headers": headers, "body": body}, model.output_shape
        )
        return AWSResponse("https://dynamodb.throttled", 400, headers, None), parsed

    def _report_unprocessed(
        self, parsed: dict[str, Any], context: dict[str, Any], **_: Any
    ) -> None:
        refused = context.pop(_UNPROCESSED, None)
        if not refused or "Error" in parsed:
            return
        with self._lock:
            self.refused_items += sum(len(requests) for requests in refused.values())
        parsed["UnprocessedItems"] = refused


@dataclass
class ThrottledRun:
    """Invocations of one traced function whose sink was throttled."""

    rate: float
    calls: list[Call]
    present: int
    """Records of these invocations found in the table."""
    expected: int
    dropped: int
    """Records the sink counted as dropped."""
    retries: int
    throttle: Throttle

    @property
    def lost(self) -> int:
        return self.expected - self.present

    def latency_ms(self, share: float) -> float:
        """Handler plus flush, warm invocations only: the first one also
        makes the sink's client and looks up a key schema."""
        warm = [call.elapsed_s for call in self.calls[1:]] or [0.0]
        return percentile(warm, share) * 1000


def sqs_event(n: int, calls: int) -> dict[str, Any]:
    """A real SQS batch event, plus what ``handlers.writes_items`` is told
    to do: ``calls`` PutItems keyed by ``n``."""
    from tests.conftest import load_event

    return {**load_event("sqsEvent"), "n": n, "calls": calls}


def run_throttled(
    rate: float,
    client: Any,
    *,
    invocations: int,
    calls: int,
    budget_ms: int,
    per_invocation: int | None = None,
    seed: int | None = None,
) -> ThrottledRun:
    """``invocations`` of ``handlers.writes_items`` with the sink's writes
    refused at ``rate``; ``client`` reads the table back.  The records one
    invocation makes are ``per_invocation``, or counted from this run (only
    right when nothing was lost)."""
    with TracedFunction("handlers.writes_items", flush_budget_ms=budget_ms) as function:
        throttle = Throttle(rate, seed=int(rate * 100) if seed is None else seed)
        throttle.attach(function.processor.writer.client())
        done = [function.invoke(sqs_event(n, calls)) for n in range(invocations)]
        stats = function.processor.stats

    found = records_of(table_items(client).values(), [call.request_id for call in done])
    if per_invocation is None:
        per_invocation = max(len(items) for items in found.values())
    return ThrottledRun(
        rate=rate,
        calls=done,
        present=sum(len(items) for items in found.values()),
        expected=per_invocation * len(done),
        dropped=stats.dropped,
        retries=stats.retries,
        throttle=throttle,
    )
