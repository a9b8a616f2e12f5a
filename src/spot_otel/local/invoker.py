"""Lambda's Invoke, without the HTTP: sync, async with retries, dry run.

The Invoke API server and :meth:`LocalApp.invoke` both come here, so a call
from a test and a call from ``boto3`` inside a worker behave the same way:

* ``RequestResponse`` runs the function and returns its payload;
  ``X-Amz-Function-Error`` is ``Unhandled`` when it failed.
* ``Event`` returns at once (202); the invocation runs in the background and
  is retried twice on failure, after the app's ``async_retry_delays``, as
  Lambda retries async invocations (every attempt keeps the request id).
* ``DryRun`` only checks that the function exists (204).

The request id returned (``x-amzn-RequestId``) is the ``aws_request_id``
the function sees, sync and async alike: spot-otel joins invoke hops on it.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import threading
import uuid
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from spot_otel.local.activity import Activity
from spot_otel.local.arns import function_arn, parse_function_ref
from spot_otel.local.invocation import Invocation, Outcome
from spot_otel.local.pool import FunctionPool

_logger = logging.getLogger(__name__)

REQUEST_RESPONSE = "RequestResponse"
EVENT = "Event"
DRY_RUN = "DryRun"
INVOCATION_TYPES = (REQUEST_RESPONSE, EVENT, DRY_RUN)
SYNC_PAYLOAD_LIMIT = 6 * 1024 * 1024
"""Lambda's limit on a synchronous request payload, in bytes."""
_CLIENT_CONTEXT_LIMIT = 3583


class InvokeError(Exception):
    """An Invoke the service itself refuses, in the Lambda API's terms."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.status = status
        self.code = code
        self.message = message


@dataclass(frozen=True)
class InvokeResult:
    """The answer to one Invoke, as the Invoke API would give it."""

    status_code: int
    request_id: str
    payload: bytes = b""
    function_error: str | None = None
    executed_version: str | None = None
    outcome: Outcome | None = None
    """How a sync invocation ended; None for Event and DryRun."""
    duration_ms: float | None = None
    cold_start: bool | None = None
    worker_pid: int | None = None

    @property
    def ok(self) -> bool:
        return self.function_error is None

    def json(self) -> Any:
        """The payload, parsed."""
        return json.loads(self.payload) if self.payload else None


class Invoker:
    """Routes invocations to the functions' pools."""

    def __init__(
        self,
        pools: Mapping[str, FunctionPool],
        region: str,
        activity: Activity,
        retry_delays: Sequence[float],
    ) -> None:
        self._pools = pools
        self._region = region
        self._activity = activity
        self._retry_delays = tuple(retry_delays)
        self._stopping = threading.Event()

    def invoke(
        self,
        function: str,
        payload: bytes | None,
        *,
        invocation_type: str = REQUEST_RESPONSE,
        client_context: str | None = None,
        qualifier: str | None = None,
        trace_header: str | None = None,
    ) -> InvokeResult:
        """Invoke ``function`` (name, ``name:qualifier`` or ARN).

        ``client_context`` is the base64 ``X-Amz-Client-Context``.  Raises
        :class:`InvokeError` for what Lambda refuses before running anything.
        """
        pool, qualifier = self.resolve(function, qualifier)
        if invocation_type not in INVOCATION_TYPES:
            raise InvokeError(
                400,
                "InvalidParameterValueException",
                f"Unsupported invocation type {invocation_type!r}",
            )
        if invocation_type == DRY_RUN:
            return InvokeResult(204, str(uuid.uuid4()))

        body = _checked_payload(payload, invocation_type)
        invocation = Invocation(
            pool.function.name,
            body,
            client_context=decode_client_context(client_context),
            trace_header=trace_header,
            invoked_arn=function_arn(self._region, pool.function.name, qualifier),
        )
        if invocation_type == EVENT:
            self._start_async(pool, invocation)
            return InvokeResult(202, invocation.request_id)
        return self._run_sync(pool, invocation)

    def resolve(
        self, function: str, qualifier: str | None = None
    ) -> tuple[FunctionPool, str | None]:
        """The pool of a function reference, and the qualifier it named."""
        parsed = parse_function_ref(function)
        if parsed is None:
            raise InvokeError(
                400,
                "ValidationException",
                f"1 validation error detected: Value '{function}' at 'functionName' "
                "failed to satisfy constraint",
            )
        name, named_qualifier = parsed
        qualifier = qualifier or named_qualifier
        pool = self._pools.get(name)
        if pool is None or qualifier not in (None, "$LATEST"):
            raise InvokeError(
                404,
                "ResourceNotFoundException",
                f"Function not found: {function_arn(self._region, name, qualifier)}",
            )
        return pool, qualifier

    def stop(self) -> None:
        """Stop retrying async invocations (the app is closing)."""
        self._stopping.set()

    # -- sync and async -------------------------------------------------------

    def _run_sync(self, pool: FunctionPool, invocation: Invocation) -> InvokeResult:
        self._activity.begin()
        try:
            pool.submit(invocation)
            result = invocation.wait()
        finally:
            self._activity.end()
        assert result is not None
        return InvokeResult(
            status_code=200,
            request_id=invocation.request_id,
            payload=result.payload,
            function_error=result.function_error,
            executed_version="$LATEST",
            outcome=result.outcome,
            duration_ms=result.duration_ms,
            cold_start=result.cold_start,
            worker_pid=result.worker_pid,
        )

    def _start_async(self, pool: FunctionPool, first: Invocation) -> None:
        run = self._activity.tracked(lambda: self._run_async(pool, first))
        threading.Thread(
            target=run, name=f"spot-local-event-{pool.function.name}", daemon=True
        ).start()

    def _run_async(self, pool: FunctionPool, first: Invocation) -> None:
        invocation = first
        attempts = 1 + pool.function.async_retries
        for attempt in range(attempts):
            pool.submit(invocation)
            result = invocation.wait()
            if result is None or result.outcome in (Outcome.SUCCESS, Outcome.SHUTDOWN):
                return
            if attempt + 1 == attempts:
                _logger.warning(
                    "async invocation %s of %s failed %s times; dropped",
                    invocation.request_id,
                    pool.function.name,
                    attempts,
                )
                return
            delay = self._retry_delays[min(attempt, len(self._retry_delays) - 1)]
            if self._stopping.wait(delay):
                return
            # Every attempt of one async invocation keeps its request id.
            invocation = Invocation(
                first.function,
                first.payload,
                request_id=first.request_id,
                client_context=first.client_context,
                trace_header=first.trace_header,
                invoked_arn=first.invoked_arn,
            )


def decode_client_context(value: str | None) -> str | None:
    """The JSON text of a base64 ``X-Amz-Client-Context``, as the function's
    runtime receives it in ``Lambda-Runtime-Client-Context``."""
    if not value:
        return None
    if len(value) > _CLIENT_CONTEXT_LIMIT:
        raise InvokeError(
            400,
            "InvalidRequestContentException",
            f"Client context must be at most {_CLIENT_CONTEXT_LIMIT} bytes",
        )
    try:
        text = base64.b64decode(value, validate=True).decode("utf-8")
        if not isinstance(json.loads(text), dict):
            raise ValueError("not an object")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise InvokeError(
            400,
            "InvalidRequestContentException",
            "Client context must be a valid Base64-encoded JSON object.",
        ) from None
    return text


def _checked_payload(payload: bytes | None, invocation_type: str) -> bytes:
    if not payload:
        return b"{}"
    if invocation_type == REQUEST_RESPONSE and len(payload) > SYNC_PAYLOAD_LIMIT:
        raise InvokeError(
            413,
            "RequestEntityTooLargeException",
            f"{len(payload)} byte payload is too large for the RequestResponse "
            f"invocation type ({SYNC_PAYLOAD_LIMIT} bytes)",
        )
    try:
        json.loads(payload)
    except ValueError as exc:
        raise InvokeError(
            400,
            "InvalidRequestContentException",
            f"Could not parse request body into json: {exc}",
        ) from None
    return payload
