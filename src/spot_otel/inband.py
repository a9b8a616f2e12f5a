"""Where trace context travels in-band, shared by producers and consumers.

Producers (service extensions) write these carriers into requests; consumers
(trigger readers) read them back out of events.  Both sides import the names
from here so they cannot drift apart.  Imports nothing from the package.
"""

from __future__ import annotations

TRACEPARENT = "traceparent"
TRACESTATE = "tracestate"
XRAY_HEADER = "X-Amzn-Trace-Id"
SQS_XRAY_ATTRIBUTE = "AWSTraceHeader"

CALLER = "spot.caller"
"""The producing invocation's request id, SpotWrap's ``caller`` of a direct invoke."""

PAYLOAD_KEY = "_spot_otel"
"""Key added to JSON-object Invoke payloads: ``{"traceparent": ..., "spot.caller": ...}``.
Sync invokes also carry the same map in ``ClientContext.custom``."""

CLIENT_CONTEXT_LIMIT = 3583
"""Most bytes Lambda accepts in a base64-encoded ClientContext."""

MESSAGE_ATTRIBUTE_LIMIT = 10
"""Most message attributes SNS and SQS accept on one message."""
