"""Reading ids out of message bodies that wrap another service's event.

An SQS body may be an SNS envelope or an S3 notification; an SNS message may
be an S3 notification.  The ids inside join the hop before, so a reader
parses such a body, takes the ids and lets the parsed body go: nothing of a
body is ever kept or copied into a Trigger.  Bodies that are not JSON, or not
the shape looked for, are simply not envelopes.
"""

from __future__ import annotations

import json
from typing import Any, Mapping

MAX_BODY_CHARS = 1024 * 1024
"""SQS's largest message (1 MiB).  A longer string is not a message body and
is not parsed."""


def json_object(body: Any, markers: tuple[str, ...]) -> Mapping[str, Any] | None:
    """``body`` parsed, if it is a JSON object containing one of ``markers``.

    The marker check is a cheap substring test that spares parsing the many
    bodies that cannot be an envelope.
    """
    if not isinstance(body, str) or len(body) > MAX_BODY_CHARS:
        return None
    if body.lstrip()[:1] != "{" or not any(marker in body for marker in markers):
        return None

    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        return None
    return document if isinstance(document, Mapping) else None
