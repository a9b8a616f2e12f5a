"""Marking a trigger as a batch: one place decides what "batch" means."""

from __future__ import annotations

from spot_otel.attributes import SPOT_RECORD_COUNT
from spot_otel.triggers.types import Trigger


def mark(trigger: Trigger, count: int) -> None:
    """Flag ``trigger`` as a batch and note its size, if ``count`` > 1.

    A batch has no single parent: the instrumentation turns each record's
    carrier into a span link instead.
    """
    if count <= 1:
        return

    trigger.is_batch = True
    trigger.attributes[SPOT_RECORD_COUNT] = count
