"""The spotFns table: create it, describe it, and explain AWS errors about it.

``spot-otel table create`` and the sink's ``OTEL_EXPORTER_SPOTFNS_CREATE_TABLE``
switch both come here, so the table always has the same shape: partition key
``requestID``, on-demand billing, and four global secondary indexes, all
sorted by ``ts``.  Three make one trace, one invocation and one link key each
a single Query and project every attribute
(:data:`spot_otel.records.TRACE_INDEX`, ``INVOCATION_INDEX``, ``LINK_INDEX``);
the fourth, :data:`spot_otel.records.TIME_INDEX`, lists the invocations of a
UTC day (keys only) for ``spot-otel graph --since``.  TTL on
:data:`spot_otel.records.TTL_ATTRIBUTE` and a ``NEW_IMAGE`` stream are optional.

Creating is idempotent: an existing table is reported as it is, and what it
lacks (TTL, stream, an index) is noted, never an error.  A spot-otel table
made before the time index existed gets it added (UpdateTable); DynamoDB
builds it in the background, and entries written before then carry no
``day``, so they stay out of it.  The indexes of other tables (an original
SpotWrap table) are left alone.  AWS errors become a :class:`TableError`
whose message is one line a user can act on, naming the IAM permission that
was refused.

Nothing here imports boto3 at module import; the caller passes a client
(:func:`table_client` makes an untraced one).
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass
from typing import Any

from spot_otel import records
from spot_otel.aws import untraced_client
from spot_otel.environment_variables import (
    OTEL_EXPORTER_SPOTFNS_REGION,
    OTEL_EXPORTER_SPOTFNS_TABLE,
    env_str,
)

_logger = logging.getLogger(__name__)

_DEFAULT_REGION = "us-east-1"
_STREAM_VIEW = "NEW_IMAGE"
_INDEX_KEYS = {
    records.TRACE_INDEX: "traceId",
    records.INVOCATION_INDEX: "invocationId",
    records.LINK_INDEX: "linkKey",
    records.TIME_INDEX: "day",
}
_KEYS_ONLY_INDEXES = frozenset({records.TIME_INDEX})
_DEFAULT_WAIT_SECONDS = 300.0

_ACCESS_DENIED_CODES = frozenset(
    {
        "AccessDeniedException",
        "AccessDenied",
        "UnrecognizedClientException",
        "InvalidSignatureException",
        "ExpiredTokenException",
        "InvalidClientTokenId",
    }
)


class TableError(Exception):
    """A table operation failed for a reason the user can act on.

    The message is a single line, fit to print as it is.
    """


@dataclass(frozen=True)
class TableState:
    """What a table looks like after :func:`create_table` or :func:`describe_table`."""

    name: str
    status: str
    created: bool = False
    indexes: tuple[str, ...] = ()
    ttl_attribute: str | None = None
    stream_view: str | None = None
    item_count: int | None = None
    notes: tuple[str, ...] = ()

    @property
    def is_active(self) -> bool:
        return self.status == "ACTIVE"


def resolve_table_name(explicit: str | None = None) -> str:
    """The table to use: ``explicit``, else ``OTEL_EXPORTER_SPOTFNS_TABLE``,
    else ``spotFns``."""
    return explicit or env_str(OTEL_EXPORTER_SPOTFNS_TABLE, records.DEFAULT_TABLE)


def resolve_region(explicit: str | None = None) -> str:
    """The table's region: ``explicit``, else ``OTEL_EXPORTER_SPOTFNS_REGION``,
    else ``AWS_REGION`` (set in every Lambda function), else ``us-east-1``."""
    if explicit:
        return explicit
    return env_str(
        OTEL_EXPORTER_SPOTFNS_REGION,
        os.environ.get("AWS_REGION", "").strip() or _DEFAULT_REGION,
    )


def table_client(region: str | None = None, **kwargs: Any) -> Any:
    """An untraced DynamoDB client for ``region`` (resolved as above)."""
    return untraced_client("dynamodb", region_name=resolve_region(region), **kwargs)


# -- Creating -------------------------------------------------------------------


def create_table(
    client: Any,
    name: str,
    *,
    ttl: bool,
    stream: bool,
    wait_seconds: float = _DEFAULT_WAIT_SECONDS,
) -> TableState:
    """Create the spotFns table ``name`` unless it exists, and wait until it is
    ACTIVE (at most ``wait_seconds``; the state then says ``CREATING``).

    ``ttl`` turns on TTL on ``expiresAt``; ``stream`` asks for a ``NEW_IMAGE``
    stream.  On an existing table both are switched on when missing and
    possible, and noted otherwise; a spot-otel table that lacks only the time
    index gets it (DynamoDB builds it in the background), and a failure to
    add it is a note, since the table works for everything else.

    Raises:
        TableError: for any AWS or connection error, with a one-line message.
    """
    created = True
    try:
        client.create_table(**_table_definition(name, stream=stream))
    except Exception as exc:  # noqa: BLE001 - sorted out just below
        if error_code(exc) != "ResourceInUseException":
            raise table_error(exc, name) from None
        created = False

    description = _wait_until_active(client, name, wait_seconds)
    notes: list[str] = []
    if description.get("TableStatus") == "ACTIVE":
        if ttl:
            notes.extend(_ensure_ttl(client, name))
        if stream and not created:
            notes.extend(_ensure_stream(client, name, description))
    elif ttl or (stream and not created):
        notes.append("table not ACTIVE yet: TTL and stream left as they are")

    if not created and _lacks_only_the_time_index(description):
        notes.extend(_add_time_index(client, name, wait_seconds))

    state = describe_table(client, name)
    notes.extend(state.notes)
    return TableState(
        name=state.name,
        status=state.status,
        created=created,
        indexes=state.indexes,
        ttl_attribute=state.ttl_attribute,
        stream_view=state.stream_view,
        item_count=state.item_count,
        notes=tuple(notes),
    )


def _table_definition(name: str, *, stream: bool) -> dict[str, Any]:
    attribute_names = [records.PARTITION_KEY, "ts", *_INDEX_KEYS.values()]
    definition: dict[str, Any] = {
        "TableName": name,
        "BillingMode": "PAY_PER_REQUEST",
        "KeySchema": [{"AttributeName": records.PARTITION_KEY, "KeyType": "HASH"}],
        "AttributeDefinitions": [
            {
                "AttributeName": attribute,
                "AttributeType": "N" if attribute == "ts" else "S",
            }
            for attribute in attribute_names
        ],
        "GlobalSecondaryIndexes": [_index_definition(index) for index in _INDEX_KEYS],
    }
    if stream:
        definition["StreamSpecification"] = {
            "StreamEnabled": True,
            "StreamViewType": _STREAM_VIEW,
        }
    return definition


def _index_definition(index: str) -> dict[str, Any]:
    projection = "KEYS_ONLY" if index in _KEYS_ONLY_INDEXES else "ALL"
    return {
        "IndexName": index,
        "KeySchema": [
            {"AttributeName": _INDEX_KEYS[index], "KeyType": "HASH"},
            {"AttributeName": "ts", "KeyType": "RANGE"},
        ],
        "Projection": {"ProjectionType": projection},
    }


def _wait_until_active(client: Any, name: str, wait_seconds: float) -> dict[str, Any]:
    # Our own short poll: boto3's table_exists waiter sleeps 20 s between looks.
    deadline = time.monotonic() + max(0.0, wait_seconds)
    delay = 0.25
    while True:
        try:
            description = client.describe_table(TableName=name)["Table"]
        except Exception as exc:  # noqa: BLE001 - one clear line instead
            raise table_error(exc, name) from None
        if description.get("TableStatus") == "ACTIVE":
            return description

        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return description
        time.sleep(min(delay, remaining))
        delay = min(delay * 2, 5.0)


def _ensure_ttl(client: Any, name: str) -> list[str]:
    try:
        current = client.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
    except Exception as exc:  # noqa: BLE001
        raise table_error(exc, name) from None

    status = current.get("TimeToLiveStatus", "DISABLED")
    attribute = current.get("AttributeName")
    if status in ("ENABLED", "ENABLING"):
        if attribute != records.TTL_ATTRIBUTE:
            return [
                f"TTL is on attribute {attribute!r}, not {records.TTL_ATTRIBUTE!r}: "
                "records will not expire"
            ]
        return []
    if status == "DISABLING":
        return ["TTL is being disabled; run create again later to turn it on"]

    try:
        client.update_time_to_live(
            TableName=name,
            TimeToLiveSpecification={
                "Enabled": True,
                "AttributeName": records.TTL_ATTRIBUTE,
            },
        )
    except Exception as exc:  # noqa: BLE001
        raise table_error(exc, name) from None
    return []


def _ensure_stream(client: Any, name: str, description: dict[str, Any]) -> list[str]:
    spec = description.get("StreamSpecification") or {}
    if spec.get("StreamEnabled"):
        view = spec.get("StreamViewType")
        if view != _STREAM_VIEW:
            return [f"the table already has a {view} stream; left as it is"]
        return []

    try:
        client.update_table(
            TableName=name,
            StreamSpecification={"StreamEnabled": True, "StreamViewType": _STREAM_VIEW},
        )
    except Exception as exc:  # noqa: BLE001
        raise table_error(exc, name) from None
    return []


def _lacks_only_the_time_index(description: dict[str, Any]) -> bool:
    """True for a spot-otel table made before the time index existed."""
    present = _index_statuses(description)
    missing = [index for index in _INDEX_KEYS if index not in present]
    return missing == [records.TIME_INDEX]


def _add_time_index(client: Any, name: str, wait_seconds: float) -> list[str]:
    """Ask DynamoDB to build the time index on an existing table."""
    # A stream or TTL switched on just now may leave the table UPDATING, and
    # UpdateTable refuses a busy table.
    description = _wait_until_active(client, name, wait_seconds)
    index = _index_definition(records.TIME_INDEX)
    if "ProvisionedThroughput" in description and not _on_demand(description):
        # A provisioned table's index needs its own throughput: the table's.
        throughput = description["ProvisionedThroughput"]
        index["ProvisionedThroughput"] = {
            "ReadCapacityUnits": throughput["ReadCapacityUnits"],
            "WriteCapacityUnits": throughput["WriteCapacityUnits"],
        }
    # DynamoDB wants the definitions of every key attribute of the table and
    # its indexes, the new one's included.
    definitions = {
        definition["AttributeName"]: definition
        for definition in description.get("AttributeDefinitions") or ()
    }
    day = _INDEX_KEYS[records.TIME_INDEX]
    definitions.setdefault("ts", {"AttributeName": "ts", "AttributeType": "N"})
    definitions[day] = {"AttributeName": day, "AttributeType": "S"}
    try:
        client.update_table(
            TableName=name,
            AttributeDefinitions=list(definitions.values()),
            GlobalSecondaryIndexUpdates=[{"Create": index}],
        )
    except Exception as exc:  # noqa: BLE001 - the table works without it
        return [_time_index_not_added(exc, name)]

    _logger.debug("asked for index %s on table %s", records.TIME_INDEX, name)
    return [
        f"adding index {records.TIME_INDEX} (time windows for `spot-otel graph "
        "--since`): DynamoDB builds it in the background; entries written "
        "before this version carry no day and stay out of it"
    ]


def _time_index_not_added(exc: BaseException, name: str) -> str:
    if error_code(exc) in ("ResourceInUseException", "LimitExceededException"):
        reason = "the table is busy being updated; run create again later"
    elif is_access_denied(exc):
        reason = f"your credentials may not use {permission_of(exc)}"
    else:
        reason = one_line(exc)
    return f"could not add index {records.TIME_INDEX} to {name!r}: {reason}"


def _on_demand(description: dict[str, Any]) -> bool:
    summary = description.get("BillingModeSummary") or {}
    return summary.get("BillingMode") == "PAY_PER_REQUEST"


def _index_statuses(description: dict[str, Any]) -> dict[str, str]:
    return {
        index["IndexName"]: str(index.get("IndexStatus", "ACTIVE"))
        for index in description.get("GlobalSecondaryIndexes") or ()
    }


# -- Describing -----------------------------------------------------------------


def describe_table(client: Any, name: str) -> TableState:
    """The table's status, indexes, TTL attribute, stream and item count.

    Raises:
        TableError: the table does not exist, or any AWS or connection error.
    """
    try:
        description = client.describe_table(TableName=name)["Table"]
    except Exception as exc:  # noqa: BLE001
        raise table_error(exc, name) from None

    ttl_attribute: str | None = None
    try:
        ttl = client.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
        if ttl.get("TimeToLiveStatus") in ("ENABLED", "ENABLING"):
            ttl_attribute = ttl.get("AttributeName")
    except Exception as exc:  # noqa: BLE001 - TTL is a detail; the table exists
        _logger.debug("DescribeTimeToLive on %s failed: %s", name, error_code(exc))

    spec = description.get("StreamSpecification") or {}
    statuses = _index_statuses(description)
    return TableState(
        name=name,
        status=str(description.get("TableStatus", "UNKNOWN")),
        indexes=tuple(statuses),
        ttl_attribute=ttl_attribute,
        stream_view=spec.get("StreamViewType") if spec.get("StreamEnabled") else None,
        item_count=description.get("ItemCount"),
        notes=tuple(_index_notes(name, statuses)),
    )


def _index_notes(name: str, statuses: dict[str, str]) -> list[str]:
    """What is missing or not ready among the indexes spot-otel graph reads."""
    notes: list[str] = []
    missing = [index for index in _INDEX_KEYS if index not in statuses]
    if missing == [records.TIME_INDEX]:
        notes.append(
            f"missing index {records.TIME_INDEX}: `spot-otel graph --since` needs "
            f"it (or --dump); `spot-otel table create --table {name}` adds it"
        )
    elif missing:
        notes.append(
            "missing index(es) "
            + ", ".join(missing)
            + ": spot-otel graph needs them; add them or use a new table"
        )
    for index, status in statuses.items():
        if index in _INDEX_KEYS and status != "ACTIVE":
            notes.append(f"index {index} is {status}: usable once ACTIVE")
    return notes


# -- Errors ---------------------------------------------------------------------


def error_code(exc: BaseException) -> str:
    """The AWS error code of a botocore ``ClientError`` (``""`` for others)."""
    response = getattr(exc, "response", None)
    if not isinstance(response, dict):
        return ""
    return str(response.get("Error", {}).get("Code", ""))


def is_access_denied(exc: BaseException) -> bool:
    """True for refused or invalid credentials."""
    return error_code(exc) in _ACCESS_DENIED_CODES


def permission_of(exc: BaseException) -> str:
    """The IAM action a ``ClientError`` was about, e.g. ``dynamodb:CreateTable``."""
    operation = getattr(exc, "operation_name", None) or "*"
    return f"dynamodb:{operation}"


def missing_table_hint(name: str, region: str | None = None) -> str:
    """One line saying the table is missing and how to create it."""
    where = f" in {region}" if region else ""
    command = f"spot-otel table create --table {name}"
    if region:
        command += f" --region {region}"
    return f"table {name!r} not found{where}; create it with `{command}`"


def table_error(exc: BaseException, name: str) -> TableError:
    """A :class:`TableError` with one clear line for ``exc``."""
    code = error_code(exc)
    if code == "ResourceNotFoundException":
        return TableError(missing_table_hint(name))
    if is_access_denied(exc):
        return TableError(
            f"access denied: your credentials may not use {permission_of(exc)} "
            f"on table {name!r} ({code})"
        )
    if code:
        text = f"{permission_of(exc)} on {name!r} failed: {one_line(exc)}"
        return TableError(records.cut_text(text, 300))
    return TableError(f"cannot reach DynamoDB for table {name!r}: {one_line(exc)}")


def one_line(exc: BaseException) -> str:
    """An exception's text on one line, cut at 200 characters."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    return records.cut_text(text, 200)
