"""Trace context in and out of AWS requests and events.

Outbound, the configured global propagator (W3C ``traceparent`` by default)
fills a plain text map that the service extensions place into the request.
Inbound, a trigger reader hands back the text maps it found in the event;
W3C maps go through the global propagator and ``X-Amzn-Trace-Id`` maps
through the AWS X-Ray propagator, so an SQS ``AWSTraceHeader`` or an API
Gateway X-Ray header becomes a parent or a link too.
"""

from __future__ import annotations

from typing import Mapping

from opentelemetry import propagate, trace
from opentelemetry.context import Context
from opentelemetry.trace import Link as SpanLink

from spot_otel.inband import CALLER, XRAY_HEADER

_xray_propagator = None


def outbound_carrier(span: trace.Span, caller_request_id: str | None) -> dict[str, str]:
    """The text map to send with an outbound request: the context of the SDK
    call's own span, so the consumer's parent is the call that caused it, plus
    the calling invocation's request id (SpotWrap's ``caller``)."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier, context=trace.set_span_in_context(span))
    if caller_request_id:
        carrier[CALLER] = caller_request_id
    return carrier


def extract(carrier: Mapping[str, str]) -> Context | None:
    """A context holding the remote span found in ``carrier``, or None."""
    context = propagate.extract(carrier)
    if _has_span(context):
        return context

    if XRAY_HEADER in carrier or XRAY_HEADER.lower() in carrier:
        context = _xray().extract(carrier)
        if _has_span(context):
            return context

    return None


def span_links(carriers: list[Mapping[str, str]], limit: int = 128) -> list[SpanLink]:
    """One span link per carrier holding a valid context, at most ``limit``
    (the SDK drops links past its own limit anyway)."""
    links: list[SpanLink] = []
    for carrier in carriers:
        if len(links) >= limit:
            break
        context = extract(carrier)
        if context is not None:
            links.append(SpanLink(trace.get_current_span(context).get_span_context()))
    return links


def _has_span(context: Context) -> bool:
    return trace.get_current_span(context).get_span_context().is_valid


def _xray():  # type: ignore[no-untyped-def]
    global _xray_propagator
    if _xray_propagator is None:
        # Deferred: only X-Ray carriers need it.
        from opentelemetry.propagators.aws import AwsXRayPropagator

        _xray_propagator = AwsXRayPropagator()
    return _xray_propagator
