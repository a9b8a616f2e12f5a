"""Shapes a real run must also show, on synthetic requests; and selection by
trace and time window over a dump."""

from __future__ import annotations

import json

import pytest

from spot_otel.graph import DumpSource, NotFound, build_graph, load_request
from spot_otel.graph.select import parse_time
from spot_otel.records import to_item

from tests.graph.real_runs import hop_shape, open_invocations
from tests.graph.synthetic import SyntheticRequests


@pytest.fixture(scope="module")
def requests():
    generator = SyntheticRequests(seed=3)
    return [generator.request() for _ in range(40)]


def test_every_synthetic_request_has_the_expected_shape(requests):
    graph = build_graph(record for request in requests for record in request)
    for request in requests:
        front = next(record for record in request if record.function == "front")
        one = graph.request_of([front.invocation_id])
        shape = [hop for hop in hop_shape(one) if hop[1] != "projector"]
        expected = [
            ("aws:apigateway", "front", "http", ""),
            ("front", "worker", "invoke", "Invoke"),
            ("ship", "audit", "sns", "Publish"),
            ("ship", "email", "sns", "Publish"),
            ("worker", "ship", "sqs", "SendMessage"),
        ]
        if any(record.function == "thumbnail" for record in request):
            expected.append(("worker", "thumbnail", "s3", "PutObject"))
        assert shape == sorted(expected)
    assert open_invocations(graph).count("worker") == sum(
        1
        for request in requests
        if not any(r.function == "worker" and r.record_type == "exit" for r in request)
    )


def test_trace_and_window_selection_over_a_dump(requests, tmp_path):
    path = tmp_path / "dump.jsonl"
    with path.open("w") as stream:
        for request in requests:
            for record in request:
                stream.write(json.dumps(to_item(record)) + "\n")
    source = DumpSource(path)

    third = requests[2][0]
    by_trace = load_request(source, trace_id=third.trace_id)
    assert {node.trace_id for node in by_trace.invocations()} >= {third.trace_id}
    assert third.invocation_id in by_trace.nodes

    first_start = min(record.ts for record in requests[0])
    window = load_request(source, since=first_start, until=first_start + 1)
    fronts = [node for node in window.invocations() if node.function == "front"]
    assert [node.id for node in fronts] == [requests[0][0].invocation_id]

    with pytest.raises(NotFound, match="no request started"):
        load_request(source, since="2001-01-01T00:00:00Z", until="2001-01-02T00:00:00Z")


def test_times_read_as_iso_epoch_or_relative():
    now = 1_700_000_000_000
    assert parse_time("15m", now) == now - 15 * 60_000
    assert parse_time("2h", now) == now - 7_200_000
    assert parse_time("1700000000", now) == now
    assert parse_time("1700000000000", now) == now
    assert parse_time("2023-11-14T22:13:20Z", now) == now
