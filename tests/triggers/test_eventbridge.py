"""EventBridge events: application and AWS events, schedules, S3 through EventBridge."""

from __future__ import annotations

from spot_otel.links import Link, events_key, invoke_key, s3_object_key, s3_request_key
from spot_otel.triggers import InvocationInfo, TriggerKind, read_trigger
from tests.conftest import load_event

INFO = InvocationInfo(request_id="e0e0e0e0-0000-4000-8000-0000000event")


def test_event_is_pubsub_keyed_by_its_id() -> None:
    trigger = read_trigger(load_event("eventBridgeEvent"), INFO)

    event_id = "6a7e8feb-b491-4cf7-a9f1-bf3703467718"
    assert trigger.kind is TriggerKind.PUBSUB
    assert trigger.in_links == [
        Link(events_key(event_id)),
        Link(invoke_key(INFO.request_id)),
    ]
    assert trigger.caller == event_id
    assert trigger.event_source == "aws:events"
    assert trigger.event_op == "EC2 Instance State-change Notification"
    assert trigger.message == "aws.ec2"
    assert "i-1234567890abcdef0" not in repr(trigger)


def test_scheduled_event_is_a_timer() -> None:
    event = load_event("eventBridgeEvent")
    event.update(
        {
            "source": "aws.events",
            "detail-type": "Scheduled Event",
            "resources": ["arn:aws:events:us-west-1:111122223333:rule/nightly"],
            "detail": {},
        }
    )

    trigger = read_trigger(event, INFO)

    assert trigger.kind is TriggerKind.TIMER
    assert trigger.name == "eventbridge"
    assert trigger.attributes["faas.time"] == "2017-12-22T18:43:48Z"
    assert trigger.in_links[0] == Link(events_key(event["id"]))


def test_an_application_may_not_pose_as_a_schedule() -> None:
    event = load_event("eventBridgeEvent")
    event.update({"source": "com.example.orders", "detail-type": "Scheduled Event"})

    assert read_trigger(event, INFO).kind is TriggerKind.PUBSUB


def test_s3_event_through_eventbridge_links_the_object() -> None:
    trigger = read_trigger(
        load_event("s3EventBridgeNotificationObjectCreatedEvent"), INFO
    )

    assert trigger.in_links == [
        Link(events_key("f5f1e65c-dc3a-93ca-6c1e-b1647eac7963")),
        Link(
            s3_object_key(
                "example-bucket", "IMG_m7fzo3.jpg", "4e68adba0abe2dc8653dc3354e14c01d"
            )
        ),
        Link(s3_request_key("57H08PA84AB1JZW0")),
        Link(invoke_key(INFO.request_id)),
    ]
    assert trigger.event_op == "Object Created"
    assert trigger.message == "aws.s3"


def test_s3_delete_through_eventbridge_keys_an_empty_etag() -> None:
    event = load_event("s3EventBridgeNotificationObjectCreatedEvent")
    event["detail-type"] = "Object Deleted"
    del event["detail"]["object"]["etag"]

    trigger = read_trigger(event, INFO)

    assert trigger.in_links[1] == Link(
        s3_object_key("example-bucket", "IMG_m7fzo3.jpg", "")
    )
