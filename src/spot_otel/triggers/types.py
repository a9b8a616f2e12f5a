"""What a trigger reader returns: one view of the event that started an invocation.

A reader is pure: event and invocation facts in, :class:`Trigger` out.  It
never performs I/O, never mutates the event and imports nothing from the
package above :mod:`spot_otel.links`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Mapping, Union

from spot_otel.links import Link

AttributeValue = Union[str, bool, int, float, tuple]


class TriggerKind(str, Enum):
    """``faas.trigger`` values of the OTel FaaS conventions."""

    HTTP = "http"
    DATASOURCE = "datasource"
    PUBSUB = "pubsub"
    TIMER = "timer"
    OTHER = "other"


UNKNOWN = "unknown"
"""SpotWrap's placeholder for a field whose value is not known."""


@dataclass(frozen=True)
class InvocationInfo:
    """What a reader may know of the invocation besides the event."""

    request_id: str
    client_context_custom: Mapping[str, Any] | None = None


@dataclass
class Trigger:
    """The trigger of one invocation, as the span and the record need it.

    ``carriers`` are in-band trace contexts found in the event, one text map
    (``{"traceparent": ...}`` or ``{"X-Amzn-Trace-Id": ...}``) per record
    that had one, in event order.  For a single-message trigger the first is
    the parent; for a batch each becomes a span link.  ``in_links`` holds
    every record's link keys, never only the first record's.

    ``caller``, ``event_source``, ``event_op``, ``message`` and
    ``source_ip`` keep SpotWrap's meanings; ``message`` never holds a body
    or an item value.
    """

    name: str
    kind: TriggerKind
    in_links: list[Link] = field(default_factory=list)
    carriers: list[Mapping[str, str]] = field(default_factory=list)
    is_batch: bool = False
    caller: str = UNKNOWN
    event_source: str = UNKNOWN
    event_op: str = UNKNOWN
    message: str = UNKNOWN
    source_ip: str = UNKNOWN
    attributes: dict[str, AttributeValue] = field(default_factory=dict)
