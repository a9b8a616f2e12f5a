"""The spotFns sink: spans into DynamoDB in the SpotWrap/GammaRay record format.

Two pieces, sharing one batching writer:

* :class:`SpotFnsSpanProcessor`, the sink proper.  It writes an invocation's
  *entry* record the moment its span starts (on a background thread, so the
  handler does not wait), buffers the records of ended spans, and writes them
  on :meth:`~SpotFnsSpanProcessor.force_flush` in as few ``BatchWriteItem``
  calls as possible: one round trip per invocation for up to 24 SDK calls.
  An invocation that is killed mid-way still shows in the table as begun.
* :class:`SpotFnsSpanExporter`, the ``spotfns`` exporter that
  ``OTEL_TRACES_EXPORTER=spotfns`` selects.  Alone it sees spans only when
  they end, so it writes entry and exit records together.

Usage in code
-------------

.. code-block:: python

    from opentelemetry import trace
    from opentelemetry.sdk.trace import TracerProvider
    from spot_otel_exporter import SpotFnsSpanProcessor

    provider = TracerProvider()
    provider.add_span_processor(SpotFnsSpanProcessor(table="spotFns"))
    trace.set_tracer_provider(provider)

    # ... and before each invocation's result goes back to Lambda:
    provider.force_flush(2000)

spot-otel's handler instrumentation calls ``force_flush`` for you, before the
result goes back and again shortly before the invocation's deadline.

With opentelemetry-instrument
-----------------------------

.. code-block:: sh

    OTEL_TRACES_EXPORTER=spotfns \
        opentelemetry-instrument python -m awslambdaric app.handler

spot-otel's configurator builds the exporter and wraps it with
:func:`processor_for`, so entry records are written as invocations start.
Under another configurator the exporter still works, behind a
``BatchSpanProcessor``, but writes entry records only when invocations end.

Create the table once with ``spot-otel table create`` (``--table NAME`` for
another name, ``--ttl-days N`` for expiry, ``--stream`` for a stream).

Environment variables
---------------------

``OTEL_EXPORTER_SPOTFNS_TABLE``
    The table; default ``spotFns``.
``OTEL_EXPORTER_SPOTFNS_REGION``
    The table's region; default ``AWS_REGION``, then ``us-east-1``.
``OTEL_EXPORTER_SPOTFNS_FLUSH_BUDGET_MS``
    Most time one flush spends writing and retrying; default 2000.
``OTEL_EXPORTER_SPOTFNS_TTL_DAYS``
    Days until a record expires (the table needs TTL on ``expiresAt``);
    default 0, never.
``OTEL_EXPORTER_SPOTFNS_CREATE_TABLE``
    ``true`` lets the sink create a missing table; default ``false``.
``OTEL_EXPORTER_SPOTFNS_MAX_ATTRIBUTES``
    Most span attributes kept in a record's ``attrs`` map; default 64.
``OTEL_EXPORTER_SPOTFNS_MAX_LINK_KEYS``
    Most link keys indexed per span; default 256.

Explicit keyword arguments win over the variables.  Endpoints follow boto3's
``AWS_ENDPOINT_URL`` and ``AWS_ENDPOINT_URL_DYNAMODB``.

Failures
--------

Nothing here raises into the application.  Throttling, unprocessed items,
5xx answers and timeouts are retried with backoff inside the flush budget.
What is still unwritten is dropped, counted in ``stats.dropped`` and reported
in one warning per flush, with the reason: a missing table (and the command
that creates it), refused permissions, an unreachable endpoint.  The sink's
own DynamoDB calls are never traced.

Limitations
-----------

* Between flushes, records are held in memory (at most 10,000); a process
  that never flushes writes them only past 200 records or at shutdown.
* Under a plain ``BatchSpanProcessor``, spans that are not invocation or SDK
  call spans are recorded only when their invocation span ends in the same
  export batch.
"""

from __future__ import annotations

from opentelemetry.sdk.trace import SpanProcessor
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter

from spot_otel_exporter._exporter import SpotFnsSpanExporter
from spot_otel_exporter._processor import SpotFnsSpanProcessor
from spot_otel_exporter._writer import WriterStats

__all__ = [
    "SpotFnsSpanExporter",
    "SpotFnsSpanProcessor",
    "WriterStats",
    "processor_for",
]


def processor_for(exporter: SpanExporter) -> SpanProcessor:
    """The span processor to put around ``exporter``.

    A :class:`SpotFnsSpanExporter` gets a :class:`SpotFnsSpanProcessor`,
    which writes entry records as invocations start; any other exporter gets
    the SDK's ``BatchSpanProcessor``.
    """
    if isinstance(exporter, SpotFnsSpanExporter):
        return SpotFnsSpanProcessor(exporter)
    return BatchSpanProcessor(exporter)
