"""DynamoDB stream records (from GetRecords) as records of a Lambda event.

GetRecords answers with the records Lambda passes on; Lambda adds
``eventSourceARN`` (the stream's ARN).  boto3 turns
``ApproximateCreationDateTime`` into a datetime, which goes back to epoch
seconds, whole as on AWS, and binary attribute values back to base64.
"""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any, Mapping


def stream_record(record: Mapping[str, Any], stream_arn: str) -> dict[str, Any]:
    """One ``Records[]`` entry from one GetRecords record."""
    data = {key: _plain(value) for key, value in (record.get("dynamodb") or {}).items()}
    created = data.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        data["ApproximateCreationDateTime"] = float(int(created.timestamp()))
    elif isinstance(created, (int, float)):
        data["ApproximateCreationDateTime"] = float(int(created))

    result: dict[str, Any] = {
        "eventID": record.get("eventID"),
        "eventName": record.get("eventName"),
        "eventVersion": record.get("eventVersion", "1.1"),
        "eventSource": record.get("eventSource", "aws:dynamodb"),
        "awsRegion": record.get("awsRegion"),
        "dynamodb": data,
        "eventSourceARN": stream_arn,
    }
    if record.get("userIdentity"):
        result["userIdentity"] = _plain(record["userIdentity"])
    return result


def _plain(value: Any) -> Any:
    """Typed attribute values with bytes as base64, as stream events carry them."""
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if isinstance(value, Mapping):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [_plain(item) for item in value]
    return value
