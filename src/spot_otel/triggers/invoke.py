"""Direct invocations, and the trace context a traced caller sends with them.

A traced caller sends ``{"traceparent", "tracestate", "spot.caller"}`` in
``ClientContext.custom`` (sync invokes, when it fits) and, unless switched
off, under ``_spot_otel`` in a JSON-object payload.  ClientContext is read
first.  The context applies whatever the event looks like, since any event
shape can be sent by Invoke: it becomes the first carrier, and the caller's
request id becomes SpotWrap's ``caller`` where the event named none.

An event of no known shape that came with such a context is an ``invoke``
trigger.  Its in-link, ``invoke_key`` of this invocation's request id, is
added by the dispatcher to every trigger: without a context there is no
telling a direct invoke from any other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from spot_otel.inband import CALLER, PAYLOAD_KEY
from spot_otel.triggers import _carriers
from spot_otel.triggers._fields import dig, ident, mapping, text
from spot_otel.triggers.types import UNKNOWN, InvocationInfo, Trigger, TriggerKind

NAME = "invoke"
EVENT_SOURCE = "aws:lambda"
EVENT_OP = "Invoke"


@dataclass(frozen=True)
class CallerContext:
    """The trace context and request id a traced caller sent."""

    carrier: dict[str, str]
    caller: str | None


def find(event: Any, info: InvocationInfo) -> CallerContext | None:
    """The caller's context: from ClientContext, else from the payload."""
    for source in (info.client_context_custom, dig(event, PAYLOAD_KEY)):
        found = _read_context(source)
        if found is not None:
            return found
    return None


def read() -> Trigger:
    """The trigger of a direct invoke whose event has no shape of its own."""
    return Trigger(
        name=NAME,
        kind=TriggerKind.OTHER,
        event_source=EVENT_SOURCE,
        event_op=EVENT_OP,
    )


def attach(trigger: Trigger, context: CallerContext) -> None:
    """Make the caller's context ``trigger``'s first carrier, and its request
    id the ``caller`` if the event gave none."""
    trigger.carriers.insert(0, dict(context.carrier))
    if trigger.caller == UNKNOWN and context.caller:
        trigger.caller = text(context.caller) or UNKNOWN


def _read_context(source: Any) -> CallerContext | None:
    fields = mapping(source)
    carrier = _carriers.w3c(fields.get)
    if carrier is None:
        return None
    return CallerContext(carrier, ident(fields.get(CALLER)))
