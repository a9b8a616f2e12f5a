"""DynamoDB key attribute names, looked up once per table and never traced.

A PutItem request carries the whole item; which of its attributes form the
key only the table knows.  The lookup is a DescribeTable made through the
user's own client (same endpoint, region and credentials) under OTel's
suppress-instrumentation key, so it makes no span, and its answer, or its
failure, is cached for the life of the process.
"""

from __future__ import annotations

import logging
import threading
from typing import Any, Sequence

from opentelemetry.instrumentation.utils import suppress_instrumentation

from spot_otel.links import table_name

_logger = logging.getLogger(__name__)


class KeySchemaCache:
    def __init__(self) -> None:
        self._known: dict[tuple[str, str], tuple[str, ...] | None] = {}
        self._lock = threading.Lock()

    def lookup(self, client: Any, table: str) -> Sequence[str] | None:
        """Key attribute names of ``table`` (hash key first), or None."""
        name = table_name(table)
        cache_key = (str(getattr(client.meta, "endpoint_url", "")), name)
        if cache_key in self._known:
            return self._known[cache_key]

        schema = self._describe(client, table)
        with self._lock:
            self._known[cache_key] = schema
        return schema

    def clear(self) -> None:
        with self._lock:
            self._known.clear()

    @staticmethod
    def _describe(client: Any, table: str) -> tuple[str, ...] | None:
        try:
            with suppress_instrumentation():
                answer = client.describe_table(TableName=table)
        except Exception as exc:  # noqa: BLE001 - no link is better than a failure
            _logger.warning(
                "cannot read the key schema of table %s (%s); writes to it get "
                "no DynamoDB Streams link",
                table,
                type(exc).__name__,
            )
            return None

        elements = answer.get("Table", {}).get("KeySchema", [])
        ordered = sorted(elements, key=lambda e: e.get("KeyType") != "HASH")
        return tuple(e["AttributeName"] for e in ordered)
