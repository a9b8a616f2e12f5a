"""Run an example application on the local runtime through an unpacked layer,
as Lambda runs functions that have the layer and the exec wrapper set."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from spot_otel.local import LocalApp
from spot_otel.records import ENTRY, EXIT, Record, iter_records
from tests.deploy.conftest import REPO

EXAMPLES = REPO / "examples"
APPS = Path(__file__).parent / "apps"


@dataclass
class LayerRun:
    """What one run showed: where the code came from, and what it recorded."""

    probe: dict[str, Any]
    answer: dict[str, Any]
    records: list[Record]


def run_fn_invoker_through(
    opt: Path, calls: int = 2, env: dict[str, str] | None = None
) -> LayerRun:
    """fn_invoker invoking spot_template ``calls`` times, synchronously, with
    ``opt`` standing in for ``/opt``: ``opt/python`` on the path and
    ``opt/spot-otel-wrapper`` as ``AWS_LAMBDA_EXEC_WRAPPER``.  ``env`` is
    added to every function's environment."""
    from_layer = {
        "layer": str(opt / "python"),
        "exec_wrapper": str(opt / "spot-otel-wrapper"),
        "env": dict(env or {}),
    }
    spec = {
        "app": {"name": "layer-run"},
        "functions": {
            "fn_invoker": {
                "handler": "invoker.handler",
                "code": str(EXAMPLES / "fn_invoker"),
                "timeout": 20,
                **from_layer,
            },
            "spot_template": {
                "handler": "template.handler",
                "code": str(EXAMPLES / "spot_template"),
                "timeout": 10,
                **from_layer,
            },
            "probe": {"handler": "probe.handler", "code": str(APPS), **from_layer},
        },
    }
    with LocalApp.from_spec(spec, base_dir=APPS) as app:
        probe = app.invoke("probe", {}).json()
        result = app.invoke(
            "fn_invoker", {"target": "spot_template", "count": calls, "mode": "sync"}
        )
        assert result.ok, result.payload
        app.wait_idle(timeout=60)
        items = _scan(app.client("dynamodb"), app.spec.settings.spotfns_table)
    return LayerRun(probe=probe, answer=result.json(), records=list(iter_records(items)))


def assert_hops_joined(records: list[Record], calls: int = 2) -> None:
    """Each of fn_invoker's ``calls`` Invoke calls leads to one spot_template
    invocation, joined by link key, all in fn_invoker's trace."""
    def of(function: str, record_type: str) -> list[Record]:
        return [
            r for r in records if r.function == function and r.record_type == record_type
        ]

    assert len(of("fn_invoker", ENTRY)) == len(of("fn_invoker", EXIT)) == 1
    invokes = [
        r for r in records if r.function == "fn_invoker" and r.event_op == "Invoke"
    ]
    entries = of("spot_template", ENTRY)
    assert len(invokes) == len(entries) == len(of("spot_template", EXIT)) == calls

    out_links = sorted(link.key for call in invokes for link in call.links_out)
    in_links = sorted(link.key for entry in entries for link in entry.links_in)
    assert len(out_links) == calls
    assert out_links == in_links
    trace = of("fn_invoker", ENTRY)[0].trace_id
    assert {r.trace_id for r in invokes + entries} == {trace}


def _scan(client: Any, table: str) -> list[dict[str, Any]]:
    from boto3.dynamodb.types import TypeDeserializer

    plain = TypeDeserializer()
    items: list[dict[str, Any]] = []
    for page in client.get_paginator("scan").paginate(TableName=table):
        items.extend(
            {name: plain.deserialize(value) for name, value in item.items()}
            for item in page["Items"]
        )
    return items
