"""A small re-creation of the seed's approach (SpotWrap/GammaRay), to measure against.

The research tools spot-otel grew from wrapped each Lambda handler and
patched botocore, and wrote every record the moment it had it, with one
blocking ``put_item`` each:

* an *entry* record when the handler is called,
* one record per SDK call, written right after the call returns,
* an *exit* record when the handler returns or raises.

So an invocation with k SDK calls pays k + 2 round trips to the table on the
handler's critical path.  The records carry the seed's twelve columns; the
values are filled the simple way the seed filled them (``unknown`` where the
event does not say), since only the writes are measured.

This re-creation is kinder than the original in one respect: its own writes
are not recorded (a flag stops the patch from seeing them), where the seed
recursed into its own table.  It is benchmark code only, never shipped.
"""

from __future__ import annotations

import functools
import threading
import time
from typing import Any, Callable

from botocore.client import BaseClient

_UNKNOWN = "unknown"


class SpotWrapSeed:
    """The seed's decorator and botocore patch, writing through ``table``
    (a boto3 DynamoDB ``Table`` resource, as the seed used)."""

    def __init__(self, table: Any) -> None:
        self._table = table
        self._local = threading.local()
        self._original: Callable[..., Any] | None = None

    # -- the botocore patch -------------------------------------------------------

    def install(self) -> None:
        """Patch ``BaseClient._make_api_call`` to record every SDK call."""
        original = BaseClient._make_api_call
        self._original = original
        seed = self

        @functools.wraps(original)
        def recorded_call(client: Any, operation: str, params: dict[str, Any]) -> Any:
            if getattr(seed._local, "writing", False) or seed._request_id() is None:
                return original(client, operation, params)
            started = time.time()
            error = "none"
            try:
                return original(client, operation, params)
            except Exception as exc:
                error = type(exc).__name__
                raise
            finally:
                seed._put(
                    f"{seed._request_id()}:{operation}:{seed._next_call()}",
                    started,
                    event_source=client.meta.service_model.service_name,
                    event_op=operation,
                    message=str(params.get("TableName") or params.get("QueueUrl") or ""),
                    duration_ms=(time.time() - started) * 1000,
                    error=error,
                )

        BaseClient._make_api_call = recorded_call  # type: ignore[method-assign]

    def uninstall(self) -> None:
        if self._original is not None:
            BaseClient._make_api_call = self._original  # type: ignore[method-assign]
            self._original = None

    # -- the handler decorator ----------------------------------------------------

    def wrap(self, handler: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
        """The seed's handler decorator: entry record, handler, exit record."""

        @functools.wraps(handler)
        def wrapped(event: Any, context: Any) -> Any:
            request_id = context.aws_request_id
            self._local.request_id = request_id
            self._local.calls = 0
            started = time.time()
            arn = context.invoked_function_arn
            self._put(f"{request_id}:entry", started, function_arn=arn)
            error = "none"
            try:
                return handler(event, context)
            except Exception as exc:
                error = type(exc).__name__
                raise
            finally:
                self._put(
                    f"{request_id}:exit",
                    time.time(),
                    function_arn=arn,
                    duration_ms=(time.time() - started) * 1000,
                    error=error,
                )
                self._local.request_id = None

        return wrapped

    # -- writing ------------------------------------------------------------------

    def _request_id(self) -> str | None:
        return getattr(self._local, "request_id", None)

    def _next_call(self) -> int:
        self._local.calls = getattr(self._local, "calls", 0) + 1
        return int(self._local.calls)

    def _put(
        self,
        request_id: str,
        started: float,
        *,
        function_arn: str = _UNKNOWN,
        event_source: str = _UNKNOWN,
        event_op: str = _UNKNOWN,
        message: str = _UNKNOWN,
        duration_ms: float = 0,
        error: str = _UNKNOWN,
    ) -> None:
        arn_parts = function_arn.split(":")
        item = {
            "requestID": request_id,
            "ts": int(started * 1000),
            "thisFnARN": function_arn,
            "caller": _UNKNOWN,
            "eventSource": event_source,
            "eventOp": event_op,
            "region": arn_parts[3] if len(arn_parts) > 3 else _UNKNOWN,
            "accountID": arn_parts[4] if len(arn_parts) > 4 else _UNKNOWN,
            "sourceIP": _UNKNOWN,
            "message": message or _UNKNOWN,
            "duration": int(duration_ms),
            "error": error,
        }
        self._local.writing = True
        try:
            self._table.put_item(Item=item)
        finally:
            self._local.writing = False
