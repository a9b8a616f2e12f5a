"""DynamoDB Streams events."""

from __future__ import annotations

import pytest

from spot_otel.links import Link, ddb_item_key, invoke_key
from spot_otel.triggers import InvocationInfo, TriggerKind, read_trigger
from tests.conftest import load_event

INFO = InvocationInfo(request_id="d1d2d3d4-0000-4000-8000-00000000ddb0")
STREAM_ARN = (
    "arn:aws:dynamodb:us-east-1:123456789012:table/Orders/stream/"
    "2024-05-01T09:30:00.123"
)


def test_sample_batch_links_every_record_with_time_and_sequence() -> None:
    trigger = read_trigger(load_event("dynamoStreamEvent"), INFO)

    keys = {"Id": {"N": "101"}}
    assert trigger.kind is TriggerKind.DATASOURCE
    assert trigger.in_links == [
        Link(ddb_item_key("eventsource_arn", keys), at_ms=1693997155000, seq="111"),
        # The second record has no ApproximateCreationDateTime.
        Link(ddb_item_key("source_arn", keys), seq="222"),
        Link(invoke_key(INFO.request_id)),
    ]
    assert trigger.caller == "1:111"
    assert trigger.event_source == "aws:dynamodb"
    assert trigger.event_op == "INSERT"
    assert trigger.is_batch
    assert trigger.attributes["spot.record_count"] == 2
    assert "faas.document.operation" not in trigger.attributes


def test_table_is_read_from_the_stream_arn() -> None:
    event = load_event("dynamoStreamEvent")
    event["Records"] = event["Records"][:1]
    event["Records"][0]["eventSourceARN"] = STREAM_ARN

    trigger = read_trigger(event, INFO)

    # The producer side keys PutItem by the table name it wrote to.
    assert trigger.in_links[0].key == ddb_item_key("Orders", {"Id": {"N": "101"}})
    assert trigger.message == "Orders"
    assert trigger.attributes == {
        "faas.document.collection": "Orders",
        "faas.document.operation": "insert",
    }
    assert not trigger.is_batch


@pytest.mark.parametrize(
    ("seconds", "at_ms"),
    [
        (1693997155, 1693997155000),
        (1693997155.5, 1693997155500),
        (1.7e9, 1700000000000),
    ],
)
def test_creation_time_in_seconds_becomes_milliseconds(
    seconds: float, at_ms: int
) -> None:
    event = load_event("dynamoStreamEvent")
    event["Records"][0]["dynamodb"]["ApproximateCreationDateTime"] = seconds

    trigger = read_trigger(event, INFO)

    assert trigger.in_links[0].at_ms == at_ms


def test_no_key_or_item_value_is_kept_in_clear() -> None:
    event = load_event("dynamoStreamEvent")
    for record in event["Records"]:
        record["eventSourceARN"] = STREAM_ARN
        record["dynamodb"]["Keys"] = {"email": {"S": "alice@example.com"}}

    trigger = read_trigger(event, INFO)

    text = repr(trigger)
    for value in ("alice@example.com", "New item!", "This item has changed"):
        assert value not in text
    assert trigger.in_links[0].key == ddb_item_key(
        "Orders", {"email": {"S": "alice@example.com"}}
    )


def test_record_without_keys_has_no_link_but_others_do() -> None:
    event = load_event("dynamoStreamEvent")
    del event["Records"][0]["dynamodb"]["Keys"]

    trigger = read_trigger(event, INFO)

    assert [link.seq for link in trigger.in_links] == ["222", None]
