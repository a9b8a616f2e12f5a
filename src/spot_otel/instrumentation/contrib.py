"""One picture when OTel contrib's Lambda or botocore instrumentation is active too.

Both would trace what spot-otel traces, and the result is two spans per
invocation and per SDK call, only one of which carries the causal links.
spot-otel's spans keep the conventions' attributes, so when contrib is
active spot-otel switches it off, says so once in the log, and goes on
alone.  This runs from the instrumentor and, under ``opentelemetry-instrument``,
again after every instrumentor has loaded (the ``opentelemetry_post_instrument``
entry point), whatever order the entry points came in.

Inside a spot-otel SDK span any remaining contrib botocore wrapper is quiet
anyway: the wrapped call runs under the suppress-instrumentation key.
"""

from __future__ import annotations

import logging
import sys

_logger = logging.getLogger(__name__)

# module that holds the instrumentor -> class name
_CONTRIB = {
    "opentelemetry.instrumentation.aws_lambda": "AwsLambdaInstrumentor",
    "opentelemetry.instrumentation.botocore": "BotocoreInstrumentor",
}


def take_over_contrib() -> list[str]:
    """Uninstrument active contrib instrumentors that duplicate ours; returns
    the names of those switched off."""
    switched_off: list[str] = []
    for module_name, class_name in _CONTRIB.items():
        # Never import contrib here: if it is not imported, it is not active.
        module = sys.modules.get(module_name)
        instrumentor_class = getattr(module, class_name, None)
        if instrumentor_class is None:
            continue

        instrumentor = instrumentor_class()
        if not instrumentor.is_instrumented_by_opentelemetry:
            continue

        try:
            instrumentor.uninstrument()
        except Exception:  # noqa: BLE001 - contrib's failure is not the user's
            _logger.warning("could not switch off %s", class_name, exc_info=True)
            continue

        switched_off.append(class_name)
        _logger.warning(
            "%s was also active; spot-otel switched it off to avoid duplicate "
            "spans (its spans carry no causal links). Set "
            "OTEL_PYTHON_DISABLED_INSTRUMENTATIONS to leave it out.",
            class_name,
        )
    return switched_off


def after_instrumentors() -> None:
    """The ``opentelemetry_post_instrument`` hook: once every instrumentor has
    loaded, switch contrib's duplicates off if spot-otel is active."""
    from spot_otel.instrumentation import patching

    if patching.is_instrumented():
        take_over_contrib()
