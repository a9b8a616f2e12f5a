"""HTTP triggers: a local port that plays API Gateway for the app's routes.

Routes come from the app spec (method, path template, payload version).
Templates use API Gateway's syntax: ``/items/{id}`` captures one segment,
``/files/{path+}`` the rest of the path.  A literal route wins over one with
parameters, and an exact method over ``ANY``.  A request that matches no
route gets API Gateway's ``404 {"message":"Not Found"}``.

Each request becomes a synchronous invocation; its proxy response becomes
the HTTP answer (see :mod:`spot_otel.local.shapes.apigateway`).
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from typing import Callable, Sequence

from spot_otel.local.shapes.apigateway import (
    HttpRequest,
    Route,
    http_api_event,
    http_api_response,
    rest_event,
    rest_response,
)
from spot_otel.local.servers import JsonHandler, LoopbackServer
from spot_otel.local.spec import HttpTrigger

InvokeSync = Callable[[str, bytes], tuple[bytes, bool]]
"""function name, payload -> (response payload, whether the function failed)"""


@dataclass(frozen=True)
class _CompiledRoute:
    function: str
    trigger: HttpTrigger
    pattern: re.Pattern[str]
    names: tuple[str, ...]
    """Path parameter names; the pattern's groups are g0, g1, ..."""
    rank: tuple[int, int, int]


class Router:
    """Picks the route of a request."""

    def __init__(self, routes: Sequence[tuple[str, HttpTrigger]]) -> None:
        compiled = [_compile(function, trigger) for function, trigger in routes]
        self._routes = sorted(compiled, key=lambda route: route.rank)

    def match(self, method: str, path: str) -> tuple[_CompiledRoute, Route] | None:
        for route in self._routes:
            if route.trigger.method not in ("ANY", method):
                continue
            found = route.pattern.fullmatch(path)
            if found:
                parameters = dict(zip(route.names, found.groups()))
                return route, Route(
                    route.trigger.method, route.trigger.path, parameters
                )
        return None


def _compile(function: str, trigger: HttpTrigger) -> _CompiledRoute:
    parts: list[str] = []
    names: list[str] = []
    literal = 0
    greedy = 0
    for segment in trigger.path.strip("/").split("/"):
        param = re.fullmatch(r"\{([A-Za-z0-9_.-]+)(\+?)\}", segment)
        if param is None:
            parts.append(re.escape(segment))
            literal += 1
            continue
        greedy = greedy or int(bool(param.group(2)))
        value = ".+" if param.group(2) else "[^/]+"
        parts.append(f"(?P<g{len(names)}>{value})")
        names.append(param.group(1))
    pattern = re.compile("/" + "/".join(parts))
    rank = (greedy, -literal, 1 if trigger.method == "ANY" else 0)
    return _CompiledRoute(function, trigger, pattern, tuple(names), rank)


class HttpTriggerServer(LoopbackServer):
    """API Gateway on 127.0.0.1."""

    def __init__(self, port: int, router: Router, invoke: InvokeSync) -> None:
        super().__init__(_Handler, port, name="http-trigger")
        self.router = router
        self.invoke = invoke


class _Handler(JsonHandler):
    server: HttpTriggerServer

    def _handle(self) -> None:
        path, _, query = self.path.partition("?")
        request = HttpRequest(
            method=self.command,
            path=path,
            query=query,
            headers=list(self.headers.items()),
            body=self.read_body(),
            source_ip=self.client_address[0],
            host=self.headers.get("Host", "localhost"),
        )
        matched = self.server.router.match(request.method, request.path)
        if matched is None:
            self.reply(404, json.dumps({"message": "Not Found"}).encode())
            return

        compiled, route = matched
        request_id = str(uuid.uuid4())
        if compiled.trigger.version == "v1":
            event = rest_event(request, route, request_id)
            id_header = "x-amzn-RequestId"
        else:
            event = http_api_event(request, route, request_id)
            id_header = "apigw-requestid"
        payload, failed = self.server.invoke(
            compiled.function, json.dumps(event).encode()
        )
        if compiled.trigger.version == "v1":
            response = rest_response(payload, failed)
        else:
            response = http_api_response(payload, failed)
        headers = list(response.headers)
        if not any(name.lower() == id_header.lower() for name, _ in headers):
            headers.append((id_header, request_id))
        self.reply(response.status, response.body, headers, content_type=None)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = _handle
