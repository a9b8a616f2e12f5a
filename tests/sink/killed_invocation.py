"""A function process that starts an invocation and is then killed.

Run by test_killed_process.py as ``python killed_invocation.py TABLE
REQUEST_ID``, with ``AWS_ENDPOINT_URL_DYNAMODB`` pointing at a moto server.
It starts the invocation span the way the handler instrumentation does,
prints the entry's requestID and waits to be killed; it never ends the span
or flushes.
"""

from __future__ import annotations

import sys
import time

from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.trace import SpanKind

from spot_otel_exporter import SpotFnsSpanProcessor


def main(table: str, request_id: str) -> None:
    provider = TracerProvider()
    provider.add_span_processor(SpotFnsSpanProcessor(table=table))
    span = provider.get_tracer("killed").start_span(
        "orders",
        kind=SpanKind.SERVER,
        attributes={
            "spot.role": "invocation",
            "faas.invocation_id": request_id,
            "cloud.resource_id": "arn:aws:lambda:us-east-1:123456789012:function:orders",
            "spot.trigger": "apigateway",
        },
    )
    print(f"{request_id}:entry{span.get_span_context().span_id:016x}", flush=True)
    time.sleep(120)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
