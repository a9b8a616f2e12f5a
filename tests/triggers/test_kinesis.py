"""Kinesis Data Streams events."""

from __future__ import annotations

from spot_otel.links import Link, invoke_key, kinesis_key
from spot_otel.triggers import InvocationInfo, TriggerKind, read_trigger
from tests.conftest import load_event

INFO = InvocationInfo(request_id="4b4b4b4b-0000-4000-8000-0000000kines")
SHARD = "shardId-000000000006"
FIRST = "49590338271490256608559692538361571095921575989136588898"
SECOND = "49590338271490256608559692540925702759324208523137515618"


def test_batch_links_every_record() -> None:
    trigger = read_trigger(load_event("kinesisStreamEvent"), INFO)

    assert trigger.kind is TriggerKind.PUBSUB
    assert trigger.in_links == [
        Link(kinesis_key("lambda-stream", SHARD, FIRST)),
        Link(kinesis_key("lambda-stream", SHARD, SECOND)),
        Link(invoke_key(INFO.request_id)),
    ]
    assert trigger.caller == f"{SHARD}:{FIRST}"
    assert trigger.event_source == "aws:kinesis"
    assert (
        trigger.message == "arn:aws:kinesis:us-east-2:123456789012:stream/lambda-stream"
    )
    assert trigger.is_batch
    assert trigger.attributes == {
        "messaging.system": "aws.kinesis",
        "messaging.operation.type": "process",
        "messaging.destination.name": "lambda-stream",
        "messaging.destination.partition.id": SHARD,
        "messaging.batch.message_count": 2,
        "aws.kinesis.stream_name": "lambda-stream",
        "spot.record_count": 2,
    }
    assert trigger.carriers == []


def test_record_with_a_malformed_event_id_is_skipped_alone() -> None:
    event = load_event("kinesisStreamEvent")
    event["Records"][0]["eventID"] = FIRST

    trigger = read_trigger(event, INFO)

    assert trigger.in_links[:-1] == [Link(kinesis_key("lambda-stream", SHARD, SECOND))]


def test_record_data_is_never_decoded_or_kept() -> None:
    trigger = read_trigger(load_event("kinesisStreamEvent"), INFO)

    text = repr(trigger)
    assert "SGVsbG8" not in text
    assert "Hello, this is a test" not in text
