"""A Lambda handler wrapped by SpotInstrumentor, writing through the real sink.

:class:`TracedFunction` is the in-process half of the fault suite: one
handler of ``tests/faults/apps/handlers.py`` wrapped exactly as the exec
wrapper wraps it (``SpotInstrumentor`` with ``handler=...``, botocore patched
too), its spans going to a real :class:`SpotFnsSpanProcessor` whose boto3
client talks to whatever DynamoDB the test provides (moto in-process, or a
loopback endpoint that fails).  Each call is timed from the runtime's side:
handler plus flush, which is what the function's caller waits for.

The benchmarks import it too (``benchmarks/soak_faults.py``).
"""

from __future__ import annotations

import importlib
import os
import time
import uuid
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from boto3.dynamodb.types import TypeDeserializer
from opentelemetry.context import Context
from opentelemetry.sdk.trace import Span, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from spot_otel.environment_variables import OTEL_EXPORTER_SPOTFNS_FLUSH_BUDGET_MS
from spot_otel.instrumentation import SpotInstrumentor
from spot_otel_exporter import SpotFnsSpanProcessor
from tests.instrumentation.conftest import ClientContext, LambdaContext

APPS = "tests.faults.apps"
REGION = "us-east-1"
TABLE = "spotFns"
FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:faulty"


def lambda_context(request_id: str | None = None, custom: Any = None) -> LambdaContext:
    """A Lambda context with a fresh request id and 30 s to run; ``custom``
    is its ClientContext's ``custom`` (anything a caller could have sent)."""
    return LambdaContext(
        aws_request_id=request_id or str(uuid.uuid4()),
        invoked_function_arn=FUNCTION_ARN,
        function_name="faulty",
        client_context=ClientContext(custom=custom) if custom is not None else None,
    )


def create_orders_table(client: Any) -> None:
    """The user's own table the handlers write to (hash key ``pk``)."""
    client.create_table(
        TableName="orders",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )


@dataclass
class Call:
    """One invocation as the runtime saw it."""

    request_id: str
    result: Any
    error: BaseException | None
    elapsed_s: float


class TracedFunction:
    """``handler`` (``module.function`` under ``tests/faults/apps``) wrapped by
    SpotInstrumentor for as long as the context is open.

    Only one handler can be wrapped at a time (the instrumentor is a
    singleton), so entering uninstruments whatever was there before.
    """

    def __init__(
        self,
        handler: str,
        *,
        flush_budget_ms: int = 2000,
        table: str = TABLE,
        **sink_settings: Any,
    ) -> None:
        module_name, _, self.function_name = handler.rpartition(".")
        self.module_name = f"{APPS}.{module_name}"
        self.flush_budget_ms = flush_budget_ms
        self.processor = SpotFnsSpanProcessor(
            table=table,
            region=REGION,
            flush_budget_ms=flush_budget_ms,
            **sink_settings,
        )
        self.provider = TracerProvider()
        self.provider.add_span_processor(self.processor)
        # The same spans in memory, so a test can name the records they made.
        self.spans = InMemorySpanExporter()
        self.provider.add_span_processor(SimpleSpanProcessor(self.spans))
        self._starts = _InvocationStarts()
        self.provider.add_span_processor(self._starts)

    def __enter__(self) -> TracedFunction:
        instrumentor = SpotInstrumentor()
        instrumentor.uninstrument()
        # The handler wrapper reads its flush budget from the environment,
        # as it does in a function.
        saved = os.environ.get(OTEL_EXPORTER_SPOTFNS_FLUSH_BUDGET_MS)
        os.environ[OTEL_EXPORTER_SPOTFNS_FLUSH_BUDGET_MS] = str(self.flush_budget_ms)
        try:
            instrumentor.instrument(
                tracer_provider=self.provider,
                handler=f"{self.module_name}.{self.function_name}",
                skip_dep_check=True,
            )
        finally:
            if saved is None:
                del os.environ[OTEL_EXPORTER_SPOTFNS_FLUSH_BUDGET_MS]
            else:
                os.environ[OTEL_EXPORTER_SPOTFNS_FLUSH_BUDGET_MS] = saved
        return self

    def __exit__(self, *exc_info: object) -> None:
        SpotInstrumentor().uninstrument()
        self.provider.shutdown()

    @property
    def handler(self) -> Any:
        """The wrapped handler, as the runtime would call it."""
        return getattr(importlib.import_module(self.module_name), self.function_name)

    def invoke(
        self, event: Any, request_id: str | None = None, custom: Any = None
    ) -> Call:
        """Call the handler as the runtime does, timing it and keeping what it
        raised; ``custom`` is the caller's ClientContext ``custom``."""
        lambda_ctx = lambda_context(request_id, custom)
        started = time.perf_counter()
        try:
            result, error = self.handler(event, lambda_ctx), None
        except BaseException as exc:  # noqa: BLE001 - SystemExit included
            result, error = None, exc
        return Call(
            lambda_ctx.aws_request_id, result, error, time.perf_counter() - started
        )

    def invocation_span_id(self, request_id: str) -> str:
        """The span id of one call's invocation span, as records spell it."""
        return f"{self._starts.span_ids[request_id]:016x}"

    def entry_and_exit(self, client: Any, call: Call) -> list[dict[str, Any] | None]:
        """The entry and exit items of one call (None where missing), read
        by key."""
        deserializer = TypeDeserializer()
        span_id = self.invocation_span_id(call.request_id)
        found: list[dict[str, Any] | None] = []
        for kind in ("entry", "exit"):
            key = {"requestID": {"S": f"{call.request_id}:{kind}{span_id}"}}
            item = client.get_item(TableName=TABLE, Key=key).get("Item")
            found.append(
                {name: deserializer.deserialize(value) for name, value in item.items()}
                if item
                else None
            )
        return found


class _InvocationStarts(SpanProcessor):
    """Remembers each invocation span's id by request id, as it starts (its
    attributes may be gone by the time it ends)."""

    def __init__(self) -> None:
        self.span_ids: dict[str, int] = {}

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        request_id = (span.attributes or {}).get("faas.invocation_id")
        if isinstance(request_id, str):
            self.span_ids[request_id] = span.context.span_id


def records_of(
    items: Iterable[Mapping[str, Any]], request_ids: Iterable[str]
) -> dict[str, list[Mapping[str, Any]]]:
    """Items (plain Python) grouped by the invocation they belong to, for the
    request ids given."""
    wanted: dict[str, list[Mapping[str, Any]]] = {
        request_id: [] for request_id in request_ids
    }
    for item in items:
        invocation_id = item.get("invocationId")
        if invocation_id in wanted:
            wanted[invocation_id].append(item)
    return wanted


def percentile(values: list[float], share: float) -> float:
    """The ``share`` percentile (0..1) of ``values``, nearest rank."""
    ordered = sorted(values)
    if not ordered:
        return 0.0
    rank = max(0, min(len(ordered) - 1, round(share * (len(ordered) - 1))))
    return ordered[rank]
