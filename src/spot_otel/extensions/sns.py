"""Amazon SNS: Publish and PublishBatch as PRODUCER spans.

A published message is joined to the function it triggers by its
``MessageId``, which SNS hands to subscribers as ``Records[].Sns.MessageId``
(and inside the envelope an SQS subscription receives).  Trace context rides
along as message attributes while the message has room for them.  Every
other SNS call is a plain CLIENT span that names its topic.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from opentelemetry.semconv._incubating.attributes import aws_attributes as aws
from opentelemetry.semconv._incubating.attributes.messaging_attributes import (
    MessagingSystemValues,
)

from spot_otel.extensions._fields import text
from spot_otel.extensions._messaging import SEND, MessageSender, messaging_attributes
from spot_otel.extensions.types import AttributeValue, SdkCall
from spot_otel.links import sns_key

_SYSTEM = MessagingSystemValues.AWS_SNS.value

PHONE = "phone"
"""Destination of an SMS sent straight to a number; the number itself is
personal data and never recorded."""


class SnsExtension(MessageSender):
    """Publish and PublishBatch send; the rest are CLIENT calls."""

    single = "Publish"
    batch = "PublishBatch"
    entries_key = "PublishBatchRequestEntries"
    body_key = "Message"
    link_key = staticmethod(sns_key)

    def request_attributes(self, call: SdkCall) -> dict[str, AttributeValue]:
        sends = call.operation in (self.single, self.batch)
        attributes = messaging_attributes(
            _SYSTEM,
            _destination(call.params),
            SEND if sends else None,
            self.batch_count(call),
        )
        topic_arn = text(call.params, "TopicArn")
        if topic_arn is not None:
            attributes[aws.AWS_SNS_TOPIC_ARN] = topic_arn
        return attributes

    def target(self, call: SdkCall) -> str | None:
        return _topic(call.params)

    def inject(
        self, call: SdkCall, carrier: Mapping[str, str]
    ) -> dict[str, Any] | None:
        # Only a topic's subscribers can read the context: an SMS or a push
        # to one device would carry it to no one.
        if text(call.params, "TopicArn") is None:
            return None
        return super().inject(call, carrier)


def _topic(params: Mapping[str, Any]) -> str | None:
    """TopicArn or TargetArn, or ``phone`` for an SMS."""
    arn = text(params, "TopicArn") or text(params, "TargetArn")
    if arn is not None:
        return arn
    if text(params, "PhoneNumber") is not None:
        return PHONE
    return None


def _destination(params: Mapping[str, Any]) -> str | None:
    """The topic's name: the last part of its ARN."""
    topic = _topic(params)
    return topic.rsplit(":", 1)[-1] if topic is not None else None
