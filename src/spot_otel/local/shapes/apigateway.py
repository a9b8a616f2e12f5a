"""HTTP requests as API Gateway proxy events, and proxy responses back to HTTP.

Two payload formats, as API Gateway has them:

* ``v1``: REST APIs (payload format 1.0): ``resource``, ``httpMethod``,
  single- and multi-value headers and query parameters,
  ``requestContext.identity``.  A response must be a proxy response
  (``statusCode``, ``headers``, ``multiValueHeaders``, ``body``,
  ``isBase64Encoded``); anything else, or a function error, is a 502.
* ``v2``: HTTP APIs (payload format 2.0): ``routeKey``, ``rawPath``,
  ``rawQueryString``, ``cookies``, comma-joined headers and parameters.  A
  response without ``statusCode`` is taken as a 200 JSON body; a function
  error is a 500.

Bodies that are valid UTF-8 travel as text, others base64-encoded.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Mapping
from urllib.parse import parse_qsl

from spot_otel.local.arns import ACCOUNT_ID

API_ID = "local"
STAGE = "$default"


@dataclass(frozen=True)
class HttpRequest:
    """One request to the HTTP trigger server."""

    method: str
    path: str
    query: str
    headers: list[tuple[str, str]]
    body: bytes
    source_ip: str
    host: str = "localhost"
    protocol: str = "HTTP/1.1"


@dataclass(frozen=True)
class Route:
    """The route a request matched: the trigger's template and the values of
    its path parameters."""

    method: str
    template: str
    parameters: Mapping[str, str] = field(default_factory=dict)

    @property
    def route_key(self) -> str:
        return f"{self.method} {self.template}"


@dataclass(frozen=True)
class HttpResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def rest_event(request: HttpRequest, route: Route, request_id: str) -> dict[str, Any]:
    """A REST API (payload 1.0) proxy event."""
    now = datetime.now(timezone.utc)
    multi_headers: dict[str, list[str]] = {}
    for name, value in request.headers:
        multi_headers.setdefault(name, []).append(value)
    multi_query: dict[str, list[str]] = {}
    for name, value in parse_qsl(request.query, keep_blank_values=True):
        multi_query.setdefault(name, []).append(value)
    body, is_base64 = _body(request.body)
    user_agent = _header(request, "user-agent")
    return {
        "version": "1.0",
        "resource": route.template,
        "path": request.path,
        "httpMethod": request.method,
        "headers": {name: values[-1] for name, values in multi_headers.items()} or None,
        "multiValueHeaders": multi_headers or None,
        "queryStringParameters": {n: v[-1] for n, v in multi_query.items()} or None,
        "multiValueQueryStringParameters": multi_query or None,
        "requestContext": {
            "accountId": ACCOUNT_ID,
            "apiId": API_ID,
            "domainName": request.host,
            "domainPrefix": request.host.split(".")[0],
            "extendedRequestId": request_id,
            "httpMethod": request.method,
            "identity": {
                "accessKey": None,
                "accountId": None,
                "caller": None,
                "cognitoAuthenticationProvider": None,
                "cognitoAuthenticationType": None,
                "cognitoIdentityId": None,
                "cognitoIdentityPoolId": None,
                "principalOrgId": None,
                "sourceIp": request.source_ip,
                "user": None,
                "userAgent": user_agent,
                "userArn": None,
            },
            "path": request.path,
            "protocol": request.protocol,
            "requestId": request_id,
            "requestTime": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "requestTimeEpoch": int(now.timestamp() * 1000),
            "resourceId": None,
            "resourcePath": route.template,
            "stage": STAGE,
        },
        "pathParameters": dict(route.parameters) or None,
        "stageVariables": None,
        "body": body,
        "isBase64Encoded": is_base64,
    }


def http_api_event(
    request: HttpRequest, route: Route, request_id: str
) -> dict[str, Any]:
    """An HTTP API (payload 2.0) proxy event."""
    now = datetime.now(timezone.utc)
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in request.headers:
        lower = name.lower()
        if lower == "cookie":
            cookies.extend(part.strip() for part in value.split(";") if part.strip())
            continue
        headers[lower] = f"{headers[lower]},{value}" if lower in headers else value
    query: dict[str, str] = {}
    for name, value in parse_qsl(request.query, keep_blank_values=True):
        query[name] = f"{query[name]},{value}" if name in query else value
    body, is_base64 = _body(request.body)

    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route.route_key,
        "rawPath": request.path,
        "rawQueryString": request.query,
    }
    if cookies:
        event["cookies"] = cookies
    event["headers"] = headers
    if query:
        event["queryStringParameters"] = query
    event["requestContext"] = {
        "accountId": ACCOUNT_ID,
        "apiId": API_ID,
        "domainName": request.host,
        "domainPrefix": request.host.split(".")[0],
        "http": {
            "method": request.method,
            "path": request.path,
            "protocol": request.protocol,
            "sourceIp": request.source_ip,
            "userAgent": headers.get("user-agent", ""),
        },
        "requestId": request_id,
        "routeKey": route.route_key,
        "stage": STAGE,
        "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
        "timeEpoch": int(now.timestamp() * 1000),
    }
    if body is not None:
        event["body"] = body
    if route.parameters:
        event["pathParameters"] = dict(route.parameters)
    event["isBase64Encoded"] = is_base64
    return event


def rest_response(payload: bytes, failed: bool) -> HttpResponse:
    """The HTTP answer to a REST API proxy response."""
    if failed:
        return _message(502, "Internal server error")
    try:
        result = json.loads(payload)
        status = int(result["statusCode"])
        headers = _headers(result.get("headers"))
        for name, values in (result.get("multiValueHeaders") or {}).items():
            headers.extend((str(name), str(value)) for value in values)
        body = _response_body(result.get("body"), result.get("isBase64Encoded", False))
    except (ValueError, KeyError, TypeError, AttributeError):
        return _message(502, "Internal server error")
    return HttpResponse(status, headers, body)


def http_api_response(payload: bytes, failed: bool) -> HttpResponse:
    """The HTTP answer to an HTTP API (payload 2.0) response."""
    if failed:
        return _message(500, "Internal Server Error")
    try:
        result = json.loads(payload) if payload else None
    except ValueError:
        return _message(500, "Internal Server Error")
    if not isinstance(result, dict) or "statusCode" not in result:
        # No statusCode: the whole value is the body of a 200.
        text = result if isinstance(result, str) else payload.decode("utf-8")
        return HttpResponse(200, [("Content-Type", "application/json")], text.encode())
    try:
        status = int(result["statusCode"])
        headers = _headers(result.get("headers"))
        headers.extend(
            ("Set-Cookie", str(cookie)) for cookie in result.get("cookies") or []
        )
        body = _response_body(result.get("body"), result.get("isBase64Encoded", False))
    except (ValueError, TypeError, AttributeError):
        return _message(500, "Internal Server Error")
    return HttpResponse(status, headers, body)


def _headers(value: Any) -> list[tuple[str, str]]:
    if value is None:
        return []
    return [(str(name), str(item)) for name, item in dict(value).items()]


def _response_body(body: Any, is_base64: Any) -> bytes:
    if body is None:
        return b""
    if not isinstance(body, str):
        raise TypeError("a proxy response body must be a string")
    return base64.b64decode(body) if is_base64 is True else body.encode("utf-8")


def _body(raw: bytes) -> tuple[str | None, bool]:
    if not raw:
        return None, False
    try:
        return raw.decode("utf-8"), False
    except UnicodeDecodeError:
        return base64.b64encode(raw).decode("ascii"), True


def _header(request: HttpRequest, name: str) -> str | None:
    for header, value in reversed(request.headers):
        if header.lower() == name:
            return value
    return None


def _message(status: int, message: str) -> HttpResponse:
    body = json.dumps({"message": message}).encode()
    return HttpResponse(status, [("Content-Type", "application/json")], body)
