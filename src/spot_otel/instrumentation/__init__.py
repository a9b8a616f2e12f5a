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

from typing import TYPE_CHECKING, Any

# The handler variables' names, importable from here as before.
from spot_otel.instrumentation.patching import _HANDLER as _HANDLER
from spot_otel.instrumentation.patching import FAST_PATH_HANDLER as FAST_PATH_HANDLER
from spot_otel.instrumentation.patching import ORIG_HANDLER as ORIG_HANDLER

if TYPE_CHECKING:
    from spot_otel.instrumentation.instrumentor import SpotInstrumentor


def __getattr__(name: str) -> Any:
    # SpotInstrumentor is loaded on first use: its base class costs tens of ms
    # of imports that the exec wrapper's fast path does without.
    if name == "SpotInstrumentor":
        from spot_otel.instrumentation.instrumentor import SpotInstrumentor

        return SpotInstrumentor
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["SpotInstrumentor"]
