"""spot-otel's OpenTelemetry instrumentor for AWS Lambda.

It wraps the Lambda handler named by ``ORIG_HANDLER`` (set by an exec
wrapper) or ``_HANDLER``, making one span per invocation that carries the
trigger's causal links, and botocore's API call path, making one span per
SDK call of every service with the out-links that join it to whatever it
triggers.

Usage
-----
Under ``opentelemetry-instrument`` the instrumentor is found through the
``opentelemetry_instrumentor`` entry point; nothing to write.  In code::

    from opentelemetry.sdk.trace import TracerProvider
    from spot_otel.instrumentation import SpotInstrumentor
    from spot_otel_exporter import SpotFnsSpanProcessor

    provider = TracerProvider()
    provider.add_span_processor(SpotFnsSpanProcessor())
    SpotInstrumentor().instrument(tracer_provider=provider)

``instrument()`` is idempotent and ``uninstrument()`` restores every
original.  Pass ``handler="module.function"`` to wrap a handler other than
the one the environment names, or ``handler=None`` to trace SDK calls only.

Limitations
-----------
Only synchronous botocore is patched; aiobotocore calls are not traced.
"""

from __future__ import annotations

import importlib
import logging
import os
from typing import Any, Collection

from opentelemetry import trace
from opentelemetry.instrumentation.instrumentor import BaseInstrumentor
from opentelemetry.instrumentation.utils import unwrap
from wrapt import wrap_function_wrapper

from spot_otel.environment_variables import OTEL_INSTRUMENTATION_SPOT_TRACE_SDK, env_bool
from spot_otel.version import __version__

_logger = logging.getLogger(__name__)

ORIG_HANDLER = "ORIG_HANDLER"
_HANDLER = "_HANDLER"
FAST_PATH_HANDLER = "spot_otel.handler.lambda_handler"
"""What the exec wrapper puts in ``_HANDLER``; never wrapped itself."""

_UNSET = object()


class SpotInstrumentor(BaseInstrumentor):  # type: ignore[misc]
    """Instruments the Lambda handler and every botocore call."""

    _patched_handler: tuple[Any, str] | None = None
    _patched_botocore = False

    def instrumentation_dependencies(self) -> Collection[str]:
        return ("botocore >= 1.28",)

    def _instrument(self, **kwargs: Any) -> None:
        provider = kwargs.get("tracer_provider") or trace.get_tracer_provider()
        tracer = trace.get_tracer(
            "spot_otel",
            __version__,
            tracer_provider=provider,
            schema_url="https://opentelemetry.io/schemas/1.11.0",
        )

        from spot_otel.instrumentation.contrib import take_over_contrib

        take_over_contrib()

        if env_bool(OTEL_INSTRUMENTATION_SPOT_TRACE_SDK, True):
            from spot_otel.instrumentation.botocore import BotocoreTracer

            self._botocore_tracer = BotocoreTracer(tracer)
            wrap_function_wrapper(
                "botocore.client", "BaseClient._make_api_call", self._botocore_tracer
            )
            type(self)._patched_botocore = True

        handler = kwargs.get("handler", _UNSET)
        if handler is _UNSET:
            handler = _handler_from_environment()
        if handler:
            self._wrap_handler(str(handler), tracer, provider)

    def _uninstrument(self, **kwargs: Any) -> None:
        cls = type(self)
        if cls._patched_botocore:
            import botocore.client

            unwrap(botocore.client.BaseClient, "_make_api_call")
            cls._patched_botocore = False
        if cls._patched_handler is not None:
            module, name = cls._patched_handler
            unwrap(module, name)
            cls._patched_handler = None

    def _wrap_handler(self, handler: str, tracer: trace.Tracer, provider: Any) -> None:
        from spot_otel.instrumentation.handler import HandlerTracer

        module_name, _, function_name = handler.rpartition(".")
        if not module_name or not function_name:
            _logger.warning("handler %r is not MODULE.FUNCTION; not wrapped", handler)
            return

        # Lambda accepts path-style handlers ("dir/module.fn"); so do we.
        module = importlib.import_module(module_name.replace("/", "."))
        wrap_function_wrapper(module, function_name, HandlerTracer(tracer, provider))
        type(self)._patched_handler = (module, function_name)
        _logger.debug("wrapped handler %s", handler)


def _handler_from_environment() -> str | None:
    handler = os.environ.get(ORIG_HANDLER) or os.environ.get(_HANDLER)
    if not handler or handler == FAST_PATH_HANDLER:
        return None
    return handler


__all__ = ["SpotInstrumentor"]
