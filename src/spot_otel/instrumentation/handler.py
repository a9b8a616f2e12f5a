"""The invocation span: one per call of the user's Lambda handler.

The wrapper reads the trigger, starts the span, runs the handler and, before
the result goes back to the runtime, ends the span and flushes the tracer
provider, so every record of the invocation is durable when Lambda freezes
the environment.  A handler exception is recorded on the span and re-raised
unchanged; the event and the return value pass through untouched.

Span kind follows the OTel semantic conventions for FaaS
(docs/faas/aws-lambda.md) and messaging (docs/messaging/messaging-spans.md):
SERVER for HTTP triggers, direct invokes and timers, CONSUMER for events that
deliver messages or data changes (SQS, SNS, Kinesis, EventBridge, S3,
DynamoDB Streams), whose processing span is a consumer span.
"""

from __future__ import annotations

import logging
import os
from typing import Any, Callable

from opentelemetry import context as context_api
from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.instrumentation.utils import is_instrumentation_enabled
from opentelemetry.trace import SpanKind, Status, StatusCode

from spot_otel import attributes as attr
from spot_otel.environment_variables import (
    OTEL_EXPORTER_SPOTFNS_DEADLINE_MARGIN_MS,
    OTEL_EXPORTER_SPOTFNS_FLUSH_BUDGET_MS,
    env_int,
)
from spot_otel.instrumentation import invocation, propagation
from spot_otel.instrumentation.capture import EVENT_ATTRIBUTE, as_text, capture_enabled
from spot_otel.instrumentation.deadline import DeadlineWatch
from spot_otel.instrumentation.safe import safe_call
from spot_otel.links import encode_all
from spot_otel.triggers import read_trigger
from spot_otel.triggers.types import InvocationInfo, Trigger, TriggerKind

_logger = logging.getLogger(__name__)

_DEFAULT_FLUSH_BUDGET_MS = 2000
_DEFAULT_DEADLINE_MARGIN_MS = 500
_CONSUMER_KINDS = (TriggerKind.PUBSUB, TriggerKind.DATASOURCE)


class HandlerTracer:
    """Makes the invocation span around each call of one handler."""

    def __init__(self, tracer: trace.Tracer, provider: Any) -> None:
        self._tracer = tracer
        self._provider = provider
        self._capture = capture_enabled()
        self._cold_start = True
        self._flush_budget_ms = env_int(
            OTEL_EXPORTER_SPOTFNS_FLUSH_BUDGET_MS, _DEFAULT_FLUSH_BUDGET_MS, minimum=1
        )
        self._deadline_margin_ms = env_int(
            OTEL_EXPORTER_SPOTFNS_DEADLINE_MARGIN_MS, _DEFAULT_DEADLINE_MARGIN_MS
        )
        self._deadline = DeadlineWatch(self._flush)
        # Now, during the function's init, rather than on the first invocation.
        safe_call("deadline thread", self._deadline.start, default=None)

    def __call__(
        self,
        wrapped: Callable[..., Any],
        instance: Any,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> Any:
        """The wrapt wrapper around the user's handler."""
        if not is_instrumentation_enabled():
            return wrapped(*args, **kwargs)

        event, lambda_context = _event_and_context(args, kwargs)
        started = safe_call(
            "invocation start", self._start, event, lambda_context, default=None
        )
        if started is None:
            return wrapped(*args, **kwargs)

        span, tokens = started
        try:
            return wrapped(*args, **kwargs)
        except BaseException as exc:
            # SystemExit and KeyboardInterrupt end an invocation too: record
            # them, flush, and let them go on unchanged.
            safe_call("invocation error", _record_error, span, exc, default=None)
            raise
        finally:
            safe_call("invocation end", self._finish, span, tokens, default=None)

    # -- phases -------------------------------------------------------------------

    def _start(self, event: Any, lambda_context: Any) -> tuple[trace.Span, tuple]:
        request_id = str(getattr(lambda_context, "aws_request_id", "") or "unknown")
        invoked_arn = str(getattr(lambda_context, "invoked_function_arn", "") or "")
        function_arn = _unqualified_arn(invoked_arn)
        info = InvocationInfo(
            request_id=request_id,
            client_context_custom=_client_context_custom(lambda_context),
        )
        trigger = read_trigger(event, info)

        attributes = _invocation_attributes(
            trigger, request_id, function_arn, invoked_arn, lambda_context
        )
        if self._capture:
            attributes[EVENT_ATTRIBUTE] = as_text(event)
        parent, links = _parent_and_links(trigger)
        attributes[attr.FAAS_COLDSTART], self._cold_start = self._cold_start, False
        span = self._tracer.start_span(
            _function_name(lambda_context),
            kind=_span_kind(trigger),
            context=parent,
            attributes=attributes,
            links=links,
        )

        span_token = context_api.attach(trace.set_span_in_context(span))
        invocation_token = invocation.enter(
            invocation.ActiveInvocation(request_id, function_arn, span)
        )
        self._arm_deadline(lambda_context)
        return span, (span_token, invocation_token)

    def _finish(self, span: trace.Span, tokens: tuple) -> None:
        span_token, invocation_token = tokens
        self._deadline.disarm()
        span.end()
        invocation.leave(invocation_token)
        context_api.detach(span_token)
        self._flush()

    def _flush(self) -> None:
        force_flush = getattr(self._provider, "force_flush", None)
        if force_flush is not None:
            force_flush(self._flush_budget_ms)

    def _arm_deadline(self, lambda_context: Any) -> None:
        remaining = getattr(lambda_context, "get_remaining_time_in_millis", None)
        if remaining is None:
            return

        left_ms = remaining()
        if isinstance(left_ms, (int, float)) and left_ms > self._deadline_margin_ms:
            self._deadline.arm((left_ms - self._deadline_margin_ms) / 1000.0)


def _event_and_context(args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, Any]:
    event = args[0] if args else kwargs.get("event")
    lambda_context = args[1] if len(args) > 1 else kwargs.get("context")
    return event, lambda_context


def _parent_and_links(trigger: Trigger) -> tuple[Context, list[trace.Link]]:
    """A single message's context becomes the parent; a batch's become links
    (messaging conventions: a batch has no single parent)."""
    carriers = trigger.carriers
    if not carriers:
        return Context(), []
    if trigger.is_batch:
        return Context(), propagation.span_links(carriers)

    parent = propagation.extract(carriers[0])
    return parent or Context(), propagation.span_links(carriers[1:])


def _span_kind(trigger: Trigger) -> SpanKind:
    return SpanKind.CONSUMER if trigger.kind in _CONSUMER_KINDS else SpanKind.SERVER


def _invocation_attributes(
    trigger: Trigger,
    request_id: str,
    function_arn: str,
    invoked_arn: str,
    lambda_context: Any,
) -> dict[str, Any]:
    arn_parts = function_arn.split(":")
    values: dict[str, Any] = dict(trigger.attributes)
    values.update(
        {
            attr.SPOT_ROLE: attr.ROLE_INVOCATION,
            attr.FAAS_INVOCATION_ID: request_id,
            attr.FAAS_TRIGGER: trigger.kind.value,
            attr.FAAS_NAME: _function_name(lambda_context),
            attr.CLOUD_RESOURCE_ID: function_arn,
            attr.CLOUD_REGION: (
                arn_parts[3] if len(arn_parts) > 3 else os.environ.get("AWS_REGION", "")
            ),
            attr.CLOUD_ACCOUNT_ID: arn_parts[4] if len(arn_parts) > 4 else "",
            "cloud.provider": "aws",
            "cloud.platform": "aws_lambda",
            "aws.lambda.invoked_arn": invoked_arn,
            attr.SPOT_TRIGGER: trigger.name,
            attr.SPOT_CALLER: trigger.caller,
            attr.SPOT_EVENT_SOURCE: trigger.event_source,
            attr.SPOT_EVENT_OP: trigger.event_op,
            attr.SPOT_MESSAGE: trigger.message,
            attr.SPOT_SOURCE_IP: trigger.source_ip,
            attr.SPOT_LINKS_IN: encode_all(trigger.in_links),
        }
    )
    return values


def _record_error(span: trace.Span, exc: BaseException) -> None:
    span.record_exception(exc, escaped=True)
    span.set_status(Status(StatusCode.ERROR, f"{type(exc).__name__}: {exc}"))


def _function_name(lambda_context: Any) -> str:
    return str(
        getattr(lambda_context, "function_name", "")
        or os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "")
        or "lambda"
    )


def _unqualified_arn(invoked_arn: str) -> str:
    """``arn:aws:lambda:r:a:function:name[:alias]`` without the alias."""
    parts = invoked_arn.split(":")
    return ":".join(parts[:7]) if len(parts) > 7 else invoked_arn


def _client_context_custom(lambda_context: Any) -> dict[str, Any] | None:
    client_context = getattr(lambda_context, "client_context", None)
    custom = getattr(client_context, "custom", None)
    if custom is None and isinstance(client_context, dict):
        custom = client_context.get("custom")
    return custom if isinstance(custom, dict) else None
