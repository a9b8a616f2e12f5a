"""The invocation in progress, so SDK call spans know which one they belong to.

Lambda runs one invocation at a time per process, but a handler may start
threads, and OTel's context does not follow a plain ``threading.Thread``.
The active invocation is therefore kept twice: in a context variable, exact
for code that inherits the handler's context, and in a process-wide slot that
threads fall back to.  Either way a span made inside an invocation joins it.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass

from opentelemetry.trace import Span


@dataclass(frozen=True)
class ActiveInvocation:
    """What an SDK call span needs of its invocation."""

    request_id: str
    function_arn: str
    span: Span


_current: ContextVar[ActiveInvocation | None] = ContextVar(
    "spot_otel_invocation", default=None
)
_process_slot: list[ActiveInvocation | None] = [None]


def current_invocation() -> ActiveInvocation | None:
    """The invocation this code runs in, if any."""
    return _current.get() or _process_slot[0]


def enter(invocation: ActiveInvocation) -> object:
    """Make ``invocation`` current; returns a token for :func:`leave`."""
    _process_slot[0] = invocation
    return _current.set(invocation)


def leave(token: object) -> None:
    _process_slot[0] = None
    try:
        _current.reset(token)  # type: ignore[arg-type]
    except ValueError:
        # Left from another context (a handler that switched contexts):
        # clearing is all that is needed.
        _current.set(None)
