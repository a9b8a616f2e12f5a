"""SpotInstrumentor: spot-otel's instrumentation as an OTel ``BaseInstrumentor``.

This is what ``opentelemetry-instrument`` loads through the
``opentelemetry_instrumentor`` entry point and what code calls.  The work is
in :mod:`spot_otel.instrumentation.patching`, which the exec wrapper's fast
path also calls without this class; the patches' state there is the one
truth, so the instrumentor reports as instrumented whichever way the patches
went on, and ``uninstrument()`` undoes them either way.
"""

from __future__ import annotations

from typing import Any, Collection

from opentelemetry.instrumentation.instrumentor import BaseInstrumentor

from spot_otel.instrumentation import patching


class SpotInstrumentor(BaseInstrumentor):  # type: ignore[misc]
    """Instruments the Lambda handler and every botocore call."""

    # BaseInstrumentor reads and writes this flag around _instrument and
    # _uninstrument; it is read from the patches' state instead, so the fast
    # path (which never makes an instrumentor) and this class agree.
    @property  # type: ignore[override]
    def _is_instrumented_by_opentelemetry(self) -> bool:
        return patching.is_instrumented()

    @_is_instrumented_by_opentelemetry.setter
    def _is_instrumented_by_opentelemetry(self, value: bool) -> None:
        """Ignored: :mod:`~spot_otel.instrumentation.patching` keeps the state."""

    def instrumentation_dependencies(self) -> Collection[str]:
        return ("botocore >= 1.28",)

    def _instrument(self, **kwargs: Any) -> None:
        patching.instrument(
            kwargs.get("tracer_provider"),
            kwargs.get("handler", patching.FROM_ENVIRONMENT),
        )

    def _uninstrument(self, **kwargs: Any) -> None:
        patching.uninstrument()
