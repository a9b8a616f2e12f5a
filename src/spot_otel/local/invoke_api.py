"""The Lambda Invoke API on 127.0.0.1: what ``AWS_ENDPOINT_URL_LAMBDA`` points at.

Only ``POST /2015-03-31/functions/{name}/invocations`` is served, the call
behind boto3's ``lambda.invoke``.  Headers follow the Lambda API:
``X-Amz-Invocation-Type`` in; ``x-amzn-RequestId``,
``X-Amz-Executed-Version`` and ``X-Amz-Function-Error`` out.  Refusals are
JSON bodies with an ``x-amzn-ErrorType`` header, which botocore turns into
the matching exception (``ResourceNotFoundException`` for an unknown
function).
"""

from __future__ import annotations

import json
import re
import uuid
from urllib.parse import parse_qs, unquote, urlsplit

from spot_otel.local.invoker import InvokeError, Invoker
from spot_otel.local.servers import JsonHandler, LoopbackServer

_INVOKE = re.compile(r"/2015-03-31/functions/(?P<name>[^/]+)/invocations/?")


class InvokeApiServer(LoopbackServer):
    """The Invoke API; :attr:`url` is the workers' ``AWS_ENDPOINT_URL_LAMBDA``."""

    def __init__(self, invoker: Invoker) -> None:
        super().__init__(_Handler, name="invoke-api")
        self.invoker = invoker


class _Handler(JsonHandler):
    server: InvokeApiServer

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = self.read_body()
        url = urlsplit(self.path)
        match = _INVOKE.fullmatch(url.path)
        if match is None:
            self._refuse(
                InvokeError(404, "UnknownOperationException", "Unknown operation")
            )
            return

        qualifier = parse_qs(url.query).get("Qualifier", [None])[0]
        try:
            result = self.server.invoker.invoke(
                unquote(match["name"]),
                body,
                invocation_type=self.headers.get("X-Amz-Invocation-Type")
                or "RequestResponse",
                client_context=self.headers.get("X-Amz-Client-Context"),
                qualifier=qualifier,
                trace_header=self.headers.get("X-Amzn-Trace-Id"),
            )
        except InvokeError as exc:
            self._refuse(exc)
            return

        headers = {"x-amzn-RequestId": result.request_id}
        if result.executed_version:
            headers["X-Amz-Executed-Version"] = result.executed_version
        if result.function_error:
            headers["X-Amz-Function-Error"] = result.function_error
        self.reply(result.status_code, result.payload, headers)

    def do_GET(self) -> None:  # noqa: N802
        self._refuse(InvokeError(404, "UnknownOperationException", "Unknown operation"))

    def _refuse(self, error: InvokeError) -> None:
        body = json.dumps({"Type": "User", "message": error.message}).encode()
        self.reply(
            error.status,
            body,
            {"x-amzn-ErrorType": error.code, "x-amzn-RequestId": str(uuid.uuid4())},
        )
