"""S3 notifications (as delivered to an SQS queue) as Lambda S3 events.

S3 sends one object per notification and Lambda receives it as it is, a
``Records`` list of one.  What moto's notifications lack or write
differently is put right here:

* ``s3.object.key`` is URL-encoded the way AWS encodes it (form encoding,
  spaces as ``+``, ``/`` kept); moto encodes ``/`` as well.
* ``sequencer`` is missing; one is made from ``eventTime`` and a counter, so
  it orders the events of one key as AWS's does when they are at least a
  millisecond apart.
* ``userIdentity``, ``requestParameters`` and ``bucket.ownerIdentity`` are
  filled with local values.  ``responseElements`` stays empty: moto's
  notification does not carry the ``x-amz-request-id`` of the write, and an
  invented one could never join to its producer.
* S3's ``s3:TestEvent`` (sent when a configuration is saved) yields nothing.
"""

from __future__ import annotations

import itertools
import json
import threading
from datetime import datetime
from typing import Any
from urllib.parse import quote_plus, unquote_plus

_PRINCIPAL = "LOCAL"
_counter = itertools.count()
_counter_lock = threading.Lock()


def s3_events(body: str) -> list[dict[str, Any]]:
    """The Lambda events in one notification message (one per record)."""
    try:
        notification = json.loads(body)
    except ValueError:
        return []
    if not isinstance(notification, dict) or not isinstance(
        notification.get("Records"), list
    ):
        return []  # s3:TestEvent, or not a notification at all
    return [{"Records": [_fixed(record)]} for record in notification["Records"]]


def encode_key(key: str) -> str:
    """An object key as S3 writes it into notifications."""
    # Java's URLEncoder keeps '*' and encodes '~'; Python's does the reverse.
    return quote_plus(key, safe="/*").replace("~", "%7E")


def _fixed(record: dict[str, Any]) -> dict[str, Any]:
    record = dict(record)
    s3 = dict(record.get("s3") or {})
    bucket = dict(s3.get("bucket") or {})
    obj = dict(s3.get("object") or {})

    obj["key"] = encode_key(unquote_plus(str(obj.get("key", ""))))
    obj.setdefault("sequencer", _sequencer(record.get("eventTime")))
    bucket.setdefault("ownerIdentity", {"principalId": _PRINCIPAL})
    s3["bucket"] = bucket
    s3["object"] = obj

    ordered = {
        "eventVersion": record.get("eventVersion", "2.1"),
        "eventSource": record.get("eventSource", "aws:s3"),
        "awsRegion": record.get("awsRegion"),
        "eventTime": record.get("eventTime"),
        "eventName": record.get("eventName"),
        "userIdentity": record.get("userIdentity") or {"principalId": _PRINCIPAL},
        "requestParameters": record.get("requestParameters")
        or {"sourceIPAddress": "127.0.0.1"},
        "responseElements": record.get("responseElements") or {},
        "s3": s3,
    }
    ordered.update({key: value for key, value in record.items() if key not in ordered})
    return ordered


def _sequencer(event_time: Any) -> str:
    try:
        text = str(event_time).replace("Z", "+00:00")
        millis = int(datetime.fromisoformat(text).timestamp() * 1000)
    except ValueError:
        millis = 0
    with _counter_lock:
        tie = next(_counter) % 0x1000000
    return f"{millis:012X}{tie:06X}"
