"""A span for every botocore API call, with the out-links of its service.

The wrapper sits on ``BaseClient._make_api_call``, the one path every
operation of every service takes.  It reads in phases: guards that hand the
call straight to botocore; the span and its request attributes; in-band
context for the services that carry it; the call itself; then response
attributes and out-links.  Service specifics live in the extensions
(:mod:`spot_otel.extensions`), one per service; all of their hooks run under
:func:`~spot_otel.instrumentation.safe.safe_call`, and the user's own errors
(``ClientError`` and the rest) are recorded and re-raised unchanged.
"""

from __future__ import annotations

import time
from typing import Any, Callable, Mapping

from opentelemetry import context as context_api
from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.instrumentation.utils import (
    _SUPPRESS_INSTRUMENTATION_KEY,
    _SUPPRESS_INSTRUMENTATION_KEY_PLAIN,
    is_instrumentation_enabled,
)
from opentelemetry.trace import Status, StatusCode

from spot_otel import attributes as attr
from spot_otel.aws import is_untraced
from spot_otel.extensions import extension_for
from spot_otel.extensions.types import SdkCall, ServiceExtension
from spot_otel.instrumentation.capture import REQUEST_ATTRIBUTE, as_text, capture_enabled
from spot_otel.instrumentation.invocation import current_invocation
from spot_otel.instrumentation.key_schema import KeySchemaCache
from spot_otel.instrumentation.propagation import outbound_carrier
from spot_otel.instrumentation.safe import safe_call
from spot_otel.links import Link, Via, encode_all

_DDB_KEY_PREFIX = f"{Via.DDB.value}:"
"""How every DynamoDB item key starts (see :func:`spot_otel.links.ddb_item_key`)."""


class BotocoreTracer:
    """The wrapt wrapper around ``BaseClient._make_api_call``."""

    def __init__(self, tracer: trace.Tracer) -> None:
        self._tracer = tracer
        self._capture = capture_enabled()
        self.key_schemas = KeySchemaCache()

    def __call__(
        self,
        wrapped: Callable[..., Any],
        instance: Any,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> Any:
        if not is_instrumentation_enabled() or is_untraced(instance):
            return wrapped(*args, **kwargs)

        prepared = safe_call("SDK call start", self._start, instance, args, kwargs, default=None)
        if prepared is None:
            return wrapped(*args, **kwargs)

        span, call, extension, args, kwargs = prepared
        token = context_api.attach(_call_context(span))
        try:
            response = wrapped(*args, **kwargs)
        except BaseException as exc:
            safe_call("SDK call error", _record_error, span, exc, default=None)
            raise
        else:
            safe_call(
                "SDK call response",
                self._on_response,
                span,
                call,
                extension,
                instance,
                response,
                default=None,
            )
            return response
        finally:
            context_api.detach(token)
            span.end()

    def _start(
        self, instance: Any, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[Any, SdkCall, ServiceExtension, tuple[Any, ...], dict[str, Any]]:
        operation, params = _operation_and_params(args, kwargs)
        meta = instance.meta
        service_model = meta.service_model
        call = SdkCall(
            service=service_model.service_name,
            operation=operation,
            params=params,
            region=meta.region_name,
        )
        extension = extension_for(call.service)
        active = current_invocation()

        attributes: dict[str, Any] = {
            attr.SPOT_ROLE: attr.ROLE_SDK_CALL,
            "rpc.system": "aws-api",
            attr.RPC_SERVICE: service_model.service_id,
            attr.RPC_METHOD: operation,
            attr.CLOUD_REGION: meta.region_name or "",
        }
        if active is not None:
            attributes[attr.SPOT_INVOCATION_ID] = active.request_id
            attributes[attr.CLOUD_RESOURCE_ID] = active.function_arn
        attributes.update(
            safe_call("request attributes", extension.request_attributes, call, default={})
        )
        if self._capture:
            attributes[REQUEST_ATTRIBUTE] = safe_call("capture", as_text, params, default="")
        target = safe_call("target", extension.target, call, default=None)
        if target:
            attributes[attr.SPOT_TARGET] = target

        span = self._tracer.start_span(
            f"{service_model.service_id}.{operation}",
            kind=safe_call("span kind", extension.span_kind, call, default=trace.SpanKind.CLIENT),
            context=_parent_context(active),
            attributes=attributes,
        )

        # In-band context: the extension returns new params, never edits the
        # caller's; the API call then goes out with them.  Only extensions
        # that can inject are handed a carrier: making one costs a context.
        if _injects(extension):
            carrier = outbound_carrier(span, active.request_id if active else None)
            injected = safe_call("inject", extension.inject, call, carrier, default=None)
            if injected is not None:
                args, kwargs = _with_params(args, kwargs, injected)
        return span, call, extension, args, kwargs

    def _on_response(
        self,
        span: Any,
        call: SdkCall,
        extension: ServiceExtension,
        instance: Any,
        response: Mapping[str, Any],
    ) -> None:
        # One set_attributes call: each call takes the span's lock.
        attributes = _metadata_attributes(response)
        attributes.update(
            safe_call(
                "response attributes", extension.response_attributes, call, response, default={}
            )
        )

        links_out = safe_call(
            "out-links", self._links_out, call, extension, instance, response, default=()
        )
        if links_out:
            attributes[attr.SPOT_LINKS_OUT] = links_out
        span.set_attributes(attributes)

    def _links_out(
        self,
        call: SdkCall,
        extension: ServiceExtension,
        instance: Any,
        response: Mapping[str, Any],
    ) -> tuple[str, ...]:
        def key_schema(table: str) -> Any:
            return self.key_schemas.lookup(instance, table)

        links = extension.out_links(call, response, key_schema)
        return encode_all(_stamp_writes(links)) if links else ()


def _call_context(span: Any) -> Context:
    """The context the API call runs in: its span current, and every other
    instrumentation (OTel contrib's botocore, HTTP clients) quiet, so one API
    call makes one span.  What ``suppress_instrumentation()`` sets, made in
    one step with the span: this runs on every call."""
    context = trace.set_span_in_context(span)
    context = context_api.set_value(_SUPPRESS_INSTRUMENTATION_KEY, True, context)
    return context_api.set_value(_SUPPRESS_INSTRUMENTATION_KEY_PLAIN, True, context)


def _injects(extension: ServiceExtension) -> bool:
    """True when ``extension`` overrides the base's ``inject`` (which does nothing)."""
    return type(extension).inject is not ServiceExtension.inject


def _metadata_attributes(response: Mapping[str, Any]) -> dict[str, Any]:
    """``aws.request_id`` and the HTTP status of a response or an error."""
    metadata = response.get("ResponseMetadata") or {}
    attributes: dict[str, Any] = {}
    if metadata.get("RequestId"):
        attributes["aws.request_id"] = metadata["RequestId"]
    if metadata.get("HTTPStatusCode"):
        attributes["http.response.status_code"] = metadata["HTTPStatusCode"]
    return attributes


def _operation_and_params(
    args: tuple[Any, ...], kwargs: dict[str, Any]
) -> tuple[str, Mapping[str, Any]]:
    operation = args[0] if args else kwargs["operation_name"]
    params = args[1] if len(args) > 1 else kwargs.get("api_params", {})
    return str(operation), params or {}


def _with_params(
    args: tuple[Any, ...], kwargs: dict[str, Any], params: dict[str, Any]
) -> tuple[tuple[Any, ...], dict[str, Any]]:
    if len(args) > 1:
        return (args[0], params, *args[2:]), kwargs
    return args, {**kwargs, "api_params": params}


def _parent_context(active: Any) -> Any:
    """The current context; in a thread the handler started without passing
    its context on, the invocation span instead of no parent at all."""
    if active is None or trace.get_current_span().get_span_context().is_valid:
        return None
    return trace.set_span_in_context(active.span)


def _stamp_writes(links: list[Link]) -> list[Link]:
    """DynamoDB writes are paired with stream records by time: give each
    write link the time the write was acknowledged."""
    now_ms: int | None = None
    stamped: list[Link] = []
    for link in links:
        # The key's prefix, not Link.via: this runs on every call, and via
        # builds an enum member from the prefix each time.
        if link.at_ms is None and link.key.startswith(_DDB_KEY_PREFIX):
            if now_ms is None:
                now_ms = time.time_ns() // 1_000_000
            link = Link(link.key, now_ms, link.seq)
        stamped.append(link)
    return stamped


def _record_error(span: Any, exc: BaseException) -> None:
    span.record_exception(exc, escaped=True)
    response = getattr(exc, "response", None)
    if isinstance(response, Mapping):
        attributes = _metadata_attributes(response)
        code = (response.get("Error") or {}).get("Code")
        if code:
            attributes["error.type"] = str(code)
        span.set_attributes(attributes)
    span.set_status(Status(StatusCode.ERROR, f"{type(exc).__name__}: {exc}"))
