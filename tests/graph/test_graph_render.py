"""Every renderer, on one small request with a failure, an open invocation,
a batch and an external source."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest

from spot_otel.graph import GraphvizMissing, build_graph, render
from spot_otel.graph.aggregate import (
    aggregate,
    aggregate_to_dict,
    render_aggregate_text,
)
from spot_otel.graph.svg_layout import render_tree_svg
from spot_otel.links import Link, http_key, invoke_key

from tests.conftest import load_event
from tests.graph.events import in_links
from tests.graph.factory import Invocation

T0 = 1_700_000_000_000
VIAS = {"invoke", "s3", "ddb", "sns", "sqs", "events", "kinesis", "http"}


@pytest.fixture
def graph():
    batch = in_links(load_event("sqsEvent"))
    api = Invocation(
        "req-api",
        "checkout",
        T0,
        trigger="apigateway",
        links_in=[Link(http_key("apigw-1"))],
        event_source="aws:apigateway",
    )
    pay = Invocation("req-pay", "payment", T0 + 20)
    ship = Invocation("req-ship", "ship", T0 + 200, trigger="sqs", links_in=batch)
    return build_graph(
        [
            *api.whole(
                300,
                api.call("Invoke", T0 + 10, 50, [Link(invoke_key(pay.id))]),
                api.call("SendMessageBatch", T0 + 100, 9, batch),
            ),
            *pay.whole(40, error='KeyError: "card"'),
            ship.entry(),
        ]
    )


def test_text_tree_shows_function_trigger_duration_status_and_markers(graph):
    text = render(graph, "text")
    lines = text.splitlines()
    assert lines[0] == (
        "3 invocation(s), 3 hop(s), 1 external source(s), 1 failed, 1 never ended"
    )
    assert lines[1].startswith("external aws:apigateway  [http]")
    assert lines[2].startswith("└─ http ▸ checkout  [apigateway]  300 ms  OK")
    # Children by start time: payment (+0.020 s) before ship (+0.200 s).
    assert lines[3].startswith("   ├─ invoke Invoke ▸ payment  [invoke]  40 ms  ERROR")
    assert 'error: KeyError: "card"' in lines[3]
    assert lines[4].startswith(
        "   └─ sqs SendMessageBatch x2 ▸ ship  [sqs]  begun, never ended"
    )
    assert render(graph, "text", ascii=True).isascii()


def test_json_has_the_documented_fields(graph):
    data = json.loads(render(graph, "json"))
    for node in data["nodes"]:
        assert {
            "id",
            "function",
            "request_id",
            "trigger",
            "start",
            "duration_ms",
            "status",
            "ended",
        } <= set(node)
    ship = next(node for node in data["nodes"] if node["id"] == "req-ship")
    assert (ship["ended"], ship["duration_ms"], ship["status"]) == (
        False,
        None,
        "UNSET",
    )
    assert ship["start"] == T0 + 200
    for edge in data["edges"]:
        assert {"from", "to", "via", "operation", "link"} <= set(edge)
        assert edge["via"] in VIAS
    invoke = next(edge for edge in data["edges"] if edge["via"] == "invoke")
    assert invoke == {
        **invoke,
        "from": "req-api",
        "to": "req-pay",
        "operation": "Invoke",
        "link": invoke_key("req-pay"),
    }


def test_dot_is_valid_graphviz_input(graph):
    dot = render(graph, "dot")
    assert dot.startswith("digraph request {")
    assert '"req-api" -> "req-pay" [label="invoke Invoke"];' in dot
    assert 'color="#d97706"' in dot  # the open invocation
    if shutil.which("dot") is None:
        pytest.skip("graphviz is not installed here")
    checked = subprocess.run(
        ["dot", "-Tcanon"], input=dot.encode(), capture_output=True
    )
    assert checked.returncode == 0, checked.stderr


def test_svg_comes_from_dot_or_a_clear_error(graph, monkeypatch, tmp_path):
    if shutil.which("dot") is not None:
        svg = render(graph, "svg")
        assert "<svg" in svg and "checkout" in svg
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(GraphvizMissing, match="`dot` program from Graphviz"):
        render(graph, "svg")


def test_mermaid_declares_every_node_and_edge(graph):
    text = render(graph, "mermaid")
    assert text.startswith("flowchart LR\n")
    assert len(re.findall(r" -->\|", text)) == len(graph.edges)
    assert '["payment<br/>[invoke] 40 ms ERROR"]' in text
    assert re.search(r"class n\d+ open", text)


def test_html_is_self_contained_and_lists_every_invocation(
    graph, monkeypatch, tmp_path
):
    pages = [render(graph, "html")]
    monkeypatch.setenv("PATH", str(tmp_path))  # no dot: the built-in drawing
    pages.append(render(graph, "html"))
    for page in pages:
        assert page.startswith("<!DOCTYPE html>") and "<svg" in page
        assert "<script" not in page and "<link" not in page
        references = re.findall(r'(?:href|src)="([^"#][^"]*)"', page)
        assert references == []
        for function in ("checkout", "payment", "ship"):
            assert f"<td>{function}</td>" in page
        assert "never ended" in page


def test_the_builtin_svg_places_every_node(graph):
    svg = render_tree_svg(graph)
    assert svg.count("<rect") == len(graph.nodes)
    assert svg.count("<path") == len(graph.edges)


def test_aggregate_counts_latencies_errors_and_edges():
    records = []
    for n in range(10):
        job = Invocation(f"req-job{n}", "job", T0 + n * 1000)
        child = Invocation(f"req-child{n}", "child", T0 + n * 1000 + 5)
        records += job.whole(
            10 * (n + 1),
            job.call("Invoke", T0 + n * 1000 + 1, 3, [Link(invoke_key(child.id))]),
            error="boom" if n == 9 else None,
        )
        records += child.whole(5) if n else [child.entry()]
    result = aggregate(build_graph(records))
    data = aggregate_to_dict(result)

    job = next(row for row in data["functions"] if row["function"] == "job")
    assert (job["invocations"], job["errors"], job["never_ended"]) == (10, 1, 0)
    assert (job["p50_ms"], job["p90_ms"], job["p99_ms"]) == (50, 90, 100)
    child = next(row for row in data["functions"] if row["function"] == "child")
    assert (child["invocations"], child["never_ended"]) == (10, 1)
    assert data["edges"] == [
        {
            "from": "job",
            "to": "child",
            "via": "invoke",
            "operation": "Invoke",
            "count": 10,
        }
    ]
    assert data["requests"] == 10
    text = render_aggregate_text(result)
    assert re.search(r"^job\s+10\s+1\s+0\s+50 ms\s+90 ms\s+100 ms$", text, re.M)
