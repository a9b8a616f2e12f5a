"""SNS events, and the SNS envelope an SQS subscription receives.

Lambda's ``Records[].Sns`` and the JSON body SNS delivers to an SQS queue
(without raw delivery) are the same notification: ``Type``, ``MessageId``,
``TopicArn``, ``Message`` and ``MessageAttributes`` (``{"Type", "Value"}``).
So one set of helpers reads both.

In-link per record: ``sns_key(MessageId)``; when the message is an S3
notification (S3 -> SNS), its S3 links too.  Carrier: the ``traceparent``
and ``tracestate`` message attributes.  SpotWrap's ``caller`` is the first
MessageId, its ``message`` the topic ARN; the message text is never kept.
"""

from __future__ import annotations

from typing import Any, Mapping

from opentelemetry.semconv._incubating.attributes import aws_attributes

from spot_otel.links import Link, sns_key
from spot_otel.triggers import _batch, _carriers, _messaging, s3
from spot_otel.triggers._fields import (
    arn_last,
    dig,
    ident,
    known,
    mapping,
    records,
    text,
)
from spot_otel.triggers.types import Trigger, TriggerKind

NAME = "sns"
EVENT_SOURCE = "aws:sns"
NOTIFICATION = "Notification"


def read(event: Mapping[str, Any]) -> Trigger:
    """The trigger of an SNS delivery, every record's links included."""
    batch = records(event)
    trigger = Trigger(name=NAME, kind=TriggerKind.PUBSUB, event_source=EVENT_SOURCE)
    for links, carrier in _batch.each_record(batch, _read_record):
        trigger.in_links.extend(links)
        if carrier is not None:
            trigger.carriers.append(carrier)
    if batch:
        _describe(trigger, mapping(batch[0].get("Sns")), len(batch))
    _batch.mark(trigger, len(batch))
    return trigger



def _read_record(record: Mapping[str, Any]) -> tuple[list[Link], dict[str, str] | None]:
    notification = mapping(record.get("Sns"))
    return notification_links(notification), notification_carrier(notification)

def is_envelope(document: Mapping[str, Any]) -> bool:
    """Whether a parsed SQS body is an SNS notification envelope."""
    return (
        document.get("Type") == NOTIFICATION
        and ident(document.get("MessageId")) is not None
    )


def notification_links(notification: Mapping[str, Any]) -> list[Link]:
    """The in-links of one notification: its MessageId, and S3's if it
    carries an S3 notification."""
    links: list[Link] = []
    message_id = ident(notification.get("MessageId"))
    if message_id is not None:
        links.append(Link(sns_key(message_id)))
    links.extend(s3.links_in_body(notification.get("Message")))
    return links


def notification_carrier(notification: Mapping[str, Any]) -> dict[str, str] | None:
    """The W3C carrier in a notification's message attributes, or None."""
    attributes = mapping(notification.get("MessageAttributes"))
    return _carriers.w3c(lambda name: dig(attributes, name, "Value"))


def _describe(trigger: Trigger, first: Mapping[str, Any], count: int) -> None:
    topic_arn = text(first.get("TopicArn"))
    message_id = ident(first.get("MessageId"))

    trigger.caller = known(message_id)
    trigger.event_op = known(first.get("Type"))
    trigger.message = known(topic_arn)
    trigger.attributes.update(
        _messaging.processed(_messaging.AWS_SNS, arn_last(topic_arn), message_id, count)
    )
    if topic_arn:
        trigger.attributes[aws_attributes.AWS_SNS_TOPIC_ARN] = topic_arn
