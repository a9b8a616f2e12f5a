"""SQS messages as the records of a Lambda SQS event.

Lambda's records are camelCase (``messageId``, ``messageAttributes`` with
``stringValue``/``dataType``) where ReceiveMessage answers in PascalCase, and
carry the queue's ARN and region.  System attributes (``SentTimestamp``,
``AWSTraceHeader``, ...) pass through as received.
"""

from __future__ import annotations

import base64
from typing import Any, Mapping


def sqs_record(
    message: Mapping[str, Any], queue_arn: str, region: str
) -> dict[str, Any]:
    """One ``Records[]`` entry from one received message."""
    record: dict[str, Any] = {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": message.get("Body", ""),
        "attributes": dict(message.get("Attributes") or {}),
        "messageAttributes": {
            name: _attribute(value)
            for name, value in (message.get("MessageAttributes") or {}).items()
        },
        "md5OfBody": message.get("MD5OfBody", ""),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": region,
    }
    if message.get("MD5OfMessageAttributes"):
        record["md5OfMessageAttributes"] = message["MD5OfMessageAttributes"]
    return record


def _attribute(value: Mapping[str, Any]) -> dict[str, Any]:
    attribute: dict[str, Any] = {}
    if "StringValue" in value:
        attribute["stringValue"] = value["StringValue"]
    if "BinaryValue" in value:
        attribute["binaryValue"] = _base64(value["BinaryValue"])
    attribute["stringListValues"] = list(value.get("StringListValues") or [])
    attribute["binaryListValues"] = [
        _base64(item) for item in value.get("BinaryListValues") or []
    ]
    attribute["dataType"] = value.get("DataType", "String")
    return attribute


def _base64(value: bytes | str) -> str:
    if isinstance(value, str):
        return value
    return base64.b64encode(value).decode("ascii")
