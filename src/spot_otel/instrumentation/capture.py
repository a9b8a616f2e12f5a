"""Opt-in capture of payloads: events and request parameters on spans.

Off by default: spans then carry ids, names and key digests only.  With
``OTEL_INSTRUMENTATION_SPOT_CAPTURE_PAYLOADS=true`` the invocation span gets
the event (``spot.event``) and each SDK call span its request parameters
(``spot.request``), as JSON cut to a few kilobytes.  Whatever a span carries
may reach spotFns' attribute map, so turn it on only where the data may be
stored.
"""

from __future__ import annotations

import json
from typing import Any

from spot_otel.environment_variables import (
    OTEL_INSTRUMENTATION_SPOT_CAPTURE_PAYLOADS,
    env_bool,
)

EVENT_ATTRIBUTE = "spot.event"
REQUEST_ATTRIBUTE = "spot.request"
_LIMIT = 4096
_MARKER = "...[truncated]"


def capture_enabled() -> bool:
    return env_bool(OTEL_INSTRUMENTATION_SPOT_CAPTURE_PAYLOADS, False)


def as_text(value: Any) -> str:
    """``value`` as JSON (bytes and other objects by their ``str``), cut."""
    text = json.dumps(value, default=_fallback, ensure_ascii=False)
    if len(text) > _LIMIT:
        return text[: _LIMIT - len(_MARKER)] + _MARKER
    return text


def _fallback(value: Any) -> str:
    if isinstance(value, (bytes, bytearray)):
        return bytes(value[:_LIMIT]).decode("utf-8", "replace")
    return str(value)[:_LIMIT]
