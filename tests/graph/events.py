"""Consumer in-links read from the sample events by the real trigger readers.

Graph tests join on what a consumer would really record: the in-links
:func:`spot_otel.triggers.read_trigger` reads from a real-shaped event.  The
producer side is built from the same ids with the links module.
"""

from __future__ import annotations

from typing import Any

from spot_otel.links import Link, Via
from spot_otel.triggers import read_trigger
from spot_otel.triggers.types import InvocationInfo

from tests.conftest import load_event

STREAM_ARN = "arn:aws:dynamodb:us-east-1:123456789012:table/{table}/stream/2024-01-01T00:00:00.000"


def in_links(event: Any, request_id: str = "consumer-request") -> list[Link]:
    """The event's in-links, less the invocation's own invoke key (the
    factory adds that)."""
    trigger = read_trigger(event, InvocationInfo(request_id))
    return [link for link in trigger.in_links if link.via is not Via.INVOKE]


def stream_event(table: str, times_ms: list[int]) -> dict[str, Any]:
    """dynamoStreamEvent.json (item Id=101 written twice, sequence numbers
    111 and 222) with a real stream ARN for ``table`` and the given record
    times; the sample's ARNs are placeholders."""
    event = load_event("dynamoStreamEvent")
    for record, at_ms in zip(event["Records"], times_ms):
        record["eventSourceARN"] = STREAM_ARN.format(table=table)
        record["dynamodb"]["ApproximateCreationDateTime"] = at_ms / 1000
    return event
