"""Trigger readers: what started an invocation, read from its event.

:func:`read_trigger` is the one entry point.  It picks a reader by the
event's shape, with cheap checks in this order:

1. ``Records[0].eventSource`` (SNS: ``EventSource``) is ``aws:s3``,
   ``aws:dynamodb``, ``aws:sqs``, ``aws:kinesis`` or ``aws:sns``:
   :mod:`.s3`, :mod:`.dynamodb`, :mod:`.sqs`, :mod:`.kinesis`, :mod:`.sns`;
2. ``requestContext.elb``: :mod:`.alb`;
3. ``version`` 2.0 or ``requestContext.http``: :mod:`.apigateway_v2`
   (HTTP API or Function URL);
4. ``requestContext`` and ``httpMethod``: :mod:`.apigateway` (REST API);
5. ``detail-type``: :mod:`.eventbridge`;
6. no shape, but a traced caller's context: :mod:`.invoke`;
7. anything else: :mod:`.unknown`.

Every reader reads the whole batch, never only the first record.  Whatever
the reader, the trigger also gets the in-link of a direct invoke
(``invoke_key`` of this invocation's request id), since any invocation may
have come from Invoke, and a traced caller's context (see
:mod:`spot_otel.triggers.invoke`) goes first among its carriers.

``read_trigger`` never raises and never changes the event: an event of no
known shape, or one a reader trips over, becomes an ``other`` trigger and one
debug line in the log, which names no content of the event.
"""

from __future__ import annotations

import logging
from typing import Any, Callable, Mapping

from spot_otel.links import Link, invoke_key
from spot_otel.triggers import (
    alb,
    apigateway,
    apigateway_v2,
    dynamodb,
    eventbridge,
    invoke,
    kinesis,
    s3,
    sns,
    sqs,
    unknown,
)
from spot_otel.triggers._fields import ident
from spot_otel.triggers.types import InvocationInfo, Trigger, TriggerKind

__all__ = ["InvocationInfo", "Trigger", "TriggerKind", "read_trigger"]

_logger = logging.getLogger(__name__)

Reader = Callable[[Mapping[str, Any]], Trigger]

_BY_RECORD_SOURCE: dict[str, Reader] = {
    s3.EVENT_SOURCE: s3.read,
    dynamodb.EVENT_SOURCE: dynamodb.read,
    sqs.EVENT_SOURCE: sqs.read,
    kinesis.EVENT_SOURCE: kinesis.read,
    sns.EVENT_SOURCE: sns.read,
}


def read_trigger(event: Any, info: InvocationInfo) -> Trigger:
    """The trigger of one invocation, read from its event; never raises."""
    try:
        trigger = _read(event, info)
    except Exception as exc:  # noqa: BLE001 - nothing may reach the handler
        _logger.debug(
            "trigger not read (%s); reading it as unknown", type(exc).__name__
        )
        trigger = unknown.read()

    request_id = ident(getattr(info, "request_id", None))
    if request_id is not None:
        trigger.in_links.append(Link(invoke_key(request_id)))
    return trigger


def _read(event: Any, info: InvocationInfo) -> Trigger:
    context = invoke.find(event, info)
    trigger = _read_shape(event, has_caller_context=context is not None)
    if context is not None:
        invoke.attach(trigger, context)
    return trigger


def _read_shape(event: Any, has_caller_context: bool) -> Trigger:
    reader: Reader | None = None
    try:
        reader = _reader_for(event)
        if reader is not None:
            return reader(event)
    except Exception as exc:  # noqa: BLE001 - a malformed event is not an error
        _logger.debug(
            "%s could not read the event (%s); reading it as unknown",
            reader.__module__ if reader is not None else __name__,
            type(exc).__name__,
        )
        return unknown.read()

    if has_caller_context:
        return invoke.read()

    _logger.debug("event (a %s) has no known trigger shape", type(event).__name__)
    return unknown.read()


def _reader_for(event: Any) -> Reader | None:
    if not isinstance(event, Mapping):
        return None

    records = event.get("Records")
    if isinstance(records, list):
        return _record_reader(records[0] if records else None)

    request_context = event.get("requestContext")
    if isinstance(request_context, Mapping):
        if "elb" in request_context:
            return alb.read
        if event.get("version") == "2.0" or isinstance(
            request_context.get("http"), Mapping
        ):
            return apigateway_v2.read
        if "httpMethod" in event:
            return apigateway.read
        return None

    if "detail-type" in event:
        return eventbridge.read
    return None


def _record_reader(first: Any) -> Reader | None:
    if not isinstance(first, Mapping):
        return None

    source = first.get("eventSource") or first.get("EventSource")
    if isinstance(source, str):
        return _BY_RECORD_SOURCE.get(source)
    if "Sns" in first:
        return sns.read
    return None
