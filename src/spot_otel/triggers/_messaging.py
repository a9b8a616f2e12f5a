"""``messaging.*`` attributes of an invocation that processes messages.

OTel's messaging conventions describe a Lambda consuming SNS, SQS or Kinesis
records as a ``process`` operation: one message id for a single message, a
message count for a batch.
"""

from __future__ import annotations

from opentelemetry.semconv._incubating.attributes import messaging_attributes as msg

from spot_otel.triggers.types import AttributeValue

AWS_SQS = msg.MessagingSystemValues.AWS_SQS.value
AWS_SNS = msg.MessagingSystemValues.AWS_SNS.value
AWS_KINESIS = "aws.kinesis"
"""Not in the conventions' list (an open enum); spelled like ``aws.sns``,
the newer of the two AWS entries."""

PROCESS = msg.MessagingOperationTypeValues.PROCESS.value


def processed(
    system: str, destination: str | None, first_id: str | None, count: int
) -> dict[str, AttributeValue]:
    """Attributes for processing ``count`` messages from ``destination``."""
    attributes: dict[str, AttributeValue] = {
        msg.MESSAGING_SYSTEM: system,
        msg.MESSAGING_OPERATION_TYPE: PROCESS,
    }
    if destination:
        attributes[msg.MESSAGING_DESTINATION_NAME] = destination
    if count > 1:
        attributes[msg.MESSAGING_BATCH_MESSAGE_COUNT] = count
    elif first_id:
        attributes[msg.MESSAGING_MESSAGE_ID] = first_id
    return attributes
