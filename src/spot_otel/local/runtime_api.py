"""The Lambda Runtime API one worker talks to, on 127.0.0.1 and a free port.

The runtime interface client (``awslambdaric``) long-polls
``GET /2018-06-01/runtime/invocation/next``, runs the handler and posts the
result to ``.../invocation/{id}/response`` or ``.../invocation/{id}/error``;
an import failure goes to ``/2018-06-01/runtime/init/error``.  This module is
only the HTTP side: each call is passed to a :class:`RuntimeBackend` (the
function's pool), which decides what the worker gets and what its posts
mean.

The ``next`` answer carries every ``Lambda-Runtime-*`` header Lambda sends,
and a ``Content-Type``: the client's native module crashes without one.
Posts are answered ``202 Accepted`` before the backend acts on them, so a
worker frozen right after its response has already been told it succeeded.
"""

from __future__ import annotations

import json
import re
from typing import Callable, Protocol

from spot_otel.local.invocation import Invocation, Outcome
from spot_otel.local.servers import JsonHandler, LoopbackServer

_PREFIX = "/2018-06-01/runtime"
_NEXT = f"{_PREFIX}/invocation/next"
_INIT_ERROR = f"{_PREFIX}/init/error"
_RESULT = re.compile(rf"{_PREFIX}/invocation/(?P<id>[^/]+)/(?P<kind>response|error)")

AfterReply = Callable[[], None]


class RuntimeBackend(Protocol):
    """What the Runtime API asks of the function's pool, for one worker."""

    def next_invocation(self) -> Invocation | None:
        """Block until an invocation is assigned; None when the worker is done for."""

    def accept_result(
        self, request_id: str, outcome: Outcome, body: bytes
    ) -> AfterReply | None:
        """Check a posted result; None if ``request_id`` is not the worker's
        current invocation, else what to do once the worker has its reply."""

    def accept_init_error(self, body: bytes) -> AfterReply | None:
        """An init error; what to do once the worker has its reply."""


class RuntimeApiServer(LoopbackServer):
    """One worker's Runtime API; :attr:`address` is its ``AWS_LAMBDA_RUNTIME_API``."""

    def __init__(self, backend: RuntimeBackend) -> None:
        super().__init__(_Handler, name="runtime-api")
        self.backend = backend


class _Handler(JsonHandler):
    server: RuntimeApiServer

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        if self.path != _NEXT:
            self.reply(404, _error("InvalidRequest", "unknown Runtime API path"))
            return

        invocation = self.server.backend.next_invocation()
        if invocation is None:
            # The worker is being shut down; it will not read this.
            self.reply(410, _error("ShutDown", "the worker is shutting down"))
            return

        headers = {
            "Lambda-Runtime-Aws-Request-Id": invocation.request_id,
            "Lambda-Runtime-Deadline-Ms": str(invocation.deadline_ms),
            "Lambda-Runtime-Invoked-Function-Arn": invocation.invoked_arn,
            "Lambda-Runtime-Trace-Id": invocation.trace_header,
        }
        if invocation.client_context:
            headers["Lambda-Runtime-Client-Context"] = invocation.client_context
        if invocation.cognito_identity:
            headers["Lambda-Runtime-Cognito-Identity"] = invocation.cognito_identity
        self.reply(200, invocation.payload, headers)

    def do_POST(self) -> None:  # noqa: N802
        body = self.read_body()
        after: AfterReply | None
        if self.path == _INIT_ERROR:
            after = self.server.backend.accept_init_error(body)
        else:
            match = _RESULT.fullmatch(self.path)
            if match is None:
                self.reply(404, _error("InvalidRequest", "unknown Runtime API path"))
                return
            outcome = Outcome.SUCCESS if match["kind"] == "response" else Outcome.ERROR
            after = self.server.backend.accept_result(match["id"], outcome, body)
            if after is None:
                self.reply(400, _error("InvalidRequestID", "Invalid request ID"))
                return

        self.reply(202, b'{"status":"OK"}')
        if after is not None:
            after()


def _error(error_type: str, message: str) -> bytes:
    return json.dumps({"errorType": error_type, "errorMessage": message}).encode()
