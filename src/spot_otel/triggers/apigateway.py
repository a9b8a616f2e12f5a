"""API Gateway REST API (payload format 1.0) events.

In-link: ``http_key(requestContext.requestId)``.  The method and path come
from the top level, the route from ``resource`` (``/items/{id}``), the
client's address from ``requestContext.identity.sourceIp``.
"""

from __future__ import annotations

from typing import Any, Mapping

from spot_otel.triggers._fields import dig, ident, text
from spot_otel.triggers._http import headers, read_request
from spot_otel.triggers.types import Trigger

NAME = "apigateway"
EVENT_SOURCE = "aws:apigateway"


def read(event: Mapping[str, Any]) -> Trigger:
    """The trigger of one REST API request."""
    return read_request(
        headers(event),
        name=NAME,
        event_source=EVENT_SOURCE,
        request_id=ident(dig(event, "requestContext", "requestId")),
        method=event.get("httpMethod"),
        path=event.get("path"),
        route=text(event.get("resource")),
        source_ip=dig(event, "requestContext", "identity", "sourceIp"),
    )
