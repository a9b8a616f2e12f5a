"""Amazon Kinesis Data Streams: PutRecord and PutRecords as PRODUCER spans.

A record is joined to the function that reads it by stream, shard and
sequence number; Lambda's Kinesis event carries the sequence number and,
in ``eventID``, the shard.  Records Kinesis refused carry an ``ErrorCode``
instead and get no link.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from opentelemetry.semconv._incubating.attributes import aws_attributes as aws
from opentelemetry.semconv._incubating.attributes import messaging_attributes as msg
from opentelemetry.trace import SpanKind

from spot_otel.extensions._fields import mappings, text
from spot_otel.extensions._messaging import SEND, messaging_attributes
from spot_otel.extensions.types import (
    AttributeValue,
    KeySchemaLookup,
    SdkCall,
    ServiceExtension,
)
from spot_otel.links import Link, kinesis_key

_PUT_RECORD = "PutRecord"
_PUT_RECORDS = "PutRecords"

# OTel's messaging conventions (0.66b1) list no value for Kinesis; this
# follows the dotted form of their newer ones ("aws.sns") and the
# ``aws.kinesis.*`` attribute namespace.
_SYSTEM = "aws.kinesis"


class KinesisExtension(ServiceExtension):
    """PutRecord(s) send; every call names its stream."""

    def span_kind(self, call: SdkCall) -> SpanKind:
        if call.operation in (_PUT_RECORD, _PUT_RECORDS):
            return SpanKind.PRODUCER
        return SpanKind.CLIENT

    def request_attributes(self, call: SdkCall) -> dict[str, AttributeValue]:
        stream = _stream_name(call.params)
        if call.operation not in (_PUT_RECORD, _PUT_RECORDS):
            return {aws.AWS_KINESIS_STREAM_NAME: stream} if stream else {}

        count = None
        if call.operation == _PUT_RECORDS:
            records = call.params.get("Records")
            count = len(records) if isinstance(records, (list, tuple)) else None
        attributes = messaging_attributes(_SYSTEM, stream, SEND, count)
        if stream:
            attributes[aws.AWS_KINESIS_STREAM_NAME] = stream
        return attributes

    def target(self, call: SdkCall) -> str | None:
        return _stream_name(call.params)

    def out_links(
        self,
        call: SdkCall,
        response: Mapping[str, Any],
        key_schema: KeySchemaLookup,
    ) -> list[Link]:
        stream = _stream_name(call.params)
        if stream is None:
            return []
        if call.operation == _PUT_RECORD:
            records = [response]
        elif call.operation == _PUT_RECORDS:
            records = list(mappings(response.get("Records")))
        else:
            return []

        links = []
        for record in records:
            shard_id = text(record, "ShardId")
            sequence_number = text(record, "SequenceNumber")
            if shard_id is not None and sequence_number is not None:
                links.append(Link(kinesis_key(stream, shard_id, sequence_number)))
        return links

    def response_attributes(
        self, call: SdkCall, response: Mapping[str, Any]
    ) -> dict[str, AttributeValue]:
        shard_id = text(response, "ShardId") if call.operation == _PUT_RECORD else None
        if shard_id is None:
            return {}
        return {msg.MESSAGING_DESTINATION_PARTITION_ID: shard_id}


def _stream_name(params: Mapping[str, Any]) -> str | None:
    """The stream's name from StreamName or StreamARN (``...:stream/<name>``)."""
    name = text(params, "StreamName")
    if name is not None:
        return name
    arn = text(params, "StreamARN")
    if arn is None:
        return None
    return arn.rsplit("stream/", 1)[-1] or None
