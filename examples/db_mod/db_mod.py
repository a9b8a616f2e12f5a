"""db_mod: write one item to a table; the table's stream starts the next function.

The table is named by ``TABLE_NAME``; its partition key is ``pk`` (String).
The event may choose the key (``{"key": "a"}``); a new one is made
otherwise, so every invocation adds one stream record.
"""

from __future__ import annotations

import logging
import os
import time
import uuid
from typing import Any

import boto3

_logger = logging.getLogger(__name__)
_logger.setLevel(os.environ.get("LOG_LEVEL", "INFO").upper())

_table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])


def handler(event: Any, context: Any) -> dict[str, Any]:
    key = _key(event)
    _table.put_item(
        Item={
            "pk": key,
            "written_by": context.function_name,
            "written_at": int(time.time() * 1000),
        }
    )
    _logger.info("wrote item %s to %s", key, _table.name)
    return {"table": _table.name, "key": key}


def _key(event: Any) -> str:
    if isinstance(event, dict) and isinstance(event.get("key"), str) and event["key"]:
        return event["key"]
    return uuid.uuid4().hex
