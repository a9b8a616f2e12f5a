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

Readers are imported on first use, so a function pays at cold start only
for the shapes it receives.  Every reader reads the whole batch, never only
the first record.  Whatever
the reader, the trigger also gets the in-link of a direct invoke
(``invoke_key`` of this invocation's request id), since any invocation may
have come from Invoke, and a traced caller's context (see
:mod:`spot_otel.triggers.invoke`) goes first among its carriers.

``read_trigger`` never raises and never changes the event: an event of no
known shape, or one a reader trips over, becomes an ``other`` trigger and one
debug line in the log, which names no content of the event.
"""

from __future__ import annotations

import importlib
import logging
from functools import lru_cache
from typing import Any, Callable, Mapping

from spot_otel.links import Link, invoke_key
from spot_otel.triggers import invoke, unknown
from spot_otel.triggers._fields import ident
from spot_otel.triggers.types import InvocationInfo, Trigger, TriggerKind

__all__ = ["InvocationInfo", "Trigger", "TriggerKind", "read_trigger"]

_logger = logging.getLogger(__name__)

Reader = Callable[[Mapping[str, Any]], Trigger]

# Records[].eventSource -> the module that reads that shape.
_BY_RECORD_SOURCE: dict[str, str] = {
    "aws:s3": "s3",
    "aws:dynamodb": "dynamodb",
    "aws:sqs": "sqs",
    "aws:kinesis": "kinesis",
    "aws:sns": "sns",
}


@lru_cache(maxsize=None)
def _reader(module: str) -> Reader:
    """The ``read`` function of one reader module, imported on first use."""
    return importlib.import_module(f"{__name__}.{module}").read  # type: ignore[no-any-return]


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
            return _reader("alb")
        if event.get("version") == "2.0" or isinstance(
            request_context.get("http"), Mapping
        ):
            return _reader("apigateway_v2")
        if "httpMethod" in event:
            return _reader("apigateway")
        return None

    if "detail-type" in event:
        return _reader("eventbridge")
    return None


def _record_reader(first: Any) -> Reader | None:
    if not isinstance(first, Mapping):
        return None

    source = first.get("eventSource") or first.get("EventSource")
    if isinstance(source, str):
        module = _BY_RECORD_SOURCE.get(source)
        return _reader(module) if module else None
    if "Sns" in first:
        return _reader("sns")
    return None
