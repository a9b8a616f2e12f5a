"""Amazon S3: object writes and deletes, linked to the notifications they cause.

A write is joined to the S3 notification it triggers by bucket, key and
ETag (the object version the notification names) and by the request id S3
repeats in the notification's ``responseElements``.  Deletes have no ETag
to offer, so their object key carries an empty one.  Object contents are
never read: the ids all come from the request and the response headers.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from opentelemetry.semconv._incubating.attributes import aws_attributes as aws

from spot_otel.extensions._fields import mapping, mappings, request_id, text
from spot_otel.extensions.types import (
    AttributeValue,
    KeySchemaLookup,
    SdkCall,
    ServiceExtension,
)
from spot_otel.links import Link, s3_object_key, s3_request_key

_REQUEST_ATTRIBUTES = (
    (aws.AWS_S3_BUCKET, "Bucket"),
    (aws.AWS_S3_KEY, "Key"),
    (aws.AWS_S3_UPLOAD_ID, "UploadId"),
    (aws.AWS_S3_PART_NUMBER, "PartNumber"),
)

_LINKED = {
    "PutObject",
    "CopyObject",
    "CompleteMultipartUpload",
    "DeleteObject",
    "DeleteObjects",
}


class S3Extension(ServiceExtension):
    """Every S3 call names its bucket and key; writes and deletes link."""

    def request_attributes(self, call: SdkCall) -> dict[str, AttributeValue]:
        attributes: dict[str, AttributeValue] = {}
        for name, param in _REQUEST_ATTRIBUTES:
            value = call.params.get(param)
            if isinstance(value, (str, int)) and not isinstance(value, bool):
                attributes[name] = value

        copy_source = _copy_source(call.params.get("CopySource"))
        if copy_source is not None:
            attributes[aws.AWS_S3_COPY_SOURCE] = copy_source
        return attributes

    def target(self, call: SdkCall) -> str | None:
        bucket = text(call.params, "Bucket")
        key = text(call.params, "Key")
        if bucket is None:
            return None
        return f"{bucket}/{key}" if key is not None else bucket

    def out_links(
        self,
        call: SdkCall,
        response: Mapping[str, Any],
        key_schema: KeySchemaLookup,
    ) -> list[Link]:
        bucket = text(call.params, "Bucket")
        if bucket is None or call.operation not in _LINKED:
            return []

        links = [
            Link(s3_object_key(bucket, key, etag))
            for key, etag in _written(call, response)
        ]
        write_request = request_id(response)
        if write_request is not None:
            links.append(Link(s3_request_key(write_request)))
        return links


def _written(call: SdkCall, response: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """(key, ETag) of each object the call wrote or deleted ("" for deletes)."""
    if call.operation == "DeleteObjects":
        for deleted in mappings(response.get("Deleted")):
            key = text(deleted, "Key")
            if key is not None:
                yield key, ""
        return

    key = text(call.params, "Key")
    if key is None:
        return
    if call.operation == "DeleteObject":
        yield key, ""
        return

    if call.operation == "CopyObject":
        response = mapping(response.get("CopyObjectResult"))
    etag = text(response, "ETag")
    if etag is not None:
        yield key, etag


def _copy_source(value: Any) -> str | None:
    """CopySource as ``bucket/key``, whether given as text or as a map."""
    if isinstance(value, str):
        return value or None
    if isinstance(value, Mapping):
        bucket = text(value, "Bucket")
        key = text(value, "Key")
        if bucket is not None and key is not None:
            return f"{bucket}/{key}"
    return None
