"""Kinesis Data Streams events.

In-link per record: ``kinesis_key(stream, shard, sequenceNumber)``, the
stream named by ``eventSourceARN`` and the shard by ``eventID``
(``shardId-000000000006:<sequence number>``), the ShardId and SequenceNumber
PutRecord(s) returned to the producer.  Records carry no trace context, and
their data is never decoded.

SpotWrap's ``caller`` is the first eventID, its ``message`` the stream ARN.
"""

from __future__ import annotations

from typing import Any, Mapping

from opentelemetry.semconv._incubating.attributes import aws_attributes
from opentelemetry.semconv._incubating.attributes import messaging_attributes as msg

from spot_otel.links import Link, kinesis_key
from spot_otel.triggers import _batch, _messaging
from spot_otel.triggers._fields import arn_resource, dig, ident, known, records, text
from spot_otel.triggers.types import Trigger, TriggerKind

NAME = "kinesis"
EVENT_SOURCE = "aws:kinesis"


def read(event: Mapping[str, Any]) -> Trigger:
    """The trigger of a Kinesis batch, every record's link included."""
    batch = records(event)
    trigger = Trigger(name=NAME, kind=TriggerKind.PUBSUB, event_source=EVENT_SOURCE)
    for link in _batch.each_record(batch, record_link):
        if link is not None:
            trigger.in_links.append(link)
    if batch:
        _describe(trigger, batch[0], len(batch))
    _batch.mark(trigger, len(batch))
    return trigger


def record_link(record: Mapping[str, Any]) -> Link | None:
    """The in-link of one record, or None if it lacks an id."""
    stream = arn_resource(record.get("eventSourceARN"), "stream")
    shard = shard_id(record.get("eventID"))
    sequence_number = ident(dig(record, "kinesis", "sequenceNumber"))
    if stream is None or shard is None or sequence_number is None:
        return None
    return Link(kinesis_key(stream, shard, sequence_number))


def shard_id(event_id: Any) -> str | None:
    """The shard of an eventID ``<shard id>:<sequence number>``."""
    event_id = ident(event_id)
    if event_id is None or ":" not in event_id:
        return None
    return event_id.split(":", 1)[0] or None


def _describe(trigger: Trigger, first: Mapping[str, Any], count: int) -> None:
    stream_arn = first.get("eventSourceARN")
    stream = text(arn_resource(stream_arn, "stream"))
    event_id = ident(first.get("eventID"))
    sequence_number = ident(dig(first, "kinesis", "sequenceNumber"))

    trigger.caller = known(event_id)
    trigger.event_op = known(first.get("eventName"))
    trigger.message = known(stream_arn)
    trigger.attributes.update(
        _messaging.processed(_messaging.AWS_KINESIS, stream, sequence_number, count)
    )
    if stream:
        trigger.attributes[aws_attributes.AWS_KINESIS_STREAM_NAME] = stream
    # Lambda reads each batch from one shard.
    shard = shard_id(event_id)
    if shard:
        trigger.attributes[msg.MESSAGING_DESTINATION_PARTITION_ID] = shard
