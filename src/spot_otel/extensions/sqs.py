"""Amazon SQS: SendMessage and SendMessageBatch as PRODUCER spans.

A sent message is joined to the function that receives it by its
``MessageId``, which Lambda's SQS event carries as ``Records[].messageId``.
Trace context rides along as message attributes while the message has room
for them.  Receiving, deleting and every other queue call is a plain CLIENT
span that names its queue.
"""

from __future__ import annotations

from opentelemetry.semconv._incubating.attributes import aws_attributes as aws
from opentelemetry.semconv._incubating.attributes.messaging_attributes import (
    MessagingSystemValues,
)

from spot_otel.extensions._fields import text
from spot_otel.extensions._messaging import (
    RECEIVE,
    SEND,
    SETTLE,
    MessageSender,
    messaging_attributes,
)
from spot_otel.extensions.types import AttributeValue, SdkCall
from spot_otel.links import sqs_key

_SYSTEM = MessagingSystemValues.AWS_SQS.value

_OPERATION_TYPES = {
    "SendMessage": SEND,
    "SendMessageBatch": SEND,
    "ReceiveMessage": RECEIVE,
    "DeleteMessage": SETTLE,
    "DeleteMessageBatch": SETTLE,
    "ChangeMessageVisibility": SETTLE,
    "ChangeMessageVisibilityBatch": SETTLE,
}


class SqsExtension(MessageSender):
    """SendMessage and SendMessageBatch send; the rest are CLIENT calls."""

    single = "SendMessage"
    batch = "SendMessageBatch"
    entries_key = "Entries"
    body_key = "MessageBody"
    link_key = staticmethod(sqs_key)

    def request_attributes(self, call: SdkCall) -> dict[str, AttributeValue]:
        queue_url = text(call.params, "QueueUrl")
        attributes = messaging_attributes(
            _SYSTEM,
            _queue_name(queue_url),
            _OPERATION_TYPES.get(call.operation),
            self.batch_count(call),
        )
        if queue_url is not None:
            attributes[aws.AWS_SQS_QUEUE_URL] = queue_url
        return attributes

    def target(self, call: SdkCall) -> str | None:
        return text(call.params, "QueueUrl") or text(call.params, "QueueName")


def _queue_name(queue_url: str | None) -> str | None:
    """The queue's name: the last path segment of its URL."""
    if queue_url is None:
        return None
    return queue_url.rstrip("/").rsplit("/", 1)[-1] or None
