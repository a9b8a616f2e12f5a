"""One invocation on its way through the runtime, and how it ended.

An :class:`Invocation` is created by the invoker, queued on a function,
handed to a worker by the Runtime API and completed exactly once: by the
worker's response or error, by the timeout, by the worker exiting, or by an
init error.  Whoever completes it first wins; later attempts are ignored, as
Lambda ignores a response posted after the timeout.

The error payloads for timeouts, crashes and init failures are built here in
the shapes Lambda returns to the invoker.
"""

from __future__ import annotations

import json
import secrets
import signal
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from enum import Enum
from typing import Any


class Outcome(str, Enum):
    """How an invocation ended."""

    SUCCESS = "ok"
    ERROR = "error"
    """The handler raised (the runtime posted an invocation error)."""
    TIMEOUT = "timeout"
    EXIT = "exit"
    """The worker process exited mid-invocation (``Runtime.ExitError``)."""
    INIT_ERROR = "init-error"
    SHUTDOWN = "shutdown"
    """The runtime was closed before the invocation finished."""


@dataclass(frozen=True)
class InvocationResult:
    """What the invoker gets back."""

    outcome: Outcome
    payload: bytes
    duration_ms: float
    cold_start: bool
    worker_pid: int | None

    @property
    def function_error(self) -> str | None:
        """``X-Amz-Function-Error``: ``Unhandled`` for every failure.  Python
        runtimes never report ``Handled``, which was a Node.js callback error."""
        return None if self.outcome is Outcome.SUCCESS else "Unhandled"


class Invocation:
    """One request to run a function, from queueing to its result."""

    def __init__(
        self,
        function: str,
        payload: bytes,
        *,
        request_id: str | None = None,
        client_context: str | None = None,
        cognito_identity: str | None = None,
        trace_header: str | None = None,
        invoked_arn: str,
    ) -> None:
        self.function = function
        self.payload = payload
        self.request_id = request_id or str(uuid.uuid4())
        self.client_context = client_context
        self.cognito_identity = cognito_identity
        self.trace_header = trace_header or new_trace_header()
        self.invoked_arn = invoked_arn
        self.queued_at = time.monotonic()
        self.started_at: float | None = None
        self.deadline_ms: int | None = None
        self.cold_start = False
        self.worker_pid: int | None = None
        self._done = threading.Event()
        self._result: InvocationResult | None = None
        self._lock = threading.Lock()

    def start(self, timeout: float, *, cold_start: bool, worker_pid: int) -> None:
        """The worker picked it up: the clock starts now."""
        self.started_at = time.monotonic()
        self.deadline_ms = int(time.time() * 1000 + timeout * 1000)
        self.cold_start = cold_start
        self.worker_pid = worker_pid

    def complete(self, outcome: Outcome, payload: bytes) -> bool:
        """Record the result; False if it had already been completed."""
        with self._lock:
            if self._result is not None:
                return False
            start = self.started_at if self.started_at is not None else time.monotonic()
            self._result = InvocationResult(
                outcome=outcome,
                payload=payload,
                duration_ms=(time.monotonic() - start) * 1000,
                cold_start=self.cold_start,
                worker_pid=self.worker_pid,
            )
        self._done.set()
        return True

    @property
    def done(self) -> bool:
        return self._done.is_set()

    @property
    def result(self) -> InvocationResult | None:
        return self._result

    def wait(self, timeout: float | None = None) -> InvocationResult | None:
        self._done.wait(timeout)
        return self._result


def new_trace_header() -> str:
    """An X-Ray trace header as Lambda makes one when none came in
    (PassThrough: not sampled)."""
    root = f"1-{int(time.time()):08x}-{secrets.token_hex(12)}"
    return f"Root={root};Parent={secrets.token_hex(8)};Sampled=0"


def timeout_error(request_id: str, timeout: float) -> bytes:
    """Lambda's payload for an invocation that ran past its timeout."""
    now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    message = f"{now} {request_id} Task timed out after {timeout:.2f} seconds"
    return _json({"errorMessage": message})


def exit_error(request_id: str, returncode: int | None) -> bytes:
    """Lambda's payload when the runtime process exited mid-invocation."""
    if returncode is not None and returncode < 0:
        reason = f"signal: {_signal_name(-returncode)}"
    else:
        reason = f"exit status {returncode if returncode is not None else 'unknown'}"
    return _json(
        {
            "errorType": "Runtime.ExitError",
            "errorMessage": (
                f"RequestId: {request_id} Error: Runtime exited with error: {reason}"
            ),
        }
    )


def init_error(request_id: str, body: bytes) -> bytes:
    """The runtime's init error as Lambda returns it: the runtime's own JSON
    (``errorType`` e.g. ``Runtime.ImportModuleError``) with the request id."""
    try:
        error = json.loads(body)
    except ValueError:
        error = None
    if not isinstance(error, dict):
        error = {"errorType": "Runtime.Unknown", "errorMessage": "init failed"}
    error["requestId"] = request_id
    return _json(error)


def shutdown_error(request_id: str) -> bytes:
    return _json(
        {
            "errorType": "Runtime.Shutdown",
            "errorMessage": f"RequestId: {request_id} Error: the local runtime shut down",
        }
    )


def _signal_name(signum: int) -> str:
    try:
        # Go's names, as Lambda prints them: "signal: killed".
        return {
            signal.SIGKILL: "killed",
            signal.SIGTERM: "terminated",
            signal.SIGSEGV: "segmentation fault",
            signal.SIGABRT: "aborted",
        }.get(signal.Signals(signum), signal.Signals(signum).name)
    except ValueError:
        return str(signum)


def _json(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode("utf-8")
