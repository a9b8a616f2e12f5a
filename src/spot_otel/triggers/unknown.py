"""The fallback: an event no reader recognized, or one a reader could not read.

Such an invocation is still traced, as an ``other`` trigger with SpotWrap's
``unknown`` in every field; its only in-link is the direct-invoke key the
dispatcher adds to every trigger.
"""

from __future__ import annotations

from spot_otel.triggers.types import Trigger, TriggerKind

NAME = "unknown"


def read() -> Trigger:
    """An ``other`` trigger that claims nothing about the event."""
    return Trigger(name=NAME, kind=TriggerKind.OTHER)
