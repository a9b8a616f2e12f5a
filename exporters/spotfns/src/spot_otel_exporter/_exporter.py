"""SpotFnsSpanExporter: ended spans to spotFns, synchronously.

This is what ``OTEL_TRACES_EXPORTER=spotfns`` names.  On its own (behind any
span processor) it sees spans only when they end, so an invocation's entry
record is written together with its exit record; wrapped in
:class:`spot_otel_exporter.SpotFnsSpanProcessor`, which the spot-otel
configurator does, entry records are written as invocations start.
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from typing import Any, Sequence

from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExporter, SpanExportResult

from spot_otel_exporter._config import SinkConfig
from spot_otel_exporter._span_records import SpanRecords
from spot_otel_exporter._writer import BatchWriter, WriterStats, typed_items

_logger = logging.getLogger(__name__)


class SpotFnsSpanExporter(SpanExporter):
    """Writes spans as spotFns records through one :class:`BatchWriter`.

    Every argument is optional; one left out is read from its environment
    variable (``OTEL_EXPORTER_SPOTFNS_TABLE``, ``_REGION``,
    ``_FLUSH_BUDGET_MS``, ``_TTL_DAYS``, ``_CREATE_TABLE``,
    ``_MAX_ATTRIBUTES``, ``_MAX_LINK_KEYS``), then defaulted.

    Args:
        table: the DynamoDB table, ``spotFns`` by default.
        region: the table's region.
        flush_budget_ms: most time one export may spend writing and retrying.
        ttl_days: days until a record expires; 0 keeps records.
        create_table: create the table if it is missing.
        max_attributes: most span attributes kept in a record's ``attrs``.
        max_link_keys: most link keys indexed per span.
        client: a boto3 DynamoDB client to use instead of a new one.  It is
            the sink's from then on: marked untraced, with its own timeouts
            and retries (keep botocore's retries low: the writer retries).
    """

    def __init__(
        self,
        *,
        table: str | None = None,
        region: str | None = None,
        flush_budget_ms: int | None = None,
        ttl_days: int | None = None,
        create_table: bool | None = None,
        max_attributes: int | None = None,
        max_link_keys: int | None = None,
        client: Any | None = None,
    ) -> None:
        self._config = SinkConfig.resolve(
            table=table,
            region=region,
            flush_budget_ms=flush_budget_ms,
            ttl_days=ttl_days,
            create_table=create_table,
            max_attributes=max_attributes,
            max_link_keys=max_link_keys,
        )
        self._writer = BatchWriter(self._config, client)
        self._records = SpanRecords(self._config)
        self._shut_down = False

    @property
    def config(self) -> SinkConfig:
        return self._config

    @property
    def writer(self) -> BatchWriter:
        """The writer, shared with a processor built around this exporter."""
        return self._writer

    @property
    def stats(self) -> WriterStats:
        """Records written, dropped and retried by this exporter's writer."""
        return replace(
            self._writer.stats, dropped_link_keys=self._records.dropped_link_keys
        )

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        """Write the records of ``spans`` within the flush budget; never raises."""
        if self._shut_down:
            _logger.debug("export after shutdown: %d spans ignored", len(spans))
            return SpanExportResult.FAILURE
        try:
            items = typed_items(self._records.batch(spans))
            if not items:
                return SpanExportResult.SUCCESS

            deadline = time.monotonic() + self._config.flush_budget_ms / 1000
            outcome = self._writer.write(items, deadline)
            if outcome.complete:
                return SpanExportResult.SUCCESS
            self._writer.drop(len(outcome.unwritten), outcome.reason)
        except Exception:  # noqa: BLE001 - the sink never raises
            _logger.debug("exporting %d spans failed", len(spans), exc_info=True)
        return SpanExportResult.FAILURE

    def shutdown(self) -> None:
        self._shut_down = True

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        """Nothing is held between exports: always True."""
        return True
