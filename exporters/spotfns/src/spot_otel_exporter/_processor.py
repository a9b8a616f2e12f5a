"""SpotFnsSpanProcessor: begin records as invocations start, the rest at flush.

The processor is the sink proper.  When an invocation span starts, its entry
record goes to a background thread that writes it at once, so an invocation
killed mid-way (timeout, out of memory, crash) still shows as begun; the
handler does not wait for that write.  Ended spans are only buffered.
:meth:`SpotFnsSpanProcessor.force_flush`, which the handler wrapper calls
before the result goes back, writes the buffer in as few BatchWriteItem calls
as possible (for an invocation with up to 24 SDK calls and no retries, exactly
one round trip) and makes sure the entry write has finished too.

How the work is shared out, and why:

* The background thread also makes the boto3 client (tens of ms) the first
  time, off the handler's critical path.
* An entry record the thread has not picked up yet when a flush begins (it is
  still making the client, say) is taken into the flush's own batch: one round
  trip instead of two.  One the thread is writing already is not waited for
  before the flush's own write, only after it.
* Items the background thread could not write come back to the buffer for the
  flush to retry, and to drop and report once if it cannot either.
* Past 200 buffered records the buffer is handed to the background thread
  before the flush, so a long invocation does not pile up one long flush.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import replace
from typing import Any

from opentelemetry.context import Context
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor

from spot_otel_exporter._config import SinkConfig
from spot_otel_exporter._exporter import SpotFnsSpanExporter
from spot_otel_exporter._fork import reset_after_fork
from spot_otel_exporter._span_records import SpanRecords
from spot_otel_exporter._writer import BatchWriter, TypedItem, WriterStats, typed_items

_logger = logging.getLogger(__name__)

_BACKGROUND_THRESHOLD = 200
"""Buffered records past which the background thread starts writing them."""
_MAX_HELD = 10_000
"""Records held at most; the oldest are dropped past it (no flush is coming)."""


class SpotFnsSpanProcessor(SpanProcessor):
    """Persists spans into spotFns: entry records at once, the rest at flush.

    Build it around a :class:`SpotFnsSpanExporter` to share its settings and
    writer (keyword arguments are then ignored), or alone with the keyword
    arguments the exporter takes, each defaulting to its environment
    variable.  Nothing it does raises.
    """

    def __init__(
        self, exporter: SpotFnsSpanExporter | None = None, **settings: Any
    ) -> None:
        """``settings`` are :class:`SpotFnsSpanExporter`'s keyword arguments."""
        if exporter is None:
            exporter = SpotFnsSpanExporter(**settings)
        elif settings:
            _logger.warning("settings given beside an exporter are ignored")
        self._exporter = exporter
        self._config = exporter.config
        self._writer = exporter.writer
        self._records = SpanRecords(self._config)
        self._reset()
        reset_after_fork(self, SpotFnsSpanProcessor._reset)
        # Make the DynamoDB client now, off the caller's thread: in Lambda
        # this lands in the init phase, which runs at full CPU, and the first
        # entry record no longer waits tens of milliseconds for it.
        self._ensure_worker()

    def _reset(self) -> None:
        self._cond = threading.Condition()
        self._urgent: list[TypedItem] = []
        self._buffer: list[TypedItem] = []
        self._in_flight = False
        self._background_reason: str | None = None
        self._worker: threading.Thread | None = None
        self._stopping = False
        self._shut_down = False
        self._resume_at = 0.0
        self._records.forget_all()

    @property
    def config(self) -> SinkConfig:
        return self._config

    @property
    def writer(self) -> BatchWriter:
        return self._writer

    @property
    def stats(self) -> WriterStats:
        """Records written, dropped and retried, and link keys not indexed."""
        return replace(
            self._writer.stats, dropped_link_keys=self._records.dropped_link_keys
        )

    # -- Span lifecycle -------------------------------------------------------------

    def on_start(self, span: Span, parent_context: Context | None = None) -> None:
        if self._shut_down:
            return
        try:
            entry = self._records.started(span)
            if entry:
                self._hold(typed_items(entry), urgent=True)
        except Exception:  # noqa: BLE001 - never into the user's code
            _logger.debug("recording a span start failed", exc_info=True)

    def on_end(self, span: ReadableSpan) -> None:
        if self._shut_down:
            return
        try:
            ended = self._records.ended(span)
            if ended:
                self._hold(typed_items(ended), urgent=False)
        except Exception:  # noqa: BLE001 - never into the user's code
            _logger.debug("recording a span end failed", exc_info=True)

    def _hold(self, items: list[TypedItem], *, urgent: bool) -> None:
        """Keep ``items`` for the background thread (``urgent``) or the flush."""
        hand_over = urgent
        with self._cond:
            if urgent:
                self._urgent.extend(items)
            else:
                self._buffer.extend(items)
                if len(self._buffer) >= _BACKGROUND_THRESHOLD:
                    self._urgent.extend(self._buffer)
                    self._buffer = []
                    hand_over = True
            dropped = self._trim_locked()
            if hand_over:
                self._cond.notify_all()
        if dropped:
            self._writer.drop(dropped, "too many records held without a flush")
        if hand_over:
            self._ensure_worker()

    def _trim_locked(self) -> int:
        """Drop the oldest held records past :data:`_MAX_HELD`; how many."""
        excess = len(self._urgent) + len(self._buffer) - _MAX_HELD
        if excess <= 0:
            return 0
        from_urgent = min(excess, len(self._urgent))
        del self._urgent[:from_urgent]
        del self._buffer[: excess - from_urgent]
        return excess

    # -- Flushing -------------------------------------------------------------------

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        """Write everything held, within ``min(timeout_millis, budget)``.

        Returns True when every record is in the table.  What could not be
        written is dropped, counted in :attr:`stats` and reported in one
        warning.
        """
        try:
            return self._flush(timeout_millis)
        except Exception:  # noqa: BLE001 - never into the user's code
            _logger.debug("flush failed", exc_info=True)
            return False

    def _flush(self, timeout_millis: int | None) -> bool:
        window_ms = self._config.flush_budget_ms
        if timeout_millis is not None:
            window_ms = max(0, min(window_ms, timeout_millis))
        deadline = time.monotonic() + window_ms / 1000

        # Entries the thread has not picked up yet ride in this batch; one it
        # is writing now is not waited for first, but alongside.
        unwritten, reason = self._write(self._take_held(), deadline)

        with self._cond:
            while self._in_flight:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._cond.wait(remaining)
            still_in_flight = self._in_flight
            background_reason = self._background_reason
            self._background_reason = None

        # What the thread could not write came back to the buffer: one more try.
        late, late_reason = self._write(self._take_held(), deadline)
        unwritten += late
        if unwritten:
            self._writer.drop(unwritten, reason or late_reason or background_reason)
        return not unwritten and not still_in_flight

    def _take_held(self) -> list[TypedItem]:
        with self._cond:
            items = self._urgent + self._buffer
            self._urgent = []
            self._buffer = []
        return items

    def _write(self, items: list[TypedItem], deadline: float) -> tuple[int, str | None]:
        """Write ``items``; how many were not written, and why."""
        if not items:
            return 0, None
        outcome = self._writer.write(items, deadline)
        return len(outcome.unwritten), outcome.reason

    def shutdown(self) -> None:
        """Flush, stop the background thread, shut the exporter down."""
        if self._shut_down:
            return
        self.force_flush(self._config.flush_budget_ms)
        self._shut_down = True
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        worker = self._worker
        if worker is not None and worker is not threading.current_thread():
            worker.join(self._config.flush_budget_ms / 1000)
        if self._exporter is not None:
            self._exporter.shutdown()

    # -- Background thread --------------------------------------------------------

    def _rest_s(self) -> float:
        """How long the thread waits after a failed pass: one flush budget,
        at least a second."""
        return max(1.0, self._config.flush_budget_ms / 1000)

    def _ensure_worker(self) -> None:
        with self._cond:
            if self._worker is not None or self._stopping:
                return
            worker = self._worker = threading.Thread(
                target=self._work, name="spot-otel-spotfns", daemon=True
            )
        worker.start()

    def _make_client(self) -> None:
        try:
            self._writer.client()
        except Exception:  # noqa: BLE001 - the next write reports it
            _logger.debug("making the DynamoDB client failed", exc_info=True)

    def _work(self) -> None:
        self._make_client()
        while True:
            with self._cond:
                while not self._urgent and not self._stopping:
                    self._cond.wait()
                if not self._urgent:
                    return
                # After a failed pass the thread rests: a table that cannot be
                # written must not cost a write attempt per span.  Flushes
                # still take what is held meanwhile.
                rest = self._resume_at - time.monotonic()
                if rest > 0 and not self._stopping:
                    self._cond.wait(rest)
                    continue

            self._make_client()

            with self._cond:
                batch = self._urgent
                self._urgent = []
                self._in_flight = bool(batch)
            if not batch:
                continue

            unwritten = batch
            reason: str | None = "internal error"
            try:
                deadline = time.monotonic() + self._config.flush_budget_ms / 1000
                outcome = self._writer.write(batch, deadline)
                unwritten, reason = outcome.unwritten, outcome.reason
            finally:
                with self._cond:
                    self._in_flight = False
                    if unwritten:
                        # The next flush retries them, and reports them if it
                        # must drop them.
                        self._buffer[:0] = unwritten
                        self._background_reason = reason
                        self._resume_at = time.monotonic() + self._rest_s()
                    else:
                        self._resume_at = 0.0
                    self._cond.notify_all()
