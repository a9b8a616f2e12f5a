"""What the HTTP readers share: headers, carriers and the Trigger they build.

API Gateway (REST and HTTP APIs), Function URLs and ALBs each put the method,
path and client address in a different place, but once those are found the
trigger is built the same way.  Header names are matched case-insensitively;
REST APIs and multi-value ALBs may carry a header only in
``multiValueHeaders``, whose first value is used.
"""

from __future__ import annotations

from typing import Any, Mapping

from opentelemetry.semconv.attributes import (
    client_attributes,
    http_attributes,
    url_attributes,
)

from spot_otel.inband import TRACEPARENT, TRACESTATE, XRAY_HEADER
from spot_otel.links import Link, http_key
from spot_otel.triggers import _carriers
from spot_otel.triggers._fields import ident, known, mapping, text
from spot_otel.triggers.types import AttributeValue, Trigger, TriggerKind

FORWARDED_FOR = "x-forwarded-for"

# The only headers a reader looks at; no other header is read or kept.
_WANTED = frozenset(
    name.lower() for name in (TRACEPARENT, TRACESTATE, XRAY_HEADER, FORWARDED_FOR)
)


def headers(event: Mapping[str, Any]) -> dict[str, str]:
    """The few headers readers use, by lower-case name."""
    found: dict[str, str] = {}
    for name, values in mapping(event.get("multiValueHeaders")).items():
        if (
            isinstance(name, str)
            and name.lower() in _WANTED
            and isinstance(values, list)
        ):
            value = ident(values[0]) if values else None
            if value is not None:
                found[name.lower()] = value
    # A single-value header wins over its multi-value twin.
    for name, value in mapping(event.get("headers")).items():
        if isinstance(name, str) and name.lower() in _WANTED and ident(value):
            found[name.lower()] = value
    return found


def first_hop(forwarded_for: str | None) -> str | None:
    """The client's address: the first entry of ``X-Forwarded-For``."""
    if not forwarded_for:
        return None
    return text(forwarded_for.split(",", 1)[0].strip())


def read_request(
    wanted: Mapping[str, str],
    *,
    name: str,
    event_source: str,
    request_id: str | None,
    method: Any,
    path: Any,
    route: str | None,
    source_ip: Any,
) -> Trigger:
    """The trigger of one HTTP request.

    ``wanted`` are the event's :func:`headers`; ``request_id`` keys the
    in-link and is SpotWrap's ``caller``.
    """
    method_text = text(method)
    path_text = text(path)
    ip_text = text(source_ip)
    trigger = Trigger(
        name=name,
        kind=TriggerKind.HTTP,
        carriers=_carriers.present(
            _carriers.w3c(wanted.get),
            _carriers.xray(wanted.get(XRAY_HEADER.lower())),
        ),
        caller=known(request_id),
        event_source=event_source,
        event_op=known(" ".join(part for part in (method_text, path_text) if part)),
        message=known(path_text),
        source_ip=known(ip_text),
        attributes=_attributes(method_text, path_text, route, ip_text),
    )
    if request_id is not None:
        trigger.in_links.append(Link(http_key(request_id)))
    return trigger


def _attributes(
    method: str | None, path: str | None, route: str | None, source_ip: str | None
) -> dict[str, AttributeValue]:
    attributes: dict[str, AttributeValue] = {}
    if method:
        attributes[http_attributes.HTTP_REQUEST_METHOD] = method
    if path:
        attributes[url_attributes.URL_PATH] = path
    if route:
        attributes[http_attributes.HTTP_ROUTE] = route
    if source_ip:
        attributes[client_attributes.CLIENT_ADDRESS] = source_ip
    return attributes
