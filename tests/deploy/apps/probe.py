"""A plain Lambda handler that says where Python found the tracing code the
function runs with: the files of spot_otel, OpenTelemetry's SDK and wrapt."""

from __future__ import annotations

import sys
from typing import Any

_MODULES = ("spot_otel", "spot_otel_exporter", "opentelemetry.sdk.trace", "wrapt")


def handler(event: Any, context: Any) -> dict[str, Any]:
    return {
        name: getattr(sys.modules.get(name), "__file__", None) for name in _MODULES
    }
