"""The exec wrapper's fast path: set up tracing without an entry-point scan.

``opentelemetry-instrument`` discovers distros, configurators, exporters and
every installed instrumentor through package entry points, which reads the
metadata of every installed distribution: tens of milliseconds of cold start.
A Lambda function with spot-otel needs one instrumentor and, usually, one
exporter, so the fast path builds them directly.  Exporters other than
``spotfns``, ``console`` and ``none`` named in ``OTEL_TRACES_EXPORTER`` are
still loaded through their entry point, by name.

The same goes for propagators: ``opentelemetry.propagate`` looks each name in
``OTEL_PROPAGATORS`` up by entry point when it is first imported, unless the
variable is unset, when it builds the default (``tracecontext,baggage``)
directly.  The exec wrapper sets the default explicitly, so the fast path
imports that module with the variable hidden when it names exactly the
default: the same propagators, without the scan.

If a tracer provider is already set (the full ``opentelemetry-instrument``
path ran first), it is used as it is.
"""

from __future__ import annotations

import logging
import os
import sys
from typing import Any

from opentelemetry import trace
from opentelemetry.sdk.resources import OTELResourceDetector, Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider

from spot_otel.resource import lambda_resource_attributes

_logger = logging.getLogger(__name__)

_OTEL_PROPAGATORS = "OTEL_PROPAGATORS"
_DEFAULT_PROPAGATORS = ["tracecontext", "baggage"]


def configure_tracing(handler: str | None = None) -> TracerProvider | Any:
    """Set up the tracer provider (once) and instrument; returns the provider.

    ``handler`` is the user's handler (``module.function``) to wrap; None
    wraps the one the environment names.
    """
    _import_default_propagators()
    from spot_otel.instrumentation import patching

    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = _new_provider()
        trace.set_tracer_provider(provider)

    if not patching.is_instrumented():
        patching.instrument(
            provider, handler if handler is not None else patching.FROM_ENVIRONMENT
        )
    return provider


def _import_default_propagators() -> None:
    """Import ``opentelemetry.propagate`` without its entry-point scan when
    ``OTEL_PROPAGATORS`` names exactly the default it would build anyway."""
    configured = os.environ.get(_OTEL_PROPAGATORS)
    if configured is None or "opentelemetry.propagate" in sys.modules:
        return
    if [name.strip() for name in configured.split(",")] != _DEFAULT_PROPAGATORS:
        return

    # Hidden for the length of one import, at cold start, before the user's
    # code runs: nothing else reads the environment meanwhile.
    del os.environ[_OTEL_PROPAGATORS]
    try:
        import opentelemetry.propagate  # noqa: F401 - imported for its side effect
    finally:
        os.environ[_OTEL_PROPAGATORS] = configured


def _new_provider() -> TracerProvider:
    attributes = lambda_resource_attributes()
    function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME")
    if function_name:
        attributes["service.name"] = function_name
    # OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME still win, as in the SDK.
    resource = Resource(attributes).merge(OTELResourceDetector().detect())
    provider = TracerProvider(resource=resource)
    for processor in _processors():
        provider.add_span_processor(processor)
    return provider


def _processors() -> list[SpanProcessor]:
    names = os.environ.get("OTEL_TRACES_EXPORTER", "spotfns")
    processors: list[SpanProcessor] = []
    for name in (part.strip().lower() for part in names.split(",")):
        if not name or name == "none":
            continue
        processor = _processor(name)
        if processor is not None:
            processors.append(processor)
    return processors


def _processor(name: str) -> SpanProcessor | None:
    if name == "spotfns":
        from spot_otel_exporter import SpotFnsSpanProcessor

        return SpotFnsSpanProcessor()

    from opentelemetry.sdk.trace.export import (
        BatchSpanProcessor,
        ConsoleSpanExporter,
        SimpleSpanProcessor,
    )

    if name == "console":
        return SimpleSpanProcessor(ConsoleSpanExporter())

    from opentelemetry.util._importlib_metadata import entry_points

    found = list(entry_points(group="opentelemetry_traces_exporter", name=name))
    if not found:
        _logger.warning("no span exporter named %r is installed; skipped", name)
        return None
    return BatchSpanProcessor(found[0].load()())
