"""The one batching writer behind the sink: BatchWriteItem, 25 items a call.

A write gets a deadline and never raises.  Unprocessed items, throttling and
5xx answers are retried with exponential backoff and full jitter until the
deadline; what is still unwritten comes back to the caller, which drops it
with :meth:`BatchWriter.drop` (counted, one warning per flush) or keeps it for
the next flush.

The boto3 client is made on first use, ideally on the processor's background
thread, and is flagged untraced; every call also runs under OTel's
suppress-instrumentation key, in whatever thread writes, so the sink never
traces or records its own writes.  botocore's own retries are off (this
writer owns retrying) and its connect and read timeouts are a quarter of the
flush budget, so an endpoint that is down or hangs cannot hold a flush far
past its budget.

Limitations: a flush asked to finish sooner than a quarter of the budget can
still wait one such timeout on a hanging endpoint; a client passed in by the
user keeps its own timeouts and retries.
"""

from __future__ import annotations

import logging
import math
import random
import threading
import time
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any, Mapping, Sequence

from opentelemetry.instrumentation.utils import suppress_instrumentation

from spot_otel import records
from spot_otel.aws import mark_untraced, untraced_client
from spot_otel.table import error_code, is_access_denied, missing_table_hint, one_line
from spot_otel_exporter._config import SinkConfig
from spot_otel_exporter._fork import reset_after_fork

_logger = logging.getLogger(__name__)

TypedItem = dict[str, Any]
"""An item in DynamoDB's typed JSON form (``{"ts": {"N": "1"}}``)."""

_CHUNK = 25
"""BatchWriteItem's limit on items per call."""
_BACKOFF_BASE_S = 0.02
_BACKOFF_CAP_S = 0.5
_ATTEMPTS_PER_BUDGET = 20
"""The backoff cap is at most the flush budget over this, so a flush on a
throttled table keeps making attempts: with the default 2 s budget a 0.5 s
cap left room for about ten, and with half the items refused the last item
of a flush was sometimes still unwritten at the deadline
(tests/faults/test_throttling.py)."""
_MIN_RETRY_ROOM_S = 0.005
_THROTTLING_CODES = frozenset(
    {
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "RequestLimitExceeded",
        "Throttling",
        "InternalServerError",
        "ServiceUnavailable",
    }
)
# DynamoDB's number range; anything else goes in as text.
_MAX_NUMBER = Decimal("9.9999999999999999999999999999999999999E+125")
_MIN_NUMBER = Decimal("1E-130")


@dataclass(frozen=True)
class WriterStats:
    """Counters since the writer was made (or the process forked)."""

    written: int = 0
    """Items DynamoDB accepted."""
    dropped: int = 0
    """Items given up on, for any reason."""
    retries: int = 0
    """Chunks sent again after throttling, unprocessed items or a timeout."""
    round_trips: int = 0
    """BatchWriteItem calls made."""
    dropped_link_keys: int = 0
    """Link keys past ``OTEL_EXPORTER_SPOTFNS_MAX_LINK_KEYS``, not indexed."""


@dataclass(frozen=True)
class WriteOutcome:
    """What one :meth:`BatchWriter.write` achieved."""

    written: int
    unwritten: list[TypedItem]
    reason: str | None = None
    """Why the last items were not written, for the drop warning; None when
    the deadline came before any attempt."""

    @property
    def complete(self) -> bool:
        return not self.unwritten


@dataclass
class _Sent:
    written: int = 0
    retry: list[TypedItem] | None = None
    failed: list[TypedItem] | None = None
    reason: str | None = None
    stop: bool = False
    unreachable: bool = False


class BatchWriter:
    """Writes typed items to the spotFns table; thread-safe, fork-safe."""

    def __init__(self, config: SinkConfig, client: Any | None = None) -> None:
        self._config = config
        self._given_client = mark_untraced(client) if client is not None else None
        self._attempt_timeout_s = min(5.0, max(0.05, config.flush_budget_ms / 4000))
        self._backoff_cap_s = min(
            _BACKOFF_CAP_S,
            max(_BACKOFF_BASE_S, config.flush_budget_ms / 1000 / _ATTEMPTS_PER_BUDGET),
        )
        self._reset()
        reset_after_fork(self, BatchWriter._reset)

    def _reset(self) -> None:
        self._client = self._given_client
        self._client_lock = threading.Lock()
        self._stats_lock = threading.Lock()
        self._stats = WriterStats()
        self._unreachable = False
        self._table_lock = threading.Lock()
        self._table_created: bool | None = None

    @property
    def config(self) -> SinkConfig:
        return self._config

    @property
    def stats(self) -> WriterStats:
        return self._stats

    def client(self) -> Any:
        """The DynamoDB client, made on first use (slow: tens of ms)."""
        client = self._client
        if client is not None:
            return client
        with self._client_lock:
            if self._client is None:
                self._client = self._new_client()
            return self._client

    def _new_client(self) -> Any:
        from botocore.config import Config  # deferred: import cost at cold start

        timeout = self._attempt_timeout_s
        config = Config(
            connect_timeout=timeout,
            read_timeout=timeout,
            retries={"total_max_attempts": 1, "mode": "standard"},
            # Items are built by the record format and TypeSerializer, never by
            # hand: validating them again would only cost flush time (about half).
            parameter_validation=False,
        )
        return untraced_client("dynamodb", region_name=self._config.region, config=config)

    # -- Writing ------------------------------------------------------------------

    def write(self, items: Sequence[TypedItem], deadline: float) -> WriteOutcome:
        """Write ``items`` before ``deadline`` (``time.monotonic()`` seconds).

        Never raises; what is not written is returned for the caller to keep
        or :meth:`drop`.
        """
        try:
            with suppress_instrumentation():
                return self._write(_unique(items), deadline)
        except Exception as exc:  # noqa: BLE001 - the sink never raises
            _logger.debug("spotFns write failed", exc_info=True)
            return WriteOutcome(0, list(items), f"internal error: {type(exc).__name__}")

    def _write(self, pending: list[TypedItem], deadline: float) -> WriteOutcome:
        if not pending:
            return WriteOutcome(0, [])
        try:
            client = self.client()
        except Exception as exc:  # noqa: BLE001
            return WriteOutcome(0, pending, f"cannot make a DynamoDB client: {exc}")

        written = 0
        reason: str | None = None
        failed: list[TypedItem] = []
        # While the endpoint is known to be unreachable, each write makes one
        # pass: a function must not pay the whole budget on every invocation.
        single_pass = self._unreachable
        attempt = 0
        while True:
            retry: list[TypedItem] = []
            stop = unreachable = False
            for start in range(0, len(pending), _CHUNK):
                chunk = pending[start : start + _CHUNK]
                if stop or time.monotonic() >= deadline:
                    failed.extend(chunk)
                    continue
                if unreachable:
                    # One refused or timed-out connection per pass is enough:
                    # the rest wait for the backoff instead of each trying.
                    retry.extend(chunk)
                    continue
                sent = self._send(client, chunk, deadline)
                written += sent.written
                retry.extend(sent.retry or ())
                failed.extend(sent.failed or ())
                reason = sent.reason or reason
                stop = stop or sent.stop
                unreachable = unreachable or sent.unreachable

            if stop or not retry:
                return WriteOutcome(written, failed + retry, reason)

            attempt += 1
            delay = self._backoff(attempt, deadline, unreachable)
            if single_pass or delay is None:
                return WriteOutcome(written, failed + retry, reason)
            time.sleep(delay)
            self._count(retries=math.ceil(len(retry) / _CHUNK))
            pending = retry

    def _backoff(self, attempt: int, deadline: float, unreachable: bool) -> float | None:
        """Seconds to sleep before the next attempt, or None if no attempt
        fits before ``deadline``.  After a timeout or refused connection the
        next attempt must leave room for a whole attempt timeout."""
        room = self._attempt_timeout_s if unreachable else _MIN_RETRY_ROOM_S
        delay = random.uniform(0, min(self._backoff_cap_s, _BACKOFF_BASE_S * 2**attempt))
        spare = deadline - time.monotonic() - room
        if spare <= 0:
            return None
        return min(delay, spare)

    def _send(self, client: Any, chunk: list[TypedItem], deadline: float) -> _Sent:
        from botocore import exceptions as botocore_errors

        table = self._config.table
        request = {table: [{"PutRequest": {"Item": item}} for item in chunk]}
        self._count(round_trips=1)
        try:
            response = client.batch_write_item(RequestItems=request)
        except (botocore_errors.ConnectionError, botocore_errors.HTTPClientError) as exc:
            self._unreachable = True
            return _Sent(
                retry=chunk,
                reason=f"DynamoDB endpoint unreachable ({type(exc).__name__})",
                unreachable=True,
            )
        except botocore_errors.BotoCoreError as exc:
            # A request botocore would not send (a bad item, say) spoils its
            # chunk only: the other chunks still go.
            return _Sent(failed=chunk, reason=one_line(exc))
        except Exception as exc:  # noqa: BLE001 - a ClientError, or worse
            return self._client_error(client, chunk, exc, deadline)

        self._unreachable = False
        unprocessed = [
            entry["PutRequest"]["Item"]
            for entry in (response.get("UnprocessedItems") or {}).get(table, ())
            if "PutRequest" in entry
        ]
        written = len(chunk) - len(unprocessed)
        self._count(written=written)
        return _Sent(
            written=written,
            retry=unprocessed,
            reason="unprocessed items (throttled)" if unprocessed else None,
        )

    def _client_error(
        self, client: Any, chunk: list[TypedItem], exc: Exception, deadline: float
    ) -> _Sent:
        self._unreachable = False
        code = error_code(exc)
        response = getattr(exc, "response", None) or {}
        status = int(response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
        if code in _THROTTLING_CODES or status >= 500:
            return _Sent(retry=chunk, reason=f"throttled ({code or status})")
        if code == "ResourceNotFoundException":
            return self._missing_table(client, chunk, deadline)
        if is_access_denied(exc):
            return _Sent(
                failed=chunk,
                stop=True,
                reason=(
                    f"access denied: dynamodb:BatchWriteItem on table "
                    f"{self._config.table!r} is not allowed ({code})"
                ),
            )
        if not code:
            _logger.debug("unexpected error from BatchWriteItem", exc_info=True)
            return _Sent(failed=chunk, reason=f"{type(exc).__name__}")
        return _Sent(failed=chunk, reason=one_line(exc))

    def _missing_table(
        self, client: Any, chunk: list[TypedItem], deadline: float
    ) -> _Sent:
        table = self._config.table
        if not self._config.create_table:
            return _Sent(
                failed=chunk,
                stop=True,
                reason=missing_table_hint(table, self._config.region),
            )
        if self._create_table(client, deadline):
            return _Sent(retry=chunk, reason=f"table {table!r} was just created")
        return _Sent(
            failed=chunk,
            stop=True,
            reason=f"table {table!r} is being created; dropped until it is ACTIVE",
        )

    def _create_table(self, client: Any, deadline: float) -> bool:
        """Create the table once per process (OTEL_EXPORTER_SPOTFNS_CREATE_TABLE)."""
        from spot_otel.table import TableError, create_table

        with self._table_lock:
            if self._table_created is None:
                try:
                    state = create_table(
                        client,
                        self._config.table,
                        ttl=self._config.ttl_days > 0,
                        stream=False,
                        wait_seconds=max(0.0, deadline - time.monotonic()),
                    )
                    self._table_created = state.is_active
                    _logger.info(
                        "created the spotFns table %r in %s (%s)",
                        state.name,
                        self._config.region,
                        state.status,
                    )
                except TableError as exc:
                    self._table_created = False
                    _logger.warning("cannot create the spotFns table: %s", exc)
            if not self._table_created:
                # Look again: the table may have become ACTIVE since.
                self._table_created = _is_active(client, self._config.table)
            return bool(self._table_created)

    # -- Dropping and counting -------------------------------------------------------

    def drop(self, count: int, reason: str | None) -> None:
        """Give up on ``count`` items: count them and log one warning."""
        if count <= 0:
            return
        self._count(dropped=count)
        _logger.warning(
            "dropped %d spotFns record(s) for table %r: %s",
            count,
            self._config.table,
            reason or "flush budget spent",
        )

    def _count(self, **increments: int) -> None:
        with self._stats_lock:
            current = self._stats
            self._stats = replace(
                current,
                **{name: getattr(current, name) + n for name, n in increments.items()},
            )


# -- Typed items --------------------------------------------------------------------


def typed_items(batch: Sequence[records.Record]) -> list[TypedItem]:
    """Records as typed items, ready for :meth:`BatchWriter.write`."""
    return [typed_item(records.to_item(record)) for record in batch]


def typed_item(item: Mapping[str, Any]) -> TypedItem:
    """A plain item (:func:`spot_otel.records.to_item`) in DynamoDB's typed form.

    Written here rather than with boto3's TypeSerializer, so the hot path
    never imports boto3; the values are the few types a record holds.
    """
    return {name: _typed(value) for name, value in item.items()}


def _typed(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        return {"S": _encodable(value)}
    if isinstance(value, bool):
        return {"BOOL": value}
    if isinstance(value, (int, float, Decimal)):
        return _typed_number(value)
    if value is None:
        return {"NULL": True}
    if isinstance(value, Mapping):
        return {
            "M": {_encodable(str(name)): _typed(inner) for name, inner in value.items()}
        }
    if isinstance(value, (list, tuple)):
        return {"L": [_typed(inner) for inner in value]}
    return {"S": str(value)}


def _encodable(text: str) -> str:
    """``text`` as UTF-8 can carry it.  JSON escapes can put a lone surrogate
    into an event, and from there into an id or a field; botocore cannot
    encode one, and the whole BatchWriteItem would fail.  It becomes U+FFFD
    (a pair of surrogates becomes the character it stands for)."""
    if text.isascii():
        return text
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return text


def _typed_number(value: int | float | Decimal) -> dict[str, Any]:
    if isinstance(value, float) and not math.isfinite(value):
        return {"S": str(value)}
    number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    magnitude = abs(number)
    if number != 0 and not (_MIN_NUMBER <= magnitude <= _MAX_NUMBER):
        return {"S": str(value)}
    if len(number.as_tuple().digits) > 38:
        return {"S": str(value)}
    return {"N": str(number)}


def _unique(items: Sequence[TypedItem]) -> list[TypedItem]:
    """One item per ``requestID`` (a batch may not hold a key twice); last wins."""
    by_key: dict[str, TypedItem] = {}
    for item in items:
        key = item.get(records.PARTITION_KEY, {}).get("S", "")
        by_key.pop(key, None)
        by_key[key] = item
    return list(by_key.values())


def _is_active(client: Any, table: str) -> bool:
    try:
        description = client.describe_table(TableName=table)["Table"]
    except Exception:  # noqa: BLE001
        return False
    return description.get("TableStatus") == "ACTIVE"
