"""Safe reads from events of unknown quality, shared by every trigger reader.

An event may be anything a caller chose to send: keys missing, values of the
wrong type, nulls, strings of any size.  These helpers turn each of those into
"absent" instead of an exception, so a reader can read what is there and skip
what is not.  None of them copies or changes what it reads.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any, Mapping

from spot_otel.triggers.types import UNKNOWN

MAX_ID_CHARS = 4096
"""Longest string taken as an id.  An S3 key, the longest id AWS sends, is at
most 1,024 bytes, about 3,000 characters URL-encoded; anything longer is not
an id, and would only bloat link keys and records."""

MAX_TEXT_CHARS = 1024
"""Descriptive fields (``message``, ``event_op``, attribute values) are clipped
to this many characters: they are for reading, not for joining."""

EMPTY: Mapping[str, Any] = MappingProxyType({})


def mapping(value: Any) -> Mapping[str, Any]:
    """``value`` if it is a mapping, else an empty one."""
    return value if isinstance(value, Mapping) else EMPTY


def dig(value: Any, *keys: str) -> Any:
    """``value[k1][k2]...``, or None where a step is not a mapping or lacks
    the key."""
    for key in keys:
        if not isinstance(value, Mapping):
            return None
        value = value.get(key)
    return value


def ident(value: Any) -> str | None:
    """``value`` if it can be an id: a non-empty string of sane length."""
    if isinstance(value, str) and 0 < len(value) <= MAX_ID_CHARS:
        return value
    return None


def text(value: Any) -> str | None:
    """``value`` clipped for a descriptive field, if it is a non-empty string."""
    if isinstance(value, str) and value:
        return value[:MAX_TEXT_CHARS]
    return None


def known(value: Any) -> str:
    """:func:`text`, or SpotWrap's ``unknown`` placeholder."""
    return text(value) or UNKNOWN


def joined(*parts: str | None) -> str | None:
    """The parts that are present, joined by ``:`` (SpotWrap's id pairs)."""
    present = [part for part in parts if part]
    return ":".join(present) if present else None


def records(event: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The records of a batch event; entries that are not mappings are skipped,
    and a ``Records`` that is not a list holds none."""
    raw = event.get("Records")
    if not isinstance(raw, list):
        return []
    return [record for record in raw if isinstance(record, Mapping)]


def arn_resource(arn: Any, resource_type: str) -> str | None:
    """The name in an ARN's ``<type>/<name>[/...]`` resource part, e.g. the
    stream of ``arn:aws:kinesis:<region>:<account>:stream/<name>``."""
    text_arn = ident(arn)
    if text_arn is None or not text_arn.startswith("arn:"):
        return None

    parts = text_arn.split(":", 5)[-1].split("/")
    if len(parts) >= 2 and parts[0] == resource_type and parts[1]:
        return parts[1]
    return None


def arn_last(arn: Any) -> str | None:
    """The last ``:``-separated part of an ARN: a queue's or a topic's name."""
    text_arn = ident(arn)
    if text_arn is None or not text_arn.startswith("arn:"):
        return None
    return text_arn.rsplit(":", 1)[-1] or None
