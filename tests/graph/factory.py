"""Building spotFns records the way the sink writes them, for graph tests.

Each helper makes one :class:`~spot_otel.records.Record` with the fields the
sink fills: request ids from the records module's builders, link keys from
the links module's builders.  Nothing here formats a key or an id itself.
"""

from __future__ import annotations

import hashlib
from typing import Iterable

from spot_otel.links import Link, invoke_key
from spot_otel.records import (
    CALL,
    ENTRY,
    EXIT,
    NO_ERROR,
    UNKNOWN,
    Record,
    call_request_id,
    entry_request_id,
    exit_request_id,
)

REGION = "us-east-1"
ACCOUNT = "123456789012"


def arn(function: str) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function}"


class Invocation:
    """One invocation's records: ``entry()``, ``call()``s and ``exit()``."""

    def __init__(
        self,
        invocation_id: str,
        function: str,
        start_ms: int,
        *,
        trigger: str = "invoke",
        links_in: Iterable[Link] = (),
        trace_id: str = "0af7651916cd43dd8448eb211c80319c",
        event_source: str = UNKNOWN,
        caller: str = UNKNOWN,
        message: str = UNKNOWN,
    ) -> None:
        self.id = invocation_id
        self.function = function
        self.start_ms = start_ms
        self.trigger = trigger
        # Every invocation's in-links hold its own invoke key (design.md).
        self.links_in = [Link(invoke_key(invocation_id)), *links_in]
        self.trace_id = trace_id
        self.span_id = hashlib.sha256(invocation_id.encode()).hexdigest()[:16]
        self.seed = dict(event_source=event_source, caller=caller, message=message)
        self._calls = 0

    def _common(self) -> dict[str, object]:
        return dict(
            this_fn_arn=arn(self.function),
            region=REGION,
            account_id=ACCOUNT,
            invocation_id=self.id,
            trace_id=self.trace_id,
            function=self.function,
            **self.seed,
        )

    def entry(self) -> Record:
        return Record(
            request_id=entry_request_id(self.id, self.span_id),
            ts=self.start_ms,
            record_type=ENTRY,
            span_id=self.span_id,
            kind="SERVER",
            trigger=self.trigger,
            links_in=list(self.links_in),
            **self._common(),
        )

    def exit(self, duration_ms: float, error: str | None = None) -> Record:
        return Record(
            request_id=exit_request_id(self.id, self.span_id),
            ts=int(self.start_ms + duration_ms),
            duration=duration_ms,
            error=error or NO_ERROR,
            status="ERROR" if error else "OK",
            record_type=EXIT,
            span_id=self.span_id,
            kind="SERVER",
            trigger=self.trigger,
            links_in=list(self.links_in),
            **self._common(),
        )

    def call(
        self,
        operation: str,
        at_ms: int,
        duration_ms: float = 10,
        links_out: Iterable[Link] = (),
        *,
        error: str | None = None,
    ) -> Record:
        self._calls += 1
        span_id = f"{self._calls:04x}{self.span_id[4:]}"
        common = self._common()
        common.update(event_source="aws", event_op=operation, caller=UNKNOWN)
        return Record(
            request_id=call_request_id(self.id, operation, span_id),
            ts=at_ms,
            duration=duration_ms,
            error=error or NO_ERROR,
            status="ERROR" if error else "OK",
            record_type=CALL,
            span_id=span_id,
            parent_span_id=self.span_id,
            kind="CLIENT",
            name=operation,
            links_out=list(links_out),
            **common,
        )

    def whole(
        self, duration_ms: float, *calls: Record, error: str | None = None
    ) -> list[Record]:
        """Entry, the given calls, and exit."""
        return [self.entry(), *calls, self.exit(duration_ms, error)]
