"""A tracer provider with an in-memory exporter, and a Lambda context."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Iterator

import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from spot_otel.instrumentation import SpotInstrumentor

HANDLERS = "tests.instrumentation.apps.handlers"
FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:unit-fn"


@dataclass
class ClientContext:
    custom: dict[str, Any] | None = None
    env: dict[str, Any] | None = None
    client: Any = None


@dataclass
class LambdaContext:
    """The attributes awslambdaric's context object has."""

    aws_request_id: str = "5a4c5f1e-0000-4000-8000-000000000001"
    invoked_function_arn: str = FUNCTION_ARN
    function_name: str = "unit-fn"
    function_version: str = "$LATEST"
    memory_limit_in_mb: str = "128"
    client_context: ClientContext | None = None
    deadline_ms: float = field(default_factory=lambda: time.time() * 1000 + 30_000)

    def get_remaining_time_in_millis(self) -> int:
        return int(self.deadline_ms - time.time() * 1000)


@pytest.fixture
def memory() -> Iterator[tuple[InMemorySpanExporter, TracerProvider]]:
    """Spans land in memory; SpotInstrumentor is on for SDK calls only."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    instrumentor = SpotInstrumentor()
    instrumentor.instrument(tracer_provider=provider, handler=None, skip_dep_check=True)
    yield exporter, provider
    instrumentor.uninstrument()


@pytest.fixture
def traced_handler(memory):  # type: ignore[no-untyped-def]
    """Wrap one handler of tests/instrumentation/apps/handlers.py; returns
    (call, exporter) where call(name, event, context) calls it."""
    import importlib

    exporter, provider = memory
    module = importlib.import_module(HANDLERS)
    wrapped: list[str] = []

    def call(name: str, event: Any, context: Any = None) -> Any:
        if name not in wrapped:
            SpotInstrumentor().uninstrument()
            SpotInstrumentor().instrument(
                tracer_provider=provider, handler=f"{HANDLERS}.{name}", skip_dep_check=True
            )
            wrapped.append(name)
        return getattr(module, name)(event, context or LambdaContext())

    return call, exporter


class Aws:
    """A few resources on moto's in-process AWS."""

    def __init__(self) -> None:
        import boto3

        self.dynamodb = boto3.client("dynamodb", region_name="us-east-1")
        self.sqs = boto3.client("sqs", region_name="us-east-1")

    def create_table(self, name: str, stream: bool = False) -> None:
        options: dict[str, Any] = {}
        if stream:
            options["StreamSpecification"] = {
                "StreamEnabled": True,
                "StreamViewType": "NEW_AND_OLD_IMAGES",
            }
        self.dynamodb.create_table(
            TableName=name,
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
            **options,
        )

    def create_queue(self, name: str) -> str:
        return self.sqs.create_queue(QueueName=name)["QueueUrl"]


@pytest.fixture
def aws() -> Iterator[Aws]:
    from moto import mock_aws

    with mock_aws():
        yield Aws()
