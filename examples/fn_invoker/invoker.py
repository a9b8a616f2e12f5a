"""fn_invoker: invoke one function N times, synchronously or not.

The event says what to do and what to pass on::

    {"target": "spot_template", "count": 3, "mode": "sync", "payload": {...}}

``mode`` is ``sync`` (``RequestResponse``: wait for each answer, and return
them) or ``async`` (``Event``: queue each invocation and go on).  ``payload``
goes to every invocation as it is; ``count`` defaults to 1.
"""

from __future__ import annotations

import json
import logging
import os
from typing import Any

import boto3

_logger = logging.getLogger(__name__)
_logger.setLevel(os.environ.get("LOG_LEVEL", "INFO").upper())

_lambda = boto3.client("lambda")

_INVOCATION_TYPES = {"sync": "RequestResponse", "async": "Event"}
_MAX_COUNT = 100


class BadRequest(ValueError):
    """The event does not say what to invoke, or how."""


def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
    target, count, mode = _read(event)
    body = json.dumps(event.get("payload", {})).encode("utf-8")

    answers: list[Any] = []
    for _ in range(count):
        response = _lambda.invoke(
            FunctionName=target,
            InvocationType=_INVOCATION_TYPES[mode],
            Payload=body,
        )
        if mode == "sync":
            answers.append(json.loads(response["Payload"].read() or b"null"))

    _logger.info("invoked %s %d time(s), %s", target, count, mode)
    return {"target": target, "count": count, "mode": mode, "answers": answers}


def _read(event: Any) -> tuple[str, int, str]:
    if not isinstance(event, dict):
        raise BadRequest("the event must be a JSON object")

    target = event.get("target")
    count = event.get("count", 1)
    mode = event.get("mode", "sync")
    if not isinstance(target, str) or not target:
        raise BadRequest('name the function to invoke under "target"')
    if isinstance(count, bool) or not isinstance(count, int):
        raise BadRequest('"count" must be a whole number')
    if not 1 <= count <= _MAX_COUNT:
        raise BadRequest(f'"count" must be from 1 to {_MAX_COUNT}')
    if mode not in _INVOCATION_TYPES:
        raise BadRequest('"mode" must be "sync" or "async"')
    return target, count, mode
