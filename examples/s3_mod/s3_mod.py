"""s3_mod: write one object under a prefix; the bucket's notification starts
the next function.

``BUCKET`` names the bucket and ``PREFIX`` the folder (default
``incoming/``).  The event may name the object (``{"name": "a.txt"}``) and
give its text (``{"text": "..."}``); a new name is made otherwise.
"""

from __future__ import annotations

import logging
import os
import uuid
from typing import Any

import boto3

_logger = logging.getLogger(__name__)
_logger.setLevel(os.environ.get("LOG_LEVEL", "INFO").upper())

_s3 = boto3.client("s3")
_BUCKET = os.environ["BUCKET"]
_PREFIX = os.environ.get("PREFIX", "incoming/")


def handler(event: Any, context: Any) -> dict[str, Any]:
    fields = event if isinstance(event, dict) else {}
    name = fields.get("name") or f"{uuid.uuid4().hex}.txt"
    text = str(fields.get("text", f"written by {context.function_name}\n"))

    key = f"{_PREFIX}{name}"
    response = _s3.put_object(Bucket=_BUCKET, Key=key, Body=text.encode("utf-8"))
    _logger.info("wrote s3://%s/%s", _BUCKET, key)
    return {"bucket": _BUCKET, "key": key, "etag": response["ETag"].strip('"')}
