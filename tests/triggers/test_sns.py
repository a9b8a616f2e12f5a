"""SNS events."""

from __future__ import annotations

import copy
import json

from spot_otel.links import Link, invoke_key, s3_object_key, s3_request_key, sns_key
from spot_otel.triggers import InvocationInfo, TriggerKind, read_trigger
from tests.conftest import load_event

INFO = InvocationInfo(request_id="5e5e5e5e-0000-4000-8000-000000000sns")
TOPIC = "arn:aws:sns:us-east-2:123456789012:sns-lambda"
MESSAGE_ID = "95df01b4-ee98-5cb9-9903-4c221d41eb5e"
TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"


def test_notification() -> None:
    trigger = read_trigger(load_event("snsEvent"), INFO)

    assert trigger.kind is TriggerKind.PUBSUB
    assert trigger.in_links == [
        Link(sns_key(MESSAGE_ID)),
        Link(invoke_key(INFO.request_id)),
    ]
    assert trigger.caller == MESSAGE_ID
    assert trigger.event_source == "aws:sns"
    assert trigger.event_op == "Notification"
    assert trigger.message == TOPIC
    assert trigger.attributes == {
        "messaging.system": "aws.sns",
        "messaging.operation.type": "process",
        "messaging.destination.name": "sns-lambda",
        "messaging.message.id": MESSAGE_ID,
        "aws.sns.topic.arn": TOPIC,
    }
    # Non-W3C message attributes are not carriers.
    assert trigger.carriers == []
    assert "Hello from SNS!" not in repr(trigger)


def test_traceparent_message_attribute_is_the_carrier() -> None:
    event = load_event("snsEvent")
    event["Records"][0]["Sns"]["MessageAttributes"]["traceparent"] = {
        "Type": "String",
        "Value": TRACEPARENT,
    }

    trigger = read_trigger(event, INFO)

    assert trigger.carriers == [{"traceparent": TRACEPARENT}]


def test_every_record_of_a_batch_is_linked_and_carried() -> None:
    event = load_event("snsEvent")
    second = copy.deepcopy(event["Records"][0])
    second["Sns"]["MessageId"] = "second-id"
    second["Sns"]["MessageAttributes"] = {
        "traceparent": {"Type": "String", "Value": TRACEPARENT}
    }
    event["Records"].append(second)

    trigger = read_trigger(event, INFO)

    assert trigger.in_links[:2] == [
        Link(sns_key(MESSAGE_ID)),
        Link(sns_key("second-id")),
    ]
    assert trigger.carriers == [{"traceparent": TRACEPARENT}]
    assert trigger.is_batch
    assert trigger.attributes["messaging.batch.message_count"] == 2
    assert "messaging.message.id" not in trigger.attributes


def test_s3_notification_through_sns_keeps_the_s3_links() -> None:
    event = load_event("snsEvent")
    event["Records"][0]["Sns"]["Message"] = json.dumps(load_event("s3EventDecodedKey"))

    trigger = read_trigger(event, INFO)

    assert trigger.in_links[:3] == [
        Link(sns_key(MESSAGE_ID)),
        Link(
            s3_object_key(
                "sourcebucket", "Happy Face.jpg", "d41d8cd98f00b204e9800998ecf8427e"
            )
        ),
        Link(s3_request_key("C3D13FE58DE4C810")),
    ]
