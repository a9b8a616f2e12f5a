"""Fields of botocore params and parsed responses, read alike by every extension."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

# botocore copies the request id header into ``ResponseMetadata.RequestId``;
# these are the headers it reads it from, should a response lack the copy.
_REQUEST_ID_HEADERS = ("x-amzn-requestid", "x-amz-request-id")


def request_id(response: Mapping[str, Any]) -> str | None:
    """The AWS request id of a response, or None if it carries none."""
    metadata = response.get("ResponseMetadata")
    if not isinstance(metadata, Mapping):
        return None

    value = metadata.get("RequestId")
    if isinstance(value, str) and value:
        return value

    headers = metadata.get("HTTPHeaders")
    if not isinstance(headers, Mapping):
        return None
    for name in _REQUEST_ID_HEADERS:
        value = headers.get(name)
        if isinstance(value, str) and value:
            return value
    return None


def mapping(value: Any) -> Mapping[str, Any]:
    """``value`` if it is a mapping, else an empty one, so a missing or
    malformed part of a request reads as empty."""
    return value if isinstance(value, Mapping) else {}


def mappings(value: Any) -> Iterator[Mapping[str, Any]]:
    """The mappings in a list taken from a request or response; anything
    else in it (or a value that is not a list) is skipped."""
    if not isinstance(value, (list, tuple)):
        return
    for item in value:
        if isinstance(item, Mapping):
            yield item


def text(mapping: Mapping[str, Any], name: str) -> str | None:
    """``mapping[name]`` if it is a non-empty string, else None."""
    value = mapping.get(name)
    if isinstance(value, str) and value:
        return value
    return None
