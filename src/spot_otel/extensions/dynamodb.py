"""Amazon DynamoDB: item writes, linked to the stream records they cause.

A write is joined to its DynamoDB Streams record by table and key
attributes, digested by :func:`spot_otel.links.ddb_item_key` so key values
never appear in clear.  Updates and deletes name their key in the request;
a put names a whole item, so its key attributes come from the table's key
schema, looked up through ``key_schema`` (cached and untraced by the
caller).  The time of the write, which pairs repeated writes of one key
with their records, is stamped by the instrumentation, not here.

Item values never become span attributes.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import Binary
from opentelemetry.semconv._incubating.attributes import aws_attributes as aws
from opentelemetry.semconv.attributes import db_attributes as db

from spot_otel.extensions._fields import mapping, mappings
from spot_otel.extensions.types import (
    AttributeValue,
    KeySchemaLookup,
    SdkCall,
    ServiceExtension,
)
from spot_otel.links import Link, ddb_item_key, table_name

_logger = logging.getLogger(__name__)

# OTel's well-known db.system.name value (the incubating DbSystemNameValues
# module costs more to import than this one string is worth).
_SYSTEM = "aws.dynamodb"

_TRANSACT_ACTIONS = ("ConditionCheck", "Put", "Update", "Delete", "Get")
_WRITES = {
    "PutItem",
    "UpdateItem",
    "DeleteItem",
    "BatchWriteItem",
    "TransactWriteItems",
}

_ItemKey = tuple[str, Mapping[str, Any]]
"""A written item: its table (name or ARN) and its typed key attributes."""


class DynamoDbExtension(ServiceExtension):
    """Every call names its tables; the five write operations link."""

    def request_attributes(self, call: SdkCall) -> dict[str, AttributeValue]:
        tables = _tables(call.params)
        attributes: dict[str, AttributeValue] = {
            db.DB_SYSTEM_NAME: _SYSTEM,
            db.DB_OPERATION_NAME: call.operation,
        }
        if tables:
            attributes[aws.AWS_DYNAMODB_TABLE_NAMES] = tuple(tables)
        if len(tables) == 1:
            attributes[db.DB_COLLECTION_NAME] = table_name(tables[0])
        return attributes

    def target(self, call: SdkCall) -> str | None:
        names = sorted({table_name(table) for table in _tables(call.params)})
        return ",".join(names) or None

    def out_links(
        self,
        call: SdkCall,
        response: Mapping[str, Any],
        key_schema: KeySchemaLookup,
    ) -> list[Link]:
        if call.operation not in _WRITES:
            return []

        schemas = _KeySchemas(key_schema)
        written = Counter(
            ddb_item_key(table, key)
            for table, key in _written(call.operation, call.params, schemas)
        )
        if call.operation == "BatchWriteItem":
            # Items DynamoDB did not get to were not written; the caller
            # retries them in a later call, which links them then.
            unprocessed = response.get("UnprocessedItems")
            written -= Counter(
                ddb_item_key(table, key)
                for table, key in _batch_written(unprocessed, schemas)
            )
        return [Link(key) for key in written.elements()]


class _KeySchemas:
    """Picks the key attributes out of whole items, asking ``key_schema``
    once per table and call."""

    def __init__(self, key_schema: KeySchemaLookup) -> None:
        self._lookup = key_schema
        self._names: dict[str, Sequence[str] | None] = {}

    def key_of(self, table: Any, item: Any) -> dict[str, Any] | None:
        if not isinstance(table, str) or not isinstance(item, Mapping):
            return None
        if table not in self._names:
            self._names[table] = self._lookup(table)
        names = self._names[table]
        if not names:
            _logger.debug("no key schema for %s; put not linked", table_name(table))
            return None
        if not all(name in item for name in names):
            return None
        return {name: item[name] for name in names}


def _written(
    operation: str, params: Mapping[str, Any], schemas: _KeySchemas
) -> Iterator[_ItemKey]:
    """Every item a write request names, in request order."""
    table = params.get("TableName")
    if operation == "PutItem":
        yield from _pair(table, schemas.key_of(table, params.get("Item")))
    elif operation in ("UpdateItem", "DeleteItem"):
        yield from _pair(table, params.get("Key"))
    elif operation == "BatchWriteItem":
        yield from _batch_written(params.get("RequestItems"), schemas)
    elif operation == "TransactWriteItems":
        # ConditionCheck only reads: it leaves no stream record.
        for entry in mappings(params.get("TransactItems")):
            put = mapping(entry.get("Put"))
            put_table = put.get("TableName")
            yield from _pair(put_table, schemas.key_of(put_table, put.get("Item")))
            for action in ("Update", "Delete"):
                request = mapping(entry.get(action))
                yield from _pair(request.get("TableName"), request.get("Key"))


def _batch_written(request_items: Any, schemas: _KeySchemas) -> Iterator[_ItemKey]:
    """The items of BatchWriteItem's RequestItems (or UnprocessedItems)."""
    for table, requests in mapping(request_items).items():
        for request in mappings(requests):
            put = mapping(request.get("PutRequest"))
            yield from _pair(table, schemas.key_of(table, put.get("Item")))
            delete = mapping(request.get("DeleteRequest"))
            yield from _pair(table, delete.get("Key"))


def _pair(table: Any, key: Any) -> Iterator[_ItemKey]:
    """(table, typed key) if both are usable; nothing otherwise."""
    if not isinstance(table, str) or not table or not isinstance(key, Mapping):
        return
    typed = _typed_key(key)
    if typed:
        yield table, typed


def _typed_key(key: Mapping[str, Any]) -> dict[str, Any] | None:
    """Key attributes in DynamoDB's typed form (``{"pk": {"S": "a"}}``),
    whether the request came typed from the low-level client or plain from
    boto3's resource layer (``{"pk": "a"}``), which types values only inside
    the API call, after the instrumentation has seen them.  Key attributes
    can only be strings, numbers or binary, so the two forms never clash."""
    typed: dict[str, Any] = {}
    for name, value in key.items():
        if isinstance(value, Mapping):
            if len(value) != 1 or next(iter(value)) not in ("S", "N", "B"):
                return None
            typed[name] = value
        elif isinstance(value, str):
            typed[name] = {"S": value}
        elif isinstance(value, (int, Decimal)) and not isinstance(value, bool):
            typed[name] = {"N": str(value)}
        elif isinstance(value, (bytes, bytearray)):
            typed[name] = {"B": bytes(value)}
        elif isinstance(value, Binary):
            typed[name] = {"B": value.value}
        else:
            return None
    return typed


def _tables(params: Mapping[str, Any]) -> list[str]:
    """The tables a request names, in order, each once."""
    found = [params.get("TableName")]
    found.extend(mapping(params.get("RequestItems")))
    for entry in mappings(params.get("TransactItems")):
        found.extend(
            mapping(entry.get(action)).get("TableName") for action in _TRANSACT_ACTIONS
        )
    names = (name for name in found if isinstance(name, str) and name)
    return list(dict.fromkeys(names))
