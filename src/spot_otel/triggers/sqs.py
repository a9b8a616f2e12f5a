"""SQS events, including the SNS envelopes and S3 notifications they carry.

In-links per record: ``sqs_key(messageId)``; when the body is an SNS envelope
(SNS -> SQS without raw delivery), ``sns_key`` of its MessageId; when the
body, or the envelope's message, is an S3 notification (S3 -> SQS), the S3
links of each of its records.  Bodies are parsed only for those ids.

Carriers per record, in order: the W3C ``traceparent``/``tracestate`` message
attributes (``stringValue``), else the SNS envelope's; then
``attributes.AWSTraceHeader`` as an X-Ray carrier.

SpotWrap's ``caller`` is the first messageId, its ``message`` the queue ARN.
"""

from __future__ import annotations

from typing import Any, Mapping

from spot_otel.inband import SQS_XRAY_ATTRIBUTE
from spot_otel.links import Link, sqs_key
from spot_otel.triggers import _batch, _carriers, _messaging, s3, sns
from spot_otel.triggers._bodies import json_object
from spot_otel.triggers._fields import arn_last, dig, ident, known, mapping, records
from spot_otel.triggers.types import Trigger, TriggerKind

NAME = "sqs"
EVENT_SOURCE = "aws:sqs"
EVENT_OP = "ReceiveMessage"

# Substrings a body must contain to be worth parsing as an envelope.
_ENVELOPE_MARKERS = (f'"{sns.NOTIFICATION}"', '"s3"')


def read(event: Mapping[str, Any]) -> Trigger:
    """The trigger of an SQS batch, every record's links included."""
    batch = records(event)
    trigger = Trigger(
        name=NAME,
        kind=TriggerKind.PUBSUB,
        event_source=EVENT_SOURCE,
        event_op=EVENT_OP,
    )
    for links, carriers in _batch.each_record(batch, read_record):
        trigger.in_links.extend(links)
        trigger.carriers.extend(carriers)
    if batch:
        _describe(trigger, batch[0], len(batch))
    _batch.mark(trigger, len(batch))
    return trigger


def read_record(
    record: Mapping[str, Any],
) -> tuple[list[Link], list[Mapping[str, str]]]:
    """One message's in-links and carriers."""
    links: list[Link] = []
    message_id = ident(record.get("messageId"))
    if message_id is not None:
        links.append(Link(sqs_key(message_id)))

    envelope_carrier: dict[str, str] | None = None
    document = json_object(record.get("body"), _ENVELOPE_MARKERS)
    if document is not None and sns.is_envelope(document):
        links.extend(sns.notification_links(document))
        envelope_carrier = sns.notification_carrier(document)
    elif document is not None:
        links.extend(s3.notification_links(document))

    attributes = mapping(record.get("messageAttributes"))
    carriers = _carriers.present(
        _carriers.w3c(lambda name: dig(attributes, name, "stringValue"))
        or envelope_carrier,
        _carriers.xray(dig(record, "attributes", SQS_XRAY_ATTRIBUTE)),
    )
    return links, carriers


def _describe(trigger: Trigger, first: Mapping[str, Any], count: int) -> None:
    queue_arn = first.get("eventSourceARN")
    message_id = ident(first.get("messageId"))

    trigger.caller = known(message_id)
    trigger.message = known(queue_arn)
    trigger.attributes.update(
        _messaging.processed(_messaging.AWS_SQS, arn_last(queue_arn), message_id, count)
    )
