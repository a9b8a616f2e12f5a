"""Link keys: the vocabulary that joins a producer's SDK call to its consumer.

A hop between two functions is joined when the producer's *out-link* key
equals the consumer's *in-link* key.  Both sides build the key from ids the
AWS service itself carries (a MessageId, an ETag, a request id), so nothing in
the user's data has to change.  This module is the only place the key formats
are written down; trigger readers and service extensions call the builders
below and never format a key themselves.

Keys are plain strings, ``<via>:<ids>``.  A :class:`Link` adds what a join
needs beyond equality: for DynamoDB Streams, where one item key is written
many times, the time of the write or of the stream record and the record's
sequence number, so the graph can pair writes and records one to one in order.

This module imports nothing from the rest of the package.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Any


class Via(str, Enum):
    """How a hop travels; the first part of every key."""

    INVOKE = "invoke"
    S3 = "s3"
    DDB = "ddb"
    SNS = "sns"
    SQS = "sqs"
    EVENTS = "events"
    KINESIS = "kinesis"
    HTTP = "http"


@dataclass(frozen=True)
class Link:
    """One end of a hop.

    ``key`` is what both ends share.  ``at_ms`` is the time of the event on
    this end when the join needs it (a DynamoDB write, a stream record's
    ``ApproximateCreationDateTime``); ``seq`` orders records of one key (a
    stream ``SequenceNumber``).
    """

    key: str
    at_ms: int | None = None
    seq: str | None = None

    @property
    def via(self) -> Via:
        """The hop kind, read back from the key's prefix."""
        prefix = self.key.split(":", 1)[0]
        if prefix == _S3_REQUEST:
            return Via.S3
        return Via(prefix)

    def encode(self) -> str:
        """One string for a span attribute: ``key`` then ``|t=``, ``|seq=``."""
        parts = [self.key]
        if self.at_ms is not None:
            parts.append(f"t={self.at_ms}")
        if self.seq is not None:
            parts.append(f"seq={self.seq}")
        return "|".join(parts)

    @classmethod
    def decode(cls, text: str) -> Link:
        """Inverse of :meth:`encode`; unknown suffixes are ignored."""
        key, *extras = text.split("|")
        at_ms: int | None = None
        seq: str | None = None
        for extra in extras:
            name, _, value = extra.partition("=")
            if name == "t" and value.lstrip("-").isdigit():
                at_ms = int(value)
            elif name == "seq" and value:
                seq = value
        return cls(key, at_ms, seq)


_S3_REQUEST = "s3req"


def invoke_key(request_id: str) -> str:
    """A Lambda invocation, by the callee's ``aws_request_id``.

    The producer reads it from the Invoke response's ``x-amzn-RequestId``
    header, sync or async: Lambda gives both the same id.
    """
    return f"{Via.INVOKE.value}:{request_id}"


def sns_key(message_id: str) -> str:
    """An SNS message, by the ``MessageId`` Publish returned."""
    return f"{Via.SNS.value}:{message_id}"


def sqs_key(message_id: str) -> str:
    """An SQS message, by the ``MessageId`` SendMessage returned."""
    return f"{Via.SQS.value}:{message_id}"


def s3_object_key(bucket: str, key: str, etag: str) -> str:
    """An S3 object version, by bucket, (decoded) key and ETag.

    ETags come quoted from the S3 API and bare in notifications: the quotes
    are dropped, so both sides agree.
    """
    return f"{Via.S3.value}:{bucket}/{key}#{normalize_etag(etag)}"


def s3_request_key(request_id: str) -> str:
    """An S3 write, by the request id S3 puts in its notification."""
    return f"{_S3_REQUEST}:{request_id}"


def events_key(event_id: str) -> str:
    """An EventBridge event, by the ``EventId`` PutEvents returned."""
    return f"{Via.EVENTS.value}:{event_id}"


def kinesis_key(stream: str, shard_id: str, sequence_number: str) -> str:
    """A Kinesis record, by stream name, shard and sequence number."""
    return f"{Via.KINESIS.value}:{stream}/{shard_id}/{sequence_number}"


def http_key(request_id: str) -> str:
    """An HTTP request through API Gateway, a Function URL or an ALB."""
    return f"{Via.HTTP.value}:{request_id}"


def ddb_item_key(table: str, key_attributes: Mapping[str, Any]) -> str:
    """A DynamoDB item, by table name and a digest of its key attributes.

    ``key_attributes`` is in DynamoDB's typed form (``{"pk": {"S": "a"}}``),
    as the low-level API and stream records carry it.  The values go into a
    digest, never in clear: keys can hold user data.
    """
    return f"{Via.DDB.value}:{table_name(table)}:{key_digest(key_attributes)}"


def normalize_etag(etag: str) -> str:
    """``'"abc"'`` and ``'abc'`` are the same ETag."""
    return etag.strip().strip('"')


def table_name(table: str) -> str:
    """A table's name from its name or ARN (table or stream ARN)."""
    if table.startswith("arn:"):
        resource = table.split(":", 5)[-1]
        parts = resource.split("/")
        if len(parts) >= 2 and parts[0] == "table":
            return parts[1]
    return table


def key_digest(key_attributes: Mapping[str, Any]) -> str:
    """A stable digest of typed key attributes.

    Numbers are normalized (``"1.0"`` equals ``"1"``) and binary values are
    compared as base64, the form stream records use.
    """
    canonical = {
        name: _canonical_value(value) for name, value in key_attributes.items()
    }
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _canonical_value(value: Any) -> Any:
    if not isinstance(value, Mapping) or len(value) != 1:
        return ["?", str(value)]

    (type_name, raw), = value.items()
    if type_name == "N":
        return ["N", _canonical_number(raw)]
    if type_name == "B":
        if isinstance(raw, (bytes, bytearray)):
            raw = base64.b64encode(bytes(raw)).decode("ascii")
        return ["B", str(raw)]
    return [str(type_name), str(raw)]


def _canonical_number(raw: Any) -> str:
    try:
        number = Decimal(str(raw))
        if number == number.to_integral_value():
            return str(number.quantize(Decimal(1)))
        return str(number.normalize())
    except (InvalidOperation, ValueError, OverflowError):
        # Not a number DynamoDB would accept: compare the text as it is.
        return str(raw)


def encode_all(links: Iterable[Link]) -> tuple[str, ...]:
    """Links as a tuple of strings, for a span attribute."""
    return tuple(link.encode() for link in links)
