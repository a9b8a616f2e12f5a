"""The sink's own DynamoDB calls are never traced, so never recorded."""

from __future__ import annotations

import boto3
import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from spot_otel_exporter import SpotFnsSpanProcessor
from tests.sink.conftest import REGION, Traced, table_items

REQUEST_ID = "6f9e1a3c-6666-4f4f-a0a0-000000000006"
SINK_OPERATIONS = {"BatchWriteItem", "DescribeTable", "CreateTable", "DescribeTimeToLive"}


def make_instrumentor(name: str):
    if name == "spot":
        from spot_otel.instrumentation import SpotInstrumentor

        return SpotInstrumentor(), {"handler": None}
    # OTel contrib's botocore instrumentation knows nothing of spot-otel's
    # untraced clients: only the suppress-instrumentation key stops it.
    from opentelemetry.instrumentation.botocore import BotocoreInstrumentor

    return BotocoreInstrumentor(), {}


@pytest.mark.parametrize("instrumentor_name", ["spot", "contrib"])
def test_the_sinks_writes_make_no_span_and_no_record(dynamodb, instrumentor_name):
    memory = InMemorySpanExporter()
    processor = SpotFnsSpanProcessor(region=REGION)
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(memory))
    provider.add_span_processor(processor)
    instrumentor, options = make_instrumentor(instrumentor_name)
    instrumentor.instrument(tracer_provider=provider, **options)
    try:
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket="orders")
        sink = Traced(processor, provider)
        with sink.invocation(REQUEST_ID):
            s3.put_object(Bucket="orders", Key="incoming/1.json", Body=b"{}")
        assert provider.force_flush(2000) is True
    finally:
        instrumentor.uninstrument()
        provider.shutdown()

    traced_operations = {
        span.attributes.get("rpc.method") for span in memory.get_finished_spans()
    }
    assert "PutObject" in traced_operations  # the instrumentation was on
    assert not SINK_OPERATIONS & traced_operations
    items = table_items(dynamodb)
    operations = {item["eventOp"] for item in items.values()}
    assert "PutObject" in operations
    assert not SINK_OPERATIONS & operations
    assert processor.stats.written == len(items)
