"""API Gateway HTTP API (payload format 2.0) and Lambda Function URL events.

Both use the 2.0 format; a Function URL's ``requestContext.domainName`` is
``<url-id>.lambda-url.<region>.on.aws``.  In-link:
``http_key(requestContext.requestId)``.  A route key ``"GET /items/{id}"``
gives the route ``/items/{id}``; ``$default`` gives none.
"""

from __future__ import annotations

from typing import Any, Mapping

from spot_otel.triggers._fields import ident, mapping, text
from spot_otel.triggers._http import headers, read_request
from spot_otel.triggers.types import Trigger

NAME = "apigateway-v2"
FUNCTION_URL = "function-url"
EVENT_SOURCE = "aws:apigateway"
FUNCTION_URL_EVENT_SOURCE = "aws:lambda-url"

_URL_DOMAIN_MARK = ".lambda-url."


def read(event: Mapping[str, Any]) -> Trigger:
    """The trigger of one HTTP API or Function URL request."""
    context = mapping(event.get("requestContext"))
    http = mapping(context.get("http"))
    is_url = _URL_DOMAIN_MARK in (text(context.get("domainName")) or "")
    return read_request(
        headers(event),
        name=FUNCTION_URL if is_url else NAME,
        event_source=FUNCTION_URL_EVENT_SOURCE if is_url else EVENT_SOURCE,
        request_id=ident(context.get("requestId")),
        method=http.get("method"),
        path=text(http.get("path")) or text(event.get("rawPath")),
        route=_route(event.get("routeKey")),
        source_ip=http.get("sourceIp"),
    )


def _route(route_key: Any) -> str | None:
    route = text(route_key)
    if route is None or route.startswith("$"):
        return None
    return route.split(" ", 1)[-1]
