"""Apps on the local runtime for the fault suite, and reading back spotFns.

Functions run under spot-otel's exec wrapper, exactly as in Lambda, from
``tests/faults/apps``; one app per test module (module-scoped), because
starting one costs a moto server and cold starts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator, Mapping

from boto3.dynamodb.types import TypeDeserializer

from spot_otel.local import LocalApp
from tests.local.conftest import start_app

APPS = Path(__file__).parent / "apps"


def traced(handler: str, **settings: Any) -> dict[str, Any]:
    """A function entry for a spec dict, under spot-otel's exec wrapper."""
    return {"handler": handler, "code": str(APPS), **settings}


def running(spec: Mapping[str, Any]) -> Iterator[LocalApp]:
    """Start ``spec``; close it when the generator is closed."""
    app = start_app(spec)
    try:
        yield app
    finally:
        app.close()


def dump_table(app: LocalApp, table: str = "spotFns") -> list[dict[str, Any]]:
    """Every item of the app's spotFns table, in plain Python.  A Scan, as
    ``spot-otel table dump`` makes; tests only."""
    deserializer = TypeDeserializer()
    client = app.client("dynamodb")
    items: list[dict[str, Any]] = []
    scan: dict[str, Any] = {"TableName": table}
    while True:
        page = client.scan(**scan)
        items.extend(
            {name: deserializer.deserialize(value) for name, value in item.items()}
            for item in page["Items"]
        )
        if "LastEvaluatedKey" not in page:
            return items
        scan["ExclusiveStartKey"] = page["LastEvaluatedKey"]
