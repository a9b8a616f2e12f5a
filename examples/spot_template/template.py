"""spot_template: the smallest useful function.

It logs what triggered it (the event source and how many records came, never
their contents) and, when the event names a function under ``"next"``,
invokes it asynchronously.  ``"next"`` may also be a list: the first name is
invoked with the rest, so one event walks a whole chain::

    {"next": ["spot_template", "spot_template"]}

The other examples use it as the function at the far end of their hop.
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


def handler(event: Any, context: Any) -> dict[str, Any]:
    source, records = trigger_of(event)
    _logger.info("triggered by %s (%d record(s))", source, records)

    chain = _chain(event)
    if not chain:
        return {"source": source, "records": records, "invoked": None}

    target, rest = chain[0], chain[1:]
    _lambda.invoke(
        FunctionName=target,
        InvocationType="Event",
        Payload=json.dumps({"next": rest}).encode("utf-8"),
    )
    _logger.info("invoked %s", target)
    return {"source": source, "records": records, "invoked": target}


def trigger_of(event: Any) -> tuple[str, int]:
    """The event source (``aws:s3``, ``aws:sns``, ...) and its record count.

    A direct invoke has no source of its own and counts as one record.
    """
    if not isinstance(event, dict):
        return "aws:lambda", 1

    records = event.get("Records")
    if isinstance(records, list) and records and isinstance(records[0], dict):
        first = records[0]
        source = first.get("eventSource") or first.get("EventSource") or "unknown"
        return str(source), len(records)
    if "requestContext" in event:
        return "aws:apigateway", 1
    if "detail-type" in event:
        return "aws:events", 1
    return "aws:lambda", 1


def _chain(event: Any) -> list[str]:
    """The functions still to invoke, first one first."""
    if not isinstance(event, dict):
        return []

    wanted = event.get("next")
    if isinstance(wanted, str) and wanted:
        return [wanted]
    if isinstance(wanted, list):
        return [name for name in wanted if isinstance(name, str) and name]
    return []
