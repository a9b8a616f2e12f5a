"""Marking a trigger as a batch: one place decides what "batch" means."""

from __future__ import annotations

import logging
from typing import Any, Callable, Iterable, Iterator, Mapping, TypeVar

from spot_otel.attributes import SPOT_RECORD_COUNT
from spot_otel.triggers.types import Trigger

_logger = logging.getLogger(__name__)
_T = TypeVar("_T")


def each_record(
    batch: Iterable[Mapping[str, Any]], read_one: Callable[[Mapping[str, Any]], _T]
) -> Iterator[_T]:
    """``read_one`` of every record of a batch.  A record it trips over is
    skipped with a debug line, so one malformed record never costs the rest
    of the batch their links."""
    for record in batch:
        try:
            yield read_one(record)
        except Exception as exc:  # noqa: BLE001 - one bad record, not a bad batch
            _logger.debug("a batch record was not read (%s)", type(exc).__name__)


def mark(trigger: Trigger, count: int) -> None:
    """Flag ``trigger`` as a batch and note its size, if ``count`` > 1.

    A batch has no single parent: the instrumentation turns each record's
    carrier into a span link instead.
    """
    if count <= 1:
        return

    trigger.is_batch = True
    trigger.attributes[SPOT_RECORD_COUNT] = count
