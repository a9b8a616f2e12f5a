"""Amazon EventBridge: PutEvents as a PRODUCER span.

Each event put is joined to the function a rule delivers it to by its
``EventId``, which arrives as the event's ``id``.  Entries EventBridge
refused carry an ``ErrorCode`` instead of an id and get no link.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from opentelemetry.trace import SpanKind

from spot_otel.extensions._fields import mappings, text
from spot_otel.extensions._messaging import SEND, messaging_attributes
from spot_otel.extensions.types import (
    AttributeValue,
    KeySchemaLookup,
    SdkCall,
    ServiceExtension,
)
from spot_otel.links import Link, events_key

_PUT_EVENTS = "PutEvents"

# OTel's messaging conventions (0.66b1) list no value for EventBridge; this
# follows the dotted form of their newer ones ("aws.sns").
_SYSTEM = "aws.eventbridge"
_DEFAULT_BUS = "default"


class EventsExtension(ServiceExtension):
    """PutEvents sends; every other EventBridge call is a plain CLIENT span."""

    def span_kind(self, call: SdkCall) -> SpanKind:
        if call.operation == _PUT_EVENTS:
            return SpanKind.PRODUCER
        return SpanKind.CLIENT

    def request_attributes(self, call: SdkCall) -> dict[str, AttributeValue]:
        if call.operation != _PUT_EVENTS:
            return {}
        entries = call.params.get("Entries")
        count = len(entries) if isinstance(entries, (list, tuple)) else None
        return messaging_attributes(_SYSTEM, self.target(call), SEND, count)

    def target(self, call: SdkCall) -> str | None:
        """The event bus, or the buses joined by commas when entries differ."""
        if call.operation != _PUT_EVENTS:
            return text(call.params, "EventBusName")
        buses = {
            _bus_name(text(entry, "EventBusName") or _DEFAULT_BUS)
            for entry in mappings(call.params.get("Entries"))
        }
        return ",".join(sorted(buses)) or None

    def out_links(
        self,
        call: SdkCall,
        response: Mapping[str, Any],
        key_schema: KeySchemaLookup,
    ) -> list[Link]:
        if call.operation != _PUT_EVENTS:
            return []
        return [
            Link(events_key(event_id))
            for entry in mappings(response.get("Entries"))
            if (event_id := text(entry, "EventId")) is not None
        ]


def _bus_name(bus: str) -> str:
    """A bus's name from its name or ARN (``...:event-bus/<name>``)."""
    return bus.rsplit("event-bus/", 1)[-1] if bus.startswith("arn:") else bus
