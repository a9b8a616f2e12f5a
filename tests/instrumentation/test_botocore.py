"""SDK call spans: attributes, links, in-band context, errors, no recursion."""

from __future__ import annotations

import copy
import json

import boto3
import pytest
from botocore.exceptions import ClientError
from opentelemetry.instrumentation.utils import suppress_instrumentation
from opentelemetry.trace import SpanKind, StatusCode

from spot_otel.aws import mark_untraced
from spot_otel.links import Link, ddb_item_key


def spans_named(exporter, name):  # type: ignore[no-untyped-def]
    return [s for s in exporter.get_finished_spans() if s.name == name]


def test_put_item_span_has_rpc_attributes_and_a_stream_link(memory, aws):
    exporter, _ = memory
    aws.create_table("orders", stream=True)
    client = boto3.client("dynamodb", region_name="us-east-1")

    client.put_item(TableName="orders", Item={"pk": {"S": "o-1"}, "note": {"S": "secret"}})

    (span,) = spans_named(exporter, "DynamoDB.PutItem")
    assert span.kind is SpanKind.CLIENT
    assert span.attributes["rpc.system"] == "aws-api"
    assert span.attributes["rpc.service"] == "DynamoDB"
    assert span.attributes["rpc.method"] == "PutItem"
    assert span.attributes["spot.role"] == "sdk_call"
    assert span.attributes["aws.request_id"]
    (encoded,) = span.attributes["spot.links.out"]
    link = Link.decode(encoded)
    assert link.key == ddb_item_key("orders", {"pk": {"S": "o-1"}})
    assert link.at_ms is not None
    assert "secret" not in json.dumps(dict(span.attributes), default=str)


def test_key_schema_lookup_is_cached_and_makes_no_span(memory, aws):
    exporter, _ = memory
    aws.create_table("orders")
    client = boto3.client("dynamodb", region_name="us-east-1")
    described: list[str] = []
    client.meta.events.register(
        "before-call.dynamodb.DescribeTable", lambda **kw: described.append("x")
    )

    for n in range(3):
        client.put_item(TableName="orders", Item={"pk": {"S": f"o-{n}"}})

    assert len(described) == 1
    assert not spans_named(exporter, "DynamoDB.DescribeTable")


def test_client_error_is_recorded_and_reraised_unchanged(memory, aws):
    exporter, _ = memory
    client = boto3.client("dynamodb", region_name="us-east-1")

    with pytest.raises(ClientError) as raised:
        client.get_item(TableName="missing", Key={"pk": {"S": "x"}})

    assert raised.value.response["Error"]["Code"] == "ResourceNotFoundException"
    (span,) = spans_named(exporter, "DynamoDB.GetItem")
    assert span.status.status_code is StatusCode.ERROR
    assert span.attributes["error.type"] == "ResourceNotFoundException"


def test_send_message_carries_trace_context_without_touching_caller_params(memory, aws):
    exporter, _ = memory
    queue_url = aws.create_queue("jobs")
    client = boto3.client("sqs", region_name="us-east-1")
    attributes = {"app": {"DataType": "String", "StringValue": "v"}}
    before = copy.deepcopy(attributes)

    sent = client.send_message(
        QueueUrl=queue_url, MessageBody="hello", MessageAttributes=attributes
    )

    assert attributes == before
    (span,) = spans_named(exporter, "SQS.SendMessage")
    assert span.kind is SpanKind.PRODUCER
    assert f"sqs:{sent['MessageId']}" in span.attributes["spot.links.out"]
    received = client.receive_message(QueueUrl=queue_url, MessageAttributeNames=["All"])
    carried = received["Messages"][0]["MessageAttributes"]
    assert carried["app"]["StringValue"] == "v"
    traceparent = carried["traceparent"]["StringValue"]
    assert traceparent.split("-")[2] == format(span.context.span_id, "016x")


def test_untraced_client_and_suppressed_context_make_no_span(memory, aws):
    exporter, _ = memory
    queue_url = aws.create_queue("quiet")
    exporter.clear()
    untraced = mark_untraced(boto3.client("sqs", region_name="us-east-1"))
    traced = boto3.client("sqs", region_name="us-east-1")

    untraced.send_message(QueueUrl=queue_url, MessageBody="a")
    with suppress_instrumentation():
        traced.send_message(QueueUrl=queue_url, MessageBody="b")

    assert exporter.get_finished_spans() == ()


def test_unknown_service_gets_a_plain_client_span(memory, aws):
    exporter, _ = memory
    client = boto3.client("sts", region_name="us-east-1")

    client.get_caller_identity()

    (span,) = spans_named(exporter, "STS.GetCallerIdentity")
    assert span.kind is SpanKind.CLIENT
    assert "spot.links.out" not in span.attributes


def test_request_parameters_are_captured_only_when_the_user_opts_in(memory, aws, monkeypatch):
    from spot_otel.instrumentation import SpotInstrumentor

    exporter, provider = memory
    queue_url = aws.create_queue("captured")
    client = boto3.client("sqs", region_name="us-east-1")
    client.send_message(QueueUrl=queue_url, MessageBody="not-captured-body")
    monkeypatch.setenv("OTEL_INSTRUMENTATION_SPOT_CAPTURE_PAYLOADS", "true")
    SpotInstrumentor().uninstrument()
    SpotInstrumentor().instrument(tracer_provider=provider, handler=None)

    client.send_message(QueueUrl=queue_url, MessageBody="captured-body")

    first, second = spans_named(exporter, "SQS.SendMessage")
    assert "spot.request" not in first.attributes
    assert "captured-body" in second.attributes["spot.request"]
