"""SQS events, with the SNS envelopes and S3 notifications they carry."""

from __future__ import annotations

import json

import pytest

from spot_otel.links import (
    Link,
    invoke_key,
    s3_object_key,
    s3_request_key,
    sns_key,
    sqs_key,
)
from spot_otel.triggers import InvocationInfo, TriggerKind, read_trigger
from tests.conftest import load_event

INFO = InvocationInfo(request_id="5a5a5a5a-0000-4000-8000-000000000sqs")
TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
XRAY = "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1"


def test_batch_links_every_message() -> None:
    trigger = read_trigger(load_event("sqsEvent"), INFO)

    assert trigger.kind is TriggerKind.PUBSUB
    assert trigger.in_links == [
        Link(sqs_key("059f36b4-87a3-44ab-83d2-661975830a7d")),
        Link(sqs_key("2e1424d4-f796-459a-8184-9c92662be6da")),
        Link(invoke_key(INFO.request_id)),
    ]
    assert trigger.is_batch
    assert trigger.caller == "059f36b4-87a3-44ab-83d2-661975830a7d"
    assert trigger.event_source == "aws:sqs"
    assert trigger.event_op == "ReceiveMessage"
    assert trigger.message == "arn:aws:sqs:us-east-2:123456789012:my-queue"
    assert trigger.attributes == {
        "messaging.system": "aws_sqs",
        "messaging.operation.type": "process",
        "messaging.destination.name": "my-queue",
        "messaging.batch.message_count": 2,
        "spot.record_count": 2,
    }


def test_single_message_names_its_id() -> None:
    trigger = read_trigger(load_event("sqsDlqTriggerEvent"), INFO)

    assert not trigger.is_batch
    assert (
        trigger.attributes["messaging.message.id"]
        == "db37cc61-1bb0-4e77-b6f3-7cf87f44a72a"
    )


def test_carriers_from_message_attributes_and_aws_trace_header() -> None:
    event = load_event("sqsEvent")
    first, second = event["Records"]
    first["messageAttributes"]["traceparent"] = {
        "stringValue": TRACEPARENT,
        "stringListValues": [],
        "binaryListValues": [],
        "dataType": "String",
    }
    first["attributes"]["AWSTraceHeader"] = XRAY
    second["attributes"]["AWSTraceHeader"] = XRAY

    trigger = read_trigger(event, INFO)

    assert trigger.carriers == [
        {"traceparent": TRACEPARENT},
        {"X-Amzn-Trace-Id": XRAY},
        {"X-Amzn-Trace-Id": XRAY},
    ]


@pytest.mark.parametrize(
    ("name", "sns_message_id"),
    [
        ("snsSqsEvent", "d88d4479-6ec0-54fe-b63f-1cf9df4bb16e"),
        ("snsSqsFifoEvent", "a7c9d2fa-77fa-5184-9de9-89391027cc7d"),
    ],
)
def test_sns_envelope_links_both_hops(name: str, sns_message_id: str) -> None:
    event = load_event(name)
    message_id = event["Records"][0]["messageId"]

    trigger = read_trigger(event, INFO)

    assert trigger.in_links == [
        Link(sqs_key(message_id)),
        Link(sns_key(sns_message_id)),
        Link(invoke_key(INFO.request_id)),
    ]
    assert "hello world" not in repr(trigger)


def test_sns_envelope_message_attributes_are_the_carrier() -> None:
    event = load_event("snsSqsEvent")
    record = event["Records"][0]
    envelope = json.loads(record["body"])
    envelope["MessageAttributes"] = {
        "traceparent": {"Type": "String", "Value": TRACEPARENT}
    }
    record["body"] = json.dumps(envelope)

    trigger = read_trigger(event, INFO)

    assert trigger.carriers == [{"traceparent": TRACEPARENT}]


def test_s3_notification_in_the_body_links_the_object() -> None:
    trigger = read_trigger(load_event("s3SqsEvent"), INFO)

    assert trigger.in_links == [
        Link(sqs_key("ca3e7a89-c358-40e5-8aa0-5da01403c267")),
        Link(s3_object_key("xxx", "test.pdf", "2e3ad1e983318bbd8e73b080e2997980")),
        Link(s3_request_key("YMSSR8BZJ2Y99K6P")),
        Link(invoke_key(INFO.request_id)),
    ]


def test_s3_notification_through_sns_then_sqs() -> None:
    event = load_event("snsSqsEvent")
    record = event["Records"][0]
    envelope = json.loads(record["body"])
    envelope["Message"] = json.dumps(load_event("s3Event"))
    record["body"] = json.dumps(envelope)

    trigger = read_trigger(event, INFO)

    assert [link.via.value for link in trigger.in_links] == [
        "sqs",
        "sns",
        "s3",
        "s3",
        "invoke",
    ]


@pytest.mark.parametrize(
    "body",
    [
        "",
        "Test message.",
        '{"message": "foo1"}',
        '{"Type": "Notification"}',
        '{"Type": "Notification", "MessageId": 7}',
        '{"Records": "s3"}',
        '{"Records": [{"s3": null}]}',
        '{"s3": "Notification"',
        '["Notification", "s3"]',
        '{"s3": ' * 100_000,
    ],
    ids=lambda body: body[:40],
)
def test_bodies_that_are_no_envelope_only_link_the_message(body: str) -> None:
    event = load_event("sqsDlqTriggerEvent")
    event["Records"][0]["body"] = body

    trigger = read_trigger(event, INFO)

    assert trigger.name == "sqs"
    assert trigger.in_links == [
        Link(sqs_key("db37cc61-1bb0-4e77-b6f3-7cf87f44a72a")),
        Link(invoke_key(INFO.request_id)),
    ]


def test_no_body_is_kept() -> None:
    for name in ("sqsEvent", "snsSqsEvent", "s3SqsEvent", "sqsDlqTriggerEvent"):
        event = load_event(name)

        text = repr(read_trigger(event, INFO))

        for record in event["Records"]:
            assert record["body"] not in text
