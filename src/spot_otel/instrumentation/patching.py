"""What instrumenting means: the patches on botocore and on the handler.

Both :class:`~spot_otel.instrumentation.SpotInstrumentor` and the exec
wrapper's fast path (:mod:`spot_otel.tracing_setup`) come here.  The fast
path calls :func:`instrument` directly, so a cold start never imports OTel's
``BaseInstrumentor`` (with its dependency checker and semantic-convention
tables, tens of milliseconds); the instrumentor delegates to the same
functions, and the state below is the one truth both read.
"""

from __future__ import annotations

import importlib
import logging
import os
from typing import Any

from opentelemetry import trace

from spot_otel.environment_variables import OTEL_INSTRUMENTATION_SPOT_TRACE_SDK, env_bool
from spot_otel.version import __version__

_logger = logging.getLogger(__name__)

ORIG_HANDLER = "ORIG_HANDLER"
_HANDLER = "_HANDLER"
FAST_PATH_HANDLER = "spot_otel.handler.lambda_handler"
"""What the exec wrapper puts in ``_HANDLER``; never wrapped itself."""

FROM_ENVIRONMENT: Any = object()
"""``handler`` default: wrap the handler ``ORIG_HANDLER`` or ``_HANDLER`` names."""

_SCHEMA_URL = "https://opentelemetry.io/schemas/1.11.0"


class _State:
    instrumented = False
    botocore_tracer: Any = None
    patched_handler: tuple[Any, str] | None = None


_state = _State()


def is_instrumented() -> bool:
    """True between :func:`instrument` and :func:`uninstrument`."""
    return _state.instrumented


def instrument(tracer_provider: Any = None, handler: Any = FROM_ENVIRONMENT) -> None:
    """Patch botocore (unless SDK tracing is off) and wrap ``handler``.

    ``handler`` is ``module.function``; None wraps no handler.  A second call
    before :func:`uninstrument` does nothing.
    """
    if _state.instrumented:
        _logger.debug("already instrumented")
        return

    provider = tracer_provider or trace.get_tracer_provider()
    tracer = trace.get_tracer(
        "spot_otel", __version__, tracer_provider=provider, schema_url=_SCHEMA_URL
    )

    from spot_otel.instrumentation.contrib import take_over_contrib

    take_over_contrib()

    if env_bool(OTEL_INSTRUMENTATION_SPOT_TRACE_SDK, True):
        _patch_botocore(tracer)
    # Instrumented from here: if the handler's module fails to import below,
    # the error goes on (Lambda reports it), and uninstrument() still undoes
    # the botocore patch.
    _state.instrumented = True

    if handler is FROM_ENVIRONMENT:
        handler = handler_from_environment()
    if handler:
        _wrap_handler(str(handler), tracer, provider)


def uninstrument() -> None:
    """Restore every original :func:`instrument` replaced."""
    from opentelemetry.instrumentation.utils import unwrap

    if _state.botocore_tracer is not None:
        import botocore.client

        unwrap(botocore.client.BaseClient, "_make_api_call")
        _state.botocore_tracer = None
    if _state.patched_handler is not None:
        module, name = _state.patched_handler
        unwrap(module, name)
        _state.patched_handler = None
    _state.instrumented = False


def handler_from_environment() -> str | None:
    """The user's handler as the environment names it; None for none, or for
    the fast path's own handler."""
    handler = os.environ.get(ORIG_HANDLER) or os.environ.get(_HANDLER)
    if not handler or handler == FAST_PATH_HANDLER:
        return None
    return handler


def _patch_botocore(tracer: trace.Tracer) -> None:
    from wrapt import wrap_function_wrapper

    from spot_otel.instrumentation.botocore import BotocoreTracer

    botocore_tracer = BotocoreTracer(tracer)
    wrap_function_wrapper("botocore.client", "BaseClient._make_api_call", botocore_tracer)
    _state.botocore_tracer = botocore_tracer


def _wrap_handler(handler: str, tracer: trace.Tracer, provider: Any) -> None:
    from wrapt import wrap_function_wrapper

    from spot_otel.instrumentation.handler import HandlerTracer

    module_name, _, function_name = handler.rpartition(".")
    if not module_name or not function_name:
        _logger.warning("handler %r is not MODULE.FUNCTION; not wrapped", handler)
        return

    # Lambda accepts path-style handlers ("dir/module.fn"); so do we.
    module = importlib.import_module(module_name.replace("/", "."))
    wrap_function_wrapper(module, function_name, HandlerTracer(tracer, provider))
    _state.patched_handler = (module, function_name)
    _logger.debug("wrapped handler %s", handler)
