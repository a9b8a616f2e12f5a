"""EventBridge events (as delivered to an SQS target) as Lambda receives them.

A rule's target gets the event itself; Lambda gets the same JSON.  moto
leaves out ``account``, which is filled in, and the keys are put in the
order AWS writes them.
"""

from __future__ import annotations

import json
from typing import Any

_ORDER = (
    "version",
    "id",
    "detail-type",
    "source",
    "account",
    "time",
    "region",
    "resources",
    "detail",
)


def eventbridge_event(body: str, account_id: str) -> dict[str, Any] | None:
    """The Lambda event for one delivered event; None if it is not one."""
    try:
        event = json.loads(body)
    except ValueError:
        return None
    if not isinstance(event, dict) or "detail-type" not in event:
        return None

    event.setdefault("account", account_id)
    event.setdefault("resources", [])
    ordered = {key: event[key] for key in _ORDER if key in event}
    ordered.update({key: value for key, value in event.items() if key not in ordered})
    return ordered
