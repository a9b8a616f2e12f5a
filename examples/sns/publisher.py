"""sns: publish one message to a topic; the topic's subscriber is the next function.

``TOPIC_ARN`` names the topic.  The event may give the message
(``{"message": "..."}``) and a subject.
"""

from __future__ import annotations

import json
import logging
import os
from typing import Any

import boto3

_logger = logging.getLogger(__name__)
_logger.setLevel(os.environ.get("LOG_LEVEL", "INFO").upper())

_sns = boto3.client("sns")
_TOPIC_ARN = os.environ["TOPIC_ARN"]


def handler(event: Any, context: Any) -> dict[str, Any]:
    fields = event if isinstance(event, dict) else {}
    message = fields.get("message") or json.dumps({"from": context.function_name})
    request: dict[str, Any] = {"TopicArn": _TOPIC_ARN, "Message": str(message)}
    if fields.get("subject"):
        request["Subject"] = str(fields["subject"])

    response = _sns.publish(**request)
    _logger.info("published message %s", response["MessageId"])
    return {"topic": _TOPIC_ARN, "message_id": response["MessageId"]}
