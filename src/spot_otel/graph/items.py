"""DynamoDB's typed item form (``{"S": "..."}``) turned into plain values."""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Mapping


def plain_item(item: Mapping[str, Any]) -> dict[str, Any]:
    """An item as plain Python values (numbers become ``Decimal``).

    Raises ``ValueError`` when a value is not in the typed form.
    """
    deserializer = _deserializer()
    try:
        return {name: deserializer.deserialize(value) for name, value in item.items()}
    except (TypeError, ValueError, AttributeError, KeyError) as exc:
        raise ValueError(f"not a typed DynamoDB item: {exc}") from None


@lru_cache(maxsize=1)
def _deserializer() -> Any:
    # boto3 is imported only when a typed item turns up.
    from boto3.dynamodb.types import TypeDeserializer

    return TypeDeserializer()
